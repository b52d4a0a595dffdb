//! `docket test --coverage`: which rules, branches, table rows, messages, deadlines and
//! statuses of a policy a suite of scenarios exercised, summed from the traces of its steps
//! (`src/eval/trace.rs`) and their output records.

use crate::engine::Engine;
use crate::eval::trace::HandlerRef;
use crate::eval::Trace;
use crate::outcome::{Outcome, Record, RecordBody};
use crate::program::Program;
use crate::sites::Site;
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::fmt::Write as _;

/// What coverage measures, in the order reports give them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// Rules run at least once (a rule with `for` over no item does not run).
    Rules,
    /// Branches of rules with `when`: `then`, each `else when`, and `else` (written, or
    /// "no guard held" for a rule without one).
    Branches,
    /// Rows of requirements tables looked up.
    Rows,
    /// Messages emitted in an accepted event's output.
    Messages,
    /// Deadlines fired.
    Deadlines,
    /// Statuses a case was in, in an accepted event's output.
    Statuses,
}

impl Measure {
    /// Every measure, in report order.
    pub const ALL: [Measure; 6] = [
        Measure::Rules,
        Measure::Branches,
        Measure::Rows,
        Measure::Messages,
        Measure::Deadlines,
        Measure::Statuses,
    ];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Rules => "rules",
            Measure::Branches => "branches",
            Measure::Rows => "rows",
            Measure::Messages => "messages",
            Measure::Deadlines => "deadlines",
            Measure::Statuses => "statuses",
        }
    }
}

/// One coverable item: what it is, where it is written, whether it was covered.
#[derive(Clone, Debug)]
struct Item {
    measure: Measure,
    site: Site,
    label: String,
    covered: bool,
}

/// The coverage of one policy by the scenarios run so far.
pub struct Coverage<'e> {
    prog: &'e Program,
    items: Vec<Item>,
    /// By handler (at [`handler_slot`]): the handler, and `[rule]` → (the rule's item, its
    /// first branch's item).
    rules: Vec<(HandlerRef, Vec<(usize, usize)>)>,
    /// `[table][row]` → item.
    rows: Vec<Vec<usize>>,
    messages: Names,
    deadlines: Vec<usize>,
    /// case type name → status → item (looked up by `&str`: nothing made per outcome).
    statuses: HashMap<String, Names, Fast>,
}

/// The policy's own names, hashed fast: `docket verify` looks up each outcome's messages
/// and status here (with SipHash, 4 % of its time on ICP), and the names are fixed at load.
type Fast = std::hash::BuildHasherDefault<crate::tables::KeyHasher>;
type Names = HashMap<String, usize, Fast>;

/// Covered and total counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Count {
    covered: usize,
    total: usize,
}

impl Count {
    fn percent(self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            // INVARIANT: covered <= total, small counts: exact enough as f64
            (self.covered as f64) * 100.0 / (self.total as f64)
        }
    }

    fn cell(self) -> String {
        if self.total == 0 {
            "-".into()
        } else {
            format!(
                "{}/{} {}",
                self.covered,
                self.total,
                percent_text(self.percent())
            )
        }
    }

    fn json(self) -> Json {
        json!({ "covered": self.covered, "total": self.total, "percent": round1(self.percent()) })
    }
}

fn round1(p: f64) -> f64 {
    (p * 10.0).floor() / 10.0
}

