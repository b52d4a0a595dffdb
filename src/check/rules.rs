//! Checking handlers, rules and actions.

use super::expr::{holds, known_set, Scope};
use super::{unknown, At, CheckError, Env, Hint, KeyOf, Unassignable};
use crate::ast::{self, Action, Expr, ExprKind, Ident, Template, Trigger};
use crate::program::*;
use crate::sites::{RuleSite, Site};
use crate::span::Span;
use crate::value::Ty;
use std::collections::{HashMap, HashSet};

type Handlers = (Vec<Option<HandlerDef>>, Vec<Option<HandlerDef>>);

pub(super) fn check_handlers(env: &mut Env, files: &[ast::File]) -> Handlers {
    let mut by_event: Vec<Option<HandlerDef>> = vec![None; env.events.len()];
    let mut by_deadline: Vec<Option<HandlerDef>> = vec![None; env.deadlines.len()];
    let mut seen: Vec<(String, usize, Span)> = Vec::new();
    for f in files {
        for h in &f.handlers {
            let (key, id) = match &h.trigger {
                Trigger::Event(id) => (format!("on {}", id.name), id),
                Trigger::Deadline(id) => (format!("on deadline {}", id.name), id),
            };
            if let Some((_, s, span)) = seen.iter().find(|(k, _, _)| *k == key) {
                let first = Some(At {
                    source: *s,
                    span: *span,
                });
                env.err(
                    f.source,
                    CheckError::SecondHandler {
                        trigger: key,
                        span: id.span,
                        first,
                    },
                );
                continue;
            }
            seen.push((key, f.source, id.span));
            match &h.trigger {
                Trigger::Event(id) => match env.event_index.get(&id.name).copied() {
                    Some(ev) => {
                        by_event[ev.index()] = Some(handler(env, f.source, h, Some(ev), None))
                    }
                    None => {
                        let names: Vec<String> =
                            env.events.iter().map(|e| e.name.clone()).collect();
                        let mut e = unknown("event", id, names.iter().map(String::as_str));
                        if let CheckError::Unknown {
                            hint,
                            suggestion: None,
                            ..
                        } = &mut e
                        {
                            let also = hint.take();
                            *hint = Some(Box::new(Hint::DeclareEvent { also }));
                        }
                        env.err(f.source, e);
                    }
                },
                Trigger::Deadline(id) => match env.deadline_index.get(&id.name).copied() {
                    Some(d) => {
                        if h.route.is_some() {
                            env.err(f.source, CheckError::RoutedDeadline { span: id.span });
                        }
                        let ty = env.deadlines[d.index()].case_ty;
                        by_deadline[d.index()] = Some(handler(env, f.source, h, None, Some(ty)));
                    }
                    None => {
                        let names: Vec<String> =
                            env.deadlines.iter().map(|d| d.name.clone()).collect();
                        let e = unknown("deadline", id, names.iter().map(String::as_str));
                        env.err(f.source, e);
                    }
                },
            }
        }
    }
    (by_event, by_deadline)
}

