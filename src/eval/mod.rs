//! The interpreter: applies one event to a world, atomically, on the virtual clock.
//!
//! Evaluation reads and writes the world through a transaction ([`Tx`], `tx.rs`): evaluating
//! copies a case before its first write and leaves the world as it is; applying writes in
//! place and undoes its writes if the event fails.

use crate::event::Event;
use crate::outcome::{MessageOut, Messages, Name, Outcome, Outcomes};
use crate::program::*;
use crate::value::{CaseId, PartRef, Text, Value};
use crate::world::{CaseData, DeadlineState, Parts, World};
use jiff::Timestamp;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

/// How many firings of re-armed deadlines one event may cause: past it, a deadline that keeps
/// re-arming itself before the event's time is an error for the event, not a hang. (The
/// deadlines queued before the event are not counted: there are as many as the world holds,
/// and each fires once.)
pub const MAX_FIRINGS: usize = 100_000;

/// Past this many deadlines due at once, the outcomes are made room for at once (one a
/// firing: a tick expiring a million cases grows no vector by doubling). Below it, they grow
/// as they come: most firings of a busy tick may have nothing to say, and a large block
/// asked of the allocator for a few hundred costs more than growing.
const RESERVED_FIRINGS: usize = 4096;

mod compiled;
mod due;
mod erase;
mod expr;
mod scratch;
pub(crate) mod trace;
mod trace_out;
mod tx;

pub(crate) use compiled::{handler as compile_handler, HandlerCode, UnitCode};
use due::Due;
pub(crate) use scratch::recycle;
use scratch::ScratchGuard;
use trace::HandlerRef;
pub use trace::Trace;
use tx::Tx;

/// Why an event was refused. The world is unchanged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{message}", field.as_ref().map(|f| format!("field `{f}`: ")).unwrap_or_default())]
pub struct EvalError {
    /// The event field to blame, if any.
    pub field: Option<String>,
    /// What is wrong, for the user.
    pub message: String,
}

// `#[cold]` here and on `bug`: an evaluation fails rarely, and the compiler then lays out
// (and gives registers to) the paths every event runs without the code that builds the error
// (2 % fewer instructions an event of the ICP mixed stream, `docs/performance.md`)
#[cold]
#[inline(never)]
pub(super) fn fail<T>(message: impl Into<String>) -> R<T> {
    Err(Box::new(EvalError {
        field: None,
        message: message.into(),
    }))
}

/// The event is refused: `message`, blaming event field `field` (`#[cold]`, as `fail`).
#[cold]
#[inline(never)]
fn refuse(field: Option<&str>, message: std::fmt::Arguments<'_>) -> Box<EvalError> {
    Box::new(EvalError {
        field: field.map(str::to_owned),
        message: message.to_string(),
    })
}

/// An invariant of the checked program failed: only a bug of docket can cause it, never the
/// policy or the event, and the message says so (with what failed, for the report).
#[cold]
#[inline(never)]
pub(super) fn bug<T>(what: &str) -> R<T> {
    fail(format!(
        "internal error, a bug of docket rather than of the policy or the event ({what}): please report it"
    ))
}

/// A result inside the evaluator. The error is boxed: an event is refused rarely, and a
/// result of one word (`R<bool>`, `R<CaseId>`) comes back in registers.
pub(super) type R<T> = Result<T, Box<EvalError>>;

/// The result of evaluating one event: outcomes, and the changes to commit.
///
/// Its `Debug` output shows the outcomes and a summary of the changes, never the values of
/// the cases' fields (they may be sensitive).
pub struct Step {
    pub(crate) outcomes: Outcomes,
    pub(crate) changed: BTreeMap<CaseId, CaseData>,
    pub(crate) at: Timestamp,
    /// The world's generation this step was computed on.
    pub(crate) generation: u64,
    /// The fingerprint of the policy that computed it: only its engine commits it.
    pub(crate) policy: u64,
    /// The local slots of the last decision evaluated into this step ([`answer_into`]),
    /// for the next (their values are never read again).
    locals: Vec<Value>,
}

/// A step of no event, for [`crate::Engine::evaluate_into`] to fill: an engine commits
/// none.
impl Default for Step {
    fn default() -> Step {
        Step {
            outcomes: Outcomes::new(),
            changed: BTreeMap::new(),
            at: Timestamp::UNIX_EPOCH,
            generation: 0,
            policy: 0,
            locals: Vec::new(),
        }
    }
}

impl Step {
    /// What the event would do, case by case (as [`crate::Engine::apply`] would return).
    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }
}

/// The case type name of an answer of a policy without case types: empty, made once.
static NO_CASE_TYPE: std::sync::LazyLock<Name> = std::sync::LazyLock::new(|| Name::from(""));

/// What the rules of one event said about one case (or about nobody).
#[derive(Default, Debug)]
struct Acc {
    /// Shared with the program, unless rendered by this emit.
    messages: Messages,
    /// The values shown, `shows[..shown]`; past them, those of the last answer whose
    /// buffer this one reuses ([`answer_into`]), kept until [`Acc::finish`] so that a value
    /// shown again under the same name takes its entry back, name and all: sharing the
    /// name again and letting the old go would cost two atomic counts a show.
    shows: Vec<(Arc<str>, crate::Shown)>,
    shown: usize,
}

impl Acc {
    /// Adds an emitted message (the first takes no buffer: [`Messages`]).
    fn emit(&mut self, message: Arc<MessageOut>) {
        self.messages.push(message);
    }

    /// Shows a copy of `value` as `name`, after every value shown so far (one shown under
    /// that name before is taken out). The copy is made where it is kept: a value copied to
    /// the stack and moved from there is read back whole before its bytes have landed.
    fn show_copy(&mut self, name: &Arc<str>, value: &crate::Shown) {
        match self.entry(name) {
            Ok(i) => self.shows[i].1.clone_from(value),
            Err(i) => self.shows.insert(i, (Arc::clone(name), value.clone())),
        }
    }

    /// [`Acc::show_copy`] of `value` as [`crate::Shown::new`] makes it, written over the last
    /// answer's value of that name when there is one (which keeps the names it holds, when
    /// they are `names`: no atomic counts).
    fn show_value(
        &mut self,
        name: &Arc<str>,
        value: Value,
        names: &Arc<crate::shown::ValueNames>,
        case_key: &dyn Fn(u32) -> Option<crate::value::Text>,
    ) {
        match self.entry(name) {
            Ok(i) => self.shows[i].1.set(value, names, case_key),
            Err(i) => {
                let shown = crate::Shown::new(value, names, case_key);
                self.shows.insert(i, (Arc::clone(name), shown));
            }
        }
    }

    /// Where the value shown next as `name` goes, counted as shown (one shown under that
    /// name before is taken out): `Ok(i)`, the last answer's entry of that name, moved to
    /// `i`, to be written over; `Err(i)`, where a new entry is to be inserted.
    fn entry(&mut self, name: &Arc<str>) -> Result<usize, usize> {
        // (`==` on shares compares where they point first: the program's one share of a name
        // is found without reading its text)
        let same = |(n, _): &(Arc<str>, crate::Shown)| n == name;
        if let Some(i) = self.shows[..self.shown].iter().position(same) {
            self.shows.remove(i);
            self.shown -= 1;
        }
        let at = self.shown;
        self.shown += 1;
        // most often the last answer showed the same names in the same order: this one next
        if self
            .shows
            .get(at)
            .is_some_and(|(n, _)| Arc::ptr_eq(n, name))
        {
            return Ok(at);
        }
        match self.shows[at..].iter().position(same) {
            Some(i) => {
                self.shows.swap(at, at + i);
                Ok(at)
            }
            None => Err(at),
        }
    }

    /// Whether nothing was emitted or shown.
    fn said_nothing(&self) -> bool {
        self.messages.is_empty() && self.shown == 0
    }

    /// The values shown, the last answer's left out.
    fn finish(mut self) -> (Messages, Vec<(Arc<str>, crate::Shown)>) {
        self.shows.truncate(self.shown);
        (self.messages, self.shows)
    }
}

