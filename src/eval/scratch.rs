//! Buffers that evaluation needs for a moment and then empties: kept per thread between
//! events, so that deciding an event does not ask the allocator for them again.
//!
//! An evaluation takes the thread's buffers when it first needs them (a decision, most
//! often, needs none) and gives them back when it ends (a nested evaluation, or one that
//! panics, simply starts with new ones). Only empty buffers are kept, at most [`KEPT`] of
//! each kind, each at most [`KEPT_CAPACITY`] long: a tick that fires a million deadlines
//! does not leave a million buffers behind.

use super::Acc;
use crate::outcome::{Messages, Outcome, Outcomes as Answers};
use crate::shown::Shown;
use crate::value::{CaseId, Value};
use crate::world::Queued;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

/// How many spare buffers of each kind a thread keeps.
const KEPT: usize = 32;
/// The longest spare buffer a thread keeps.
pub(super) const KEPT_CAPACITY: usize = 1024;
/// The longest list whose storage a thread keeps, to make another list of that length in.
const KEPT_LIST: usize = 16;

/// Past this many cases, an event's outcomes are found by a map rather than a scan.
const SCANNED: usize = 16;

/// The outcomes of the current phase of an event, by case (`None`: about nobody), in the
/// order they were first touched; [`Outcomes::sorted`] gives them by case.
#[derive(Default)]
pub(super) struct Outcomes {
    entries: Vec<(Option<CaseId>, Acc)>,
    /// Where each case's entry is, once there are more than [`SCANNED`].
    index: HashMap<Option<CaseId>, usize>,
}