/// Checks a handler: of event `event`, or of a deadline of case type `deadline_ty`.
fn handler(
    env: &mut Env,
    source: usize,
    h: &ast::Handler,
    event: Option<EventId>,
    deadline_ty: Option<CaseTypeId>,
) -> HandlerDef {
    let mut scope = Scope {
        source,
        event,
        ..Scope::default()
    };
    // the case type the handler is routed to (the deadline's, for a deadline handler)
    let routed = match &h.route {
        Some(r) => match env.case_ty(&r.case.name) {
            Some(ty) => Some(ty),
            None => {
                let e = unknown("case", &r.case, env.case_names());
                env.err(source, e);
                None
            }
        },
        None => deadline_ty,
    };
    // slot 0 always holds the case (unset when the handler has none)
    scope.bind("", Ty::Case(routed.unwrap_or(CaseTypeId::FIRST)), false);
    let mut route = None;
    if let Some(r) = &h.route {
        if r.create && r.or_new {
            env.err(
                source,
                CheckError::NewOrNew {
                    case: r.case.name.clone(),
                    span: r.case.span,
                },
            );
        }
        let case_ty = routed.unwrap_or(CaseTypeId::FIRST);
        let def = env.case_def(case_ty);
        let (case_name, key_format) = (def.name.clone(), def.key_format);
        let want = match key_format {
            Some(f) => Ty::Format(f),
            None => Ty::Text,
        };
        let t = env.expect(&mut scope, &r.key, &want);
        if t.sensitive.is_sensitive() {
            let quote = env.snippet(source, r.key.span).map(str::to_string);
            env.err(
                source,
                CheckError::SensitiveKey {
                    quote,
                    of: KeyOf::Route {
                        case: case_name.clone(),
                    },
                    span: r.key.span,
                },
            );
        }
        let key_field = match (&t.ir, event) {
            (IExpr::EventField(i), Some(ev)) => {
                let rec = env.events[ev.index()].record;
                Some(env.records[rec.index()].fields[*i as usize].name.clone())
            }
            _ => None,
        };
        route = Some(RouteDef {
            create: r.create,
            or_new: r.or_new,
            case_ty,
            key: t.ir,
            key_field,
        });
    }
    scope.case_bound = routed;
    let mut lets = Vec::new();
    scope.lets = h.lets.iter().map(|x| x.name.name.clone()).collect();
    let mut seen: HashMap<&str, &ast::Ident> = HashMap::new();
    for (i, l) in h.lets.iter().enumerate() {
        let twice = seen.get(l.name.name.as_str()).copied();
        if let Some(first) = twice {
            let first = Some(At {
                source,
                span: first.span,
            });
            env.err(
                source,
                CheckError::LetTwice {
                    name: l.name.name.clone(),
                    span: l.name.span,
                    first,
                },
            );
        } else {
            seen.insert(&l.name.name, &l.name);
        }
        scope.lets_bound = i;
        let t = env.expr(&mut scope, &l.expr, None);
        // a repeated name is typed as unknown, so that its uses raise no follow-on errors
        let ty = if twice.is_some() { Ty::Unknown } else { t.ty };
        let slot = scope.bind(&l.name.name, ty, t.sensitive);
        lets.push((slot, t.ir));
    }
    scope.lets_bound = scope.lets.len();
    let mut rules = Vec::new();
    let mut assigned: HashSet<u16> = HashSet::new();
    let mut names: HashMap<&str, &ast::Ident> = HashMap::new();
    for r in &h.rules {
        if let Some(first) = names.get(r.name.name.as_str()) {
            let first = Some(At {
                source,
                span: first.span,
            });
            env.err(
                source,
                CheckError::RuleTwice {
                    name: r.name.name.clone(),
                    span: r.name.span,
                    first,
                },
            );
        }
        names.entry(&r.name.name).or_insert(&r.name);
        rules.push(rule(env, &mut scope, r, &mut assigned));
    }
    if let Some(r) = route.as_ref().filter(|r| r.create || r.or_new) {
        let def = env.case_def(r.case_ty).clone();
        for (i, f) in def.fields.iter().enumerate() {
            if matches!(f.kind, FieldKind::Stored { default: None })
                && !assigned.contains(&(i as u16))
            {
                let span = match &h.trigger {
                    Trigger::Event(id) | Trigger::Deadline(id) => id.span,
                };
                env.errors.push((
                    source,
                    CheckError::MissingOnCreate {
                        field: f.name.clone(),
                        case: def.name.clone(),
                        span,
                    },
                ));
            }
        }
    }
    for r in &mut rules {
        r.over_let = matches!(&r.for_each, Some((_, IExpr::Local(from)))
            if lets.iter().any(|(l, _)| l == from));
    }
    HandlerDef {
        route,
        locals: scope.max_slot as usize,
        lets,
        rules,
        code: Default::default(),
    }
}