pub(super) struct Eval<'p, 'w> {
    pub(super) prog: &'p Program,
    pub(super) tx: Tx<'w>,
    pub(super) event: Option<&'p Event>,
    pub(super) now: Timestamp,
    /// Outcomes of the current phase, by case (`None`: about nobody), and spare buffers.
    scratch: ScratchGuard,
    /// Where to record what happens, when explaining or measuring coverage.
    trace: Option<&'p mut Trace>,
    /// In a transition invariant: the world before the event, which [`IExpr::Before`] reads.
    before: Option<&'w World>,
    /// Whether the time (`now`, the event's `at`) was read: a step that never read it does
    /// the same at any instant with nothing due before it (`docket verify` keeps it so).
    pub(super) read_time: bool,
    /// Deciding an event whose handler only answers ([`answer_into`]): what it says about
    /// nobody is written into `answer` rather than among the outcomes by case.
    answering: bool,
    answer: Acc,
    /// How many items the `for` running has (0 when none runs, or once an `add` made room
    /// for that many participants: see [`IAction::Add`] in [`Eval::actions`]).
    items_left: usize,
}

/// Evaluates `event` against `world` without changing it; `policy` is the program's
/// fingerprint, which the step carries.
///
/// The event must have been checked against `prog` (the engine refuses others); one that
/// does not fit its declarations is still refused here, not indexed out of range.
///
/// When `trace` is given, what the evaluation did is recorded into it (also up to an error).
pub(crate) fn evaluate_traced(
    prog: &Program,
    world: &World,
    event: &Event,
    policy: u64,
    trace: Option<&mut Trace>,
) -> R<Step> {
    if trace.is_none() {
        let mut step = Step::default();
        evaluate_into(prog, world, event, policy, &mut step)?;
        scratch::recycle_locals(std::mem::take(&mut step.locals));
        return Ok(step);
    }
    let mut ev = Eval::with_tx(prog, Tx::read(world), event.at);
    ev.trace = trace;
    let mut outcomes = Outcomes::new();
    run_event(&mut ev, event, &mut outcomes)?;
    Ok(Step {
        outcomes,
        changed: ev.tx.cases.take(),
        at: event.at,
        generation: world.generation,
        policy,
        locals: Vec::new(),
    })
}

/// [`evaluate_traced`] into `step`, whose outcomes' buffers are reused; on an error, `step`
/// is left a step of nothing (its old changes must not be committed by mistake).
pub(crate) fn evaluate_into(
    prog: &Program,
    world: &World,
    event: &Event,
    policy: u64,
    step: &mut Step,
) -> R<()> {
    let done = match answering(prog, world, event) {
        Some(h) => answer_into(prog, world, event, h, step).map(|()| {
            // (an empty map is left as it is: clearing one still walks it)
            if !step.changed.is_empty() {
                step.changed.clear();
            }
        }),
        None => {
            let mut ev = Eval::with_tx(prog, Tx::read(world), event.at);
            ev.scratch
                .spare
                .give_outcomes(std::mem::take(&mut step.outcomes));
            run_event(&mut ev, event, &mut step.outcomes).map(|()| {
                step.changed = ev.tx.cases.take();
            })
        }
    };
    match done {
        Ok(()) => {
            step.at = event.at;
            step.generation = world.generation;
            step.policy = policy;
            Ok(())
        }
        Err(e) => {
            *step = Step::default();
            Err(e)
        }
    }
}

/// The handler of `event` when the event can be decided by [`answer_into`]: it only answers
/// ([`compiled::HandlerCode::answers_only`]), the program runs compiled code, the event
/// fits its declaration, comes in time order and finds no deadline due. (Anything else,
/// errors included, takes the general path.)
fn answering<'p>(prog: &'p Program, world: &World, event: &Event) -> Option<&'p HandlerDef> {
    let h = prog.event_handlers.get(event.ty.index())?.as_ref()?;
    let fits = || {
        prog.event(event.ty)
            .and_then(|def| prog.record(def.record))
            .is_some_and(|record| record.fields.len() == event.fields.len())
    };
    let in_order = world.clock.is_none_or(|clock| event.at >= clock);
    let nothing_due = world.queue.first().is_none_or(|(t, _, _)| *t > event.at);
    (prog.compiled && h.code.answers_only && in_order && nothing_due && fits()).then_some(h)
}

/// The handler of deadline `slot` of case type `ty`, if it has one.
fn handler(prog: &Program, ty: CaseTypeId, slot: usize) -> Option<&HandlerDef> {
    let global = prog.case_def(ty)?.deadlines.get(slot)?;
    prog.deadline_handler(*global)
}

/// Whether handler `h` of a deadline runs no rule at a case in status `status`: each of
/// its rules' guards fails there (decided at load).
fn idle(h: &HandlerDef, status: usize) -> bool {
    h.code.idle_in.get(status).copied().unwrap_or(false)
}

/// Whether a firing of deadline `slot` of a case of type `ty` in status `status` runs no
/// rule: it has no handler, or one idle in that status.
fn quiet(prog: &Program, ty: CaseTypeId, slot: usize, status: usize) -> bool {
    handler(prog, ty, slot).is_none_or(|h| idle(h, status))
}

/// Decides an event whose handler only answers ([`answering`]) into `outcomes`, reusing
/// the buffers of the one outcome it held: what [`run_event`] would give (the one outcome
/// about nobody, or none when no rule answered), without sorting outcomes by case or
/// looking for changed cases, since there are none.
fn answer_into(
    prog: &Program,
    world: &World,
    event: &Event,
    h: &HandlerDef,
    step: &mut Step,
) -> R<()> {
    let Step {
        outcomes, locals, ..
    } = step;
    if outcomes.len() > 1 {
        recycle(std::mem::take(outcomes));
    }
    let mut ev = Eval::with_tx(prog, Tx::read(world), event.at);
    ev.event = Some(event);
    ev.answering = true;
    // the buffers of the last answer, swapped rather than moved (no copy of an outcome);
    // its shows are kept until shown again, most often under the same names
    if let Some(o) = outcomes.first_mut() {
        std::mem::swap(&mut ev.answer.messages, &mut o.messages);
        std::mem::swap(&mut ev.answer.shows, &mut o.shows);
        if !ev.answer.messages.is_empty() {
            ev.answer.messages.clear();
        }
    }
    // the step's slots: the thread's spare buffers are not needed (nor taken), unless the
    // step is new (a one-shot `evaluate`, which gives them back)
    if locals.capacity() == 0 {
        *locals = ev.scratch.spare.locals(h.locals);
    }
    fill_locals(locals, h.locals);
    ev.run_handler_in(h, None, locals)?;
    let acc = &mut ev.answer;
    acc.shows.truncate(acc.shown);
    // a rule that answers shows or emits something: nothing said, no outcome
    if acc.said_nothing() {
        outcomes.clear();
        let acc = std::mem::take(acc);
        ev.scratch.spare.give_acc(acc);
        return Ok(());
    }
    match outcomes.first_mut() {
        Some(o) => {
            // the last outcome's name is kept when it is the one to write (no count to
            // change)
            let kept = match prog.shared.case_names.get(CaseTypeId::FIRST.index()) {
                Some(name) => o.case_name.same(name),
                None => o.case_name.is_empty(),
            };
            if !kept {
                o.case_name = outcome_case_name(prog, CaseTypeId::FIRST);
            }
            o.case = None;
            o.status = None;
            std::mem::swap(&mut o.messages, &mut acc.messages);
            std::mem::swap(&mut o.shows, &mut acc.shows);
        }
        None => outcomes.push(Outcome {
            case_name: outcome_case_name(prog, CaseTypeId::FIRST),
            case: None,
            status: None,
            messages: std::mem::take(&mut acc.messages),
            shows: std::mem::take(&mut acc.shows),
        }),
    }
    Ok(())
}

