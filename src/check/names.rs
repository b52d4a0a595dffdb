//! Resolving names and paths: locals, the event, the case, limits, enumeration values and
//! fields of cases, participants and records.

use super::expr::{describe, path_text, resolve_limit, span_of, Scope, Typed};
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
        let narrowed = scope.narrowed.contains(&path_text(path));
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
                self.err(
                    src,
                    CheckError::Invalid {
                        message: "there is no event here".into(),
                        span: head.span,
                        help: Some("deadlines and declarations run without an event; use `now` for the time".into()),
                    },
                );
                return Typed::error();
            };
            let Some(field) = path.get(1) else {
                self.err(
                    src,
                    CheckError::Invalid {
                        message: "name a field of the event, like `event.at`".into(),
                        span: head.span,
                        help: Some("`event` alone is no value: read one of its fields".into()),
                    },
                );
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
                let name = &head.name;
                let help = match scope.case_bound {
                    Some(other) => format!(
                        "this handler is routed to a `{}`; reach a `{name}` through a lookup or a field",
                        self.case_def(other).name
                    ),
                    None => format!(
                        "route the handler to a case with `for {name}(event.<key field>)`, or reach it through a participant (`p.{name}`)"
                    ),
                };
                self.err(
                    src,
                    CheckError::Invalid {
                        message: format!("no `{name}` is routed here"),
                        span: head.span,
                        help: Some(help),
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
                        CheckError::Type {
                            message: format!(
                                "`{}` is a pattern: use it after `matches`",
                                path_text(path)
                            ),
                            span: span_of(path),
                            help: Some(format!("write `value matches {}`", path_text(path))),
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
        if let Some(i) = scope.later_lets.iter().position(|l| *l == id.name) {
            let (message, help) = if i == 0 {
                (
                    format!("`let {}` reads itself", id.name),
                    "a `let` reads only the event, the world and the `let`s above it".to_string(),
                )
            } else {
                (
                    format!("`{}` is used before its `let`", id.name),
                    format!(
                        "move `let {} = …` above the line that uses it: a `let` sees only the `let`s above it",
                        id.name
                    ),
                )
            };
            return CheckError::Invalid {
                message,
                span: id.span,
                help: Some(help),
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
                let kinds: Vec<String> = many
                    .iter()
                    .map(|(en, _)| format!("`{}`", self.enums[en.index()].name))
                    .collect();
                self.err(
                    scope.source,
                    CheckError::Type {
                        message: format!("`{}` is a value of {}", id.name, kinds.join(" and ")),
                        span: id.span,
                        help: Some(
                            "compare it with a field of the type you mean, e.g. `x.status == …`"
                                .into(),
                        ),
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
            CheckError::Invalid {
                message: format!(
                    "`{}` is a derived field this one cannot read yet",
                    field.name
                ),
                span: field.span,
                help: Some(
                    "a derived field reads the derived fields declared before it, and those of its case; move it up, or store the value in a field set by a rule"
                        .into(),
                ),
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
                let msg = format!(
                    "{} may be unset: `.{}` cannot be read from it",
                    describe(self, &cur.ty),
                    field.name
                );
                self.type_error(
                    src,
                    field.span,
                    msg,
                    Some("check it first with `is set`".into()),
                );
                Typed::error()
            }
            other => {
                let msg = format!("{} has no field `{}`", describe(self, other), field.name);
                let help = "only a case, a participant, a record or an event has fields: remove `.` and what follows".to_string();
                self.type_error(src, field.span, msg, Some(help));
                Typed::error()
            }
        }
    }
}
