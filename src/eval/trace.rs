//! Tracing an evaluation: which deadlines fired, which rules ran (for which item, by which
//! branch, with the values of their guards' parts) and which table rows were looked up.
//!
//! The evaluator holds an `Option<&mut Trace>`; when it is `None` the only cost is a test of
//! it once per rule, once per deadline firing and once per table lookup. When it is `Some`,
//! a rule runs through [`Eval::run_rule_traced`], which decides the branch by evaluating its
//! guard part by part (the same `and`/`or`/`not` tree and short-circuits as the compiled
//! guard) and records each part's value, or `(sensitive)` for a part computed from a value
//! declared `sensitive`. `docket run --explain` prints a trace; `docket test --coverage`
//! sums traces.

use super::{Eval, R};
use crate::program::{Program, RuleDef};
use crate::sites::Guard;
use crate::value::{CaseId, Ty, Value};
use jiff::Timestamp;
use serde_json::{json, Value as Json};

/// What one event's evaluation did, step by step (see the module's documentation).
///
/// Made empty with [`Trace::default`], filled by [`crate::Engine::run_line_traced`]; read
/// through [`crate::Engine::trace_json`] and [`crate::Coverage`].
#[derive(Debug, Default, Clone)]
pub struct Trace {
    pub(crate) fired: Vec<Fired>,
    pub(crate) rules: Vec<RuleRun>,
    /// `(table, row)`, each once, in the order first looked up.
    pub(crate) rows: Vec<(u16, usize)>,
    /// The handler running now.
    handler: Option<HandlerRef>,
}

impl Trace {
    /// Forgets what was recorded, keeping the memory (one trace serves a stream).
    pub fn clear(&mut self) {
        self.fired.clear();
        self.rules.clear();
        self.rows.clear();
        self.handler = None;
    }

    pub(super) fn row(&mut self, table: u16, row: usize) {
        if !self.rows.contains(&(table, row)) {
            self.rows.push((table, row));
        }
    }
}

/// Which handler a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum HandlerRef {
    /// The handler of an event type (by event index).
    Event(u16),
    /// The handler of a deadline (by deadline index).
    Deadline(u16),
}

/// A deadline that fired before the event.
#[derive(Debug, Clone)]
pub(crate) struct Fired {
    pub deadline: u16,
    pub case: String,
    pub at: Timestamp,
}

/// One run of a rule (a rule with `for` runs once per item).
#[derive(Debug, Clone)]
pub(crate) struct RuleRun {
    pub handler: HandlerRef,
    pub rule: usize,
    /// The key of the case the rule runs on (its messages and changes are about it).
    pub case: Option<String>,
    /// The `for` item, described (`people 2 of filing F1`).
    pub item: Option<Json>,
    /// The branch taken, as an index into the rule's `site.branches`; `None` for a rule
    /// without `when`.
    pub branch: Option<usize>,
    /// Each part of each guard evaluated, with its value, in order.
    pub parts: Vec<(String, Json)>,
}

const SENSITIVE: &str = "(sensitive)";
const NOT_EVALUATED: &str = "(not evaluated)";
const RECORD: &str = "(record)";

impl Program {
    /// The handler `h`.
    pub(crate) fn handler(&self, h: HandlerRef) -> Option<&crate::program::HandlerDef> {
        match h {
            HandlerRef::Event(e) => self.event_handlers.get(usize::from(e))?.as_ref(),
            HandlerRef::Deadline(d) => self.deadline_handlers.get(usize::from(d))?.as_ref(),
        }
    }

    /// How a handler is written after `on`: `validation_attempt`, `deadline window_end`.
    pub(crate) fn handler_label(&self, h: HandlerRef) -> String {
        match h {
            HandlerRef::Event(e) => self
                .events
                .get(usize::from(e))
                .map_or_else(String::new, |d| d.name.clone()),
            HandlerRef::Deadline(d) => format!(
                "deadline {}",
                self.deadlines
                    .get(usize::from(d))
                    .map_or("", |d| d.name.as_str())
            ),
        }
    }

    /// `file:line` of a site.
    pub(crate) fn site_text(&self, site: crate::sites::Site) -> String {
        let file = self
            .sources
            .get(site.source)
            .map_or("", |s| s.name.as_str());
        format!("{file}:{}", site.line)
    }

    /// How a branch is named: `then`, `else when 1`, `else`, or `none` (no guard held and
    /// the rule has no `else`).
    pub(crate) fn branch_name(rule: &RuleDef, branch: usize) -> String {
        let last = rule.site.branches.len().saturating_sub(1);
        match branch {
            0 => "then".into(),
            b if b == last && rule.site.else_written => "else".into(),
            b if b == last => "none".into(),
            b => format!("else when {b}"),
        }
    }
}

