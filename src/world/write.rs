//! Writes to a world in place, one value at a time, each keeping the indexes and the
//! deadline queue in step: what an event applied in place does (`src/eval/tx.rs` records
//! the old values, and undoes them with these same writes when the event fails).

use std::collections::BTreeSet;

use jiff::Timestamp;

use super::{case_index_move, part_index_move, CaseData, DeadlineState, Queued, World};
use crate::program::{MemberId, Program};
use crate::value::{CaseId, PartRef, Value};

/// How many deadlines due [`World::take_due`] takes off the queue one by one at most.
#[cfg(not(debug_assertions))]
const FEW_DUE: usize = 4;
// one in debug builds (the tests' builds), so that the ticks the tests apply that fire
// two or more take them in one piece, as a large tick does
#[cfg(debug_assertions)]
const FEW_DUE: usize = 1;

impl World {
    /// Sets the status of case `id`; returns the old one (`None`: no such case).
    pub(crate) fn put_status(&mut self, id: CaseId, status: MemberId) -> Option<MemberId> {
        let case = self.cases.get_mut(id as usize)?;
        Some(std::mem::replace(&mut case.status, status))
    }

    /// Sets field `f` of case `id`; returns the old value, `None` within when it held `v`
    /// already (`None`: no such case or field).
    pub(crate) fn put_field(
        &mut self,
        prog: &Program,
        id: CaseId,
        f: u16,
        v: Value,
    ) -> Option<Option<Value>> {
        let case = self.cases.get_mut(id as usize)?;
        let slot = case.fields.get_mut(f as usize)?;
        if slot.same(&v) {
            return Some(None);
        }
        let old = std::mem::replace(slot, v);
        let ty = case.ty;
        let indexed = prog.case_def(ty).map_or(&[][..], |d| &d.indexed[..]);
        if let Some(s) = indexed.iter().position(|x| *x == f) {
            let is = &self.cases[id as usize].fields[f as usize];
            if let Some(map) = self
                .case_index
                .get_mut(ty.index())
                .and_then(|m| m.get_mut(s))
            {
                case_index_move((map, &self.hash_keys), id, Some(&old), Some(is));
            }
        }
        Some(Some(old))
    }

    /// Sets field `f` of participant `r`; returns the old value, `None` within when it held
    /// `v` already (`None`: no such participant or field).
    pub(crate) fn put_part_field(
        &mut self,
        prog: &Program,
        r: PartRef,
        f: u16,
        v: Value,
    ) -> Option<Option<Value>> {
        let case = self.cases.get_mut(r.case as usize)?;
        let slot = case.parts.get_mut(r.idx as usize)?.get_mut(f as usize)?;
        if slot.same(&v) {
            return Some(None);
        }
        let old = std::mem::replace(slot, v);
        let ty = case.ty;
        let indexed = prog.case_def(ty).map_or(&[][..], |d| &d.parts.indexed[..]);
        if let Some(s) = indexed.iter().position(|x| *x == f) {
            let case = &self.cases[r.case as usize];
            let is = case
                .parts
                .get(r.idx as usize)
                .and_then(|p| p.get(f as usize));
            if let Some(map) = self.index.get_mut(ty.index()).and_then(|m| m.get_mut(s)) {
                part_index_move((map, &self.hash_keys), r, Some(&old), is);
            }
        }
        Some(Some(old))
    }

    /// Makes room for `n` more participants of case `id` (none is added).
    pub(crate) fn reserve_parts(&mut self, id: CaseId, n: usize) {
        if let Some(case) = self.cases.get_mut(id as usize) {
            case.parts.reserve(n);
        }
    }

    /// Adds a participant to case `id` (its fields cut or padded to the stride); returns
    /// its index.
    pub(crate) fn push_part(
        &mut self,
        prog: &Program,
        id: CaseId,
        fields: impl IntoIterator<Item = Value>,
    ) -> Option<usize> {
        let case = self.cases.get_mut(id as usize)?;
        case.parts.push(fields);
        let idx = case.parts.len() - 1;
        self.index_part(prog, id, idx, true);
        Some(idx)
    }

    /// Removes the last participant of case `id` (undoes [`World::push_part`]).
    pub(crate) fn pop_part(&mut self, prog: &Program, id: CaseId) {
        let Some(idx) = self
            .cases
            .get(id as usize)
            .and_then(|c| c.parts.len().checked_sub(1))
        else {
            return;
        };
        self.index_part(prog, id, idx, false);
        self.cases[id as usize].parts.pop();
    }

    /// Adds participant `idx` of case `id` to the indexes (`add`), or removes it.
    fn index_part(&mut self, prog: &Program, id: CaseId, idx: usize, add: bool) {
        let Some(case) = self.cases.get(id as usize) else {
            return;
        };
        let (Some(def), Some(maps), Some(part)) = (
            prog.case_def(case.ty),
            self.index.get_mut(case.ty.index()),
            case.parts.get(idx),
        ) else {
            return;
        };
        let r = PartRef {
            case: id,
            idx: idx as u32,
        };
        for (map, f) in maps.iter_mut().zip(&def.parts.indexed) {
            let v = part.get(*f as usize);
            let (was, is) = if add { (None, v) } else { (v, None) };
            part_index_move((map, &self.hash_keys), r, was, is);
        }
    }

