//! Typing collections: `for`/quantifier sources, filters, world-wide lookups served by an
//! index, and requirement-table lookups.

use super::expr::*;
use super::{unknown, CheckError, Env, KeyOf};
use crate::ast::{BinOp, Expr, ExprKind, Ident, TemplatePart};
use crate::program::{CaseTypeId, FieldKind, IExpr};
use crate::span::Span;
use crate::value::{Ty, Value};

impl Env {
    /// `var in source: cond` (a filter or a quantifier): checks the collection, then the
    /// condition with `var` bound to an element. Returns (collection, slot of `var`, condition).
    pub(super) fn over(
        &mut self,
        scope: &mut Scope,
        var: &Ident,
        source: &Expr,
        cond: &Expr,
    ) -> (Typed, u16, Typed) {
        let s = self.collection(scope, source);
        let elem = s.ty.element().cloned().unwrap_or(Ty::Unknown);
        let outer = scope.narrowed.clone();
        // an item of a collection chosen by a sensitive value is not sensitive itself
        let slot = scope.bind(&var.name, elem, s.sensitive.item());
        let c = self.bool_expr(scope, cond);
        scope.unbind();
        scope.narrowed = outer;
        (s, slot, c)
    }

    pub(super) fn collection(&mut self, scope: &mut Scope, e: &Expr) -> Typed {
        if let ExprKind::Path(p) = &e.kind {
            let world = (p.len() == 1 && scope.local(&p[0].name).is_none())
                .then(|| self.world_collection(&p[0].name))
                .flatten();
            if let Some((ty, of_cases)) = world {
                let def = self.case_def(ty);
                let e = CheckError::WholeWorld {
                    name: if of_cases {
                        p[0].name.clone()
                    } else {
                        def.parts.name.clone()
                    },
                    case: def.name.clone(),
                    of_cases,
                    span: e.span,
                };
                self.err(scope.source, e);
                return Typed::error();
            }
        }
        let t = self.expr(scope, e, None);
        match &t.ty {
            Ty::List(_) | Ty::Set(_) | Ty::Unknown => t,
            other => {
                let e = CheckError::NotACollection {
                    ty: other.clone(),
                    span: e.span,
                };
                self.err(scope.source, e);
                Typed::error()
            }
        }
    }

    pub(super) fn comprehension(
        &mut self,
        scope: &mut Scope,
        var: &Ident,
        source: &Expr,
        cond: &Expr,
    ) -> Typed {
        let world = match &source.kind {
            ExprKind::Path(p) if p.len() == 1 && scope.local(&p[0].name).is_none() => {
                self.world_collection(&p[0].name)
            }
            _ => None,
        };
        let Some((ty, of_cases)) = world else {
            let (s, slot, c) = self.over(scope, var, source, cond);
            let ty = match s.ty {
                Ty::Set(t) => Ty::Set(t),
                Ty::List(t) => Ty::List(t),
                _ => Ty::List(Box::new(Ty::Unknown)),
            };
            return Typed {
                ir: IExpr::Filter {
                    var: slot,
                    source: Box::new(s.ir),
                    cond: Box::new(c.ir),
                },
                ty,
                sensitive: s.sensitive.chosen_by(c.sensitive),
            };
        };
        // A world-wide lookup: one conjunct must fix a stored field, served by an index.
        let mut conjuncts = Vec::new();
        flatten_and(cond, &mut conjuncts);
        let outer = scope.narrowed.clone();
        let elem = if of_cases { Ty::Case(ty) } else { Ty::Part(ty) };
        let slot = scope.bind(&var.name, elem.clone(), false);
        let mut key: Option<(u16, IExpr)> = None;
        let mut rest: Vec<IExpr> = Vec::new();
        // what chose the participants found: the key and the other conditions
        let mut chosen_by = Taint::Clean;
        for c in conjuncts {
            if key.is_none() {
                if let Some((field, other)) = self.index_conjunct(ty, of_cases, &var.name, c) {
                    let def = self.case_def(ty);
                    let fields = def.fields_of(!of_cases);
                    let fty = fields[field as usize].ty.clone();
                    // the key may not mention the variable: check it with the variable hidden
                    let k = self.expr(scope, other, Some(&fty));
                    chosen_by |= k.sensitive;
                    let written = matches!(other.kind, ExprKind::List(_));
                    let (_, ir) = self.equate(
                        scope.source,
                        c.span,
                        (Typed::new(IExpr::Local(slot), fty), false),
                        (k, written),
                    );
                    key = Some((field, ir));
                    continue;
                }
            }
            let c = self.bool_expr(scope, c);
            chosen_by |= c.sensitive;
            rest.push(c.ir);
        }
        scope.unbind();
        scope.narrowed = outer;
        let Some((field, k)) = key else {
            let all = match &source.kind {
                ExprKind::Path(p) => p[0].name.clone(),
                _ => String::new(),
            };
            self.err(
                scope.source,
                CheckError::LookupUnindexed {
                    all,
                    var: var.name.clone(),
                    span: cond.span,
                },
            );
            return Typed::error();
        };
        if let Some(def) = self.cases.get_mut(ty.index()) {
            let indexed = if of_cases {
                &mut def.indexed
            } else {
                &mut def.parts.indexed
            };
            if !indexed.contains(&field) {
                indexed.push(field);
            }
        }
        let cond = rest
            .into_iter()
            .reduce(|a, b| IExpr::And(Box::new(a), Box::new(b)))
            .unwrap_or(IExpr::Lit(Value::Bool(true)));
        let (key, cond) = (Box::new(k), Box::new(cond));
        let ir = if of_cases {
            IExpr::CaseIndexLookup {
                ty,
                field,
                key,
                var: slot,
                cond,
            }
        } else {
            IExpr::IndexLookup {
                ty,
                field,
                key,
                var: slot,
                cond,
            }
        };
        Typed::new(ir, Ty::List(Box::new(elem))).tainted(Taint::Clean.chosen_by(chosen_by))
    }

