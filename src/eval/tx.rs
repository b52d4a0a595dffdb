//! The transaction through which one event reads and writes the world.
//!
//! [`crate::Engine::evaluate`] must not change the world: its transaction copies a case
//! before the first write to it, and the copies are the step to commit. `apply` writes in
//! place instead, each write recording the value it replaced, so that an event that fails
//! is undone by writing the old values back in reverse order: an event costs what it
//! writes, however large the cases it touches or however many of them it changes.

use super::due::Due;
use super::{bug, R};
use crate::program::{CaseTypeId, MemberId, Program, Reads};
use crate::value::{CaseId, PartRef, Text, Value};
use crate::world::{CaseData, DeadlineState, Queued, World};
use jiff::Timestamp;
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::mem::ManuallyDrop;
use std::ops::Deref;

/// The world as one event sees it.
pub(crate) enum WorldRef<'w> {
    /// Evaluating: never written; writes go to copies of the cases ([`Tx::cases`]).
    Read(&'w World),
    /// Applying: written in place, each write recorded to be undone.
    Write(&'w mut World),
}

impl Deref for WorldRef<'_> {
    type Target = World;

    fn deref(&self) -> &World {
        match self {
            WorldRef::Read(w) => w,
            WorldRef::Write(w) => w,
        }
    }
}

/// What one write in place replaced.
enum Undo {
    Status(CaseId, MemberId),
    Field(CaseId, u16, Value),
    Part(PartRef, u16, Value),
    /// A participant added to the case.
    PushPart(CaseId),
    /// The instant deadline `.1` of the case last fired at.
    Fired(CaseId, u16, Option<Timestamp>),
    /// The instant deadline `.1` of the case was due at.
    Due(CaseId, u16, Option<Timestamp>),
}

impl Undo {
    /// The case written.
    fn case(&self) -> CaseId {
        match self {
            Undo::Status(id, _)
            | Undo::Field(id, _, _)
            | Undo::PushPart(id)
            | Undo::Fired(id, _, _)
            | Undo::Due(id, _, _) => *id,
            Undo::Part(r, _, _) => r.case,
        }
    }
}

/// What a logged write wrote (the value it replaced is [`Logged::old`]).
#[derive(Clone, Copy)]
enum Did {
    Status(MemberId),
    Field(u16),
    Part(PartRef, u16),
    PushPart,
    Fired(u16),
    Due(u16),
    NewCase,
}

/// An [`Undo`] as the log holds it: 12 bytes, the value it replaced (if any) kept apart in
/// [`Log::olds`] (a tick expiring a million cases logs four million writes, two of them
/// with a value: 96 bytes a case where a 32-byte entry holding a value took 128).
#[derive(Clone, Copy)]
struct Logged {
    case: CaseId,
    /// The kind of write in the top [`KIND_BITS`] bits, below them its argument: a status,
    /// a field, a deadline, or a participant's field counted through every participant's
    /// fields (`idx × fields per participant + field`).
    what: u32,
    /// Where the value replaced is in [`Log::olds`]: a field's or a participant's, or a
    /// deadline's instant; [`NO_OLD`] for unset (no instant) and for the other writes.
    old: u32,
}

const NO_OLD: u32 = u32::MAX;

const _: () = assert!(std::mem::size_of::<Logged>() == 12);

/// The writes of an event applied in place, in order, with the values they replaced.
#[derive(Default)]
struct Log {
    entries: Segmented<Logged>,
    /// The values replaced that were set, in the order they were logged.
    olds: Segmented<Value>,
}

/// A vector kept in segments of at most [`SEGMENT`] items once it outgrows the first: it
/// grows without moving what it holds, so a log of millions of writes does not leave the
/// memory of each smaller copy of itself behind (the peak memory of a large tick).
struct Segmented<T> {
    /// Every segment but the last is full.
    segments: Vec<Vec<T>>,
    len: usize,
}

#[cfg(not(debug_assertions))]
const SEGMENT: usize = 1 << 16;
// small in debug builds (the tests' builds), so that every event the tests apply, undo or
// probe (`docket verify` undoes each step it tries) keeps its log in many segments
#[cfg(debug_assertions)]
const SEGMENT: usize = 4;

