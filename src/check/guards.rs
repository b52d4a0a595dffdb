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
            let left = guard(env, scope, a, ia);
            // the right side is read where the left one allows it, as the checker reads it
            let before = scope.narrowed.len();
            scope.narrowed.extend(known_set(a, *op == BinOp::And));
            let right = guard(env, scope, b, ib);
            scope.narrowed.truncate(before);
            let label = label(env, scope, ast, sensitive(&left) || sensitive(&right));
            if *op == BinOp::And {
                Guard::And(label, Box::new(left), Box::new(right))
            } else {
                Guard::Or(label, Box::new(left), Box::new(right))
            }
        }
        (ExprKind::Not(a), IExpr::Not(ia)) => {
            let inner = guard(env, scope, a, ia);
            Guard::Not(label(env, scope, ast, sensitive(&inner)), Box::new(inner))
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

/// The label of an `and`, `or` or `not`: sensitive when a side is, as the checker's
/// data-flow rules make it (`(l | r).derived()`), so it is not checked again. (A side that
/// is troubled when checked on its own counts as sensitive, and so does its label.)
fn label(env: &Env, scope: &Scope, ast: &Expr, sensitive: bool) -> Label {
    Label {
        head: head(env, scope, ast),
        sensitive,
    }
}

/// Whether the value of guard `g` is computed from a sensitive value.
fn sensitive(g: &Guard) -> bool {
    match g {
        Guard::And(label, ..) | Guard::Or(label, ..) | Guard::Not(label, _) => label.sensitive,
        Guard::Leaf(part, _) => part.sensitive,
    }
}

/// The start of a part's trace item, `{"expr":"<its text>","value":`: its text as written,
/// each run of whitespace one space, with the parentheses its span left out put back.
fn head(env: &Env, scope: &Scope, ast: &Expr) -> String {
    let text = (env.sources.get(scope.source))
        .and_then(|s| s.text.get(ast.span.start..ast.span.end))
        .unwrap_or_default();
    let (unopened, open) = unbalanced(text);
    let mut shown = String::with_capacity(text.len() + unopened + open);
    shown.extend(std::iter::repeat_n('(', unopened));
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            shown.push(' ');
        }
        shown.push_str(word);
    }
    shown.extend(std::iter::repeat_n(')', open));
    let mut head = String::with_capacity(shown.len() + 24);
    head.push_str("{\"expr\":");
    crate::outcome::push_json_str(&mut head, &shown);
    head.push_str(",\"value\":");
    head
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
    let head = head(env, scope, ast);
    let (sensitive, ty) = checked(env, scope, ast, ir);
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

/// The parentheses a part's span left out, as (closing ones never opened, opened ones never
/// closed): the span of a parenthesised operand covers what is inside them (`not (a or b)`
/// spans `not (a or b`).
fn unbalanced(text: &str) -> (usize, usize) {
    let (mut open, mut unopened) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' => open += 1,
            b')' if open > 0 => open -= 1,
            b')' => unopened += 1,
            _ => {}
        }
    }
    (unopened, open)
}

#[cfg(test)]
mod tests {
    use super::unbalanced;

    #[test]
    fn parentheses_left_out_by_a_span_are_counted() {
        assert_eq!(unbalanced("not (a or b"), (0, 1));
        assert_eq!(unbalanced("a or b) and c"), (1, 0));
        assert_eq!(unbalanced("count(xs) > 1"), (0, 0));
        assert_eq!(unbalanced(")) x (("), (2, 2));
    }
}