    /// Whether `name` is a world-wide collection: `(case type, true)` for every case of
    /// a type (the name it declares with `in`), `(case type, false)` for every participant.
    pub(super) fn world_collection(&self, name: &str) -> Option<(CaseTypeId, bool)> {
        if let Some(ty) = self.parts_ty(name) {
            return Some((ty, false));
        }
        self.cases
            .iter()
            .position(|c| c.all_name.as_deref() == Some(name))
            .map(|ty| (CaseTypeId::at(ty), true))
    }

    /// `p.field == expr` (either side) where `field` is a stored field of a participant (or
    /// of a case, with `of_cases`) and `expr` does not mention `p`.
    fn index_conjunct<'e>(
        &self,
        ty: CaseTypeId,
        of_cases: bool,
        var: &str,
        c: &'e Expr,
    ) -> Option<(u16, &'e Expr)> {
        let def = self.case_def(ty);
        let fields = def.fields_of(!of_cases);
        let ExprKind::Binary(BinOp::Eq, a, b) = &c.kind else {
            return None;
        };
        for (x, y) in [(a, b), (b, a)] {
            if let ExprKind::Path(p) = &x.kind {
                if let [head, field] = p.as_slice() {
                    if head.name == var && !mentions(y, var) {
                        let idx = fields.iter().position(|f| {
                            f.name == field.name && matches!(f.kind, FieldKind::Stored { .. })
                        })?;
                        return Some((idx as u16, y));
                    }
                }
            }
        }
        None
    }

    pub(super) fn lookup(
        &mut self,
        scope: &mut Scope,
        table: &Ident,
        keys: &[Expr],
        whole: Span,
    ) -> Typed {
        let Some((idx, of, key_enums)) = self.req_index.get(&table.name).cloned() else {
            let mut names: Vec<String> = self.req_index.keys().cloned().collect();
            names.sort_unstable();
            let e = unknown("table", table, names.iter().map(String::as_str));
            self.err(scope.source, e);
            return Typed::error();
        };
        if keys.len() != key_enums.len() {
            self.err(
                scope.source,
                CheckError::LookupArity {
                    table: table.name.clone(),
                    columns: self.requirements[idx.index()].keys.clone(),
                    found: keys.len(),
                    span: whole,
                },
            );
            return Typed::error();
        }
        let mut irs = Vec::new();
        let mut blame = None;
        let mut taint = Taint::Clean;
        for (k, en) in keys.iter().zip(key_enums.iter().copied()) {
            let t = self.expect(scope, k, &Ty::Enum(en));
            taint |= t.sensitive;
            if t.sensitive.is_sensitive() {
                // a key without a row is named in the event's error
                let quote = self.snippet(scope.source, k.span).map(str::to_string);
                self.err(
                    scope.source,
                    CheckError::SensitiveKey {
                        quote,
                        of: KeyOf::Lookup {
                            table: table.name.clone(),
                        },
                        span: k.span,
                    },
                );
            }
            if let IExpr::EventField(f) = &t.ir {
                if let Some(ev) = scope.event {
                    let rec = self.events[ev.index()].record;
                    blame = Some(self.records[rec.index()].fields[*f as usize].name.clone());
                }
            }
            irs.push(t.ir);
        }
        Typed::new(
            IExpr::Lookup {
                table: idx,
                of,
                keys: irs,
                columns: key_enums,
                blame,
            },
            Ty::Set(Box::new(Ty::Enum(of))),
        )
        // the keys choose a row: which values the set holds
        .tainted(Taint::Clean.chosen_by(taint))
    }
}

fn flatten_and<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    if let ExprKind::Binary(BinOp::And, a, b) = &e.kind {
        flatten_and(a, out);
        flatten_and(b, out);
    } else {
        out.push(e);
    }
}

/// Whether `e` mentions the local `var`.
fn mentions(e: &Expr, var: &str) -> bool {
    match &e.kind {
        ExprKind::Path(p) => p.first().is_some_and(|h| h.name == var),
        ExprKind::Lookup(_, ks) | ExprKind::List(ks) | ExprKind::Call(_, ks) => {
            ks.iter().any(|k| mentions(k, var))
        }
        ExprKind::Comprehension { source, cond, .. }
        | ExprKind::Quantifier { source, cond, .. } => mentions(source, var) || mentions(cond, var),
        ExprKind::Count(x) | ExprKind::Not(x) | ExprKind::Neg(x) | ExprKind::Is(x, _) => {
            mentions(x, var)
        }
        ExprKind::Binary(_, a, b) => mentions(a, var) || mentions(b, var),
        ExprKind::Str(t) => t.parts.iter().any(|p| match p {
            TemplatePart::Expr(x) => mentions(x, var),
            TemplatePart::Text(_) => false,
        }),
        _ => false,
    }
}
