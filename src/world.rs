//! The world: every case, indexes on participant fields, and the deadline queue.

use crate::program::{CaseTypeId, MemberId, Program};
use crate::value::{CaseId, PartRef, Text, Value};
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

mod index;
mod write;

use index::{Hash, HashIndex, HashKeys};

/// All cases a policy has seen, with the virtual clock. Cloneable: a world is plain data.
/// Its `Debug` output is a summary that shows no case's values (`src/redact.rs`).
#[derive(Clone, Default)]
pub struct World {
    pub(crate) clock: Option<Timestamp>,
    pub(crate) cases: Vec<CaseData>,
    /// Each case type's cases by their key's hash (`[case type]`): a reader checks the key
    /// of the case it gets ([`World::find`]).
    pub(crate) by_key: Vec<HashIndex<KeyIds>>,
    /// Per case type, one index per entry of its `parts.indexed`: field value's hash →
    /// participants holding it (or a value of the same hash).
    pub(crate) index: Vec<Vec<HashIndex<Refs>>>,
    /// Per case type, one index per entry of its `indexed`: case field value's hash → cases
    /// holding it (or a value of the same hash), sorted.
    pub(crate) case_index: Vec<Vec<HashIndex<Vec<CaseId>>>>,
    /// The keys of the indexes' hash, this world's own.
    pub(crate) hash_keys: HashKeys,
    /// Scheduled deadlines: (instant, case, deadline). Deadlines due at the same instant
    /// fire in order of case key, which the evaluator sorts out. While an event applied in
    /// place fires the deadlines due, they are out of it (`World::take_due`).
    pub(crate) queue: BTreeSet<Queued>,
    /// How many steps were committed: a step computed on an older generation is refused.
    pub(crate) generation: u64,
    /// The fingerprint of the policy whose events built this world.
    pub(crate) policy: Option<u64>,
    /// The program ([`Program`]'s `id`) whose indexed fields `index` and `case_index` were
    /// last found to be built for: set only by [`World::ensure_indexes`], which alone
    /// builds them.
    indexed_for: Option<u64>,
}

/// A deadline in the queue: its instant, its case, its slot in the case's deadlines.
pub(crate) type Queued = (Timestamp, CaseId, u16);

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CaseData {
    /// Its case type.
    pub ty: CaseTypeId,
    pub key: Text,
    pub status: MemberId,
    pub fields: Box<[Value]>,
    pub parts: Parts,
    pub deadlines: Box<[DeadlineState]>,
}

/// The participants of one case: their fields side by side in one allocation (a case has
/// a few participants, and a world millions of cases).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Parts {
    /// Fields per participant.
    stride: usize,
    // INVARIANT: `values.len() == stride * count`.
    count: usize,
    values: Vec<Value>,
}

impl Parts {
    /// No participants, each of `stride` fields.
    pub fn new(stride: usize) -> Parts {
        Parts {
            stride,
            count: 0,
            values: Vec::new(),
        }
    }

    /// Participants of `stride` fields each, side by side in `values`; `None` unless
    /// `values` holds `count` of them exactly.
    pub fn from_flat(stride: usize, count: usize, values: Vec<Value>) -> Option<Parts> {
        (stride.checked_mul(count) == Some(values.len())).then_some(Parts {
            stride,
            count,
            values,
        })
    }

    pub fn len(&self) -> usize {
        self.count
    }

