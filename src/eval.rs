//! The interpreter: applies one event to a world, atomically, on the virtual clock.
//!
//! Evaluation reads the world through a transaction ([`Tx`]) that copies a case before its
//! first write; nothing touches the world until the whole event succeeded.

use crate::event::Event;
use crate::outcome::{MessageOut, Outcome};
use crate::program::*;
use crate::value::{CaseId, PartRef, Value};
use crate::world::{CaseData, DeadlineState, World};
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, HashMap};

/// Why an event was refused. The world is unchanged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{message}", field.as_ref().map(|f| format!("field `{f}`: ")).unwrap_or_default())]
pub struct EvalError {
    /// The event field to blame, if any.
    pub field: Option<String>,
    /// What is wrong, for the user.
    pub message: String,
}

fn fail<T>(message: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError {
        field: None,
        message: message.into(),
    })
}

type R<T> = Result<T, EvalError>;

/// The result of evaluating one event: outcomes, and the changes to commit.
#[derive(Debug)]
pub struct Step {
    pub(crate) outcomes: Vec<Outcome>,
    pub(crate) changed: BTreeMap<CaseId, CaseData>,
    pub(crate) at: Timestamp,
}

/// Copy-on-write view of the world for one event.
struct Tx<'w> {
    world: &'w World,
    cases: BTreeMap<CaseId, CaseData>,
    new_keys: HashMap<String, CaseId>,
}

impl<'w> Tx<'w> {
    fn case(&self, id: CaseId) -> R<&CaseData> {
        match self.cases.get(&id) {
            Some(c) => Ok(c),
            None => match self.world.cases.get(id as usize) {
                Some(c) => Ok(c),
                None => fail("internal: a case vanished"),
            },
        }
    }

    fn case_mut(&mut self, id: CaseId) -> R<&mut CaseData> {
        if !self.cases.contains_key(&id) {
            let c = match self.world.cases.get(id as usize) {
                Some(c) => c.clone(),
                None => return fail("internal: a case vanished"),
            };
            self.cases.insert(id, c);
        }
        match self.cases.get_mut(&id) {
            Some(c) => Ok(c),
            None => fail("internal: a case vanished"),
        }
    }

    fn find(&self, key: &str) -> Option<CaseId> {
        self.new_keys
            .get(key)
            .or_else(|| self.world.by_key.get(key))
            .copied()
    }
}

/// What the rules of one event said about one case (or about nobody).
#[derive(Default, Debug)]
struct Acc {
    messages: Vec<u16>,
    shows: Vec<(String, Value)>,
}

struct Eval<'p, 'w> {
    prog: &'p Program,
    tx: Tx<'w>,
    event: Option<&'p Event>,
    now: Timestamp,
    /// Outcomes of the current phase, by case (`None`: about nobody).
    acc: BTreeMap<Option<CaseId>, Acc>,
}

