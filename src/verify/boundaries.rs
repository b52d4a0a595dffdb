//! `docket scenarios --boundaries`: the shortest event sequences that reach each limit of a
//! policy — a counted field at a compared count − 1, at it, and + 1 (or one more event
//! after it, when + 1 is out of reach), an event a second before, at and after each
//! deadline — written as scenario files whose expectations are the current outputs.

use super::{Bounds, Explorer, Near, Unbounded};
use crate::engine::Engine;
use crate::outcome::RecordBody;
use crate::program::{FieldKind, IExpr, Program};
use crate::value::{Ty, Value};
use crate::world::World;
use std::fmt::Write as _;

/// One scenario to write: a file stem, a title, and the events.
#[derive(Debug, Clone)]
pub struct Boundary {
    /// A file name without extension (`count-people-failures-5`).
    pub name: String,
    /// What it shows.
    pub title: String,
    /// The events, as JSON lines.
    pub lines: Vec<String>,
}

/// What the exploration found: the scenarios, and the boundaries it could not reach.
#[derive(Debug, Clone)]
pub struct Boundaries {
    /// A scenario per boundary reached.
    pub found: Vec<Boundary>,
    /// A sentence per boundary not reached within the bounds.
    pub missed: Vec<String>,
}

/// A counted stored field compared with a number in a guard: `p.failures >= 5`.
#[derive(Debug, Clone, PartialEq)]
struct CountTarget {
    of_part: bool,
    field: u16,
    limit: i64,
}

/// Explores to `bounds.depth` and keeps the first sequence reaching each boundary.
pub fn boundaries(engine: &Engine, bounds: &Bounds) -> Result<Boundaries, Unbounded> {
    let prog = engine.program();
    let counts = count_targets(prog);
    // [target][limit − 1, limit, limit + 1] → the first node there
    let mut count_hits: Vec<[Option<u32>; 3]> = vec![[None; 3]; counts.len()];
    // [deadline][before, at, after]
    let mut deadline_hits: Vec<[Option<u32>; 3]> = vec![[None; 3]; prog.deadlines.len()];
    let mut x = Explorer::new(engine, bounds, false, true)?;
    // on the workers' threads: which boundaries a world is at ([count target] → each of
    // limit − 1, limit, limit + 1), and the deadline its event came near
    let look = |_: Option<&World>, after: &World, near: Near| {
        let at: Vec<[bool; 3]> = counts
            .iter()
            .map(|t| std::array::from_fn(|i| holds_count(prog, after, t, t.limit - 1 + i as i64)))
            .collect();
        (at, near)
    };
    x.explore(bounds, &look, &mut |node, (at, near)| {
        if let Some((d, how)) = near {
            let i = (how + 1) as usize;
            if let Some(slot) = deadline_hits.get_mut(d.index()).and_then(|h| h.get_mut(i)) {
                slot.get_or_insert(node);
            }
        }
        for (hits, at) in count_hits.iter_mut().zip(at) {
            for (hit, at) in hits.iter_mut().zip(at) {
                if at {
                    hit.get_or_insert(node);
                }
            }
        }
        false
    });
    let mut found = Vec::new();
    let mut missed = Vec::new();
    for (t, hits) in counts.iter().zip(&count_hits) {
        let name = field_name(prog, t);
        for (i, hit) in hits.iter().enumerate() {
            let value = t.limit - 1 + i as i64;
            let title = format!(
                "boundary: `{name}` reaches {value} (a guard compares it with {})",
                t.limit
            );
            let stem = format!("count-{}-{value}", name.replace('.', "-"));
            match hit {
                Some(node) => found.push(Boundary {
                    name: stem,
                    title,
                    lines: x.path_lines(*node),
                }),
                // beyond the limit, out of reach: one more of the event that reached it
                None if i == 2 => match hits[1] {
                    Some(node) => {
                        let mut lines = x.path_lines(node);
                        if let Some(last) = lines.last().cloned() {
                            lines.push(last);
                        }
                        found.push(Boundary {
                            name: format!("count-{}-beyond-{}", name.replace('.', "-"), t.limit),
                            title: format!(
                                "boundary: `{name}` at {}, and the event that brought it there once more ({value} is out of reach)",
                                t.limit
                            ),
                            lines,
                        });
                    }
                    None => missed.push(format!(
                        "`{name}` never reaches {} within {} events",
                        t.limit, bounds.depth
                    )),
                },
                None => missed.push(format!(
                    "`{name}` never reaches {value} within {} events",
                    bounds.depth
                )),
            }
        }
    }
    for (d, hits) in prog.deadlines.iter().zip(&deadline_hits) {
        for (i, hit) in hits.iter().enumerate() {
            let how = ["1 s before", "exactly at", "1 s after"][i];
            let stem = ["before", "at", "after"][i];
            match hit {
                Some(node) => found.push(Boundary {
                    name: format!("deadline-{}-{stem}", d.name),
                    title: format!("boundary: an event {how} deadline `{}`", d.name),
                    lines: x.path_lines(*node),
                }),
                None => missed.push(format!(
                    "no event {how} deadline `{}` within {} events",
                    d.name, bounds.depth
                )),
            }
        }
    }
    Ok(Boundaries { found, missed })
}

