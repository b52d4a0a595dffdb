//! Two versions of a policy on the same events: every output record that changed, grouped by
//! what changed in policy terms (a message, a status, a refusal, a shown value).
//!
//! The input is any number of streams, each a label and its lines; each stream is replayed
//! from an empty world under both policies, and the two records of each line compared. Only
//! counts and the first example of each group are kept, so a stream of any length runs in
//! constant memory (beyond the two worlds).
//!
//! ```
//! use docket::diff::{diff, Input};
//! use docket::Engine;
//!
//! let (old, new) = (Engine::icp(), Engine::icp());
//! let line = r#"{"type":"tick","at":"2026-11-28T10:00:00+08:00"}"#;
//! let streams = [Ok::<_, std::io::Error>(("stdin".to_string(), vec![Ok(Input::text(line))]))];
//! let report = diff(&old, &new, streams)?;
//! assert_eq!((report.events, report.changed, report.groups.len()), (1, 0, 0));
//! # Ok::<(), std::io::Error>(())
//! ```

use crate::engine::Engine;
use crate::outcome::{MessageOut, Outcome, Record, RecordBody};
use crate::program::{HandlerDef, IAction};
use crate::world::World;
use std::collections::HashMap;
use std::fmt;
use std::sync::{mpsc, Arc};

/// One line of a stream to replay.
#[derive(Clone, Debug)]
pub struct Input {
    /// The line, or why its reader refused it.
    pub line: Line,
    /// Where the line is written in its file, when that is not its place in the stream (a
    /// scenario step's line in the scenario file).
    pub file_line: Option<usize>,
}

/// The text of one input line.
#[derive(Clone, Debug)]
pub enum Line {
    /// An event line, run under both policies.
    Text(String),
    /// A line its reader refused before a policy saw it (too long, not UTF-8), with the
    /// error of its record (without `line N: `): the same under both policies.
    Refused(String),
}

impl Input {
    /// An event line at its own place in the stream.
    pub fn text(line: impl Into<String>) -> Input {
        Input {
            line: Line::Text(line.into()),
            file_line: None,
        }
    }
}

/// What changed in one record, in policy terms: the key changes are grouped by.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    /// The event was accepted, and is now refused with this error (values masked).
    NowRefused {
        /// The new error, without `line N: `, values masked as `…`.
        error: String,
    },
    /// The event was refused with this error (values masked), and is now accepted.
    NoLongerRefused {
        /// The old error, without `line N: `, values masked as `…`.
        error: String,
    },
    /// The event is refused under both, with another error.
    RefusedDifferently {
        /// The old error, masked.
        old: String,
        /// The new error, masked (the same as `old` when only a masked value differs).
        new: String,
    },
    /// A message id some outcome had is gone (or is there fewer times).
    MessageRemoved {
        /// Its id.
        message: String,
    },
    /// A message id is in an outcome that did not have it (or more times).
    MessageAdded {
        /// Its id.
        message: String,
    },
    /// A message is emitted under both, with other texts (a column, or a rendered value).
    MessageText {
        /// Its id.
        message: String,
    },
    /// The same message ids, in another order.
    MessageOrder {
        /// The case type of the outcome.
        case_type: String,
    },
    /// A case's status after the event differs; `None`: the case has no outcome on that side.
    Status {
        /// The case type.
        case_type: String,
        /// The old status.
        old: Option<String>,
        /// The new status.
        new: Option<String>,
    },
    /// A value the rules show is new in an outcome.
    ShowAdded {
        /// Its name.
        name: String,
    },
    /// A value the rules showed is gone from an outcome.
    ShowRemoved {
        /// Its name.
        name: String,
    },
    /// A value the rules show is another value.
    ShowChanged {
        /// Its name.
        name: String,
    },
    /// Changes past [`MAX_GROUPS`] distinct groups, counted together.
    Other,
}

/// How many distinct groups a diff keeps; further kinds of change are counted as
/// [`Change::Other`], so that memory stays bounded whatever the stream.
pub const MAX_GROUPS: usize = 10_000;

