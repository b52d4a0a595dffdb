//! The transition invariants, checked on every step an exploration evaluates: also on a
//! step that reaches a world reached before (a step reopening a final filing may lead to a
//! world reached otherwise, and `final_stays` holds there, but not on that step).
//!
//! Where no transition invariant reads other cases, a case's verdict depends only on the
//! case before and after the step, the policy's constants and, where one reads it, the
//! instant: it is kept by a hash of those, and a case the step did not change has the
//! verdict of the case left as it is (most steps change one case, or none).

use super::fingerprint::{Canon, Fp, Low64};
use super::reads::Reach;
use crate::program::Program;
use crate::value::CaseId;
use crate::world::World;
use jiff::Timestamp;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// The most verdicts kept; past it they are forgotten (about 40 bytes each).
const KEPT: usize = 1 << 20;

/// The transition invariants of a policy, as a worker checks them.
pub(super) struct Checks {
    /// Per case type: whether it has a transition invariant.
    types: Vec<bool>,
    /// Verdicts by case before, case after and instant; `None` when an invariant reads
    /// other cases (every case is then checked at every step).
    kept: Option<HashMap<u128, (bool, bool), BuildHasherDefault<Low64>>>,
    /// Whether an invariant reads the time.
    time: bool,
}

impl Checks {
    /// The transition invariants of `prog`; none when `on` is false.
    pub(super) fn new(prog: &Program, on: bool) -> Checks {
        let mut types = vec![false; prog.cases.len()];
        let mut reach = Reach::default();
        for inv in prog.invariants.iter().filter(|i| on && i.transition) {
            if let Some(t) = types.get_mut(inv.case_ty.index()) {
                *t = true;
            }
            reach.add(prog, &inv.holds.expr);
        }
        Checks {
            types,
            kept: (!reach.cross).then(HashMap::default),
            time: reach.time,
        }
    }

    /// Whether there is anything to check.
    pub(super) fn any(&self) -> bool {
        self.types.contains(&true)
    }

    /// Whether every transition invariant holds for every case of `before` (whose cases
    /// have the hashes `fps`, [`Canon::case_fingerprint`]) after a step at `at` to
    /// `after` that changed the cases `changed`; and whether deciding it read the time.
    #[expect(
        clippy::too_many_arguments,
        reason = "two call sites, each argument distinct: the worker's parts, borrowed apart"
    )]
    pub(super) fn hold(
        &mut self,
        prog: &Program,
        canon: &mut Canon,
        before: &World,
        fps: &[u128],
        after: &World,
        changed: &[CaseId],
        at: Timestamp,
    ) -> (bool, bool) {
        let mut read_time = false;
        for (i, case) in before.cases.iter().enumerate() {
            if !self.types.get(case.ty.index()).copied().unwrap_or(false) {
                continue;
            }
            let id = i as CaseId;
            let check = || crate::invariants::transitions_hold(prog, before, after, id, at);
            let holds = match (&mut self.kept, fps.get(i)) {
                (Some(kept), Some(&was)) => {
                    let now = match (changed.contains(&id), after.cases.get(i)) {
                        (true, Some(c)) => canon.case_fingerprint(c),
                        _ => was,
                    };
                    let mut h = Fp::new();
                    h.write_u128(was);
                    h.write_u128(now);
                    if self.time {
                        at.hash(&mut h);
                    }
                    let key = h.finish128();
                    match kept.get(&key) {
                        Some(&holds) => {
                            debug_assert_eq!(holds, check(), "a kept verdict is the verdict");
                            holds
                        }
                        None => {
                            let holds = check();
                            if kept.len() >= KEPT {
                                kept.clear();
                            }
                            kept.insert(key, holds);
                            holds
                        }
                    }
                }
                _ => check(),
            };
            read_time |= holds.1;
            if !holds.0 {
                return (false, read_time);
            }
        }
        (true, read_time)
    }
}