    /// Sets the state of deadline `d` of case `id`, moving it in the queue; returns the
    /// old state.
    pub(crate) fn put_deadline(
        &mut self,
        id: CaseId,
        d: usize,
        st: DeadlineState,
    ) -> Option<DeadlineState> {
        let slot = self.cases.get_mut(id as usize)?.deadlines.get_mut(d)?;
        let old = std::mem::replace(slot, st);
        if old.pending() != st.pending() {
            if let Some(t) = old.pending() {
                let due = (t, id, d as u16);
                // a deadline re-armed at or before an event's instant and fired in its turn
                // (the others due are taken off at once: `take_due`) is most often the
                // queue's first: taken off the front without a search
                if self.queue.first() == Some(&due) {
                    self.queue.pop_first();
                } else {
                    self.queue.remove(&due);
                }
            }
            if let Some(t) = st.pending() {
                self.queue.insert((t, id, d as u16));
            }
        }
        Some(old)
    }

    /// Takes the deadlines due at or before `at` out of the queue: a few are appended to
    /// `into`, in queue order, and `None` returned; more are returned as they were in the
    /// queue. Firing them one by one then takes none off the queue again
    /// ([`World::fire_taken`]). Until each is fired, the queue misses it: what does not
    /// fire goes back with [`World::requeue`].
    pub(crate) fn take_due(
        &mut self,
        at: Timestamp,
        into: &mut Vec<Queued>,
    ) -> Option<BTreeSet<Queued>> {
        // a few are taken off one by one (a split costs what a few of these do)
        let few = (self.queue.iter().take(FEW_DUE + 1))
            .take_while(|(t, _, _)| *t <= at)
            .count();
        if few <= FEW_DUE {
            into.extend(std::iter::from_fn(|| self.queue.pop_first()).take(few));
            return None;
        }
        // (one split of the tree, where popping each would rebalance it each time)
        let later = match at.checked_add(jiff::SignedDuration::from_nanos(1)) {
            Ok(next) => self.queue.split_off(&(next, 0, 0)),
            Err(_) => BTreeSet::new(),
        };
        Some(std::mem::replace(&mut self.queue, later))
    }

    /// Puts back in the queue each of `due` ([`World::take_due`]) still pending at its
    /// instant: those not fired.
    pub(crate) fn requeue(&mut self, due: impl IntoIterator<Item = Queued>) {
        for (t, id, d) in due {
            let pending = (self.cases.get(id as usize))
                .and_then(|c| c.deadlines.get(d as usize))
                .and_then(DeadlineState::pending);
            if pending == Some(t) {
                self.queue.insert((t, id, d));
            }
        }
    }

    /// Records that deadline `d` of case `id`, taken out of the queue ([`World::take_due`]),
    /// fired at `t`; returns the instant of its last firing before, if any.
    pub(crate) fn fire_taken(
        &mut self,
        id: CaseId,
        d: usize,
        t: Timestamp,
    ) -> Option<Option<Timestamp>> {
        let slot = self.cases.get_mut(id as usize)?.deadlines.get_mut(d)?;
        // (fired at its instant: no longer pending, so out of the queue, as it is, unless a
        // rule moved it away and back before its turn: see `Tx::drop_fired`)
        Some(slot.fired.replace(t))
    }

    /// Adds a case at the world's end, indexed, its pending deadlines queued; returns its id.
    pub(crate) fn push_case(&mut self, prog: &Program, case: CaseData) -> CaseId {
        let id = self.cases.len() as CaseId;
        self.file_key(case.ty, case.key.bytes(), id);
        for (d, st) in case.deadlines.iter().enumerate() {
            if let Some(t) = st.pending() {
                self.queue.insert((t, id, d as u16));
            }
        }
        self.index_new(prog, id, &case);
        self.cases.push(case);
        id
    }

    /// Removes the last case (undoes [`World::push_case`]).
    pub(crate) fn pop_case(&mut self, prog: &Program) {
        let Some(case) = self.cases.pop() else {
            return;
        };
        let id = self.cases.len() as CaseId;
        self.unfile_key(case.ty, case.key.bytes(), id);
        for (d, st) in case.deadlines.iter().enumerate() {
            if let Some(t) = st.pending() {
                self.queue.remove(&(t, id, d as u16));
            }
        }
        let Some(def) = prog.case_def(case.ty) else {
            return;
        };
        if let Some(maps) = self.case_index.get_mut(case.ty.index()) {
            for (map, f) in maps.iter_mut().zip(&def.indexed) {
                case_index_move(
                    (map, &self.hash_keys),
                    id,
                    case.fields.get(*f as usize),
                    None,
                );
            }
        }
        if let Some(maps) = self.index.get_mut(case.ty.index()) {
            for (idx, part) in case.parts.iter().enumerate() {
                let r = PartRef {
                    case: id,
                    idx: idx as u32,
                };
                for (map, f) in maps.iter_mut().zip(&def.parts.indexed) {
                    part_index_move((map, &self.hash_keys), r, part.get(*f as usize), None);
                }
            }
        }
    }
}
