//! A status diagram: statuses as boxes in layers from top to bottom (longest path from
//! where cases start, moves back up curving round the right), arrows labelled with the events and
//! deadlines that move a case. Drawn as inline SVG for HTML, as Mermaid for Markdown.
//!
//! Text is measured as a monospace font of the given size would set it (0.6 em a
//! character), so that boxes fit their names without fonts or scripts.

use std::fmt::Write as _;

/// A status diagram of one case type.
#[derive(Clone, Debug)]
pub(crate) struct Graph {
    /// The case type's name.
    pub name: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub label: String,
    /// A second, smaller line (a status's tags).
    pub sub: String,
    pub kind: NodeKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeKind {
    /// Where created cases come from.
    Start,
    /// `any status` or `computed status`: not a status.
    Any,
    Status {
        /// Every case starts here.
        initial: bool,
        /// No move leaves it.
        terminal: bool,
    },
}

/// An arrow from node `from` to node `to`, with one label line per trigger.
#[derive(Clone, Debug)]
pub(crate) struct Edge {
    pub from: usize,
    pub to: usize,
    pub labels: Vec<String>,
}

// ── Mermaid ─────────────────────────────────────────────────────────────────

/// The diagram as a Mermaid `stateDiagram-v2`. Status names are names of the rule
/// language (lowercase first), so the ids given to the other nodes cannot clash.
pub(crate) fn mermaid(g: &Graph) -> String {
    let id = |i: usize| -> String {
        match g.nodes.get(i) {
            Some(n) => match n.kind {
                NodeKind::Start => "[*]".to_string(),
                NodeKind::Any => format!("Pseudo{i}"),
                NodeKind::Status { .. } => n.label.clone(),
            },
            None => String::new(),
        }
    };
    let mut out = String::from("stateDiagram-v2\n    direction LR\n");
    for (i, n) in g.nodes.iter().enumerate() {
        match n.kind {
            NodeKind::Any => {
                let _ = writeln!(out, "    state \"{}\" as {}", n.label, id(i));
            }
            NodeKind::Status { .. } if !n.sub.is_empty() => {
                let _ = writeln!(out, "    {} : {} ({})", n.label, n.label, n.sub);
            }
            _ => {}
        }
    }
    for e in &g.edges {
        let _ = writeln!(
            out,
            "    {} --> {} : {}",
            id(e.from),
            id(e.to),
            e.labels.join(", ")
        );
    }
    out
}

// ── Layout ──────────────────────────────────────────────────────────────────

const NODE_FONT: f64 = 14.0;
const SUB_FONT: f64 = 11.0;
const LABEL_FONT: f64 = 12.0;
const CHAR: f64 = 0.6;
/// Between two boxes of a layer, and between layers.
const NODE_GAP: f64 = 72.0;
const LAYER_GAP: f64 = 100.0;
/// How far above its target the arrows of a bundle meet.
const BUNDLE_STEM: f64 = 56.0;
const MARGIN: f64 = 16.0;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn overlap(&self, o: &Rect) -> f64 {
        let w = (self.x + self.w).min(o.x + o.w) - self.x.max(o.x);
        let h = (self.y + self.h).min(o.y + o.h) - self.y.max(o.y);
        if w > 0.0 && h > 0.0 {
            w * h
        } else {
            0.0
        }
    }
    fn grown(&self, by: f64) -> Rect {
        Rect {
            x: self.x - by,
            y: self.y - by,
            w: self.w + 2.0 * by,
            h: self.h + 2.0 * by,
        }
    }
    fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
    fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
}

fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * CHAR
}

