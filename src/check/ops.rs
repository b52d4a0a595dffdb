//! Typing operators: boolean, comparison, membership, patterns, fallbacks and arithmetic.

use super::expr::{bad_pattern, comparable, known_set, limit_pattern, Scope, Typed};
use super::{CheckError, Env, NeedsZone};
use crate::ast::{BinOp, Expr, ExprKind};
use crate::program::{Arith, CaseTypeId, Cmp, IExpr, PatternId};
use crate::span::Span;
use crate::value::Ty;

impl Env {
    /// Types `a op b`: one function per kind of operator, each exhaustively chosen here.
    pub(super) fn binary(
        &mut self,
        scope: &mut Scope,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        span: Span,
    ) -> Typed {
        match op {
            BinOp::And => self.logical(scope, true, a, b),
            BinOp::Or => self.logical(scope, false, a, b),
            BinOp::Eq => self.equality(scope, Some(Cmp::Eq), a, b, span),
            BinOp::Ne => self.equality(scope, Some(Cmp::Ne), a, b, span),
            BinOp::In => self.equality(scope, None, a, b, span),
            BinOp::Lt => self.order(scope, Cmp::Lt, a, b, span),
            BinOp::Le => self.order(scope, Cmp::Le, a, b, span),
            BinOp::Gt => self.order(scope, Cmp::Gt, a, b, span),
            BinOp::Ge => self.order(scope, Cmp::Ge, a, b, span),
            BinOp::Matches => self.matches(scope, a, b),
            BinOp::Coalesce => self.coalesce(scope, a, b),
            BinOp::Add => self.arith(scope, Arith::Add, a, b, span),
            BinOp::Sub => self.arith(scope, Arith::Sub, a, b, span),
            BinOp::Mul => self.arith(scope, Arith::Mul, a, b, span),
        }
    }

    /// `a and b` (`and`) or `a or b`: two bools; `x is set and …x…` narrows `x` on the right.
    fn logical(&mut self, scope: &mut Scope, and: bool, a: &Expr, b: &Expr) -> Typed {
        let l = self.bool_expr(scope, a);
        // `x is set and …x…`, `x is unset or …x…`: x is known set on the right
        let narrowed = known_set(a, and);
        let before = scope.narrowed.len();
        scope.narrowed.extend(narrowed);
        let r = self.bool_expr(scope, b);
        scope.narrowed.truncate(before);
        let taint = (l.sensitive | r.sensitive).derived();
        let ir = if and {
            IExpr::And(Box::new(l.ir), Box::new(r.ir))
        } else {
            IExpr::Or(Box::new(l.ir), Box::new(r.ir))
        };
        Typed::new(ir, Ty::Bool).tainted(taint)
    }

    /// `a == b`, `a != b` (`cmp`), or `a in b` (no `cmp`): a bare enum value on one side is
    /// resolved from the other side's type.
    fn equality(
        &mut self,
        scope: &mut Scope,
        cmp: Option<Cmp>,
        a: &Expr,
        b: &Expr,
        span: Span,
    ) -> Typed {
        let src = scope.source;
        let is_in = cmp.is_none();
        // resolve a bare enum value on either side from the other side's type
        let (l, r) = if self.is_bare_unbound(scope, a) && !self.is_bare_unbound(scope, b) {
            let r = self.expr(scope, b, None);
            let hint = if is_in {
                r.ty.element().cloned()
            } else {
                Some(r.ty.clone())
            };
            (self.expr(scope, a, hint.as_ref()), r)
        } else {
            let l = self.expr(scope, a, None);
            let hint = if is_in {
                Some(Ty::List(Box::new(l.ty.clone())))
            } else {
                Some(l.ty.clone())
            };
            let r = self.expr(scope, b, hint.as_ref());
            (l, r)
        };
        let taint = (l.sensitive | r.sensitive).derived();
        self.compare_sealed(src, span, &l, &r);
        let Some(cmp) = cmp else {
            let ok = match r.ty.strip_opt() {
                Ty::Set(e) | Ty::List(e) => comparable(&l.ty, e),
                Ty::Unknown => true,
                _ => false,
            } && !r.ty.is_opt();
            if !ok {
                let e = CheckError::NotIn {
                    item: l.ty.clone(),
                    collection: r.ty.clone(),
                    span,
                };
                self.err(src, e);
            }
            return Typed::new(IExpr::In(Box::new(l.ir), Box::new(r.ir)), Ty::Bool).tainted(taint);
        };
        let written = |e: &Expr| matches!(e.kind, ExprKind::List(_));
        let (li, ri) = self.equate(src, span, (l, written(a)), (r, written(b)));
        Typed::new(IExpr::Cmp(cmp, Box::new(li), Box::new(ri)), Ty::Bool).tainted(taint)
    }

