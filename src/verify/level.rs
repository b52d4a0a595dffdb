//! One breadth-first level of an exploration, expanded by workers on threads of their own
//! and merged on the calling thread in frontier order, so that what is found does not
//! depend on how many workers there are.
//!
//! The level's frontier (the worlds the previous level reached first, numbered
//! consecutively) is cut into contiguous chunks, which the workers take in increasing
//! order. A worker rebuilds each world of its chunk, tries every event at every candidate
//! time, and keeps each world reached that neither the set of worlds reached nor its own
//! earlier tries in the chunk hold, in the order it reached them, with what `look` finds
//! in it (an invariant broken, a boundary hit), and each step that breaks a transition
//! invariant, wherever it leads. The merge takes the chunks in order and adds each world to
//! the set of worlds reached, numbering those not there yet (and a step breaking a
//! transition invariant, to have its path): exactly the
//! worlds, the order and the numbering a single loop over the frontier gives, so node
//! numbers, the counterexample (the first in breadth-first order) and where `--max-states`
//! stops are the same for any number of workers. (A world a worker finds in the set was
//! reached by an earlier level or an earlier chunk — the merge adds only chunks done, and a
//! worker's chunk is not done — so the merge would have dropped it too.) When the merge
//! stops (a violation, the cap), it tells the workers, which stop at their next world. What
//! they counted past that point — events evaluated, steps reused, coverage — is not the
//! same from run to run: the level's coverage is only kept when the level was explored
//! whole.

use super::checks::Checks;
use super::fingerprint::{at_clock, Canon, Low64, Reached, Seen};
use super::memo::{After, Due, Keys, Known, Memo, WorldKeys};
use super::{candidate_times, content_after, Bounds, Near, Node, Nodes};
use crate::coverage::Coverage;
use crate::engine::Engine;
use crate::eval::Trace;
use crate::event::Event;
use crate::program::CaseTypeId;
use crate::value::{CaseId, Text};
use crate::world::World;
use jiff::Timestamp;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

/// What the workers of one level share, read only.
pub(super) struct Level<'a, T> {
    /// Every node of the earlier levels.
    pub nodes: &'a Nodes,
    /// The fingerprints of their worlds, and of the worlds merged so far in this level.
    pub seen: &'a Reached,
    /// The nodes to expand.
    pub frontier: Range<u32>,
    pub bounds: &'a Bounds,
    /// Reads a world reached first, or reached again by a step that breaks a transition
    /// invariant, on the worker's thread (after the world before it when the step broke a
    /// transition invariant, else none: they were checked; its event's time chosen near a
    /// deadline or not): what the merge is handed of it.
    pub look: &'a (dyn Fn(Option<&World>, &World, Near) -> T + Sync),
}

/// The events that may be accepted on a world: each with which of the routed cases it is
/// routed to.
type Open = Arc<[(usize, Option<usize>)]>;

/// What the kept steps say of a step: refused, or the fingerprint of the cases it leads to
/// (none: not kept).
type Said = Result<Option<u128>, ()>;

/// What the kept steps said of an event on a world, by a key without the instant: with no
/// deadline due, the same at each of the world's instants.
#[derive(Clone, Copy)]
struct Here {
    /// The world's number ([`Worker::world_no`]).
    world: u64,
    /// The deadlines due: the same at the world's other instants where the same are.
    due: Option<Due>,
    /// Whether it was kept by every case.
    by_all: bool,
    said: Said,
}

/// How many kept steps a worker keeps a copy of.
const MINE: usize = 1 << 16;

/// What the kept steps say of a step.
#[derive(Clone, Copy)]
enum Kept {
    /// Nothing: it is evaluated.
    Unknown,
    /// It is refused.
    Refused,
    /// It leads to this world, reached before (by this worker in its chunk, or merged).
    Seen(u128),
    /// It leads to this world, not reached yet: the world is made from the one before
    /// and what the step did ([`Known::Wrote`]), or, when that is not at hand, evaluated.
    New(u128),
}

