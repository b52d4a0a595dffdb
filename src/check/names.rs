//! Resolving names and paths: locals, the event, the case, limits, enumeration values and
//! fields of cases, participants and records.

use super::expr::{narrowed_path, path_text, resolve_limit, span_of, Scope, Typed};
use super::{unknown, CheckError, Env, LimitRef};
use crate::ast::Ident;
use crate::program::{CaseTypeId, EnumId, FieldKind, IExpr, MemberId};
use crate::value::{Ty, Value};

impl Env {
    /// Resolves `a.b.c`.
    pub(super) fn path(&mut self, scope: &mut Scope, path: &[Ident], hint: Option<&Ty>) -> Typed {
        let src = scope.source;
        let Some(head) = path.first() else {
            return Typed::error();
        };
        let narrowed = narrowed_path(&scope.narrowed, path);
        let (mut cur, rest) = if let Some(l) = scope.local(&head.name) {
            (
                Typed {
                    ir: IExpr::Local(l.slot),
                    ty: l.ty.clone(),
                    sensitive: l.sensitive,
                },
                &path[1..],
            )
        } else if head.name == "event" {
            let Some(ev) = scope.event else {
                self.err(src, CheckError::NoEvent { span: head.span });
                return Typed::error();
            };
            let Some(field) = path.get(1) else {
                self.err(src, CheckError::EventAlone { span: head.span });
                return Typed::error();
            };
            if field.name == "at" {
                (Typed::new(IExpr::EventAt, Ty::Instant), &path[2..])
            } else {
                let rec = self.events[ev.index()].record;
                let fields = &self.records[rec.index()].fields;
                match fields.iter().position(|f| f.name == field.name) {
                    Some(i) => {
                        let f = &fields[i];
                        (
                            Typed {
                                ir: IExpr::EventField(i as u16),
                                ty: f.ty.clone(),
                                sensitive: f.sensitive.into(),
                            },
                            &path[2..],
                        )
                    }
                    None => {
                        let mut names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                        names.push("at");
                        let ev_name = self.events[ev.index()].name.clone();
                        let mut e = unknown("field", field, names);
                        if let CheckError::Unknown { name, .. } = &mut e {
                            *name = format!("{}` of event `{ev_name}", field.name);
                        }
                        self.err(src, e);
                        return Typed::error();
                    }
                }
            }
        } else if let Some(ty) = self.case_ty(&head.name).filter(|_| {
            // in a derived field, its own field of that name comes first
            let own_field = scope.self_part.is_some() && self.self_field_exists(scope, &head.name);
            !head.name.is_empty() && !own_field
        }) {
            if scope.case_bound != Some(ty) {
                let routed = scope
                    .case_bound
                    .map(|other| self.case_def(other).name.clone());
                self.err(
                    src,
                    CheckError::NotRouted {
                        name: head.name.clone(),
                        routed,
                        span: head.span,
                    },
                );
                return Typed::error();
            }
            let ir = match scope.self_part {
                Some(true) => IExpr::PartCase(Box::new(IExpr::Local(0))),
                _ => IExpr::Local(0),
            };
            (Typed::new(ir, Ty::Case(ty)), &path[1..])
        } else if self.limits.contains_key(&head.name) {
            match resolve_limit(self, &path[..path.len().min(2)]) {
                Ok(LimitRef::Value(v, ty)) => {
                    (Typed::new(IExpr::Lit(v), ty), &path[path.len().min(2)..])
                }
                Ok(LimitRef::Pattern(_)) => {
                    self.err(
                        src,
                        CheckError::PatternAsValue {
                            limit: path_text(path),
                            span: span_of(path),
                        },
                    );
                    return Typed::error();
                }
                Err(e) => {
                    self.err(src, e);
                    return Typed::error();
                }
            }
        } else if let Some(is_part) = scope
            .self_part
            .filter(|_| self.self_field_exists(scope, &head.name))
        {
            let ty = scope.case_bound.unwrap_or(CaseTypeId::FIRST);
            let owner = if is_part { Ty::Part(ty) } else { Ty::Case(ty) };
            (Typed::new(IExpr::Local(0), owner), path)
        } else if path.len() == 1 {
            return self.bare_value(scope, head, hint);
        } else {
            let e = self.unknown_name(scope, head);
            self.err(src, e);
            return Typed::error();
        };
        for field in rest {
            // a part of a sensitive value is sensitive: its fields (see `field_of`), and its
            // key, status and participants too
            let sensitive = cur.sensitive;
            cur = self.member(scope, cur, field);
            cur.sensitive |= sensitive;
        }
        if narrowed {
            if let Ty::Opt(inner) = cur.ty {
                cur.ty = *inner;
            }
        }
        cur
    }