    /// Fields per participant.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The fields of participant `i`.
    pub fn get(&self, i: usize) -> Option<&[Value]> {
        (i < self.count).then(|| &self.values[i * self.stride..(i + 1) * self.stride])
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut [Value]> {
        (i < self.count).then(|| &mut self.values[i * self.stride..(i + 1) * self.stride])
    }

    /// Adds a participant; its fields are cut or padded (with unset) to the stride.
    pub fn push(&mut self, fields: impl IntoIterator<Item = Value>) {
        let end = self.values.len() + self.stride;
        self.values.extend(fields.into_iter().take(self.stride));
        self.values.resize(end, Value::Unset);
        self.count += 1;
    }

    /// Makes room for `n` more participants at once: exactly for a case that has none yet
    /// (its participants are most often all added by one event), else as a push grows it
    /// (a case that gains a few participants at a time, event after event, is not copied
    /// whole at each).
    pub fn reserve(&mut self, n: usize) {
        let more = n.saturating_mul(self.stride);
        if self.values.is_empty() {
            self.values.reserve_exact(more);
        } else {
            self.values.reserve(more);
        }
    }

    /// Removes the last participant.
    pub fn pop(&mut self) {
        if self.count > 0 {
            self.count -= 1;
            self.values.truncate(self.count * self.stride);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &[Value]> + '_ {
        (0..self.count).filter_map(|i| self.get(i))
    }
}

/// A deadline of one case: when it is due, and the instant it last fired at.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct DeadlineState {
    pub at: Option<Timestamp>,
    pub fired: Option<Timestamp>,
}

impl DeadlineState {
    /// Due and not yet fired for this instant.
    pub fn pending(&self) -> Option<Timestamp> {
        self.at.filter(|t| self.fired != Some(*t))
    }
}

impl World {
    /// An empty world.
    pub fn new() -> World {
        World::default()
    }

    /// How many cases the world holds.
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// Whether the world holds no case.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// The instant of the last accepted event.
    pub fn clock(&self) -> Option<Timestamp> {
        self.clock
    }

    /// The instant the earliest pending deadline of any case is due at (`None`: none is
    /// pending): an event (a `tick`) at or after it fires it.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.queue.first().map(|(at, _, _)| *at)
    }

    /// Builds the indexes if the policy's set of indexed fields is not what they were built for.
    pub(crate) fn ensure_indexes(&mut self, program: &Program) {
        // (the program of the last event, most often: no shape to compare)
        if self.indexed_for == Some(program.id) {
            return;
        }
        if self.indexes_fit(program) {
            self.indexed_for = Some(program.id);
            return;
        }
        // sized for every value distinct, as a key or a phone number mostly is
        let (mut cases, mut parts) = (vec![0; program.cases.len()], vec![0; program.cases.len()]);
        for c in &self.cases {
            if let (Some(n), Some(p)) = (cases.get_mut(c.ty.index()), parts.get_mut(c.ty.index())) {
                *n += 1;
                *p += c.parts.len();
            }
        }
        self.index = program
            .cases
            .iter()
            .zip(&parts)
            .map(|(c, n)| {
                (0..c.parts.indexed.len())
                    .map(|_| HashIndex::with_capacity(*n))
                    .collect()
            })
            .collect();
        self.case_index = program
            .cases
            .iter()
            .zip(&cases)
            .map(|(c, n)| {
                (0..c.indexed.len())
                    .map(|_| HashIndex::with_capacity(*n))
                    .collect()
            })
            .collect();
        for (id, c) in self.cases.iter().enumerate() {
            update_indexes(
                (&mut self.index, &mut self.case_index, &self.hash_keys),
                program,
                id as CaseId,
                None,
                c,
            );
        }
        self.indexed_for = Some(program.id);
    }

    /// Indexes `case`, about to be added as `id`, in indexes built already.
    pub(crate) fn index_new(&mut self, program: &Program, id: CaseId, case: &CaseData) {
        update_indexes(
            (&mut self.index, &mut self.case_index, &self.hash_keys),
            program,
            id,
            None,
            case,
        );
    }

    /// The case of type `ty` keyed `key`.
    pub(crate) fn find(&self, ty: CaseTypeId, key: &[u8]) -> Option<CaseId> {
        let ids = self
            .by_key
            .get(ty.index())?
            .get(Hash::of(&self.hash_keys, key))?;
        // another key of the same hash shares the slot: the case tells
        ids.as_slice().iter().copied().find(|id| {
            self.cases
                .get(*id as usize)
                .is_some_and(|c| c.ty == ty && c.key.bytes() == key)
        })
    }