impl Outcomes {
    /// The entry of `case`, made (with buffers from `spare`) if it has none.
    #[inline]
    pub(super) fn entry(&mut self, case: Option<CaseId>, spare: &mut Spare) -> &mut Acc {
        let found = if self.entries.len() > SCANNED {
            self.index.get(&case).copied()
        } else {
            self.entries.iter().rposition(|(c, _)| *c == case)
        };
        let i = match found {
            Some(i) => i,
            None => {
                let acc = Acc {
                    messages: spare.messages.pop().unwrap_or_default(),
                    shows: spare.shows.pop().unwrap_or_default(),
                    shown: 0,
                };
                self.entries.push((case, acc));
                let i = self.entries.len() - 1;
                if i == SCANNED {
                    self.index = self
                        .entries
                        .iter()
                        .zip(0..)
                        .map(|(e, j)| (e.0, j))
                        .collect();
                } else if i > SCANNED {
                    self.index.insert(case, i);
                }
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Whether `case` has the last entry made (and so has one).
    #[inline]
    pub(super) fn is_last(&self, case: Option<CaseId>) -> bool {
        self.entries.last().is_some_and(|(c, _)| *c == case)
    }

    /// The one entry, when there is exactly one, leaving this empty.
    pub(super) fn only(&mut self) -> Option<(Option<CaseId>, Acc)> {
        match self.entries.len() {
            1 => self.entries.pop(),
            _ => None,
        }
    }

    /// The one entry, when there is one and it is about nobody, leaving this empty.
    pub(super) fn only_nobody(&mut self) -> Option<Acc> {
        match self.entries.as_slice() {
            [(None, _)] => self.entries.pop().map(|(_, acc)| acc),
            _ => None,
        }
    }

    /// Every entry in order of case (`None` first), leaving this empty.
    // Inlined: returned through memory, the drain was read back before its last bytes had
    // landed (a quiet tick 80 -> 87 ns, `--bench compare`).
    #[inline(always)]
    pub(super) fn sorted(&mut self) -> std::vec::Drain<'_, (Option<CaseId>, Acc)> {
        self.index.clear();
        // cases are distinct: an unstable sort is exact, and does not allocate
        self.entries.sort_unstable_by_key(|(c, _)| *c);
        self.entries.drain(..)
    }
}

/// Empty buffers to reuse.
#[derive(Default)]
pub(crate) struct Spare {
    pub(super) messages: Vec<Messages>,
    pub(super) shows: Vec<Vec<(Arc<str>, Shown)>>,
    pub(super) locals: Vec<Vec<Value>>,
    /// The slots of the last handler run ([`Spare::slots`]): what they hold owns nothing.
    slots: Vec<Value>,
    pub(super) outcomes: Vec<Vec<Outcome>>,
    /// The storage of lists no longer held by anyone (their items unset), to make lists of
    /// the same length in: a rule's `let` list lives for one event.
    lists: Vec<Arc<[Value]>>,
    /// Empty lists given back: any will do for the next (it has no items to write), and
    /// one moved out of here costs nothing, where sharing the thread's one
    /// ([`Value::empty_list`]) costs an atomic count to take and another to let go.
    empties: Vec<Arc<[Value]>>,
    /// The key cells of a table lookup, joined.
    pub(super) cells: String,
    /// The writes of the last event applied in place, and where they are by case.
    pub(super) tx: Option<Box<super::tx::TxBufs>>,
    /// The cases the last event changed.
    pub(super) changed: Vec<CaseId>,
    /// The deadlines due at an event, in the order they fire.
    pub(super) queued: Vec<Queued>,
    /// The candidates and hits of a world-wide lookup.
    pub(super) lookup: Lookup,
    /// When a changed case's deadlines are due, and the slots of their expressions (boxed:
    /// taken and given back by each event that writes, they move as one word).
    pub(super) due: Option<Box<super::DueBufs>>,
}

/// The buffers of a world-wide lookup ([`super::Eval::part_lookup`] and
/// [`super::Eval::case_lookup`]): its candidates, and its hits.
#[derive(Default)]
pub(super) struct Lookup {
    pub(super) parts: Vec<crate::value::PartRef>,
    pub(super) part_hits: Vec<crate::value::PartRef>,
    pub(super) cases: Vec<CaseId>,
    pub(super) case_hits: Vec<CaseId>,
}

/// `buffer`, or an empty one when it is too long to keep ([`KEPT_CAPACITY`]).
pub(super) fn bounded<T>(buffer: Vec<T>) -> Vec<T> {
    if buffer.capacity() <= KEPT_CAPACITY {
        buffer
    } else {
        Vec::new()
    }
}

fn keep<T>(pool: &mut Vec<T>, item: T, capacity: usize) {
    if pool.len() < KEPT && capacity <= KEPT_CAPACITY {
        pool.push(item);
    }
}

impl Spare {
    /// `n` unset local slots.
    pub(super) fn locals(&mut self, n: usize) -> Vec<Value> {
        let mut v = self.locals.pop().unwrap_or_default();
        super::fill_locals(&mut v, n);
        v
    }

    /// At least `n` (and one) slots for a handler, kept from the last handler run: not
    /// emptied between handlers, since a handler writes each slot before it reads it (the
    /// checker sees to that), and what they still hold owns nothing ([`Spare::give_slots`]).
    /// A handler's slots hold participants, cases and counts most of them: emptying them
    /// all and filling them again cost more than taking out the few that own something
    /// (68 instructions an event of the mixed stream, `docs/performance.md`).
    pub(super) fn slots(&mut self, n: usize) -> Vec<Value> {
        let mut v = std::mem::take(&mut self.slots);
        super::grow_slots(&mut v, n);
        v
    }

    /// Takes back a handler's slots ([`Spare::slots`]): every value that owns something is
    /// taken out (the storage of a list it held alone kept), the rest left where they are.
    #[inline]
    pub(super) fn give_slots(&mut self, mut v: Vec<Value>) {
        for slot in v.iter_mut() {
            if !slot.owns_nothing() {
                match std::mem::replace(slot, Value::Unset) {
                    Value::List(list) => self.give_list(list),
                    x => drop(x),
                }
            }
        }
        if v.capacity() <= KEPT_CAPACITY {
            self.slots = v;
        }
    }

    /// Takes back local slots (emptied here: the storage of a list they held alone too).
    pub(super) fn give_locals(&mut self, mut v: Vec<Value>) {
        // popped, not cleared: a value that owns nothing is dropped without a call
        while let Some(x) = v.pop() {
            match x {
                Value::List(list) => self.give_list(list),
                x => x.discard(),
            }
        }
        let cap = v.capacity();
        keep(&mut self.locals, v, cap);
    }

    /// The list of `items`, in order: made in the storage of a list of that length given
    /// back ([`Spare::give_list`]) when there is one, else one allocation (none when empty).
    pub(super) fn list(&mut self, items: impl ExactSizeIterator<Item = Value>) -> Value {
        let n = items.len();
        if n == 0 {
            return self.empty_list();
        }
        if let Some(mut list) = self.kept_list(n) {
            if let Some(slots) = Arc::get_mut(&mut list) {
                // `items` yields `n` exactly (it is exact-size)
                for (slot, item) in slots.iter_mut().zip(items) {
                    slot.put(item);
                }
                return Value::List(list);
            }
        }
        Value::List(items.collect())
    }

    /// [`Spare::list`] of the items of `items`, left empty: each moved out by `pop`, which
    /// runs no drain.
    #[inline]
    pub(super) fn list_taken(&mut self, items: &mut Vec<Value>) -> Value {
        if items.is_empty() {
            return self.empty_list();
        }
        if let Some(mut list) = self.kept_list(items.len()) {
            if let Some(slots) = Arc::get_mut(&mut list) {
                // filled from the back: `items` holds one for each slot
                for slot in slots.iter_mut().rev() {
                    if let Some(item) = items.pop() {
                        slot.put(item);
                    }
                }
                return Value::List(list);
            }
        }
        Value::List(items.drain(..).collect())
    }

    /// An empty list: one given back ([`Spare::give_list`]) when there is one.
    pub(super) fn empty_list(&mut self) -> Value {
        match self.empties.pop() {
            Some(list) => Value::List(list),
            None => Value::empty_list(),
        }
    }

    /// The storage of a list of `n` items given back ([`Spare::give_list`]), if one is
    /// kept: held by nobody else, its items unset.
    fn kept_list(&mut self, n: usize) -> Option<Arc<[Value]>> {
        let i = self.lists.iter().position(|l| l.len() == n)?;
        Some(self.lists.swap_remove(i))
    }

    /// Keeps the storage of `list` for [`Spare::list`] when nothing else holds it (its items
    /// dropped now), else lets it go; an empty list is kept for [`Spare::empty_list`].
    pub(super) fn give_list(&mut self, mut list: Arc<[Value]>) {
        if list.is_empty() {
            // kept whoever else holds it: nothing is written into an empty list
            if self.empties.len() < KEPT {
                self.empties.push(list);
            }
            return;
        }
        if list.len() > KEPT_LIST || self.lists.len() >= KEPT {
            return;
        }
        if let Some(items) = Arc::get_mut(&mut list) {
            for x in items.iter_mut() {
                x.put(Value::Unset);
            }
            self.lists.push(list);
        }
    }

    /// Takes back the buffers of outcomes no longer needed.
    pub(crate) fn give_outcomes(&mut self, outcomes: Answers) {
        let (one, more) = outcomes.into_parts();
        if let Some(o) = one {
            self.give_outcome(o);
        }
        if let Some(mut more) = more {
            for o in more.drain(..) {
                self.give_outcome(o);
            }
            self.give_outcome_buffer(more);
        }
    }

    /// Keeps `buffer` (emptied) for the outcomes of the next firings.
    pub(super) fn give_outcome_buffer(&mut self, mut buffer: Vec<Outcome>) {
        buffer.clear();
        let cap = buffer.capacity();
        keep(&mut self.outcomes, buffer, cap);
    }

    fn give_outcome(&mut self, o: Outcome) {
        self.give_acc(Acc {
            messages: o.messages,
            shows: o.shows,
            shown: 0,
        });
    }

    pub(super) fn give_acc(&mut self, acc: Acc) {
        let (mut m, mut s) = (acc.messages, acc.shows);
        m.clear();
        s.clear();
        let (mc, sc) = (m.capacity(), s.capacity());
        if mc > 0 {
            keep(&mut self.messages, m, mc);
        }
        if sc > 0 {
            keep(&mut self.shows, s, sc);
        }
    }

    /// Takes back the buffers of an event's last phase (not kept past [`KEPT_CAPACITY`]).
    #[inline]
    pub(super) fn give_changed(&mut self, mut changed: Vec<CaseId>, mut due: Box<super::DueBufs>) {
        if changed.capacity() <= KEPT_CAPACITY {
            changed.clear();
            self.changed = changed;
        }
        if due.largest() <= KEPT_CAPACITY {
            due.times.clear();
            // what the slots hold is let go, but for what owns nothing (each expression
            // binds its slots before reading them)
            for v in due.locals.iter_mut() {
                if !v.owns_nothing() {
                    *v = Value::Unset;
                }
            }
            // the values a case held before the event are not kept past it
            due.was.clear();
            self.due = Some(due);
        }
    }
}

/// The buffers of one evaluation, given back to its thread when it ends.
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) outcomes: Outcomes,
    /// The event's own outcomes, being sorted: (about nobody, (case type, key), case, what).
    pub(super) own: Vec<Own>,
    pub(super) spare: Spare,
}

