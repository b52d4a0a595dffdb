//! What the expressions of a policy may read, for the exploration's reductions: every
//! expression that decides what an event does to the world (messages and shown values only
//! speak of it), walked together with the derived fields it reads.

use crate::program::{CaseTypeId, FieldKind, HandlerDef, IAction, IExpr, Place, Program};

/// Calls `f` on every expression of handler `h` that decides what its event does to the
/// world: its route's key, its lets, and each rule's `for`, guards and changes.
pub(super) fn handler_exprs<'p>(h: &'p HandlerDef, f: &mut dyn FnMut(&'p IExpr)) {
    if let Some(r) = &h.route {
        f(&r.key);
    }
    for (_, e) in &h.lets {
        f(e);
    }
    for r in &h.rules {
        if let Some((_, e)) = &r.for_each {
            f(e);
        }
        if let Some(e) = &r.when {
            f(e);
        }
        action_exprs(&r.then, f);
        for (e, acts) in &r.else_when {
            f(e);
            action_exprs(acts, f);
        }
        action_exprs(&r.otherwise, f);
    }
}

/// The expressions of the actions that change the world.
fn action_exprs<'p>(acts: &'p [IAction], f: &mut dyn FnMut(&'p IExpr)) {
    for a in acts {
        match a {
            IAction::Set(place, e) => {
                let (Place::CaseStatus(x) | Place::CaseField(x, _) | Place::PartField(x, _)) =
                    place;
                f(x);
                f(e);
            }
            IAction::Add { keys, block, .. } => {
                for (_, e) in keys {
                    f(e);
                }
                action_exprs(block, f);
            }
            IAction::Emit(_)
            | IAction::EmitWith { .. }
            | IAction::Reject { .. }
            | IAction::Show(..) => {}
        }
    }
}

/// Calls `f` on `e` and every node under it, and on those of each derived field it reads,
/// transitively, each derived field once: what evaluating `e` may read.
pub(super) fn each_read<'p>(prog: &'p Program, e: &'p IExpr, f: &mut dyn FnMut(&'p IExpr)) {
    fn walk<'p>(
        prog: &'p Program,
        e: &'p IExpr,
        followed: &mut Vec<(CaseTypeId, bool, u16)>,
        f: &mut dyn FnMut(&'p IExpr),
    ) {
        f(e);
        if let IExpr::CaseDerived(_, ty, i) | IExpr::PartDerived(_, ty, i) = e {
            let of_part = matches!(e, IExpr::PartDerived(..));
            if !followed.contains(&(*ty, of_part, *i)) {
                followed.push((*ty, of_part, *i));
                let field = prog
                    .case_def(*ty)
                    .and_then(|c| c.fields_of(of_part).get(usize::from(*i)));
                if let Some(FieldKind::Derived(unit)) = field.map(|f| &f.kind) {
                    walk(prog, &unit.expr, followed, f);
                }
            }
        }
        crate::check::ir::children(e, &mut |c| walk(prog, c, followed, f));
    }
    walk(prog, e, &mut Vec::new(), f);
}

/// What some expressions read beyond their event, their case and the policy's constants.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct Reach {
    /// Other cases: a look-up over every case or participant (`people where …`).
    pub cross: bool,
    /// The time: the event's `at`, or `now`.
    pub time: bool,
}

impl Reach {
    /// What handler `h` reads.
    pub(super) fn of_handler(prog: &Program, h: &HandlerDef) -> Reach {
        let mut r = Reach::default();
        handler_exprs(h, &mut |e| r.add(prog, e));
        r
    }

    /// What is read after any event of each case of type `ty` it changed: when its
    /// deadlines are due, and whether a field is erased.
    pub(super) fn of_case_type(prog: &Program, ty: CaseTypeId) -> Reach {
        let mut r = Reach::default();
        let Some(c) = prog.case_def(ty) else {
            return Reach {
                cross: true,
                time: true,
            };
        };
        for d in &c.deadlines {
            if let Some(d) = prog.deadline(*d) {
                r.add(prog, &d.unit.expr);
            }
        }
        for e in c.erase.iter().chain(&c.parts.erase) {
            r.add(prog, &e.when.expr);
        }
        r
    }

    /// Adds what `e` reads.
    pub(super) fn add(&mut self, prog: &Program, e: &IExpr) {
        each_read(prog, e, &mut |n| match n {
            IExpr::IndexLookup { .. } | IExpr::CaseIndexLookup { .. } => self.cross = true,
            IExpr::EventAt | IExpr::Now => self.time = true,
            _ => {}
        });
    }

    /// What either reads.
    pub(super) fn or(self, other: Reach) -> Reach {
        Reach {
            cross: self.cross || other.cross,
            time: self.time || other.time,
        }
    }
}