/// Evaluates `event` against `world` without changing it.
pub(crate) fn evaluate(prog: &Program, world: &World, event: &Event) -> R<Step> {
    if let Some(clock) = world.clock {
        if event.at < clock {
            return Err(EvalError {
                field: Some("at".into()),
                message: format!(
                    "the clock went backwards: `{}` is before the previous event's `{}`",
                    event.at, clock
                ),
            });
        }
    }
    let mut ev = Eval {
        prog,
        tx: Tx {
            world,
            cases: BTreeMap::new(),
            new_keys: HashMap::new(),
        },
        event: None,
        now: event.at,
        acc: BTreeMap::new(),
    };
    // 1. Deadlines due at or before the event fire first, in (instant, case key) order.
    let due: Vec<(Timestamp, String, u16)> = world
        .queue
        .range(..=(event.at, max_key(), u16::MAX))
        .cloned()
        .collect();
    let mut outcomes = Vec::new();
    for (t, key, d) in due {
        let Some(case) = ev.tx.find(&key) else {
            continue;
        };
        let st = ev
            .tx
            .case(case)?
            .deadlines
            .get(d as usize)
            .copied()
            .unwrap_or_default();
        if st.pending() != Some(t) {
            continue;
        }
        ev.tx.case_mut(case)?.deadlines[d as usize].fired = Some(t);
        ev.now = t;
        if let Some(h) = &prog.deadline_handlers[d as usize] {
            ev.run_handler(h, Some(case))?;
        }
        let acc = std::mem::take(&mut ev.acc);
        for (c, a) in acc {
            outcomes.push((c, a));
        }
    }
    // 2. The event's own handler.
    ev.now = event.at;
    ev.event = Some(event);
    if let Some(h) = &prog.event_handlers[event.ty as usize] {
        let case = match &h.route {
            Some(r) => Some(ev.route(r)?),
            None => None,
        };
        ev.run_handler(h, case)?;
    }
    let own = std::mem::take(&mut ev.acc);
    let mut own: Vec<(Option<CaseId>, Acc)> = own.into_iter().collect();
    // in order of case key; answers about nobody last
    let mut keyed = Vec::new();
    for (c, a) in own.drain(..) {
        let key = match c {
            Some(id) => Some(ev.tx.case(id)?.key.clone()),
            None => None,
        };
        keyed.push((key, c, a));
    }
    keyed.sort_by(|a, b| match (&a.0, &b.0) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    outcomes.extend(keyed.into_iter().map(|(_, c, a)| (c, a)));
    // 3. Deadlines and completeness of every changed case.
    let changed: Vec<CaseId> = ev.tx.cases.keys().copied().collect();
    for id in changed {
        ev.refresh(id)?;
    }
    let outcomes = outcomes
        .into_iter()
        .map(|(c, a)| ev.outcome(c, a))
        .collect::<R<Vec<_>>>()?;
    Ok(Step {
        outcomes,
        changed: ev.tx.cases,
        at: event.at,
    })
}

/// A key that sorts after every case key (for the queue's upper bound).
fn max_key() -> String {
    String::from(char::MAX)
}

impl<'p, 'w> Eval<'p, 'w> {
    fn route(&mut self, r: &RouteDef) -> R<CaseId> {
        let key = match self.expr(&r.key, &mut Vec::new())? {
            Value::Text(s) => s,
            _ => return fail("internal: a case key is not text"),
        };
        let blame = |message: String| EvalError {
            field: r.key_field.clone(),
            message,
        };
        let existing = self.tx.find(&key);
        let case_name = &self.prog.case.name;
        if r.create {
            if existing.is_some() {
                return Err(blame(format!("{case_name} `{key}` exists already")));
            }
            let id = (self.tx.world.cases.len() + self.tx.new_keys.len()) as CaseId;
            let fields = self
                .prog
                .case
                .fields
                .iter()
                .map(|f| match &f.kind {
                    FieldKind::Stored { default: Some(v) } => v.clone(),
                    _ => Value::Unset,
                })
                .collect();
            self.tx.cases.insert(
                id,
                CaseData {
                    key: key.clone(),
                    status: 0,
                    fields,
                    parts: Vec::new(),
                    deadlines: vec![DeadlineState::default(); self.prog.deadlines.len()],
                },
            );
            self.tx.new_keys.insert(key, id);
            self.touch(Some(id));
            Ok(id)
        } else {
            existing.ok_or_else(|| blame(format!("no {case_name} `{key}`")))
        }
    }

    fn touch(&mut self, case: Option<CaseId>) -> &mut Acc {
        self.acc.entry(case).or_default()
    }

    fn run_handler(&mut self, h: &HandlerDef, case: Option<CaseId>) -> R<()> {
        let mut locals = vec![Value::Unset; h.locals.max(1)];
        locals[0] = case.map(Value::Case).unwrap_or(Value::Unset);
        for (slot, e) in &h.lets {
            let v = self.expr(e, &mut locals)?;
            locals[*slot as usize] = v;
        }
        for rule in &h.rules {
            match &rule.for_each {
                None => {
                    let ctx = self.context(rule.context, case, None)?;
                    self.run_rule(rule, ctx, &mut locals)?;
                }
                Some((slot, src)) => {
                    let items = match self.expr(src, &mut locals)? {
                        Value::List(v) | Value::Set(v) => v,
                        _ => return fail(format!("rule `{}`: `for` needs a list", rule.name)),
                    };
                    for item in items {
                        let ctx = self.context(rule.context, case, Some(&item))?;
                        locals[*slot as usize] = item;
                        self.run_rule(rule, ctx, &mut locals)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn context(
        &self,
        c: RuleContext,
        case: Option<CaseId>,
        item: Option<&Value>,
    ) -> R<Option<CaseId>> {
        Ok(match (c, item) {
            (RuleContext::ForVar, Some(Value::Part(p))) => Some(p.case),
            (RuleContext::ForVar, Some(Value::Case(id))) => Some(*id),
            (RuleContext::Nobody, _) => None,
            _ => case,
        })
    }

    fn run_rule(&mut self, rule: &RuleDef, ctx: Option<CaseId>, locals: &mut Vec<Value>) -> R<()> {
        let fire = match &rule.when {
            None => true,
            Some(w) => self.truth(w, locals)?,
        };
        let actions = if fire { &rule.then } else { &rule.otherwise };
        self.actions(actions, ctx, locals)
    }

    fn actions(
        &mut self,
        actions: &[IAction],
        ctx: Option<CaseId>,
        locals: &mut Vec<Value>,
    ) -> R<()> {
        for a in actions {
            match a {
                IAction::Emit(m) => self.touch(ctx).messages.push(*m),
                IAction::Show(name, e) => {
                    let v = self.expr(e, locals)?;
                    let acc = self.touch(ctx);
                    acc.shows.retain(|(n, _)| n != name);
                    acc.shows.push((name.clone(), v));
                }
                IAction::Reject { field, message } => {
                    let text = self.template(message, locals)?;
                    return Err(EvalError {
                        field: field.clone(),
                        message: text,
                    });
                }
                IAction::Set(place, e) => {
                    let v = self.expr(e, locals)?;
                    self.set(place, v, locals)?;
                    self.touch(ctx);
                }
                IAction::Add { keys, bind, block } => {
                    let Some(case) = ctx.or(match locals.first() {
                        Some(Value::Case(c)) => Some(*c),
                        _ => None,
                    }) else {
                        return fail("internal: `add` without a case");
                    };
                    let mut vals = Vec::new();
                    for (f, e) in keys {
                        vals.push((*f, self.expr(e, locals)?));
                    }
                    let data = self.tx.case(case)?;
                    let found = data
                        .parts
                        .iter()
                        .position(|p| vals.iter().all(|(f, v)| p.get(*f as usize) == Some(v)));
                    let idx = match found {
                        Some(i) => i,
                        None => {
                            let mut fields: Vec<Value> = self
                                .prog
                                .parts
                                .fields
                                .iter()
                                .map(|f| match &f.kind {
                                    FieldKind::Stored { default: Some(v) } => v.clone(),
                                    _ => Value::Unset,
                                })
                                .collect();
                            for (f, v) in &vals {
                                fields[*f as usize] = v.clone();
                            }
                            let c = self.tx.case_mut(case)?;
                            c.parts.push(fields);
                            c.parts.len() - 1
                        }
                    };
                    self.touch(Some(case));
                    locals[*bind as usize] = Value::Part(PartRef {
                        case,
                        idx: idx as u32,
                    });
                    self.actions(block, ctx, locals)?;
                }
            }
        }
        Ok(())
    }

    fn set(&mut self, place: &Place, v: Value, locals: &mut Vec<Value>) -> R<()> {
        match place {
            Place::CaseStatus(owner) => {
                let Value::Enum(_, s) = v else {
                    return fail("internal: a status is not a status");
                };
                let id = self.case_of(owner, locals)?;
                self.tx.case_mut(id)?.status = s;
                self.touch(Some(id));
            }
            Place::CaseField(owner, f) => {
                let id = self.case_of(owner, locals)?;
                self.tx.case_mut(id)?.fields[*f as usize] = v;
                self.touch(Some(id));
            }
            Place::PartField(owner, f) => {
                let p = match self.expr(owner, locals)? {
                    Value::Part(p) => p,
                    _ => return fail("internal: not a participant"),
                };
                let c = self.tx.case_mut(p.case)?;
                match c.parts.get_mut(p.idx as usize) {
                    Some(part) => part[*f as usize] = v,
                    None => return fail("internal: a participant vanished"),
                }
                self.touch(Some(p.case));
            }
        }
        Ok(())
    }

    fn case_of(&mut self, e: &IExpr, locals: &mut Vec<Value>) -> R<CaseId> {
        match self.expr(e, locals)? {
            Value::Case(c) => Ok(c),
            _ => fail("internal: not a case"),
        }
    }

    /// Recomputes a changed case's deadlines, and checks a new case is complete.
    fn refresh(&mut self, id: CaseId) -> R<()> {
        let is_new = id as usize >= self.tx.world.cases.len();
        if is_new {
            let c = self.tx.case(id)?;
            for (i, f) in self.prog.case.fields.iter().enumerate() {
                if matches!(f.kind, FieldKind::Stored { .. })
                    && !matches!(f.ty, crate::value::Ty::Opt(_))
                    && c.fields[i] == Value::Unset
                {
                    return fail(format!(
                        "the rules left field `{}` of the new {} `{}` unset",
                        f.name, self.prog.case.name, c.key
                    ));
                }
            }
        }
        for (d, def) in self.prog.deadlines.iter().enumerate() {
            let mut locals = vec![Value::Unset; def.unit.locals.max(1)];
            locals[0] = Value::Case(id);
            let at = match self.expr(&def.unit.expr, &mut locals)? {
                Value::Instant(t) => Some(t),
                _ => None,
            };
            self.tx.case_mut(id)?.deadlines[d].at = at;
        }
        Ok(())
    }

    fn outcome(&self, case: Option<CaseId>, acc: Acc) -> R<Outcome> {
        let messages = acc
            .messages
            .iter()
            .map(|m| {
                let msg = &self.prog.messages[*m as usize];
                MessageOut {
                    id: msg.id.clone(),
                    text: msg.text.clone(),
                    result: msg.result.clone(),
                    next_step: msg.next_step.clone(),
                }
            })
            .collect();
        let (key, status) = match case {
            Some(id) => {
                let c = self.tx.case(id)?;
                let status = self.prog.enums[self.prog.case.status_enum as usize]
                    .values
                    .get(c.status as usize)
                    .cloned();
                (Some(c.key.clone()), status)
            }
            None => (None, None),
        };
        let shows = acc
            .shows
            .into_iter()
            .map(|(n, v)| (n, self.to_json(&v)))
            .collect();
        Ok(Outcome {
            case_name: self.prog.case.name.clone(),
            case: key,
            status,
            messages,
            shows,
        })
    }

    /// A value as JSON, for `show`.
    fn to_json(&self, v: &Value) -> serde_json::Value {
        use serde_json::Value as J;
        match v {
            Value::Unset => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Count(n) => J::from(*n),
            Value::Duration(d) => J::String(crate::duration::format_duration(*d)),
            Value::Instant(t) => J::String(t.to_string()),
            Value::Text(s) => J::String(s.clone()),
            Value::Enum(..) => J::String(self.display(v)),
            Value::List(items) | Value::Set(items) | Value::Record(items) => {
                J::Array(items.iter().map(|x| self.to_json(x)).collect())
            }
            Value::Case(_) | Value::Part(_) => J::String(self.display(v)),
        }
    }

    /// A value as text, for templates.
    fn display(&self, v: &Value) -> String {
        match v {
            Value::Unset => "unset".into(),
            Value::Bool(b) => b.to_string(),
            Value::Count(n) => n.to_string(),
            Value::Duration(d) => crate::duration::format_duration(*d),
            Value::Instant(t) => t.to_string(),
            Value::Text(s) => s.clone(),
            Value::Enum(e, i) => self
                .prog
                .enums
                .get(*e as usize)
                .and_then(|en| en.values.get(*i as usize))
                .cloned()
                .unwrap_or_default(),
            Value::List(items) | Value::Set(items) | Value::Record(items) => items
                .iter()
                .map(|x| self.display(x))
                .collect::<Vec<_>>()
                .join(", "),
            Value::Case(id) => self.tx.case(*id).map(|c| c.key.clone()).unwrap_or_default(),
            Value::Part(_) => "a participant".into(),
        }
    }

    fn template(&mut self, parts: &[TPart], locals: &mut Vec<Value>) -> R<String> {
        let mut out = String::new();
        for p in parts {
            match p {
                TPart::Text(s) => out.push_str(s),
                TPart::Expr(e) => {
                    let v = self.expr(e, locals)?;
                    out.push_str(&self.display(&v));
                }
            }
        }
        Ok(out)
    }

    fn truth(&mut self, e: &IExpr, locals: &mut Vec<Value>) -> R<bool> {
        match self.expr(e, locals)? {
            Value::Bool(b) => Ok(b),
            Value::Unset => fail("a condition read an unset value"),
            _ => fail("internal: a condition is not a bool"),
        }
    }

    fn part<'a>(&'a self, v: &Value) -> R<(PartRef, &'a Vec<Value>)> {
        let Value::Part(p) = v else {
            return fail("read a field of an unset participant");
        };
        let c = self.tx.case(p.case)?;
        match c.parts.get(p.idx as usize) {
            Some(fields) => Ok((*p, fields)),
            None => fail("internal: a participant vanished"),
        }
    }

    fn case_data(&self, v: &Value) -> R<(CaseId, &CaseData)> {
        let Value::Case(id) = v else {
            return fail("read a field of an unset case");
        };
        Ok((*id, self.tx.case(*id)?))
    }

    fn derived(&mut self, unit: &Unit, owner: Value) -> R<Value> {
        let mut locals = vec![Value::Unset; unit.locals.max(1)];
        locals[0] = owner;
        self.expr(&unit.expr, &mut locals)
    }

    fn expr(&mut self, e: &IExpr, locals: &mut Vec<Value>) -> R<Value> {
        Ok(match e {
            IExpr::Lit(v) => v.clone(),
            IExpr::EventField(i) => match self.event.and_then(|ev| ev.fields.get(*i as usize)) {
                Some(v) => v.clone(),
                None => return fail("internal: no event here"),
            },
            IExpr::EventAt => match self.event {
                Some(ev) => Value::Instant(ev.at),
                None => return fail("internal: no event here"),
            },
            IExpr::Now => Value::Instant(self.now),
            IExpr::Local(i) => locals.get(*i as usize).cloned().unwrap_or(Value::Unset),
            IExpr::CaseKey(c) => {
                let v = self.expr(c, locals)?;
                Value::Text(self.case_data(&v)?.1.key.clone())
            }
            IExpr::CaseStatus(c) => {
                let v = self.expr(c, locals)?;
                Value::Enum(self.prog.case.status_enum, self.case_data(&v)?.1.status)
            }
            IExpr::CaseField(c, f) => {
                let v = self.expr(c, locals)?;
                self.case_data(&v)?.1.fields[*f as usize].clone()
            }
            IExpr::CaseDerived(c, f) => {
                let v = self.expr(c, locals)?;
                match &self.prog.case.fields[*f as usize].kind {
                    FieldKind::Derived(unit) => self.derived(unit, v)?,
                    FieldKind::Stored { .. } => return fail("internal: not derived"),
                }
            }
            IExpr::CaseParts(c) => {
                let v = self.expr(c, locals)?;
                let (id, data) = self.case_data(&v)?;
                Value::List(
                    (0..data.parts.len())
                        .map(|i| {
                            Value::Part(PartRef {
                                case: id,
                                idx: i as u32,
                            })
                        })
                        .collect(),
                )
            }
            IExpr::PartField(p, f) => {
                let v = self.expr(p, locals)?;
                self.part(&v)?.1[*f as usize].clone()
            }
            IExpr::PartDerived(p, f) => {
                let v = self.expr(p, locals)?;
                match &self.prog.parts.fields[*f as usize].kind {
                    FieldKind::Derived(unit) => self.derived(unit, v)?,
                    FieldKind::Stored { .. } => return fail("internal: not derived"),
                }
            }
            IExpr::PartCase(p) => {
                let v = self.expr(p, locals)?;
                Value::Case(self.part(&v)?.0.case)
            }
            IExpr::RecField(r, f) => match self.expr(r, locals)? {
                Value::Record(fields) => fields.get(*f as usize).cloned().unwrap_or(Value::Unset),
                _ => return fail("read a field of an unset record"),
            },
            IExpr::Lookup { table, keys, blame } => {
                let mut names = Vec::new();
                for k in keys {
                    let v = self.expr(k, locals)?;
                    names.push(self.display(&v));
                }
                let t = &self.prog.requirements[*table as usize];
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                match t.lookup(&refs) {
                    Some(row) => {
                        let of = self
                            .prog
                            .enums
                            .iter()
                            .position(|e| e.name == t.of)
                            .unwrap_or(0) as u16;
                        Value::set_of(
                            row.required
                                .iter()
                                .map(|i| Value::Enum(of, *i as u16))
                                .collect(),
                        )
                    }
                    None => {
                        let cells = t
                            .keys
                            .iter()
                            .zip(&names)
                            .map(|(k, v)| format!("{k} `{v}`"))
                            .collect::<Vec<_>>()
                            .join(" and ");
                        return Err(EvalError {
                            field: blame.clone(),
                            message: format!("table `{}` has no row for {cells}", t.name),
                        });
                    }
                }
            }
            IExpr::IndexLookup {
                field,
                key,
                var,
                cond,
            } => {
                let k = self.expr(key, locals)?;
                let slot = self
                    .prog
                    .parts
                    .indexed
                    .iter()
                    .position(|f| f == field)
                    .unwrap_or(0);
                let mut found: Vec<PartRef> = if self.tx.world.has_indexes(self.prog) {
                    self.tx.world.indexed(slot, &k).collect()
                } else {
                    Vec::new()
                };
                // cases changed in this event may hold new or changed participants
                for (id, c) in &self.tx.cases {
                    for (i, _) in c.parts.iter().enumerate() {
                        found.push(PartRef {
                            case: *id,
                            idx: i as u32,
                        });
                    }
                }
                found.sort();
                found.dedup();
                let mut hits: Vec<(String, PartRef)> = Vec::new();
                for p in found {
                    let c = self.tx.case(p.case)?;
                    let Some(fields) = c.parts.get(p.idx as usize) else {
                        continue;
                    };
                    if fields[*field as usize] != k {
                        continue;
                    }
                    let key = c.key.clone();
                    locals[*var as usize] = Value::Part(p);
                    if self.truth(cond, locals)? {
                        hits.push((key, p));
                    }
                }
                hits.sort();
                Value::List(hits.into_iter().map(|(_, p)| Value::Part(p)).collect())
            }
            IExpr::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.expr(i, locals)?);
                }
                Value::List(out)
            }
            IExpr::Filter { var, source, cond } => {
                let src = self.expr(source, locals)?;
                let is_set = matches!(src, Value::Set(_));
                let items = src.elements().map(<[Value]>::to_vec).unwrap_or_default();
                let mut out = Vec::new();
                for item in items {
                    locals[*var as usize] = item.clone();
                    if self.truth(cond, locals)? {
                        out.push(item);
                    }
                }
                if is_set {
                    Value::Set(out)
                } else {
                    Value::List(out)
                }
            }
            IExpr::Quant {
                all,
                var,
                source,
                cond,
            } => {
                let items = self
                    .expr(source, locals)?
                    .elements()
                    .map(<[Value]>::to_vec)
                    .unwrap_or_default();
                let mut result = *all;
                for item in items {
                    locals[*var as usize] = item;
                    let t = self.truth(cond, locals)?;
                    if t != *all {
                        result = !*all;
                        break;
                    }
                }
                Value::Bool(result)
            }
            IExpr::Count(x) => match self.expr(x, locals)? {
                Value::List(v) | Value::Set(v) => Value::Count(v.len() as i64),
                _ => return fail("counted something that is not a list"),
            },
            IExpr::Not(x) => Value::Bool(!self.truth(x, locals)?),
            IExpr::Neg(x) => match self.expr(x, locals)? {
                Value::Duration(d) => Value::Duration(d.checked_neg().ok_or_else(overflow)?),
                Value::Unset => Value::Unset,
                _ => return fail("internal: bad negation"),
            },
            IExpr::And(a, b) => Value::Bool(self.truth(a, locals)? && self.truth(b, locals)?),
            IExpr::Or(a, b) => Value::Bool(self.truth(a, locals)? || self.truth(b, locals)?),
            IExpr::Cmp(op, a, b) => {
                let (x, y) = (self.expr(a, locals)?, self.expr(b, locals)?);
                Value::Bool(match op {
                    Cmp::Eq => x == y,
                    Cmp::Ne => x != y,
                    _ => {
                        if x == Value::Unset || y == Value::Unset {
                            return fail("compared an unset value");
                        }
                        match op {
                            Cmp::Lt => x < y,
                            Cmp::Le => x <= y,
                            Cmp::Gt => x > y,
                            _ => x >= y,
                        }
                    }
                })
            }
            IExpr::Arith(op, a, b) => {
                let (x, y) = (self.expr(a, locals)?, self.expr(b, locals)?);
                arith(*op, x, y)?
            }
            IExpr::SetOp(op, a, b) => {
                let (x, y) = (self.expr(a, locals)?, self.expr(b, locals)?);
                let xs = x.elements().map(<[Value]>::to_vec).unwrap_or_default();
                let ys = y.elements().map(<[Value]>::to_vec).unwrap_or_default();
                match op {
                    Arith::Add => Value::set_of(xs.into_iter().chain(ys).collect()),
                    _ => Value::set_of(xs.into_iter().filter(|v| !ys.contains(v)).collect()),
                }
            }
            IExpr::In(a, b) => {
                let x = self.expr(a, locals)?;
                let y = self.expr(b, locals)?;
                Value::Bool(y.elements().is_some_and(|items| items.contains(&x)))
            }
            IExpr::Matches(a, p) => match self.expr(a, locals)? {
                Value::Text(s) => Value::Bool(self.prog.patterns[*p as usize].is_match(&s)),
                Value::Unset => return fail("matched an unset value against a pattern"),
                _ => return fail("internal: matched a non-text value"),
            },
            IExpr::Coalesce(a, b) => match self.expr(a, locals)? {
                Value::Unset => self.expr(b, locals)?,
                v => v,
            },
            IExpr::IsSet(x) => Value::Bool(self.expr(x, locals)? != Value::Unset),
            IExpr::HasTag(x, tag) => match self.expr(x, locals)? {
                Value::Enum(_, s) => Value::Bool(
                    self.prog.case.tags[*tag as usize]
                        .1
                        .get(s as usize)
                        .copied()
                        .unwrap_or(false),
                ),
                _ => return fail("internal: a tag test on a non-status"),
            },
            IExpr::Template(parts) => Value::Text(self.template(parts, locals)?),
        })
    }
}

fn overflow() -> EvalError {
    EvalError {
        field: None,
        message: "a number or time went out of range".into(),
    }
}

fn arith(op: Arith, x: Value, y: Value) -> R<Value> {
    use Value::*;
    if x == Unset || y == Unset {
        return Ok(Unset);
    }
    let of = overflow;
    Ok(match (op, x, y) {
        (Arith::Add, Count(a), Count(b)) => Count(a.checked_add(b).ok_or_else(of)?),
        (Arith::Sub, Count(a), Count(b)) => {
            let n = a.checked_sub(b).ok_or_else(of)?;
            if n < 0 {
                return fail(format!("a count would go below zero ({a} - {b})"));
            }
            Count(n)
        }
        (Arith::Mul, Count(a), Count(b)) => Count(a.checked_mul(b).ok_or_else(of)?),
        (Arith::Add, Duration(a), Duration(b)) => Duration(a.checked_add(b).ok_or_else(of)?),
        (Arith::Sub, Duration(a), Duration(b)) => Duration(a.checked_sub(b).ok_or_else(of)?),
        (Arith::Add, Instant(t), Duration(d)) | (Arith::Add, Duration(d), Instant(t)) => {
            Instant(t.checked_add(d).map_err(|_| of())?)
        }
        (Arith::Sub, Instant(t), Duration(d)) => Instant(t.checked_sub(d).map_err(|_| of())?),
        (Arith::Sub, Instant(a), Instant(b)) => Duration(a.duration_since(b)),
        (Arith::Mul, Duration(d), Count(n)) | (Arith::Mul, Count(n), Duration(d)) => {
            let n = i32::try_from(n).map_err(|_| of())?;
            Duration(d.checked_mul(n).ok_or_else(of)?)
        }
        _ => return fail("internal: bad arithmetic"),
    })
}

#[allow(dead_code)]
fn _unused(_: SignedDuration) {}