fn rule(env: &mut Env, scope: &mut Scope, r: &ast::Rule, assigned: &mut HashSet<u16>) -> RuleDef {
    scope.rule.clone_from(&r.name.name);
    let mut bound = 0;
    let mut item_sensitive = false;
    let mut item_ty = Ty::Unknown;
    let mut context = if scope.case_bound.is_some() {
        RuleContext::Handler
    } else {
        RuleContext::Nobody
    };
    let for_each = r.for_each.as_ref().map(|(var, src)| {
        let t = env.expr(scope, src, None);
        let elem = match &t.ty {
            Ty::List(e) | Ty::Set(e) => (**e).clone(),
            Ty::Unknown => Ty::Unknown,
            other => {
                env.err(
                    scope.source,
                    CheckError::ForOverValue {
                        found: other.clone(),
                        span: src.span,
                    },
                );
                Ty::Unknown
            }
        };
        if matches!(elem, Ty::Part(_) | Ty::Case(_)) {
            context = RuleContext::ForVar;
        }
        bound += 1;
        item_sensitive = t.sensitive.item().is_sensitive();
        item_ty = elem.clone();
        // a `for` over items a sensitive value chose runs like a `when` would (control flow);
        // the items are sensitive only if they are sensitive values themselves
        (scope.bind(&var.name, elem, t.sensitive.item()), t.ir)
    });
    let when = r.when.as_ref().map(|w| env.bool_expr(scope, w).ir);
    let mut guards = Vec::new();
    if let (Some(w), Some(ir)) = (&r.when, &when) {
        guards.push(super::guards::guard(env, scope, w, ir));
    }
    // `then` runs where the guard is true, `else` where it is false; a `set` in either block
    // forgets what the guard proved of the field it sets
    let outer = scope.narrowed.clone();
    if let Some(w) = &r.when {
        scope.narrowed.extend(known_set(w, true));
    }
    let then = actions(env, scope, &r.then, context, assigned);
    scope.narrowed.clone_from(&outer);
    // each `else when` is reached where every guard above it is false
    if let Some(w) = &r.when {
        scope.narrowed.extend(known_set(w, false));
    }
    if r.when.is_none() {
        if let Some((cond, _)) = r.else_when.first() {
            env.err(
                scope.source,
                CheckError::ElseWithoutWhen { span: cond.span },
            );
        }
    }
    let mut else_when = Vec::new();
    for (cond, block) in &r.else_when {
        let c = env.bool_expr(scope, cond).ir;
        guards.push(super::guards::guard(env, scope, cond, &c));
        let before = scope.narrowed.clone();
        scope.narrowed.extend(known_set(cond, true));
        let a = actions(env, scope, block, context, assigned);
        scope.narrowed = before;
        scope.narrowed.extend(known_set(cond, false));
        else_when.push((c, a));
    }
    let otherwise = match &r.otherwise {
        Some(a) => actions(env, scope, a, context, assigned),
        None => Vec::new(),
    };
    scope.narrowed = outer;
    for _ in 0..bound {
        scope.unbind();
    }
    scope.rule.clear();
    let source = scope.source;
    let site_of = |at: Span| Site::at(&env.sources, source, at.start);
    let branches = match &r.when {
        None => Vec::new(),
        Some(w) => std::iter::once(w.span)
            .chain(r.else_when.iter().map(|(c, _)| c.span))
            .chain([r.else_at.unwrap_or(r.name.span)])
            .map(site_of)
            .collect(),
    };
    let site = RuleSite {
        at: site_of(r.name.span),
        branches,
        else_written: r.else_at.is_some(),
        guards,
        item_sensitive,
        item_ty,
        // written once the handler's name is known (`Program::prepare_trace`)
        head: String::new(),
    };
    RuleDef {
        name: r.name.name.clone(),
        for_each,
        // (known once the handler's lets are: see `handler`)
        over_let: false,
        when,
        then,
        else_when,
        otherwise,
        context,
        site,
    }
}

fn actions(
    env: &mut Env,
    scope: &mut Scope,
    list: &[Action],
    context: RuleContext,
    assigned: &mut HashSet<u16>,
) -> Vec<IAction> {
    list.iter()
        .filter_map(|a| action(env, scope, a, context, assigned))
        .collect()
}

