//! The policy's invariants checked on a world: which case breaks which `invariant`.

use crate::program::Program;
use crate::value::CaseId;
use crate::world::World;

/// One case for which one invariant does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The invariant's name.
    pub invariant: String,
    /// Where it is declared (`rules/icp/icp.docket:52`).
    pub place: String,
    /// The case type and the case's key.
    pub case_type: String,
    /// The case's key.
    pub case: String,
    /// The invariant's message, or why its condition could not be evaluated (an error
    /// counts as a violation: an invariant holds only when it evaluates to true).
    pub message: String,
}

impl Violation {
    /// The violation as one JSON object (`invariant`, `place`, the case type's name → key,
    /// `message`).
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("invariant".into(), self.invariant.clone().into());
        m.insert("place".into(), self.place.clone().into());
        m.insert(self.case_type.clone(), self.case.clone().into());
        m.insert("message".into(), self.message.clone().into());
        serde_json::Value::Object(m)
    }
}

/// Every violation in `after`, in order of invariant (as declared) and case (as created).
/// Transition invariants are checked for the cases `before` holds too (a case the event
/// created has no `before`); without `before`, only state invariants are.
pub(crate) fn violations(prog: &Program, before: Option<&World>, after: &World) -> Vec<Violation> {
    let mut out = Vec::new();
    for inv in &prog.invariants {
        for (i, case) in after.cases.iter().enumerate() {
            if case.ty != inv.case_ty {
                continue;
            }
            let before = if inv.transition {
                match before {
                    Some(w) if i < w.cases.len() => Some(w),
                    _ => continue,
                }
            } else {
                None
            };
            let message =
                match crate::eval::invariant_message(prog, before, after, inv, i as CaseId) {
                    Ok(None) => continue,
                    Ok(Some(m)) => m,
                    Err(e) => format!("its condition cannot be evaluated: {e}"),
                };
            let file = prog
                .sources
                .get(inv.site.source)
                .map_or("", |s| s.name.as_str());
            out.push(Violation {
                invariant: inv.name.clone(),
                place: format!("{file}:{}", inv.site.line),
                case_type: prog
                    .case_def(inv.case_ty)
                    .map_or(String::new(), |c| c.name.clone()),
                case: case.key.to_string(),
                message,
            });
        }
    }
    out
}

/// Whether every transition invariant of its case type holds for case `case` of `after`
/// (the same case in `before`), at `now` ([`violations`]'s verdict on it, without
/// messages); and whether deciding it read `now`.
pub(crate) fn transitions_hold(
    prog: &Program,
    before: &World,
    after: &World,
    case: CaseId,
    now: jiff::Timestamp,
) -> (bool, bool) {
    let Some(ty) = after.cases.get(case as usize).map(|c| c.ty) else {
        return (true, false);
    };
    let mut read_time = false;
    let holds = prog
        .invariants
        .iter()
        .filter(|inv| inv.transition && inv.case_ty == ty)
        .all(|inv| {
            let (holds, read) =
                crate::eval::invariant_holds(prog, Some(before), after, inv, case, now);
            read_time |= read;
            holds
        });
    (holds, read_time)
}
