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
use crate::outcome::{Record, RecordBody};
use crate::program::{HandlerDef, IAction, MessageId};
use crate::world::World;
use std::collections::HashMap;
use std::fmt;
use std::sync::{mpsc, Arc};

mod compare;
use compare::record_changes;

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
    /// An event line from a store's journal, its sensitive values sealed
    /// ([`crate::Engine::run_sealed_line`]).
    Sealed(String),
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
        /// The columns whose texts differ (`text`, `result`, `next_step`, extra ones), in
        /// the message's order.
        columns: Vec<String>,
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
            | Change::MessageText { message, .. } => Some(message),
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
            Change::MessageText { message, columns } => write!(
                f,
                "text of message `{message}` changed: {}",
                columns.join(", ")
            ),
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

/// Lines run under each policy between two comparisons (4 096 took about 20 % more CPU
/// time on 200 000 ICP events). A stream shorter than [`PARALLEL_BATCH`] runs in this
/// thread; a longer one in two, a policy each.
const BATCH: usize = 512;
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
            // INVARIANT: a first batch shorter than BATCH is the whole stream (a scenario,
            // say): not worth a thread
            let old_records = run_batch(old, &mut World::new(), 0, &first);
            let new_records = run_batch(new, &mut World::new(), 0, &first);
            self.compare(label, &first, &old_records, &new_records);
            return Ok(());
        }
        // The old policy runs in a worker thread, the new one here, batch by batch; one
        // worker for the whole stream, so that its world stays in one thread's memory.
        std::thread::scope(|s| {
            // To the worker: a batch, and the records it made of the batch before, to be
            // freed in the thread that allocated them (a free from another thread goes back
            // to the allocating thread's arena, under its lock).
            let (to_worker, batches) = mpsc::sync_channel::<(Arc<Vec<Input>>, Vec<Record>)>(1);
            let (to_main, records) = mpsc::sync_channel::<Vec<Record>>(1);
            let worker = s.spawn(move || {
                let mut world = World::new();
                let mut seq = 0;
                for (batch, done) in batches {
                    drop(done);
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
            let mut done = Vec::new();
            let result = loop {
                if batch.is_empty() {
                    break Ok(());
                }
                let shared = Arc::new(batch);
                if to_worker.send((Arc::clone(&shared), done)).is_err() {
                    break Ok(()); // the worker panicked: its join says why
                }
                let new_records = run_batch(new, &mut new_world, seq, &shared);
                let Ok(old_records) = records.recv() else {
                    break Ok(());
                };
                self.compare(label, &shared, &old_records, &new_records);
                done = old_records;
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
            event_type: old.event_type.as_deref().map(String::from),
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
                Line::Sealed(text) => engine.run_sealed_line(world, seq, text),
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
                let Some(message) = program.message(id) else {
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
fn emitted(actions: &[IAction], ids: &mut Vec<MessageId>) {
    for action in actions {
        match action {
            IAction::Emit(id) | IAction::EmitWith { message: id, .. } => ids.push(*id),
            IAction::Add { block, .. } => emitted(block, ids),
            IAction::Set(..) | IAction::Reject { .. } | IAction::Show(..) => {}
        }
    }
}