    /// Files case `id`, of type `ty` and keyed `key`, under its key (no case of that type
    /// is keyed `key` yet: the caller checked, with [`World::find`]).
    pub(crate) fn file_key(&mut self, ty: CaseTypeId, key: &[u8], id: CaseId) {
        let h = Hash::of(&self.hash_keys, key);
        self.keys_mut(ty)
            .get_or_insert_with(h, || KeyIds::One(id))
            .insert(id);
    }

    /// Makes room for `n` keys of case type `ty` (a world read from a file knows how many).
    pub(crate) fn expect_keys(&mut self, ty: CaseTypeId, n: usize) {
        self.keys_mut(ty).reserve(n);
    }

    /// The cases by key of type `ty`, made if there are none yet.
    fn keys_mut(&mut self, ty: CaseTypeId) -> &mut HashIndex<KeyIds> {
        if self.by_key.len() <= ty.index() {
            self.by_key.resize_with(ty.index() + 1, HashIndex::default);
        }
        &mut self.by_key[ty.index()]
    }

    /// Takes case `id`, of type `ty` and keyed `key`, out of the cases by key.
    pub(crate) fn unfile_key(&mut self, ty: CaseTypeId, key: &[u8], id: CaseId) {
        let h = Hash::of(&self.hash_keys, key);
        if let Some(keys) = self.by_key.get_mut(ty.index()) {
            if keys.get_mut(h).is_some_and(|ids| ids.remove(id)) {
                keys.remove(h);
            }
        }
    }

    /// Schedules every pending deadline of every case afresh.
    pub(crate) fn rebuild_queue(&mut self) {
        self.queue =
            self.cases
                .iter()
                .enumerate()
                .flat_map(|(id, c)| {
                    c.deadlines.iter().enumerate().filter_map(move |(d, st)| {
                        st.pending().map(|t| (t, id as CaseId, d as u16))
                    })
                })
                .collect();
    }

    /// Replaces or adds cases, keeping indexes and the deadline queue in step.
    pub(crate) fn commit(
        &mut self,
        program: &Program,
        changed: BTreeMap<CaseId, CaseData>,
        clock: Timestamp,
    ) {
        self.ensure_indexes(program);
        for (id, new) in changed {
            let idx = id as usize;
            if idx < self.cases.len() {
                // Only what changed moves in the indexes and the queue.
                let old = std::mem::replace(&mut self.cases[idx], new);
                let new = &self.cases[idx];
                update_indexes(
                    (&mut self.index, &mut self.case_index, &self.hash_keys),
                    program,
                    id,
                    Some(&old),
                    new,
                );
                for (d, (was, is)) in old.deadlines.iter().zip(&new.deadlines).enumerate() {
                    if was.pending() != is.pending() {
                        if let Some(t) = was.pending() {
                            self.queue.remove(&(t, id, d as u16));
                        }
                        if let Some(t) = is.pending() {
                            self.queue.insert((t, id, d as u16));
                        }
                    }
                }
            } else {
                update_indexes(
                    (&mut self.index, &mut self.case_index, &self.hash_keys),
                    program,
                    id,
                    None,
                    &new,
                );
                for (d, st) in new.deadlines.iter().enumerate() {
                    if let Some(t) = st.pending() {
                        self.queue.insert((t, id, d as u16));
                    }
                }
                // INVARIANT: new cases are numbered from the world's end, in order.
                self.file_key(new.ty, new.key.bytes(), self.cases.len() as CaseId);
                self.cases.push(new);
            }
        }
        self.clock = Some(clock);
        self.generation += 1;
    }

    /// Participants of case type `ty` whose indexed field (`slot` in its `parts.indexed`)
    /// holds `v`.
    pub(crate) fn indexed(&self, ty: CaseTypeId, slot: usize, v: &Value) -> &[PartRef] {
        self.index
            .get(ty.index())
            .and_then(|i| i.get(slot))
            .and_then(|m| m.get(Hash::of(&self.hash_keys, v)))
            .map_or(&[], Refs::as_slice)
    }

