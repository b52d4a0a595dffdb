//! Steps known without evaluating them again. What a step does depends only on what it
//! reads — the event, what it may read of the cases it may look at, the policy's constants
//! and, where it reads it, the time — as long as no deadline is due before it (a deadline
//! firing first could change anything). So a step is kept by a hash of all that, as what
//! it did: refused, nothing (only the clock moved), or the cases it changed, as far as it
//! may have read or written them. A kept step is not evaluated again: a kept change gives
//! the next world's fingerprint (its changed cases made from this world's, hashed once for
//! the same cases at every instant: [`Memo::content`]), and a world not reached before is
//! made the same way and committed at the step's instant. Its coverage is the coverage of
//! the step kept, recorded when it was evaluated.
//!
//! What a step may read or write of a case is known before it runs ([`Fields`]: the fields
//! its handler, the deadline handlers, deadlines, erasures and transition invariants read,
//! those they write, and those erased, by position), beside the case's type, key, status,
//! deadlines and number of participants. Two worlds where those stand the same see the same
//! step: the same reads, so the same writes of the same values. A case it changed is kept
//! as its status, those fields (its participants' too), the participants it added and its
//! deadlines; every other field it neither read nor wrote is as it was.
//!
//! An event whose handler reads nothing but its own fields, the one case it routes to and
//! the constants (no look-up of other cases, in its rules, that case type's derived fields,
//! deadlines or erasures) is kept by that case alone: with two cases of a type, most worlds
//! differ only in the other case, and the step on this one was computed already. Any other
//! event is kept by every case of the world.
//!
//! Whether a step read the time is known when it has run (the evaluator notes every read of
//! `now` and of the event's `at`): a step that did not, nor the transition invariants
//! checked on it, does the same at every instant, and is kept without its instant, for the
//! same cases at another time (most worlds differ from others only by their clock); one
//! that did is kept by its instant too. With a deadline due, the step is kept by every case
//! and by which deadlines are due (how many of the queue's, and the clock when the first
//! was due before it: it fires at the clock); each fires at its own instant, and the
//! event's time is read, or not, after them (whether a deadline a firing left pending fires
//! too depends on it: that counts as reading it).

use super::fingerprint::{Fp, Low64};
use super::reads::{Fields, Reach};
use super::Route;
use crate::engine::Engine;
use crate::event::Event;
use crate::program::MemberId;
use crate::value::{CaseId, Value};
use crate::world::{CaseData, DeadlineState, World};
use jiff::Timestamp;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// What a step did.
#[derive(Clone)]
pub(super) enum Known {
    /// The event was refused.
    Refused,
    /// It changed nothing but the clock.
    Unchanged,
    /// It changed these cases.
    Wrote(Arc<[After]>),
}

/// A case as a step left it, as far as the step may have read or written it ([`Fields`]).
pub(super) enum After {
    /// A case it created: all of it.
    New(Box<CaseData>),
    /// Case `id` of the world: its status, the fields at the positions of [`Fields::case`],
    /// the fields of each of its participants at those of [`Fields::part`] (one after the
    /// other), the participants it added (whole, one after the other) and its deadlines.
    Old {
        id: CaseId,
        status: MemberId,
        fields: Box<[Value]>,
        parts: Box<[Value]>,
        added: Box<[Value]>,
        deadlines: Box<[DeadlineState]>,
    },
}

impl After {
    /// Case `id` of `after`, which was `before` (none: new), as far as `read` tells.
    pub(super) fn of(
        before: Option<&CaseData>,
        after: &CaseData,
        id: CaseId,
        read: &Fields,
    ) -> After {
        let Some(before) = before else {
            return After::New(Box::new(after.clone()));
        };
        let old = before.parts.len().min(after.parts.len());
        let mut parts = Vec::new();
        for p in after.parts.iter().take(old) {
            parts.extend(at(p, &read.part).cloned());
        }
        let added = after.parts.iter().skip(old).flatten().cloned().collect();
        After::Old {
            id,
            status: after.status,
            fields: at(&after.fields, &read.case).cloned().collect(),
            parts: parts.into(),
            added,
            deadlines: after.deadlines.clone(),
        }
    }

