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
//!
//! What a trace shows is written as JSON while the rules run, from fragments each rule and
//! part carries ready-made (`src/eval/trace_out.rs`): explaining must stay cheap next to
//! evaluating.

use super::{Eval, R};
use crate::outcome::push_json_str;
use crate::program::{DeadlineId, EventId, RuleDef, TableId};
use crate::sites::Guard;
use crate::value::{CaseId, Value};
use jiff::Timestamp;

/// What one event's evaluation did, step by step (see the module's documentation).
///
/// Made empty with [`Trace::default`], filled by [`crate::Engine::run_line_traced`]; read
/// through [`crate::Engine::trace_json`] and [`crate::Coverage`].
#[derive(Debug, Default, Clone)]
pub struct Trace {
    /// The deadlines fired, by deadline index, in order.
    pub(crate) fired: Vec<DeadlineId>,
    /// Every rule run, in order.
    pub(crate) rules: Vec<RuleHit>,
    /// `(table, row)`, each once, in the order first looked up.
    pub(crate) rows: Vec<(TableId, usize)>,
    /// The JSON objects of `fired`, comma-separated.
    pub(super) fired_json: String,
    /// The JSON objects of `rules`, comma-separated.
    pub(super) rules_json: String,
    /// A rule's guard parts while they are evaluated.
    scratch: String,
    /// The handler running now.
    handler: Option<HandlerRef>,
    /// Only what coverage counts (rules and branches, rows, deadlines fired) is recorded:
    /// no JSON, no guard parts, and conditions decided by their compiled code.
    pub(crate) counts_only: bool,
    /// No text is read from the step's output (`docket verify`): messages and refusals are
    /// not rendered. Every placeholder is still evaluated, so a step fails, and is traced,
    /// as it would be; an emitted message is the policy's own, unrendered. A template that
    /// makes a value (`set x = "…{y}"`) is rendered as always.
    pub(crate) no_texts: bool,
    /// Set by `Engine::probe_traced`: whether the step read the time (`now`, the event's
    /// `at`).
    pub(crate) read_time: bool,
}

impl Trace {
    /// An empty trace with room for a typical event's rules (a few kilobytes of JSON), so
    /// that writing them does not grow the buffer step by step.
    pub(crate) fn with_room() -> Trace {
        Trace {
            rules_json: String::with_capacity(4096),
            scratch: String::with_capacity(512),
            ..Trace::default()
        }
    }

    /// A trace of what coverage counts only (`docket verify`: the branches, not why).
    pub(crate) fn counting() -> Trace {
        Trace {
            counts_only: true,
            ..Trace::default()
        }
    }

    /// Forgets what was recorded, keeping the memory (one trace serves a stream).
    pub fn clear(&mut self) {
        self.fired.clear();
        self.rules.clear();
        self.rows.clear();
        self.fired_json.clear();
        self.rules_json.clear();
        self.handler = None;
        self.read_time = false;
    }

    pub(super) fn row(&mut self, table: TableId, row: usize) {
        if !self.rows.contains(&(table, row)) {
            self.rows.push((table, row));
        }
    }
}

/// Which handler a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum HandlerRef {
    /// The handler of an event type (by event index).
    Event(EventId),
    /// The handler of a deadline (by deadline index).
    Deadline(DeadlineId),
}

/// One run of a rule (a rule with `for` runs once per item).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleHit {
    pub handler: HandlerRef,
    pub rule: usize,
    /// The branch taken, as an index into the rule's `site.branches`; `None` for a rule
    /// without `when`.
    pub branch: Option<usize>,
}

pub(super) const SENSITIVE: &str = "\"(sensitive)\"";
const NOT_EVALUATED: &str = "\"(not evaluated)\"";