impl<T> Default for Segmented<T> {
    fn default() -> Self {
        Segmented {
            segments: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Segmented<T> {
    #[inline]
    fn push(&mut self, item: T) {
        match self.segments.last_mut() {
            Some(last) if last.len() < SEGMENT => last.push(item),
            _ => self.push_segment(item),
        }
        self.len += 1;
    }

    /// [`Segmented::push`] where the last segment is full, or there is none.
    #[cold]
    #[inline(never)]
    fn push_segment(&mut self, item: T) {
        // the first segment grows as a vector does (most events write a few things)
        let cap = if self.segments.is_empty() { 0 } else { SEGMENT };
        let mut segment = Vec::with_capacity(cap);
        segment.push(item);
        self.segments.push(segment);
    }

    fn pop(&mut self) -> Option<T> {
        let last = self.segments.last_mut()?;
        let item = last.pop()?;
        if last.is_empty() && self.segments.len() > 1 {
            self.segments.pop();
        }
        self.len -= 1;
        Some(item)
    }

    fn get(&self, i: usize) -> Option<&T> {
        self.segments.get(i / SEGMENT)?.get(i % SEGMENT)
    }

    fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.segments.get_mut(i / SEGMENT)?.get_mut(i % SEGMENT)
    }

    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[cfg(test)]
    fn iter(&self) -> impl Iterator<Item = &T> {
        self.segments.iter().flatten()
    }

    /// Empties it, keeping the first segment's buffer.
    fn clear(&mut self) {
        self.segments.truncate(1);
        if let Some(first) = self.segments.first_mut() {
            first.clear();
        }
        self.len = 0;
    }

    /// The items its buffers hold.
    fn capacity(&self) -> usize {
        // every segment past the first is made at its full size and never grows
        let first = self.segments.first().map_or(0, Vec::capacity);
        first + self.segments.len().saturating_sub(1) * SEGMENT
    }

    /// Keeps the first `n` items.
    fn truncate(&mut self, n: usize) {
        while self.len > n {
            self.pop();
        }
    }
}

impl Log {
    /// Logs `u` (made in `world`: a participant's fields are counted with its case's stride).
    // Inlined where each write is logged: the kind of write is known there, and the match
    // on it, the value made for none and its drop, fold away.
    #[inline(always)]
    fn push(&mut self, u: Undo, world: &World) -> R<()> {
        let (kind, case, arg, old) = match u {
            Undo::Status(id, s) => (STATUS, id, s.index() as u32, Value::Unset),
            Undo::Field(id, f, v) => (FIELD, id, u32::from(f), v),
            Undo::Part(r, f, v) => {
                let stride = world
                    .cases
                    .get(r.case as usize)
                    .map_or(0, |c| c.parts.stride());
                let flat = (r.idx as usize)
                    .checked_mul(stride)
                    .and_then(|n| n.checked_add(usize::from(f)))
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n <= ARG);
                match flat {
                    Some(flat) => (PART, r.case, flat, v),
                    None => {
                        return bug("more participants' fields in a case than the log can number")
                    }
                }
            }
            Undo::PushPart(id) => (PUSH_PART, id, 0, Value::Unset),
            Undo::Fired(id, d, t) => (FIRED, id, u32::from(d), instant(t)),
            Undo::Due(id, d, t) => (DUE, id, u32::from(d), instant(t)),
        };
        let old = match old {
            Value::Unset => NO_OLD,
            v => match u32::try_from(self.olds.len()) {
                Ok(at) if at != NO_OLD => {
                    self.olds.push(v);
                    at
                }
                _ => return bug("more writes in one event than the log can number"),
            },
        };
        self.entries.push(Logged {
            case,
            what: kind << (32 - KIND_BITS) | arg,
            old,
        });
        Ok(())
    }

    /// Logs a deadline's firing whose instant replaced none (`Undo::Fired(case, d, None)`),
    /// without a value to keep: a tick may log a million.
    fn push_first_firing(&mut self, case: CaseId, d: u16) {
        self.entries.push(Logged {
            case,
            what: FIRED << (32 - KIND_BITS) | u32::from(d),
            old: NO_OLD,
        });
    }

    /// Logs a case added at the world's end.
    fn push_new_case(&mut self) {
        self.entries.push(Logged {
            case: 0,
            what: NEW_CASE << (32 - KIND_BITS),
            old: NO_OLD,
        });
    }

    fn get(&self, i: usize) -> Option<&Logged> {
        self.entries.get(i)
    }

    /// The value `u` replaced (unset for none).
    fn old(&self, u: &Logged) -> &Value {
        const UNSET: &Value = &Value::Unset;
        self.olds.get(u.old as usize).unwrap_or(UNSET)
    }

    /// The last write, and the value it replaced, taken off the log.
    fn pop(&mut self) -> Option<(Logged, Value)> {
        let u = self.entries.pop()?;
        let old = match self.olds.get_mut(u.old as usize) {
            Some(v) => std::mem::replace(v, Value::Unset),
            None => Value::Unset,
        };
        if u.old != NO_OLD {
            self.olds.truncate(u.old as usize);
        }
        Some((u, old))
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.olds.clear();
    }

    /// Whether it holds nothing: no write, and no value replaced.
    fn is_clear(&self) -> bool {
        self.entries.is_empty() && self.olds.is_empty()
    }

    fn capacity(&self) -> usize {
        self.entries.capacity().max(self.olds.capacity())
    }
}

/// A deadline's instant as logged: unset for none.
fn instant(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Unset, Value::Instant)
}

const KIND_BITS: u32 = 3;
const ARG: u32 = u32::MAX >> KIND_BITS;
// the kinds of [`Logged::what`]: the first four write a case's status, fields and
// participants, which [`Tx::was`] reads back
const STATUS: u32 = 0;
const FIELD: u32 = 1;
const PART: u32 = 2;
const PUSH_PART: u32 = 3;
const FIRED: u32 = 4;
const DUE: u32 = 5;
const NEW_CASE: u32 = 6;

impl Logged {
    fn kind(&self) -> u32 {
        self.what >> (32 - KIND_BITS)
    }

    /// What was written, read with `world`'s strides (a participant's fields).
    fn did(&self, world: &World) -> Did {
        let arg = self.what & ARG;
        // INVARIANT: `arg` was made from a u16 for these
        let small = arg as u16;
        match self.kind() {
            STATUS => Did::Status(MemberId::from_raw(small)),
            FIELD => Did::Field(small),
            PART => {
                let stride = world
                    .cases
                    .get(self.case as usize)
                    .map_or(0, |c| c.parts.stride());
                let (idx, f) = match u32::try_from(stride) {
                    Ok(s) if s > 0 => (arg / s, (arg % s) as u16),
                    _ => (0, 0),
                };
                Did::Part(
                    PartRef {
                        case: self.case,
                        idx,
                    },
                    f,
                )
            }
            PUSH_PART => Did::PushPart,
            FIRED => Did::Fired(small),
            DUE => Did::Due(small),
            _ => Did::NewCase,
        }
    }

    /// The case written, for the writes [`Tx::was`] reads.
    fn case_written(&self) -> Option<CaseId> {
        (self.kind() <= PUSH_PART).then_some(self.case)
    }
}

/// Evaluating: the copies of the cases an event wrote, by id (it reads as the map). Most
/// evaluations write nothing, and dropping even an empty map walks it: an empty one is not
/// dropped, which leaves nothing behind (it has nothing allocated).
#[derive(Default)]
pub(crate) struct Copies(ManuallyDrop<BTreeMap<CaseId, CaseData>>);

impl Drop for Copies {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            let copies = std::mem::replace(&mut self.0, ManuallyDrop::new(BTreeMap::new()));
            drop(ManuallyDrop::into_inner(copies));
        }
    }
}

