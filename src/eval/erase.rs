//! Data minimisation: after an event's rules (and the deadlines it fired) ran, every
//! `erase when` field of a case the event changed, or of one of its participants, whose
//! condition holds is erased.

use super::tx::{WasLog, WriteSet};
use super::{bug, Eval, R};
use crate::program::EraseDef;
use crate::value::{CaseId, PartRef, Value};

/// A field to erase: of the case, or of one of its participants (8 bytes: a tick may erase
/// two million).
#[derive(Clone, Copy, Debug)]
pub(super) struct Erased {
    /// The participant's index, or [`Erased::CASE`] (a case numbers its participants
    /// with `u32`s: none is at `u32::MAX`).
    owner: u32,
    pub(super) field: u16,
}

impl Erased {
    const CASE: u32 = u32::MAX;

    /// The participant whose field it is (`None`: the case's own).
    pub(super) fn part(&self) -> Option<u32> {
        (self.owner != Erased::CASE).then_some(self.owner)
    }
}

const _: () = assert!(std::mem::size_of::<Erased>() == 8);

impl Eval<'_, '_> {
    /// Which fields of case `id` and of its participants are to be erased: those set whose
    /// `erase when` condition holds, appended to `erased` (a tick erases for a million cases:
    /// one buffer for all). Nothing is erased here ([`Eval::apply_erasures`] does it), so that
    /// every case's conditions are read on the world as the rules left it: one erasure does
    /// not decide another. A condition is read only where something it reads changed, or its
    /// field did, as `writes` says ([`super::tx::Tx::write_set`]; `None`: read them all);
    /// otherwise it is false, as it was after the previous event (see [`EraseDef::reads`]).
    /// `locals` is a buffer for the conditions' local slots, and `was` one for the case's log
    /// of its places before the event, kept from one case to the next.
    pub(super) fn erasures(
        &mut self,
        (id, writes): (CaseId, Option<WriteSet>),
        (locals, was): (&mut Vec<Value>, &mut WasLog),
        erased: &mut Vec<Erased>,
    ) -> R<()> {
        let prog = self.prog;
        let Some(case_def) = prog.case_def(self.tx.case(id)?.ty) else {
            return bug("no such case type");
        };
        if case_def.erase.is_empty() && case_def.parts.erase.is_empty() {
            return Ok(());
        }
        // A condition is read only where something it reads, or its own field, changed
        // (see below). Where the event wrote none of these places (a counter moved), nothing
        // is read: the case's log of its places before the event is not even made. Where
        // `writes` cannot say (a case new to the world, an evaluation), every one is read.
        let untouched = |defs: &[EraseDef], of_part: bool| {
            writes.is_some_and(|w| {
                (defs.iter()).all(|d| !w.may_change(&d.reads) && !w.wrote(of_part, d.field))
            })
        };
        if untouched(&case_def.erase, false) && untouched(&case_def.parts.erase, true) {
            return Ok(());
        }
        // the case before this event (new for a case it created: read in full)
        let old = self.tx.was(id, was);
        for def in &case_def.erase {
            let f = def.field as usize;
            let new = self.tx.case(id)?;
            let set = new.fields.get(f).is_some_and(|v| !v.is_unset());
            let read = set
                && (old.is_new()
                    || !same(old.field(f, new), new.fields.get(f))
                    || old.reads_changed(&def.reads, new));
            if read && self.holds(def, Value::Case(id), locals)? {
                erased.push(Erased {
                    owner: Erased::CASE,
                    field: def.field,
                });
            }
        }
        for def in &case_def.parts.erase {
            let f = def.field as usize;
            let new = self.tx.case(id)?;
            let all = old.reads_changed(&def.reads, new);
            let Some(count) = u32::try_from(new.parts.len())
                .ok()
                .filter(|n| *n < Erased::CASE)
            else {
                return bug("more participants than a case can number");
            };
            for idx in 0..count {
                let new = self.tx.case(id)?;
                let value = new.parts.get(idx as usize).and_then(|p| p.get(f));
                let set = value.is_some_and(|v| !v.is_unset());
                let read = set && (all || !same(old.part(idx as usize, f, new), value));
                let owner = Value::Part(PartRef { case: id, idx });
                if read && self.holds(def, owner, locals)? {
                    erased.push(Erased {
                        owner: idx,
                        field: def.field,
                    });
                }
            }
        }
        if let Some(log) = old.into_buffer() {
            *was = log;
        }
        Ok(())
    }

    /// Erases what [`Eval::erasures`] found for case `id`.
    pub(super) fn apply_erasures(&mut self, id: CaseId, erased: &[Erased]) -> R<()> {
        let prog = self.prog;
        for e in erased {
            match e.part() {
                None => self.tx.set_field(prog, id, e.field, Value::Unset)?,
                Some(idx) => {
                    let r = PartRef { case: id, idx };
                    self.tx.set_part(prog, r, e.field, Value::Unset)?
                }
            }
        }
        Ok(())
    }

    /// Whether the condition of `def` holds of `owner`, with `locals` as its local slots
    /// (each condition sets slot 0 and binds its own variables before reading them).
    fn holds(&mut self, def: &EraseDef, owner: Value, locals: &mut Vec<Value>) -> R<bool> {
        super::grow_slots(locals, def.when.locals);
        locals[0].put(owner);
        match def.when.code.test(self.prog) {
            Some(code) => code(self, locals),
            None => self.truth(&def.when.expr, locals),
        }
    }
}

/// Whether two places hold the same value ([`Value::same`]), or are both missing.
fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.same(b),
        (a, b) => a.is_none() && b.is_none(),
    }
}