    /// Cases of type `ty` whose indexed field (`slot` in its `indexed`) holds `v`, in order.
    pub(crate) fn cases_indexed(&self, ty: CaseTypeId, slot: usize, v: &Value) -> &[CaseId] {
        self.case_index
            .get(ty.index())
            .and_then(|i| i.get(slot))
            .and_then(|m| m.get(Hash::of(&self.hash_keys, v)))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether the indexes were built for `program`'s indexed fields (they are built on the
    /// first commit).
    #[inline]
    pub(crate) fn has_indexes(&self, program: &Program) -> bool {
        self.indexed_for == Some(program.id) || self.indexes_fit(program)
    }

    /// [`World::has_indexes`], their shapes compared.
    fn indexes_fit(&self, program: &Program) -> bool {
        self.index.len() == program.cases.len()
            && self.case_index.len() == program.cases.len()
            && program
                .cases
                .iter()
                .zip(&self.index)
                .all(|(c, i)| c.parts.indexed.len() == i.len())
            && program
                .cases
                .iter()
                .zip(&self.case_index)
                .all(|(c, i)| c.indexed.len() == i.len())
    }
}

type Indexes<'a> = (
    &'a mut Vec<Vec<HashIndex<Refs>>>,
    &'a mut Vec<Vec<HashIndex<Vec<CaseId>>>>,
    &'a HashKeys,
);

/// Moves case `id` in the indexes of its type from what `old` held to what `new` holds.
fn update_indexes(
    (index, case_index, keys): Indexes,
    program: &Program,
    id: CaseId,
    old: Option<&CaseData>,
    new: &CaseData,
) {
    let Some(def) = program.case_def(new.ty) else {
        return;
    };
    if let Some(index) = index.get_mut(new.ty.index()) {
        update_index((index, keys), &def.parts.indexed, id, old, new);
    }
    if let Some(index) = case_index.get_mut(new.ty.index()) {
        update_case_index((index, keys), &def.indexed, id, old, new);
    }
}

/// Moves case `id` in the case-field indexes from what `old` held to what `new` holds.
fn update_case_index(
    (index, keys): (&mut [HashIndex<Vec<CaseId>>], &HashKeys),
    indexed: &[u16],
    id: CaseId,
    old: Option<&CaseData>,
    new: &CaseData,
) {
    for (map, field) in index.iter_mut().zip(indexed) {
        let was = old.and_then(|c| c.fields.get(*field as usize));
        let is = new.fields.get(*field as usize);
        case_index_move((map, keys), id, was, is);
    }
}

/// Moves case `id` in one case-field index from value `was` to value `is` (`None`: not in it).
fn case_index_move(
    (map, keys): (&mut HashIndex<Vec<CaseId>>, &HashKeys),
    id: CaseId,
    was: Option<&Value>,
    is: Option<&Value>,
) {
    if was == is {
        return;
    }
    if let Some(v) = was {
        let h = Hash::of(keys, v);
        if let Some(ids) = map.get_mut(h) {
            if let Ok(at) = ids.binary_search(&id) {
                ids.remove(at);
            }
            if ids.is_empty() {
                map.remove(h);
            }
        }
    }
    if let Some(v) = is {
        let ids = map.get_or_insert_with(Hash::of(keys, v), Vec::new);
        if let Err(at) = ids.binary_search(&id) {
            ids.insert(at, id);
        }
    }
}

/// Moves case `id`'s participants in the indexes from what `old` held to what `new` holds,
/// touching only the values that changed.
fn update_index(
    (index, keys): (&mut [HashIndex<Refs>], &HashKeys),
    indexed: &[u16],
    id: CaseId,
    old: Option<&CaseData>,
    new: &CaseData,
) {
    let old_len = old.map_or(0, |c| c.parts.len());
    for pi in 0..old_len.max(new.parts.len()) {
        let r = PartRef {
            case: id,
            idx: pi as u32,
        };
        for (map, field) in index.iter_mut().zip(indexed) {
            let was = old
                .and_then(|c| c.parts.get(pi))
                .and_then(|p| p.get(*field as usize));
            let is = new.parts.get(pi).and_then(|p| p.get(*field as usize));
            part_index_move((map, keys), r, was, is);
        }
    }
}