    /// `a < b` and the other orderings: two counts, durations, instants or dates.
    fn order(&mut self, scope: &mut Scope, cmp: Cmp, a: &Expr, b: &Expr, span: Span) -> Typed {
        let src = scope.source;
        let l = self.expr(scope, a, None);
        let r = self.expr(scope, b, None);
        let ordered = |t: &Ty| {
            matches!(
                t,
                Ty::Count | Ty::Duration | Ty::Instant | Ty::Date | Ty::Unknown
            )
        };
        let ok = ordered(&l.ty)
            && ordered(&r.ty)
            && (l.ty == r.ty || l.ty == Ty::Unknown || r.ty == Ty::Unknown);
        if !ok {
            // an operand that may be unset, quoted to show how to check it first
            let optional = if l.ty.is_opt() { a } else { b };
            let optional = match (self.snippet(src, optional.span), self.snippet(src, span)) {
                (Some(x), Some(whole)) if matches!(optional.kind, ExprKind::Path(_)) => {
                    Some((x.to_string(), whole.to_string()))
                }
                _ => None,
            };
            let e = CheckError::Unordered {
                left: l.ty.clone(),
                right: r.ty.clone(),
                span,
                optional,
            };
            self.err(src, e);
        }
        let taint = (l.sensitive | r.sensitive).derived();
        Typed::new(IExpr::Cmp(cmp, Box::new(l.ir), Box::new(r.ir)), Ty::Bool).tainted(taint)
    }

    /// `a matches /pattern/` or `a matches limits.pattern`: text against a pattern.
    fn matches(&mut self, scope: &mut Scope, a: &Expr, b: &Expr) -> Typed {
        let src = scope.source;
        let l = self.expr(scope, a, None);
        self.needs_clear(src, a, &l, "`matches`");
        let textual = l.ty.is_textual() || l.ty == Ty::Unknown;
        if !textual {
            let ty = l.ty.clone();
            self.err(src, CheckError::MatchesNotText { ty, span: a.span });
        }
        let pat = match &b.kind {
            ExprKind::Regex(r) => match crate::tables::Pattern::new(r) {
                Ok(p) => {
                    self.patterns.push(p);
                    Some(PatternId::at(self.patterns.len() - 1))
                }
                Err(e) => {
                    self.err(src, bad_pattern(&e, b.span));
                    None
                }
            },
            ExprKind::Path(p) => match limit_pattern(self, p) {
                Ok(i) => Some(i),
                Err(e) => {
                    self.err(src, e);
                    None
                }
            },
            _ => {
                self.err(src, CheckError::MatchesWhat { span: b.span });
                None
            }
        };
        let taint = l.sensitive.derived();
        match pat {
            Some(p) => Typed::new(IExpr::Matches(Box::new(l.ir), p), Ty::Bool).tainted(taint),
            None => Typed::error(),
        }
    }

    /// `a ?? b`: an optional value with a fallback of its type.
    fn coalesce(&mut self, scope: &mut Scope, a: &Expr, b: &Expr) -> Typed {
        let src = scope.source;
        let l = self.expr(scope, a, None);
        if !l.ty.is_opt() && l.ty != Ty::Unknown {
            let e = CheckError::NeverUnset {
                ty: l.ty.clone(),
                span: a.span,
            };
            self.err(src, e);
        }
        let inner = l.ty.strip_opt().clone();
        let r = self.expect(scope, b, &inner);
        let ty = if r.ty.is_opt() { inner.opt() } else { inner };
        Typed {
            ir: IExpr::Coalesce(Box::new(l.ir), Box::new(r.ir)),
            ty,
            // a fallback chosen by whether a value is set: either may come out
            sensitive: l.sensitive | r.sensitive,
        }
    }

