//! Steps known without evaluating them again. What a step does depends only on what it
//! reads — the event, the cases it may look at, the policy's constants and, where it reads
//! it, the time — as long as no deadline is due before it (a deadline firing first could
//! change anything). So a step is kept by a hash of all that, as what it did: refused, or
//! the cases it left changed (none: only the clock moved). A kept refusal is not evaluated
//! again; a kept change gives the next world's fingerprint, and only a world not seen
//! before is evaluated (to build it, with its coverage).
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
use crate::value::CaseId;
use crate::world::{CaseData, World};
use jiff::Timestamp;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// What a step did.
pub(super) enum Known {
    /// The event was refused.
    Refused,
    /// It changed nothing but the clock.
    Unchanged,
    /// Kept by its case: that case (at this position) as the step left it.
    Case(CaseId, Box<CaseData>),
    /// Kept by every case: the fingerprint of the cases as the step left them
    /// ([`super::fingerprint::Canon::content_of`]).
    Cases(u128),
    /// Under a key by what the step reads: it changed cases, kept under its key by all of
    /// them (never handed out by [`Memo::with`]).
    Changes,
}

/// The keys of a step. What it did is kept under `read` when neither it nor the checks made
/// of it read the time, else under `read_timed` (the same, with the instant): keys made of
/// only what the step may read of the cases ([`Fields`]). There a refusal or a step that
/// changed nothing is kept; a step that changed cases is kept under the same keys made of
/// every case ([`Keys::all`]), and marked as such ([`Known::Changes`]) under these.
#[derive(Clone, Copy)]
pub(super) struct Keys {
    pub read: u128,
    pub read_timed: u128,
    /// The key made of every case, without the instant.
    all: Fp,
    at: Timestamp,
    /// Kept by every case (then what it did is kept as [`Known::Cases`]).
    pub by_all: bool,
}

impl Keys {
    /// The keys made of every case: without the instant and with it.
    fn all(&self) -> (u128, u128) {
        let mut h = self.all;
        let timeless = h.finish128();
        self.at.hash(&mut h);
        (timeless, h.finish128())
    }
}

/// What the keys of the steps on one world start from: a hash of every case (of each, and
/// of what steps may read of it, by each of [`Memo::fields`]).
#[derive(Default)]
pub(super) struct WorldKeys {
    /// How many cases.
    cases: usize,
    all: Option<Fp>,
    all_read: Vec<Fp>,
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
    shards: Box<[Mutex<Shard>]>,
}

/// How many locks share the kept steps.
const SHARDS: usize = 64;

/// Some of the steps kept.
#[derive(Default)]
struct Shard {
    known: HashMap<u128, Known, BuildHasherDefault<Low64>>,
    /// About how many bytes `known` holds.
    bytes: usize,
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
        let by_case = events
            .iter()
            .zip(routes)
            .map(|(e, route)| {
                if checked.cross {
                    return false;
                }
                // no handler: only deadlines due fire, and with none due, only the clock
                // moves
                let Some(h) = prog.event_handler(e.ty) else {
                    return true;
                };
                route.as_ref().is_some_and(|(ty, _, _)| {
                    !Reach::of_handler(prog, h)
                        .or(Reach::of_case_type(prog, *ty))
                        .cross
                })
            })
            .collect();
        let mut fields: Vec<Fields> = Vec::new();
        let reads = events
            .iter()
            .map(|e| {
                let f = Fields::of_step(prog, prog.event_handler(e.ty));
                fields.iter().position(|x| *x == f).unwrap_or_else(|| {
                    fields.push(f);
                    fields.len() - 1
                })
            })
            .collect();
        Memo {
            keep,
            fields,
            reads,
            by_case,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// What steps may read of the cases: [`Memo::key`] takes, for each, a hash of each
    /// case of the world by it ([`super::fingerprint::Canon::case_read`]).
    pub(super) fn fields(&self) -> &[Fields] {
        if self.keep {
            &self.fields
        } else {
            &[]
        }
    }

    /// What the keys of the steps on a world start from, where `fps` holds a
    /// [`super::fingerprint::Canon::case_fingerprint`] of each case of the world and
    /// `read[i]` one by [`Memo::fields`]`[i]`.
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
        wk.all = Some(of(fps));
        wk.all_read.clear();
        wk.all_read.extend(read.iter().map(|r| of(r)));
    }

