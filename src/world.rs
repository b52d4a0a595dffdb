//! The world: every case, indexes on participant fields, and the deadline queue.

use crate::program::Program;
use crate::value::{CaseId, PartRef, Value};
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// All cases a policy has seen, with the virtual clock. Cloneable: a world is plain data.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub(crate) clock: Option<Timestamp>,
    pub(crate) cases: Vec<CaseData>,
    pub(crate) by_key: HashMap<String, CaseId>,
    /// One index per entry of `program.parts.indexed`: field value → participants holding it.
    pub(crate) index: Vec<HashMap<Value, BTreeSet<PartRef>>>,
    /// Scheduled deadlines: (instant, case key, deadline).
    pub(crate) queue: BTreeSet<(Timestamp, String, u16)>,
    /// How many steps were committed: a step computed on an older generation is refused.
    pub(crate) generation: u64,
    /// The fingerprint of the policy whose events built this world.
    pub(crate) policy: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CaseData {
    pub key: String,
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
        self.queue = self
            .cases
            .iter()
            .flat_map(|c| {
                c.deadlines
                    .iter()
                    .enumerate()
                    .filter_map(|(d, st)| st.pending().map(|t| (t, c.key.clone(), d as u16)))
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
                        self.queue.remove(&(t, old.key.clone(), d as u16));
                    }
                }
            }
            self.reindex(program, id, &new);
            for (d, st) in new.deadlines.iter().enumerate() {
                if let Some(t) = st.pending() {
                    self.queue.insert((t, new.key.clone(), d as u16));
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
                    if let Some(set) = self.index[slot].get_mut(v) {
                        set.remove(&PartRef {
                            case: id,
                            idx: pi as u32,
                        });
                        if set.is_empty() {
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
                    self.index[slot]
                        .entry(v.clone())
                        .or_default()
                        .insert(PartRef {
                            case: id,
                            idx: pi as u32,
                        });
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
            .flat_map(|s| s.iter().copied())
    }

    /// Whether the indexes were built (they are built on the first commit).
    pub(crate) fn has_indexes(&self, program: &Program) -> bool {
        self.index.len() == program.parts.indexed.len()
    }
}