    fn unknown_name(&self, scope: &Scope, id: &Ident) -> CheckError {
        let later = scope.lets.get(scope.lets_bound..).unwrap_or_default();
        if let Some(i) = later.iter().position(|l| *l == id.name) {
            return CheckError::LetOrder {
                name: id.name.clone(),
                itself: i == 0,
                span: id.span,
            };
        }
        let mut names: Vec<String> = scope.locals.iter().map(|l| l.name.clone()).collect();
        names.push("event".into());
        if let Some(ty) = scope.case_bound {
            names.push(self.case_def(ty).name.clone());
        }
        let mut tables: Vec<String> = self.limits.keys().cloned().collect();
        tables.sort_unstable();
        names.extend(tables);
        for e in &self.enums {
            names.extend(e.values.iter().cloned());
        }
        unknown("name", id, names.iter().map(String::as_str))
    }

    /// A bare name: an enum value (by the hint's enum, or unique over all enums).
    fn bare_value(&mut self, scope: &mut Scope, id: &Ident, hint: Option<&Ty>) -> Typed {
        if let Some(Ty::Enum(en)) = hint.map(Ty::strip_opt) {
            let en = *en;
            if let Some(i) = self.enums[en.index()]
                .values
                .iter()
                .position(|v| *v == id.name)
            {
                return Typed::new(IExpr::Lit(Value::Enum(en, MemberId::at(i))), Ty::Enum(en));
            }
            let values = self.enums[en.index()].values.clone();
            let kind_name = self.enums[en.index()].name.clone();
            let mut e = unknown("value", id, values.iter().map(String::as_str));
            if let CheckError::Unknown { name, .. } = &mut e {
                *name = format!("{}` for `{kind_name}", id.name);
            }
            self.err(scope.source, e);
            return Typed::error();
        }
        let found: Vec<(EnumId, MemberId)> = self
            .enums
            .iter()
            .enumerate()
            .filter_map(|(ei, e)| {
                e.values
                    .iter()
                    .position(|v| *v == id.name)
                    .map(|vi| (EnumId::at(ei), MemberId::at(vi)))
            })
            .collect();
        match found.as_slice() {
            [(en, vi)] => Typed::new(IExpr::Lit(Value::Enum(*en, *vi)), Ty::Enum(*en)),
            [] => {
                let e = self.unknown_name(scope, id);
                self.err(scope.source, e);
                Typed::error()
            }
            many => {
                let enums: Vec<String> = many
                    .iter()
                    .map(|(en, _)| self.enums[en.index()].name.clone())
                    .collect();
                self.err(
                    scope.source,
                    CheckError::AmbiguousValue {
                        name: id.name.clone(),
                        enums,
                        span: id.span,
                    },
                );
                Typed::error()
            }
        }
    }

    /// Whether field `i` is a derived field that the derived field being checked may not read.
    fn too_early(&self, scope: &Scope, ty: CaseTypeId, of_part: bool, i: usize) -> bool {
        let def = self.case_def(ty);
        let fields = def.fields_of(of_part);
        // Case types are checked in order, each case's derived fields before its
        // participants': a derived field reads those of earlier case types, those of its
        // case, and those declared before it.
        scope.derived_cutoff.is_some_and(|(t, p, cut)| {
            ty > t || (ty == t && ((p == of_part && i >= cut) || (!p && of_part)))
        }) && fields
            .get(i)
            .is_some_and(|f| matches!(f.kind, FieldKind::Derived(_)))
    }

    fn derived_too_early(&mut self, scope: &Scope, field: &Ident) -> Typed {
        self.err(
            scope.source,
            CheckError::DerivedTooEarly {
                field: field.name.clone(),
                span: field.span,
            },
        );
        Typed::error()
    }