impl Deref for Copies {
    type Target = BTreeMap<CaseId, CaseData>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Copies {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Copies {
    /// The copies, leaving none.
    pub(crate) fn take(&mut self) -> BTreeMap<CaseId, CaseData> {
        std::mem::take(&mut self.0)
    }
}

/// One event's view of the world, and its writes.
pub(crate) struct Tx<'w> {
    pub(super) world: WorldRef<'w>,
    /// Evaluating: copies of the cases this event wrote, by id (a case it created is
    /// numbered past the world's end). Applying in place: always empty.
    pub(super) cases: Copies,
    /// Evaluating: the cases created by this event, by (case type, key).
    // (an event creates one or two cases: a list, not a map)
    new_keys: Vec<(CaseTypeId, Text, CaseId)>,
    /// Cases written since the last deadline firing (their deadlines may have moved).
    /// Recorded only while deadlines fire (`Some`); the event's own rules need no record.
    pub(super) dirty: Option<Vec<CaseId>>,
    /// Applying: the log of writes and what it is read by ([`TxBufs`]), taken from the
    /// thread's spares (one pointer moved in and out, not their dozen words); made at the
    /// first write when there were none. Evaluating: none.
    bufs: Option<Box<TxBufs>>,
    /// Where in `by_case` the last [`Tx::was`] found its case: cases are asked about in
    /// order, so the next one is found by stepping on (a tick may ask about a million).
    by_case_at: Cell<usize>,
    /// How many cases the world held before the event.
    base: usize,
}

impl<'w> Tx<'w> {
    /// A transaction that leaves `world` as it is.
    pub(super) fn read(world: &'w World) -> Tx<'w> {
        Tx::new(WorldRef::Read(world))
    }

    /// A transaction that writes `world` in place ([`Tx::rollback`] undoes it). Builds the
    /// indexes first if they are not built: the writes keep them in step.
    pub(super) fn write(world: &'w mut World, prog: &Program) -> Tx<'w> {
        world.ensure_indexes(prog);
        Tx::new(WorldRef::Write(world))
    }

    fn new(world: WorldRef<'w>) -> Tx<'w> {
        let base = world.cases.len();
        Tx {
            world,
            cases: Copies::default(),
            new_keys: Vec::new(),
            dirty: None,
            bufs: None,
            by_case_at: Cell::new(0),
            base,
        }
    }

    pub(super) fn case(&self, id: CaseId) -> R<&CaseData> {
        match self.cases.get(&id) {
            Some(c) => Ok(c),
            None => match self.world.cases.get(id as usize) {
                Some(c) => Ok(c),
                None => bug("a case vanished"),
            },
        }
    }

    /// The case of type `ty` keyed `key`, created by this event or not.
    pub(super) fn find(&self, ty: CaseTypeId, key: &Text) -> Option<CaseId> {
        self.new_keys
            .iter()
            .find(|(t, k, _)| *t == ty && k == key)
            .map(|(_, _, id)| *id)
            .or_else(|| self.world.find(ty, key.bytes()))
    }

    /// Records that case `id` is written: one of its places (`place`), or its deadlines.
    #[inline]
    fn mark(&mut self, id: CaseId, place: bool) {
        if let Some(dirty) = &mut self.dirty {
            if !dirty.contains(&id) {
                dirty.push(id);
            }
        }
        if let WorldRef::Write(_) = self.world {
            let b = bufs(&mut self.bufs);
            if b.touched.last() != Some(&id) {
                b.touched.push(id);
            }
            if place && b.placed.last() != Some(&id) {
                b.placed.push(id);
            }
        }
    }

    /// Evaluating: the copy of case `id`, made at its first write.
    fn copy_mut(&mut self, id: CaseId) -> R<&mut CaseData> {
        if !self.cases.contains_key(&id) {
            let c = match self.world.cases.get(id as usize) {
                Some(c) => c.clone(),
                None => return bug("a case vanished"),
            };
            self.cases.insert(id, c);
        }
        match self.cases.get_mut(&id) {
            Some(c) => Ok(c),
            None => bug("a case vanished"),
        }
    }

    /// Adds a case (new to the world) and returns its id.
    pub(super) fn create(&mut self, prog: &Program, case: CaseData) -> CaseId {
        match &mut self.world {
            WorldRef::Read(w) => {
                let id = (w.cases.len() + self.new_keys.len()) as CaseId;
                self.new_keys.push((case.ty, case.key.clone(), id));
                self.cases.insert(id, case);
                id
            }
            WorldRef::Write(w) => {
                let id = w.push_case(prog, case);
                let b = bufs(&mut self.bufs);
                b.undo.push_new_case();
                b.touched.push(id);
                b.placed.push(id);
                id
            }
        }
    }

    pub(super) fn set_status(&mut self, id: CaseId, status: MemberId) -> R<()> {
        self.mark(id, true);
        let logs = self.logs(id);
        match &mut self.world {
            WorldRef::Read(_) => self.copy_mut(id)?.status = status,
            WorldRef::Write(w) => match w.put_status(id, status) {
                Some(old) if old != status && logs => {
                    bufs(&mut self.bufs).undo.push(Undo::Status(id, old), w)?
                }
                Some(_) => {}
                None => return bug("a case vanished"),
            },
        }
        Ok(())
    }

    pub(super) fn set_field(&mut self, prog: &Program, id: CaseId, f: u16, v: Value) -> R<()> {
        self.mark(id, true);
        let logs = self.logs(id);
        match &mut self.world {
            WorldRef::Read(_) => match self.copy_mut(id)?.fields.get_mut(f as usize) {
                Some(slot) => *slot = v,
                None => return bug("a field vanished"),
            },
            WorldRef::Write(w) => match w.put_field(prog, id, f, v) {
                Some(Some(old)) if logs => {
                    bufs(&mut self.bufs).undo.push(Undo::Field(id, f, old), w)?
                }
                Some(_) => {}
                None => return bug("a field vanished"),
            },
        }
        Ok(())
    }

    pub(super) fn set_part(&mut self, prog: &Program, r: PartRef, f: u16, v: Value) -> R<()> {
        self.mark(r.case, true);
        let logs = self.logs(r.case);
        match &mut self.world {
            WorldRef::Read(_) => {
                let c = self.copy_mut(r.case)?;
                match c
                    .parts
                    .get_mut(r.idx as usize)
                    .and_then(|p| p.get_mut(f as usize))
                {
                    Some(slot) => *slot = v,
                    None => return bug("a participant vanished"),
                }
            }
            WorldRef::Write(w) => match w.put_part_field(prog, r, f, v) {
                Some(Some(old)) if logs => {
                    bufs(&mut self.bufs).undo.push(Undo::Part(r, f, old), w)?
                }
                Some(_) => {}
                None => return bug("a participant vanished"),
            },
        }
        Ok(())
    }

    /// Makes room for `n` more participants of case `id` where it is written in place (an
    /// evaluation's copy is left as it is): nothing a rule reads changes.
    pub(super) fn reserve_parts(&mut self, id: CaseId, n: usize) {
        if let WorldRef::Write(w) = &mut self.world {
            w.reserve_parts(id, n);
        }
    }

    /// Adds a participant to case `id`; returns its index.
    pub(super) fn push_part(
        &mut self,
        prog: &Program,
        id: CaseId,
        fields: &mut Vec<Value>,
    ) -> R<usize> {
        self.mark(id, true);
        let logs = self.logs(id);
        match &mut self.world {
            WorldRef::Read(_) => {
                let c = self.copy_mut(id)?;
                c.parts.push(fields.drain(..));
                Ok(c.parts.len() - 1)
            }
            WorldRef::Write(w) => match w.push_part(prog, id, fields.drain(..)) {
                Some(idx) => {
                    if logs {
                        bufs(&mut self.bufs).undo.push(Undo::PushPart(id), w)?;
                    }
                    Ok(idx)
                }
                None => bug("a case vanished"),
            },
        }
    }

    /// The deadlines due at or before `at`, in queue order: appended to `into`, or (applying,
    /// when there are more than a few) returned as a piece of the queue. Applying, they are
    /// taken out of the world's queue ([`World::take_due`]), and the first returned is
    /// `true`: each is then fired with `taken` ([`Tx::fire`]), and what is not fired is put
    /// back ([`Tx::requeue`]).
    pub(super) fn take_due(
        &mut self,
        at: Timestamp,
        into: &mut Vec<Queued>,
    ) -> (bool, Option<BTreeSet<Queued>>) {
        match &mut self.world {
            WorldRef::Read(w) => {
                into.extend(w.queue.iter().take_while(|(t, _, _)| *t <= at));
                (false, None)
            }
            WorldRef::Write(w) => (true, w.take_due(at, into)),
        }
    }

    /// Applying, the deadlines `queued` taken out of the queue ([`Tx::take_due`]), in
    /// firing order: fires those at its front whose firing runs no rule (`quiet`, given the
    /// case's type, the deadline's slot and the case's status), as [`Tx::fire`] would, and
    /// stops before the first that runs one; passes those no longer due at their instant.
    /// `clock` becomes the instant of the last firing, if later. Returns how many fired.
    pub(super) fn fire_quiet(
        &mut self,
        queued: &mut Due,
        quiet: impl Fn(CaseTypeId, usize, usize) -> bool,
        clock: &mut Option<Timestamp>,
    ) -> R<usize> {
        let base = self.base;
        // (a rule running would note the cases it writes: none runs here)
        let (WorldRef::Write(w), None) = (&mut self.world, &self.dirty) else {
            return Ok(0);
        };
        let b = bufs(&mut self.bufs);
        let mut fired = 0;
        while let Some((t, id, d)) = queued.peek(w) {
            let Some(c) = w.cases.get_mut(id as usize) else {
                break;
            };
            let (ty, status) = (c.ty, c.status.index());
            let Some(st) = c.deadlines.get_mut(usize::from(d)) else {
                break;
            };
            if st.pending() == Some(t) {
                if !quiet(ty, usize::from(d), status) {
                    break;
                }
                // logged before it is written: a log that cannot take it leaves it unwritten
                let logs = (id as usize) < base;
                match st.fired {
                    None => {
                        st.fired = Some(t);
                        if logs {
                            b.undo.push_first_firing(id, d);
                        }
                    }
                    old => {
                        if logs {
                            b.undo.push(Undo::Fired(id, d, old), w)?;
                        }
                        if w.fire_taken(id, usize::from(d), t).is_none() {
                            return bug("a deadline vanished");
                        }
                    }
                }
                if b.touched.last() != Some(&id) {
                    b.touched.push(id);
                }
                *clock = Some(clock.map_or(t, |c| c.max(t)));
                fired += 1;
            }
            queued.advance();
        }
        Ok(fired)
    }

    /// Applying: puts back in the queue those of `rest` ([`Tx::take_due`]) not fired.
    pub(super) fn requeue(&mut self, rest: impl IntoIterator<Item = Queued>) {
        if let WorldRef::Write(w) = &mut self.world {
            w.requeue(rest);
        }
    }

    /// Applying, once every deadline due at or before `at` has fired: takes off the queue
    /// what is left of them there. A deadline taken ([`Tx::take_due`]), moved by a rule and
    /// moved back to its instant before its turn came is queued again, and its firing, as
    /// one taken, took nothing off the queue.
    pub(super) fn drop_fired(&mut self, at: Timestamp) {
        if let WorldRef::Write(w) = &mut self.world {
            while w.queue.first().is_some_and(|(t, _, _)| *t <= at) {
                w.queue.pop_first();
            }
        }
    }

    /// Records that deadline `d` of case `id`, in state `st`, fired at `t`; `taken`: it was
    /// taken out of the queue ([`Tx::take_due`]).
    pub(super) fn fire(
        &mut self,
        id: CaseId,
        d: usize,
        st: DeadlineState,
        t: Timestamp,
        taken: bool,
    ) -> R<()> {
        let old = st.fired;
        match &mut self.world {
            WorldRef::Write(w) if taken => {
                if w.fire_taken(id, d, t).is_none() {
                    return bug("a deadline vanished");
                }
                self.mark(id, false);
            }
            _ => self.put_deadline(
                id,
                d,
                DeadlineState {
                    fired: Some(t),
                    ..st
                },
            )?,
        }
        match old {
            Some(was) if was == t => {}
            Some(_) => self.push_undo(Undo::Fired(id, d as u16, old))?,
            None => {
                if let WorldRef::Write(_) = &self.world {
                    if self.logs(id) {
                        bufs(&mut self.bufs).undo.push_first_firing(id, d as u16);
                    }
                }
            }
        }
        Ok(())
    }

    /// Sets when each deadline of case `id` is due.
    pub(super) fn set_due(&mut self, id: CaseId, times: &[Option<Timestamp>]) -> R<()> {
        for (d, at) in times.iter().enumerate() {
            let Some(st) = self.case(id)?.deadlines.get(d).copied() else {
                break;
            };
            if st.at != *at {
                self.put_deadline(id, d, DeadlineState { at: *at, ..st })?;
                self.push_undo(Undo::Due(id, d as u16, st.at))?;
            }
        }
        Ok(())
    }

    fn push_undo(&mut self, u: Undo) -> R<()> {
        if let WorldRef::Write(w) = &self.world {
            if self.logs(u.case()) {
                bufs(&mut self.bufs).undo.push(u, w)?;
            }
        }
        Ok(())
    }

    /// Applying: whether a write to case `id` is logged. A case this event created is
    /// not: undoing the event takes it away whole ([`World::pop_case`] reads its indexed
    /// values and deadlines as they are then), so its earlier values are never needed.
    fn logs(&self, id: CaseId) -> bool {
        (id as usize) < self.base
    }

    fn put_deadline(&mut self, id: CaseId, d: usize, st: DeadlineState) -> R<()> {
        self.mark(id, false);
        let slot = match &mut self.world {
            WorldRef::Read(_) => self.copy_mut(id)?.deadlines.get_mut(d).map(|s| *s = st),
            WorldRef::Write(w) => w.put_deadline(id, d, st).map(|_| ()),
        };
        match slot {
            Some(()) => Ok(()),
            None => bug("a deadline vanished"),
        }
    }

    /// The cases this event wrote or created, in order.
    pub(super) fn changed(&self) -> Vec<CaseId> {
        let mut ids = Vec::new();
        self.changed_into(&mut ids);
        ids
    }

    /// [`Tx::changed`] into `ids`.
    pub(super) fn changed_into(&self, ids: &mut Vec<CaseId>) {
        ids.clear();
        match self.world {
            WorldRef::Read(_) => ids.extend(self.cases.keys().copied()),
            WorldRef::Write(_) => {
                ids.extend_from_slice(&self.bufs_ref().touched);
                ids.sort_unstable();
                ids.dedup();
            }
        }
    }

    /// The cases to look at after the event's rules ([`Tx::changed_into`]), leaving out,
    /// when applying, those of which it wrote nothing but deadlines (`all`: none left out).
    /// Such a case has no condition to read again nor deadline to compute again, unless one
    /// reads what changes without its case changing (the clock, other cases), which `all`
    /// says.
    pub(super) fn written_into(&self, ids: &mut Vec<CaseId>, all: bool) {
        match self.world {
            WorldRef::Write(_) if !all => {
                ids.clear();
                ids.extend_from_slice(&self.bufs_ref().placed);
                ids.sort_unstable();
                ids.dedup();
            }
            _ => self.changed_into(ids),
        }
    }

    /// Whether this event has written nothing yet (nor created any case).
    pub(super) fn wrote_nothing(&self) -> bool {
        let b = self.bufs_ref();
        self.cases.is_empty() && b.touched.is_empty() && b.undo.is_empty()
    }

    /// Applying: sorts the writes made so far by case, for [`Tx::was`].
    pub(super) fn index_undo(&mut self) {
        self.by_case_at.set(0);
        let Some(b) = self.bufs.as_deref_mut() else {
            return;
        };
        b.by_case.clear();
        // at most one a write, in place once (a tick may write millions); segment by
        // segment, each a plain loop
        b.by_case.reserve(b.undo.entries.len());
        let mut i = 0u32;
        for segment in &b.undo.entries.segments {
            for u in segment {
                if let Some(case) = u.case_written() {
                    b.by_case.push((case, i));
                }
                i = i.wrapping_add(1);
            }
        }
        // mostly in order already (a case's writes come together): the sort finds the runs
        b.by_case.sort_unstable();
    }

    /// Takes the buffers of an earlier transaction (empty), to write into instead of new ones.
    pub(super) fn reuse(&mut self, bufs: Option<Box<TxBufs>>) {
        self.bufs = bufs;
    }

    /// Gives back this transaction's buffers, emptied, for the next one (none is kept
    /// longer than `most`: a tick that wrote a million cases leaves no large buffer).
    pub(super) fn buffers(&mut self, most: usize) -> Option<Box<TxBufs>> {
        let mut bufs = self.bufs.take()?;
        // (most often emptied already: [`Tx::finish`])
        if !bufs.undo.is_clear() {
            bufs.undo.clear();
        }
        bufs.touched.clear();
        bufs.placed.clear();
        bufs.by_case.clear();
        let largest = (bufs.undo.capacity())
            .max(bufs.touched.capacity())
            .max(bufs.placed.capacity())
            .max(bufs.by_case.capacity());
        (largest <= most).then_some(bufs)
    }

    /// The log of writes and its records, empty when there are none (evaluating, or
    /// applying before the first write).
    fn bufs_ref(&self) -> &TxBufs {
        self.bufs.as_deref().unwrap_or(&NO_BUFS)
    }

    /// Case `id` as it was before the event, as far as [`Was`] tells (applying: as far as
    /// the writes indexed by [`Tx::index_undo`] tell).
    ///
    /// `buffer` is the storage of a log, taken (emptied and used) only if one is made: give
    /// it back through [`Was::into_buffer`]. (A case this event created takes none: the
    /// storage stays for the next case, not freed to be made again.)
    pub(super) fn was(&self, id: CaseId, buffer: &mut WasLog) -> Was<'w> {
        if id as usize >= self.base {
            return Was::New;
        }
        let world: &'w World = match self.world {
            WorldRef::Read(w) => w,
            WorldRef::Write(_) => return Was::Log(self.was_log(id, std::mem::take(buffer))),
        };
        match world.cases.get(id as usize) {
            Some(c) => Was::Copy(c),
            None => Was::New,
        }
    }

    /// The places of case `id` this event's rules wrote (applying, asked after
    /// [`Tx::index_undo`]): [`Written::All`] when it cannot say (a case it created, a
    /// participant added, an evaluation).
    pub(super) fn writes_of(&self, id: CaseId) -> impl Iterator<Item = Written> + '_ {
        let logged = matches!(self.world, WorldRef::Write(_)) && (id as usize) < self.base;
        let b = self.bufs_ref();
        let start = if logged {
            b.by_case.partition_point(|(c, _)| *c < id)
        } else {
            b.by_case.len()
        };
        let writes = b.by_case[start..].iter().take_while(move |(c, _)| *c == id);
        let all = (!logged).then_some(Written::All);
        all.into_iter().chain(writes.filter_map(move |(_, i)| {
            match b.undo.get(*i as usize)?.did(&self.world) {
                Did::Field(f) => Some(Written::Field(f)),
                Did::Part(r, f) => Some(Written::Part(r.idx, f)),
                Did::PushPart => Some(Written::All),
                Did::Status(_) | Did::Fired(_) | Did::Due(_) | Did::NewCase => None,
            }
        }))
    }