/// Checks one action of a rule: one function per kind of action.
fn action(
    env: &mut Env,
    scope: &mut Scope,
    a: &Action,
    context: RuleContext,
    assigned: &mut HashSet<u16>,
) -> Option<IAction> {
    match a {
        Action::Emit(id) => emit(env, scope, id),
        Action::Show { name, value } => show(env, scope, name, value),
        Action::Reject { field, message } => reject(env, scope, field.as_ref(), message),
        Action::Set {
            target,
            value,
            span,
        } => set(env, scope, target, value, *span, assigned),
        Action::Add {
            collection,
            keys,
            bind,
            span,
        } => add(
            env,
            scope,
            collection,
            keys,
            bind.as_ref(),
            *span,
            context,
            assigned,
        ),
    }
}

/// `emit message_id`: the message must be in a messages table.
fn emit(env: &mut Env, scope: &mut Scope, id: &Ident) -> Option<IAction> {
    let src = scope.source;
    match env.message_index.get(&id.name).copied() {
        Some(m) => {
            env.emitted[m.index()] = true;
            Some(env.emit(scope, m, id))
        }
        None => {
            let names: Vec<String> = env.messages.iter().map(|m| m.id.clone()).collect();
            let e = unknown("message id", id, names.iter().map(String::as_str));
            env.err(src, e);
            None
        }
    }
}

/// `show name = value`: a value in the outcome, never a sensitive one.
fn show(env: &mut Env, scope: &mut Scope, name: &Ident, value: &Expr) -> Option<IAction> {
    let src = scope.source;
    // an outcome is a JSON object with these keys already
    if ["status", "messages"].contains(&name.name.as_str()) || env.case_ty(&name.name).is_some() {
        env.err(
            src,
            CheckError::ShowReservedKey {
                name: name.name.clone(),
                case: env
                    .case_def(scope.case_bound.unwrap_or(CaseTypeId::FIRST))
                    .name
                    .clone(),
                span: name.span,
            },
        );
    }
    let t = env.expr(scope, value, None);
    if t.sensitive.is_sensitive() {
        env.err(
            src,
            CheckError::SensitiveShown {
                name: name.name.clone(),
                computed: !matches!(value.kind, ExprKind::Path(_)),
                span: value.span,
            },
        );
    }
    // a record shows every field, sensitive ones too; cases and participants are no values
    if holds(&t.ty, &|t| {
        matches!(t, Ty::Part(_) | Ty::Case(_) | Ty::Record(_))
    }) {
        env.err(
            src,
            CheckError::NotShowable {
                ty: t.ty.clone(),
                span: value.span,
            },
        );
    }
    // without a case, the value goes into the answer about nobody (a stateless
    // decision): `{"filing": null, "status": null, …, "verdict": "ok"}`
    Some(IAction::Show(env.show_name(&name.name), t.ir))
}

/// `reject "text"` or `reject field "text"`: refuses the event.
fn reject(
    env: &mut Env,
    scope: &mut Scope,
    field: Option<&Ident>,
    message: &Template,
) -> Option<IAction> {
    let src = scope.source;
    if scope.event.is_none() {
        env.err(src, CheckError::RejectAtDeadline { span: message.span });
    }
    if let (Some(f), Some(ev)) = (field, scope.event) {
        let rec = env.events[ev.index()].record;
        let names: Vec<String> = env.records[rec.index()]
            .fields
            .iter()
            .map(|x| x.name.clone())
            .chain(["at".to_string()])
            .collect();
        if !names.contains(&f.name) {
            let e = unknown("event field", f, names.iter().map(String::as_str));
            env.err(src, e);
        }
    }
    let parts = env.template(scope, message);
    Some(IAction::Reject {
        field: field.as_ref().map(|f| f.name.clone()),
        message: parts,
    })
}