    /// `a + b`, `a - b`, `a * b`: numbers, times and periods, or sets and lists.
    fn arith(&mut self, scope: &mut Scope, arith: Arith, a: &Expr, b: &Expr, span: Span) -> Typed {
        let src = scope.source;
        let l = self.expr(scope, a, None);
        let r = self.expr(scope, b, None);
        let optional = l.ty.is_opt() || r.ty.is_opt();
        let (lt, rt) = (l.ty.strip_opt().clone(), r.ty.strip_opt().clone());
        let sensitive = l.sensitive | r.sensitive;
        // collections: union and difference
        if let (Some(le), Some(re)) = (lt.element(), rt.element()) {
            if arith != Arith::Mul && comparable(le, re) && !optional {
                let elem = if *le == Ty::Unknown {
                    re.clone()
                } else {
                    le.clone()
                };
                // a list keeps its order and its repeats: `+` appends, `-` removes
                // (a list written out on the left, as in `[] + xs`, makes a set);
                // union and difference keep or drop items: the items chosen by a
                // sensitive value stay chosen, sensitive items stay sensitive
                if matches!(lt, Ty::List(_)) && !matches!(a.kind, ExprKind::List(_)) {
                    return Typed {
                        ir: IExpr::ListOp(arith, Box::new(l.ir), Box::new(r.ir)),
                        ty: Ty::List(Box::new(elem)),
                        sensitive,
                    };
                }
                return Typed {
                    ir: IExpr::SetOp(arith, Box::new(l.ir), Box::new(r.ir)),
                    ty: Ty::Set(Box::new(elem)),
                    sensitive,
                };
            }
        }
        let result = match (arith, &lt, &rt) {
            (_, Ty::Unknown, _) | (_, _, Ty::Unknown) => Some(Ty::Unknown),
            (_, Ty::Count, Ty::Count) => Some(Ty::Count),
            (Arith::Add | Arith::Sub, Ty::Duration, Ty::Duration) => Some(Ty::Duration),
            (Arith::Add | Arith::Sub, Ty::Instant, Ty::Duration) => Some(Ty::Instant),
            (Arith::Add, Ty::Duration, Ty::Instant) => Some(Ty::Instant),
            (Arith::Sub, Ty::Instant, Ty::Instant) => Some(Ty::Duration),
            (Arith::Mul, Ty::Duration, Ty::Count) | (Arith::Mul, Ty::Count, Ty::Duration) => {
                Some(Ty::Duration)
            }
            (Arith::Add | Arith::Sub, Ty::Date, Ty::Period) => Some(Ty::Date),
            (Arith::Add, Ty::Period, Ty::Date) => Some(Ty::Date),
            (Arith::Add | Arith::Sub, Ty::Period, Ty::Period) => Some(Ty::Period),
            (Arith::Add | Arith::Sub, Ty::Instant, Ty::Period)
            | (Arith::Add, Ty::Period, Ty::Instant) => {
                self.require_zone(src, span, NeedsZone::PeriodOnInstant);
                Some(Ty::Instant)
            }
            _ => None,
        };
        match result {
            Some(ty) => Typed {
                ir: IExpr::Arith(arith, Box::new(l.ir), Box::new(r.ir)),
                ty: if optional { ty.opt() } else { ty },
                sensitive: sensitive.derived(),
            },
            None => {
                let e = CheckError::NoArithmetic {
                    op: arith,
                    left: l.ty,
                    right: r.ty,
                    span,
                };
                self.err(src, e);
                Typed::error()
            }
        }
    }

    /// A single bare name that is no local, event, case, table…: probably an enum value.
    pub(super) fn is_bare_unbound(&self, scope: &Scope, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Path(p) if p.len() == 1 => {
                let n = &p[0].name;
                scope.local(n).is_none()
                    && n != "event"
                    && self.case_ty(n).is_none()
                    && self.world_collection(n).is_none()
                    && !self.limits.contains_key(n)
                    && !(scope.self_part.is_some() && self.self_field_exists(scope, n))
            }
            ExprKind::Str(_) => true,
            _ => false,
        }
    }

    pub(super) fn self_field_exists(&self, scope: &Scope, n: &str) -> bool {
        let def = self.case_def(scope.case_bound.unwrap_or(CaseTypeId::FIRST));
        let fields = match scope.self_part {
            Some(true) => &def.parts.fields,
            Some(false) => &def.fields,
            None => return false,
        };
        fields.iter().any(|f| f.name == n) || (scope.self_part == Some(false) && n == "status")
    }
}