/// Appends `,` unless `out` is empty: items of a JSON array written one by one.
pub(super) fn comma(out: &mut String) {
    if !out.is_empty() {
        out.push(',');
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
        let Some(def) = prog.case_def(c.ty) else {
            return;
        };
        let Some(global) = def.deadlines.get(slot).copied() else {
            return;
        };
        let Some(deadline) = prog.deadline(global) else {
            return;
        };
        let key = c.key.clone();
        if let Some(t) = self.trace.as_deref_mut().filter(|t| t.counts_only) {
            t.fired.push(global);
            t.handler = Some(HandlerRef::Deadline(global));
            return;
        }
        if let Some(t) = self.trace.as_deref_mut() {
            let out = &mut t.fired_json;
            comma(out);
            out.push_str("{\"deadline\":");
            push_json_str(out, &deadline.name);
            out.push(',');
            push_json_str(out, &def.name);
            out.push(':');
            push_json_str(out, &key);
            out.push_str(",\"at\":");
            push_json_str(out, &prog.instant_text(at));
            out.push('}');
            t.fired.push(global);
            t.handler = Some(HandlerRef::Deadline(global));
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
        let mut parts = match self.trace.as_deref_mut() {
            Some(t) => std::mem::take(&mut t.scratch),
            None => String::new(),
        };
        parts.clear();
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
        self.record_rule(rule, ctx, locals, branch, &parts);
        if let Some(t) = self.trace.as_deref_mut() {
            t.scratch = parts;
        }
        let actions = match branch {
            None | Some(0) => &rule.then,
            Some(b) => match rule.else_when.get(b - 1) {
                Some((_, a)) => a,
                None => &rule.otherwise,
            },
        };
        self.actions(actions, None, ctx, locals)
    }

    /// Counts one run of rule `index` of the running handler, and its branch (when a trace
    /// is kept).
    pub(super) fn count_rule(&mut self, index: usize, branch: Option<usize>) {
        if let Some(t) = self.trace.as_deref_mut() {
            if let Some(handler) = t.handler {
                t.rules.push(RuleHit {
                    handler,
                    rule: index,
                    branch,
                });
            }
        }
    }

    /// Writes one run of `rule` into the trace: where it is, its case, its item, its
    /// branch and its guard's `parts` (already written).
    fn record_rule(
        &mut self,
        rule: &RuleDef,
        ctx: Option<CaseId>,
        locals: &[Value],
        branch: Option<usize>,
        parts: &str,
    ) {
        let prog = self.prog;
        let Some(handler) = self.trace.as_deref().and_then(|t| t.handler) else {
            return;
        };
        let index = prog
            .handler(handler)
            .and_then(|h| h.rules.iter().position(|r| std::ptr::eq(r, rule)));
        let Some(index) = index else { return };
        let mut out = self
            .trace
            .as_deref_mut()
            .map(|t| std::mem::take(&mut t.rules_json))
            .unwrap_or_default();
        comma(&mut out);
        out.push('{');
        out.push_str(&rule.site.head);
        if let Some(key) = ctx.and_then(|c| self.tx.case(c).ok()).map(|c| &c.key) {
            out.push_str(",\"case\":");
            push_json_str(&mut out, key);
        }
        if let Some((slot, _)) = &rule.for_each {
            out.push_str(",\"item\":");
            if rule.site.item_sensitive {
                out.push_str(SENSITIVE);
            } else {
                let v = locals.get(usize::from(*slot)).unwrap_or(&Value::Unset);
                self.push_value(&mut out, v, &rule.site.item_ty);
            }
        }
        if let Some(b) = branch {
            out.push_str(",\"branch\":");
            push_branch(&mut out, rule, b);
        }
        if !parts.is_empty() {
            out.push_str(",\"guard\":[");
            out.push_str(parts);
            out.push(']');
        }
        out.push('}');
        if let Some(t) = self.trace.as_deref_mut() {
            t.rules_json = out;
            t.rules.push(RuleHit {
                handler,
                rule: index,
                branch,
            });
        }
    }

    /// Evaluates a guard's tree, writing each node evaluated before its parts (and the
    /// parts a short-circuit skipped, as not evaluated) as `{"expr":…,"value":…}` items.
    fn guard(&mut self, g: &Guard, locals: &mut Vec<Value>, out: &mut String) -> R<bool> {
        Ok(match g {
            Guard::And(label, a, b) | Guard::Or(label, a, b) => {
                let and = matches!(g, Guard::And(..));
                comma(out);
                out.push_str(&label.head);
                let at = out.len();
                out.push('}');
                let left = self.guard(a, locals, out)?;
                let holds = if left != and {
                    skipped(b, out);
                    left
                } else {
                    self.guard(b, locals, out)?
                };
                out.insert_str(at, shown_bool(label.sensitive, holds));
                holds
            }
            Guard::Not(label, a) => {
                comma(out);
                out.push_str(&label.head);
                let at = out.len();
                out.push('}');
                let holds = !self.guard(a, locals, out)?;
                out.insert_str(at, shown_bool(label.sensitive, holds));
                holds
            }
            Guard::Leaf(part, operands) => {
                let holds = self.truth(&part.expr, locals)?;
                comma(out);
                out.push_str(&part.head);
                out.push_str(shown_bool(part.sensitive, holds));
                out.push('}');
                for op in operands {
                    out.push(',');
                    out.push_str(&op.head);
                    if op.sensitive {
                        out.push_str(SENSITIVE);
                    } else {
                        let v = self.expr(&op.expr, locals)?;
                        self.push_value(out, &v, &op.ty);
                    }
                    out.push('}');
                }
                holds
            }
        })
    }
}

fn shown_bool(sensitive: bool, holds: bool) -> &'static str {
    match (sensitive, holds) {
        (true, _) => SENSITIVE,
        (false, true) => "true",
        (false, false) => "false",
    }
}

/// `"then"`, `"else when 2"`, `"else"`, or `"none"` (no guard held and the rule has no
/// `else`).
pub(super) fn push_branch(out: &mut String, rule: &RuleDef, branch: usize) {
    let last = rule.site.branches.len().saturating_sub(1);
    match branch {
        0 => out.push_str("\"then\""),
        b if b == last && rule.site.else_written => out.push_str("\"else\""),
        b if b == last => out.push_str("\"none\""),
        b => {
            use std::fmt::Write as _;
            let _ = write!(out, "\"else when {b}\"");
        }
    }
}

/// Writes the parts of a guard a short-circuit did not evaluate.
fn skipped(g: &Guard, out: &mut String) {
    fn item(out: &mut String, head: &str) {
        comma(out);
        out.push_str(head);
        out.push_str(NOT_EVALUATED);
        out.push('}');
    }
    match g {
        Guard::And(label, a, b) | Guard::Or(label, a, b) => {
            item(out, &label.head);
            skipped(a, out);
            skipped(b, out);
        }
        Guard::Not(label, a) => {
            item(out, &label.head);
            skipped(a, out);
        }
        Guard::Leaf(part, operands) => {
            item(out, &part.head);
            for op in operands {
                item(out, &op.head);
            }
        }
    }
}
