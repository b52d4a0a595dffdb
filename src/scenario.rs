//! Scenario files: an event stream with the outcomes a policy author expects, checked step by
//! step. The same files drive `docket test` and the crate's own tests.
//!
//! ```yaml
//! title: "a request is approved"
//! steps:
//!   - event: { type: approve, at: "2026-11-28T10:35:00+08:00", request: R1 }
//!     messages: [approved]                   # every message id of the step's outcomes, in order
//!     status: { R1: approved }               # the status of cases in the step's outcomes
//!     approvers: { R1: [owner] }             # any other key: a value the rules `show`, by case
//!     outcomes: 1                            # how many outcomes
//!   - raw: '{"type": "tick", '               # a raw input line
//!     error: "line 2"                        # the step must be refused, with this in its error
//! ```

use crate::coverage::Coverage;
use crate::diag::{self, did_you_mean, Diagnostic};
use crate::engine::Engine;
use crate::eval::Trace;
use crate::span::{Source, Span};
use crate::tables::yaml::{self, Node, Value};
use crate::world::World;
use serde_json::Value as Json;

/// A parsed scenario file.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file's name, as given.
    pub name: String,
    /// What the scenario shows.
    pub title: String,
    steps: Vec<Step>,
}

#[derive(Clone, Debug)]
struct Step {
    line: usize,
    input: String,
    expect: Expect,
    outcomes: Option<usize>,
    /// Expected shown values: (show name, case key, value).
    shows: Vec<(String, String, Json)>,
    status: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
enum Expect {
    Messages(Vec<String>),
    Error(String),
}

/// One expectation a run did not meet.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The 1-based step (the line number of its event in the stream).
    pub step: usize,
    /// The line of the scenario file where the step is written.
    pub line: usize,
    /// What was expected and what happened.
    pub message: String,
}

/// The result of running a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The output records, one JSON line per step, as `docket run` prints them.
    pub output: String,
    /// Every unmet expectation, in step order; empty when the scenario passed.
    pub failures: Vec<Failure>,
}

/// Why a scenario file cannot be used: its problem, with file, line and column. It is a
/// problem of the scenario file, not of the policy it would run against.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct ScenarioError {
    /// The problems found (reading stops at the first).
    pub diagnostics: Vec<Diagnostic>,
    /// The scenario file they point into.
    pub sources: Vec<Source>,
}

impl ScenarioError {
    /// The problems rendered for a terminal, like a policy's, with a summary line naming
    /// the scenario file (`error: 1 problem in the scenario file …`).
    pub fn render(&self) -> String {
        let subject = match self.sources.first() {
            Some(s) => format!("the scenario file `{}`", s.name),
            None => "the scenario file".to_string(),
        };
        diag::render_all_in(&self.diagnostics, &self.sources, &subject)
    }
}

const STEP_KEYS: &[&str] = &["event", "raw", "messages", "error", "status", "outcomes"];

impl Scenario {
    /// Parses a scenario file; a problem is reported like a policy's, with file and line.
    pub fn parse(name: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let source = Source::new(name, text);
        let fail = |span: Span, message: String, help: Option<&str>| {
            let mut d = Diagnostic::error(diag::Code::Scenario, 0, span, message);
            if let Some(h) = help {
                d = d.with_help(h);
            }
            ScenarioError {
                diagnostics: vec![d],
                sources: vec![source.clone()],
            }
        };
        let root =
            yaml::parse(&source.text).map_err(|e| fail(e.span, e.message, e.help.as_deref()))?;
        let Value::Map(top) = &root.value else {
            return Err(fail(
                root.span,
                "a scenario is a mapping with `title` and `steps`".into(),
                None,
            ));
        };
        let mut title = String::new();
        let mut steps = Vec::new();
        for (k, v) in top {
            match key(k) {
                "title" => {
                    title = string(v)
                        .ok_or_else(|| fail(v.span, "`title` must be text".into(), None))?
                }
                "contract" | "note" => {}
                "steps" => {
                    let Value::Seq(items) = &v.value else {
                        return Err(fail(v.span, "`steps` must be a list".into(), None));
                    };
                    for item in items {
                        steps.push(
                            parse_step(item, &source)
                                .map_err(|(span, msg, help)| fail(span, msg, help))?,
                        );
                    }
                }
                other => {
                    let help = did_you_mean(other, ["title", "steps", "note"])
                        .map(|s| format!("did you mean `{s}`?"));
                    return Err(fail(
                        k.span,
                        format!("unknown key `{other}` in a scenario"),
                        help.as_deref().or(Some(
                            "a scenario has `title`, `steps` and an optional `note`",
                        )),
                    ));
                }
            }
        }
        Ok(Scenario {
            name: name.to_string(),
            title,
            steps,
        })
    }