/// Each node's layer: the longest path to it from the nodes no edge enters, once the
/// edges that close a cycle (found depth first, in node order) are set aside.
fn layers(g: &Graph) -> (Vec<usize>, Vec<bool>) {
    let n = g.nodes.len();
    let mut back = vec![false; g.edges.len()];
    // 0 unvisited, 1 on the stack, 2 done
    let mut state = vec![0u8; n];
    fn dfs(g: &Graph, v: usize, state: &mut [u8], back: &mut [bool]) {
        state[v] = 1;
        for (i, e) in g.edges.iter().enumerate() {
            if e.from != v {
                continue;
            }
            match state.get(e.to) {
                Some(1) => back[i] = true,
                Some(0) => dfs(g, e.to, state, back),
                _ => {}
            }
        }
        state[v] = 2;
    }
    // start from where cases come from, then from nodes nothing enters, then the rest
    let entered: Vec<bool> = (0..n)
        .map(|v| g.edges.iter().any(|e| e.to == v && e.from != v))
        .collect();
    let mut roots: Vec<usize> = (0..n)
        .filter(|v| g.nodes[*v].kind == NodeKind::Start)
        .collect();
    roots.extend((0..n).filter(|v| !entered[*v] && g.nodes[*v].kind != NodeKind::Start));
    roots.extend(0..n);
    for r in roots {
        if state[r] == 0 {
            dfs(g, r, &mut state, &mut back);
        }
    }
    // longest path over the forward edges; at most n rounds settle it
    let mut layer = vec![0usize; n];
    for _ in 0..n {
        let mut changed = false;
        for (i, e) in g.edges.iter().enumerate() {
            if back[i] || e.from == e.to {
                continue;
            }
            if layer[e.to] < layer[e.from] + 1 {
                layer[e.to] = layer[e.from] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    (layer, back)
}

/// Orders the nodes of each layer by the mean position of their neighbours, a few sweeps.
fn order(g: &Graph, layer: &[usize]) -> Vec<Vec<usize>> {
    let depth = layer.iter().copied().max().map_or(0, |m| m + 1);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (v, l) in layer.iter().enumerate() {
        rows[*l].push(v);
    }
    for sweep in 0..6 {
        let pos: Vec<f64> = {
            let mut p = vec![0.0; g.nodes.len()];
            for row in &rows {
                for (i, v) in row.iter().enumerate() {
                    p[*v] = i as f64 - (row.len() as f64 - 1.0) / 2.0;
                }
            }
            p
        };
        let forward = sweep % 2 == 0;
        for (l, row) in rows.iter_mut().enumerate() {
            let key = |v: usize| -> f64 {
                let near: Vec<f64> = g
                    .edges
                    .iter()
                    .filter_map(|e| {
                        let (me, other) = if forward {
                            (e.to, e.from)
                        } else {
                            (e.from, e.to)
                        };
                        (me == v && layer[other] != l).then(|| pos[other])
                    })
                    .collect();
                if near.is_empty() {
                    pos[v]
                } else {
                    near.iter().sum::<f64>() / near.len() as f64
                }
            };
            let mut keyed: Vec<(f64, usize, usize)> = row
                .iter()
                .enumerate()
                .map(|(i, v)| (key(*v), i, *v))
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            *row = keyed.into_iter().map(|(_, _, v)| v).collect();
        }
    }
    rows
}

/// The laid-out diagram: node boxes, each edge's path points, label boxes.
pub(crate) struct Layout {
    boxes: Vec<Rect>,
    /// Each edge's path as cubic Bézier segments.
    paths: Vec<Vec<Seg>>,
    /// Whether an edge's label is drawn (the first of a bundle carries the bundle's).
    shows_label: Vec<bool>,
    labels: Vec<Rect>,
    view: Rect,
}

fn node_size(n: &Node) -> (f64, f64) {
    let w = text_width(&n.label, NODE_FONT).max(text_width(&n.sub, SUB_FONT)) + 28.0;
    let h = if n.sub.is_empty() { 32.0 } else { 46.0 };
    (w.max(60.0), h)
}

fn label_size(labels: &[String]) -> (f64, f64) {
    let w = labels
        .iter()
        .map(|l| text_width(l, LABEL_FONT))
        .fold(0.0, f64::max);
    (w + 10.0, labels.len() as f64 * (LABEL_FONT + 3.0) + 5.0)
}

/// A point of a cubic Bézier.
fn bezier(p0: (f64, f64), p1: (f64, f64), p2: (f64, f64), p3: (f64, f64), t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    (
        a * p0.0 + b * p1.0 + c * p2.0 + d * p3.0,
        a * p0.1 + b * p1.1 + c * p2.1 + d * p3.1,
    )
}

/// A cubic Bézier segment: start, two control points, end.
type Seg = [(f64, f64); 4];

/// Segments through points going down, leaving and reaching each point vertically (no
/// overshoot, whatever the horizontal offsets).
fn downward(pts: &[(f64, f64)]) -> Vec<Seg> {
    pts.windows(2)
        .map(|w| {
            let (p, q) = (w[0], w[1]);
            let dy = (q.1 - p.1) / 2.0;
            [p, (p.0, p.1 + dy), (q.0, q.1 - dy), q]
        })
        .collect()
}

/// Points along the whole path, evenly in each segment's parameter.
fn samples(segs: &[Seg], per_segment: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for s in segs {
        for k in 0..per_segment {
            out.push(bezier(
                s[0],
                s[1],
                s[2],
                s[3],
                k as f64 / per_segment as f64,
            ));
        }
    }
    if let Some(last) = segs.last() {
        out.push(last[3]);
    }
    out
}

pub(crate) fn layout(g: &Graph) -> Layout {
    let (layer, back) = layers(g);
    let rows = order(g, &layer);
    let sizes: Vec<(f64, f64)> = g.nodes.iter().map(node_size).collect();
    let row_w: Vec<f64> = rows
        .iter()
        .map(|r| r.iter().map(|v| sizes[*v].0 + NODE_GAP).sum::<f64>() - NODE_GAP)
        .collect();
    let width = row_w.iter().copied().fold(0.0, f64::max);
    let mut boxes = vec![
        Rect {
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0
        };
        g.nodes.len()
    ];
    let mut y = MARGIN;
    for (l, row) in rows.iter().enumerate() {
        let row_h = row.iter().map(|v| sizes[*v].1).fold(0.0, f64::max);
        let mut x = MARGIN + (width - row_w[l]) / 2.0;
        for v in row {
            let (w, h) = sizes[*v];
            boxes[*v] = Rect {
                x,
                y: y + (row_h - h) / 2.0,
                w,
                h,
            };
            x += w + NODE_GAP;
        }
        y += row_h + LAYER_GAP;
    }
    // ports: the arrows leaving (entering) a box spread along its bottom (top), in the
    // order of where they go to (come from)
    let forward = |i: usize| !back[i] && layer[g.edges[i].to] > layer[g.edges[i].from];
    // arrows into one box with the same label arrive together, under one label: the
    // bundle of an edge is the first forward edge with its target and labels
    let bundle: Vec<usize> = (0..g.edges.len())
        .map(|i| {
            (0..g.edges.len())
                .find(|j| {
                    forward(*j)
                        && forward(i)
                        && g.edges[*j].to == g.edges[i].to
                        && g.edges[*j].labels == g.edges[i].labels
                })
                .unwrap_or(i)
        })
        .collect();
    let spread = |v: usize, out: bool| -> Vec<(usize, f64)> {
        let mut mine: Vec<usize> = (0..g.edges.len())
            .filter(|i| {
                forward(*i)
                    && if out {
                        g.edges[*i].from == v
                    } else {
                        g.edges[*i].to == v && bundle[*i] == *i
                    }
            })
            .collect();
        let other = |i: usize| {
            let e = &g.edges[i];
            boxes[if out { e.to } else { e.from }].cx()
        };
        mine.sort_by(|a, b| other(*a).total_cmp(&other(*b)));
        let b = boxes[v];
        let n = mine.len() as f64;
        mine.iter()
            .enumerate()
            .map(|(k, i)| (*i, b.x + b.w * (k as f64 + 1.0) / (n + 1.0)))
            .collect()
    };
    let mut port_out = vec![0.0; g.edges.len()];
    let mut port_in = vec![0.0; g.edges.len()];
    for v in 0..g.nodes.len() {
        for (i, x) in spread(v, true) {
            port_out[i] = x;
        }
        for (i, x) in spread(v, false) {
            port_in[i] = x;
        }
    }
    for i in 0..g.edges.len() {
        port_in[i] = port_in[bundle[i]];
    }
    let shared = |i: usize| {
        (0..g.edges.len())
            .filter(|j| bundle[*j] == bundle[i])
            .count()
            > 1
    };
    // lanes beside the boxes that long arrows pass, so that two never share one
    let mut lanes: Vec<(usize, bool)> = Vec::new();
    let mut lane = |v: usize, right: bool| -> f64 {
        let k = lanes.iter().filter(|l| **l == (v, right)).count();
        lanes.push((v, right));
        14.0 + 14.0 * k as f64
    };
    let mut right_lane = 0.0;
    let mut paths = Vec::new();
    for (i, e) in g.edges.iter().enumerate() {
        let (a, b) = (boxes[e.from], boxes[e.to]);
        let (la, lb) = (layer[e.from], layer[e.to]);
        let pts = if forward(i) {
            let start = (port_out[i], a.y + a.h);
            let end = (port_in[i], b.y);
            let mut pts = vec![start, (start.0, start.1 + 14.0)];
            for row in rows.iter().take(lb).skip(la + 1) {
                let Some(first) = row.first() else { continue };
                let cy = boxes[*first].cy();
                let t = (cy - start.1) / (end.1 - start.1);
                let mut x = start.0 + t * (end.0 - start.0);
                for v in row {
                    let r = boxes[*v].grown(8.0);
                    if x > r.x && x < r.x + r.w {
                        x = if x - r.x < r.x + r.w - x {
                            r.x + 8.0 - lane(*v, false)
                        } else {
                            r.x + r.w - 8.0 + lane(*v, true)
                        };
                    }
                }
                pts.push((x, cy));
            }
            // a bundle meets above its target, its label on the last stretch
            let meet = if shared(i) { BUNDLE_STEM } else { 14.0 };
            pts.extend([(end.0, end.1 - meet), end]);
            let mut segs = downward(&pts[1..pts.len() - 1]);
            segs.insert(0, [pts[0], pts[0], pts[1], pts[1]]);
            let n = pts.len();
            segs.push([pts[n - 2], pts[n - 2], pts[n - 1], pts[n - 1]]);
            segs
        } else {
            // up, or along a row: out of the top (a box beside it on its row stays clear),
            // round the right of every box between, into the right side
            let (lo, hi) = (la.min(lb), la.max(lb));
            let right = rows[lo..=hi]
                .iter()
                .flatten()
                .map(|v| boxes[*v].x + boxes[*v].w)
                .fold(0.0, f64::max);
            right_lane += 18.0;
            let start = (a.x + a.w * 0.8, a.y);
            let end = (b.x + b.w, b.cy());
            // a cubic reaches about three quarters of the way to its control points
            let x = end.0 + (right - end.0 + 12.0 + right_lane) / 0.75;
            vec![[start, (start.0, start.1 - 40.0), (x, end.1), end]]
        };
        paths.push(pts);
    }
    let along: Vec<Vec<(f64, f64)>> = paths.iter().map(|p| samples(p, 24)).collect();
    let shows_label: Vec<bool> = (0..g.edges.len()).map(|i| bundle[i] == i).collect();
    // labels: the spot along the arrow, from its middle out, that covers least
    let mut labels: Vec<Rect> = Vec::new();
    for (i, e) in g.edges.iter().enumerate() {
        let (w, h) = label_size(&e.labels);
        if !shows_label[i] {
            labels.push(Rect {
                x: 0.0,
                y: 0.0,
                w: 0.0,
                h: 0.0,
            });
            continue;
        }
        if shared(i) {
            // on the bundle's last stretch, clear of the arrowhead
            let (px, py) = paths[i].last().map_or((0.0, 0.0), |s| s[3]);
            labels.push(Rect {
                x: px - w / 2.0,
                y: py - BUNDLE_STEM + 6.0,
                w,
                h,
            });
            continue;
        }
        let mine = &along[i];
        let n = mine.len().max(1) as f64;
        let mut best: Option<(f64, Rect)> = None;
        for f in [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.2, 0.8] {
            let Some(&(px, py)) = mine.get(((n - 1.0) * f).round() as usize) else {
                continue;
            };
            let r = Rect {
                x: px - w / 2.0,
                y: py - h / 2.0,
                w,
                h,
            };
            let crossed = along
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, pts)| pts.iter())
                .filter(|(x, y)| *x > r.x && *x < r.x + r.w && *y > r.y && *y < r.y + r.h)
                .count();
            let cost: f64 = boxes
                .iter()
                .map(|b| b.grown(4.0).overlap(&r) * 4.0)
                .sum::<f64>()
                + labels
                    .iter()
                    .map(|l| l.grown(3.0).overlap(&r) * 4.0)
                    .sum::<f64>()
                + crossed as f64 * 40.0
                + (f - 0.5f64).abs() * 20.0;
            if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                best = Some((cost, r));
            }
        }
        labels.push(best.map_or(
            Rect {
                x: 0.0,
                y: 0.0,
                w,
                h,
            },
            |(_, r)| r,
        ));
    }
    let mut view = Rect {
        x: 0.0,
        y: 0.0,
        w: width + 2.0 * MARGIN,
        h: y - LAYER_GAP + MARGIN,
    };
    let mut grow = |r: &Rect| {
        let (x1, y1) = (view.x.min(r.x), view.y.min(r.y));
        let (x2, y2) = (
            (view.x + view.w).max(r.x + r.w),
            (view.y + view.h).max(r.y + r.h),
        );
        view = Rect {
            x: x1,
            y: y1,
            w: x2 - x1,
            h: y2 - y1,
        };
    };
    for r in boxes.iter().chain(labels.iter().filter(|l| l.w > 0.0)) {
        grow(&r.grown(MARGIN / 2.0));
    }
    for p in along.iter().flatten() {
        grow(&Rect {
            x: p.0 - MARGIN / 2.0,
            y: p.1 - MARGIN / 2.0,
            w: MARGIN,
            h: MARGIN,
        });
    }
    Layout {
        boxes,
        paths,
        shows_label,
        labels,
        view,
    }
}

