//! Data minimisation: after an event's rules (and the deadlines it fired) ran, every
//! `erase when` field of a case the event changed, or of one of its participants, whose
//! condition holds is erased.

use super::{fail, Eval, R};
use crate::program::Unit;
use crate::value::{CaseId, PartRef, Value};

impl Eval<'_, '_> {
    /// Erases the fields of case `id` and of its participants whose `erase when` condition
    /// holds. Every condition is read on the case as the rules left it, then the fields are
    /// erased: one erasure does not decide another. A field already unset is not read again.
    pub(super) fn erase(&mut self, id: CaseId) -> R<()> {
        let prog = self.prog;
        if prog.case.erase.is_empty() && prog.parts.erase.is_empty() {
            return Ok(());
        }
        // the conditions' local slots, allocated once for the case (each condition sets slot 0
        // and binds its own variables before reading them)
        let slots = prog
            .case
            .erase
            .iter()
            .chain(&prog.parts.erase)
            .map(|(_, unit)| unit.locals)
            .max()
            .unwrap_or(1)
            .max(1);
        let mut locals: Vec<Value> = Vec::new();
        let mut case_fields = Vec::new();
        for (f, unit) in &prog.case.erase {
            let set = self.tx.case(id)?.fields.get(*f as usize) != Some(&Value::Unset);
            if set && self.holds(unit, Value::Case(id), &mut locals, slots)? {
                case_fields.push(*f as usize);
            }
        }
        let mut part_fields = Vec::new();
        let count = self.tx.case(id)?.parts.len();
        for idx in 0..count {
            for (f, unit) in &prog.parts.erase {
                let set = self
                    .tx
                    .case(id)?
                    .parts
                    .get(idx)
                    .and_then(|p| p.get(*f as usize))
                    .is_some_and(|v| *v != Value::Unset);
                let owner = Value::Part(PartRef {
                    case: id,
                    idx: idx as u32,
                });
                if set && self.holds(unit, owner, &mut locals, slots)? {
                    part_fields.push((idx, *f as usize));
                }
            }
        }
        if case_fields.is_empty() && part_fields.is_empty() {
            return Ok(());
        }
        let case = self.tx.case_mut(id)?;
        for f in case_fields {
            if let Some(v) = case.fields.get_mut(f) {
                *v = Value::Unset;
            }
        }
        for (idx, f) in part_fields {
            match case.parts.get_mut(idx).and_then(|p| p.get_mut(f)) {
                Some(v) => *v = Value::Unset,
                None => return fail("internal: a participant vanished"),
            }
        }
        Ok(())
    }

    /// Whether the condition `unit` holds of `owner`, with `locals` (made `slots` long at its
    /// first use) as its local slots.
    fn holds(
        &mut self,
        unit: &Unit,
        owner: Value,
        locals: &mut Vec<Value>,
        slots: usize,
    ) -> R<bool> {
        if locals.is_empty() {
            locals.resize(slots, Value::Unset);
        }
        locals[0] = owner;
        match self.expr(&unit.expr, locals)? {
            Value::Bool(b) => Ok(b),
            Value::Unset => fail("an `erase when` condition read an unset value"),
            _ => fail("internal: an `erase when` condition is not a bool"),
        }
    }
}