/// `100%`, `91.6%`: rounded down, so that only complete coverage reads 100%.
fn percent_text(p: f64) -> String {
    let p = round1(p);
    if p.fract() == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

impl<'e> Coverage<'e> {
    /// Nothing covered yet, every item of `engine`'s policy listed.
    pub fn new(engine: &'e Engine) -> Coverage<'e> {
        let prog = engine.program();
        let mut c = Coverage {
            prog,
            items: Vec::new(),
            rules: Vec::new(),
            rows: Vec::new(),
            messages: Names::default(),
            deadlines: Vec::new(),
            statuses: HashMap::default(),
        };
        let handlers = (0..prog.event_handlers.len())
            .map(|e| HandlerRef::Event(crate::program::EventId::at(e)))
            .chain(
                (0..prog.deadline_handlers.len())
                    .map(|d| HandlerRef::Deadline(crate::program::DeadlineId::at(d))),
            );
        for h in handlers {
            let Some(def) = prog.handler(h) else { continue };
            let slot = handler_slot(prog, h);
            if c.rules.len() <= slot {
                c.rules.resize(slot + 1, (h, Vec::new()));
            }
            c.rules[slot].0 = h;
            for rule in &def.rules {
                let name = format!("rule `{}` (on {})", rule.name, prog.handler_label(h));
                let at = c.push(Measure::Rules, rule.site.at, name.clone());
                let first = c.items.len();
                for (b, site) in rule.site.branches.iter().enumerate() {
                    let label = format!("{name}: branch `{}`", Program::branch_name(rule, b));
                    c.push(Measure::Branches, *site, label);
                }
                c.rules[slot].1.push((at, first));
            }
        }
        for (t, table) in prog.requirements.iter().enumerate() {
            let sites = prog.sites.rows.get(t).map_or(&[][..], Vec::as_slice);
            let mut items = Vec::new();
            for (row, site) in table.rows.iter().zip(sites) {
                let label = format!("row `{}[{}]`", table.name, row.keys.join(", "));
                items.push(c.push(Measure::Rows, *site, label));
            }
            c.rows.push(items);
        }
        for (m, site) in prog.shared.messages.iter().zip(&prog.sites.messages) {
            let i = c.push(Measure::Messages, *site, format!("message `{}`", m.id));
            c.messages.insert(m.id.clone(), i);
        }
        for (d, site) in prog.deadlines.iter().zip(&prog.sites.deadlines) {
            let i = c.push(Measure::Deadlines, *site, format!("deadline `{}`", d.name));
            c.deadlines.push(i);
        }
        for (ty, case) in prog.cases.iter().enumerate() {
            let names = prog.shared.statuses.get(ty).map_or(&[][..], Vec::as_slice);
            let sites = prog.sites.statuses.get(ty).map_or(&[][..], Vec::as_slice);
            for (status, site) in names.iter().zip(sites) {
                let label = format!("status `{status}` of {}", case.name);
                let i = c.push(Measure::Statuses, *site, label);
                c.statuses
                    .entry(case.name.clone())
                    .or_default()
                    .insert(status.to_string(), i);
            }
        }
        c
    }

    fn push(&mut self, measure: Measure, site: Site, label: String) -> usize {
        self.items.push(Item {
            measure,
            site,
            label,
            covered: false,
        });
        self.items.len() - 1
    }

    fn cover(&mut self, item: Option<usize>) {
        if let Some(it) = item.and_then(|i| self.items.get_mut(i)) {
            it.covered = true;
        }
    }

    /// Adds what one step did: its trace (rules, branches, rows, deadlines, also of a refused
    /// event) and its record (messages and statuses of an accepted one).
    pub fn add(&mut self, trace: &Trace, record: &Record) {
        let outcomes = match &record.body {
            RecordBody::Outcomes(outcomes) => Some(outcomes.as_slice()),
            RecordBody::Error(_) => None,
        };
        self.add_outcomes(trace, outcomes);
    }

    /// [`Coverage::add`] of a trace and the outcomes of an accepted event (`None`: refused).
    pub(crate) fn add_outcomes(&mut self, trace: &Trace, outcomes: Option<&[Outcome]>) {
        for run in &trace.rules {
            let slot = handler_slot(self.prog, run.handler);
            let found = self.rules.get(slot).and_then(|(_, r)| r.get(run.rule));
            if let Some(&(rule, first)) = found {
                self.cover(Some(rule));
                self.cover(run.branch.map(|b| first + b));
            }
        }
        for &(t, row) in &trace.rows {
            let item = self.rows.get(t.index()).and_then(|r| r.get(row)).copied();
            self.cover(item);
        }
        for f in &trace.fired {
            let item = self.deadlines.get(f.index()).copied();
            self.cover(item);
        }
        if let Some(outcomes) = outcomes {
            for o in outcomes {
                for m in &o.messages {
                    let item = self.messages.get(m.id.as_str()).copied();
                    self.cover(item);
                }
                if let Some(status) = &o.status {
                    let item = self
                        .statuses
                        .get(&*o.case_name)
                        .and_then(|s| s.get(&**status))
                        .copied();
                    self.cover(item);
                }
            }
        }
    }

    /// Adds what `other`, the coverage of the same policy by other steps, covered.
    pub(crate) fn merge(&mut self, other: &Coverage<'_>) {
        debug_assert_eq!(self.items.len(), other.items.len(), "one policy");
        for (it, o) in self.items.iter_mut().zip(&other.items) {
            it.covered |= o.covered;
        }
    }

    fn count(&self, measure: Measure, file: Option<usize>) -> Count {
        let mut c = Count::default();
        for it in self.items.iter().filter(|it| it.measure == measure) {
            if file.is_none_or(|f| it.site.source == f) {
                c.total += 1;
                c.covered += usize::from(it.covered);
            }
        }
        c
    }

    /// The files that hold a coverable item, in the policy's order.
    fn files(&self) -> Vec<usize> {
        let mut files: Vec<usize> = self.items.iter().map(|it| it.site.source).collect();
        files.sort_unstable();
        files.dedup();
        files
    }

    fn file_name(&self, source: usize) -> &str {
        self.prog
            .sources
            .get(source)
            .map_or("", |s| s.name.as_str())
    }

    /// The items not covered, in file and line order.
    fn uncovered(&self) -> Vec<&Item> {
        let mut out: Vec<&Item> = self.items.iter().filter(|it| !it.covered).collect();
        out.sort_by_key(|it| (it.site, it.measure));
        out
    }

    /// Each item not covered, in file and line order: its measure, `file:line`, and what it is.
    pub(crate) fn missing(&self) -> Vec<(Measure, String, String)> {
        self.uncovered()
            .into_iter()
            .map(|it| (it.measure, self.prog.site_text(it.site), it.label.clone()))
            .collect()
    }

    /// The rules that ran with a `when` whose branches show it always held (`true`: no
    /// `else` or `else when` taken) or never held (`false`: `then` never taken): `file:line`,
    /// the rule, and which. In file and line order.
    pub(crate) fn constant_guards(&self) -> Vec<(String, String, bool)> {
        let mut out = Vec::new();
        let handlers = self
            .rules
            .iter()
            .flat_map(|(h, rules)| rules.iter().enumerate().map(move |(i, r)| (*h, i, *r)));
        for (h, i, (rule, first)) in handlers {
            let n = self
                .prog
                .handler(h)
                .and_then(|d| d.rules.get(i))
                .map_or(0, |r| r.site.branches.len());
            let covered = |i: usize| self.items.get(i).is_some_and(|it| it.covered);
            if n == 0 || !covered(rule) {
                continue;
            }
            let Some(item) = self.items.get(rule) else {
                continue;
            };
            let then = covered(first);
            let others = (first + 1..first + n).any(covered);
            if then != others {
                out.push((item.site, item.label.clone(), then));
            }
        }
        out.sort_by_key(|(site, _, _)| *site);
        out.into_iter()
            .map(|(site, label, t)| (self.prog.site_text(site), label, t))
            .collect()
    }

    /// The percentage of one measure over the whole policy (100 when it has no item).
    pub fn percent(&self, measure: Measure) -> f64 {
        self.count(measure, None).percent()
    }

    /// The measures below `min` percent, with their percentages.
    pub fn below(&self, min: f64) -> Vec<(Measure, f64)> {
        Measure::ALL
            .iter()
            .map(|m| (*m, self.percent(*m)))
            .filter(|(_, p)| *p < min)
            .collect()
    }

    /// The report for a terminal: a table, a row per file and a total, then every item not
    /// covered with its file and line.
    pub fn render(&self) -> String {
        let mut rows: Vec<Vec<String>> = vec![std::iter::once("file".to_string())
            .chain(Measure::ALL.iter().map(|m| m.name().to_string()))
            .collect()];
        let totals = std::iter::once(("total".to_string(), None));
        let files = self
            .files()
            .into_iter()
            .map(|f| (self.file_name(f).to_string(), Some(f)));
        for (name, file) in files.chain(totals) {
            let mut row = vec![name];
            row.extend(Measure::ALL.iter().map(|m| self.count(*m, file).cell()));
            rows.push(row);
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        }
        let missing = self.uncovered();
        if missing.is_empty() {
            out.push_str("every item is covered\n");
        } else {
            let _ = writeln!(out, "not covered ({}):", missing.len());
            for it in missing {
                let _ = writeln!(out, "  {}: {}", self.prog.site_text(it.site), it.label);
            }
        }
        out
    }

    /// The report as JSON: `files` (per file, each measure's `covered`, `total` and
    /// `percent`), `total`, and `uncovered` (`measure`, `at`, `item`).
    pub fn to_json(&self) -> Json {
        let measures = |file: Option<usize>| -> Json {
            Json::Object(
                Measure::ALL
                    .iter()
                    .map(|m| (m.name().to_string(), self.count(*m, file).json()))
                    .collect(),
            )
        };
        let files: Vec<Json> = self
            .files()
            .into_iter()
            .map(|f| {
                let mut o = json!({ "file": self.file_name(f) });
                if let (Some(o), Json::Object(m)) = (o.as_object_mut(), measures(Some(f))) {
                    o.extend(m);
                }
                o
            })
            .collect();
        let uncovered: Vec<Json> = self
            .uncovered()
            .into_iter()
            .map(|it| {
                json!({
                    "measure": it.measure.name(),
                    "at": self.prog.site_text(it.site),
                    "item": it.label,
                })
            })
            .collect();
        json!({ "files": files, "total": measures(None), "uncovered": uncovered })
    }
}

/// Where handler `h`'s rules are in [`Coverage`]'s `rules`: the event handlers' in event
/// order, then the deadline handlers'.
fn handler_slot(prog: &Program, h: HandlerRef) -> usize {
    match h {
        HandlerRef::Event(e) => e.index(),
        HandlerRef::Deadline(d) => prog.event_handlers.len() + d.index(),
    }
}

#[cfg(test)]
mod tests {
    use super::{percent_text, Count};

    #[test]
    fn percentages_round_down_so_only_everything_reads_100() {
        assert_eq!(percent_text(100.0), "100%");
        assert_eq!(percent_text(0.0), "0%");
        let almost = Count {
            covered: 999,
            total: 1000,
        };
        assert_eq!(percent_text(almost.percent()), "99.9%");
        let nearly = Count {
            covered: 9999,
            total: 10000,
        };
        assert_eq!(nearly.cell(), "9999/10000 99.9%");
        assert_eq!(
            Count {
                covered: 15,
                total: 26
            }
            .cell(),
            "15/26 57.6%"
        );
        assert_eq!(Count::default().cell(), "-");
        assert_eq!(Count::default().percent(), 100.0);
    }

    /// Two coverages of halves of a stream, merged, are the coverage of the whole stream:
    /// an item is covered when either half covered it.
    #[test]
    fn merged_halves_cover_what_the_whole_covers() {
        use super::Coverage;
        use crate::eval::Trace;
        use crate::{Engine, World};
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let engine = Engine::load(root.join("rules/icp")).expect("the policy loads");
        let text = std::fs::read_to_string(root.join("examples/stream.jsonl")).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        let cover = |from: usize, to: usize| {
            let (mut c, mut trace, mut world) =
                (Coverage::new(&engine), Trace::default(), World::new());
            for (i, line) in lines.iter().enumerate().take(to) {
                trace.clear();
                let record = engine.run_line_traced(&mut world, i + 1, line, &mut trace);
                if i >= from {
                    c.add(&trace, &record);
                }
            }
            c
        };
        let half = lines.len() / 2;
        let (mut first, second, whole) = (
            cover(0, half),
            cover(half, lines.len()),
            cover(0, lines.len()),
        );
        let missing = |c: &Coverage<'_>| c.missing();
        assert_ne!(
            missing(&first),
            missing(&whole),
            "the first half alone covers less"
        );
        assert_ne!(missing(&second), missing(&whole), "so does the second");
        first.merge(&second);
        assert_eq!(missing(&first), missing(&whole));
        assert_eq!(first.constant_guards(), whole.constant_guards());
    }

    /// A trace that only counts (`docket verify`'s, conditions decided by compiled code)
    /// records the same rules, branches, rows and firings as an explaining one (conditions
    /// decided part by part by the tree walker), line by line, on every shipped policy's
    /// example streams.
    #[test]
    fn a_counting_trace_counts_what_an_explaining_one_records() {
        use crate::Engine;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let listed = |dir: &str| {
            let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
                .expect("a folder")
                .map(|e| e.expect("an entry").path())
                .collect();
            paths.sort();
            paths
        };
        // every shipped policy, with each example stream whose first event is one of its own
        let mut pairs = 0;
        for dir in listed("rules").into_iter().filter(|p| p.is_dir()) {
            let engine = Engine::load(&dir).expect("the policy loads");
            for stream in listed("examples") {
                if stream.extension().is_none_or(|x| x != "jsonl") {
                    continue;
                }
                let text = std::fs::read_to_string(&stream).expect("the stream");
                let first = text.lines().next().unwrap_or_default();
                if engine.parse_event(first).is_ok() {
                    pairs += 1;
                    counts_alike(&engine, &stream.display().to_string(), &text);
                }
            }
        }
        assert!(pairs >= 2, "only {pairs} policies with example streams");
    }

    /// `text` run through `engine` with both traces: the same records, and the same rules,
    /// branches, rows and firings recorded, line by line.
    fn counts_alike(engine: &crate::Engine, stream: &str, text: &str) {
        use crate::eval::Trace;
        use crate::World;
        let (mut full, mut counting) = (Trace::default(), Trace::counting());
        let (mut a, mut b) = (World::new(), World::new());
        let mut rules = 0;
        for (i, line) in text.lines().enumerate() {
            let x = engine.run_line_traced(&mut a, i + 1, line, &mut full);
            let y = engine.run_line_traced(&mut b, i + 1, line, &mut counting);
            assert_eq!(x.to_json(), y.to_json(), "{stream}:{}", i + 1);
            let hits = |t: &Trace| -> Vec<_> {
                t.rules
                    .iter()
                    .map(|r| (r.handler, r.rule, r.branch))
                    .collect()
            };
            assert_eq!(hits(&full), hits(&counting), "{stream}:{}", i + 1);
            assert_eq!(full.rows, counting.rows, "{stream}:{}", i + 1);
            assert_eq!(full.fired, counting.fired, "{stream}:{}", i + 1);
            rules += full.rules.len();
        }
        assert!(rules > 20, "{stream}: only {rules} rules ran");
    }
}