    /// Each step's input line, with the line of the scenario file where the step is
    /// written: the event stream the scenario replays, in order.
    pub fn inputs(&self) -> impl Iterator<Item = (usize, &str)> {
        self.steps.iter().map(|s| (s.line, s.input.as_str()))
    }

    /// Runs the scenario on a fresh world and checks every expectation.
    pub fn run(&self, engine: &Engine) -> Report {
        self.run_inner(engine, None)
    }

    /// Runs the scenario as [`Scenario::run`] does, adding what each step exercised of the
    /// policy to `coverage`.
    pub fn run_covered(&self, engine: &Engine, coverage: &mut Coverage) -> Report {
        self.run_inner(engine, Some(coverage))
    }

    fn run_inner(&self, engine: &Engine, mut coverage: Option<&mut Coverage>) -> Report {
        let mut world = World::new();
        let mut output = String::new();
        let mut failures = Vec::new();
        // Every value of a sensitive field in the scenario's events: an expectation that
        // holds one (say, a shown value the author expected to be the code) is printed
        // masked, as the output never holds one.
        let secrets: Vec<String> = self
            .steps
            .iter()
            .flat_map(|s| sensitive_values(engine.program(), &s.input))
            .collect();
        let mask = |text: &str| -> String {
            if secrets.iter().any(|secret| text.contains(secret.as_str())) {
                "<sensitive>".to_string()
            } else {
                text.to_string()
            }
        };
        let mask_json = |value: &Json| -> String { masked_json(value, &mask).to_string() };
        let mut trace = Trace::default();
        for (i, step) in self.steps.iter().enumerate() {
            let seq = i + 1;
            let record = match coverage.as_deref_mut() {
                None => engine.run_line(&mut world, seq, &step.input),
                Some(cov) => {
                    let record = engine.run_line_traced(&mut world, seq, &step.input, &mut trace);
                    cov.add(&trace, &record);
                    record
                }
            };
            let json = record.to_json();
            output.push_str(&json);
            output.push('\n');
            let out: Json = serde_json::from_str(&json).unwrap_or(Json::Null);
            let mut fail = |message: String| {
                failures.push(Failure {
                    step: seq,
                    line: step.line,
                    message,
                })
            };
            let error = out.get("error").and_then(Json::as_str);
            let outcomes = out.get("outcomes").and_then(Json::as_array);
            match (&step.expect, error, outcomes) {
                (Expect::Error(want), Some(got), _) => {
                    if !got.contains(want.as_str()) {
                        fail(format!(
                            "the error should mention {:?}, but it is {:?}",
                            mask(want),
                            mask(got)
                        ));
                    }
                    continue;
                }
                (Expect::Error(want), None, _) => {
                    fail(format!(
                        "expected an error mentioning {:?}, but the event was accepted",
                        mask(want)
                    ));
                    continue;
                }
                (Expect::Messages(_), Some(got), _) => {
                    fail(format!(
                        "expected the event to be accepted, but: {}",
                        mask(got)
                    ));
                    continue;
                }
                _ => {}
            }
            let outcomes = outcomes.map(Vec::as_slice).unwrap_or(&[]);
            if let Expect::Messages(want) = &step.expect {
                let got: Vec<&str> = outcomes
                    .iter()
                    .flat_map(|o| o["messages"].as_array().into_iter().flatten())
                    .filter_map(|m| m["id"].as_str())
                    .collect();
                if got != *want {
                    let want: Vec<String> = want.iter().map(|w| mask(w)).collect();
                    fail(format!("messages: expected {want:?}, got {got:?}"));
                }
            }
            // a case by its key, whatever its type (each outcome is keyed by its own)
            let case_names = engine.case_names();
            let of_case = |key: &str| -> Vec<&Json> {
                outcomes
                    .iter()
                    .filter(|o| case_names.iter().any(|n| o[*n].as_str() == Some(key)))
                    .collect()
            };
            for (key, want) in &step.status {
                match of_case(key)
                    .iter()
                    .filter_map(|o| o["status"].as_str())
                    .next_back()
                {
                    Some(got) if got == want => {}
                    Some(got) => fail(format!(
                        "status of `{}`: expected `{}`, got `{got}`",
                        mask(key),
                        mask(want)
                    )),
                    None => fail(format!(
                        "status of `{0}`: expected `{1}`, but no outcome is about `{0}`",
                        mask(key),
                        mask(want)
                    )),
                }
            }
            for (name, key, want) in &step.shows {
                let got = of_case(key).into_iter().find_map(|o| o.get(name));
                if got != Some(want) {
                    let got = got.map_or("nothing".to_string(), mask_json);
                    fail(format!(
                        "`{name}` of `{}`: expected {}, got {got}",
                        mask(key),
                        mask_json(want)
                    ));
                }
            }
            if let Some(n) = step.outcomes {
                if outcomes.len() != n {
                    fail(format!("expected {n} outcomes, got {}", outcomes.len()));
                }
            }
        }
        Report { output, failures }
    }
}