/// A world a worker reached first, or reached by a step breaking a transition invariant
/// (`forced`: a node even when the world was reached before, for the counterexample): its
/// fingerprint, how, and what `look` found.
pub(super) struct Found<T> {
    pub fp: u128,
    pub node: Node,
    pub tag: T,
    pub forced: bool,
}

/// The chunks of `frontier` the workers take: about sixteen a worker, each of at most 256
/// worlds (a chunk's worlds are mostly siblings and cousins, rebuilt from one another).
fn chunks(frontier: &Range<u32>, jobs: usize) -> Vec<Range<u32>> {
    let len = frontier.len();
    let size = (len / (jobs * 16)).clamp(1, 256);
    (frontier.start..frontier.end)
        .step_by(size)
        .map(|s| s..(s + size as u32).min(frontier.end))
        .collect()
}

/// Expands `level` with `workers` (one: on this thread), and hands each world reached
/// first to `merge`, in frontier order, until `merge` returns `true` (stop).
pub(super) fn expand<T: Send>(
    workers: &mut [Worker<'_>],
    level: &Level<'_, T>,
    merge: &mut dyn FnMut(Found<T>) -> bool,
) {
    let chunks = chunks(&level.frontier, workers.len());
    for w in workers.iter_mut() {
        w.begin_level();
    }
    if let [one] = workers {
        for chunk in chunks {
            for f in one.chunk(level, chunk, &AtomicBool::new(false)) {
                if merge(f) {
                    return;
                }
            }
        }
        return;
    }
    let next = AtomicUsize::new(0);
    // the first chunk not merged yet: a worker waits rather than run far ahead of it, so
    // that what waits to be merged stays a few chunks
    let merged = AtomicUsize::new(0);
    let ahead = 8 * workers.len();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel::<(usize, Vec<Found<T>>)>();
        for w in workers.iter_mut() {
            let (tx, chunks, next, merged, stop) = (tx.clone(), &chunks, &next, &merged, &stop);
            s.spawn(move || {
                // INVARIANT: chunks are taken in increasing order, so the one due is held by
                // a worker that does not wait
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(c) = chunks.get(i) else { break };
                    while i >= merged.load(Ordering::Acquire) + ahead
                        && !stop.load(Ordering::Relaxed)
                    {
                        std::thread::sleep(std::time::Duration::from_micros(200));
                    }
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let found = w.chunk(level, c.clone(), stop);
                    if tx.send((i, found)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // chunks done before the one due
        let mut early = std::collections::BTreeMap::new();
        let mut due = 0;
        for (i, found) in rx {
            early.insert(i, found);
            while let Some(found) = early.remove(&due) {
                for f in found {
                    if merge(f) {
                        stop.store(true, Ordering::Relaxed);
                        return;
                    }
                }
                due += 1;
                merged.store(due, Ordering::Release);
            }
        }
    });
}

/// One worker: what it needs to expand worlds, its own copies of what changes.
pub(super) struct Worker<'e> {
    engine: &'e Engine,
    /// How each event is routed, when a field of its own says it: an event whose case is
    /// missing (or exists, for one that creates it) is refused, and not evaluated.
    routes: Vec<Option<(usize, bool)>>,
    /// The cases events are routed to (`routes` points here): (case type, key).
    keys: Vec<(CaseTypeId, Text)>,
    events: Vec<Event>,
    /// In the world being expanded: each of `keys`'s case, if it has it.
    found: Vec<Option<CaseId>>,
    /// In the world being expanded: the events that may be accepted, with which of `keys`
    /// each is routed to.
    open: Open,
    /// In the world being expanded: the case of each of `keys` (where it has none, the
    /// position a new one takes).
    slot_case: Vec<CaseId>,
    /// `open` by which of `keys` have a case (a bit each), as far as 64.
    opens: HashMap<u64, Open>,
    /// In the world being expanded: a hash of each case as it is (for [`Memo::key`]).
    case_fps: Vec<u128>,
    /// In the world being expanded: for each of [`Memo::fields`], a hash of what a step may
    /// read of each case.
    read_fps: Vec<Vec<u128>>,
    /// A copy of the kept steps this worker looked up or kept (at most [`MINE`]).
    known: HashMap<u128, Known, BuildHasherDefault<Low64>>,
    /// In the world being expanded: what the keys of its steps start from.
    world_keys: WorldKeys,
    /// The worlds expanded so far (the one being expanded is numbered this).
    world_no: u64,
    /// By event: what the kept steps said of it on a world, for its steps at the world's
    /// other instants.
    here: Vec<Here>,
    /// In the world being expanded: the fingerprint of its cases
    /// ([`super::fingerprint::Canon::content_of`]), once a step needs it.
    content: Option<u128>,
    /// The transition invariants, checked on every step evaluated, even one reaching a
    /// world reached before (where it breaks one, the step is a counterexample).
    checks: Checks,
    /// The worlds along the last path rebuilt, from the empty one: a node's siblings and
    /// cousins share most of it.
    path: Vec<(u32, World)>,
    canon: Canon,
    /// Steps known without evaluating them again.
    memo: Arc<Memo>,
    trace: Trace,
    /// What this level's evaluations covered.
    pub coverage: Coverage<'e>,
    /// The worlds this worker reached first in its chunk.
    mine: Seen,
    /// Events evaluated.
    pub transitions: u64,
    /// Steps known from another world (not counted in `transitions`).
    pub reused: u64,
}

impl<'e> Worker<'e> {
    pub(super) fn new(
        engine: &'e Engine,
        routes: Vec<Option<(usize, bool)>>,
        keys: Vec<(CaseTypeId, Text)>,
        events: Vec<Event>,
        canon: Canon,
        memo: Arc<Memo>,
        transitions: bool,
    ) -> Worker<'e> {
        // the exploration reads no message or refusal: placeholders are evaluated (a step
        // fails where it would), nothing is rendered
        let mut trace = Trace::counting();
        trace.no_texts = true;
        Worker {
            engine,
            routes,
            keys,
            events,
            found: Vec::new(),
            open: Arc::new([]),
            slot_case: Vec::new(),
            opens: HashMap::new(),
            case_fps: Vec::new(),
            read_fps: Vec::new(),
            world_keys: WorldKeys::default(),
            known: HashMap::default(),
            world_no: 0,
            here: Vec::new(),
            content: None,
            checks: Checks::new(engine.program(), transitions),
            path: vec![(0, World::new())],
            canon,
            memo,
            trace,
            coverage: Coverage::new(engine),
            mine: Seen::default(),
            transitions: 0,
            reused: 0,
        }
    }

    fn begin_level(&mut self) {
        self.coverage = Coverage::new(self.engine);
    }

    /// Expands the nodes `chunk` of `level`: the worlds reached first, in order. Stops
    /// early, with what it has, when `stop` is set.
    fn chunk<T>(
        &mut self,
        level: &Level<'_, T>,
        chunk: Range<u32>,
        stop: &AtomicBool,
    ) -> Vec<Found<T>> {
        let mut out = Vec::new();
        self.mine.clear();
        for id in chunk {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let mut world = self.world_of(level.nodes, id);
            self.prepare(&world);
            for (at, near) in candidate_times(self.engine, &world, level.bounds) {
                for i in 0..self.open.len() {
                    let (ev, slot) = self.open[i];
                    let case = slot.and_then(|s| self.slot_case.get(s).copied());
                    let Some((fp, after, forced)) = self.step(level.seen, &mut world, ev, case, at)
                    else {
                        continue;
                    };
                    out.push(Found {
                        fp,
                        node: Node {
                            parent: id,
                            event: ev as u32,
                            at,
                        },
                        tag: (level.look)(forced.then_some(&world), &after, near),
                        forced,
                    });
                }
            }
        }
        out
    }

    /// The event `ev` (routed to `case`) at `at` on `world`: the world after it, its
    /// fingerprint and whether it breaks a transition invariant, when it is accepted and
    /// leads to a world neither `seen` holds nor this worker reached in its chunk, or breaks
    /// one.
    fn step(
        &mut self,
        seen: &Reached,
        world: &mut World,
        ev: usize,
        case: Option<CaseId>,
        at: Timestamp,
    ) -> Option<(u128, World, bool)> {
        // what the kept steps said of it at another instant of this world, by a key without
        // the instant: with no deadline due, the same at each (then its keys are made only
        // to keep it)
        let due = Due::of(world, at);
        let mut keys = None;
        let here = (self.here.get(ev))
            .filter(|h| h.world == self.world_no && h.due == due)
            .map(|h| (h.by_all, h.said));
        let said = match here {
            Some(said) => Some(said),
            None => {
                // a step kept from another world where what it reads stood the same
                keys = self.keys(due, ev, at, case);
                keys.map(|k| {
                    let (said, timed) = self.kept(world, ev, k);
                    if !timed && !matches!(said, Ok(None)) {
                        if let Some(h) = self.here.get_mut(ev) {
                            *h = Here {
                                world: self.world_no,
                                due,
                                by_all: k.by_all,
                                said,
                            };
                        }
                    }
                    (k.by_all, said)
                })
            }
        };
        let mut kept = Kept::Unknown;
        if let Some((by_all, found)) = said {
            let found = found.map(|content| content.map(|c| at_clock(Some(at), c)));
            // a step kept by its case alone kept the transition invariants on its case: the
            // others, unchanged, keep them where they do on this world as it is
            let mut holds = || {
                let prog = self.engine.program();
                let fps = &self.case_fps;
                by_all
                    || !self.checks.any()
                    || (self.checks)
                        .hold(prog, &mut self.canon, world, fps, world, &[], at)
                        .0
            };
            kept = match found {
                Err(()) => Kept::Refused,
                Ok(Some(fp)) if holds() => match self.mine.contains(&fp) || seen.contains(fp) {
                    true => Kept::Seen(fp),
                    false => Kept::New(fp),
                },
                Ok(_) => Kept::Unknown,
            };
        }
        if let Kept::New(fp) = kept {
            keys = keys.or_else(|| self.keys(due, ev, at, case));
            // a world reached first by a kept step: made from this one, not evaluated
            if let Some(made) = keys.and_then(|k| self.made(world, ev, at, k)) {
                self.reused += 1;
                if !cfg!(debug_assertions) {
                    self.mine.insert(fp);
                    return Some((fp, made, false));
                }
                // debug builds evaluate it all the same, to check what was kept
                let found = self.evaluate(seen, world, (ev, case, at), keys, kept);
                if let Some((_, after, _)) = &found {
                    debug_assert!(
                        after.cases == made.cases
                            && after.clock == made.clock
                            && after.queue == made.queue,
                        "a kept step makes the world evaluating it makes"
                    );
                }
                return found;
            }
        }
        if matches!(kept, Kept::Refused | Kept::Seen(_)) {
            self.reused += 1;
            // debug builds evaluate it all the same, to check what was kept
            if !cfg!(debug_assertions) {
                return None;
            }
        } else {
            self.transitions += 1;
        }
        if keys.is_none() && here.is_some() {
            keys = self.keys(due, ev, at, case);
        }
        self.evaluate(seen, world, (ev, case, at), keys, kept)
    }

    /// The keys of the step of event `ev` at `at` (with the deadlines `due` due), routed to
    /// `case`, on the world being expanded ([`Memo::key`]).
    fn keys(
        &self,
        due: Option<Due>,
        ev: usize,
        at: Timestamp,
        case: Option<CaseId>,
    ) -> Option<Keys> {
        let wk = (&self.world_keys, &self.case_fps[..], &self.read_fps[..]);
        self.memo.key(wk, due, ev, at, case)
    }

    /// Where this worker's copy holds what the kept steps say of the step with keys `keys`
    /// (copied from the shared ones if need be), and whether it was kept by its instant.
    fn copy_of(&mut self, keys: Keys) -> Option<(u128, bool)> {
        // this worker's copies first: the kept steps are shared, and their locks with them
        let found = [(keys.timeless, false), (keys.timed, true)]
            .into_iter()
            .find(|(key, _)| self.known.contains_key(key));
        if found.is_some() {
            return found;
        }
        let (known, timed) = self.memo.get(keys)?;
        self.remember(keys, timed, known);
        Some((if timed { keys.timed } else { keys.timeless }, timed))
    }

    /// What the kept steps say of the step of event `ev` on `world` with keys `keys`:
    /// refused, or the fingerprint of the cases it leads to (none: not kept); and whether
    /// it was kept by its instant.
    fn kept(&mut self, world: &World, ev: usize, keys: Keys) -> (Said, bool) {
        let Some((key, timed)) = self.copy_of(keys) else {
            return (Ok(None), false);
        };
        let Worker {
            known,
            canon,
            memo,
            content,
            ..
        } = self;
        match known.get(&key) {
            None => (Ok(None), false),
            Some(Known::Refused) => (Err(()), timed),
            Some(Known::Unchanged) => {
                let c = *content.get_or_insert_with(|| {
                    canon.content_of(world.cases.len(), &|i| &world.cases[i])
                });
                (Ok(Some(c)), timed)
            }
            Some(Known::Wrote(cases)) => {
                // made once for the same cases, at any instant
                let c = memo.content(keys, timed).or_else(|| {
                    let c = changed_content(canon, memo, world, ev, cases)?;
                    memo.put_content(keys, timed, c);
                    Some(c)
                });
                (Ok(c), timed)
            }
        }
    }

    /// The world the step of event `ev` at `at` with keys `keys`, kept as accepted, makes of
    /// `world`, if what it did is at hand.
    fn made(&mut self, world: &World, ev: usize, at: Timestamp, keys: Keys) -> Option<World> {
        let (key, _) = self.copy_of(keys)?;
        let changed = match self.known.get(&key)?.clone() {
            Known::Refused => return None,
            Known::Unchanged => std::collections::BTreeMap::new(),
            Known::Wrote(cases) => made_cases(&self.memo, world, ev, &cases)?
                .into_iter()
                .collect(),
        };
        let mut made = world.clone();
        made.commit(self.engine.program(), changed, at);
        Some(made)
    }

    /// Keeps a copy of what the kept steps say of the step with keys `keys`.
    fn remember(&mut self, keys: Keys, timed: bool, known: Known) {
        if self.known.len() >= MINE {
            self.known.clear();
        }
        self.known
            .insert(if timed { keys.timed } else { keys.timeless }, known);
    }

    /// Evaluates the step `(ev, case, at)` of [`Worker::step`], whose keys are `keys`;
    /// `kept` is what the kept steps say of it. A step known to be refused or to lead to a
    /// world reached before (evaluated only in debug builds, which check it) returns
    /// nothing and keeps nothing.
    fn evaluate(
        &mut self,
        seen: &Reached,
        world: &mut World,
        (ev, case, at): (usize, Option<CaseId>, Timestamp),
        keys: Option<Keys>,
        kept: Kept,
    ) -> Option<(u128, World, bool)> {
        let known_already = matches!(kept, Kept::Refused | Kept::Seen(_));
        let event = self.events.get_mut(ev)?;
        event.at = at;
        self.trace.clear();
        // applied in place and undone: the world after is fingerprinted where it lies, and
        // copied only when not seen before
        let (canon, mine, engine) = (&mut self.canon, &self.mine, self.engine);
        let (checks, fps) = (&mut self.checks, &self.case_fps);
        // INVARIANT: `world` is a copy of the last world of the path, which stays as it was
        let prior = self.path.last().map(|(_, w)| w);
        let before = prior.filter(|_| checks.any());
        let read = self.memo.fields_of(ev);
        let (keep, by_all) = (keys.is_some(), keys.is_some_and(|k| k.by_all));
        let probed = engine.probe_traced(
            world,
            event,
            Some(&mut self.trace),
            |after, outcomes, changed| {
                let content = canon.content_of(after.cases.len(), &|i| &after.cases[i]);
                let hash = at_clock(after.clock, content);
                let (holds, checks_read_time) = match before {
                    Some(before) => {
                        checks.hold(engine.program(), canon, before, fps, after, changed, at)
                    }
                    None => (true, false),
                };
                let broken = !holds;
                let known = match changed {
                    // a step breaking a transition invariant is evaluated wherever it is met
                    _ if !keep || broken => None,
                    [] => Some(Known::Unchanged),
                    // INVARIANT: a step reading only its case changes only that case
                    _ if !by_all && changed.iter().any(|id| Some(*id) != case) => None,
                    _ => prior.zip(read).and_then(|(prior, read)| {
                        let cases = changed.iter().map(|id| {
                            let c = after.cases.get(*id as usize)?;
                            Some(After::of(prior.cases.get(*id as usize), c, *id, read))
                        });
                        Some(Known::Wrote(cases.collect::<Option<_>>()?))
                    }),
                };
                let new = !(mine.contains(&hash) || seen.contains(hash));
                let after = (new || broken).then(|| after.clone());
                let known = known.map(|k| (k, content));
                (outcomes, hash, known, after, new, broken, checks_read_time)
            },
        );
        let (outcomes, hash, known, after, new, broken, checks_read_time) = match probed {
            Ok(p) => p,
            Err(_) => {
                debug_assert!(
                    matches!(kept, Kept::Unknown | Kept::Refused),
                    "a step kept as accepted is accepted"
                );
                if known_already {
                    return None;
                }
                self.coverage.add_outcomes(&self.trace, None);
                if let Some(k) = keys {
                    self.memo.put(k, self.trace.read_time, Known::Refused);
                    self.remember(k, self.trace.read_time, Known::Refused);
                }
                return None;
            }
        };
        match kept {
            Kept::Unknown => {}
            Kept::Refused => debug_assert!(false, "a step kept as refused is refused"),
            Kept::Seen(fp) | Kept::New(fp) => {
                debug_assert_eq!(fp, hash, "a kept step gives the world evaluating it gives");
                debug_assert!(!broken, "a kept step keeps the transition invariants");
            }
        }
        if known_already {
            crate::eval::recycle(outcomes);
            return None;
        }
        self.coverage.add_outcomes(&self.trace, Some(&outcomes));
        crate::eval::recycle(outcomes);
        if let (Some(k), Some((known, content))) = (keys, known) {
            // what did not read the time is kept for every instant
            let read_time = self.trace.read_time || checks_read_time;
            if matches!(known, Known::Wrote(_)) {
                self.memo.put_content(k, read_time, content);
            }
            self.memo.put(k, read_time, known.clone());
            self.remember(k, read_time, known);
        }
        let after = after?;
        if new {
            self.mine.insert(hash);
        }
        Some((hash, after, broken))
    }

    /// Reads off `world`, about to be expanded, what each step on it looks up.
    fn prepare(&mut self, world: &World) {
        self.found.clear();
        self.found.extend(
            self.keys
                .iter()
                .map(|(ty, key)| world.find(*ty, key.bytes())),
        );
        // an event whose case is missing (or exists, for one creating it) is refused: not
        // tried, at any time; which are tried depends only on which cases exist
        self.slot_case.clear();
        let ends = world.cases.len() as CaseId;
        (self.slot_case).extend(self.found.iter().map(|f| f.unwrap_or(ends)));
        let exist: Option<u64> = (self.found.len() <= 64).then(|| {
            let bits = self.found.iter().enumerate();
            bits.fold(0, |m, (i, f)| m | (u64::from(f.is_some()) << i))
        });
        let cached = exist.and_then(|e| self.opens.get(&e).cloned());
        self.open = match cached {
            Some(open) => open,
            None => {
                let open: Open = (self.routes.iter().enumerate())
                    .filter_map(|(ev, route)| match route {
                        None => Some((ev, None)),
                        Some((slot, must_exist)) => {
                            let found = self.found.get(*slot).copied().flatten();
                            (found.is_some() == *must_exist).then_some((ev, Some(*slot)))
                        }
                    })
                    .collect();
                if let Some(e) = exist {
                    self.opens.insert(e, open.clone());
                }
                open
            }
        };
        self.case_fps.clear();
        let canon = &mut self.canon;
        let fields = self.memo.fields();
        self.read_fps.resize_with(fields.len(), Vec::new);
        for fps in &mut self.read_fps {
            fps.clear();
        }
        for c in &world.cases {
            let all = canon.case_hashes(c, fields, &mut self.read_fps);
            self.case_fps.push(all);
        }
        (self.memo).world(&self.case_fps, &self.read_fps, &mut self.world_keys);
        self.world_no += 1;
        let none = Here {
            world: 0,
            due: None,
            by_all: false,
            said: Ok(None),
        };
        self.here.resize(self.events.len(), none);
        self.content = None;
    }

    /// The world of node `id`, rebuilt by replaying its path from the empty world: from
    /// the last path rebuilt, where the two part (breadth-first, the next node is most
    /// often a sibling or a cousin of the last).
    fn world_of(&mut self, nodes: &Nodes, id: u32) -> World {
        let mut chain = Vec::new();
        let mut at = id;
        while at != 0 {
            chain.push(at);
            at = nodes.get(at).parent;
        }
        chain.reverse();
        // INVARIANT: `path[0]` is the empty world, `path[i]` the world of the `i`-th node on
        // the last path rebuilt
        let common = chain
            .iter()
            .zip(self.path.iter().skip(1))
            .take_while(|(a, (b, _))| *a == b)
            .count();
        self.path.truncate(common + 1);
        for &n in &chain[common..] {
            let node = nodes.get(n);
            let mut w = self.path.last().map(|(_, w)| w.clone()).unwrap_or_default();
            if let Some(e) = self.events.get(node.event as usize) {
                let mut e = e.clone();
                e.at = node.at;
                // INVARIANT: it was accepted on this very world when the node was made
                let _ = self.engine.apply(&mut w, &e);
            }
            self.path.push((n, w));
        }
        self.path.last().map(|(_, w)| w.clone()).unwrap_or_default()
    }
}

/// The fingerprint of the cases of `world` after a step of event `ev` kept as having
/// changed `cases` ([`Known::Wrote`]), if they fit the world.
fn changed_content(
    canon: &mut Canon,
    memo: &Memo,
    world: &World,
    ev: usize,
    cases: &[After],
) -> Option<u128> {
    let made = made_cases(memo, world, ev, cases)?;
    let refs: Vec<(CaseId, &crate::world::CaseData)> = made.iter().map(|(i, c)| (*i, c)).collect();
    Some(content_after(canon, world, &refs))
}

/// The cases of `world` a step of event `ev` kept as having changed `cases`
/// ([`Known::Wrote`]) leaves, by position, if they fit the world.
fn made_cases(
    memo: &Memo,
    world: &World,
    ev: usize,
    cases: &[After],
) -> Option<Vec<(CaseId, crate::world::CaseData)>> {
    let read = memo.fields_of(ev)?;
    let mut made: Vec<(CaseId, crate::world::CaseData)> = Vec::with_capacity(cases.len());
    for c in cases {
        let (id, case) = c.apply(world, read)?;
        // new cases are numbered from the world's end, in order
        let id = match c {
            After::New(_) => {
                id + made
                    .iter()
                    .filter(|(i, _)| *i as usize >= world.cases.len())
                    .count() as CaseId
            }
            After::Old { .. } => id,
        };
        made.push((id, case));
    }
    Some(made)
}

#[cfg(test)]
mod tests {
    use super::chunks;

    #[test]
    fn chunks_cover_the_frontier_in_order() {
        for (frontier, jobs) in [
            (1..2, 1),
            (5..5, 2),
            (1..1000, 2),
            (7..100_007, 2),
            (3..40, 8),
        ] {
            let cs = chunks(&frontier, jobs);
            let flat: Vec<u32> = cs.iter().flat_map(Clone::clone).collect();
            assert_eq!(flat, frontier.clone().collect::<Vec<_>>());
            assert!(cs.iter().all(|c| !c.is_empty() && c.len() <= 256));
        }
    }
}