    /// A declared field of a case (`of_part` false) or a participant; `extra` are the other
    /// names that may follow the dot, offered in "did you mean".
    fn field_of(
        &mut self,
        scope: &Scope,
        cur: Typed,
        field: &Ident,
        (ty, of_part): (CaseTypeId, bool),
        extra: &[String],
    ) -> Typed {
        let def = self.case_def(ty);
        let (fields, owner) = if of_part {
            (&def.parts.fields, &def.parts.name)
        } else {
            (&def.fields, &def.name)
        };
        let Some(i) = fields.iter().position(|f| f.name == field.name) else {
            let owner = owner.clone();
            let names: Vec<&str> = fields
                .iter()
                .map(|f| f.name.as_str())
                .chain(extra.iter().map(String::as_str))
                .collect();
            let mut e = unknown("field", field, names);
            if let CheckError::Unknown { name, .. } = &mut e {
                *name = format!("{}` of `{owner}", field.name);
            }
            self.err(scope.source, e);
            return Typed::error();
        };
        if self.too_early(scope, ty, of_part, i) {
            return self.derived_too_early(scope, field);
        }
        let f = &fields[i];
        // a field of a sensitive value (a participant of a sensitive list) is sensitive too
        let sensitive = cur.sensitive | f.sensitive.into();
        let (target, i) = (Box::new(cur.ir), i as u16);
        let ir = match (&f.kind, of_part) {
            (FieldKind::Stored { .. }, false) => IExpr::CaseField(target, i),
            (FieldKind::Derived(_), false) => IExpr::CaseDerived(target, ty, i),
            (FieldKind::Stored { .. }, true) => IExpr::PartField(target, i),
            (FieldKind::Derived(_), true) => IExpr::PartDerived(target, ty, i),
        };
        Typed {
            ir,
            ty: f.ty.clone(),
            sensitive,
        }
    }

    /// `x.field` on a typed value.
    fn member(&mut self, scope: &mut Scope, cur: Typed, field: &Ident) -> Typed {
        let src = scope.source;
        if cur.ty == Ty::Unknown {
            return cur;
        }
        match &cur.ty {
            Ty::Case(ty) => {
                let ty = *ty;
                let def = self.case_def(ty);
                if field.name == def.key_name {
                    let key_ty = match def.key_format {
                        Some(f) => Ty::Format(f),
                        None => Ty::Text,
                    };
                    return Typed::new(IExpr::CaseKey(Box::new(cur.ir)), key_ty);
                }
                if field.name == "status" {
                    return Typed::new(
                        IExpr::CaseStatus(Box::new(cur.ir)),
                        Ty::Enum(def.status_enum),
                    );
                }
                if field.name == def.parts.name && !def.parts.name.is_empty() {
                    return Typed::new(
                        IExpr::CaseParts(Box::new(cur.ir)),
                        Ty::List(Box::new(Ty::Part(ty))),
                    );
                }
                let extra = [
                    def.key_name.clone(),
                    "status".into(),
                    def.parts.name.clone(),
                ];
                self.field_of(scope, cur, field, (ty, false), &extra)
            }
            Ty::Part(ty) => {
                let ty = *ty;
                let name = self.case_def(ty).name.clone();
                if field.name == name {
                    return Typed::new(IExpr::PartCase(Box::new(cur.ir)), Ty::Case(ty));
                }
                self.field_of(scope, cur, field, (ty, true), &[name])
            }
            Ty::Record(r) => {
                let fields = &self.records[r.index()].fields;
                match fields.iter().position(|f| f.name == field.name) {
                    Some(i) => {
                        let f = &fields[i];
                        Typed {
                            ir: IExpr::RecField(Box::new(cur.ir), i as u16),
                            ty: f.ty.clone(),
                            sensitive: cur.sensitive | f.sensitive.into(),
                        }
                    }
                    None => {
                        let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                        let e = unknown("field", field, names.iter().map(String::as_str));
                        self.err(src, e);
                        Typed::error()
                    }
                }
            }
            Ty::Opt(_) => {
                let e = CheckError::FieldOfOptional {
                    ty: cur.ty.clone(),
                    field: field.name.clone(),
                    span: field.span,
                };
                self.err(src, e);
                Typed::error()
            }
            other => {
                let e = CheckError::NoField {
                    ty: other.clone(),
                    field: field.name.clone(),
                    span: field.span,
                };
                self.err(src, e);
                Typed::error()
            }
        }
    }
}