/// Applies `event` to `world` in place: all of it, or nothing of it when it fails (its
/// writes are undone). Writes its outcomes into `out` (empty, and left empty on an error:
/// written where the caller keeps them, not moved out through each call), and returns,
/// when `changed`, the cases it changed or created, in order.
/// The event must have been checked as for [`evaluate_traced`].
pub(crate) fn apply_traced(
    prog: &Program,
    world: &mut World,
    event: &Event,
    (trace, changed): (Option<&mut Trace>, bool),
    out: &mut Outcomes,
) -> R<Vec<CaseId>> {
    let mut ev = Eval::with_tx(prog, Tx::write(world, prog), event.at);
    ev.trace = trace;
    ev.tx.reuse(std::mem::take(&mut ev.scratch.spare.tx));
    let done = match run_event(&mut ev, event, out) {
        Ok(()) => {
            let changed = if changed { ev.tx.changed() } else { Vec::new() };
            ev.tx.finish(event.at);
            Ok(changed)
        }
        Err(e) => {
            out.clear();
            ev.tx.rollback(prog);
            Err(e)
        }
    };
    ev.scratch.spare.tx = ev.tx.buffers(scratch::KEPT_CAPACITY);
    done
}

/// Applies `event` to `world` in place, hands `seen` the world as it left it (at the
/// event's clock and generation, as `policy`'s), its outcomes and the cases it wrote or
/// created, then undoes every write: `world` is as it was, whatever the event did. An
/// exploration trying many events on one world (`docket verify`) pays for what each
/// writes, not for copying the cases it writes.
pub(crate) fn probe<T>(
    prog: &Program,
    world: &mut World,
    event: &Event,
    policy: u64,
    trace: Option<&mut Trace>,
    seen: impl FnOnce(&World, Outcomes, &[CaseId]) -> T,
) -> R<T> {
    let mut ev = Eval::with_tx(prog, Tx::write(world, prog), event.at);
    ev.trace = trace;
    ev.tx.reuse(std::mem::take(&mut ev.scratch.spare.tx));
    let mut outcomes = Outcomes::new();
    let done = run_event(&mut ev, event, &mut outcomes);
    if let Some(t) = ev.trace.as_deref_mut() {
        t.read_time = ev.read_time;
    }
    let done = done.map(|()| {
        let changed = ev.tx.changed();
        ev.tx
            .as_committed(event.at, policy, |w| seen(w, outcomes, &changed))
    });
    ev.tx.rollback(prog);
    ev.scratch.spare.tx = ev.tx.buffers(scratch::KEPT_CAPACITY);
    done
}

/// Runs one event through `ev`: its deadlines, its handler, erasures and deadlines of what
/// it changed. Its outcomes are appended to `outcomes` (empty; on an error, it may hold
/// some).
fn run_event<'p>(ev: &mut Eval<'p, '_>, event: &'p Event, outcomes: &mut Outcomes) -> R<()> {
    let prog = ev.prog;
    let declared = prog.event(event.ty).and_then(|def| prog.record(def.record));
    let handler = match (declared, prog.event_handlers.get(event.ty.index())) {
        (Some(record), Some(handler)) if record.fields.len() == event.fields.len() => handler,
        _ => return bug("the event was not checked against this policy"),
    };
    if let Some(clock) = ev.tx.world.clock {
        if event.at < clock {
            return Err(refuse(
                Some("at"),
                format_args!(
                    "`{}` is earlier than the previous event (`{}`): events come in time order",
                    event.at.display_with_offset(event.offset),
                    clock.display_with_offset(event.offset)
                ),
            ));
        }
    }
    // 1. Deadlines due at or before the event fire first, in (instant, case key) order.
    ev.fire_deadlines(event.at, outcomes)?;
    // 2. The event's own handler: its outcomes in order of case key, answers about nobody last.
    ev.now = event.at;
    ev.event = Some(event);
    if let Some(h) = handler {
        ev.trace_handler(HandlerRef::Event(event.ty));
        ev.run_handler(h, None)?;
    }
    // an event that wrote nothing and answered about nobody (a decision): its one outcome
    if ev.tx.wrote_nothing() {
        if let Some(acc) = ev.scratch.outcomes.only_nobody() {
            outcomes.push(ev.outcome(None, acc)?);
            return Ok(());
        }
    }
    // one outcome needs no order, nor its case's key; more are put in order of case type
    // (as declared), then key, answers about nobody last
    let one = ev.scratch.outcomes.only();
    let mut own = std::mem::take(&mut ev.scratch.own);
    if one.is_none() {
        for (c, a) in ev.scratch.outcomes.sorted() {
            let key = match c {
                Some(id) => {
                    let case = ev.tx.case(id)?;
                    Some((case.ty, case.key.clone()))
                }
                None => None,
            };
            own.push((c.is_none(), key, c, a));
        }
        own.sort_by(|x, y| (x.0, &x.1).cmp(&(y.0, &y.1)));
    }
    // 3. Erasures, deadlines and completeness of every changed case (when any was).
    if !ev.tx.wrote_nothing() {
        ev.tx.index_undo();
        let mut changed = std::mem::take(&mut ev.scratch.spare.changed);
        ev.tx.written_into(&mut changed, prog.reads_unwritten);
        let mut due = ev.scratch.spare.due.take().unwrap_or_default();
        ev.settle(&changed, &mut due)?;
        ev.scratch.spare.give_changed(changed, due);
    }
    if let Some((c, a)) = one {
        outcomes.push(ev.outcome(c, a)?);
    }
    // (most events have one outcome, taken above: the drain is not even made)
    if !own.is_empty() {
        for (_, _, c, a) in own.drain(..) {
            outcomes.push(ev.outcome(c, a)?);
        }
    }
    ev.scratch.own = own;
    Ok(())
}

impl Eval<'_, '_> {
    /// The cases `changed` settled after the handler: every erasure condition read first,
    /// on the world as the rules left it; then the fields to erase erased; then the
    /// deadlines computed again where something they read changed, and the fields a new
    /// case or participant needs checked. (Most events change one case: the same path, one
    /// pass of each loop.)
    fn settle(&mut self, changed: &[CaseId], due: &mut DueBufs) -> R<()> {
        // every condition is read first, on the world as the rules left it; then erased (the
        // fields of the changed cases one after another, each case's up to its record's end)
        let mut erased = std::mem::take(&mut due.erased);
        erased.clear();
        let mut found = std::mem::take(&mut due.found);
        found.clear();
        for &id in changed {
            // what the event wrote of the case, read once for its conditions and deadlines
            let writes = self.tx.write_set(id);
            let start = erased.len();
            self.erasures((id, writes), (&mut due.locals, &mut due.was), &mut erased)?;
            let Ok(end) = u32::try_from(erased.len()) else {
                return bug("more fields to erase than one event can number");
            };
            let stale = self.deadlines_stale((id, writes), &erased[start..])?;
            found.push(Settling {
                end,
                stale,
                unwritten: writes.is_some_and(|w| w.is_empty()) && erased.len() == start,
                whole: writes.is_none_or(|w| w.added()),
            });
        }
        // (each case's fields to erase start where those of the case before end)
        let mut start = 0;
        for (&id, f) in changed.iter().zip(&found) {
            let erase = erased.get(start..f.end as usize).unwrap_or_default();
            start = f.end as usize;
            if !erase.is_empty() {
                self.apply_erasures(id, erase)?;
            }
        }
        for (&id, f) in changed.iter().zip(&found) {
            // an unwritten case whose deadlines read nothing that changed: nothing to do
            if f.stale || (!f.unwritten && f.whole) {
                self.refresh(id, f.stale, f.whole, due)?;
            }
        }
        due.erased = erased;
        due.found = found;
        Ok(())
    }
}

/// What settling a changed case found before anything was erased ([`Eval::settle`]), in
/// the order of the changed cases. (Eight bytes: a tick may settle a million cases.)
#[derive(Clone, Copy)]
pub(super) struct Settling {
    /// Where its fields to erase end in the list of all of them (they start where those
    /// of the case before end).
    end: u32,
    /// Whether its deadlines are computed again (something they read changed).
    stale: bool,
    /// Whether the event wrote none of its places (a deadline fired and its handler changed
    /// nothing of it), nor erased any: none of its fields can have lost its value.
    unwritten: bool,
    /// Whether it is new, or was given a participant: only such a case can lack a value a
    /// field needs (the checker sees to it that no write to a place a case had unsets one
    /// that needs it).
    whole: bool,
}