    /// In brief, what this event wrote of case `id` (applying, asked after
    /// [`Tx::index_undo`]): `None` where it cannot say so (evaluating, or a case it created),
    /// where [`Tx::may_have_changed`] and [`Tx::writes_of`] compare or answer "all".
    pub(super) fn write_set(&self, id: CaseId) -> Option<WriteSet> {
        if !matches!(self.world, WorldRef::Write(_)) || id as usize >= self.base {
            return None;
        }
        let b = self.bufs_ref();
        let start = b.by_case.partition_point(|(c, _)| *c < id);
        let mut set = WriteSet::default();
        for (_, i) in b.by_case[start..].iter().take_while(|(c, _)| *c == id) {
            match b.undo.get(*i as usize).map(|u| u.did(&self.world)) {
                Some(Did::Status(_)) => set.status = true,
                Some(Did::Field(f)) => set.fields |= WriteSet::bit(f),
                Some(Did::Part(_, f)) => set.parts |= WriteSet::bit(f),
                Some(Did::PushPart) | None => set.all = true,
                Some(Did::Fired(_) | Did::Due(_) | Did::NewCase) => {}
            }
        }
        Some(set)
    }

    /// Whether this event may have changed something `reads` names of case `id`, before
    /// erasures (applying: asked after [`Tx::index_undo`]). A write counts even when it wrote
    /// the value the place held: this errs on the side of "changed".
    pub(super) fn may_have_changed(&self, id: CaseId, reads: &Reads) -> bool {
        if reads.always || id as usize >= self.base {
            return true;
        }
        match &self.world {
            WorldRef::Read(w) => match (w.cases.get(id as usize), self.cases.get(&id)) {
                (Some(old), Some(now)) => reads_changed(reads, old, now),
                _ => true,
            },
            WorldRef::Write(_) => self.write_set(id).is_none_or(|w| w.may_change(reads)),
        }
    }

