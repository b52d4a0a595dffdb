//! A fast 128-bit hash for `docket verify`'s fingerprints of worlds, and the pass-through
//! hasher of the set that keeps them.
//!
//! Fingerprints need no protection against chosen inputs (the worlds are generated, not
//! sent), only few accidental collisions: two lanes, each a 64-bit state mixed with every
//! word by a folded multiply (the `mum` of wyhash) with its own constant. Were the 128
//! bits uniform, the odds that some two of `n` distinct worlds collide would be about
//! `n² / 2¹²⁹`: 10⁻²³ at ten million. The lanes are not independent in theory; counting
//! only 100 bits jointly, the odds are still below 10⁻¹⁶ there. A collision would merge
//! two worlds, and leave the second one's successors unexplored.

use super::reads::Fields;
use super::symmetry::Symmetry;
use crate::value::Value;
use crate::world::CaseData;
use jiff::Timestamp;
use std::hash::{BuildHasherDefault, Hash, Hasher};

const K0: u64 = 0xa076_1d64_78bd_642f;
const K1: u64 = 0xe703_7ed1_a0b4_28db;
const K2: u64 = 0x8ebc_6af0_9c88_c6e3;
const K3: u64 = 0x5899_65cc_7537_4cc3;

/// The product of `x` and `y`, its high half folded onto its low half.
#[inline]
fn fold(x: u64, y: u64) -> u64 {
    let p = u128::from(x) * u128::from(y);
    (p as u64) ^ ((p >> 64) as u64)
}

/// A 128-bit hash of what is written to it: [`Fp::finish128`].
#[derive(Clone, Copy)]
pub(crate) struct Fp {
    a: u64,
    b: u64,
}

impl Fp {
    /// A hash of nothing yet.
    pub(crate) fn new() -> Fp {
        Fp { a: K2, b: K3 }
    }

    /// Mixes one word into both lanes.
    #[inline]
    pub(crate) fn word(&mut self, w: u64) {
        self.a = fold(self.a ^ w, K0);
        self.b = fold(self.b ^ w.rotate_left(32), K1);
    }

    /// The hash of everything written.
    pub(crate) fn finish128(&self) -> u128 {
        let a = fold(self.a ^ K1, K2 ^ self.b);
        let b = fold(self.b ^ K0, K3 ^ self.a);
        (u128::from(a) << 64) | u128::from(b)
    }
}

impl Default for Fp {
    fn default() -> Fp {
        Fp::new()
    }
}

impl Hasher for Fp {
    fn finish(&self) -> u64 {
        self.finish128() as u64
    }

    /// Bytes eight at a time; the last few with their count, so that `ab` then `c` and `a`
    /// then `bc` differ.
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.word(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        w[7] = rest.len() as u8;
        self.word(u64::from_le_bytes(w));
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.word(u64::from(n));
    }