    /// The case this makes of `world`'s (none if `world` has no case there, or one of
    /// another shape), where `read` is as [`After::of`] was given.
    pub(super) fn apply(&self, world: &World, read: &Fields) -> Option<(CaseId, CaseData)> {
        let (id, status, fields, parts, added, deadlines) = match self {
            After::New(c) => return Some((world.cases.len() as CaseId, (**c).clone())),
            After::Old {
                id,
                status,
                fields,
                parts,
                added,
                deadlines,
            } => (*id, status, fields, parts, added, deadlines),
        };
        let mut c = world.cases.get(id as usize)?.clone();
        c.status = *status;
        put(&mut c.fields, &read.case, fields)?;
        let stride = (read.part.iter())
            .filter(|p| usize::from(**p) < c.parts.stride())
            .count();
        if parts.len() != stride * c.parts.len() {
            return None;
        }
        for (i, values) in parts.chunks(stride.max(1)).enumerate() {
            put(c.parts.get_mut(i)?, &read.part, values)?;
        }
        if c.parts.stride() > 0 {
            for p in added.chunks(c.parts.stride()) {
                c.parts.push(p.to_vec());
            }
        }
        c.deadlines = deadlines.clone();
        Some((id, c))
    }

    /// About how many bytes it holds.
    fn size(&self) -> usize {
        let values = match self {
            After::New(c) => c.fields.len() + c.parts.len() * c.parts.stride(),
            After::Old {
                fields,
                parts,
                added,
                ..
            } => fields.len() + parts.len() + added.len(),
        };
        64 + values * std::mem::size_of::<Value>()
    }
}

/// The values of `values` at `positions` (those it has).
fn at<'v>(values: &'v [Value], positions: &'v [u16]) -> impl Iterator<Item = &'v Value> {
    positions.iter().filter_map(|p| values.get(usize::from(*p)))
}

/// Writes `new` at the `positions` of `values` it has, in order; none unless they match.
fn put(values: &mut [Value], positions: &[u16], new: &[Value]) -> Option<()> {
    let mut new = new.iter();
    for p in positions {
        if let Some(slot) = values.get_mut(usize::from(*p)) {
            *slot = new.next()?.clone();
        }
    }
    new.next().is_none().then_some(())
}

/// The keys of a step: what it did is kept under `timeless` when neither it nor the checks
/// made of it read the time, else under `timed` (the same, with the instant). The same
/// keys made of all of every case, not only of what the step may read, are
/// [`Keys::whole`], for [`Memo::content`].
#[derive(Clone, Copy)]
pub(super) struct Keys {
    pub timeless: u128,
    pub timed: u128,
    /// [`Keys::whole`] without its end.
    whole: Fp,
    at: Timestamp,
    /// Kept by every case (else by the case it is routed to).
    pub by_all: bool,
}

impl Keys {
    /// The key made of all of every case: by the instant when `timed`.
    fn whole(&self, timed: bool) -> u128 {
        let mut h = self.whole;
        if timed {
            self.at.hash(&mut h);
        }
        h.finish128()
    }
}

/// Which deadlines are due before a step (a deadline due first fires first, and may change
/// anything, at its instant, or at the clock when it was due before: the clock never runs
/// backwards): how many of the world's queue, and the clock when the first was due before
/// it. The event's own time is read, or not, after them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Due {
    fire: usize,
    clock: Option<Timestamp>,
}

impl Due {
    /// The deadlines of `world` due at `at`, if any.
    pub(super) fn of(world: &World, at: Timestamp) -> Option<Due> {
        let first = world.next_deadline().filter(|t| *t <= at)?;
        Some(Due {
            fire: world.queue.iter().take_while(|(t, _, _)| *t <= at).count(),
            clock: world.clock.filter(|c| first < *c),
        })
    }
}

/// What the keys of the steps on one world start from: a hash of every case by each of
/// [`Memo::fields`], and one of all of every case.
#[derive(Default)]
pub(super) struct WorldKeys {
    /// How many cases.
    cases: usize,
    all: Vec<Fp>,
    whole: Fp,
}

/// About how many bytes the kept steps may take, all workers' together; past it they are
/// forgotten.
const BUDGET: usize = 64 << 20;