/// The values of the sensitive fields of an input line (an event of `program`), as text: the
/// strings and numbers under each field declared `sensitive`, looked for through records,
/// lists and sets. A line that is not a JSON object of a declared type has none.
fn sensitive_values(program: &crate::program::Program, line: &str) -> Vec<String> {
    let Ok(Json::Object(event)) = serde_json::from_str::<Json>(line) else {
        return Vec::new();
    };
    let Some(ty) = event.get("type").and_then(Json::as_str) else {
        return Vec::new();
    };
    let Some(def) = program.event_index.get(ty).and_then(|i| program.event(*i)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    collect_sensitive(program, def.record, &Json::Object(event), 0, &mut out);
    out
}

/// Records cannot nest themselves; this bounds the walk all the same.
const MAX_RECORD_DEPTH: usize = 32;

fn collect_sensitive(
    program: &crate::program::Program,
    record: crate::ids::RecordId,
    value: &Json,
    depth: usize,
    out: &mut Vec<String>,
) {
    let (Some(def), Json::Object(members), true) =
        (program.record(record), value, depth < MAX_RECORD_DEPTH)
    else {
        return;
    };
    for field in &def.fields {
        let Some(v) = members.get(&field.name) else {
            continue;
        };
        if field.sensitive {
            leaves(v, out);
        } else if let Some(r) = record_of(&field.ty) {
            match v {
                Json::Array(items) => items
                    .iter()
                    .for_each(|item| collect_sensitive(program, r, item, depth + 1, out)),
                other => collect_sensitive(program, r, other, depth + 1, out),
            }
        }
    }
}

/// The record a field's values are, directly or as items of a list, set or optional.
fn record_of(ty: &crate::value::Ty) -> Option<crate::ids::RecordId> {
    use crate::value::Ty;
    match ty {
        Ty::Record(r) => Some(*r),
        Ty::Opt(inner) | Ty::List(inner) | Ty::Set(inner) => record_of(inner),
        _ => None,
    }
}

/// Every string and number under `v`, as text.
fn leaves(v: &Json, out: &mut Vec<String>) {
    match v {
        Json::String(s) if !s.is_empty() => out.push(s.clone()),
        Json::Number(n) => out.push(n.to_string()),
        Json::Array(items) => items.iter().for_each(|i| leaves(i, out)),
        Json::Object(members) => members.values().for_each(|i| leaves(i, out)),
        _ => {}
    }
}

/// `value` with every string or number that `mask` hides replaced by `"<sensitive>"`.
fn masked_json(value: &Json, mask: &impl Fn(&str) -> String) -> Json {
    match value {
        Json::String(s) => Json::String(mask(s)),
        Json::Number(n) => {
            let text = n.to_string();
            let masked = mask(&text);
            if masked == text {
                value.clone()
            } else {
                Json::String(masked)
            }
        }
        Json::Array(items) => Json::Array(items.iter().map(|i| masked_json(i, mask)).collect()),
        Json::Object(members) => Json::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), masked_json(v, mask)))
                .collect(),
        ),
        other => other.clone(),
    }
}

