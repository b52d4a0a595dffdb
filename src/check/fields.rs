//! Checking the fields of the case and its participants (stored and derived), and deadlines.

use super::expr::Scope;
use super::{CheckError, Env};
use crate::ast::{self, Expr, FieldDecl};
use crate::program::*;
use crate::value::{Ty, Value};

/// Case and participant fields (stored types first, then derived expressions), then deadlines.
pub(super) fn check_fields_and_deadlines(env: &mut Env, files: &[ast::File]) {
    let case = files
        .iter()
        .find_map(|f| f.cases.first().map(|c| (f.source, c)));
    let parts = files
        .iter()
        .find_map(|f| f.participants.first().map(|p| (f.source, p)));
    // Stored fields of both first, so derived fields can read either.
    if let Some((src, c)) = case {
        env.case.fields = stored_fields(env, src, &c.fields, &[c.key.name.as_str(), "status"]);
    }
    if let Some((src, p)) = parts {
        let case_name = env.case.name.clone();
        env.parts.fields = stored_fields(env, src, &p.fields, &[case_name.as_str()]);
    }
    if let Some((src, c)) = case {
        derived_fields(env, src, &c.fields, false);
    }
    if let Some((src, p)) = parts {
        derived_fields(env, src, &p.fields, true);
    }
    for f in files {
        for d in &f.deadlines {
            if env.deadline_index.contains_key(&d.name.name) {
                let first = super::first_declared(
                    files,
                    |f| f.deadlines.iter().map(|x| &x.name).collect(),
                    &d.name.name,
                )
                .and_then(|(s, span)| env.place(f.source, s, span));
                env.err(
                    f.source,
                    CheckError::Duplicate {
                        message: format!("deadline `{}` is declared twice", d.name.name),
                        span: d.name.span,
                        first,
                        help: None,
                    },
                );
                continue;
            }
            let mut scope = Scope {
                source: f.source,
                case_bound: true,
                ..Scope::default()
            };
            scope.bind("", Ty::Case, false);
            let t = env.expect(&mut scope, &d.expr, &Ty::Instant.opt());
            env.deadline_index
                .insert(d.name.name.clone(), env.deadlines.len() as u16);
            env.deadlines.push(DeadlineDef {
                name: d.name.name.clone(),
                unit: Unit {
                    expr: t.ir,
                    locals: scope.max_slot as usize,
                },
            });
        }
    }
}

fn stored_fields(
    env: &mut Env,
    source: usize,
    decls: &[FieldDecl],
    reserved: &[&str],
) -> Vec<FieldDef> {
    let mut out: Vec<FieldDef> = Vec::new();
    for d in decls {
        let name = d.name();
        if reserved.contains(&name.name.as_str()) {
            env.err(
                source,
                CheckError::Invalid {
                    message: format!("`{}` is a built-in field already", name.name),
                    span: name.span,
                    help: Some("rename the field, or remove it and use the built-in one".into()),
                },
            );
            continue;
        }
        if out.iter().any(|f| f.name == name.name) {
            let first = decls
                .iter()
                .find(|d| d.name().name == name.name)
                .and_then(|d| env.place(source, source, d.name().span));
            env.err(
                source,
                CheckError::Duplicate {
                    message: format!("field `{}` is declared twice", name.name),
                    span: name.span,
                    first,
                    help: None,
                },
            );
            continue;
        }
        match d {
            FieldDecl::Stored {
                name,
                ty,
                sensitive,
                default,
            } => {
                let ty = env.resolve_type(source, ty);
                let default = default.as_ref().and_then(|e| constant(env, source, e, &ty));
                let default = match (&default, &ty) {
                    (None, Ty::Opt(_)) => Some(Value::Unset),
                    _ => default,
                };
                out.push(FieldDef {
                    name: name.name.clone(),
                    ty,
                    sensitive: *sensitive,
                    kind: FieldKind::Stored { default },
                });
            }
            FieldDecl::Derived { name, .. } => out.push(FieldDef {
                name: name.name.clone(),
                ty: Ty::Unknown,
                sensitive: false,
                kind: FieldKind::Derived(Unit {
                    expr: IExpr::Lit(Value::Unset),
                    locals: 1,
                }),
            }),
        }
    }
    out
}

/// A default value: a literal (or a list of literals).
fn constant(env: &mut Env, source: usize, e: &Expr, ty: &Ty) -> Option<Value> {
    let mut scope = Scope {
        source,
        ..Scope::default()
    };
    let t = env.expect(&mut scope, e, ty);
    fn lit(ir: &IExpr) -> Option<Value> {
        match ir {
            IExpr::Lit(v) => Some(v.clone()),
            IExpr::List(items) => items
                .iter()
                .map(lit)
                .collect::<Option<Vec<_>>>()
                .map(Value::List),
            _ => None,
        }
    }
    match lit(&t.ir) {
        Some(Value::List(items)) if matches!(ty.strip_opt(), Ty::Set(_)) => {
            Some(Value::set_of(items))
        }
        Some(v) => Some(v),
        None => {
            env.err(
                source,
                CheckError::Invalid {
                    message: "a default must be a literal value".into(),
                    span: e.span,
                    help: Some("write the value itself, e.g. `= 0`, `= false`, `= []`".into()),
                },
            );
            None
        }
    }
}

fn derived_fields(env: &mut Env, source: usize, decls: &[FieldDecl], is_part: bool) {
    for d in decls {
        let FieldDecl::Derived { name, expr } = d else {
            continue;
        };
        let mut scope = Scope {
            source,
            case_bound: true,
            self_part: Some(is_part),
            ..Scope::default()
        };
        scope.bind("", if is_part { Ty::Part } else { Ty::Case }, false);
        let fields = if is_part {
            &env.parts.fields
        } else {
            &env.case.fields
        };
        let Some(idx) = fields.iter().position(|f| f.name == name.name) else {
            continue;
        };
        // A derived field reads only the derived fields declared before it: no cycles.
        scope.derived_cutoff = Some((is_part, idx));
        let t = env.expr(&mut scope, expr, None);
        let fields = if is_part {
            &mut env.parts.fields
        } else {
            &mut env.case.fields
        };
        fields[idx].ty = t.ty;
        fields[idx].sensitive = t.sensitive;
        fields[idx].kind = FieldKind::Derived(Unit {
            expr: t.ir,
            locals: scope.max_slot as usize,
        });
    }
}