pub(super) type Own = (
    bool,
    Option<(crate::ids::CaseTypeId, crate::value::Text)>,
    Option<CaseId>,
    Acc,
);

thread_local! {
    /// The buffers of this thread's last evaluation, boxed: taking and giving them back
    /// moves a pointer.
    static KEPT_SCRATCH: Cell<Option<Box<Scratch>>> = const { Cell::new(None) };
}

impl Scratch {
    /// Gives the buffers back to the thread.
    fn put_back(mut self: Box<Self>) {
        let Scratch {
            outcomes, spare, ..
        } = &mut *self;
        // (most often none is left: each went into an outcome)
        while let Some((_, acc)) = outcomes.entries.pop() {
            spare.give_acc(acc);
        }
        // a handler that touched very many cases leaves no very large buffer behind
        if outcomes.entries.capacity() > KEPT_CAPACITY {
            *outcomes = Outcomes::default();
        }
        outcomes.index.clear();
        let _ = KEPT_SCRATCH.try_with(|s| s.set(Some(self)));
    }
}

/// The thread's buffers for one evaluation (new ones when another evaluation of this
/// thread holds them), given back to it when dropped, on every return path.
pub(super) struct ScratchGuard(Option<Box<Scratch>>);

impl ScratchGuard {
    /// The thread's buffers, taken when first used: an evaluation that needs none (a
    /// decision, most often) does not take them, nor give them back.
    pub(super) fn lazy() -> ScratchGuard {
        ScratchGuard(None)
    }
}