    /// The first value each place of case `id` held, from the record of writes.
    fn was_log(&self, id: CaseId, mut log: WasLog) -> WasLog {
        let TxBufs { undo, by_case, .. } = self.bufs_ref();
        let from = self.by_case_at.get();
        let start = match by_case.get(from.wrapping_sub(1)) {
            // a case after the last one asked about: step on (a few writes a case)
            Some((c, _)) if *c < id => {
                from + (by_case[from..].iter())
                    .position(|(c, _)| *c >= id)
                    .unwrap_or(by_case.len() - from)
            }
            _ => by_case.partition_point(|(c, _)| *c < id),
        };
        let end = start
            + (by_case[start..].iter())
                .position(|(c, _)| *c != id)
                .unwrap_or(by_case.len() - start);
        self.by_case_at.set(end);
        log.clear();
        for (_, i) in &by_case[start..end] {
            let Some(u) = undo.get(*i as usize) else {
                continue;
            };
            match u.did(&self.world) {
                Did::Status(s) => {
                    log.status.get_or_insert(s);
                }
                Did::Field(f) => {
                    if !log.fields.iter().any(|(g, _)| *g == f) {
                        log.fields.push((f, undo.old(u).clone()));
                    }
                }
                Did::Part(r, f) => log.parts.push((r.idx, f, undo.old(u).clone())),
                Did::PushPart => log.added += 1,
                Did::Fired(_) | Did::Due(_) | Did::NewCase => {}
            }
        }
        // the first write to each place holds its value before the event (stable sort)
        log.parts.sort_by_key(|(idx, f, _)| (*idx, *f));
        log.parts.dedup_by_key(|(idx, f, _)| (*idx, *f));
        log
    }