impl Change {
    /// A short machine name of the kind of change (`message_removed`, `status`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Change::NowRefused { .. } => "now_refused",
            Change::NoLongerRefused { .. } => "no_longer_refused",
            Change::RefusedDifferently { .. } => "refused_differently",
            Change::MessageRemoved { .. } => "message_removed",
            Change::MessageAdded { .. } => "message_added",
            Change::MessageText { .. } => "message_text",
            Change::MessageOrder { .. } => "message_order",
            Change::Status { .. } => "status",
            Change::ShowAdded { .. } => "show_added",
            Change::ShowRemoved { .. } => "show_removed",
            Change::ShowChanged { .. } => "show_changed",
            Change::Other => "other",
        }
    }

    /// The message the change is about, if any.
    pub fn message(&self) -> Option<&str> {
        match self {
            Change::MessageRemoved { message }
            | Change::MessageAdded { message }
            | Change::MessageText { message } => Some(message),
            _ => None,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = |s: &Option<String>| s.clone().unwrap_or_else(|| "(no outcome)".into());
        match self {
            Change::NowRefused { error } => write!(f, "event now refused: {error}"),
            Change::NoLongerRefused { error } => write!(f, "event no longer refused: {error}"),
            Change::RefusedDifferently { old, new } if old == new => {
                write!(f, "refusal text changed: {old}")
            }
            Change::RefusedDifferently { old, new } => {
                write!(f, "refusal changed: {old} → {new}")
            }
            Change::MessageRemoved { message } => {
                write!(f, "message `{message}` no longer emitted")
            }
            Change::MessageAdded { message } => write!(f, "message `{message}` newly emitted"),
            Change::MessageText { message } => write!(f, "text of message `{message}` changed"),
            Change::MessageOrder { case_type } => {
                write!(f, "order of the messages of a {case_type} changed")
            }
            Change::Status {
                case_type,
                old,
                new,
            } => write!(
                f,
                "status of {case_type}: {} → {}",
                status(old),
                status(new)
            ),
            Change::ShowAdded { name } => write!(f, "shown value `{name}` newly shown"),
            Change::ShowRemoved { name } => write!(f, "shown value `{name}` no longer shown"),
            Change::ShowChanged { name } => write!(f, "shown value `{name}` changed"),
            Change::Other => write!(f, "other changes (past {MAX_GROUPS} groups)"),
        }
    }
}

