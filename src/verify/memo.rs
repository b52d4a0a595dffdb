//! Steps known without evaluating them again. An event whose handler reads nothing but its
//! own fields, the one case it routes to and the policy's constants (no look-up of other
//! cases, in its rules, that case type's derived fields, deadlines or erasures) does the
//! same to that case whatever the other cases hold, as long as no deadline is due before
//! it (a deadline firing first could change anything). With two cases of a type, most
//! worlds differ only in the other case: the step on this one was computed already.
//!
//! Each such step is kept by a hash of everything it read — the event, its instant when
//! the handler reads the time, the case's position and whole content — as what it did:
//! refused, nothing but the clock, or the case as it left it. A kept refusal is not
//! evaluated again; a kept change gives the next world's fingerprint, and only a world not
//! seen before is evaluated (to build it, with its coverage).

use super::fingerprint::{Fp, Low64};
use super::reads::Reach;
use super::Route;
use crate::engine::Engine;
use crate::event::Event;
use crate::value::CaseId;
use crate::world::{CaseData, World};
use jiff::Timestamp;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// What a step did to the one case it reads.
pub(super) enum Known {
    /// The event was refused.
    Refused,
    /// It changed nothing but the clock.
    Unchanged,
    /// The case (at this position) as the step left it.
    Case(CaseId, Box<CaseData>),
}

/// About how many bytes the kept steps may take, all workers' together; past it they are
/// forgotten.
const BUDGET: usize = 64 << 20;

/// The kept steps.
pub(super) struct Memo {
    /// By event (as the explorer lists them): `None` when its step may read more than its
    /// case (or, with no handler, than the deadlines due), else whether it reads the time.
    local: Vec<Option<bool>>,
    known: HashMap<u128, Known, BuildHasherDefault<Low64>>,
    /// About how many bytes `known` holds.
    bytes: usize,
    /// About how many bytes `known` may hold.
    budget: usize,
}

impl Memo {
    /// Which of `events` (routed as `routes` say) can have their steps kept.
    pub(super) fn new(engine: &Engine, events: &[Event], routes: &[Route]) -> Memo {
        let prog = engine.program();
        let local = events
            .iter()
            .zip(routes)
            .map(|(e, route)| {
                let Some(h) = prog.event_handler(e.ty) else {
                    // no handler: only deadlines due fire, and with none due, only the
                    // clock moves
                    return Some(false);
                };
                let (ty, _, _) = route.as_ref()?;
                let reach = Reach::of_handler(prog, h).or(Reach::of_case_type(prog, *ty));
                (!reach.cross).then_some(reach.time)
            })
            .collect();
        Memo {
            local,
            known: HashMap::default(),
            bytes: 0,
            budget: BUDGET,
        }
    }

    /// An empty memo for the same events, for one of `workers` (each gets its share of the
    /// budget).
    pub(super) fn for_worker(&self, workers: usize) -> Memo {
        Memo {
            local: self.local.clone(),
            known: HashMap::default(),
            bytes: 0,
            budget: BUDGET / workers.max(1),
        }
    }

    /// The key of event `ev` at `at` on `world`, routed to `case` (an existing case, whose
    /// [`super::fingerprint::Canon::case_fingerprint`] is `fp`, or the position a new one takes; none for an event
    /// without a handler), when its step reads nothing else.
    pub(super) fn key(
        &self,
        world: &World,
        ev: usize,
        at: Timestamp,
        case: Option<CaseId>,
        fp: Option<u128>,
    ) -> Option<u128> {
        let time = (*self.local.get(ev)?)?;
        // a deadline due at or before the event fires first, and may change anything
        if world.next_deadline().is_some_and(|t| t <= at) {
            return None;
        }
        let mut h = Fp::new();
        h.word(ev as u64);
        h.word(case.map_or(u64::MAX, u64::from));
        if time {
            at.hash(&mut h);
        }
        if let Some(fp) = fp {
            h.write_u128(fp);
        }
        Some(h.finish128())
    }

    /// The step kept under `key`.
    pub(super) fn get(&self, key: u128) -> Option<&Known> {
        self.known.get(&key)
    }

    /// Keeps what a step did, under `key`.
    pub(super) fn put(&mut self, key: u128, known: Known) {
        let size = 64
            + match &known {
                Known::Case(_, c) => {
                    (c.fields.len() + c.parts.len() * c.parts.get(0).map_or(0, <[_]>::len))
                        * std::mem::size_of::<crate::value::Value>()
                }
                _ => 0,
            };
        if self.bytes + size > self.budget {
            self.known.clear();
            self.bytes = 0;
        }
        self.bytes += size;
        self.known.insert(key, known);
    }
}
