//! Invariants: `invariant name for filing [change] = condition else "message"`, checked like
//! a deadline's expression (the case by its type's name), or, with `change`, over the case
//! `before` and `after` one event.

use super::expr::Scope;
use super::ir::{children, children_mut};
use super::{unknown, CheckError, Env};
use crate::ast;
use crate::program::{IExpr, InvariantDef, TPart, Unit};
use crate::value::Ty;

/// The slots of a transition invariant's two names (the case type's name is `after`).
const AFTER: u16 = 0;
const BEFORE: u16 = 1;

/// Checks every `invariant` of the rule files, in file order.
pub(super) fn check_invariants(env: &mut Env, files: &[ast::File]) -> Vec<InvariantDef> {
    let mut out: Vec<InvariantDef> = Vec::new();
    for f in files {
        for inv in &f.invariants {
            if out.iter().any(|d| d.name == inv.name.name) {
                super::decls::declared_twice(env, files, f.source, "invariant", &inv.name, |f| {
                    f.invariants.iter().map(|x| &x.name).collect()
                });
                continue;
            }
            if let Some(def) = invariant(env, f.source, inv) {
                out.push(def);
            }
        }
    }
    out
}

fn invariant(env: &mut Env, source: usize, inv: &ast::InvariantDecl) -> Option<InvariantDef> {
    let Some(case_ty) = env.case_ty(&inv.case.name) else {
        let names = env.case_names();
        let e = unknown("case type", &inv.case, names);
        env.err(source, e);
        return None;
    };
    let mut scope = Scope {
        source,
        ..Scope::default()
    };
    // the case type's name denotes slot 0: the case (after the event)
    scope.case_bound = Some(case_ty);
    if inv.transition {
        scope.bind("after", Ty::Case(case_ty), false);
        scope.bind("before", Ty::Case(case_ty), false);
    } else {
        scope.bind("", Ty::Case(case_ty), false);
    }
    let t = env.expect(&mut scope, &inv.holds, &Ty::Bool);
    if t.sensitive.is_sensitive() {
        // whether it holds is printed, with the case, by `docket verify` and `run --invariants`
        env.err(
            source,
            CheckError::SensitiveInvariant {
                invariant: inv.name.name.clone(),
                span: inv.holds.span,
            },
        );
    }
    let mut message = env.template(&mut scope, &inv.message);
    let mut holds = t.ir;
    if inv.transition {
        wrap_before(&mut holds);
        for part in &mut message {
            if let TPart::Expr(e) = part {
                wrap_before(e);
            }
        }
    }
    Some(InvariantDef {
        name: inv.name.name.clone(),
        case_ty,
        transition: inv.transition,
        holds: Unit::new(holds, scope.max_slot as usize),
        message,
        site: crate::sites::Site::at(&env.sources, source, inv.name.span.start),
    })
}

/// Whether `e` reads the local `slot`.
fn reads(e: &IExpr, slot: u16) -> bool {
    if matches!(e, IExpr::Local(s) if *s == slot) {
        return true;
    }
    let mut found = false;
    children(e, &mut |c| found = found || reads(c, slot));
    found
}

/// Wraps each largest part of `e` that reads `before` and not `after` in [`IExpr::Before`]:
/// it is evaluated on the world before the event. (Both names hold the same case.)
fn wrap_before(e: &mut IExpr) {
    if reads(e, BEFORE) && !reads(e, AFTER) {
        let inner = std::mem::replace(e, IExpr::Now);
        *e = IExpr::Before(Box::new(inner));
        return;
    }
    children_mut(e, &mut wrap_before);
}