// a tick expiring a million cases holds one each: kept at eight bytes
const _: () = assert!(std::mem::size_of::<Settling>() == 8);

/// Buffers for computing when a case's deadlines are due, kept from one case to the next
/// (a tick may compute them for a million cases).
#[derive(Default)]
pub(super) struct DueBufs {
    /// When each deadline is due.
    times: Vec<Option<Timestamp>>,
    /// The local slots of a deadline's expression.
    locals: Vec<Value>,
    /// The fields to erase of every changed case, one case after another.
    erased: Vec<erase::Erased>,
    /// What settling found of each changed case.
    found: Vec<Settling>,
    /// The storage of a changed case's log of its places before the event.
    was: tx::WasLog,
}

impl DueBufs {
    /// The capacity of the largest buffer.
    pub(super) fn largest(&self) -> usize {
        [
            self.times.capacity(),
            self.locals.capacity(),
            self.erased.capacity(),
            self.found.capacity(),
            self.was.largest(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}

/// The instant each deadline of a case is due, computed from its fields.
pub(crate) fn deadline_times(
    prog: &Program,
    world: &World,
    case: CaseId,
) -> R<Vec<Option<Timestamp>>> {
    let ev = Eval::new(prog, world, world.clock.unwrap_or(Timestamp::UNIX_EPOCH));
    let mut ev = ev;
    ev.deadline_times(case)
}

/// Evaluates `unit` over one owner of `world` (a case or a participant, as slot 0), at the
/// world's clock and outside any event: a migrated value, an erasure condition.
pub(crate) fn eval_unit(prog: &Program, world: &World, owner: Value, unit: &Unit) -> R<Value> {
    let mut ev = Eval::new(prog, world, world.clock.unwrap_or(Timestamp::UNIX_EPOCH));
    let mut locals = vec![Value::Unset; unit.locals.max(1)];
    locals[0] = owner;
    ev.expr(&unit.expr, &mut locals)
}

/// Whether `inv` holds of the case `case` of `after` (and, for a transition invariant, of
/// the same case in `before`), at `after`'s clock: `Ok(None)` when it holds, else its
/// message. A condition that cannot be evaluated (an unset value read) is an error.
pub(crate) fn invariant_message(
    prog: &Program,
    before: Option<&World>,
    after: &World,
    inv: &InvariantDef,
    case: CaseId,
) -> R<Option<String>> {
    let mut ev = Eval::new(prog, after, after.clock.unwrap_or(Timestamp::UNIX_EPOCH));
    ev.before = before;
    let mut locals = vec![Value::Unset; inv.holds.locals.max(2)];
    if ev.invariant_holds(inv, case, &mut locals)? {
        return Ok(None);
    }
    ev.template(&inv.message, None, &mut locals).map(Some)
}

/// Whether invariant `inv` holds for case `case` of `after` (the same case in `before`), at
/// `now`, as [`invariant_message`] decides it at `after`'s clock, without its message (a
/// condition that cannot be evaluated does not hold); and whether deciding it read `now`.
pub(crate) fn invariant_holds(
    prog: &Program,
    before: Option<&World>,
    after: &World,
    inv: &InvariantDef,
    case: CaseId,
    now: Timestamp,
) -> (bool, bool) {
    let mut ev = Eval::new(prog, after, now);
    ev.before = before;
    let mut locals = vec![Value::Unset; inv.holds.locals.max(2)];
    let holds = ev.invariant_holds(inv, case, &mut locals).unwrap_or(false);
    (holds, ev.read_time)
}

impl Eval<'_, '_> {
    /// Whether invariant `inv` holds for case `case`, `locals` its slots.
    fn invariant_holds(
        &mut self,
        inv: &InvariantDef,
        case: CaseId,
        locals: &mut Vec<Value>,
    ) -> R<bool> {
        locals[0] = Value::Case(case);
        locals[1] = Value::Case(case);
        match inv.holds.code.test(self.prog) {
            Some(code) => code(self, locals),
            None => self.truth(&inv.holds.expr, locals),
        }
    }
}

impl<'p, 'w> Eval<'p, 'w> {
    fn new(prog: &'p Program, world: &'w World, now: Timestamp) -> Self {
        Eval::with_tx(prog, Tx::read(world), now)
    }

    fn with_tx(prog: &'p Program, tx: Tx<'w>, now: Timestamp) -> Self {
        Eval {
            prog,
            tx,
            event: None,
            now,
            scratch: ScratchGuard::lazy(),
            trace: None,
            before: None,
            read_time: false,
            answering: false,
            answer: Acc::default(),
            items_left: 0,
        }
    }

    /// Fires every deadline due at or before `at`, in (instant, case key) order; each fires
    /// once per due instant. A deadline that its own handler (or another) moves to an instant
    /// still at or before `at` fires again, in its turn. Returns the outcomes in firing order,
    /// each showing its case as that firing left it.
    fn fire_deadlines(&mut self, at: Timestamp, outcomes: &mut Outcomes) -> R<()> {
        // The firings to consider, in (instant, case key) order: those due in the world's
        // queue (taken out of it when applying), sorted once, and those re-armed while
        // firing, in a min-heap.
        let world = &*self.tx.world;
        // most events find nothing due: nothing to set up
        if world.queue.first().is_none_or(|(t, _, _)| *t > at) {
            return Ok(());
        }
        let mut fired = self.fire_due(at)?;
        if fired.len() > 1 {
            *outcomes = Outcomes::from(fired);
        } else {
            // one firing (or none) is held without the buffer, which is kept for the next
            if let Some(o) = fired.pop() {
                outcomes.push(o);
            }
            self.scratch.spare.give_outcome_buffer(fired);
        }
        Ok(())
    }

    /// [`Eval::fire_deadlines`] when one is due: a function of its own, so that the code
    /// of `run_event`, which every event runs, is not spread over the code of firing.
    #[inline(never)]
    fn fire_due(&mut self, at: Timestamp) -> R<Vec<Outcome>> {
        // (in the thread's spare buffer: a tick most often fires a few)
        let mut buffer = std::mem::take(&mut self.scratch.spare.queued);
        buffer.clear();
        let (taken, rest) = self.tx.take_due(at, &mut buffer);
        let mut queued = Due::new(&self.tx.world, buffer, rest);
        let fired = self.fire_queued(at, &mut queued, taken);
        let buffer = match &fired {
            Ok(_) => {
                self.tx.drop_fired(at);
                queued.into_buffer()
            }
            Err(_) => {
                let (rest, buffer) = queued.into_rest();
                self.tx.requeue(rest);
                buffer
            }
        };
        self.scratch.spare.queued = scratch::bounded(buffer);
        fired
    }

    /// Fires `queued`, the deadlines due at or before `at` in order ([`Eval::fire_due`]),
    /// `taken` out of the world's queue or not ([`Tx::take_due`]), and those rules re-arm
    /// at or before `at` as they come. On an error, `queued` holds those not yet fired
    /// (and perhaps the one whose firing failed: [`Tx::requeue`] puts back only what is
    /// still due at its instant).
    fn fire_queued(&mut self, at: Timestamp, queued: &mut Due, taken: bool) -> R<Vec<Outcome>> {
        let world = &*self.tx.world;
        let mut rearmed: BinaryHeap<Reverse<(Timestamp, Text, CaseId, u16)>> = BinaryHeap::new();
        // the cases each firing writes, in one buffer (a tick may fire a million deadlines)
        let mut dirty_buf: Vec<CaseId> = Vec::new();
        let mut due = DueBufs::default();
        let mut outcomes = self.scratch.spare.outcomes.pop().unwrap_or_default();
        // one outcome a firing, most often: made once at its size when there are many (a
        // tick may fire a million deadlines, and a vector grown by doubling leaves the memory
        // it moved from behind; a few firings, most with nothing to say, grow it less)
        if queued.len() > RESERVED_FIRINGS {
            outcomes.reserve(queued.len());
        }
        let mut fired = 0usize;
        let mut done = scratch::Outcomes::default();
        // never before the last accepted event: a deadline set into the past fires now
        let mut clock: Option<Timestamp> = world.clock;
        loop {
            // the firings that run no rule, taken out of the queue, one after another (most
            // of a busy tick's): at once, as long as none is re-armed to come between
            if taken && rearmed.is_empty() && self.trace.is_none() {
                let prog = self.prog;
                let quiet = |ty, di, status| quiet(prog, ty, di, status);
                if self.tx.fire_quiet(queued, quiet, &mut clock)? > 0 {
                    self.now = clock.unwrap_or(self.now);
                }
            }
            let from_queue = match (queued.peek(&self.tx.world), rearmed.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(q), Some(Reverse(r))) => {
                    (q.0, self.tx.case(q.1)?.key.as_str()) <= (r.0, r.1.as_str())
                }
            };
            let next = if from_queue {
                queued.peek(&self.tx.world)
            } else {
                None
            };
            let (t, case, d, again) = match next {
                Some((t, case, d)) => {
                    queued.advance();
                    (t, case, d, false)
                }
                _ => match rearmed.pop() {
                    Some(Reverse((t, _, case, d))) => (t, case, d, true),
                    None => break,
                },
            };
            let di = d as usize;
            // (its status is the same once fired: a firing writes its deadline's state only)
            let (st, ty, status) = {
                let c = self.tx.case(case)?;
                let st = c.deadlines.get(di).copied().unwrap_or_default();
                (st, c.ty, c.status.index())
            };
            // moved or fired since it was queued: its current instant is queued too
            if st.pending() != Some(t) {
                continue;
            }
            fired += usize::from(again);
            if fired > MAX_FIRINGS {
                return fail(format!(
                    "more than {MAX_FIRINGS} repeated deadline firings before this event: deadline `{}` keeps re-arming itself at or before the event's time",
                    self.deadline_name(case, di)
                ));
            }
            self.tx.fire(case, di, st, t, taken && !again)?;
            // the clock never runs backwards: a deadline re-armed into the past fires now
            let t = clock.map_or(t, |c| c.max(t));
            clock = Some(t);
            self.now = t;
            self.trace_fired(case, di, t);
            // no rule runs: nothing but the deadline changed, and nothing is to say (a trace
            // shows each rule's guard, though)
            let Some(h) = handler(self.prog, ty, di) else {
                continue;
            };
            if self.trace.is_none() && idle(h, status) {
                continue;
            }
            self.tx.dirty = Some(std::mem::take(&mut dirty_buf));
            // its `now` is the deadline's instant, not the event's: which deadlines fire is
            // what depends on the event's time, and is noted below
            let read_time = self.read_time;
            self.run_handler(h, Some(case))?;
            self.read_time = read_time;
            // the cases this firing changed may be due again (or newly due) before `at`
            let mut dirty = self.tx.dirty.take().unwrap_or_default();
            for id in dirty.drain(..) {
                self.deadline_times_into(id, &mut due)?;
                self.tx.set_due(id, &due.times)?;
                let c = self.tx.case(id)?;
                for (dj, state) in c.deadlines.iter().enumerate() {
                    // whether a deadline pending again fires depends on the event's time
                    self.read_time |= state.pending().is_some();
                    if let Some(when) = state.pending().filter(|w| *w <= at) {
                        rearmed.push(Reverse((when, c.key.clone(), id, dj as u16)));
                    }
                }
            }
            dirty_buf = dirty;
            // this firing's outcomes taken out, an empty set of them left in their place
            // (one made for the whole loop: a set made and dropped each firing costs more
            // than most firings' rules)
            std::mem::swap(&mut self.scratch.outcomes, &mut done);
            for (c, a) in done.sorted() {
                outcomes.push(self.outcome(c, a)?);
            }
        }
        Ok(outcomes)
    }

    /// The name of deadline `slot` of `case`'s type, for errors.
    fn deadline_name(&self, case: CaseId, slot: usize) -> &'p str {
        let prog = self.prog;
        self.tx
            .case(case)
            .ok()
            .and_then(|c| prog.case_def(c.ty))
            .and_then(|def| def.deadlines.get(slot))
            .and_then(|g| prog.deadline(*g))
            .map_or("", |d| d.name.as_str())
    }

    fn route(&mut self, r: &RouteDef, h: &HandlerCode, locals: &mut Vec<Value>) -> R<CaseId> {
        // the key read where it lies (an event's field, most often): finding the case takes
        // no copy of it; one is made where a case is made with it, or an error names it
        let found = match h.route_key.as_ref().and_then(|k| k.read(self, locals)) {
            Some(Value::Text(key)) => Some(self.tx.find(r.case_ty, key)),
            _ => None,
        };
        if let Some(Some(id)) = found {
            if r.or_new || !r.create {
                return Ok(id);
            }
        }
        let key = match self.expr(&r.key, locals)? {
            Value::Text(s) => s,
            _ => return bug("a case key is not text"),
        };
        let existing = match found {
            Some(existing) => existing,
            None => self.tx.find(r.case_ty, &key),
        };
        let Some(def) = self.prog.case_def(r.case_ty) else {
            return bug("no such case type");
        };
        let case_name = &def.name;
        if let (true, Some(id)) = (r.or_new, existing) {
            return Ok(id);
        }
        if r.create || r.or_new {
            if existing.is_some() {
                let field = r.key_field.as_deref();
                return Err(refuse(
                    field,
                    format_args!("{case_name} `{key}` exists already"),
                ));
            }
            let fields = initial_values(&def.fields);
            let case = CaseData {
                ty: r.case_ty,
                key,
                status: MemberId::FIRST,
                fields: fields.into(),
                parts: Parts::new(def.parts.fields.len()),
                deadlines: vec![DeadlineState::default(); def.deadlines.len()].into(),
            };
            let id = self.tx.create(self.prog, case);
            self.touched(Some(id));
            Ok(id)
        } else {
            existing.ok_or_else(|| {
                refuse(
                    r.key_field.as_deref(),
                    format_args!("no {case_name} `{key}`"),
                )
            })
        }
    }

    fn touch(&mut self, case: Option<CaseId>) -> &mut Acc {
        Self::acc((self.answering, &mut self.answer), &mut self.scratch, case)
    }

    /// [`Eval::touch`] where nothing is said: `case` gets an outcome. Most often it is the
    /// case written or touched last, which has one already.
    #[inline]
    fn touched(&mut self, case: Option<CaseId>) {
        if !self.scratch.outcomes.is_last(case) {
            self.touch(case);
        }
    }

    /// What is said about `case`: [`Eval::touch`] over the fields it needs (so that the
    /// others can be read meanwhile).
    fn acc<'a>(
        (answering, answer): (bool, &'a mut Acc),
        scratch: &'a mut ScratchGuard,
        case: Option<CaseId>,
    ) -> &'a mut Acc {
        if case.is_none() && answering {
            return answer;
        }
        let scratch::Scratch {
            outcomes, spare, ..
        } = &mut **scratch;
        outcomes.entry(case, spare)
    }