    #[inline]
    fn write_u16(&mut self, n: u16) {
        self.word(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.word(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.word(n);
    }

    #[inline]
    fn write_u128(&mut self, n: u128) {
        self.word(n as u64);
        self.word((n >> 64) as u64);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.word(n as u64);
    }

    #[inline]
    fn write_i64(&mut self, n: i64) {
        self.word(n as u64);
    }

    #[inline]
    fn write_isize(&mut self, n: isize) {
        self.word(n as u64);
    }
}

/// Hashes a fingerprint (already a hash) by taking its low 64 bits: the set of worlds seen
/// hashes nothing again.
#[derive(Default)]
pub(super) struct Low64(u64);

impl Hasher for Low64 {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // only `u128`s are hashed here; anything else is folded in, not lost
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

/// A set of fingerprints of worlds.
pub(super) type Seen = std::collections::HashSet<u128, BuildHasherDefault<Low64>>;

/// How many locks [`Reached`] is split into.
const SHARDS: usize = 64;

/// The fingerprints of the worlds reached, split by their top bits into sets behind locks of
/// their own: the merge of a level adds to it while the workers look worlds up in it (which
/// world a worker finds there is one an earlier level or an earlier chunk reached).
pub(super) struct Reached {
    shards: Box<[std::sync::RwLock<Seen>]>,
}

impl Reached {
    pub(super) fn new() -> Reached {
        Reached {
            shards: (0..SHARDS).map(|_| Default::default()).collect(),
        }
    }

    fn shard(&self, fp: u128) -> &std::sync::RwLock<Seen> {
        // the top bits: the sets hash by the low ones
        &self.shards[(fp >> (128 - SHARDS.trailing_zeros())) as usize % SHARDS]
    }

    /// Whether `fp` is in.
    pub(super) fn contains(&self, fp: u128) -> bool {
        let set = self.shard(fp).read();
        set.unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(&fp)
    }

    /// Adds `fp`: whether it was not in.
    pub(super) fn insert(&self, fp: u128) -> bool {
        let set = self.shard(fp).write();
        set.unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(fp)
    }
}

/// The fingerprint of a world's canonical form: the same for two worlds that differ only
/// by the order their cases were created in, or by a renaming of interchangeable values
/// ([`Symmetry`]).
///
/// The canonical form: cases in order of type, then of their *shape* (the case with each
/// interchangeable value replaced by its class), then of key; each interchangeable value
/// renamed, per class, by the order it first appears in (the first phone met is phone 0).
/// Two worlds of one form are renamings of each other, so merging them is sound. Two
/// renamings of one world can still have different forms (two cases of one shape, ordered
/// by their keys): then both are explored, which costs time, not soundness.
pub(super) struct Canon {
    sym: Symmetry,
    /// The new name of each interchangeable value met so far, by class: its old one.
    names: Vec<Vec<crate::value::Text>>,
    /// The cases in canonical order, with their shapes.
    order: Vec<(crate::program::CaseTypeId, u64, usize)>,
    /// A hash of each value of a case ([`Canon::case_hashes`]).
    vals: Vec<u64>,
}

/// The fingerprint of the world at `clock` whose cases' canonical form has the fingerprint
/// `content` ([`Canon::content_of`]).
pub(super) fn at_clock(clock: Option<Timestamp>, content: u128) -> u128 {
    let mut h = Fp::new();
    clock.hash(&mut h);
    h.write_u128(content);
    h.finish128()
}

/// Which form of a value is hashed.
#[derive(Clone, Copy, PartialEq)]
enum Form {
    /// Every value as it is.
    Raw,
    /// An interchangeable value as its class only.
    Shape,
    /// An interchangeable value by its new name.
    Renamed,
}

impl Canon {
    pub(super) fn new(sym: Symmetry) -> Canon {
        let names = vec![Vec::new(); sym.classes()];
        Canon {
            sym,
            names,
            order: Vec::new(),
            vals: Vec::new(),
        }
    }

    /// The fingerprint of the world of `cases` at `clock`.
    pub(super) fn fingerprint(&mut self, clock: Option<Timestamp>, cases: &[&CaseData]) -> u128 {
        self.fingerprint_of(clock, cases.len(), &|i| cases[i])
    }

    /// The fingerprint of the world of the `n` cases `case(0)`, … at `clock`.
    pub(super) fn fingerprint_of<'c>(
        &mut self,
        clock: Option<Timestamp>,
        n: usize,
        case: &dyn Fn(usize) -> &'c CaseData,
    ) -> u128 {
        at_clock(clock, self.content_of(n, case))
    }

    /// The fingerprint of the canonical form of the `n` cases `case(0)`, …, without a
    /// clock: [`at_clock`] makes it a world's.
    pub(super) fn content_of<'c>(
        &mut self,
        n: usize,
        case: &dyn Fn(usize) -> &'c CaseData,
    ) -> u128 {
        self.order.clear();
        self.order.extend((0..n).map(|i| (case(i).ty, 0, i)));
        if !self.sym.is_empty() {
            // a shape orders the cases of one type: a case alone of its type needs none
            for j in 0..n {
                let ty = self.order[j].0;
                if self.order.iter().filter(|o| o.0 == ty).nth(1).is_some() {
                    let mut h = Fp::new();
                    self.case(case(j), Form::Shape, &mut h);
                    self.order[j].1 = h.finish();
                }
            }
        }
        self.order.sort_unstable_by(|x, y| {
            (x.0, x.1)
                .cmp(&(y.0, y.1))
                .then_with(|| case(x.2).key.cmp(&case(y.2).key))
        });
        for names in &mut self.names {
            names.clear();
        }
        let mut h = Fp::new();
        h.word(n as u64);
        let order = std::mem::take(&mut self.order);
        for (_, _, i) in &order {
            self.case(case(*i), Form::Renamed, &mut h);
        }
        self.order = order;
        h.finish128()
    }

    /// A hash of all of case `c`, as it is: no value renamed.
    pub(super) fn case_fingerprint(&mut self, c: &CaseData) -> u128 {
        self.case_hashes(c, &[], &mut [])
    }

    /// A hash of all of case `c`, as it is ([`Canon::case_fingerprint`]), and into each of
    /// `reads` one of what a step reading only the matching `fields` may read of it: its
    /// type, key, status, those fields, its number of participants and those fields of each,
    /// and its deadlines. Each value is hashed once, for all of them.
    pub(super) fn case_hashes(
        &mut self,
        c: &CaseData,
        fields: &[Fields],
        reads: &mut [Vec<u128>],
    ) -> u128 {
        let mut vals = std::mem::take(&mut self.vals);
        vals.clear();
        for v in c.fields.iter().chain(c.parts.iter().flatten()) {
            let mut h = Fp::new();
            self.value(v, Form::Raw, &mut h);
            vals.push(h.finish());
        }
        let (fields_of, parts_of) = vals.split_at(c.fields.len().min(vals.len()));
        let mut head = Fp::new();
        c.ty.hash(&mut head);
        self.text(&c.key, Form::Raw, &mut head);
        c.status.hash(&mut head);
        let mut due = Fp::new();
        for d in c.deadlines.iter() {
            d.at.hash(&mut due);
            d.fired.hash(&mut due);
        }
        let due = due.finish();
        let mut all = head;
        for v in fields_of {
            all.word(*v);
        }
        all.word(c.parts.len() as u64);
        for v in parts_of {
            all.word(*v);
        }
        all.word(due);
        for (fields, out) in fields.iter().zip(reads.iter_mut()) {
            let mut h = head;
            for f in &fields.case {
                h.word(fields_of.get(usize::from(*f)).copied().unwrap_or(u64::MAX));
            }
            h.word(c.parts.len() as u64);
            for part in parts_of.chunks(c.parts.stride().max(1)) {
                for f in &fields.part {
                    h.word(part.get(usize::from(*f)).copied().unwrap_or(u64::MAX));
                }
            }
            h.word(due);
            out.push(h.finish128());
        }
        self.vals = vals;
        all.finish128()
    }

    /// Hashes case `c`: type, key, status, fields, participants, deadlines.
    fn case(&mut self, c: &CaseData, form: Form, h: &mut Fp) {
        c.ty.hash(h);
        self.text(&c.key, form, h);
        c.status.hash(h);
        for v in c.fields.iter() {
            self.value(v, form, h);
        }
        h.word(c.parts.len() as u64);
        for p in c.parts.iter() {
            for v in p {
                self.value(v, form, h);
            }
        }
        for d in c.deadlines.iter() {
            d.at.hash(h);
            d.fired.hash(h);
        }
    }

    fn value(&mut self, v: &Value, form: Form, h: &mut Fp) {
        match v {
            Value::Text(t) => self.text(t, form, h),
            Value::List(items) | Value::Set(items) | Value::Record(items) => {
                std::mem::discriminant(v).hash(h);
                h.word(items.len() as u64);
                for x in items.iter() {
                    self.value(x, form, h);
                }
            }
            _ => v.hash(h),
        }
    }

    fn text(&mut self, t: &crate::value::Text, form: Form, h: &mut Fp) {
        let class = match form {
            Form::Raw => None,
            Form::Shape | Form::Renamed => self.sym.class_of(t),
        };
        let Some(class) = class else {
            t.hash(h);
            return;
        };
        // not a text's bytes (those end in 0xff): a mark, the class, the new name
        h.word(u64::MAX);
        h.word(u64::from(class));
        if form == Form::Renamed {
            let names = &mut self.names[usize::from(class)];
            let name = match names.iter().position(|n| n == t) {
                Some(i) => i,
                None => {
                    names.push(t.clone());
                    names.len() - 1
                }
            };
            h.word(name as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hash;

    fn fp(h: impl Hash) -> u128 {
        let mut f = Fp::new();
        h.hash(&mut f);
        f.finish128()
    }

    #[test]
    fn small_changes_change_both_halves() {
        let base = fp(("10000000000", 3u64));
        for other in [
            fp(("10000000001", 3u64)),
            fp(("10000000000", 4u64)),
            fp(("1000000000", 3u64)),
        ] {
            assert_ne!(base as u64, other as u64);
            assert_ne!(base >> 64, other >> 64);
        }
        assert_eq!(base, fp(("10000000000", 3u64)));
    }

    #[test]
    fn split_bytes_differ() {
        let mut a = Fp::new();
        a.write(b"ab");
        a.write(b"c");
        let mut b = Fp::new();
        b.write(b"a");
        b.write(b"bc");
        assert_ne!(a.finish128(), b.finish128());
    }

    #[test]
    fn no_collision_among_many_counts() {
        let mut seen = Seen::default();
        for i in 0..200_000u64 {
            assert!(seen.insert(fp(i)), "{i}");
        }
    }
}

#[cfg(test)]
mod canon_tests {
    use super::*;
    use crate::program::{CaseTypeId, MemberId};
    use crate::value::Text;
    use crate::world::Parts;

    /// A case keyed `key` whose one field holds `phone`.
    fn case(key: &str, phone: &str) -> CaseData {
        CaseData {
            ty: CaseTypeId::FIRST,
            key: Text::from(key),
            status: MemberId::FIRST,
            fields: vec![Value::text(phone), Value::Count(1)].into(),
            parts: Parts::new(1),
            deadlines: Box::new([]),
        }
    }

    fn fp(canon: &mut Canon, cases: &[CaseData]) -> u128 {
        canon.fingerprint(None, &cases.iter().collect::<Vec<_>>())
    }

    fn symmetric() -> Canon {
        Canon::new(Symmetry::of_values(&[
            ("A", 0),
            ("B", 0),
            ("10000000000", 1),
            ("10000000001", 1),
        ]))
    }

    #[test]
    fn renamed_worlds_have_one_fingerprint() {
        let mut canon = symmetric();
        let one = fp(
            &mut canon,
            &[case("A", "10000000000"), case("B", "10000000001")],
        );
        // keys swapped, phones swapped, both, and created in the other order
        for other in [
            [case("B", "10000000000"), case("A", "10000000001")],
            [case("A", "10000000001"), case("B", "10000000000")],
            [case("B", "10000000001"), case("A", "10000000000")],
        ] {
            assert_eq!(fp(&mut canon, &other), one);
        }
        let single = fp(&mut canon, &[case("A", "10000000000")]);
        assert_eq!(fp(&mut canon, &[case("B", "10000000001")]), single);
    }

    #[test]
    fn worlds_that_are_no_renaming_of_each_other_differ() {
        let mut canon = symmetric();
        let apart = fp(
            &mut canon,
            &[case("A", "10000000000"), case("B", "10000000001")],
        );
        // one phone in both cases: no renaming makes them two
        let shared = fp(
            &mut canon,
            &[case("A", "10000000000"), case("B", "10000000000")],
        );
        assert_ne!(apart, shared);
        // a value that is not interchangeable keeps its name
        let other = fp(&mut canon, &[case("A", "x"), case("B", "10000000001")]);
        assert_ne!(apart, other);
        assert_ne!(
            fp(&mut canon, &[case("A", "x")]),
            fp(&mut canon, &[case("A", "y")])
        );
        // the clock counts
        let cases = [case("A", "10000000000")];
        let refs: Vec<&CaseData> = cases.iter().collect();
        assert_ne!(
            canon.fingerprint(None, &refs),
            canon.fingerprint(Some(Timestamp::UNIX_EPOCH), &refs)
        );
    }

    #[test]
    fn without_symmetry_only_the_order_of_creation_is_forgotten() {
        let mut canon = Canon::new(Symmetry::none());
        let one = fp(
            &mut canon,
            &[case("A", "10000000000"), case("B", "10000000001")],
        );
        assert_eq!(
            fp(
                &mut canon,
                &[case("B", "10000000001"), case("A", "10000000000")]
            ),
            one
        );
        assert_ne!(
            fp(
                &mut canon,
                &[case("B", "10000000000"), case("A", "10000000001")]
            ),
            one
        );
    }
}