impl Trace {
    /// The trace as JSON: `fired` (deadlines), `rules` (each run: rule, handler, place,
    /// case, item, branch, guard parts), `rows` (table rows looked up). Deterministic: the order
    /// of evaluation, nothing else.
    pub(crate) fn to_json(&self, prog: &Program) -> Json {
        let fired: Vec<Json> = self
            .fired
            .iter()
            .map(|f| {
                let def = prog.deadlines.get(usize::from(f.deadline));
                let case_name = def
                    .and_then(|d| prog.case_def(d.case_ty))
                    .map_or("", |c| c.name.as_str());
                json!({
                    "deadline": def.map_or("", |d| d.name.as_str()),
                    case_name: f.case,
                    "at": prog.instant_text(f.at),
                })
            })
            .collect();
        let rules: Vec<Json> = self
            .rules
            .iter()
            .filter_map(|run| {
                let rule = prog.handler(run.handler)?.rules.get(run.rule)?;
                let mut o = serde_json::Map::new();
                o.insert("rule".into(), json!(rule.name));
                o.insert("on".into(), json!(prog.handler_label(run.handler)));
                o.insert("at".into(), json!(prog.site_text(rule.site.at)));
                if let Some(case) = &run.case {
                    o.insert("case".into(), json!(case));
                }
                if let Some(item) = &run.item {
                    o.insert("item".into(), item.clone());
                }
                if let Some(b) = run.branch {
                    o.insert("branch".into(), json!(Program::branch_name(rule, b)));
                }
                if !run.parts.is_empty() {
                    let parts: Vec<Json> = run
                        .parts
                        .iter()
                        .map(|(text, value)| json!({ "expr": text, "value": value }))
                        .collect();
                    o.insert("guard".into(), Json::Array(parts));
                }
                Some(Json::Object(o))
            })
            .collect();
        let rows: Vec<Json> = self
            .rows
            .iter()
            .filter_map(|&(t, r)| {
                let table = prog.requirements.get(usize::from(t))?;
                let row = table.rows.get(r)?;
                let site = prog.sites.rows.get(usize::from(t))?.get(r)?;
                let keys: serde_json::Map<String, Json> = table
                    .keys
                    .iter()
                    .zip(&row.keys)
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                Some(json!({
                    "table": table.name,
                    "row": keys,
                    "at": prog.site_text(*site),
                }))
            })
            .collect();
        json!({ "fired": fired, "rules": rules, "rows": rows })
    }
}

impl Eval<'_, '_> {
    /// Sets the handler whose rules run next (only while tracing).
    pub(super) fn trace_handler(&mut self, h: HandlerRef) {
        if let Some(t) = self.trace.as_deref_mut() {
            t.handler = Some(h);
        }
    }

    /// Records a deadline firing (only while tracing).
    pub(super) fn trace_fired(&mut self, case: CaseId, slot: usize, at: Timestamp) {
        if self.trace.is_none() {
            return;
        }
        let prog = self.prog;
        let Ok(c) = self.tx.case(case) else { return };
        let key = c.key.to_string();
        let global = prog
            .case_def(c.ty)
            .and_then(|def| def.deadlines.get(slot).copied());
        if let (Some(t), Some(deadline)) = (self.trace.as_deref_mut(), global) {
            t.fired.push(Fired {
                deadline,
                case: key,
                at,
            });
            t.handler = Some(HandlerRef::Deadline(deadline));
        }
    }

    /// Runs a rule as `run_rule` does, recording its run: the branch is decided by its
    /// guards' trees, part by part.
    pub(super) fn run_rule_traced(
        &mut self,
        rule: &RuleDef,
        ctx: Option<CaseId>,
        locals: &mut Vec<Value>,
    ) -> R<()> {
        let prog = self.prog;
        let handler = self.trace.as_deref().and_then(|t| t.handler);
        let index = handler
            .and_then(|h| prog.handler(h))
            .and_then(|h| h.rules.iter().position(|r| std::ptr::eq(r, rule)));
        let item = rule.for_each.as_ref().map(|(slot, _)| {
            if rule.site.item_sensitive {
                json!(SENSITIVE)
            } else {
                let v = locals
                    .get(usize::from(*slot))
                    .cloned()
                    .unwrap_or(Value::Unset);
                self.shown(&v, &rule.site.item_ty)
            }
        });
        let case = ctx
            .and_then(|c| self.tx.case(c).ok())
            .map(|c| c.key.to_string());
        let mut parts = Vec::new();
        let branch = match &rule.when {
            None => None,
            Some(when) => {
                let mut taken = None;
                let conditions = std::iter::once(when).chain(rule.else_when.iter().map(|(c, _)| c));
                for (i, cond) in conditions.enumerate() {
                    let holds = match rule.site.guards.get(i) {
                        Some(g) => self.guard(g, locals, &mut parts)?,
                        None => self.truth(cond, locals)?,
                    };
                    if holds {
                        taken = Some(i);
                        break;
                    }
                }
                Some(taken.unwrap_or(rule.else_when.len() + 1))
            }
        };
        if let (Some(t), Some(h), Some(index)) = (self.trace.as_deref_mut(), handler, index) {
            t.rules.push(RuleRun {
                handler: h,
                rule: index,
                case,
                item,
                branch,
                parts,
            });
        }
        let actions = match branch {
            None | Some(0) => &rule.then,
            Some(b) => match rule.else_when.get(b - 1) {
                Some((_, a)) => a,
                None => &rule.otherwise,
            },
        };
        self.actions(actions, ctx, locals)
    }

