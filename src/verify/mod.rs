//! `docket verify`: every sequence of events up to a bound, explored breadth-first over small
//! generated domains, each world reached checked against the policy's invariants.
//!
//! Equal worlds are explored once (as TLC does): a reached world is kept as the hash of its
//! canonical state and, to rebuild it, the event that reached it from its parent. The
//! first violation found is at the least depth there is one: its path is the shortest
//! counterexample, written as JSON lines that `docket run --rules DIR --invariants` replays.
//! Each level is expanded by [`Bounds::jobs`] workers and merged in frontier order
//! (`level.rs`), so that what is found does not depend on their number.

mod boundaries;
mod checks;
mod domain;
mod fingerprint;
mod level;
mod memo;
mod reads;
mod sample;
mod symmetry;

pub use boundaries::{boundaries, scenario_yaml, Boundaries, Boundary};
pub use domain::Unbounded;

use crate::coverage::{Coverage, Measure};
use crate::engine::Engine;
use crate::event::Event;
use crate::value::CaseId;
use crate::world::World;
use crate::Violation;
use fingerprint::{Canon, Reached};
use jiff::{SignedDuration, Timestamp};
use level::{Level, Worker};
use memo::Memo;
use std::time::Instant;
use symmetry::Symmetry;

/// How far `docket verify` explores.
#[derive(Debug, Clone)]
pub struct Bounds {
    /// The most events in a sequence.
    pub depth: usize,
    /// The most distinct worlds kept (memory is about 50 bytes a world).
    pub max_states: usize,
    /// How many keys each case type's key format takes (how many cases of a type there can be).
    pub keys: usize,
    /// How many values each other format (phones, codes…) takes.
    pub values: usize,
    /// The most items of a list or set in an event.
    pub list_len: usize,
    /// The instant of the first event.
    pub start: Timestamp,
    /// The most distinct future deadline instants around which times are chosen.
    pub deadlines: usize,
    /// Whether worlds that differ only by a renaming of interchangeable generated values
    /// (case keys, phones, codes that no rule tells apart) are explored once.
    pub symmetry: bool,
    /// How many threads expand each level (1: this one alone). What is found is the same
    /// for any number; only the counts of events evaluated and steps reused may differ.
    pub jobs: usize,
}

/// The most threads [`Bounds::jobs`] takes by default.
const MAX_JOBS: usize = 8;

/// The default of [`Bounds::jobs`]: the cores this process may use, at most 8.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_JOBS))
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds {
            depth: 6,
            max_states: 5_000_000,
            keys: 1,
            values: 2,
            list_len: 2,
            // a Friday near a month's end: periods that end in a short month or on a weekend
            start: Timestamp::constant(1_801_216_800, 0), // 2027-01-29T10:00:00Z
            deadlines: 2,
            symmetry: true,
            jobs: default_jobs(),
        }
    }
}

/// A shortest sequence of events after which an invariant does not hold.
#[derive(Debug, Clone)]
pub struct Counterexample {
    /// The events, as JSON lines `docket run` reads.
    pub lines: Vec<String>,
    /// What does not hold after the last one.
    pub violations: Vec<Violation>,
}

/// An item of the policy the exploration never reached.
#[derive(Debug, Clone)]
pub struct Unreached {
    /// `rules`, `branches`, `rows`, `messages`, `deadlines`, `statuses`, or `guards`.
    pub kind: &'static str,
    /// `file:line`.
    pub place: String,
    /// What it is (`rule `x` (on e)`, `message `m``, `guard of rule `x` (on e) always true`).
    pub what: String,
}

/// What an exploration found.
#[derive(Debug, Clone)]
pub struct Report {
    /// Distinct worlds reached (the empty one included).
    pub states: usize,
    /// Events evaluated.
    pub transitions: u64,
    /// Events not evaluated because their step was known from the same event on the same
    /// case in another world (see `memo`).
    pub reused: u64,
    /// Every sequence of up to this many events was explored.
    pub depth: usize,
    /// Whether the exploration stopped at `max_states` before its depth.
    pub capped: bool,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// The first violation, at the least depth.
    pub violation: Option<Counterexample>,
    /// What no explored sequence reached (empty when a violation stopped the exploration).
    pub unreached: Vec<Unreached>,
    /// The formats whose generated values were taken as interchangeable, with how many
    /// values each (`phone`, 2).
    pub symmetric: Vec<(String, usize)>,
}