    /// Applying: undoes every write, last first. The world is as the event found it.
    pub(super) fn rollback(&mut self, prog: &Program) {
        let (WorldRef::Write(w), Some(b)) = (&mut self.world, self.bufs.as_deref_mut()) else {
            return;
        };
        while let Some((u, old)) = b.undo.pop() {
            let id = u.case;
            match u.did(w) {
                Did::Status(s) => {
                    w.put_status(id, s);
                }
                Did::Field(f) => {
                    w.put_field(prog, id, f, old);
                }
                Did::Part(r, f) => {
                    w.put_part_field(prog, r, f, old);
                }
                Did::PushPart => w.pop_part(prog, id),
                Did::Fired(d) => {
                    let fired = old_instant(&old);
                    if let Some(st) = w
                        .cases
                        .get(id as usize)
                        .and_then(|c| c.deadlines.get(d as usize))
                    {
                        let st = DeadlineState { fired, ..*st };
                        w.put_deadline(id, d as usize, st);
                    }
                }
                Did::Due(d) => {
                    let at = old_instant(&old);
                    if let Some(st) = w
                        .cases
                        .get(id as usize)
                        .and_then(|c| c.deadlines.get(d as usize))
                    {
                        let st = DeadlineState { at, ..*st };
                        w.put_deadline(id, d as usize, st);
                    }
                }
                Did::NewCase => w.pop_case(prog),
            }
        }
    }

    /// Applying: `f` of the world as [`Tx::finish`] would leave it (at `at`, its next
    /// generation, `policy`'s), which is then as it was before, writes kept (to be undone).
    pub(super) fn as_committed<T>(
        &mut self,
        at: Timestamp,
        policy: u64,
        f: impl FnOnce(&World) -> T,
    ) -> T {
        match &mut self.world {
            WorldRef::Read(w) => f(w),
            WorldRef::Write(w) => {
                let was = (w.clock, w.generation, w.policy);
                (w.clock, w.policy) = (Some(at), Some(policy));
                w.generation += 1;
                let t = f(w);
                (w.clock, w.generation, w.policy) = was;
                t
            }
        }
    }