/// A rule that emits a message: its name and the handler it is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRef {
    /// The rule's name.
    pub rule: String,
    /// Its handler: `validation_attempt` (an event type) or `deadline window_end`.
    pub on: String,
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` on {}", self.rule, self.on)
    }
}

/// Every change of one kind: how many events had it, and the first of them.
#[derive(Clone, Debug)]
pub struct Group {
    /// What changed.
    pub change: Change,
    /// The rules that can emit the group's message (the old policy's for a message no longer
    /// emitted, else the new one's). A record does not say which rule emitted a message, so
    /// these are every rule with an `emit` of it.
    pub rules: Vec<RuleRef>,
    /// How many events had this change.
    pub count: usize,
    /// The first of them.
    pub example: Example,
}

impl Group {
    /// The group's heading: the change, and the rules emitting its message.
    pub fn title(&self) -> String {
        match self.rules.as_slice() {
            [] => self.change.to_string(),
            [one] => format!("{} (rule {one})", self.change),
            many => {
                let rules: Vec<String> = many.iter().map(RuleRef::to_string).collect();
                format!("{} (rules {})", self.change, rules.join(", "))
            }
        }
    }
}

/// The first event of a group: where it is, and its two records.
#[derive(Clone, Debug)]
pub struct Example {
    /// The label of its stream (a file name).
    pub source: String,
    /// Its 1-based place in the stream (line, or scenario step).
    pub seq: usize,
    /// Its line in the file, when not `seq` (a scenario step).
    pub file_line: Option<usize>,
    /// The event's type, when the line had one.
    pub event_type: Option<String>,
    /// The event's `at`, when the line had one.
    pub at: Option<String>,
    /// The record under the old policy, as JSON (records never hold a sensitive value).
    pub old: String,
    /// The record under the new policy, as JSON.
    pub new: String,
}

/// The result of a diff.
#[derive(Clone, Debug)]
pub struct DiffReport {
    /// Events replayed (input lines, under each policy).
    pub events: usize,
    /// Events whose record changed.
    pub changed: usize,
    /// The groups, by count (highest first), then title. An event with several changes
    /// counts in each of their groups.
    pub groups: Vec<Group>,
}

/// Replays each stream under both policies and groups every change. A stream is a label
/// and its lines; an `Err` from the streams or their lines stops the diff and is returned.
pub fn diff<S, L, E>(old: &Engine, new: &Engine, streams: S) -> Result<DiffReport, E>
where
    S: IntoIterator<Item = Result<(String, L), E>>,
    L: IntoIterator<Item = Result<Input, E>>,
{
    let mut d = Diff::new(old, new);
    for stream in streams {
        let (label, lines) = stream?;
        d.replay(&label, lines)?;
    }
    Ok(d.finish())
}

/// A diff under way: replay streams one after another, then [`Diff::finish`].
pub struct Diff<'e> {
    old: &'e Engine,
    new: &'e Engine,
    old_emitters: HashMap<String, Vec<RuleRef>>,
    new_emitters: HashMap<String, Vec<RuleRef>>,
    groups: HashMap<Change, Group>,
    events: usize,
    changed: usize,
}

/// Lines run under each policy between two comparisons. A stream shorter than
/// [`PARALLEL_BATCH`] runs in this thread; a longer one in two, a policy each.
const BATCH: usize = 4096;
const PARALLEL_BATCH: usize = 256;

impl<'e> Diff<'e> {
    /// A diff of `old` against `new`, with nothing replayed yet.
    pub fn new(old: &'e Engine, new: &'e Engine) -> Diff<'e> {
        Diff {
            old,
            new,
            old_emitters: emitters(old),
            new_emitters: emitters(new),
            groups: HashMap::new(),
            events: 0,
            changed: 0,
        }
    }

    /// Replays one stream, each policy on its own new world, comparing record by record.
    pub fn replay<E>(
        &mut self,
        label: &str,
        lines: impl IntoIterator<Item = Result<Input, E>>,
    ) -> Result<(), E> {
        let mut lines = lines.into_iter();
        let first = next_batch(&mut lines)?;
        let (old, new) = (self.old, self.new);
        if first.len() < PARALLEL_BATCH {
            // the whole stream (a scenario): not worth a thread
            let old_records = run_batch(old, &mut World::new(), 0, &first);
            let new_records = run_batch(new, &mut World::new(), 0, &first);
            self.compare(label, &first, &old_records, &new_records);
            return Ok(());
        }
        // The old policy runs in a worker thread, the new one here, batch by batch; one
        // worker for the whole stream, so that its world stays in one thread's memory.
        std::thread::scope(|s| {
            let (to_worker, batches) = mpsc::sync_channel::<Arc<Vec<Input>>>(1);
            let (to_main, records) = mpsc::sync_channel::<Vec<Record>>(1);
            let worker = s.spawn(move || {
                let mut world = World::new();
                let mut seq = 0;
                for batch in batches {
                    let records = run_batch(old, &mut world, seq, &batch);
                    seq += batch.len();
                    if to_main.send(records).is_err() {
                        break;
                    }
                }
            });
            let mut new_world = World::new();
            let mut seq = 0;
            let mut batch = first;
            let result = loop {
                if batch.is_empty() {
                    break Ok(());
                }
                let shared = Arc::new(batch);
                if to_worker.send(Arc::clone(&shared)).is_err() {
                    break Ok(()); // the worker panicked: its join says why
                }
                let new_records = run_batch(new, &mut new_world, seq, &shared);
                let Ok(old_records) = records.recv() else {
                    break Ok(());
                };
                self.compare(label, &shared, &old_records, &new_records);
                seq += shared.len();
                batch = match next_batch(&mut lines) {
                    Ok(b) => b,
                    Err(e) => break Err(e),
                };
            };
            drop(to_worker);
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
            result
        })
    }

    /// Compares the records of a batch, line by line, and counts every change.
    fn compare(&mut self, label: &str, batch: &[Input], olds: &[Record], news: &[Record]) {
        let mut changes = Vec::new();
        for ((input, o), n) in batch.iter().zip(olds).zip(news) {
            self.events += 1;
            changes.clear();
            record_changes(o, n, &mut changes);
            if changes.is_empty() {
                continue;
            }
            self.changed += 1;
            changes.sort();
            changes.dedup();
            for change in changes.drain(..) {
                self.count(change, label, input, o, n);
            }
        }
    }

    fn count(&mut self, change: Change, label: &str, input: &Input, old: &Record, new: &Record) {
        let change = if self.groups.len() >= MAX_GROUPS && !self.groups.contains_key(&change) {
            Change::Other
        } else {
            change
        };
        if let Some(group) = self.groups.get_mut(&change) {
            group.count += 1;
            return;
        }
        let emitters = match change {
            Change::MessageRemoved { .. } => &self.old_emitters,
            _ => &self.new_emitters,
        };
        let rules = change
            .message()
            .and_then(|m| emitters.get(m))
            .cloned()
            .unwrap_or_default();
        let example = Example {
            source: label.to_string(),
            seq: old.seq,
            file_line: input.file_line,
            event_type: old.event_type.clone(),
            at: old.at.clone(),
            old: old.to_json(),
            new: new.to_json(),
        };
        self.groups.insert(
            change.clone(),
            Group {
                change,
                rules,
                count: 1,
                example,
            },
        );
    }

    /// The groups, sorted by count (highest first), then title.
    pub fn finish(self) -> DiffReport {
        let mut groups: Vec<(String, Group)> =
            self.groups.into_values().map(|g| (g.title(), g)).collect();
        groups.sort_by(|(ta, a), (tb, b)| b.count.cmp(&a.count).then_with(|| ta.cmp(tb)));
        DiffReport {
            events: self.events,
            changed: self.changed,
            groups: groups.into_iter().map(|(_, g)| g).collect(),
        }
    }
}

/// The next [`BATCH`] lines at most; empty at the end of the stream.
fn next_batch<E>(lines: &mut impl Iterator<Item = Result<Input, E>>) -> Result<Vec<Input>, E> {
    lines.take(BATCH).collect()
}

/// The records of a batch of lines, the first of which is line `seq + 1`.
fn run_batch(engine: &Engine, world: &mut World, seq: usize, batch: &[Input]) -> Vec<Record> {
    batch
        .iter()
        .enumerate()
        .map(|(i, input)| {
            let seq = seq + i + 1;
            match &input.line {
                Line::Text(text) => engine.run_line(world, seq, text),
                Line::Refused(error) => Record {
                    seq,
                    event_type: None,
                    at: None,
                    body: RecordBody::Error(format!("line {seq}: {error}")),
                },
            }
        })
        .collect()
}

/// Every rule with an `emit` of each message id, in the order of the rule files.
fn emitters(engine: &Engine) -> HashMap<String, Vec<RuleRef>> {
    let program = engine.program();
    let mut found: HashMap<String, Vec<RuleRef>> = HashMap::new();
    let handlers = program
        .events
        .iter()
        .zip(&program.event_handlers)
        .map(|(e, h)| (e.name.clone(), h))
        .chain(
            program
                .deadlines
                .iter()
                .zip(&program.deadline_handlers)
                .map(|(d, h)| (format!("deadline {}", d.name), h)),
        );
    for (on, handler) in handlers {
        let Some(HandlerDef { rules, .. }) = handler else {
            continue;
        };
        for rule in rules {
            let mut ids = Vec::new();
            let branches = std::iter::once(&rule.then)
                .chain(rule.else_when.iter().map(|(_, actions)| actions))
                .chain(std::iter::once(&rule.otherwise));
            for actions in branches {
                emitted(actions, &mut ids);
            }
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                let Some(message) = program.shared.messages.get(usize::from(id)) else {
                    continue;
                };
                found.entry(message.id.clone()).or_default().push(RuleRef {
                    rule: rule.name.clone(),
                    on: on.clone(),
                });
            }
        }
    }
    found
}

/// The messages `actions` emit, nested `add` blocks included.
fn emitted(actions: &[IAction], ids: &mut Vec<u16>) {
    for action in actions {
        match action {
            IAction::Emit(id) | IAction::EmitWith { message: id, .. } => ids.push(*id),
            IAction::Add { block, .. } => emitted(block, ids),
            IAction::Set(..) | IAction::Reject { .. } | IAction::Show(..) => {}
        }
    }
}

/// Appends what differs between two records of the same line to `out` (nothing when they
/// are the same).
fn record_changes(old: &Record, new: &Record, out: &mut Vec<Change>) {
    if old == new {
        return;
    }
    match (&old.body, &new.body) {
        (RecordBody::Error(o), RecordBody::Error(n)) => {
            if o != n {
                out.push(Change::RefusedDifferently {
                    old: mask(strip_line(o, old.seq)),
                    new: mask(strip_line(n, new.seq)),
                });
            }
        }
        (RecordBody::Outcomes(_), RecordBody::Error(n)) => out.push(Change::NowRefused {
            error: mask(strip_line(n, new.seq)),
        }),
        (RecordBody::Error(o), RecordBody::Outcomes(_)) => out.push(Change::NoLongerRefused {
            error: mask(strip_line(o, old.seq)),
        }),
        (RecordBody::Outcomes(o), RecordBody::Outcomes(n)) => outcome_changes(o, n, out),
    }
}

/// One case's outcomes in a record, merged: messages in order, the last status, the last
/// value of each shown name.
struct CaseOut<'a> {
    case_type: &'a str,
    case: Option<&'a str>,
    status: Option<&'a str>,
    messages: Vec<&'a MessageOut>,
    shows: Vec<(&'a str, &'a serde_json::Value)>,
}

fn by_case(outcomes: &[Outcome]) -> Vec<CaseOut<'_>> {
    let mut cases: Vec<CaseOut<'_>> = Vec::new();
    for o in outcomes {
        let case = o.case.as_deref();
        let i = match cases
            .iter()
            .position(|c| c.case_type == &*o.case_name && c.case == case)
        {
            Some(i) => i,
            None => {
                cases.push(CaseOut {
                    case_type: &o.case_name,
                    case,
                    status: None,
                    messages: Vec::new(),
                    shows: Vec::new(),
                });
                cases.len() - 1
            }
        };
        let c = &mut cases[i];
        if o.status.is_some() {
            c.status = o.status.as_deref();
        }
        c.messages.extend(o.messages.iter().map(Arc::as_ref));
        for (name, value) in &o.shows {
            match c.shows.iter_mut().find(|(n, _)| n == name) {
                Some(shown) => shown.1 = value,
                None => c.shows.push((name, value)),
            }
        }
    }
    cases
}

fn outcome_changes(old: &[Outcome], new: &[Outcome], out: &mut Vec<Change>) {
    let (old, new) = (by_case(old), by_case(new));
    // a case with no outcome on one side: compared as one with nothing in it
    fn empty<'a>(c: &CaseOut<'a>) -> CaseOut<'a> {
        CaseOut {
            case_type: c.case_type,
            case: c.case,
            status: None,
            messages: Vec::new(),
            shows: Vec::new(),
        }
    }
    for o in &old {
        match new
            .iter()
            .find(|n| n.case_type == o.case_type && n.case == o.case)
        {
            Some(n) => case_changes(o, n, out),
            None => case_changes(o, &empty(o), out),
        }
    }
    for n in &new {
        if !old
            .iter()
            .any(|o| n.case_type == o.case_type && n.case == o.case)
        {
            case_changes(&empty(n), n, out);
        }
    }
}

fn case_changes(old: &CaseOut<'_>, new: &CaseOut<'_>, out: &mut Vec<Change>) {
    if old.status != new.status {
        out.push(Change::Status {
            case_type: old.case_type.to_string(),
            old: old.status.map(str::to_string),
            new: new.status.map(str::to_string),
        });
    }
    // Messages as multisets of ids: more of an id is "added", fewer "removed".
    let mut seen: Vec<&str> = Vec::new();
    let mut same_ids = true;
    for m in old.messages.iter().chain(&new.messages) {
        let id = m.id.as_str();
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let olds: Vec<&MessageOut> = old
            .messages
            .iter()
            .copied()
            .filter(|m| m.id == id)
            .collect();
        let news: Vec<&MessageOut> = new
            .messages
            .iter()
            .copied()
            .filter(|m| m.id == id)
            .collect();
        if news.len() > olds.len() {
            same_ids = false;
            out.push(Change::MessageAdded {
                message: id.to_string(),
            });
        } else if news.len() < olds.len() {
            same_ids = false;
            out.push(Change::MessageRemoved {
                message: id.to_string(),
            });
        }
        if olds.iter().zip(&news).any(|(a, b)| a != b) {
            out.push(Change::MessageText {
                message: id.to_string(),
            });
        }
    }
    if same_ids
        && old
            .messages
            .iter()
            .zip(&new.messages)
            .any(|(a, b)| a.id != b.id)
    {
        out.push(Change::MessageOrder {
            case_type: old.case_type.to_string(),
        });
    }
    for (name, value) in &old.shows {
        match new.shows.iter().find(|(n, _)| n == name) {
            None => out.push(Change::ShowRemoved {
                name: name.to_string(),
            }),
            Some((_, v)) if v != value => out.push(Change::ShowChanged {
                name: name.to_string(),
            }),
            Some(_) => {}
        }
    }
    for (name, _) in &new.shows {
        if !old.shows.iter().any(|(n, _)| n == name) {
            out.push(Change::ShowAdded {
                name: name.to_string(),
            });
        }
    }
}

/// An error without its `line N: ` prefix.
fn strip_line(error: &str, seq: usize) -> &str {
    error
        .strip_prefix("line ")
        .and_then(|rest| rest.strip_prefix(seq.to_string().as_str()))
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(error)
}

/// An error text with its values masked as `…`, so that one reason is one group whatever the
/// case, phone or time: every word with a digit in it (`F12`, `13800000001`, `2026-11-28T…`,
/// `5`), except snake_case names (`cert_last6`). A word is a run of letters, digits and
/// `_-.:+`. Values without a digit (a case key `abc`) stay, and make groups of their own.
fn mask(error: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || "_-.:+".contains(c);
    let mut out = String::with_capacity(error.len());
    let mut rest = error;
    while let Some(start) = rest.find(is_word) {
        out.push_str(&rest[..start]);
        let word_len = rest[start..]
            .find(|c| !is_word(c))
            .unwrap_or(rest.len() - start);
        let raw = &rest[start..start + word_len];
        // a word ends with its last letter or digit: a sentence's `.` or `:` is not in it
        let word = match raw.trim_end_matches(['-', '.', ':', '+']) {
            "" => raw,
            trimmed => trimmed,
        };
        let digit = word.bytes().any(|b| b.is_ascii_digit());
        let name = word.contains('_') && word.bytes().any(|b| b.is_ascii_alphabetic());
        if digit && !name {
            out.push('…');
        } else {
            out.push_str(word);
        }
        rest = &rest[start + word.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_hides_values_and_keeps_names() {
        assert_eq!(
            mask("field `filing`: filing F12 is canceled and takes no verification code"),
            "field `filing`: filing … is canceled and takes no verification code"
        );
        assert_eq!(
            mask("field `personnel[0].cert_last6`: expected five digits."),
            "field `personnel[…].cert_last6`: expected five digits."
        );
        assert_eq!(
            mask("field `at`: `2027-01-04T09:59:59+00:00` is earlier than the previous event"),
            "field `at`: `…` is earlier than the previous event"
        );
        assert_eq!(mask("phone 13800000001: 5 tries."), "phone …: … tries.");
    }

    fn message(id: &str, text: &str) -> Arc<MessageOut> {
        Arc::new(MessageOut::new(
            id.into(),
            text.into(),
            "r".into(),
            "n".into(),
        ))
    }

    fn outcome(
        case: &str,
        status: &str,
        messages: &[&Arc<MessageOut>],
        shows: &[(&str, serde_json::Value)],
    ) -> Outcome {
        Outcome {
            case_name: "filing".into(),
            case: Some(case.into()),
            status: Some(status.into()),
            messages: messages.iter().map(|m| Arc::clone(m)).collect(),
            shows: shows
                .iter()
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect(),
        }
    }

    fn changes(old: RecordBody, new: RecordBody) -> Vec<Change> {
        let record = |body| Record {
            seq: 3,
            event_type: Some("e".into()),
            at: None,
            body,
        };
        let mut out = Vec::new();
        record_changes(&record(old), &record(new), &mut out);
        out
    }

    #[test]
    fn outcomes_are_compared_case_by_case() {
        let (a, b, a2) = (message("a", "A"), message("b", "B"), message("a", "A!"));
        let same = outcome("F1", "open", &[&a, &b], &[]);
        assert_eq!(
            changes(
                RecordBody::Outcomes(vec![same.clone()]),
                RecordBody::Outcomes(vec![same.clone()])
            ),
            []
        );
        // the same ids in another order; one of them with another text
        assert_eq!(
            changes(
                RecordBody::Outcomes(vec![same.clone()]),
                RecordBody::Outcomes(vec![outcome("F1", "open", &[&b, &a2], &[])])
            ),
            [
                Change::MessageText {
                    message: "a".into()
                },
                Change::MessageOrder {
                    case_type: "filing".into()
                }
            ]
        );
        // an id twice is an id more; another case's outcome is that case's
        assert_eq!(
            changes(
                RecordBody::Outcomes(vec![same.clone()]),
                RecordBody::Outcomes(vec![
                    outcome("F1", "open", &[&a, &b, &a], &[]),
                    outcome("F2", "closed", &[], &[("n", 1.into())]),
                ])
            ),
            [
                Change::MessageAdded {
                    message: "a".into()
                },
                Change::Status {
                    case_type: "filing".into(),
                    old: None,
                    new: Some("closed".into())
                },
                Change::ShowAdded { name: "n".into() },
            ]
        );
        // two outcomes of one case are merged: the last status, the last value shown
        assert_eq!(
            changes(
                RecordBody::Outcomes(vec![
                    outcome("F1", "open", &[&a], &[("n", 1.into()), ("m", 1.into())]),
                    outcome("F1", "closed", &[&b], &[("n", 2.into())]),
                ]),
                RecordBody::Outcomes(vec![outcome(
                    "F1",
                    "closed",
                    &[&a, &b],
                    &[("n", 3.into()), ("m", 1.into())]
                )])
            ),
            [Change::ShowChanged { name: "n".into() }]
        );
    }

    #[test]
    fn refusals_are_compared_without_their_line_and_values() {
        let error = |s: &str| RecordBody::Error(s.into());
        assert_eq!(
            changes(
                RecordBody::Outcomes(Vec::new()),
                error("line 3: no filing `F7`")
            ),
            [Change::NowRefused {
                error: "no filing `…`".into()
            }]
        );
        let differently = changes(error("line 3: at most 5"), error("line 3: at most 4"));
        assert_eq!(
            differently,
            [Change::RefusedDifferently {
                old: "at most …".into(),
                new: "at most …".into()
            }]
        );
        assert_eq!(
            differently[0].to_string(),
            "refusal text changed: at most …"
        );
        assert_eq!(
            changes(error("line 3: x"), RecordBody::Outcomes(Vec::new()))[0].to_string(),
            "event no longer refused: x"
        );
    }

    #[test]
    fn strip_line_removes_only_its_own_number() {
        assert_eq!(strip_line("line 12: no filing", 12), "no filing");
        assert_eq!(strip_line("line 13: no filing", 12), "line 13: no filing");
        assert_eq!(strip_line("no filing", 12), "no filing");
    }
}