impl std::ops::Deref for ScratchGuard {
    type Target = Scratch;
    fn deref(&self) -> &Scratch {
        // not taken yet: as the thread's buffers are between evaluations, empty
        self.0.as_deref().unwrap_or(&EMPTY)
    }
}

/// What a guard reads before its buffers are taken.
static EMPTY: std::sync::LazyLock<Scratch> = std::sync::LazyLock::new(Scratch::default);

impl std::ops::DerefMut for ScratchGuard {
    fn deref_mut(&mut self) -> &mut Scratch {
        self.0.get_or_insert_with(|| {
            let kept = KEPT_SCRATCH.try_with(Cell::take).ok().flatten();
            kept.unwrap_or_default()
        })
    }
}

impl Drop for ScratchGuard {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            s.put_back();
        }
    }
}

/// Takes back the buffers of `outcomes` into this thread's spares, for the next evaluation.
pub(crate) fn recycle(outcomes: Answers) {
    let _ = KEPT_SCRATCH.try_with(|s| {
        let mut kept = s.take().unwrap_or_default();
        kept.spare.give_outcomes(outcomes);
        s.set(Some(kept));
    });
}

/// Takes back local slots into this thread's spares, for the next evaluation.
pub(super) fn recycle_locals(locals: Vec<Value>) {
    if locals.capacity() == 0 {
        return;
    }
    let _ = KEPT_SCRATCH.try_with(|s| {
        let mut kept = s.take().unwrap_or_default();
        kept.spare.give_locals(locals);
        s.set(Some(kept));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> impl ExactSizeIterator<Item = Value> {
        (0..n).map(|i| Value::Count(i as i64))
    }

    fn storage(v: &Value) -> *const Value {
        match v {
            Value::List(l) => l.as_ptr(),
            _ => panic!("not a list: {v:?}"),
        }
    }

    #[test]
    fn an_empty_list_given_back_is_the_next_empty_list() {
        let mut spare = Spare::default();
        // an empty list of its own (not the thread's share)
        let first = Value::List(Arc::from(Vec::new()));
        let at = storage(&first);
        assert_ne!(at, storage(&Value::empty_list()));
        spare.give_locals(vec![first]);
        // made empty, or from no items: the storage given back, moved out
        let again = spare.list_taken(&mut Vec::new());
        assert_eq!(again, Value::empty_list());
        assert_eq!(storage(&again), at);
        // none kept: a share of the thread's, empty all the same
        let other = spare.empty_list();
        assert_eq!(other, Value::empty_list());
        // one shared with another holder is kept too (nothing is written into it)
        let held = again.clone();
        spare.give_locals(vec![again]);
        assert_eq!(storage(&spare.empty_list()), storage(&held));
    }

    #[test]
    fn a_list_given_back_is_made_again_in_its_storage_with_the_new_items() {
        let mut spare = Spare::default();
        let first = spare.list(std::iter::once(Value::text(
            "a long text, held by the list",
        )));
        let at = storage(&first);
        spare.give_locals(vec![Value::Unset, first, Value::Count(1)]);
        // kept with its items dropped: the text is not held on to
        assert!(spare.lists.iter().all(|l| l.iter().all(Value::is_unset)));
        let second = spare.list(items(1));
        assert_eq!(storage(&second), at);
        assert_eq!(second, Value::List(Arc::from([Value::Count(0)])));
        assert!(spare.lists.is_empty());
    }

    #[test]
    fn a_list_taken_from_a_buffer_keeps_its_order_and_empties_the_buffer() {
        let mut spare = Spare::default();
        let mut buffer: Vec<Value> = items(3).collect();
        let first = spare.list_taken(&mut buffer);
        assert!(buffer.is_empty());
        assert_eq!(first, Value::List(items(3).collect()));
        let at = storage(&first);
        spare.give_locals(vec![first]);
        // made again in the same storage, in the same order
        let mut buffer: Vec<Value> = (10..13).map(Value::Count).collect();
        let again = spare.list_taken(&mut buffer);
        assert_eq!(storage(&again), at);
        assert_eq!(again, Value::List((10..13).map(Value::Count).collect()));
        assert!(buffer.is_empty());
        assert_eq!(spare.list_taken(&mut Vec::new()), Value::empty_list());
    }

    #[test]
    fn a_list_is_made_only_in_storage_of_its_own_length() {
        let mut spare = Spare::default();
        let two = spare.list(items(2));
        let at = storage(&two);
        spare.give_locals(vec![two]);
        let three = spare.list(items(3));
        assert_ne!(storage(&three), at);
        assert_eq!(three, Value::List(items(3).collect()));
        assert_eq!(spare.lists.len(), 1, "the storage of two is still kept");
        assert_eq!(spare.list(std::iter::empty()), Value::empty_list());
    }

    #[test]
    fn a_handlers_slots_keep_only_what_owns_nothing() {
        let mut spare = Spare::default();
        let mut slots = spare.slots(3);
        assert_eq!(slots.len(), 3);
        assert!(slots.iter().all(Value::is_unset));
        let list = spare.list(items(2));
        let at = storage(&list);
        slots[0] = Value::Count(7);
        slots[1] = list;
        slots[2] = Value::text("a long text, held by a slot");
        spare.give_slots(slots);
        // the list's storage kept for the next list of its length, the text let go, the
        // count left where it was (the next handler writes each slot before reading it)
        assert_eq!(storage(&spare.list(items(2))), at);
        let again = spare.slots(2);
        assert_eq!(again.len(), 3, "kept at the longest length asked");
        assert_eq!(again[0], Value::Count(7));
        assert!(again[1..].iter().all(Value::is_unset));
        spare.give_slots(again);
        // more asked than kept: the new ones unset
        let longer = spare.slots(5);
        assert_eq!(longer.len(), 5);
        assert!(longer[1..].iter().all(Value::is_unset));
        // none asked: one all the same (slot 0, the case)
        spare.give_slots(Vec::new());
        assert_eq!(spare.slots(0).len(), 1);
    }

    #[test]
    fn a_list_someone_else_holds_is_not_taken_back() {
        let mut spare = Spare::default();
        let list = spare.list(items(2));
        let held = list.clone();
        spare.give_locals(vec![list]);
        assert!(spare.lists.is_empty());
        assert_eq!(held, Value::List(items(2).collect()));
        // nor one longer than kept, nor past the number kept
        spare.give_locals(vec![Spare::default().list(items(KEPT_LIST + 1))]);
        assert!(spare.lists.is_empty());
        let many = (0..KEPT + 1)
            .map(|_| Value::List(items(1).collect()))
            .collect();
        spare.give_locals(many);
        assert_eq!(spare.lists.len(), KEPT);
    }
}