// ── SVG ─────────────────────────────────────────────────────────────────────

/// `<`, `>`, `&` and quotes as entities: for text and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn path_d(segs: &[Seg]) -> String {
    let mut d = String::new();
    if let Some(s) = segs.first() {
        let _ = write!(d, "M{:.1},{:.1}", s[0].0, s[0].1);
    }
    for s in segs {
        let _ = write!(
            d,
            " C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
            s[1].0, s[1].1, s[2].0, s[2].1, s[3].0, s[3].1
        );
    }
    d
}

/// The diagram as an inline SVG element, styled by attributes (no fonts, no scripts).
pub(crate) fn svg(g: &Graph) -> String {
    let lay = layout(g);
    let v = lay.view;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"diagram\" role=\"img\" viewBox=\"{:.0} {:.0} {:.0} {:.0}\" width=\"{:.0}\" height=\"{:.0}\" font-family=\"monospace\">\n<title>Statuses of {} and the moves between them</title>\n",
        v.x, v.y, v.w, v.h, v.w, v.h, escape(&g.name)
    );
    out.push_str(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#445\"/></marker></defs>\n",
    );
    for (i, e) in g.edges.iter().enumerate() {
        let dashed = matches!(g.nodes.get(e.from).map(|n| n.kind), Some(NodeKind::Any));
        let _ = writeln!(
            out,
            "<path class=\"move\" d=\"{}\" fill=\"none\" stroke=\"#445\" stroke-width=\"1.4\"{} marker-end=\"url(#arrow)\"/>",
            path_d(&lay.paths[i]),
            if dashed { " stroke-dasharray=\"5 4\"" } else { "" }
        );
    }
    for (i, n) in g.nodes.iter().enumerate() {
        let r = lay.boxes[i];
        let (fill, stroke, width, radius) = match n.kind {
            NodeKind::Start => ("#222", "#222", 1.0, r.h / 2.0),
            NodeKind::Any => ("#fff", "#667", 1.2, 4.0),
            NodeKind::Status { initial, terminal } => (
                if terminal { "#e8e8ee" } else { "#e6f0fb" },
                if terminal { "#556" } else { "#2d5f99" },
                if initial { 2.6 } else { 1.3 },
                8.0,
            ),
        };
        let dash = if n.kind == NodeKind::Any {
            " stroke-dasharray=\"5 4\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<g class=\"status\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"{radius:.1}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}/>",
            r.x, r.y, r.w, r.h
        );
        let color = if n.kind == NodeKind::Start {
            "#fff"
        } else {
            "#111"
        };
        let style = if n.kind == NodeKind::Any {
            " font-style=\"italic\""
        } else {
            ""
        };
        let label_y = if n.sub.is_empty() {
            r.cy() + 5.0
        } else {
            r.y + 19.0
        };
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"{NODE_FONT}\" fill=\"{color}\"{style}>{}</text>",
            r.cx(),
            label_y,
            escape(&n.label)
        );
        if !n.sub.is_empty() {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"{SUB_FONT}\" fill=\"#556\">{}</text>",
                r.cx(),
                r.y + 36.0,
                escape(&n.sub)
            );
        }
        out.push_str("</g>\n");
    }
    for (i, e) in g.edges.iter().enumerate() {
        if !lay.shows_label[i] {
            continue;
        }
        let r = lay.labels[i];
        let _ = writeln!(
            out,
            "<g class=\"label\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"#fffbe8\" fill-opacity=\"0.93\" stroke=\"#d9cf9f\" stroke-width=\"0.8\"/>",
            r.x, r.y, r.w, r.h
        );
        for (k, l) in e.labels.iter().enumerate() {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"{LABEL_FONT}\" fill=\"#333\">{}</text>",
                r.cx(),
                r.y + 3.0 + (k as f64 + 1.0) * (LABEL_FONT + 3.0) - 3.0,
                escape(l)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(label: &str) -> Node {
        Node {
            label: label.into(),
            sub: String::new(),
            kind: NodeKind::Status {
                initial: false,
                terminal: false,
            },
        }
    }

    fn edge(from: usize, to: usize, label: &str) -> Edge {
        Edge {
            from,
            to,
            labels: vec![label.into()],
        }
    }

    /// a → b → c, c → a (a cycle), a → c (a skip)
    fn cycle() -> Graph {
        Graph {
            name: "t".into(),
            nodes: vec![status("a"), status("b"), status("c")],
            edges: vec![
                edge(0, 1, "x"),
                edge(1, 2, "y"),
                edge(2, 0, "z"),
                edge(0, 2, "w"),
            ],
        }
    }

    #[test]
    fn layers_follow_the_longest_path_and_set_cycles_aside() {
        let (layer, back) = layers(&cycle());
        assert_eq!(layer, [0, 1, 2]);
        assert_eq!(back, [false, false, true, false]);
    }

    #[test]
    fn nothing_overlaps() {
        let g = cycle();
        let lay = layout(&g);
        let all: Vec<Rect> = lay.boxes.iter().chain(&lay.labels).copied().collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_eq!(a.overlap(b), 0.0, "{a:?} overlaps {b:?}");
            }
        }
        let v = lay.view;
        for r in &all {
            let inside =
                r.x >= v.x && r.y >= v.y && r.x + r.w <= v.x + v.w && r.y + r.h <= v.y + v.h;
            assert!(inside, "{r:?} lies inside the view {v:?}");
        }
    }

    #[test]
    fn text_is_escaped_and_mermaid_names_every_move() {
        let mut g = cycle();
        g.nodes[0].label = "<script>".into();
        let s = svg(&g);
        assert!(s.contains("&lt;script&gt;") && !s.contains("<script>"));
        let m = mermaid(&cycle());
        assert!(
            m.contains("a --> b : x") && m.contains("c --> a : z"),
            "{m}"
        );
    }
}