/// `set target = value`: a stored field or a status of the routed case or a participant.
fn set(
    env: &mut Env,
    scope: &mut Scope,
    target: &[Ident],
    value: &Expr,
    span: Span,
    assigned: &mut HashSet<u16>,
) -> Option<IAction> {
    let src = scope.source;
    let target_span = match (target.first(), target.last()) {
        (Some(a), Some(b)) => Span::new(a.span.start, b.span.end),
        _ => span,
    };
    let Some((place, ty, sensitive_field)) = place(env, scope, target, target_span) else {
        // Still check the value for mistakes of its own, unless it is a bare name or a
        // string: those are values of the target's type, which is unknown now.
        let bare = matches!(&value.kind, ExprKind::Path(p) if p.len() == 1)
            || matches!(value.kind, ExprKind::Str(_));
        if !bare {
            env.expr(scope, value, None);
        }
        return None;
    };
    let t = env.expect(scope, value, &ty);
    if let Some(last) = target.last() {
        scope.forget_field(&last.name);
        // a derived field may read the field just set: what was known of any is
        // known no more
        for def in &env.cases {
            for f in def.fields.iter().chain(&def.parts.fields) {
                if matches!(f.kind, FieldKind::Derived(_)) {
                    scope.forget_field(&f.name);
                }
            }
        }
    }
    if let Place::CaseField(IExpr::Local(0), f) = &place {
        assigned.insert(*f);
    }
    if t.sensitive.is_sensitive() {
        match &place {
            Place::CaseStatus(_) => env.err(src, sensitive_status(env, value)),
            _ if sensitive_field => {}
            _ => {
                let name = target.last().map_or("", |l| l.name.as_str());
                let e = sensitive_into_plain(name, value);
                env.err(src, e);
            }
        }
    }
    let ir = env.stored_as(src, value.span, t, &ty);
    Some(IAction::Set(place, ir))
}

/// `add people(key: value, …) as p { … }`: a participant of the routed case.
#[expect(
    clippy::too_many_arguments,
    reason = "the fields of `Action::Add`, and the rule's context"
)]
fn add(
    env: &mut Env,
    scope: &mut Scope,
    collection: &Ident,
    keys: &[(Ident, Expr)],
    bind: Option<&(Ident, Vec<Action>)>,
    span: Span,
    context: RuleContext,
    assigned: &mut HashSet<u16>,
) -> Option<IAction> {
    let src = scope.source;
    let Some(pty) = env.parts_ty(&collection.name) else {
        let names: Vec<String> = env.cases.iter().map(|c| c.parts.name.clone()).collect();
        let e = unknown("participants", collection, names.iter().map(String::as_str));
        env.err(src, e);
        return None;
    };
    let case_name = env.case_def(pty).name.clone();
    if scope.case_bound != Some(pty) {
        env.err(
            src,
            CheckError::AddWithoutRoute {
                case: case_name,
                span,
            },
        );
        return None;
    }
    let parts = env.case_def(pty).parts.clone();
    let mut irs = Vec::new();
    for (name, value) in keys {
        match parts.fields.iter().position(|f| f.name == name.name) {
            Some(i) if matches!(parts.fields[i].kind, FieldKind::Stored { .. }) => {
                let ty = parts.fields[i].ty.clone();
                let t = env.expect(scope, value, &ty);
                if t.sensitive.is_sensitive() && !parts.fields[i].sensitive {
                    let e = sensitive_into_plain(&name.name, value);
                    env.err(src, e);
                }
                irs.push((i as u16, env.stored_as(src, value.span, t, &ty)));
            }
            Some(_) => env.err(
                src,
                CheckError::NotAssignable {
                    name: name.name.clone(),
                    why: Unassignable::DerivedGiven,
                    span: name.span,
                },
            ),
            None => {
                let names: Vec<String> = parts.fields.iter().map(|f| f.name.clone()).collect();
                let e = unknown("field", name, names.iter().map(String::as_str));
                env.err(src, e);
            }
        }
    }
    for f in &parts.fields {
        if matches!(f.kind, FieldKind::Stored { default: None })
            && !keys.iter().any(|(n, _)| n.name == f.name)
        {
            env.errors.push((
                src,
                CheckError::AddMissingField {
                    parts: parts.name.clone(),
                    field: f.name.clone(),
                    span: collection.span,
                },
            ));
        }
    }
    let slot = scope.bind(
        bind.as_ref().map(|(n, _)| n.name.as_str()).unwrap_or(""),
        Ty::Part(pty),
        false,
    );
    let block = match bind {
        Some((_, block)) => actions(env, scope, block, context, assigned),
        None => Vec::new(),
    };
    scope.unbind();
    Some(IAction::Add {
        keys: irs,
        bind: slot,
        block,
    })
}