    /// Runs a handler: for an event handler, `case` is `None` and the handler routes itself;
    /// for a deadline's, `case` is the case whose deadline fired.
    fn run_handler(&mut self, h: &HandlerDef, case: Option<CaseId>) -> R<()> {
        let mut locals = self.scratch.spare.slots(h.locals);
        let done = self.run_handler_in(h, case, &mut locals);
        self.scratch.spare.give_slots(locals);
        done
    }

    /// [`Eval::run_handler`] in `locals`, slots enough for it (slot 0 written here, the
    /// others before they are read).
    fn run_handler_in(
        &mut self,
        h: &HandlerDef,
        case: Option<CaseId>,
        locals: &mut Vec<Value>,
    ) -> R<()> {
        let case = match &h.route {
            Some(r) => Some(self.route(r, &h.code, locals)?),
            None => case,
        };
        // slot 0 is the case, unset when there is none (the other slots are written before
        // they are read; kept from an earlier handler, they may hold what it left)
        if let Some(slot) = locals.first_mut() {
            slot.put(case.map_or(Value::Unset, Value::Case));
        }
        for (i, (slot, e)) in h.lets.iter().enumerate() {
            let v = match h.code.lets.get(i) {
                Some(code) => code(self, locals),
                None => self.expr(e, locals),
            };
            match (v, locals.get_mut(*slot as usize)) {
                (Ok(v), Some(to)) => to.put(v),
                (Ok(_), None) => return bug("a `let` slot past the handler's slots"),
                (Err(e), _) => return Err(e),
            }
        }
        for (i, rule) in h.rules.iter().enumerate() {
            let code = h.code.rules.get(i);
            match &rule.for_each {
                None => {
                    let ctx = context(rule.context, case, None);
                    self.run_rule((i, rule), code, ctx, locals)?;
                }
                // over a `let` list: item by item from its slot, which no rule writes,
                // without a share of the list to take and give back
                Some((slot, IExpr::Local(from))) if rule.over_let => {
                    if let Some(Value::List(v) | Value::Set(v)) = locals.get(*from as usize) {
                        self.items_left = v.len();
                    }
                    for k in 0.. {
                        let item = match locals.get(*from as usize) {
                            Some(Value::List(v) | Value::Set(v)) => match v.get(k) {
                                Some(item) => item.clone(),
                                None => break,
                            },
                            _ => return fail(format!("rule `{}`: `for` needs a list", rule.name)),
                        };
                        let ctx = context(rule.context, case, Some(&item));
                        locals[*slot as usize].put(item);
                        self.run_rule((i, rule), code, ctx, locals)?;
                    }
                    self.items_left = 0;
                }
                Some((slot, src)) => {
                    let items = match code.and_then(|c| c.for_each.as_ref()) {
                        Some(source) => source(self, locals)?,
                        None => self.expr(src, locals)?,
                    };
                    let items = match items {
                        Value::List(v) | Value::Set(v) => v,
                        _ => return fail(format!("rule `{}`: `for` needs a list", rule.name)),
                    };
                    self.items_left = items.len();
                    for item in items.iter() {
                        let ctx = context(rule.context, case, Some(item));
                        locals[*slot as usize].put(item.clone());
                        self.run_rule((i, rule), code, ctx, locals)?;
                    }
                    self.items_left = 0;
                }
            }
        }
        Ok(())
    }