/// Moves participant `r` in one index from value `was` to value `is` (`None`: not in it).
fn part_index_move(
    (map, keys): (&mut HashIndex<Refs>, &HashKeys),
    r: PartRef,
    was: Option<&Value>,
    is: Option<&Value>,
) {
    if was == is {
        return;
    }
    if let Some(v) = was {
        let h = Hash::of(keys, v);
        if map.get_mut(h).is_some_and(|refs| refs.remove(r)) {
            map.remove(h);
        }
    }
    if let Some(v) = is {
        // inserting `r` into the one made of `r` leaves it as it is
        map.get_or_insert_with(Hash::of(keys, v), || Refs::One(r))
            .insert(r);
    }
}

/// The participants holding one value of an indexed field: almost always one, so it is kept
/// without an allocation. Sorted, no duplicates.
#[derive(Clone, Debug)]
pub(crate) enum Refs {
    One(PartRef),
    // INVARIANT: two or more, sorted, no duplicates.
    Many(Vec<PartRef>),
}

impl Refs {
    pub(crate) fn as_slice(&self) -> &[PartRef] {
        match self {
            Refs::One(r) => std::slice::from_ref(r),
            Refs::Many(v) => v,
        }
    }

    fn insert(&mut self, r: PartRef) {
        match self {
            Refs::One(one) if *one == r => {}
            Refs::One(one) => {
                *self = Refs::Many(if *one < r {
                    vec![*one, r]
                } else {
                    vec![r, *one]
                })
            }
            Refs::Many(v) => {
                if let Err(at) = v.binary_search(&r) {
                    v.insert(at, r);
                }
            }
        }
    }

    /// Removes `r`; returns whether nothing is left.
    fn remove(&mut self, r: PartRef) -> bool {
        match self {
            Refs::One(one) => *one == r,
            Refs::Many(v) => {
                if let Ok(at) = v.binary_search(&r) {
                    v.remove(at);
                }
                // INVARIANT: at least one is left, kept inline when it is the only one.
                if let [last] = v.as_slice() {
                    *self = Refs::One(*last);
                }
                false
            }
        }
    }
}

/// The cases filed under one key's hash: one, but for two keys of the same hash (in
/// practice never), so it is kept without an allocation. No duplicates.
#[derive(Clone, Debug)]
pub(crate) enum KeyIds {
    One(CaseId),
    // INVARIANT: two or more, no duplicates.
    Many(Box<[CaseId]>),
}

impl KeyIds {
    pub(crate) fn as_slice(&self) -> &[CaseId] {
        match self {
            KeyIds::One(id) => std::slice::from_ref(id),
            KeyIds::Many(ids) => ids,
        }
    }

    fn insert(&mut self, id: CaseId) {
        if !self.as_slice().contains(&id) {
            *self = KeyIds::Many(self.as_slice().iter().copied().chain([id]).collect());
        }
    }