/// The kept steps.
pub(super) struct Memo {
    /// By event (as the explorer lists them): whether its steps are kept by the one case
    /// it is routed to (else by every case of the world).
    by_case: Vec<bool>,
    /// Whether steps are kept at all.
    keep: bool,
    /// What steps may read of the cases, each set once.
    fields: Vec<Fields>,
    /// By event: its set in `fields`.
    reads: Vec<usize>,
    /// The steps kept, by the top bits of their keys (the maps hash by the low ones): each
    /// shard behind its own lock, shared by the workers.
    shards: Box<[Mutex<Shard<Known>>]>,
    /// Under keys made of every case as it is (not only of what a step may read), for a
    /// step that changed cases: the fingerprint of the cases it left
    /// ([`super::fingerprint::Canon::content_of`]), made once from [`Known::Wrote`] for the
    /// same cases at other instants. (Apart from `shards`, which then stay small, and in
    /// the caches.)
    contents: Box<[Mutex<Shard<u128>>]>,
}

/// How many locks share the kept steps.
const SHARDS: usize = 64;

/// Some of the steps kept.
struct Shard<V> {
    known: HashMap<u128, V, BuildHasherDefault<Low64>>,
    /// About how many bytes `known` holds.
    bytes: usize,
}

impl<V> Default for Shard<V> {
    fn default() -> Shard<V> {
        Shard {
            known: HashMap::default(),
            bytes: 0,
        }
    }
}

