//! Checking `migrate` blocks against this policy: the case types, participants, fields and
//! statuses they name here, and the `set` expressions. Names of the old policy are checked
//! when a world is migrated (`src/migrate/`), the only time the old policy is known.

use super::expr::Scope;
use super::{unknown, CheckError, Declared, Env, Reader, Step};
use crate::ast::{self, Ident, MigrateDecl};
use crate::program::{CaseTypeId, FieldKind, MemberId, MigrateDef, MigrateStep, Unit};
use crate::span::Span;
use crate::value::Ty;

/// The checked `migrate` blocks, and the old case types dropped (`migrate drop loan`).
pub(super) fn check_migrations(
    env: &mut Env,
    files: &[ast::File],
) -> (Vec<MigrateDef>, Vec<String>) {
    let mut blocks: Vec<MigrateDef> = Vec::new();
    // where each block and each dropped case type is declared, for "declared twice"
    let mut block_at: Vec<(CaseTypeId, bool, usize, Span)> = Vec::new();
    let mut dropped: Vec<(String, usize, Span)> = Vec::new();
    for f in files {
        let src = f.source;
        for m in &f.migrations {
            match m {
                MigrateDecl::DropCase(id) => {
                    if env.case_ty(&id.name).is_some() {
                        still_declared(env, src, id, Declared::CaseType, Step::Drop);
                    } else if let Some(first) = dropped.iter().find(|d| d.0 == id.name) {
                        let first = Some((first.1, first.2));
                        env.declared_twice(src, "`migrate drop`", id, first);
                    } else {
                        dropped.push((id.name.clone(), src, id.span));
                    }
                }
                MigrateDecl::Block {
                    span,
                    target,
                    parts_of,
                    from,
                    steps,
                } => {
                    let Some((ty, parts)) = block_target(env, src, target, parts_of.as_ref())
                    else {
                        continue;
                    };
                    if let Some(first) = block_at.iter().find(|b| b.0 == ty && b.1 == parts) {
                        let first = Some((first.2, first.3));
                        env.declared_twice(src, "a `migrate` block for", target, first);
                        continue;
                    }
                    block_at.push((ty, parts, src, target.span));
                    if let Some(from) = from {
                        if env.case_ty(&from.name).is_some() {
                            still_declared(env, src, from, Declared::CaseType, Step::From);
                        }
                    }
                    let steps = check_steps(env, src, ty, parts, steps);
                    blocks.push(MigrateDef {
                        case_ty: ty,
                        parts,
                        from: from.as_ref().map(|f| f.name.clone()),
                        steps,
                        place: env.place(usize::MAX, src, *span).unwrap_or_default(),
                    });
                }
            }
        }
    }
    (blocks, dropped.into_iter().map(|d| d.0).collect())
}

/// The case type a block migrates, and whether it migrates its participants.
fn block_target(
    env: &mut Env,
    src: usize,
    target: &Ident,
    parts_of: Option<&Ident>,
) -> Option<(CaseTypeId, bool)> {
    let Some(case) = parts_of else {
        return match env.case_ty(&target.name) {
            Some(ty) => Some((ty, false)),
            None => {
                let e = unknown("case type", target, env.case_names());
                env.err(src, e);
                None
            }
        };
    };
    let Some(ty) = env.case_ty(&case.name) else {
        let e = unknown("case type", case, env.case_names());
        env.err(src, e);
        return None;
    };
    let parts_name = env.case_def(ty).parts.name.clone();
    if parts_name != target.name {
        let e = unknown("participants", target, [parts_name.as_str()]);
        env.err(src, e);
        return None;
    }
    Some((ty, true))
}

/// A name of the old policy that this one still declares: the step could never apply.
fn still_declared(env: &mut Env, src: usize, id: &Ident, what: Declared, step: Step) {
    env.err(
        src,
        CheckError::StillDeclared {
            name: id.name.clone(),
            what,
            step,
            span: id.span,
        },
    );
}