    /// Applying: keeps the writes; the world is the event's, at its clock.
    pub(super) fn finish(&mut self, at: Timestamp) {
        if let WorldRef::Write(w) = &mut self.world {
            w.clock = Some(at);
            w.generation += 1;
            if let Some(b) = self.bufs.as_deref_mut() {
                b.undo.clear();
            }
        }
    }
}

/// The deadline instant a write replaced (logged by [`instant`]).
fn old_instant(old: &Value) -> Option<Timestamp> {
    match old {
        Value::Instant(t) => Some(*t),
        _ => None,
    }
}

/// The buffers of a transaction that applies in place, kept from one event to the next.
#[derive(Default)]
pub(super) struct TxBufs {
    /// The values the writes replaced, in order.
    undo: Log,
    /// Every case written or created, in order, with repeats.
    touched: Vec<CaseId>,
    /// The cases of `touched` of which a place was written (status, field, participant), or
    /// that were created.
    placed: Vec<CaseId>,
    /// (case, position in `undo`) of the writes to a case's status, fields and
    /// participants, sorted (a case's writes in the order they were made): [`Tx::was`]
    /// reads it, built by [`Tx::index_undo`] once the rules are done.
    by_case: Vec<(CaseId, u32)>,
}

/// The buffers of a transaction that has written nothing.
static NO_BUFS: TxBufs = TxBufs {
    undo: Log {
        entries: Segmented {
            segments: Vec::new(),
            len: 0,
        },
        olds: Segmented {
            segments: Vec::new(),
            len: 0,
        },
    },
    touched: Vec::new(),
    placed: Vec::new(),
    by_case: Vec::new(),
};

/// `bufs`, made empty when there are none yet (the first write of a transaction that was
/// given none).
fn bufs(bufs: &mut Option<Box<TxBufs>>) -> &mut TxBufs {
    bufs.get_or_insert_with(Box::default)
}

/// A place of a case an event wrote ([`Tx::writes_of`]).
pub(super) enum Written {
    Field(u16),
    /// (participant, field)
    Part(u32, u16),
    /// Any place.
    All,
}

/// The places of one case an event wrote, as sets of fields ([`Tx::write_set`]): read once
/// for the case, then asked of each condition and deadline that reads it. A write counts
/// even when it wrote the value the place held, as in [`Tx::may_have_changed`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct WriteSet {
    /// Any place: a participant was added.
    all: bool,
    status: bool,
    /// Bit `f` for each field `f` of the case written; bit 63 for every field from 63 on
    /// (it then errs on the side of "written").
    fields: u64,
    /// The same for the participants' fields, whichever participant's.
    parts: u64,
}

impl WriteSet {
    fn bit(f: u16) -> u64 {
        1 << f.min(63)
    }

    /// Whether field `f` (of a participant, with `of_part`) may have been written.
    pub(super) fn wrote(&self, of_part: bool, f: u16) -> bool {
        let set = if of_part { self.parts } else { self.fields };
        self.all || set & WriteSet::bit(f) != 0
    }

    /// Whether a participant was added to the case.
    pub(super) fn added(&self) -> bool {
        self.all
    }

    /// Whether the event wrote no place of the case (it only fired or moved its deadlines).
    pub(super) fn is_empty(&self) -> bool {
        !self.all && !self.status && self.fields == 0 && self.parts == 0
    }

    /// Whether something `reads` names may have changed, as [`Tx::may_have_changed`] says.
    pub(super) fn may_change(&self, reads: &Reads) -> bool {
        reads.always
            || self.all
            || (reads.status && self.status)
            || (reads.case_fields.iter()).any(|f| self.fields & WriteSet::bit(*f) != 0)
            || (reads.part_fields.iter()).any(|f| self.parts & WriteSet::bit(*f) != 0)
    }
}

/// A case as it was before the event, as far as erasures ask (`src/eval/erase.rs`): the old
/// value of a place, or whether something a condition reads changed.
pub(super) enum Was<'w> {
    /// Created by this event.
    New,
    /// Evaluating: the world's case, untouched.
    Copy(&'w CaseData),
    /// Applying: the places written, with their first values.
    Log(WasLog),
}

/// The places of a case written in place by an event, with the values they held before it.
#[derive(Default)]
pub(super) struct WasLog {
    status: Option<MemberId>,
    fields: Vec<(u16, Value)>,
    /// (participant, field, value before), sorted by participant and field.
    parts: Vec<(u32, u16, Value)>,
    /// How many participants were added (always at the end).
    added: usize,
}

impl WasLog {
    /// The capacity of its longest buffer.
    pub(super) fn largest(&self) -> usize {
        self.fields.capacity().max(self.parts.capacity())
    }

    pub(super) fn clear(&mut self) {
        self.status = None;
        // popped, not cleared: a value that owns nothing is dropped without a call
        while let Some((_, v)) = self.fields.pop() {
            v.discard();
        }
        while let Some((_, _, v)) = self.parts.pop() {
            v.discard();
        }
        self.added = 0;
    }

    fn field(&self, f: u16) -> Option<&Value> {
        self.fields.iter().find(|(g, _)| *g == f).map(|(_, v)| v)
    }

    fn part(&self, idx: u32, f: u16) -> Option<&Value> {
        self.parts
            .binary_search_by_key(&(idx, f), |(i, g, _)| (*i, *g))
            .ok()
            .map(|at| &self.parts[at].2)
    }
}

impl Was<'_> {
    /// The storage of its log, if it has one, for the next [`Tx::was`].
    pub(super) fn into_buffer(self) -> Option<WasLog> {
        match self {
            Was::Log(log) => Some(log),
            _ => None,
        }
    }

    pub(super) fn is_new(&self) -> bool {
        matches!(self, Was::New)
    }

    /// Field `f` before the event (`None`: the case is new).
    pub(super) fn field<'a>(&'a self, f: usize, now: &'a CaseData) -> Option<&'a Value> {
        match self {
            Was::New => None,
            Was::Copy(c) => c.fields.get(f),
            Was::Log(log) => log.field(f as u16).or_else(|| now.fields.get(f)),
        }
    }

    /// Field `f` of participant `idx` before the event (`None`: the participant is new).
    pub(super) fn part<'a>(&'a self, idx: usize, f: usize, now: &'a CaseData) -> Option<&'a Value> {
        match self {
            Was::New => None,
            Was::Copy(c) => c.parts.get(idx).and_then(|p| p.get(f)),
            // participants are only ever added at the end
            Was::Log(log) if idx + log.added >= now.parts.len() => None,
            Was::Log(log) => log
                .part(idx as u32, f as u16)
                .or_else(|| now.parts.get(idx).and_then(|p| p.get(f))),
        }
    }

    /// Whether something `reads` names differs between the case before the event and `now`.
    pub(super) fn reads_changed(&self, reads: &Reads, now: &CaseData) -> bool {
        let log = match self {
            Was::New => return true,
            Was::Copy(old) => return reads_changed(reads, old, now),
            Was::Log(log) => log,
        };
        let part_now =
            |idx: u32, f: u16| now.parts.get(idx as usize).and_then(|p| p.get(f as usize));
        reads.always
            || (reads.status && log.status.is_some_and(|s| s != now.status))
            || log.fields.iter().any(|(f, v)| {
                reads.case_fields.contains(f) && now.fields.get(*f as usize) != Some(v)
            })
            || log.added > 0
            || log
                .parts
                .iter()
                .any(|(idx, f, v)| reads.part_fields.contains(f) && part_now(*idx, *f) != Some(v))
    }
}