/// A stored field of a case (`of_part` false) or a participant, as the target of `set`.
fn settable_field(
    env: &mut Env,
    src: usize,
    span: Span,
    last: &Ident,
    (ty, of_part): (CaseTypeId, bool),
    owner: IExpr,
) -> Option<(Place, Ty, bool)> {
    let def = env.case_def(ty);
    let fields = def.fields_of(of_part);
    let Some(i) = fields.iter().position(|f| f.name == last.name) else {
        let mut names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
        if !of_part {
            names.push("status".into());
        }
        let e = unknown("field", last, names.iter().map(String::as_str));
        env.err(src, e);
        return None;
    };
    if matches!(fields[i].kind, FieldKind::Derived(_)) {
        let e = CheckError::NotAssignable {
            name: last.name.clone(),
            why: Unassignable::Derived,
            span,
        };
        env.err(src, e);
        return None;
    }
    let (ty, sensitive) = (fields[i].ty.clone(), fields[i].sensitive);
    let place = if of_part {
        Place::PartField(owner, i as u16)
    } else {
        Place::CaseField(owner, i as u16)
    };
    Some((place, ty, sensitive))
}

/// Resolves the target of `set`: the place, its type, and whether it is a sensitive field.
fn place(
    env: &mut Env,
    scope: &mut Scope,
    target: &[Ident],
    span: Span,
) -> Option<(Place, Ty, bool)> {
    let src = scope.source;
    let (last, owner_path) = target.split_last()?;
    let read_only = |env: &mut Env, name: &Ident, why: Unassignable| {
        let name = name.name.clone();
        env.err(src, CheckError::NotAssignable { name, why, span });
        None
    };
    if owner_path.is_empty() {
        return read_only(env, last, Unassignable::NotAField);
    }
    if owner_path[0].name == "event" {
        return read_only(env, &owner_path[0], Unassignable::Event);
    }
    if env.limits.contains_key(&owner_path[0].name) {
        return read_only(env, &owner_path[0], Unassignable::Limit);
    }
    let owner_expr = Expr {
        kind: ExprKind::Path(owner_path.to_vec()),
        span,
    };
    let owner = env.expr(scope, &owner_expr, None);
    match owner.ty {
        Ty::Case(ty) => {
            let def = env.case_def(ty);
            if last.name == "status" {
                return Some((
                    Place::CaseStatus(owner.ir),
                    Ty::Enum(def.status_enum),
                    false,
                ));
            }
            if last.name == def.key_name {
                let case = def.name.clone();
                return read_only(env, last, Unassignable::Key { case });
            }
            settable_field(env, src, span, last, (ty, false), owner.ir)
        }
        Ty::Part(ty) => settable_field(env, src, span, last, (ty, true), owner.ir),
        Ty::Unknown => None,
        other => read_only(env, last, Unassignable::NoFields { ty: other }),
    }
}

/// A sensitive value (or one computed from it) stored in a field not declared `sensitive`:
/// from there it could be shown.
pub(super) fn sensitive_into_plain(field: &str, value: &Expr) -> CheckError {
    CheckError::SensitiveIntoPlain {
        field: field.to_string(),
        computed: !matches!(value.kind, ExprKind::Path(_)),
        span: value.span,
    }
}

/// A status computed from a sensitive value: every outcome shows the status.
fn sensitive_status(env: &Env, value: &Expr) -> CheckError {
    CheckError::SensitiveStatus {
        computed: !matches!(value.kind, ExprKind::Path(_)),
        example: env
            .cases
            .first()
            .map_or("case", |c| c.name.as_str())
            .to_string(),
        span: value.span,
    }
}
