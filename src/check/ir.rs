//! Walking checked expressions: the one place that knows the children of each kind of
//! [`IExpr`].

use crate::program::{CaseTypeId, IExpr, TPart};

/// `match`es `$e` (a reference to an [`IExpr`]) and calls `$f` on each direct child, in
/// order; `$iter` is `iter` or `iter_mut`. The one list of the children of each kind, for
/// [`children`] and [`children_mut`].
macro_rules! each_child {
    ($e:expr, $f:expr, $iter:ident) => {
        match $e {
            IExpr::Lit(_)
            | IExpr::EventField(_)
            | IExpr::EventAt
            | IExpr::Now
            | IExpr::Local(_) => {}
            IExpr::CaseKey(x)
            | IExpr::CaseStatus(x)
            | IExpr::CaseField(x, _)
            | IExpr::CaseDerived(x, _, _)
            | IExpr::CaseParts(x)
            | IExpr::PartField(x, _)
            | IExpr::PartDerived(x, _, _)
            | IExpr::PartCase(x)
            | IExpr::RecField(x, _)
            | IExpr::Count(x)
            | IExpr::Not(x)
            | IExpr::Neg(x)
            | IExpr::Matches(x, _)
            | IExpr::IsSet(x)
            | IExpr::HasTag(x, _, _)
            | IExpr::Before(x) => $f(x),
            IExpr::Lookup { keys: xs, .. } | IExpr::List(xs) | IExpr::Call(_, xs) => {
                xs.$iter().for_each(|x| $f(x))
            }
            IExpr::IndexLookup {
                key: a, cond: b, ..
            }
            | IExpr::CaseIndexLookup {
                key: a, cond: b, ..
            }
            | IExpr::Filter {
                source: a, cond: b, ..
            }
            | IExpr::Quant {
                source: a, cond: b, ..
            }
            | IExpr::And(a, b)
            | IExpr::Or(a, b)
            | IExpr::Cmp(_, a, b)
            | IExpr::Arith(_, a, b)
            | IExpr::SetOp(_, a, b)
            | IExpr::ListOp(_, a, b)
            | IExpr::In(a, b)
            | IExpr::Coalesce(a, b) => {
                $f(a);
                $f(b);
            }
            IExpr::Template(parts) => {
                for p in parts.$iter() {
                    if let TPart::Expr(x) = p {
                        $f(x);
                    }
                }
            }
        }
    };
}

/// Calls `f` on each direct child of `e`, in order.
pub(crate) fn children<'e>(e: &'e IExpr, f: &mut dyn FnMut(&'e IExpr)) {
    each_child!(e, f, iter)
}

/// Calls `f` on each direct child of `e`, in order, to change it: as [`children`].
pub(crate) fn children_mut(e: &mut IExpr, f: &mut dyn FnMut(&mut IExpr)) {
    each_child!(e, f, iter_mut)
}

/// The number of nodes of `e` (saturating), and each derived field it reads, once per
/// read: `(case type, of a participant?, field index)`.
pub(crate) fn size_and_derived_reads(e: &IExpr) -> (usize, Vec<(CaseTypeId, bool, u16)>) {
    fn walk(e: &IExpr, size: &mut usize, reads: &mut Vec<(CaseTypeId, bool, u16)>) {
        *size = size.saturating_add(1);
        match e {
            IExpr::CaseDerived(_, ty, i) => reads.push((*ty, false, *i)),
            IExpr::PartDerived(_, ty, i) => reads.push((*ty, true, *i)),
            _ => {}
        }
        children(e, &mut |c| walk(c, size, reads));
    }
    let (mut size, mut reads) = (0, Vec::new());
    walk(e, &mut size, &mut reads);
    (size, reads)
}

/// Calls `f` on `e` and every node under it, and on those of each derived field it reads,
/// transitively, each derived field once: what evaluating `e` may read.
pub(crate) fn walk_reads(env: &super::Env, e: &IExpr, f: &mut dyn FnMut(&IExpr)) {
    fn walk(
        env: &super::Env,
        e: &IExpr,
        followed: &mut Vec<(CaseTypeId, bool, u16)>,
        f: &mut dyn FnMut(&IExpr),
    ) {
        f(e);
        if let IExpr::CaseDerived(_, ty, i) | IExpr::PartDerived(_, ty, i) = e {
            let of_part = matches!(e, IExpr::PartDerived(..));
            if !followed.contains(&(*ty, of_part, *i)) {
                followed.push((*ty, of_part, *i));
                let def = env.case_def(*ty);
                let fields = def.fields_of(of_part);
                if let Some(crate::program::FieldKind::Derived(unit)) =
                    fields.get(*i as usize).map(|d| &d.kind)
                {
                    walk(env, &unit.expr, followed, f);
                }
            }
        }
        children(e, &mut |c| walk(env, c, followed, f));
    }
    walk(env, e, &mut Vec::new(), f);
}