    /// Runs rule `index` of the running handler, by its compiled `code` where it has some
    /// (unless a trace asks for each guard's parts: then the tree walker decides, part by
    /// part); a trace that only counts records the branch taken.
    fn run_rule(
        &mut self,
        (index, rule): (usize, &RuleDef),
        code: Option<&compiled::RuleCode>,
        ctx: Option<CaseId>,
        locals: &mut Vec<Value>,
    ) -> R<()> {
        if self.trace.as_deref().is_some_and(|t| !t.counts_only) {
            return self.run_rule_traced(rule, ctx, locals);
        }
        // the branch as the trace numbers it: none without `when`, else the first that
        // holds, or the one past the `else when`s
        let branch = match (&rule.when, code.and_then(|c| c.when.as_ref())) {
            (None, _) => None,
            (Some(_), Some(when)) if when(self, locals)? => Some(0),
            (Some(w), None) if self.truth(w, locals)? => Some(0),
            // no `else when`: the `else` (which may be empty)
            (Some(_), _) if rule.else_when.is_empty() => Some(1),
            (Some(_), _) => Some(self.else_when(rule, code, locals)?),
        };
        self.count_rule(index, branch);
        let b = branch.unwrap_or(0);
        let actions = match b {
            0 => &rule.then,
            b => match rule.else_when.get(b - 1) {
                Some((_, actions)) => actions,
                None => &rule.otherwise,
            },
        };
        if actions.is_empty() {
            // (a guard that failed, with no `else`: most rules of most events)
            return Ok(());
        }
        let code = code.and_then(|c| c.branches.get(b)).map(Vec::as_slice);
        self.actions(actions, code, ctx, locals)
    }

    /// The branch of `rule` taken when its `when` failed: the first `else when` that holds
    /// (numbered from 1), else the one past them (the `else`).
    #[inline(never)]
    fn else_when(
        &mut self,
        rule: &RuleDef,
        code: Option<&compiled::RuleCode>,
        locals: &mut Vec<Value>,
    ) -> R<usize> {
        for (i, (cond, _)) in rule.else_when.iter().enumerate() {
            let holds = match code.and_then(|c| c.else_when.get(i)) {
                Some(test) => test(self, locals)?,
                None => self.truth(cond, locals)?,
            };
            if holds {
                return Ok(i + 1);
            }
        }
        Ok(rule.else_when.len() + 1)
    }

    /// Runs `actions`, by their compiled `code` where it has some. The commonest actions (a
    /// message emitted as the policy wrote it, a `set`, a `show`) run here; the others out
    /// of line ([`Eval::action`]), so that this loop, run by every rule that fires, stays
    /// small.
    fn actions(
        &mut self,
        actions: &[IAction],
        code: Option<&[compiled::ActionCode]>,
        ctx: Option<CaseId>,
        locals: &mut Vec<Value>,
    ) -> R<()> {
        use compiled::ActionCode;
        for (i, a) in actions.iter().enumerate() {
            match a {
                IAction::Emit(m) => {
                    if let Some(message) = self.prog.message(*m) {
                        let message = Arc::clone(message);
                        self.touch(ctx).emit(message);
                    }
                }
                IAction::Set(place, e) => {
                    let v = match ActionCode::value(code, i) {
                        Some(f) => f(self, locals)?,
                        None => self.expr(e, locals)?,
                    };
                    self.set(place, v, locals)?;
                    self.touched(ctx);
                }
                // a literal, made when the policy loaded (an arm of its own: as an early
                // `continue` in the arm below, the limits decision took 54 -> 58 ns)
                IAction::Show(name, _) if ActionCode::shown(code, i).is_some() => {
                    if let Some(shown) = ActionCode::shown(code, i) {
                        self.touch(ctx).show_copy(name, shown);
                    }
                }
                IAction::Show(name, e) => {
                    let v = match ActionCode::value(code, i) {
                        Some(f) => f(self, locals)?,
                        None => self.expr(e, locals)?,
                    };
                    // a case is shown by its key, which never changes
                    let tx = &self.tx;
                    let key = |id| tx.case(id).ok().map(|c| c.key.clone());
                    let acc = Self::acc((self.answering, &mut self.answer), &mut self.scratch, ctx);
                    acc.show_value(name, v, &self.prog.shared.names, &key);
                }
                a => self.action((i, a), code, ctx, locals)?,
            }
        }
        Ok(())
    }

    /// Runs action `i` of [`Eval::actions`], one of those it does not run itself.
    #[inline(never)]
    fn action(
        &mut self,
        (i, a): (usize, &IAction),
        code: Option<&[compiled::ActionCode]>,
        ctx: Option<CaseId>,
        locals: &mut Vec<Value>,
    ) -> R<()> {
        use compiled::ActionCode;
        match a {
            IAction::EmitWith { message, columns } => {
                let code = ActionCode::templates(code, i);
                let message = self.render_message(*message, columns, code, locals)?;
                self.touch(ctx).emit(message);
            }
            IAction::Reject { field, message } => {
                let template = ActionCode::templates(code, i).and_then(<[_]>::first);
                let text = if self.no_texts() {
                    self.placeholders(message, template, locals)?;
                    String::new()
                } else {
                    self.template(message, template, locals)?
                };
                return Err(Box::new(EvalError {
                    field: field.clone(),
                    message: text,
                }));
            }
            IAction::Add { keys, bind, block } => {
                // the routed case (the deadline's, in a deadline handler), as checked
                let Some(Value::Case(case)) = locals.first().cloned() else {
                    return bug("`add` without a case");
                };
                let (key_code, block_code) = ActionCode::add(code, i);
                let Some(def) = self.prog.case_def(self.tx.case(case)?.ty) else {
                    return bug("no such case type");
                };
                // the new participant's fields, its keys written in: the keys are
                // looked for in these, and these are what a new one is made of
                let mut fields = self.spare_values();
                initial_values_into(&def.parts.fields, &mut fields);
                for (k, (f, e)) in keys.iter().enumerate() {
                    let v = match key_code.and_then(|c| c.get(k)) {
                        Some(f) => f(self, locals),
                        None => self.expr(e, locals),
                    };
                    match (v, fields.get_mut(*f as usize)) {
                        (Ok(v), Some(to)) => *to = v,
                        (Ok(_), None) => return bug("an `add` key past the fields"),
                        (Err(e), _) => return Err(e),
                    }
                }
                let found = self.tx.case(case)?.parts.iter().position(|p| {
                    keys.iter().all(|(f, _)| {
                        let f = *f as usize;
                        p.get(f) == fields.get(f)
                    })
                });
                let idx = match found {
                    Some(i) => i,
                    None => {
                        // in a `for` over several items: room made for one participant
                        // each at once, not grown one at a time
                        let n = std::mem::take(&mut self.items_left);
                        if n > 1 {
                            self.tx.reserve_parts(case, n);
                        }
                        self.tx.push_part(self.prog, case, &mut fields)?
                    }
                };
                self.scratch.spare.give_locals(fields);
                self.touched(Some(case));
                locals[*bind as usize] = Value::Part(PartRef {
                    case,
                    idx: idx as u32,
                });
                self.actions(block, block_code, ctx, locals)?;
            }
            IAction::Emit(_) | IAction::Set(..) | IAction::Show(..) => {
                return bug("an action run out of line")
            }
        }
        Ok(())
    }