/// One reached world: how it was reached.
#[derive(Clone, Copy)]
struct Node {
    parent: u32,
    /// Index into the events.
    event: u32,
    at: Timestamp,
}

/// Every node reached, level by level: a level's nodes are numbered after the previous
/// level's, and kept in a vector of their own (a level is added whole, never copied).
struct Nodes {
    levels: Vec<Vec<Node>>,
    /// The number of each level's first node.
    starts: Vec<u32>,
    len: usize,
}

impl Nodes {
    /// The empty world's node alone.
    fn new(root: Node) -> Nodes {
        Nodes {
            levels: vec![vec![root]],
            starts: vec![0],
            len: 1,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// Node `id`. INVARIANT: `id < self.len()`.
    fn get(&self, id: u32) -> Node {
        let level = self.starts.partition_point(|s| *s <= id) - 1;
        self.levels[level][(id - self.starts[level]) as usize]
    }

    /// Adds a level's nodes, numbered from `self.len()`.
    fn push_level(&mut self, mut nodes: Vec<Node>) {
        nodes.shrink_to_fit();
        self.starts.push(self.len as u32);
        self.len += nodes.len();
        self.levels.push(nodes);
    }
}

/// The deadline whose instant an event's time was chosen around, and how (−1: a second
/// before, 0: at, 1: a second after).
type Near = Option<(crate::program::DeadlineId, i8)>;

/// Explores every event sequence of up to `bounds.depth` events.
pub fn verify(engine: &Engine, bounds: &Bounds) -> Result<Report, Unbounded> {
    verify_keeping(engine, bounds, true)
}

/// [`verify`], keeping steps to reuse them in other worlds (see `memo`) or not.
fn verify_keeping(engine: &Engine, bounds: &Bounds, keep: bool) -> Result<Report, Unbounded> {
    let mut violation = None;
    let transitions = engine.program().invariants.iter().any(|i| i.transition);
    let mut x = Explorer::new(engine, bounds, transitions, keep)?;
    // the invariants are checked by the workers; the merge keeps the first violation
    // (the transition invariants were checked on every step: only one that broke one is
    // handed the world before it)
    let look = |before: Option<&World>, after: &World, _: Near| {
        let broken = engine.invariant_violations(before, after);
        (!broken.is_empty()).then_some(broken)
    };
    let (depth, capped) = x.explore(bounds, &look, &mut |node, broken| {
        let Some(broken) = broken else {
            return false;
        };
        violation = Some((node, broken));
        true
    });
    let violation = violation.map(|(node, violations)| Counterexample {
        lines: x.path_lines(node),
        violations,
    });
    let unreached = if violation.is_none() {
        x.unreached()
    } else {
        Vec::new()
    };
    Ok(Report {
        states: x.nodes.len(),
        transitions: x.workers.iter().map(|w| w.transitions).sum(),
        reused: x.workers.iter().map(|w| w.reused).sum(),
        depth,
        capped,
        seconds: x.started.elapsed().as_secs_f64(),
        violation,
        unreached,
        symmetric: x
            .sym
            .formats(engine.program())
            .into_iter()
            .map(|(f, n)| (f.to_string(), n))
            .collect(),
    })
}

impl<'e> Explorer<'e> {
    /// The events of `engine`'s policy over the domains of `bounds`, nothing explored yet.
    /// With `transitions`, every step is checked against the transition invariants, even
    /// one reaching a world reached before; with `keep`, steps are kept for other worlds.
    fn new(
        engine: &'e Engine,
        bounds: &Bounds,
        transitions: bool,
        keep: bool,
    ) -> Result<Explorer<'e>, Unbounded> {
        let started = Instant::now();
        let prog = engine.program();
        let domain = domain::events(prog, bounds)?;
        let mut sym = if bounds.symmetry {
            Symmetry::of(prog, bounds)
        } else {
            Symmetry::none()
        };
        // every renaming of each event, or, past the bound on events of a type, no renaming
        let added: Option<Vec<_>> = domain
            .iter()
            .map(|maps| sym.close(maps, domain::MAX_EVENTS_OF_TYPE))
            .collect();
        let mut domain = domain;
        match added {
            Some(added) => {
                for (maps, added) in domain.iter_mut().zip(added) {
                    maps.extend(added);
                }
            }
            None => sym = Symmetry::none(),
        }
        let mut events: Vec<Event> = Vec::new();
        for (ty, maps) in domain.into_iter().enumerate() {
            let name = prog.events.get(ty).map_or("", |e| e.name.as_str());
            for mut fields in maps {
                fields.insert("type".into(), name.into());
                fields.insert("at".into(), bounds.start.to_string().into());
                let line = serde_json::Value::Object(fields).to_string();
                match engine.parse_event(&line) {
                    Ok(e) => events.push(e),
                    Err(e) => {
                        return Err(Unbounded {
                            event: name.to_string(),
                            field: e.field().unwrap_or("?").to_string(),
                            why: format!("a generated value is refused ({e})"),
                        })
                    }
                }
            }
        }
        let routes: Vec<Route> = events.iter().map(|e| route_of(engine, e)).collect();
        let memo = std::sync::Arc::new(Memo::new(engine, &events, &routes, transitions, keep));
        // the distinct cases events are routed to, and where each event's is among them
        let mut keys: Vec<(crate::program::CaseTypeId, crate::value::Text)> = Vec::new();
        let slots: Vec<Option<(usize, bool)>> = routes
            .iter()
            .map(|r| {
                let (ty, key, must_exist) = r.as_ref()?;
                let at = match keys.iter().position(|(t, k)| t == ty && k == key) {
                    Some(at) => at,
                    None => {
                        keys.push((*ty, key.clone()));
                        keys.len() - 1
                    }
                };
                Some((at, *must_exist))
            })
            .collect();
        let jobs = bounds.jobs.max(1);
        let workers = (0..jobs)
            .map(|_| {
                Worker::new(
                    engine,
                    slots.clone(),
                    keys.clone(),
                    events.clone(),
                    Canon::new(sym.clone()),
                    memo.clone(),
                    transitions,
                )
            })
            .collect();
        let seen = Reached::new();
        seen.insert(Canon::new(sym.clone()).fingerprint(None, &[]));
        Ok(Explorer {
            started,
            engine,
            events,
            nodes: Nodes::new(Node {
                parent: 0,
                event: u32::MAX,
                at: bounds.start,
            }),
            seen,
            coverage: Coverage::new(engine),
            sym,
            workers,
        })
    }

    /// Breadth-first, level by level: `look` reads each world reached for the first time
    /// (on a worker's thread), and `visit` is handed what it found and the world's node, in
    /// breadth-first order, and may stop the exploration (`true`). Returns the depth to
    /// which every sequence was explored, and whether `max_states` stopped it.
    ///
    /// The coverage is of the levels explored whole: a level stopped part way is not
    /// counted, so that what was never reached does not depend on how far the workers got.
    fn explore<T: Send>(
        &mut self,
        bounds: &Bounds,
        look: &(dyn Fn(Option<&World>, &World, Near) -> T + Sync),
        visit: &mut dyn FnMut(u32, T) -> bool,
    ) -> (usize, bool) {
        let mut frontier = 0..1;
        let mut depth = 0;
        while depth < bounds.depth && !frontier.is_empty() {
            let start = self.nodes.len();
            let mut fresh: Vec<Node> = Vec::new();
            let (mut capped, mut stopped) = (false, false);
            let level = Level {
                nodes: &self.nodes,
                seen: &self.seen,
                frontier,
                bounds,
                look,
            };
            level::expand(&mut self.workers, &level, &mut |f| {
                // a step breaking a transition invariant gets a node even to a world
                // reached before: the path to it is the counterexample
                if !self.seen.insert(f.fp) && !f.forced {
                    return false;
                }
                if start + fresh.len() >= bounds.max_states {
                    capped = true;
                    return true;
                }
                let node = (start + fresh.len()) as u32;
                fresh.push(f.node);
                stopped = visit(node, f.tag);
                stopped
            });
            self.nodes.push_level(fresh);
            if capped || stopped {
                return (depth, capped);
            }
            for w in &self.workers {
                self.coverage.merge(&w.coverage);
            }
            depth += 1;
            frontier = start as u32..self.nodes.len() as u32;
        }
        // nothing new reachable: every longer sequence is explored too
        (bounds.depth, false)
    }
}

/// An event routed by a key its own field holds: the case type, the key, and whether the
/// case must exist (`true`) or must not (`false`, a handler creating it).
pub(super) type Route = Option<(crate::program::CaseTypeId, crate::value::Text, bool)>;

fn route_of(engine: &Engine, e: &Event) -> Route {
    let r = engine.program().event_handler(e.ty)?.route.as_ref()?;
    if r.or_new {
        return None;
    }
    let crate::program::IExpr::EventField(i) = &r.key else {
        return None;
    };
    match e.fields.get(*i as usize)? {
        crate::value::Value::Text(key) => Some((r.case_ty, key.clone(), !r.create)),
        _ => None,
    }
}

struct Explorer<'e> {
    started: Instant,
    engine: &'e Engine,
    events: Vec<Event>,
    nodes: Nodes,
    /// The fingerprints of the worlds of `nodes`.
    seen: Reached,
    /// What the levels explored whole covered.
    coverage: Coverage<'e>,
    /// The interchangeable values.
    sym: Symmetry,
    workers: Vec<Worker<'e>>,
}

