//! Splitting a rule's guard into the parts a trace shows (`count(matched) == 0`, and its
//! operand `count(matched)`), each with its compiled form and whether it is sensitive.

use super::expr::{known_set, Scope};
use super::Env;
use crate::ast::{BinOp, Expr, ExprKind};
use crate::program::IExpr;
use crate::sites::{Guard, Part};
use crate::value::Ty;

/// The guard `ast`, compiled to `ir`, as a tree of parts. The tree follows `ir`'s `and`,
/// `or` and `not` exactly (where `ast` has the same shape), so evaluating it decides as `ir`.
pub(super) fn guard(env: &mut Env, scope: &mut Scope, ast: &Expr, ir: &IExpr) -> Guard {
    match (&ast.kind, ir) {
        (
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b),
            IExpr::And(ia, ib) | IExpr::Or(ia, ib),
        ) if (*op == BinOp::And) == matches!(ir, IExpr::And(..)) => {
            let left = guard(env, scope, a, ia);
            // the right side is read where the left one allows it, as the checker reads it
            let before = scope.narrowed.len();
            scope.narrowed.extend(known_set(a, *op == BinOp::And));
            let right = guard(env, scope, b, ib);
            scope.narrowed.truncate(before);
            if *op == BinOp::And {
                Guard::And(Box::new(left), Box::new(right))
            } else {
                Guard::Or(Box::new(left), Box::new(right))
            }
        }
        (ExprKind::Not(a), IExpr::Not(ia)) => Guard::Not(Box::new(guard(env, scope, a, ia))),
        (ExprKind::Binary(op, a, b), IExpr::Cmp(_, ia, ib) | IExpr::In(ia, ib))
            if is_comparison(*op) =>
        {
            let mut operands = Vec::new();
            for (x, ix) in [(a, ia), (b, ib)] {
                if shows_operand(x, ix) {
                    operands.push(part(env, scope, x, ix));
                }
            }
            Guard::Leaf(part(env, scope, ast, ir), operands)
        }
        _ => Guard::Leaf(part(env, scope, ast, ir), Vec::new()),
    }
}

fn is_comparison(op: BinOp) -> bool {
    match op {
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::In => true,
        BinOp::Or
        | BinOp::And
        | BinOp::Matches
        | BinOp::Coalesce
        | BinOp::Add
        | BinOp::Sub
        | BinOp::Mul => false,
    }
}

/// Whether an operand is worth a line of its own: not a literal (`0`, `rejected`, `24h`),
/// but a named limit (`limits.max_failed_attempts`) is.
fn shows_operand(ast: &Expr, ir: &IExpr) -> bool {
    match ir {
        IExpr::Lit(_) => matches!(&ast.kind, ExprKind::Path(p) if p.len() > 1),
        _ => true,
    }
}

fn part(env: &mut Env, scope: &mut Scope, ast: &Expr, ir: &IExpr) -> Part {
    let text = env
        .sources
        .get(scope.source)
        .and_then(|s| s.text.get(ast.span.start..ast.span.end))
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let (sensitive, ty) = checked(env, scope, ast, ir);
    Part {
        text,
        expr: ir.clone(),
        sensitive,
        ty,
    }
}

/// Whether the value of `ast` is sensitive or computed from a sensitive value, as the
/// checker's own data-flow rules say. It is checked again on its own for that; any problem
/// this second check reports (a part read out of its guard's context) is dropped, and the
/// part counts as sensitive, so that nothing is shown by mistake.
/// Also gives its type.
fn checked(env: &mut Env, scope: &mut Scope, ast: &Expr, ir: &IExpr) -> (bool, Ty) {
    if matches!(ir, IExpr::Lit(_)) {
        // a literal or a limit: written in the policy, never a sensitive input
        return (false, Ty::Unknown);
    }
    let (errors, warnings) = (env.errors.len(), env.warnings.len());
    let t = env.expr(scope, ast, None);
    let troubled = env.errors.len() != errors || env.warnings.len() != warnings;
    env.errors.truncate(errors);
    env.warnings.truncate(warnings);
    (troubled || t.sensitive.is_sensitive(), t.ty)
}
