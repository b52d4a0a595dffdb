//! How a trace is written: the JSON fragments each rule and guard part carries, made once
//! when the policy is loaded; values as a trace shows them; the whole trace of an event.

use super::trace::{comma, push_branch, HandlerRef, Trace, SENSITIVE};
use super::Eval;
use crate::outcome::push_json_str;
use crate::program::{DeadlineId, EventId};
use crate::program::{HandlerDef, Program, RuleDef};
use crate::sites::Site;
use crate::value::{Ty, Value};
use std::fmt::Write as _;

/// A record of unknown type: nothing of it is shown.
const RECORD: &str = "\"(record)\"";

impl Program {
    /// The handler `h`.
    pub(crate) fn handler(&self, h: HandlerRef) -> Option<&HandlerDef> {
        match h {
            HandlerRef::Event(e) => self.event_handler(e),
            HandlerRef::Deadline(d) => self.deadline_handler(d),
        }
    }

    /// How a handler is written after `on`: `validation_attempt`, `deadline window_end`.
    pub(crate) fn handler_label(&self, h: HandlerRef) -> String {
        match h {
            HandlerRef::Event(e) => self.event(e).map_or_else(String::new, |d| d.name.clone()),
            HandlerRef::Deadline(d) => format!(
                "deadline {}",
                self.deadline(d).map_or("", |d| d.name.as_str())
            ),
        }
    }

    /// `file:line` of a site.
    pub(crate) fn site_text(&self, site: Site) -> String {
        let file = self
            .sources
            .get(site.source)
            .map_or("", |s| s.name.as_str());
        format!("{file}:{}", site.line)
    }

    /// How a branch is named: `then`, `else when 1`, `else`, or `none`.
    pub(crate) fn branch_name(rule: &RuleDef, branch: usize) -> String {
        let mut out = String::new();
        push_branch(&mut out, rule, branch);
        out.trim_matches('"').to_string()
    }

    /// Writes the head of each rule's trace items (`"rule":…,"on":…,"at":…`), once, when
    /// the policy is loaded.
    pub(crate) fn prepare_trace(&mut self) {
        let handlers = (0..self.event_handlers.len())
            .map(|e| HandlerRef::Event(EventId::at(e)))
            .chain(
                (0..self.deadline_handlers.len()).map(|d| HandlerRef::Deadline(DeadlineId::at(d))),
            );
        let mut heads = Vec::new();
        for h in handlers {
            let label = self.handler_label(h);
            for (i, rule) in self
                .handler(h)
                .map_or(&[][..], |d| &d.rules)
                .iter()
                .enumerate()
            {
                let mut head = String::from("\"rule\":");
                push_json_str(&mut head, &rule.name);
                head.push_str(",\"on\":");
                push_json_str(&mut head, &label);
                head.push_str(",\"at\":");
                push_json_str(&mut head, &self.site_text(rule.site.at));
                heads.push((h, i, head));
            }
        }
        for (h, i, head) in heads {
            let def = match h {
                HandlerRef::Event(e) => self.event_handlers.get_mut(e.index()),
                HandlerRef::Deadline(d) => self.deadline_handlers.get_mut(d.index()),
            };
            if let Some(rule) = def
                .and_then(|d| d.as_mut())
                .and_then(|d| d.rules.get_mut(i))
            {
                rule.site.head = head;
            }
        }
    }
}

impl Trace {
    /// The trace as one JSON object: `fired` (deadlines), `rules` (each run: `rule`, `on`,
    /// `at`, `case`, `item`, `branch`, `guard`), `rows` (table rows looked up). Deterministic:
    /// the order of evaluation, nothing else.
    pub(crate) fn to_json(&self, prog: &Program) -> String {
        let mut rows = String::new();
        for &(t, r) in &self.rows {
            let Some(table) = prog.requirement_table(t) else {
                continue;
            };
            let (Some(row), Some(site)) = (
                table.rows.get(r),
                prog.sites.rows.get(t.index()).and_then(|s| s.get(r)),
            ) else {
                continue;
            };
            comma(&mut rows);
            rows.push_str("{\"table\":");
            push_json_str(&mut rows, &table.name);
            rows.push_str(",\"row\":{");
            for (i, (k, v)) in table.keys.iter().zip(&row.keys).enumerate() {
                if i > 0 {
                    rows.push(',');
                }
                push_json_str(&mut rows, k);
                rows.push(':');
                push_json_str(&mut rows, v);
            }
            rows.push_str("},\"at\":");
            push_json_str(&mut rows, &prog.site_text(*site));
            rows.push('}');
        }
        let mut out =
            String::with_capacity(self.fired_json.len() + self.rules_json.len() + rows.len() + 40);
        out.push_str("{\"fired\":[");
        out.push_str(&self.fired_json);
        out.push_str("],\"rules\":[");
        out.push_str(&self.rules_json);
        out.push_str("],\"rows\":[");
        out.push_str(&rows);
        out.push_str("]}");
        out
    }
}

impl Eval<'_, '_> {
    /// Writes a value as a trace shows it: as in the output, a participant described
    /// (`people 2 of filing F1`), a record as an object whose sensitive fields show as
    /// `(sensitive)` (a record of unknown type as `(record)`: nothing of it is shown).
    pub(super) fn push_value(&self, out: &mut String, v: &Value, ty: &Ty) {
        match (v, ty) {
            (_, Ty::Opt(inner)) => self.push_value(out, v, inner),
            (Value::Bool(b), _) => out.push_str(if *b { "true" } else { "false" }),
            (Value::Count(n), _) => {
                let _ = write!(out, "{n}");
            }
            (Value::Text(s), _) => push_json_str(out, s),
            (Value::Enum(e, i), _) => push_json_str(out, self.prog.enum_name(*e, *i)),
            (Value::Unset, _) => out.push_str("null"),
            (Value::Record(items), Ty::Record(r)) => {
                let Some(def) = self.prog.record(*r) else {
                    out.push_str(RECORD);
                    return;
                };
                out.push('{');
                for (i, (f, x)) in def.fields.iter().zip(items.iter()).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_json_str(out, &f.name);
                    out.push(':');
                    if f.sensitive {
                        out.push_str(SENSITIVE);
                    } else {
                        self.push_value(out, x, &f.ty);
                    }
                }
                out.push('}');
            }
            (Value::Record(_), _) => out.push_str(RECORD),
            (Value::List(items) | Value::Set(items), _) => {
                let inner = match ty {
                    Ty::List(t) | Ty::Set(t) => t,
                    _ => &Ty::Unknown,
                };
                out.push('[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.push_value(out, x, inner);
                }
                out.push(']');
            }
            (Value::Part(p), _) => {
                let Ok(c) = self.tx.case(p.case) else {
                    out.push_str("null");
                    return;
                };
                let def = self.prog.case_def(c.ty);
                let text = format!(
                    "{} {} of {} {}",
                    def.map_or("", |d| d.parts.name.as_str()),
                    p.idx + 1,
                    def.map_or("", |d| d.name.as_str()),
                    c.key
                );
                push_json_str(out, &text);
            }
            (other, _) => out.push_str(&self.to_json(other).to_string()),
        }
    }
}