    /// A message whose placeholders read the rule's scope, rendered now: its columns in the
    /// order of the output, the extra ones named as the shared message names them.
    fn render_message(
        &mut self,
        m: MessageId,
        columns: &[Vec<TPart>],
        code: Option<&[compiled::Placeholders]>,
        locals: &mut Vec<Value>,
    ) -> R<Arc<MessageOut>> {
        let code = |i: usize| code.and_then(|c| c.get(i));
        let Some(shared) = self.prog.message(m) else {
            return bug("an unknown message");
        };
        let mut texts = Vec::with_capacity(columns.len());
        if self.no_texts() {
            for (i, parts) in columns.iter().enumerate() {
                self.placeholders(parts, code(i), locals)?;
            }
            return Ok(Arc::clone(shared));
        }
        for (i, parts) in columns.iter().enumerate() {
            texts.push(self.template(parts, code(i), locals)?);
        }
        let mut texts = texts.into_iter();
        let mut next = || texts.next().unwrap_or_default();
        let (text, result, next_step) = (next(), next(), next());
        let extra = shared
            .columns
            .iter()
            .map(|(name, _)| (name.clone(), next()))
            .collect();
        Ok(Arc::new(MessageOut::with_columns(
            shared.id.clone(),
            text,
            result,
            next_step,
            extra,
        )))
    }

    fn set(&mut self, place: &Place, v: Value, locals: &mut Vec<Value>) -> R<()> {
        match place {
            Place::CaseStatus(owner) => {
                let Value::Enum(_, s) = v else {
                    return bug("a status is not a status");
                };
                let id = self.case_of(owner, locals)?;
                self.tx.set_status(id, s)?;
                self.touched(Some(id));
            }
            Place::CaseField(owner, f) => {
                let id = self.case_of(owner, locals)?;
                self.tx.set_field(self.prog, id, *f, v)?;
                self.touched(Some(id));
            }
            Place::PartField(owner, f) => {
                let p = self.part_of(owner, locals)?;
                self.tx.set_part(self.prog, p, *f, v)?;
                self.touched(Some(p.case));
            }
        }
        Ok(())
    }

    fn case_of(&mut self, e: &IExpr, locals: &mut Vec<Value>) -> R<CaseId> {
        // the commonest owners, read where they lie: a case in a slot, a participant's case
        match e {
            IExpr::Local(i) => {
                if let Some(Value::Case(c)) = locals.get(*i as usize) {
                    return Ok(*c);
                }
            }
            IExpr::PartCase(p) => {
                if let IExpr::Local(i) = &**p {
                    if let Some(v @ Value::Part(_)) = locals.get(*i as usize) {
                        return Ok(self.part(v)?.0.case);
                    }
                }
            }
            _ => {}
        }
        match self.expr(e, locals)? {
            Value::Case(c) => Ok(c),
            _ => bug("not a case"),
        }
    }

    /// The participant `e` denotes, read where it lies when it is in a slot.
    fn part_of(&mut self, e: &IExpr, locals: &mut Vec<Value>) -> R<PartRef> {
        if let IExpr::Local(i) = e {
            if let Some(Value::Part(p)) = locals.get(*i as usize) {
                return Ok(*p);
            }
        }
        match self.expr(e, locals)? {
            Value::Part(p) => Ok(p),
            _ => bug("not a participant"),
        }
    }

    /// Whether something the deadlines of case `id` read changed in this event, its
    /// erasures (`erased`, not applied yet) included; `writes`: what the event wrote of it,
    /// where the transaction can say ([`tx::Tx::write_set`]).
    fn deadlines_stale(
        &self,
        (id, writes): (CaseId, Option<tx::WriteSet>),
        erased: &[erase::Erased],
    ) -> R<bool> {
        let ty = self.tx.case(id)?.ty;
        let Some(def) = self.prog.case_def(ty) else {
            return bug("no such case type");
        };
        let erases = |reads: &Reads| {
            erased.iter().any(|e| {
                let read = match e.part() {
                    None => &reads.case_fields,
                    Some(_) => &reads.part_fields,
                };
                read.contains(&e.field)
            })
        };
        Ok(def
            .deadlines
            .iter()
            .filter_map(|d| self.prog.deadline(*d))
            .any(|d| {
                let changed = match writes {
                    Some(w) => w.may_change(&d.reads),
                    None => self.tx.may_have_changed(id, &d.reads),
                };
                changed || erases(&d.reads)
            }))
    }

    /// After the rules: checks a changed case that is new or was given a participant
    /// (`whole`) holds a value in every field that is not optional (a rule that sets one may
    /// not have run; no write to a place a case had can unset one: the checker refuses it),
    /// and recomputes its deadlines when they are `stale` (else they are due when they were:
    /// nothing they read changed).
    fn refresh(&mut self, id: CaseId, stale: bool, whole: bool, due: &mut DueBufs) -> R<()> {
        if whole {
            self.check_required(id)?;
        }
        if !stale {
            return Ok(());
        }
        self.deadline_times_into(id, due)?;
        self.tx.set_due(id, &due.times)
    }

    /// [`Eval::refresh`]'s check of a case's fields that are not optional.
    fn check_required(&self, id: CaseId) -> R<()> {
        let c = self.tx.case(id)?;
        let required = |f: &FieldDef| matches!(f.kind, FieldKind::Stored { .. }) && !f.ty.is_opt();
        let missing = |defs: &[FieldDef], values: &[Value]| {
            defs.iter()
                .zip(values)
                .find_map(|(f, v)| (required(f) && v.is_unset()).then(|| f.name.clone()))
        };
        let Some(def) = self.prog.case_def(c.ty) else {
            return bug("no such case type");
        };
        // only a place the rules wrote can have lost its value: the case held one in every
        // field that needs it after its last event (or when it was loaded or migrated)
        let unset_at = |f: Option<&FieldDef>, v: Option<&Value>| match (f, v) {
            (Some(f), Some(Value::Unset)) if required(f) => Some(f.name.clone()),
            _ => None,
        };
        let unset = self.tx.writes_of(id).find_map(|w| match w {
            tx::Written::All => missing(&def.fields, &c.fields)
                .or_else(|| c.parts.iter().find_map(|p| missing(&def.parts.fields, p))),
            tx::Written::Field(f) => unset_at(def.fields.get(f as usize), c.fields.get(f as usize)),
            tx::Written::Part(i, f) => unset_at(
                def.parts.fields.get(f as usize),
                c.parts.get(i as usize).and_then(|p| p.get(f as usize)),
            ),
        });
        match unset {
            Some(field) => fail(format!(
                "the rules left field `{field}` of {} `{}` unset, and it is not optional",
                def.name, c.key
            )),
            None => Ok(()),
        }
    }