    /// The keys of event `ev` at `at` on `world`, routed to `case` (an existing case, or
    /// the position a new one takes; none for an event without a handler), where `wk`,
    /// `fps` and `read` are as [`Memo::world`] was given and made them.
    pub(super) fn key(
        &self,
        (wk, fps, read): (&WorldKeys, &[u128], &[Vec<u128>]),
        world: &World,
        ev: usize,
        at: Timestamp,
        case: Option<CaseId>,
    ) -> Option<Keys> {
        if !self.keep {
            return None;
        }
        let mut by_case = *self.by_case.get(ev)?;
        let reads = *self.reads.get(ev)?;
        // a deadline due at or before the event fires first, and may change anything, at
        // its instant, or at the clock when it was due before (the clock never runs
        // backwards)
        let due = world.next_deadline().filter(|t| *t <= at);
        if due.is_some() {
            by_case = false;
        }
        // a world of one case at most: its step by that case is its step by every case,
        // whose outcome is kept as a fingerprint rather than a case
        let by_case = by_case && wk.cases > 1;
        let due = due.map(|first| {
            // which deadlines fire, each at its instant (or at the clock, when due before
            // it): the event's own time is read, or not, after them
            let n = world.queue.iter().take_while(|(t, _, _)| *t <= at).count();
            (n, world.clock.filter(|c| first < *c))
        });
        let key = |all: &Fp, fps: &[u128], kind: u64| {
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
            // the kinds of keys apart: (case 1, its hash) is no (one case, its hash), a hash
            // of a case no hash of what a step reads of it
            h.word(kind + u64::from(by_case));
            if let Some((n, clock)) = due {
                h.word(u64::MAX);
                h.word(n as u64);
                clock.hash(&mut h);
            }
            h
        };
        let mut read = key(wk.all_read.get(reads)?, read.get(reads)?, 2);
        let all = key(wk.all.as_ref()?, fps, 0);
        let timeless = read.finish128();
        at.hash(&mut read);
        Some(Keys {
            read: timeless,
            read_timed: read.finish128(),
            all,
            at,
            by_all: !by_case,
        })
    }

    /// The shard of `key`, locked.
    fn shard(&self, key: u128) -> MutexGuard<'_, Shard> {
        let shard = &self.shards[(key >> (128 - SHARDS.trailing_zeros())) as usize % SHARDS];
        shard.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `f` of the step kept under `keys`, if any (its shard locked meanwhile): first by
    /// what the step reads, where a refusal or a step that changed nothing is kept, or a
    /// mark that it changed cases, kept by all of them.
    /// (`f` is also told whether it was kept by its instant.)
    pub(super) fn with<R>(&self, keys: Keys, f: impl FnOnce(Option<&Known>, bool) -> R) -> R {
        for (read, timed) in [(keys.read, false), (keys.read_timed, true)] {
            let shard = self.shard(read);
            match shard.known.get(&read) {
                Some(Known::Changes) => {
                    drop(shard);
                    let all = keys.all();
                    let all = if timed { all.1 } else { all.0 };
                    let shard = self.shard(all);
                    let known = shard.known.get(&all);
                    return f(known.filter(|k| !matches!(k, Known::Changes)), timed);
                }
                Some(known) => return f(Some(known), timed),
                None => {}
            }
        }
        f(None, false)
    }

    /// Keeps what a step with keys `keys` did, by its instant when it or the checks made of
    /// it read the time.
    pub(super) fn put(&self, keys: Keys, read_time: bool, known: Known) {
        let all = keys.all();
        let (read, all) = match read_time {
            true => (keys.read_timed, all.1),
            false => (keys.read, all.0),
        };
        match known {
            Known::Refused | Known::Unchanged | Known::Changes => self.insert(read, known),
            Known::Case(..) | Known::Cases(_) => {
                self.insert(all, known);
                self.insert(read, Known::Changes);
            }
        }
    }

    /// Keeps `known` under `key`.
    fn insert(&self, key: u128, known: Known) {
        let size = 64
            + match &known {
                Known::Case(_, c) => {
                    (c.fields.len() + c.parts.len() * c.parts.get(0).map_or(0, <[_]>::len))
                        * std::mem::size_of::<crate::value::Value>()
                }
                _ => 0,
            };
        let mut shard = self.shard(key);
        if shard.bytes + size > BUDGET / SHARDS {
            shard.known.clear();
            shard.bytes = 0;
        }
        shard.bytes += size;
        shard.known.insert(key, known);
    }
}