type StepError = (Span, String, Option<&'static str>);

fn parse_step(item: &Node, source: &Source) -> Result<Step, StepError> {
    let line = source.line_col(item.span.start).0;
    let Value::Map(entries) = &item.value else {
        return Err((
            item.span,
            "a step is a mapping with `event` (or `raw`) and expectations".into(),
            None,
        ));
    };
    let mut input = None;
    let mut messages = None;
    let mut error = None;
    let mut step = Step {
        line,
        input: String::new(),
        expect: Expect::Messages(Vec::new()),
        outcomes: None,
        shows: Vec::new(),
        status: Vec::new(),
    };
    for (k, v) in entries {
        match key(k) {
            "event" | "raw" if input.is_some() => {
                return Err((
                    k.span,
                    "a step has one input: `event` or `raw`, not both".into(),
                    Some("keep one of them; give the other its own step"),
                ))
            }
            "event" => input = Some(to_json(v).to_string()),
            "raw" => {
                input = Some(string(v).ok_or((
                    v.span,
                    "`raw` must be text: one input line".into(),
                    None,
                ))?)
            }
            "messages" => {
                let Value::Seq(ids) = &v.value else {
                    return Err((
                        v.span,
                        "`messages` must be a list of message ids".into(),
                        None,
                    ));
                };
                messages = Some(
                    ids.iter()
                        .map(|id| string(id).ok_or((id.span, "a message id is text".into(), None)))
                        .collect::<Result<Vec<_>, _>>()?,
                );
            }
            "error" => {
                error = Some(string(v).ok_or((
                    v.span,
                    "`error` must be text: part of the expected error".into(),
                    None,
                ))?)
            }
            "outcomes" => match v.value {
                Value::Int(n) if n >= 0 => step.outcomes = usize::try_from(n).ok(),
                _ => return Err((v.span, "`outcomes` must be a whole number".into(), None)),
            },
            "status" => {
                for (case, status) in by_case(v)? {
                    let status =
                        string(&status).ok_or((status.span, "a status is text".into(), None))?;
                    step.status.push((case, status));
                }
            }
            // any other key: a value the rules show, by case
            name => {
                for (case, value) in by_case(v)? {
                    step.shows.push((name.to_string(), case, to_json(&value)));
                }
            }
        }
    }
    step.input = input.ok_or((item.span, "a step needs `event` or `raw`".into(), None))?;
    step.expect = match (messages, error) {
        (Some(m), None) => Expect::Messages(m),
        (None, Some(e)) => Expect::Error(e),
        (None, None) => {
            return Err((
                item.span,
                "a step states what should happen: `messages: [...]` or `error: \"...\"`".into(),
                None,
            ))
        }
        (Some(_), Some(_)) => {
            return Err((
                item.span,
                "a step expects either `messages` or `error`, not both".into(),
                None,
            ))
        }
    };
    if step
        .shows
        .iter()
        .any(|(n, _, _)| STEP_KEYS.contains(&n.as_str()))
    {
        return Err((
            item.span,
            "a reserved key is used as a shown value".into(),
            None,
        ));
    }
    Ok(step)
}

/// `{ case key: value, … }`
fn by_case(v: &Node) -> Result<Vec<(String, Node)>, StepError> {
    let Value::Map(entries) = &v.value else {
        return Err((
            v.span,
            "expected a mapping from case keys to values, like `{ F1: … }`".into(),
            None,
        ));
    };
    Ok(entries
        .iter()
        .map(|(k, v)| (scalar_text(k), v.clone()))
        .collect())
}

fn key(k: &Node) -> &str {
    match &k.value {
        Value::Str(s) => s,
        _ => "",
    }
}

fn string(v: &Node) -> Option<String> {
    match &v.value {
        Value::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// A case key written as a YAML scalar (`F1`, or `12` read as a number).
fn scalar_text(v: &Node) -> String {
    match &v.value {
        Value::Str(s) => s.clone(),
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn to_json(v: &Node) -> Json {
    match &v.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(n) => i64::try_from(*n)
            .map(Json::from)
            .unwrap_or_else(|_| Json::String(n.to_string())),
        Value::Float(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (scalar_text(k), to_json(v)))
                .collect(),
        ),
    }
}