    /// When each deadline of a case is due, from its current fields.
    fn deadline_times(&mut self, id: CaseId) -> R<Vec<Option<Timestamp>>> {
        let mut due = DueBufs::default();
        self.deadline_times_into(id, &mut due)?;
        Ok(due.times)
    }

    /// [`Eval::deadline_times`] into `due.times`.
    fn deadline_times_into(&mut self, id: CaseId, due: &mut DueBufs) -> R<()> {
        let ty = self.tx.case(id)?.ty;
        let Some(case_def) = self.prog.case_def(ty) else {
            return bug("no such case type");
        };
        due.times.clear();
        for def in case_def
            .deadlines
            .iter()
            .filter_map(|d| self.prog.deadline(*d))
        {
            // (each expression binds its own variables before reading them: the slots are
            // not emptied first, as those of erasure conditions are not)
            grow_slots(&mut due.locals, def.unit.locals);
            due.locals[0].put(Value::Case(id));
            let due_at = match def.unit.code.get(self.prog) {
                Some(code) => code(self, &mut due.locals)?,
                None => self.expr(&def.unit.expr, &mut due.locals)?,
            };
            due.times.push(match due_at {
                Value::Instant(t) => Some(t),
                _ => None,
            });
        }
        Ok(())
    }

    fn outcome(&mut self, case: Option<CaseId>, acc: Acc) -> R<Outcome> {
        let shared = &self.prog.shared;
        let (messages, shows) = acc.finish();
        // an answer about nobody is named after the first case type (`"filing": null`)
        let (ty, key, status) = match case {
            Some(id) => {
                let c = self.tx.case(id)?;
                let status = shared
                    .statuses
                    .get(c.ty.index())
                    .and_then(|s| s.get(c.status.index()))
                    .cloned();
                (c.ty, Some(c.key.clone()), status)
            }
            None => (CaseTypeId::FIRST, None, None),
        };
        Ok(Outcome {
            case_name: outcome_case_name(self.prog, ty),
            case: key,
            status,
            messages,
            shows,
        })
    }
}

/// The case a rule's outcome is about: the `for` item's case, nobody, or the handler's.
fn context(c: RuleContext, case: Option<CaseId>, item: Option<&Value>) -> Option<CaseId> {
    match (c, item) {
        (RuleContext::ForVar, Some(Value::Part(p))) => Some(p.case),
        (RuleContext::ForVar, Some(Value::Case(id))) => Some(*id),
        (RuleContext::Nobody, _) => None,
        _ => case,
    }
}

/// `locals` made at least `n` slots long (and one: slot 0 is the case's), the slots added
/// unset and those it had left as they are (for code that writes each slot before reading
/// it).
pub(super) fn grow_slots(locals: &mut Vec<Value>, n: usize) {
    let n = n.max(1);
    if locals.len() < n {
        // filled in place (`resize` clones a value into each slot)
        locals.resize_with(n, || Value::Unset);
    }
}

/// `locals` made `n` unset slots (at least one: slot 0 is the case's), in place.
pub(super) fn fill_locals(locals: &mut Vec<Value>, n: usize) {
    let n = n.max(1);
    locals.truncate(n);
    // the slots kept are written only where they hold something (most often the same
    // handler ran last, and left most of them unset); the rest filled in place, not by
    // `resize`, which clones a value into each slot
    for slot in locals.iter_mut() {
        if !matches!(slot, Value::Unset) {
            *slot = Value::Unset;
        }
    }
    let more = n - locals.len();
    locals.extend(std::iter::repeat_with(|| Value::Unset).take(more));
}

/// The name of case type `ty` in outcomes (empty in a policy without case types).
fn outcome_case_name(prog: &Program, ty: CaseTypeId) -> Name {
    prog.shared
        .case_names
        .get(ty.index())
        .copied()
        .unwrap_or_else(|| *NO_CASE_TYPE)
}

#[cfg(test)]
mod tests {
    use crate::{Engine, Source, World};

    const POLICY: &str = r#"
        statuses { open }
        case thing key id: text { until: instant? }
        deadline expiry = thing.until
        event ask { n: count }
        event each { n: count }
        event make { id: text, until: instant }
        on ask {
          rule r when event.n > 1 { show n = event.n } else when event.n == 1 {
            reject n "one"
          } else { emit ok }
        }
        on each {
          let xs = [event.n]
          rule r for x in xs { show x = x }
        }
        on make for new thing(event.id) {
          rule r { set thing.until = event.until }
        }
        on deadline expiry { rule r { emit ok } }
    "#;

    /// Which events [`super::answering`] sends on the answering path: those whose handler
    /// only shows, emits or refuses, while nothing is due and events come in order, in an
    /// engine that runs compiled code; not one routed to a case, nor one with `for`.
    #[test]
    fn only_answers_take_the_answering_path() {
        let load = || {
            Engine::from_sources(vec![
                Source::new(
                    "m.yaml",
                    "kind: messages\nmessages:\n  ok: { text: t, result: r, next_step: n }\n",
                ),
                Source::new("p.docket", POLICY),
            ])
            .unwrap_or_else(|e| panic!("{}", e.render()))
        };
        let engine = load();
        let event = |line: &str| engine.parse_event(line).expect("an event");
        let ask = |at: &str| event(&format!(r#"{{"type":"ask","at":"{at}","n":2}}"#));
        let answers = |world: &World, e: &crate::Event| {
            super::answering(engine.program(), world, e).is_some()
        };
        let mut world = World::new();
        assert!(answers(&world, &ask("2026-11-28T10:00:00Z")));
        let each = event(r#"{"type":"each","at":"2026-11-28T10:00:00Z","n":2}"#);
        assert!(!answers(&world, &each));
        let make = event(
            r#"{"type":"make","at":"2026-11-28T10:00:00Z","id":"a","until":"2026-11-28T11:00:00Z"}"#,
        );
        assert!(!answers(&world, &make));
        engine.apply(&mut world, &make).expect("made");
        // before the deadline, at it (it is due: it fires first), and out of order
        assert!(answers(&world, &ask("2026-11-28T10:59:59Z")));
        assert!(!answers(&world, &ask("2026-11-28T11:00:00Z")));
        assert!(!answers(&world, &ask("2026-11-28T09:00:00Z")));
        // an engine that walks the tree: the general path, always
        let walked = load().tree_walking();
        let e = walked
            .parse_event(r#"{"type":"ask","at":"2026-11-28T10:00:00Z","n":2}"#)
            .expect("an event");
        assert!(super::answering(walked.program(), &World::new(), &e).is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]

        /// [`super::Acc::show_copy`] into the entries of a last answer, then
        /// [`super::Acc::finish`], gives what showing into an empty list gives: each name
        /// once, in the order it was last shown, with its last value; whatever the last
        /// answer held.
        #[test]
        fn showing_over_a_last_answer_is_showing_afresh(
            last in proptest::collection::vec((0..4usize, 0..9i64), 0..6),
            shows in proptest::collection::vec((0..4usize, 0..9i64), 0..8),
        ) {
            use std::sync::Arc;
            let names: Vec<Arc<str>> = ["a", "b", "c", "d"].into_iter().map(Arc::from).collect();
            // some of the last answer's names are the program's own, some only equal
            let name = |i: usize, own: bool| match own {
                true => Arc::clone(&names[i]),
                false => Arc::from(&*names[i]),
            };
            let shown = |n: i64| crate::Shown::plain(crate::value::Value::Count(n));
            let mut acc = super::Acc {
                shows: last.iter().map(|&(i, n)| (name(i, n % 2 == 0), shown(n))).collect(),
                ..Default::default()
            };
            let mut model: Vec<(Arc<str>, crate::Shown)> = Vec::new();
            for &(i, n) in &shows {
                acc.show_copy(&names[i], &shown(n));
                model.retain(|(m, _)| *m != names[i]);
                model.push((Arc::clone(&names[i]), shown(n)));
            }
            proptest::prop_assert_eq!(acc.said_nothing(), shows.is_empty());
            proptest::prop_assert_eq!(acc.finish().1, model);
        }
    }
}