/// Every stored count field compared with a number in a rule's guard, once each.
fn count_targets(prog: &Program) -> Vec<CountTarget> {
    let mut out = Vec::new();
    let handlers = prog
        .event_handlers
        .iter()
        .chain(&prog.deadline_handlers)
        .flatten();
    for h in handlers {
        for r in &h.rules {
            let guards = r.when.iter().chain(r.else_when.iter().map(|(c, _)| c));
            for g in guards {
                walk(g, &mut |e| {
                    if let Some(t) = as_target(e) {
                        if !out.contains(&t) {
                            out.push(t);
                        }
                    }
                });
            }
        }
    }
    out
}

fn walk(e: &IExpr, f: &mut dyn FnMut(&IExpr)) {
    f(e);
    crate::check::ir::children(e, &mut |c| walk(c, f));
}

/// `x.field <op> N` or `N <op> x.field`, an ordering or equality of a count.
fn as_target(e: &IExpr) -> Option<CountTarget> {
    let IExpr::Cmp(_, a, b) = e else {
        return None;
    };
    let (field, lit) = match (&**a, &**b) {
        (f, IExpr::Lit(Value::Count(n))) | (IExpr::Lit(Value::Count(n)), f) => (f, *n),
        _ => return None,
    };
    let (of_part, field) = match field {
        IExpr::PartField(_, i) => (true, *i),
        IExpr::CaseField(_, i) => (false, *i),
        _ => return None,
    };
    Some(CountTarget {
        of_part,
        field,
        limit: lit,
    })
}

/// `people.failures`: the participants' (or case's) name and the field's, from the first
/// case type with such a stored count field.
fn field_name(prog: &Program, t: &CountTarget) -> String {
    for c in &prog.cases {
        if let Some(f) = c.fields_of(t.of_part).get(t.field as usize) {
            if is_stored_count(&f.ty, &f.kind) {
                let owner = if t.of_part { &c.parts.name } else { &c.name };
                return format!("{owner}.{}", f.name);
            }
        }
    }
    format!("field {}", t.field)
}

fn is_stored_count(ty: &Ty, kind: &FieldKind) -> bool {
    matches!(ty.strip_opt(), Ty::Count) && matches!(kind, FieldKind::Stored { .. })
}

/// Whether some case (or participant) of `world` holds `value` in the target's field.
fn holds_count(prog: &Program, world: &World, t: &CountTarget, value: i64) -> bool {
    let want = Value::Count(value);
    world.cases.iter().any(|c| {
        let Some(def) = prog.case_def(c.ty) else {
            return false;
        };
        let Some(f) = def.fields_of(t.of_part).get(t.field as usize) else {
            return false;
        };
        if !is_stored_count(&f.ty, &f.kind) {
            return false;
        }
        if t.of_part {
            c.parts
                .iter()
                .any(|p| p.get(t.field as usize) == Some(&want))
        } else {
            c.fields.get(t.field as usize) == Some(&want)
        }
    })
}

/// A scenario file of `lines`, each step expecting what the policy does now: the step's
/// messages and the status of each case in its outcomes (or, for a refused step, its error).
pub fn scenario_yaml(engine: &Engine, b: &Boundary) -> String {
    let q = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    let mut out = String::new();
    let _ = writeln!(out, "title: {}", q(&b.title));
    let _ = writeln!(
        out,
        "note: {}",
        q("generated by `docket scenarios --boundaries` with the outputs of the policy as it was: review every expectation before keeping it")
    );
    out.push_str("steps:\n");
    let mut world = World::new();
    for (i, line) in b.lines.iter().enumerate() {
        let record = engine.run_line(&mut world, i + 1, line);
        let _ = writeln!(out, "  - event: {line}");
        match &record.body {
            RecordBody::Outcomes(outcomes) => {
                let ids: Vec<String> = outcomes
                    .iter()
                    .flat_map(|o| o.messages.iter().map(|m| q(&m.id)))
                    .collect();
                let _ = writeln!(out, "    messages: [{}]", ids.join(", "));
                let mut status: Vec<(String, String)> = Vec::new();
                for o in outcomes {
                    if let (Some(case), Some(s)) = (&o.case, &o.status) {
                        status.retain(|(c, _)| c != case);
                        status.push((case.to_string(), s.to_string()));
                    }
                }
                if !status.is_empty() {
                    let items: Vec<String> = status
                        .iter()
                        .map(|(c, s)| format!("{}: {}", q(c), q(s)))
                        .collect();
                    let _ = writeln!(out, "    status: {{ {} }}", items.join(", "));
                }
            }
            RecordBody::Error(e) => {
                // the error's text after `line N: `
                let text = e.split_once(": ").map_or(e.as_str(), |(_, rest)| rest);
                let _ = writeln!(out, "    error: {}", q(text));
            }
        }
    }
    out
}