impl Explorer<'_> {
    /// The events from the empty world to node `id`, as JSON lines.
    fn path_lines(&self, id: u32) -> Vec<String> {
        let mut path = Vec::new();
        let mut at = id;
        while at != 0 {
            let node = self.nodes.get(at);
            path.push(node);
            at = node.parent;
        }
        path.reverse();
        path.iter()
            .filter_map(|n| {
                let mut e = self.events.get(n.event as usize)?.clone();
                e.at = n.at;
                Some(crate::event::to_line(self.engine.program(), &e, None))
            })
            .collect()
    }

    fn unreached(&self) -> Vec<Unreached> {
        let mut out: Vec<Unreached> = self
            .coverage
            .missing()
            .into_iter()
            .map(|(m, place, what)| Unreached {
                kind: m.name(),
                place,
                what,
            })
            .collect();
        for (place, what, always) in self.coverage.constant_guards() {
            out.push(Unreached {
                kind: "guards",
                place,
                what: format!("guard of {what} always {always}"),
            });
        }
        out.retain(|u| u.kind != Measure::Rows.name() || !u.what.is_empty());
        out
    }
}

/// A time the next event may have, with the deadline it was chosen around (and how).
type Candidate = (Timestamp, Near);

/// The instants the next event may have: the world's clock, and around each of its next
/// pending deadlines: a second before, exactly, a second after, and midway to the first.
fn candidate_times(engine: &Engine, world: &World, bounds: &Bounds) -> Vec<Candidate> {
    let Some(clock) = world.clock else {
        return vec![(bounds.start, None)];
    };
    let prog = engine.program();
    let mut out: Vec<Candidate> = vec![(clock, None)];
    let second = SignedDuration::from_secs(1);
    let mut prev = clock;
    let mut dues: Vec<(Timestamp, Option<crate::program::DeadlineId>)> = Vec::new();
    for (t, case, slot) in &world.queue {
        if *t > clock && dues.last().is_none_or(|(last, _)| last != t) {
            let id = world
                .cases
                .get(*case as usize)
                .and_then(|c| prog.case_def(c.ty))
                .and_then(|d| d.deadlines.get(*slot as usize))
                .copied();
            dues.push((*t, id));
        }
    }
    for (d, id) in dues.into_iter().take(bounds.deadlines) {
        let gap = d.duration_since(prev);
        // midway only before the next deadline: past it, its second after stands for between
        if prev == clock && gap > SignedDuration::from_secs(2) {
            if let Ok(mid) = prev.checked_add(gap / 2) {
                out.push((mid, None));
            }
        }
        for (t, how) in [
            (d.checked_sub(second), -1),
            (Ok(d), 0),
            (d.checked_add(second), 1),
        ] {
            let Ok(t) = t else { continue };
            if t >= clock && !out.iter().any(|(x, _)| *x == t) {
                out.push((t, id.map(|id| (id, how))));
            }
        }
        prev = d;
    }
    out
}