    /// Removes `id`; returns whether nothing is left.
    fn remove(&mut self, id: CaseId) -> bool {
        let left: Vec<CaseId> = self
            .as_slice()
            .iter()
            .copied()
            .filter(|x| *x != id)
            .collect();
        match left.as_slice() {
            [] => true,
            [one] => {
                *self = KeyIds::One(*one);
                false
            }
            _ => {
                *self = KeyIds::Many(left.into());
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_for_participants_is_exact_for_a_new_case_and_grows_as_pushes_do_after() {
        let mut parts = Parts::new(4);
        parts.reserve(3);
        assert_eq!(
            parts.values.capacity(),
            12,
            "three participants of four fields"
        );
        for _ in 0..3 {
            parts.push([Value::Count(1)]);
        }
        assert_eq!(
            (parts.len(), parts.values.capacity()),
            (3, 12),
            "no reallocation"
        );
        // a case with participants: grown as a push grows it (at least doubled, as `Vec`
        // grows), not to the exact size, so that adds event after event stay amortized
        parts.reserve(1);
        assert!(parts.values.capacity() >= 24, "{}", parts.values.capacity());
        assert_eq!(
            parts.get(2),
            Some(&[Value::Count(1), Value::Unset, Value::Unset, Value::Unset][..])
        );
    }

    fn r(case: u32) -> PartRef {
        PartRef { case, idx: 0 }
    }

    /// `policy` (with a message `ok`) loaded twice: compiled, and tree-walked.
    fn both_evaluators(policy: &str) -> [crate::Engine; 2] {
        let load = || {
            crate::Engine::from_sources(vec![
                crate::Source::new(
                    "m.yaml",
                    "kind: messages\nmessages:\n  ok: { text: t, result: r, next_step: n }\n",
                ),
                crate::Source::new("p.docket", policy),
            ])
            .unwrap_or_else(|e| panic!("{}", e.render()))
        };
        [load(), load().tree_walking()]
    }

    /// A world's indexes are built for the program that applies to it, kept for another
    /// program of the same indexed fields, and built again for one of other indexed fields
    /// (as after a migration).
    #[test]
    fn indexes_are_built_again_only_for_a_program_of_other_indexed_fields() {
        const ONE: &str = r#"
            statuses { open }
            case team key id: text {}
            participants members in team { name: text  town: text }
            event find { name: text }
            on find {
              let found = [m in members where m.name == event.name]
              rule r { show found = count(found) }
            }
        "#;
        let two = ONE.replace(
            "rule r {",
            "let here = [m in members where m.town == event.name]\n rule r { show here = count(here) ",
        );
        let [one, _] = both_evaluators(ONE);
        let [one_again, _] = both_evaluators(ONE);
        let [other, _] = both_evaluators(&two);
        let mut world = World::new();
        world.ensure_indexes(one.program());
        assert_eq!(world.index[0].len(), 1);
        assert_eq!(world.indexed_for, Some(one.program().id));
        // a mark in the index (no participant holds it): it stays while the index does
        let mark = Hash::of(&world.hash_keys, &Value::Count(1));
        world.index[0][0].get_or_insert_with(mark, || Refs::One(r(7)));
        world.ensure_indexes(one_again.program());
        assert_eq!(world.indexed_for, Some(one_again.program().id));
        assert!(
            world.index[0][0].get(mark).is_some(),
            "the same shape: not built again"
        );
        assert!(world.has_indexes(one.program()), "its shape compared");
        assert!(!world.has_indexes(other.program()));
        world.ensure_indexes(other.program());
        assert_eq!(world.index[0].len(), 2);
        assert_eq!(world.indexed_for, Some(other.program().id));
        assert!(!world.has_indexes(one.program()));
    }

    /// Two keys of one hash share a slot of the cases by key: finding a case by its key
    /// gets that key's case, and a key nobody has finds nothing, whoever shares its slot.
    #[test]
    fn a_key_finds_only_its_own_case_when_keys_share_a_hash() {
        const POLICY: &str = r#"
            statuses { open }
            case team key id: text { size: count = 0 }
            event open_team { team: text }
            event grow { team: text }
            on open_team for new team(event.team) { rule r { emit ok } }
            on grow for team(event.team) { rule r { set team.size = team.size + 1 } }
        "#;
        for engine in both_evaluators(POLICY) {
            let at = r#""at":"2026-11-28T10:00:00Z""#;
            let run = |world: &mut World, line: String| {
                let event = engine.parse_event(&line).expect("an event");
                engine.apply(world, &event)
            };
            let mut world = World::new();
            for team in ["a", "b"] {
                run(
                    &mut world,
                    format!(r#"{{"type":"open_team",{at},"team":"{team}"}}"#),
                )
                .expect("opened");
            }
            let ty = world.cases[0].ty;
            // as if "b" and "c" had the hash of "a", and "a" that of "c"
            world.file_key(ty, b"a", 1);
            world.file_key(ty, b"c", 0);
            world.file_key(ty, b"c", 1);
            assert_eq!(world.find(ty, b"a"), Some(0));
            assert_eq!(world.find(ty, b"b"), Some(1));
            assert_eq!(world.find(ty, b"c"), None);
            run(&mut world, format!(r#"{{"type":"grow",{at},"team":"b"}}"#)).expect("grown");
            assert_eq!(world.cases[0].fields[0], Value::Count(0));
            assert_eq!(world.cases[1].fields[0], Value::Count(1));
            run(&mut world, format!(r#"{{"type":"grow",{at},"team":"c"}}"#))
                .expect_err("no team c");
            run(
                &mut world,
                format!(r#"{{"type":"open_team",{at},"team":"c"}}"#),
            )
            .expect("c is new");
            assert_eq!(world.find(ty, b"c"), Some(2));
            // the slot of "c" loses a and b, and keeps c
            world.unfile_key(ty, b"c", 0);
            world.unfile_key(ty, b"c", 1);
            assert_eq!(world.find(ty, b"c"), Some(2));
            world.unfile_key(ty, b"c", 2);
            assert_eq!(world.find(ty, b"c"), None);
            assert_eq!(world.find(ty, b"a"), Some(0));
        }
    }

    /// Two values of one hash share a slot of an index, their participants with it
    /// (`index.rs`): a world-wide lookup keeps only those that hold the value it looks for.
    #[test]
    fn a_lookup_keeps_only_the_candidates_that_hold_its_value() {
        const POLICY: &str = r#"
            statuses { open }
            case team key id: text {}
            participants members in team { name: text }
            event open_team { team: text }
            event join { team: text, name: text }
            event find { name: text }
            on open_team for new team(event.team) { rule r { emit ok } }
            on join for team(event.team) { rule r { add members(name: event.name) } }
            on find {
              let found = [m in members where m.name == event.name]
              rule r { show found = count(found) }
              rule each for m in found { show last_team = m.team.id }
            }
        "#;
        for engine in both_evaluators(POLICY) {
            let at = r#""at":"2026-11-28T10:00:00Z""#;
            let mut world = World::new();
            for line in [
                format!(r#"{{"type":"open_team",{at},"team":"a"}}"#),
                format!(r#"{{"type":"open_team",{at},"team":"b"}}"#),
                format!(r#"{{"type":"join",{at},"team":"a","name":"ann"}}"#),
                format!(r#"{{"type":"join",{at},"team":"b","name":"bob"}}"#),
            ] {
                let event = engine.parse_event(&line).expect("an event");
                engine.apply(&mut world, &event).expect("applied");
            }
            // as if "bob" had the hash of "ann": bob joins ann's slot
            let ann = Hash::of(&world.hash_keys, &Value::Text(Text::from("ann")));
            let slot = world.index[0][0].get_mut(ann).expect("ann is indexed");
            slot.insert(PartRef { case: 1, idx: 0 });
            assert_eq!(slot.as_slice().len(), 2);
            let find = engine
                .parse_event(&format!(r#"{{"type":"find",{at},"name":"ann"}}"#))
                .expect("an event");
            let step = engine.evaluate(&world, &find).expect("evaluated");
            let shows: Vec<String> = step
                .outcomes()
                .iter()
                .flat_map(|o| &o.shows)
                .map(|(name, v)| format!("{name}={}", v.to_json()))
                .collect();
            assert_eq!(shows, ["last_team=\"a\"", "found=1"]);
        }
    }

    #[test]
    fn refs_stay_sorted_and_shrink_back_to_one() {
        let mut refs = Refs::One(r(5));
        refs.insert(r(2));
        refs.insert(r(9));
        refs.insert(r(2));
        assert_eq!(refs.as_slice(), [r(2), r(5), r(9)]);
        assert!(!refs.remove(r(5)));
        assert!(!refs.remove(r(7)));
        assert!(!refs.remove(r(2)));
        assert!(matches!(refs, Refs::One(x) if x == r(9)));
        assert!(!refs.remove(r(3)));
        assert!(refs.remove(r(9)));
    }
}