/// Whether something `reads` names differs between the case before the event and after.
fn reads_changed(reads: &Reads, old: &CaseData, new: &CaseData) -> bool {
    reads.always
        || (reads.status && old.status != new.status)
        || reads
            .case_fields
            .iter()
            .any(|&f| old.fields.get(f as usize) != new.fields.get(f as usize))
        || old.parts.len() != new.parts.len()
        || old.parts.iter().zip(new.parts.iter()).any(|(was, is)| {
            reads
                .part_fields
                .iter()
                .any(|&f| was.get(f as usize) != is.get(f as usize))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_set_answers_as_the_writes_it_sums_up() {
        let reads = |case_fields: &[u16], part_fields: &[u16], status: bool| Reads {
            status,
            case_fields: case_fields.to_vec(),
            part_fields: part_fields.to_vec(),
            always: false,
        };
        let mut w = WriteSet::default();
        w.fields |= WriteSet::bit(2);
        w.parts |= WriteSet::bit(5);
        assert!(w.wrote(false, 2) && !w.wrote(true, 2));
        assert!(w.wrote(true, 5) && !w.wrote(false, 5));
        assert!(w.may_change(&reads(&[1, 2], &[], false)));
        assert!(w.may_change(&reads(&[], &[5], false)));
        assert!(
            !w.may_change(&reads(&[5], &[2], true)),
            "other places, and no status"
        );
        assert!(w.may_change(&Reads {
            always: true,
            ..reads(&[], &[], false)
        }));
        // fields from 63 on share a bit: a write to one of them counts for all
        w.fields |= WriteSet::bit(70);
        assert!(w.wrote(false, 63) && w.wrote(false, 64) && !w.wrote(false, 62));
        assert!(w.may_change(&reads(&[99], &[], false)));
        // a status write, and "anything"
        let status = WriteSet {
            status: true,
            ..WriteSet::default()
        };
        assert!(status.may_change(&reads(&[], &[], true)));
        assert!(!status.may_change(&reads(&[0], &[0], false)) && !status.wrote(false, 0));
        let all = WriteSet {
            all: true,
            ..WriteSet::default()
        };
        assert!(all.wrote(true, 9) && all.may_change(&reads(&[], &[], false)));
    }

    #[test]
    fn a_segmented_vector_is_a_vector() {
        let (mut s, mut v) = (Segmented::default(), Vec::new());
        let n = 3 * SEGMENT + 17;
        for i in 0..n {
            s.push(i);
            v.push(i);
        }
        assert_eq!(s.len(), n);
        for i in [0, 1, SEGMENT - 1, SEGMENT, 2 * SEGMENT + 5, n - 1] {
            assert_eq!(s.get(i), Some(&i));
        }
        assert_eq!(s.get(n), None);
        assert!(s.iter().eq(v.iter()));
        if let Some(x) = s.get_mut(SEGMENT) {
            *x = 0;
        }
        v[SEGMENT] = 0;
        s.truncate(SEGMENT + 1);
        v.truncate(SEGMENT + 1);
        assert!(s.iter().eq(v.iter()));
        // a segment is given back once it is empty
        assert_eq!(s.segments.len(), 2);
        while let Some(x) = s.pop() {
            assert_eq!(Some(x), v.pop());
        }
        assert!(s.is_empty() && v.is_empty());
        s.push(1);
        s.clear();
        assert!(s.is_empty());
        assert_eq!(s.get(0), None);
    }

    /// The shipped example streams applied in place (their logs in many segments in a debug
    /// build) and
    /// evaluated then committed (copies, no log): the same outcomes, the same worlds.
    #[test]
    fn applied_in_segments_is_committed_from_copies() {
        let policies = crate::test_support::shipped_examples();
        for (engine, stream) in policies {
            let (mut in_place, mut copied) = (World::new(), World::new());
            for (i, line) in stream.lines().enumerate() {
                let Ok(event) = engine.parse_event(line) else {
                    continue;
                };
                let applied = engine.apply(&mut in_place, &event);
                let committed = engine
                    .evaluate(&copied, &event)
                    .and_then(|step| engine.commit(&mut copied, step));
                assert_eq!(applied, committed, "line {}", i + 1);
                assert_eq!(
                    engine.save_world(&in_place),
                    engine.save_world(&copied),
                    "line {}",
                    i + 1
                );
            }
        }
    }

    #[test]
    fn the_log_gives_back_each_value_replaced_last_first() {
        let world = World::new();
        let mut log = Log::default();
        let n = 2 * SEGMENT + 3;
        // every third write replaced an unset value, which the log keeps no copy of
        let old = |i: usize| match i % 3 {
            0 => Value::Unset,
            1 => Value::Count(i as i64),
            _ => Value::text(format!("a text longer than any held inline: {i}")),
        };
        for i in 0..n {
            let u = Undo::Field(i as CaseId, (i % 7) as u16, old(i));
            assert!(log.push(u, &world).is_ok());
        }
        assert_eq!(log.olds.len(), n - n.div_ceil(3));
        // read in place, as `Tx::was` reads it
        for i in [0, 1, 2, SEGMENT, n - 1] {
            let u = log.get(i).copied();
            assert_eq!(u.map(|u| log.old(&u).clone()), Some(old(i)));
        }
        for i in (0..n).rev() {
            let Some((u, was)) = log.pop() else {
                panic!("write {i} missing");
            };
            assert_eq!((u.case, was), (i as CaseId, old(i)));
        }
        assert!(log.pop().is_none());
        assert!(log.is_empty() && log.olds.is_empty());
    }
}