impl Memo {
    /// What each of `events` (routed as `routes` say) is kept by. With `transitions`, a
    /// step is kept only where it kept the transition invariants, and by enough that the
    /// same step elsewhere keeps them too: by every case when one reads other cases.
    pub(super) fn new(
        engine: &Engine,
        events: &[Event],
        routes: &[Route],
        transitions: bool,
        keep: bool,
    ) -> Memo {
        let prog = engine.program();
        let mut checked = Reach::default();
        if transitions {
            for inv in prog.invariants.iter().filter(|i| i.transition) {
                checked.add(prog, &inv.holds.expr);
            }
        }
        // whether each event type's handler reads other cases
        let cross: Vec<Option<bool>> = (prog.event_handlers.iter())
            .map(|h| h.as_ref().map(|h| Reach::of_handler(prog, h).cross))
            .collect();
        let by_case = events
            .iter()
            .zip(routes)
            .map(|(e, route)| {
                if checked.cross {
                    return false;
                }
                // no handler: only deadlines due fire, and with none due, only the clock
                // moves
                let Some(reads_others) = cross.get(e.ty.index()).copied().flatten() else {
                    return true;
                };
                route.as_ref().is_some_and(|(ty, _, _)| {
                    !reads_others && !Reach::of_case_type(prog, *ty).cross
                })
            })
            .collect();
        // what the steps of each event type may read, each set once
        let mut fields: Vec<Fields> = Vec::new();
        let of_type: Vec<usize> = (0..prog.events.len())
            .map(|ty| {
                let h = prog.event_handlers.get(ty).and_then(Option::as_ref);
                let f = Fields::of_step(prog, h);
                fields.iter().position(|x| *x == f).unwrap_or_else(|| {
                    fields.push(f);
                    fields.len() - 1
                })
            })
            .collect();
        let reads = (events.iter())
            .map(|e| of_type.get(e.ty.index()).copied().unwrap_or(0))
            .collect();
        Memo {
            keep,
            fields,
            reads,
            by_case,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            contents: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// What steps may read of the cases: [`Memo::key`] takes, for each, a hash of each
    /// case of the world by it ([`super::fingerprint::Canon::case_hashes`]).
    pub(super) fn fields(&self) -> &[Fields] {
        if self.keep {
            &self.fields
        } else {
            &[]
        }
    }

    /// What the step of event `ev` may read or write of the cases.
    pub(super) fn fields_of(&self, ev: usize) -> Option<&Fields> {
        self.fields.get(*self.reads.get(ev)?)
    }

    /// What the keys of the steps on a world start from, where `read[i]` holds a hash of
    /// each case of the world by [`Memo::fields`]`[i]`
    /// ([`super::fingerprint::Canon::case_hashes`]).
    /// (`fps` holds a [`super::fingerprint::Canon::case_fingerprint`] of each case.)
    pub(super) fn world(&self, fps: &[u128], read: &[Vec<u128>], wk: &mut WorldKeys) {
        let of = |fps: &[u128]| {
            let mut h = Fp::new();
            h.word(fps.len() as u64);
            for fp in fps {
                h.write_u128(*fp);
            }
            h
        };
        wk.cases = fps.len();
        wk.whole = of(fps);
        wk.all.clear();
        wk.all.extend(read.iter().map(|fps| of(fps)));
    }

    /// The keys of event `ev` at `at` on `world`, routed to `case` (an existing case, or
    /// the position a new one takes; none for an event without a handler), where `wk`,
    /// `fps` and `read` are as [`Memo::world`] was given and made them.
    pub(super) fn key(
        &self,
        (wk, fps, read): (&WorldKeys, &[u128], &[Vec<u128>]),
        due: Option<Due>,
        ev: usize,
        at: Timestamp,
        case: Option<CaseId>,
    ) -> Option<Keys> {
        if !self.keep {
            return None;
        }
        let reads = *self.reads.get(ev)?;
        // a world of one case at most: its step by that case is its step by every case; a
        // deadline due first may change any
        let by_case = *self.by_case.get(ev)? && due.is_none() && wk.cases > 1;
        let start = |all: &Fp, fps: &[u128], kind: u64, by_case: bool| {
            let mut h = match by_case {
                true => {
                    let mut h = Fp::new();
                    h.word(case.map_or(u64::MAX, u64::from));
                    if let Some(fp) = case.and_then(|c| fps.get(c as usize)) {
                        h.write_u128(*fp);
                    }
                    h
                }
                false => *all,
            };
            h.word(ev as u64);
            // the kinds of keys apart: (case 1, its hash) is no (one case, its hash), a
            // hash of all of a case no hash of what a step may read of it
            h.word(kind + u64::from(by_case));
            if let Some(Due { fire, clock }) = due {
                h.word(u64::MAX);
                h.word(fire as u64);
                clock.hash(&mut h);
            }
            h
        };
        let mut h = start(wk.all.get(reads)?, read.get(reads)?, 0, by_case);
        let timeless = h.finish128();
        at.hash(&mut h);
        Some(Keys {
            timeless,
            timed: h.finish128(),
            // the cases a step leaves are all of the world's, whatever it read
            whole: start(&wk.whole, fps, 2, false),
            at,
            by_all: !by_case,
        })
    }

    /// The step kept under `keys`, if any, and whether it was kept by its instant.
    pub(super) fn get(&self, keys: Keys) -> Option<(Known, bool)> {
        for (key, timed) in [(keys.timeless, false), (keys.timed, true)] {
            if let Some(known) = lock(&self.shards, key).known.get(&key) {
                return Some((known.clone(), timed));
            }
        }
        None
    }

    /// The fingerprint of the cases the step with keys `keys` left, kept by its instant
    /// when `timed`, if it changed cases and that was kept.
    pub(super) fn content(&self, keys: Keys, timed: bool) -> Option<u128> {
        let key = keys.whole(timed);
        lock(&self.contents, key).known.get(&key).copied()
    }

    /// Keeps `content` as [`Memo::content`] gives it.
    pub(super) fn put_content(&self, keys: Keys, timed: bool, content: u128) {
        let key = keys.whole(timed);
        insert(&self.contents, key, content, 48);
    }

    /// Keeps what a step with keys `keys` did, by its instant when it or the checks made of
    /// it read the time.
    pub(super) fn put(&self, keys: Keys, read_time: bool, known: Known) {
        let size = match &known {
            Known::Wrote(cases) => 64 + cases.iter().map(After::size).sum::<usize>(),
            Known::Refused | Known::Unchanged => 64,
        };
        let key = if read_time { keys.timed } else { keys.timeless };
        insert(&self.shards, key, known, size);
    }
}

/// The shard of `shards` that holds `key`, locked.
fn lock<V>(shards: &[Mutex<Shard<V>>], key: u128) -> MutexGuard<'_, Shard<V>> {
    let shard = &shards[(key >> (128 - SHARDS.trailing_zeros())) as usize % SHARDS];
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Keeps `value`, of about `size` bytes, under `key` in `shards`: each shard takes an equal
/// part of the budget, and forgets all it holds when full.
fn insert<V>(shards: &[Mutex<Shard<V>>], key: u128, value: V, size: usize) {
    let mut shard = lock(shards, key);
    if shard.bytes + size > BUDGET / (2 * SHARDS) {
        shard.known.clear();
        shard.bytes = 0;
    }
    shard.bytes += size;
    shard.known.insert(key, value);
}
