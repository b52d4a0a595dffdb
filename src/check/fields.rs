//! Checking the fields of the case and its participants (stored and derived), and deadlines.

use super::expr::Scope;
use super::{CheckError, Env, Reader};
use crate::ast::{self, Expr, FieldDecl};
use crate::program::*;
use crate::span::Span;
use crate::value::{Ty, Value};

/// The declarations of each case type: its `case` and its `participants` block, with their files.
type Decls<'f> = Vec<(
    Option<(usize, &'f ast::CaseDecl)>,
    Option<(usize, &'f ast::ParticipantsDecl)>,
)>;

/// Case and participant fields of every case type (stored types first, then derived
/// expressions), then deadlines.
pub(super) fn check_fields_and_deadlines(env: &mut Env, files: &[ast::File]) {
    let mut decls: Decls = vec![(None, None); env.cases.len()];
    for f in files {
        for c in &f.cases {
            if let Some(ty) = env.case_ty(&c.name.name) {
                let slot = &mut decls[ty.index()].0;
                if slot.is_none() {
                    *slot = Some((f.source, c));
                }
            }
        }
        for p in &f.participants {
            if let Some(ty) = env.parts_ty(&p.name.name) {
                if env.case_ty(&p.case.name) == Some(ty) {
                    let slot = &mut decls[ty.index()].1;
                    if slot.is_none() {
                        *slot = Some((f.source, p));
                    }
                }
            }
        }
    }
    // Stored fields of every type first, so derived fields can read any.
    for (ty, (case, parts)) in decls.iter().enumerate() {
        if let Some((src, c)) = case {
            let reserved = [c.key.name.as_str(), "status"];
            let mut fields = stored_fields(env, *src, &c.fields, &reserved);
            let parts_name = env.cases[ty].parts.name.clone();
            if let Some(clash) = c.fields.iter().find(|f| f.name().name == parts_name) {
                env.err(
                    *src,
                    CheckError::FieldNamesParticipants {
                        name: parts_name.clone(),
                        span: clash.name().span,
                    },
                );
                fields.retain(|f| f.name != parts_name);
            }
            env.cases[ty].fields = fields;
        }
        if let Some((src, p)) = parts {
            let case_name = env.cases[ty].name.clone();
            env.cases[ty].parts.fields = stored_fields(env, *src, &p.fields, &[case_name.as_str()]);
        }
    }
    for (ty, (case, parts)) in decls.iter().enumerate() {
        let ty = CaseTypeId::at(ty);
        if let Some((src, c)) = case {
            derived_fields(env, *src, &c.fields, ty, false);
        }
        if let Some((src, p)) = parts {
            derived_fields(env, *src, &p.fields, ty, true);
        }
    }
    bound_derived(env, &decls);
    for (ty, (case, parts)) in decls.iter().enumerate() {
        let ty = CaseTypeId::at(ty);
        if let Some((src, c)) = case {
            let erase = super::erase::conditions(env, *src, &c.fields, ty, false);
            env.cases[ty.index()].erase = erase;
        }
        if let Some((src, p)) = parts {
            let erase = super::erase::conditions(env, *src, &p.fields, ty, true);
            env.cases[ty.index()].parts.erase = erase;
        }
    }
    for f in files {
        for d in &f.deadlines {
            if env.deadline_index.contains_key(&d.name.name) {
                super::decls::declared_twice(env, files, f.source, "deadline", &d.name, |f| {
                    f.deadlines.iter().map(|x| &x.name).collect()
                });
                continue;
            }
            let Some(case_ty) = deadline_case(env, f.source, d) else {
                continue;
            };
            let mut scope = Scope {
                source: f.source,
                case_bound: Some(case_ty),
                ..Scope::default()
            };
            scope.bind("", Ty::Case(case_ty), false);
            let t = env.expect(&mut scope, &d.expr, &Ty::Instant.opt());
            if t.sensitive.is_sensitive() {
                // the outcomes of its handler appear at that instant
                env.err(
                    f.source,
                    CheckError::SensitiveDeadline {
                        deadline: d.name.name.clone(),
                        span: d.expr.span,
                    },
                );
            }
            if reads_other_cases(env, &t.ir) {
                // it is recomputed when its own case changes: a lookup would go stale
                env.err(
                    f.source,
                    CheckError::ReadsOtherCases {
                        reader: Reader::Deadline(d.name.name.clone()),
                        span: d.expr.span,
                    },
                );
            }
            let global = DeadlineId::at(env.deadlines.len());
            env.cases[case_ty.index()].deadlines.push(global);
            env.deadline_index.insert(d.name.name.clone(), global);
            env.deadline_sites.push((f.source, d.name.span));
            let mut reads = crate::program::Reads::default();
            super::erase::read_by(env, &t.ir, &mut reads);
            env.deadlines.push(DeadlineDef {
                name: d.name.name.clone(),
                case_ty,
                unit: Unit::new(t.ir, scope.max_slot as usize),
                reads,
            });
        }
    }
}

/// Whether `e` reads other cases than its own: a world-wide lookup, in it or in a derived
/// field it reads.
pub(super) fn reads_other_cases(env: &Env, e: &IExpr) -> bool {
    let mut found = false;
    super::ir::walk_reads(env, e, &mut |node| {
        found |= matches!(
            node,
            IExpr::IndexLookup { .. } | IExpr::CaseIndexLookup { .. }
        );
    });
    found
}

/// The case type a deadline belongs to: the one its expression names (`filing.first_sms_at
/// + …`), or the only one.
fn deadline_case(env: &mut Env, source: usize, d: &ast::DeadlineDecl) -> Option<CaseTypeId> {
    if env.cases.len() == 1 {
        return Some(CaseTypeId::FIRST);
    }
    let mut named: Vec<CaseTypeId> = Vec::new();
    heads(&d.expr, &mut |name| {
        if let Some(ty) = env.case_ty(name) {
            if !named.contains(&ty) {
                named.push(ty);
            }
        }
    });
    match named.as_slice() {
        [ty] => Some(*ty),
        _ => {
            env.err(
                source,
                CheckError::DeadlineOfTwoCases {
                    deadline: d.name.name.clone(),
                    example: env
                        .cases
                        .first()
                        .map_or("", |c| c.name.as_str())
                        .to_string(),
                    span: d.expr.span,
                },
            );
            None
        }
    }
}

/// Calls `f` on the first name of every path in `e`.
fn heads(e: &Expr, f: &mut dyn FnMut(&str)) {
    use ast::ExprKind as K;
    match &e.kind {
        K::Path(p) => {
            if let Some(h) = p.first() {
                f(&h.name);
            }
        }
        K::Lookup(_, xs) | K::List(xs) | K::Call(_, xs) => xs.iter().for_each(|x| heads(x, f)),
        K::Comprehension { source, cond, .. } | K::Quantifier { source, cond, .. } => {
            heads(source, f);
            heads(cond, f);
        }
        K::Count(x) | K::Not(x) | K::Neg(x) | K::Is(x, _) => heads(x, f),
        K::Binary(_, a, b) => {
            heads(a, f);
            heads(b, f);
        }
        K::Str(t) => {
            for p in &t.parts {
                if let ast::TemplatePart::Expr(x) = p {
                    heads(x, f);
                }
            }
        }
        _ => {}
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
                CheckError::BuiltInField {
                    name: name.name.clone(),
                    span: name.span,
                },
            );
            continue;
        }
        if out.iter().any(|f| f.name == name.name) {
            let first = decls.iter().find(|d| d.name().name == name.name);
            env.declared_twice(
                source,
                "field",
                name,
                first.map(|d| (source, d.name().span)),
            );
            continue;
        }
        match d {
            FieldDecl::Stored {
                name,
                ty,
                sensitive,
                default,
                // checked once every field is known, by `super::erase`
                erase: _,
            } => {
                let resolved = env.resolve_type(source, ty);
                if *sensitive {
                    env.sealable(source, name, ty.span, &resolved);
                }
                let ty = resolved;
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
                kind: FieldKind::Derived(Unit::new(IExpr::Lit(Value::Unset), 1)),
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
    let ir = env.stored_as(source, e.span, t, ty);
    fn lit(ir: &IExpr) -> Option<Value> {
        match ir {
            IExpr::Lit(v) => Some(v.clone()),
            IExpr::List(items) => items
                .iter()
                .map(lit)
                .collect::<Option<Vec<_>>>()
                .map(Value::list),
            _ => None,
        }
    }
    match lit(&ir) {
        Some(v) => Some(v),
        None => {
            env.err(source, CheckError::DefaultNotLiteral { span: e.span });
            None
        }
    }
}

fn derived_fields(
    env: &mut Env,
    source: usize,
    decls: &[FieldDecl],
    ty: CaseTypeId,
    is_part: bool,
) {
    for d in decls {
        let FieldDecl::Derived { name, expr } = d else {
            continue;
        };
        let mut scope = Scope {
            source,
            case_bound: Some(ty),
            self_part: Some(is_part),
            ..Scope::default()
        };
        scope.bind("", if is_part { Ty::Part(ty) } else { Ty::Case(ty) }, false);
        let def = &env.cases[ty.index()];
        let fields = def.fields_of(is_part);
        let Some(idx) = fields.iter().position(|f| f.name == name.name) else {
            continue;
        };
        // A derived field reads only the derived fields declared before it: no cycles.
        scope.derived_cutoff = Some((ty, is_part, idx));
        let t = env.expr(&mut scope, expr, None);
        let def = &mut env.cases[ty.index()];
        let fields = if is_part {
            &mut def.parts.fields
        } else {
            &mut def.fields
        };
        fields[idx].ty = t.ty;
        // read back as sensitive as a whole, even a collection only chosen by a sensitive value
        fields[idx].sensitive = t.sensitive.is_sensitive();
        fields[idx].kind = FieldKind::Derived(Unit::new(t.ir, scope.max_slot as usize));
    }
}

/// How deep a chain of derived fields reading derived fields may be.
pub(crate) const MAX_DERIVED_DEPTH: usize = 16;
/// How many steps a derived field may take when evaluated, the derived fields it reads
/// evaluated anew at each read.
pub(crate) const MAX_DERIVED_STEPS: usize = 10_000;

/// Bounds what evaluating a derived field costs. A derived field is evaluated anew at each
/// read, the derived fields it reads too: a chain of them costs the stack of the evaluator
/// (`d1 = d0`, `d2 = d1`, …) and reading one twice doubles the cost (`d2 = d1 and d1`). So
/// each derived field's chain depth (1 + the deepest of the derived fields it reads) and
/// inlined size (its nodes, plus the inlined size of each derived field it reads, at each
/// read) are bounded. Each problem is reported at the first field that has it, not again at
/// the fields that read that one.
fn bound_derived(env: &mut Env, decls: &Decls) {
    // the fields of each case type, then those of its participants, as one list of nodes
    let mut all: Vec<(CaseTypeId, bool, usize)> = Vec::new();
    let mut offsets: Vec<(usize, usize)> = Vec::new();
    for (ty, c) in env.cases.iter().enumerate() {
        let ty = CaseTypeId::at(ty);
        let case_at = all.len();
        all.extend((0..c.fields.len()).map(|i| (ty, false, i)));
        let parts_at = all.len();
        all.extend((0..c.parts.fields.len()).map(|i| (ty, true, i)));
        offsets.push((case_at, parts_at));
    }
    let node = |(ty, is_part, i): (CaseTypeId, bool, u16)| {
        let (case_at, parts_at) = offsets.get(ty.index()).copied().unwrap_or_default();
        if is_part {
            parts_at + i as usize
        } else {
            case_at + i as usize
        }
    };
    let field = |env: &Env, (ty, is_part, i): (CaseTypeId, bool, usize)| -> Option<FieldDef> {
        let def = env.cases.get(ty.index())?;
        let fields = def.fields_of(is_part);
        fields.get(i).cloned()
    };
    let mut own = vec![0usize; all.len()];
    let mut reads: Vec<Vec<usize>> = vec![Vec::new(); all.len()];
    let mut derived = vec![false; all.len()];
    for (n, &at) in all.iter().enumerate() {
        if let Some(FieldDef {
            kind: FieldKind::Derived(unit),
            ..
        }) = field(env, at)
        {
            let (size, r) = super::ir::size_and_derived_reads(&unit.expr);
            own[n] = size;
            reads[n] = r.into_iter().map(node).collect();
            derived[n] = true;
        }
    }
    let place = |env: &Env, n: usize| -> Option<(usize, Span, String)> {
        let (ty, is_part, _) = all[n];
        let name = &field(env, all[n])?.name;
        let (case, parts) = decls.get(ty.index())?;
        let (source, decls) = if is_part {
            parts.map(|(s, p)| (s, &p.fields))?
        } else {
            case.map(|(s, c)| (s, &c.fields))?
        };
        let span = decls.iter().find_map(|d| match d {
            FieldDecl::Derived { name: id, .. } if id.name == *name => Some(id.span),
            _ => None,
        })?;
        Some((source, span, name.clone()))
    };

    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    let mut state = vec![State::New; all.len()];
    let mut depth = vec![0usize; all.len()];
    let mut inlined = vec![0usize; all.len()];
    // refused, or reads a refused field: no further report
    let mut refused = vec![false; all.len()];
    let mut problems: Vec<(usize, CheckError)> = Vec::new();
    for start in (0..all.len()).filter(|&n| derived[n]) {
        // depth first, without recursion (a chain may be long): (node, its reads are done)
        let mut stack = vec![(start, false)];
        while let Some((n, reads_done)) = stack.pop() {
            if reads_done {
                depth[n] = 1 + reads[n].iter().map(|&r| depth[r]).max().unwrap_or(0);
                inlined[n] = reads[n]
                    .iter()
                    .fold(own[n], |acc, &r| acc.saturating_add(inlined[r]));
                state[n] = State::Done;
                if refused[n] || reads[n].iter().any(|&r| refused[r]) {
                    refused[n] = true;
                    continue;
                }
                let Some((source, span, name)) = place(env, n) else {
                    continue;
                };
                let problem = if inlined[n] > MAX_DERIVED_STEPS {
                    Some(CheckError::DerivedTooLong {
                        field: name.clone(),
                        span,
                    })
                } else if depth[n] > MAX_DERIVED_DEPTH {
                    Some(CheckError::DerivedTooDeep {
                        field: name.clone(),
                        depth: depth[n],
                        span,
                    })
                } else {
                    None
                };
                if let Some(e) = problem {
                    refused[n] = true;
                    problems.push((source, e));
                }
                continue;
            }
            match state[n] {
                State::Done => continue,
                State::Open => {
                    // `n` is being expanded below on the stack: it reads itself, through
                    // fields of the case and of its participants
                    if !refused[n] {
                        refused[n] = true;
                        if let Some((source, span, name)) = place(env, n) {
                            problems.push((
                                source,
                                CheckError::DerivedCycle {
                                    field: name.clone(),
                                    span,
                                },
                            ));
                        }
                    }
                    continue;
                }
                State::New => {}
            }
            state[n] = State::Open;
            stack.push((n, true));
            for &r in &reads[n] {
                if state[r] != State::Done {
                    stack.push((r, false));
                }
            }
        }
    }
    for (source, e) in problems {
        env.err(source, e);
    }
}