fn check_steps(
    env: &mut Env,
    src: usize,
    ty: CaseTypeId,
    parts: bool,
    steps: &[ast::MigrateStep],
) -> Vec<MigrateStep> {
    let what = if parts {
        Declared::PartField
    } else {
        Declared::Field
    };
    let mut out = Vec::new();
    // each old name migrated once, each new field given once
    let mut olds: Vec<&Ident> = Vec::new();
    let mut news: Vec<&Ident> = Vec::new();
    let twice = |env: &mut Env, seen: &mut Vec<&Ident>, id: &Ident, kind: &'static str| match seen
        .iter()
        .find(|s| s.name == id.name)
    {
        Some(first) => {
            env.declared_twice(src, kind, id, Some((src, first.span)));
            true
        }
        None => false,
    };
    for step in steps {
        match step {
            ast::MigrateStep::Rename { from, to } => {
                let dup = twice(env, &mut olds, from, "the migration of")
                    | twice(env, &mut news, to, "the migration of");
                olds.push(from);
                news.push(to);
                if stored(env, ty, parts, &from.name).is_some() {
                    still_declared(env, src, from, what, Step::Rename);
                    continue;
                }
                let Some(to_idx) = stored_target(env, src, ty, parts, to) else {
                    continue;
                };
                if !dup {
                    out.push(MigrateStep::Rename {
                        from: from.name.clone(),
                        to: to_idx,
                    });
                }
            }
            ast::MigrateStep::Drop(id) => {
                let dup = twice(env, &mut olds, id, "the migration of");
                olds.push(id);
                if stored(env, ty, parts, &id.name).is_some() {
                    still_declared(env, src, id, what, Step::Drop);
                } else if !dup {
                    out.push(MigrateStep::Drop(id.name.clone()));
                }
            }
            ast::MigrateStep::Set { field, value } => {
                let dup = twice(env, &mut news, field, "the migration of");
                news.push(field);
                if let Some(step) = set_step(env, src, ty, parts, field, value) {
                    if !dup {
                        out.push(step);
                    }
                }
            }
            ast::MigrateStep::Status { from, to } => {
                if parts {
                    env.err(
                        src,
                        CheckError::PartStatus {
                            case: env.case_def(ty).name.clone(),
                            from: from.name.clone(),
                            to: to.name.clone(),
                            span: from.span,
                        },
                    );
                    continue;
                }
                let dup = twice(env, &mut olds, from, "the status mapping of");
                olds.push(from);
                let statuses = env
                    .enums
                    .get(env.case_def(ty).status_enum.index())
                    .map(|e| e.values.clone())
                    .unwrap_or_default();
                if statuses.contains(&from.name) {
                    still_declared(env, src, from, Declared::Status, Step::Status);
                    continue;
                }
                let Some(to_idx) = statuses.iter().position(|s| *s == to.name) else {
                    let e = unknown("status", to, statuses.iter().map(String::as_str));
                    env.err(src, e);
                    continue;
                };
                if !dup {
                    out.push(MigrateStep::Status {
                        from: from.name.clone(),
                        to: MemberId::at(to_idx),
                    });
                }
            }
        }
    }
    out
}

/// The index of the stored field `name` of the case type (or of its participants).
fn stored(env: &Env, ty: CaseTypeId, parts: bool, name: &str) -> Option<u16> {
    env.case_def(ty)
        .fields_of(parts)
        .iter()
        .position(|f| f.name == name && matches!(f.kind, FieldKind::Stored { .. }))
        .map(|i| i as u16)
}

/// The stored field a step writes, or an error: unknown, or derived.
fn stored_target(
    env: &mut Env,
    src: usize,
    ty: CaseTypeId,
    parts: bool,
    id: &Ident,
) -> Option<u16> {
    if let Some(i) = stored(env, ty, parts, &id.name) {
        return Some(i);
    }
    let fields = env.case_def(ty).fields_of(parts);
    if fields.iter().any(|f| f.name == id.name) {
        env.err(
            src,
            CheckError::MigrateDerived {
                field: id.name.clone(),
                span: id.span,
            },
        );
        return None;
    }
    let names: Vec<String> = fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Stored { .. }))
        .map(|f| f.name.clone())
        .collect();
    let e = unknown("field", id, names.iter().map(String::as_str));
    env.err(src, e);
    None
}

/// `set field = value`: typed like a derived field of the case (or participant), the value
/// of the field's type.
fn set_step(
    env: &mut Env,
    src: usize,
    ty: CaseTypeId,
    parts: bool,
    field: &Ident,
    value: &ast::Expr,
) -> Option<MigrateStep> {
    let idx = stored_target(env, src, ty, parts, field)?;
    let def = env.case_def(ty).fields_of(parts).get(idx as usize)?.clone();
    let mut scope = Scope {
        source: src,
        case_bound: Some(ty),
        self_part: Some(parts),
        ..Scope::default()
    };
    scope.bind("", if parts { Ty::Part(ty) } else { Ty::Case(ty) }, false);
    let t = env.expect(&mut scope, value, &def.ty);
    let sensitive = t.sensitive.is_sensitive();
    if sensitive && !def.sensitive {
        env.err(src, super::rules::sensitive_into_plain(&field.name, value));
    }
    if super::fields::reads_other_cases(env, &t.ir) {
        env.err(
            src,
            CheckError::ReadsOtherCases {
                reader: Reader::Migrated(field.name.clone()),
                span: value.span,
            },
        );
    }
    let ir = env.stored_as(src, value.span, t, &def.ty);
    let text = env.quote(src, value.span, "the expression");
    Some(MigrateStep::Set {
        field: idx,
        unit: Unit::new(ir, scope.max_slot as usize),
        sensitive,
        text: text.trim_matches('`').to_string(),
    })
}
