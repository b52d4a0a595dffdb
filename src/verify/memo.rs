//! Steps known without evaluating them again. What a step does depends only on what it
//! reads — the event, its instant when something it runs reads the time, the cases it may
//! look at and the policy's constants — as long as no deadline is due before it (a deadline
//! firing first could change anything). So a step is kept by a hash of all that, as what it
//! did: refused, or the cases it left changed (none: only the clock moved). A kept refusal
//! is not evaluated again; a kept change gives the next world's fingerprint, and only a
//! world not seen before is evaluated (to build it, with its coverage).
//!
//! An event whose handler reads nothing but its own fields, the one case it routes to and
//! the constants (no look-up of other cases, in its rules, that case type's derived fields,
//! deadlines or erasures) is kept by that case alone: with two cases of a type, most worlds
//! differ only in the other case, and the step on this one was computed already. Any other
//! event is kept by every case of the world: the same cases at another instant (most worlds
//! differ from others only by their clock) do the same.

use super::fingerprint::{Fp, Low64};
use super::reads::Reach;
use super::Route;
use crate::engine::Engine;
use crate::event::Event;
use crate::program::CaseTypeId;
use crate::value::CaseId;
use crate::world::{CaseData, World};
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::hash::{BuildHasherDefault, Hash, Hasher};

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
}

/// The keys of a step: what it did is kept under `done`, or, refused, under `refused` (the
/// same, or, when a transition invariant reads the time, without the instant: a refusal
/// changes nothing to check).
#[derive(Debug, Clone, Copy)]
pub(super) struct Keys {
    pub refused: u128,
    pub done: u128,
    /// Kept by every case (then what it did is kept as [`Known::Cases`]).
    pub by_all: bool,
}

/// What an event's steps are kept by, besides the event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Scope {
    /// By the one case it is routed to (else by every case of the world).
    pub case: bool,
    /// And by its instant.
    pub time: bool,
}

/// About how many bytes the kept steps may take, all workers' together; past it they are
/// forgotten.
const BUDGET: usize = 64 << 20;

/// The kept steps.
pub(super) struct Memo {
    /// By event (as the explorer lists them): what its steps are kept by.
    scope: Vec<Scope>,
    /// Whether a step that is not refused is also kept by its instant: a transition
    /// invariant reads the time.
    checked_time: bool,
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
    /// same step elsewhere keeps them too: by every case when one reads other cases, and
    /// (unless refused) by its instant when one reads the time (`now`, before the event as
    /// after it, is the event's instant).
    pub(super) fn new(
        engine: &Engine,
        events: &[Event],
        routes: &[Route],
        transitions: bool,
    ) -> Memo {
        let prog = engine.program();
        let mut checked = Reach::default();
        if transitions {
            for inv in prog.invariants.iter().filter(|i| i.transition) {
                checked.add(prog, &inv.holds.expr);
            }
        }
        // what is read after an event, of every case it may have changed
        let any_case = (0..prog.cases.len()).fold(Reach::default(), |r, ty| {
            r.or(Reach::of_case_type(prog, CaseTypeId::at(ty)))
        });
        let scope = events
            .iter()
            .zip(routes)
            .map(|(e, route)| {
                let Some(h) = prog.event_handler(e.ty) else {
                    // no handler: only deadlines due fire, and with none due, only the
                    // clock moves
                    return Scope {
                        case: !checked.cross,
                        time: false,
                    };
                };
                let reach = Reach::of_handler(prog, h);
                if let Some((ty, _, _)) = route {
                    let reach = reach.or(Reach::of_case_type(prog, *ty));
                    if !reach.cross && !checked.cross {
                        return Scope {
                            case: true,
                            time: reach.time,
                        };
                    }
                }
                Scope {
                    case: false,
                    time: reach.or(any_case).time,
                }
            })
            .collect();
        Memo {
            checked_time: checked.time,
            scope,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// The key of event `ev` at `at` on `world`, routed to `case` (an existing case, or the
    /// position a new one takes; none for an event without a handler), where `fps` holds a
    /// [`super::fingerprint::Canon::case_fingerprint`] of each case of the world.
    pub(super) fn key(
        &self,
        world: &World,
        ev: usize,
        at: Timestamp,
        case: Option<CaseId>,
        fps: &[u128],
    ) -> Option<Keys> {
        let mut scope = *self.scope.get(ev)?;
        let mut clock = None;
        // a deadline due at or before the event fires first, and may change anything, at
        // its instant, or at the clock when it was due before (the clock never runs
        // backwards)
        if let Some(due) = world.next_deadline().filter(|t| *t <= at) {
            scope = Scope {
                case: false,
                time: true,
            };
            clock = world.clock.filter(|c| due < *c);
        }
        // a world of one case at most: its step by that case is its step by every case,
        // whose outcome is kept as a fingerprint rather than a case
        let by_case = scope.case && fps.len() > 1;
        let mut h = Fp::new();
        h.word(ev as u64);
        if by_case {
            h.word(case.map_or(u64::MAX, u64::from));
            if let Some(fp) = case.and_then(|c| fps.get(c as usize)) {
                h.write_u128(*fp);
            }
        } else {
            h.word(fps.len() as u64);
            for fp in fps {
                h.write_u128(*fp);
            }
        }
        if scope.time {
            at.hash(&mut h);
            clock.hash(&mut h);
        }
        let refused = h.finish128();
        let done = if self.checked_time && !scope.time {
            at.hash(&mut h);
            h.finish128()
        } else {
            refused
        };
        Some(Keys {
            refused,
            done,
            by_all: !by_case,
        })
    }

    /// The shard of `key`, locked.
    fn shard(&self, key: u128) -> MutexGuard<'_, Shard> {
        let shard = &self.shards[(key >> (128 - SHARDS.trailing_zeros())) as usize % SHARDS];
        shard.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `f` of the step kept under `key`, if any (the step's shard locked meanwhile).
    pub(super) fn with<R>(&self, key: u128, f: impl FnOnce(Option<&Known>) -> R) -> R {
        f(self.shard(key).known.get(&key))
    }

    /// Keeps what a step did, under `key`.
    pub(super) fn put(&self, key: u128, known: Known) {
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