/// The fingerprint of the cases of `world` after a step that left the cases `changed` (by
/// position, in order; past the world's end, new ones) as they are there
/// ([`Canon::content_of`]: [`fingerprint::at_clock`] makes it the world's).
fn content_after<'a>(
    canon: &mut Canon,
    world: &'a World,
    changed: &[(CaseId, &'a crate::world::CaseData)],
) -> u128 {
    let old = world.cases.len();
    let new = changed.iter().filter(|(id, _)| *id as usize >= old).count();
    let case = |i: usize| {
        changed
            .iter()
            .find(|(id, _)| *id as usize == i)
            .map_or_else(|| &world.cases[i], |(_, c)| *c)
    };
    // INVARIANT: new cases are numbered from the world's end, in order
    canon.content_of(old + new, &case)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every policy of `rules/` and of `tests/policies/`.
    fn policies() -> Vec<std::path::PathBuf> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs: Vec<_> = ["rules", "tests/policies"]
            .iter()
            .flat_map(|d| std::fs::read_dir(root.join(d)).expect("a folder of policies"))
            .flatten()
            .map(|d| d.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        dirs
    }

    /// What a report says of the policy: all but the time and the counts of steps
    /// evaluated and reused.
    fn verdict(r: &Report) -> String {
        format!(
            "{} states, depth {}, capped {}, {:?}, {:?}, {:?}",
            r.states, r.depth, r.capped, r.violation, r.unreached, r.symmetric
        )
    }

    /// A job reminded every second by a deadline its own handler re-arms: how many times
    /// it fires before an event (a second after it was due, it fires again) depends on the
    /// event's time, not only on which deadlines were due. Debug builds check each kept
    /// step (a step kept by the deadlines due alone, once, fails here).
    const REMINDERS: &str = r#"
format job_id = /^[A-Z][0-9]$/ "a letter and a digit"
statuses { running: open  done: final }
case job key id: job_id { last: instant?  reminders: count = 0 }
deadline again = job.last + 1s
event start { job: job_id }
event stop { job: job_id }
event tick {}
on start for new job(event.job) {
  rule open { set job.last = event.at }
}
on stop for job(event.job) {
  rule close { set job.status = done  set job.last = unset }
}
on deadline again {
  rule remind when job.status is open and job.reminders < 3 {
    set job.last = now
    set job.reminders = job.reminders + 1
  }
}
invariant few_reminders for job = job.reminders <= 3 else "too many"
"#;

    #[test]
    fn a_deadline_rearmed_before_an_event_is_kept_by_the_event_s_time() {
        let engine = Engine::from_sources(vec![crate::Source::new("p.docket", REMINDERS)])
            .expect("the policy loads");
        for depth in [3, 5] {
            let bounds = Bounds {
                depth,
                jobs: 1,
                deadlines: 3,
                ..Bounds::default()
            };
            let kept = verify_keeping(&engine, &bounds, true).expect("bounded");
            let not = verify_keeping(&engine, &bounds, false).expect("bounded");
            assert_eq!(verdict(&kept), verdict(&not));
            assert!(kept.reused > 0);
        }
    }

    #[test]
    fn kept_steps_change_nothing_found() {
        for dir in policies() {
            let engine = Engine::load(&dir).expect("the policy loads");
            for (depth, keys) in [(4, 1), (2, 2)] {
                let bounds = Bounds {
                    depth,
                    keys,
                    jobs: 1,
                    ..Bounds::default()
                };
                let kept = verify_keeping(&engine, &bounds, true).expect("bounded");
                let not = verify_keeping(&engine, &bounds, false).expect("bounded");
                assert_eq!(verdict(&kept), verdict(&not), "{}", dir.display());
                assert!(kept.reused > 0, "{}: steps are kept", dir.display());
                assert_eq!(not.reused, 0);
                assert_eq!(
                    kept.transitions + kept.reused,
                    not.transitions,
                    "{}: every step is evaluated or kept",
                    dir.display()
                );
            }
        }
    }
}
