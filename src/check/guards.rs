//! Splitting a rule's guard into the parts a trace shows (`count(matched) == 0`, and its
//! operand `count(matched)`), each with its compiled form and whether it is sensitive.

use super::expr::{known_set, Scope};
use super::Env;
use crate::ast::{BinOp, Expr, ExprKind};
use crate::program::IExpr;
use crate::sites::{Guard, Label, Part};
use crate::value::Ty;

/// The guard `ast`, compiled to `ir`, as a tree of parts. The tree follows `ir`'s `and`,
/// `or` and `not` exactly (where `ast` has the same shape), so evaluating it decides as `ir`.
pub(super) fn guard(env: &mut Env, scope: &mut Scope, ast: &Expr, ir: &IExpr) -> Guard {
    match (&ast.kind, ir) {
        (
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b),
            IExpr::And(ia, ib) | IExpr::Or(ia, ib),
        ) if (*op == BinOp::And) == matches!(ir, IExpr::And(..)) => {
            let label = label(env, scope, ast, ir);
            let left = guard(env, scope, a, ia);
            // the right side is read where the left one allows it, as the checker reads it
            let before = scope.narrowed.len();
            scope.narrowed.extend(known_set(a, *op == BinOp::And));
            let right = guard(env, scope, b, ib);
            scope.narrowed.truncate(before);
            if *op == BinOp::And {
                Guard::And(label, Box::new(left), Box::new(right))
            } else {
                Guard::Or(label, Box::new(left), Box::new(right))
            }
        }
        (ExprKind::Not(a), IExpr::Not(ia)) => {
            let label = label(env, scope, ast, ir);
            Guard::Not(label, Box::new(guard(env, scope, a, ia)))
        }
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

fn label(env: &mut Env, scope: &mut Scope, ast: &Expr, ir: &IExpr) -> Label {
    let Part {
        head, sensitive, ..
    } = part(env, scope, ast, ir);
    Label { head, sensitive }
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
        .map(|t| balanced(&t.split_whitespace().collect::<Vec<_>>().join(" ")))
        .unwrap_or_default();
    let (sensitive, ty) = checked(env, scope, ast, ir);
    let mut head = String::from("{\"expr\":");
    crate::outcome::push_json_str(&mut head, &text);
    head.push_str(",\"value\":");
    Part {
        head,
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

/// The text with the parentheses its span left out put back: the span of a parenthesised
/// operand covers what is inside them (`not (a or b)` spans `not (a or b`).
fn balanced(text: &str) -> String {
    let (mut open, mut unopened) = (0usize, 0usize);
    for c in text.chars() {
        match c {
            '(' => open += 1,
            ')' if open > 0 => open -= 1,
            ')' => unopened += 1,
            _ => {}
        }
    }
    format!("{}{text}{}", "(".repeat(unopened), ")".repeat(open))
}

#[cfg(test)]
mod tests {
    use super::balanced;

    #[test]
    fn parentheses_left_out_by_a_span_are_put_back() {
        assert_eq!(balanced("not (a or b"), "not (a or b)");
        assert_eq!(balanced("a or b) and c"), "(a or b) and c");
        assert_eq!(balanced("count(xs) > 1"), "count(xs) > 1");
    }
}
