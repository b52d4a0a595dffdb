//! `erase when`: a sensitive stored field erased once its condition holds (data
//! minimisation), e.g. `code: code? sensitive erase when validated or not filing.status is open`.

use super::expr::Scope;
use super::{CheckError, Env};
use crate::ast::FieldDecl;
use crate::program::{CaseTypeId, EraseDef, IExpr, Reads, Unit};
use crate::value::Ty;

/// Checks the `erase when` conditions of the fields of the case (`is_part` false) or of its
/// participants, declared in file `source`: each field must be stored, optional and
/// sensitive; each condition is a bool over the owner, read like a derived field (its bare
/// names are the owner's fields), any derived field included.
pub(super) fn conditions(
    env: &mut Env,
    source: usize,
    decls: &[FieldDecl],
    ty: CaseTypeId,
    is_part: bool,
) -> Vec<EraseDef> {
    let mut out = Vec::new();
    for d in decls {
        let FieldDecl::Stored {
            name,
            erase: Some((clause, cond)),
            ..
        } = d
        else {
            continue;
        };
        let def = env.case_def(ty);
        let fields = def.fields_of(is_part);
        // a field reported as declared twice (or reserved) is not among them
        let Some(idx) = fields.iter().position(|f| f.name == name.name) else {
            continue;
        };
        let field = &fields[idx];
        let (optional, sensitive) = (
            field.ty.is_opt() || field.ty == Ty::Unknown,
            field.sensitive,
        );
        if !optional {
            env.err(
                source,
                CheckError::EraseNotOptional {
                    field: name.name.clone(),
                    span: *clause,
                },
            );
        }
        if !sensitive {
            env.err(
                source,
                CheckError::EraseNotSensitive {
                    field: name.name.clone(),
                    span: *clause,
                },
            );
        }
        let mut scope = Scope {
            source,
            case_bound: Some(ty),
            self_part: Some(is_part),
            ..Scope::default()
        };
        scope.bind("", if is_part { Ty::Part(ty) } else { Ty::Case(ty) }, false);
        let t = env.bool_expr(&mut scope, cond);
        if optional && sensitive {
            let mut reads = Reads::default();
            read_by(env, &t.ir, &mut reads);
            out.push(EraseDef {
                field: idx as u16,
                when: Unit::new(t.ir, scope.max_slot as usize),
                reads,
            });
        }
    }
    out
}

/// Adds to `reads` what `e` reads of its case, the derived fields it reads included. Another
/// case's fields are read only through a world-wide lookup, which counts as always.
pub(super) fn read_by(env: &Env, e: &IExpr, reads: &mut Reads) {
    let add = |list: &mut Vec<u16>, f: u16| {
        if !list.contains(&f) {
            list.push(f);
        }
    };
    super::ir::walk_reads(env, e, &mut |node| match node {
        IExpr::CaseStatus(_) => reads.status = true,
        IExpr::CaseField(_, f) => add(&mut reads.case_fields, *f),
        IExpr::PartField(_, f) => add(&mut reads.part_fields, *f),
        // the clock moves, and a lookup over all participants reads other cases
        IExpr::Now
        | IExpr::IndexLookup { .. }
        | IExpr::CaseIndexLookup { .. }
        | IExpr::EventField(_)
        | IExpr::EventAt => reads.always = true,
        _ => {}
    });
}
