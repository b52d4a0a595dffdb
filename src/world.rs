//! The world: every case, indexes on participant fields, and the deadline queue.

use crate::program::Program;
use crate::value::{CaseId, PartRef, Text, Value};
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// All cases a policy has seen, with the virtual clock. Cloneable: a world is plain data.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub(crate) clock: Option<Timestamp>,
    pub(crate) cases: Vec<CaseData>,
    pub(crate) by_key: HashMap<Text, CaseId>,
    /// One index per entry of `program.parts.indexed`: field value → participants holding it.
    pub(crate) index: Vec<HashMap<Value, Refs>>,
    /// Scheduled deadlines: (instant, case, deadline). Deadlines due at the same instant
    /// fire in order of case key, which the evaluator sorts out.
    pub(crate) queue: BTreeSet<(Timestamp, CaseId, u16)>,
    /// How many steps were committed: a step computed on an older generation is refused.
    pub(crate) generation: u64,
    /// The fingerprint of the policy whose events built this world.
    pub(crate) policy: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CaseData {
    pub key: Text,
    pub status: u16,
    pub fields: Vec<Value>,
    pub parts: Vec<Vec<Value>>,
    pub deadlines: Vec<DeadlineState>,
}

/// A deadline of one case: when it is due, and the instant it last fired at.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct DeadlineState {
    pub at: Option<Timestamp>,
    pub fired: Option<Timestamp>,
}

impl DeadlineState {
    /// Due and not yet fired for this instant.
    pub fn pending(&self) -> Option<Timestamp> {
        self.at.filter(|t| self.fired != Some(*t))
    }
}

impl World {
    /// An empty world.
    pub fn new() -> World {
        World::default()
    }

    /// How many cases the world holds.
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// Whether the world holds no case.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// The instant of the last accepted event.
    pub fn clock(&self) -> Option<Timestamp> {
        self.clock
    }

    /// Builds the indexes if the policy's set of indexed fields is not what they were built for.
    pub(crate) fn ensure_indexes(&mut self, program: &Program) {
        if self.index.len() != program.parts.indexed.len() {
            self.index = vec![HashMap::new(); program.parts.indexed.len()];
            let cases = std::mem::take(&mut self.cases);
            for (id, c) in cases.iter().enumerate() {
                self.reindex(program, id as CaseId, c);
            }
            self.cases = cases;
        }
    }

    /// Schedules every pending deadline of every case afresh.
    pub(crate) fn rebuild_queue(&mut self) {
        self.queue =
            self.cases
                .iter()
                .enumerate()
                .flat_map(|(id, c)| {
                    c.deadlines.iter().enumerate().filter_map(move |(d, st)| {
                        st.pending().map(|t| (t, id as CaseId, d as u16))
                    })
                })
                .collect();
    }

    /// Replaces or adds cases, keeping indexes and the deadline queue in step.
    pub(crate) fn commit(
        &mut self,
        program: &Program,
        changed: BTreeMap<CaseId, CaseData>,
        clock: Timestamp,
    ) {
        self.ensure_indexes(program);
        for (id, new) in changed {
            let old = self.cases.get(id as usize).cloned();
            if let Some(old) = &old {
                self.unindex(program, id, old);
                for (d, st) in old.deadlines.iter().enumerate() {
                    if let Some(t) = st.pending() {
                        self.queue.remove(&(t, id, d as u16));
                    }
                }
            }
            self.reindex(program, id, &new);
            for (d, st) in new.deadlines.iter().enumerate() {
                if let Some(t) = st.pending() {
                    self.queue.insert((t, id, d as u16));
                }
            }
            if old.is_some() {
                self.cases[id as usize] = new;
            } else {
                // INVARIANT: new cases are numbered from the world's end, in order.
                self.by_key
                    .insert(new.key.clone(), self.cases.len() as CaseId);
                self.cases.push(new);
            }
        }
        self.clock = Some(clock);
        self.generation += 1;
    }

    fn unindex(&mut self, program: &Program, id: CaseId, c: &CaseData) {
        for (pi, p) in c.parts.iter().enumerate() {
            for (slot, field) in program.parts.indexed.iter().enumerate() {
                if let Some(v) = p.get(*field as usize) {
                    if let Some(refs) = self.index[slot].get_mut(v) {
                        let r = PartRef {
                            case: id,
                            idx: pi as u32,
                        };
                        if refs.remove(r) {
                            self.index[slot].remove(v);
                        }
                    }
                }
            }
        }
    }

    fn reindex(&mut self, program: &Program, id: CaseId, c: &CaseData) {
        for (pi, p) in c.parts.iter().enumerate() {
            for (slot, field) in program.parts.indexed.iter().enumerate() {
                if let Some(v) = p.get(*field as usize) {
                    let r = PartRef {
                        case: id,
                        idx: pi as u32,
                    };
                    match self.index[slot].get_mut(v) {
                        Some(refs) => refs.insert(r),
                        None => {
                            self.index[slot].insert(v.clone(), Refs::One(r));
                        }
                    }
                }
            }
        }
    }

    /// Participants whose indexed field (`slot` in `program.parts.indexed`) holds `v`.
    pub(crate) fn indexed(&self, slot: usize, v: &Value) -> impl Iterator<Item = PartRef> + '_ {
        self.index
            .get(slot)
            .and_then(|m| m.get(v))
            .into_iter()
            .flat_map(|refs| refs.as_slice().iter().copied())
    }

    /// Whether the indexes were built (they are built on the first commit).
    pub(crate) fn has_indexes(&self, program: &Program) -> bool {
        self.index.len() == program.parts.indexed.len()
    }
}

/// The participants holding one value of an indexed field: almost always one, so it is kept
/// without an allocation. Sorted, no duplicates.
#[derive(Clone, Debug)]
pub(crate) enum Refs {
    One(PartRef),
    // INVARIANT: two or more, sorted, no duplicates.
    Many(Vec<PartRef>),
}

impl Refs {
    pub(crate) fn as_slice(&self) -> &[PartRef] {
        match self {
            Refs::One(r) => std::slice::from_ref(r),
            Refs::Many(v) => v,
        }
    }

    fn insert(&mut self, r: PartRef) {
        match self {
            Refs::One(one) if *one == r => {}
            Refs::One(one) => {
                *self = Refs::Many(if *one < r {
                    vec![*one, r]
                } else {
                    vec![r, *one]
                })
            }
            Refs::Many(v) => {
                if let Err(at) = v.binary_search(&r) {
                    v.insert(at, r);
                }
            }
        }
    }

    /// Removes `r`; returns whether nothing is left.
    fn remove(&mut self, r: PartRef) -> bool {
        match self {
            Refs::One(one) => *one == r,
            Refs::Many(v) => {
                if let Ok(at) = v.binary_search(&r) {
                    v.remove(at);
                }
                // INVARIANT: at least one is left, kept inline when it is the only one.
                if let [last] = v.as_slice() {
                    *self = Refs::One(*last);
                }
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(case: u32) -> PartRef {
        PartRef { case, idx: 0 }
    }

    #[test]
    fn refs_stay_sorted_and_shrink_back_to_one() {
        let mut refs = Refs::One(r(5));
        refs.insert(r(2));
        refs.insert(r(9));
        refs.insert(r(2));
        assert_eq!(refs.as_slice(), [r(2), r(5), r(9)]);
        assert!(!refs.remove(r(5)));
        assert!(!refs.remove(r(7)));
        assert!(!refs.remove(r(2)));
        assert!(matches!(refs, Refs::One(x) if x == r(9)));
        assert!(!refs.remove(r(3)));
        assert!(refs.remove(r(9)));
    }
}
