//! Data minimisation: after an event's rules (and the deadlines it fired) ran, every
//! `erase when` field of a case the event changed, or of one of its participants, whose
//! condition holds is erased.

use super::{bug, fail, Eval, R};
use crate::program::EraseDef;
use crate::value::{CaseId, PartRef, Value};

impl Eval<'_, '_> {
    /// Erases the fields of case `id` and of its participants whose `erase when` condition
    /// holds. Every condition is read on the case as the rules left it, then the fields are
    /// erased: one erasure does not decide another. A condition is read only for a field
    /// that is set, and only where something it reads changed, or the field itself did:
    /// otherwise it is false, as it was after the previous event (see [`EraseDef::reads`]).
    /// `locals` is a buffer for the conditions' local slots, kept from one case to the next.
    /// Which fields of case `id` (and of its participants) are to be erased: (owner: `None`
    /// for the case, a participant's index; field). Nothing is erased here, so that every
    /// case's conditions are read on the world as the rules left it ([`Eval::apply_erasures`]).
    pub(super) fn erasures(
        &mut self,
        id: CaseId,
        locals: &mut Vec<Value>,
    ) -> R<Vec<(Option<usize>, usize)>> {
        let prog = self.prog;
        let Some(case_def) = prog.case_def(self.tx.case(id)?.ty) else {
            return bug("no such case type");
        };
        if case_def.erase.is_empty() && case_def.parts.erase.is_empty() {
            return Ok(Vec::new());
        }
        // the case before this event (new for a case it created: read in full)
        let old = self.tx.was(id);
        // (owner: `None` for the case, a participant's index; field)
        let mut erased: Vec<(Option<usize>, usize)> = Vec::new();
        for def in &case_def.erase {
            let f = def.field as usize;
            let new = self.tx.case(id)?;
            let set = new.fields.get(f).is_some_and(|v| *v != Value::Unset);
            let read = set
                && (old.is_new()
                    || old.field(f, new) != new.fields.get(f)
                    || old.reads_changed(&def.reads, new));
            if read && self.holds(def, Value::Case(id), locals)? {
                erased.push((None, f));
            }
        }
        for def in &case_def.parts.erase {
            let f = def.field as usize;
            let new = self.tx.case(id)?;
            let all = old.reads_changed(&def.reads, new);
            for idx in 0..new.parts.len() {
                let new = self.tx.case(id)?;
                let value = new.parts.get(idx).and_then(|p| p.get(f));
                let set = value.is_some_and(|v| *v != Value::Unset);
                let read = set && (all || old.part(idx, f, new) != value);
                let owner = Value::Part(PartRef {
                    case: id,
                    idx: idx as u32,
                });
                if read && self.holds(def, owner, locals)? {
                    erased.push((Some(idx), f));
                }
            }
        }
        Ok(erased)
    }

    /// Erases what [`Eval::erasures`] found for case `id`.
    pub(super) fn apply_erasures(
        &mut self,
        id: CaseId,
        erased: Vec<(Option<usize>, usize)>,
    ) -> R<()> {
        if erased.is_empty() {
            return Ok(());
        }
        let prog = self.prog;
        for (owner, f) in erased {
            let f = match u16::try_from(f) {
                Ok(f) => f,
                Err(_) => return bug("an erased field vanished"),
            };
            match owner {
                None => self.tx.set_field(prog, id, f, Value::Unset)?,
                Some(idx) => {
                    let r = PartRef {
                        case: id,
                        idx: idx as u32,
                    };
                    self.tx.set_part(prog, r, f, Value::Unset)?
                }
            }
        }
        Ok(())
    }

    /// Whether the condition of `def` holds of `owner`, with `locals` as its local slots
    /// (each condition sets slot 0 and binds its own variables before reading them).
    fn holds(&mut self, def: &EraseDef, owner: Value, locals: &mut Vec<Value>) -> R<bool> {
        let slots = def.when.locals.max(1);
        if locals.len() < slots {
            locals.resize(slots, Value::Unset);
        }
        locals[0] = owner;
        let holds = match def.when.code.get(self.prog) {
            Some(code) => code(self, locals)?,
            None => self.expr(&def.when.expr, locals)?,
        };
        match holds {
            Value::Bool(b) => Ok(b),
            Value::Unset => fail("an `erase when` condition read an unset value"),
            _ => bug("an `erase when` condition is not a bool"),
        }
    }
}