    /// Evaluates a guard's tree, recording each node evaluated before its parts (and the
    /// parts a short-circuit skipped, as not evaluated).
    fn guard(
        &mut self,
        g: &Guard,
        locals: &mut Vec<Value>,
        out: &mut Vec<(String, Json)>,
    ) -> R<bool> {
        Ok(match g {
            Guard::And(label, a, b) | Guard::Or(label, a, b) => {
                let and = matches!(g, Guard::And(..));
                let at = out.len();
                out.push((label.text.clone(), Json::Null));
                let left = self.guard(a, locals, out)?;
                let holds = if left != and {
                    skipped(b, out);
                    left
                } else {
                    self.guard(b, locals, out)?
                };
                out[at].1 = masked(label.sensitive, holds);
                holds
            }
            Guard::Not(label, a) => {
                let at = out.len();
                out.push((label.text.clone(), Json::Null));
                let holds = !self.guard(a, locals, out)?;
                out[at].1 = masked(label.sensitive, holds);
                holds
            }
            Guard::Leaf(part, operands) => {
                let holds = self.truth(&part.expr, locals)?;
                out.push((part.text.clone(), masked(part.sensitive, holds)));
                for op in operands {
                    let value = if op.sensitive {
                        json!(SENSITIVE)
                    } else {
                        let v = self.expr(&op.expr, locals)?;
                        self.shown(&v, &op.ty)
                    };
                    out.push((op.text.clone(), value));
                }
                holds
            }
        })
    }

    /// A value as a trace shows it: as in the output, a participant described, a record as
    /// an object whose sensitive fields show as `(sensitive)` (a record of unknown type as
    /// `(record)`: nothing of it is shown).
    fn shown(&self, v: &Value, ty: &Ty) -> Json {
        match (v, ty) {
            (_, Ty::Opt(inner)) => self.shown(v, inner),
            (Value::Record(items), Ty::Record(r)) => {
                let Some(def) = self.prog.records.get(usize::from(*r)) else {
                    return json!(RECORD);
                };
                let fields = def.fields.iter().zip(items.iter()).map(|(f, x)| {
                    let value = if f.sensitive {
                        json!(SENSITIVE)
                    } else {
                        self.shown(x, &f.ty)
                    };
                    (f.name.clone(), value)
                });
                Json::Object(fields.collect())
            }
            (Value::Record(_), _) => json!(RECORD),
            (Value::List(items) | Value::Set(items), Ty::List(inner) | Ty::Set(inner)) => {
                Json::Array(items.iter().map(|x| self.shown(x, inner)).collect())
            }
            (Value::List(items) | Value::Set(items), _) => {
                Json::Array(items.iter().map(|x| self.shown(x, &Ty::Unknown)).collect())
            }
            (Value::Part(p), _) => {
                let Ok(c) = self.tx.case(p.case) else {
                    return Json::Null;
                };
                let def = self.prog.case_def(c.ty);
                json!(format!(
                    "{} {} of {} {}",
                    def.map_or("", |d| d.parts.name.as_str()),
                    p.idx + 1,
                    def.map_or("", |d| d.name.as_str()),
                    c.key
                ))
            }
            (other, _) => self.to_json(other),
        }
    }
}

fn masked(sensitive: bool, holds: bool) -> Json {
    if sensitive {
        json!(SENSITIVE)
    } else {
        json!(holds)
    }
}

/// The parts of a guard a short-circuit did not evaluate.
fn skipped(g: &Guard, out: &mut Vec<(String, Json)>) {
    match g {
        Guard::And(label, a, b) | Guard::Or(label, a, b) => {
            out.push((label.text.clone(), json!(NOT_EVALUATED)));
            skipped(a, out);
            skipped(b, out);
        }
        Guard::Not(label, a) => {
            out.push((label.text.clone(), json!(NOT_EVALUATED)));
            skipped(a, out);
        }
        Guard::Leaf(part, operands) => {
            out.push((part.text.clone(), json!(NOT_EVALUATED)));
            for op in operands {
                out.push((op.text.clone(), json!(NOT_EVALUATED)));
            }
        }
    }
}
