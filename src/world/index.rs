//! The world's indexes, from a value to the participants or cases that hold it.
//!
//! A world of a million cases is far bigger than the caches, so each step of a look-up that
//! lands in another part of memory costs a cache miss (about 200 ns on the machines we
//! measure on, `docs/performance.md`). A map keyed by the value takes three such steps: a control
//! byte, then the value kept beside the ids, then the case to read. This index takes two: it
//! keeps only the value's hash, beside the ids, in one slot; and the reader checks the value
//! in the case it reads anyway.

use crate::value::Value;
use foldhash::quality::SeedableRandomState;
use foldhash::SharedSeed;
use std::hash::{BuildHasher, Hasher};
use std::num::NonZeroU64;
use std::sync::LazyLock;

/// The hash a world gives a value ([`HashKeys`]), so that values sent by users cannot be
/// chosen to collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hash(NonZeroU64);

/// A world's hash keys: foldhash (a folded multiply of each word with a secret, a tenth of
/// the cost of `std`'s SipHash on a phone number), its secrets drawn from the system's
/// randomness (through `std`'s `RandomState`), once per process and once per world, not
/// from foldhash's own default (the address space and the clock). Values that collide for
/// one world do not for another, and nobody outside the process knows the keys.
#[derive(Clone, Debug)]
pub(crate) struct HashKeys(SeedableRandomState);

impl Default for HashKeys {
    fn default() -> HashKeys {
        static SHARED: LazyLock<SharedSeed> = LazyLock::new(|| SharedSeed::from_u64(random()));
        HashKeys(SeedableRandomState::with_seed(random(), &SHARED))
    }
}

/// 64 random bits: `std`'s SipHash, under keys it draws from the system, of nothing.
fn random() -> u64 {
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

/// What the world's indexes key: a case's key, a field's value.
pub(crate) trait Key {
    /// Feeds it to `h`: a text in one call (a call costs a keyed hasher more than the few
    /// bytes of a key or a phone number).
    fn feed(&self, h: &mut impl Hasher);
}

/// A case's key, as its bytes (hashed as a text value's are, below).
impl Key for [u8] {
    fn feed(&self, h: &mut impl Hasher) {
        h.write(self);
    }
}

impl Key for Value {
    fn feed(&self, h: &mut impl Hasher) {
        match self {
            Value::Text(t) => h.write(t.bytes()),
            v => std::hash::Hash::hash(v, h),
        }
    }
}

impl Hash {
    /// The hash of `v` under `keys`.
    pub fn of<T: Key + ?Sized>(keys: &HashKeys, v: &T) -> Hash {
        let mut hasher = keys.0.build_hasher();
        v.feed(&mut hasher);
        let h = hasher.finish();
        // 0 marks nothing; its one value shares a hash with 1, which costs only a check
        Hash(NonZeroU64::new(h).unwrap_or(NonZeroU64::MIN))
    }

    /// The slot a probe for it starts at, in a table of `mask + 1` slots.
    fn home(self, mask: usize) -> usize {
        self.0.get() as usize & mask
    }
}

/// Ids (`P`: participants or cases) by the hash of the value they hold.
///
/// Two values of one hash share their slot, and their ids are kept together: **a reader
/// must check that each id it gets holds the value it looks for.** Every reader does, as it
/// reads that case anyway; with a 64-bit keyed hash such a sharing is, in practice, never.
///
/// Open addressing with linear probing: a look-up reads the home slot and, rarely, the next
/// ones; a removal shifts back the slots after it, so there are no tombstones.
#[derive(Clone)]
pub(crate) struct HashIndex<P> {
    // INVARIANT: `slots.len()` is 0 or a power of two, and above `len` by a quarter at
    // least; each full slot is reached from its home slot without passing an empty one.
    slots: Vec<Option<(Hash, P)>>,
    len: usize,
}

impl<P> Default for HashIndex<P> {
    fn default() -> Self {
        HashIndex {
            slots: Vec::new(),
            len: 0,
        }
    }
}

impl<P> HashIndex<P> {
    /// An index for `n` hashes without growing.
    pub fn with_capacity(n: usize) -> HashIndex<P> {
        let mut index = HashIndex::default();
        index.reserve(n);
        index
    }

    /// How many hashes it holds.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Where `h` is.
    fn find(&self, h: Hash) -> Option<usize> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = h.home(mask);
        // INVARIANT (a quarter empty at least): the probe ends at an empty slot
        loop {
            match self.slots.get(at)? {
                None => return None,
                Some((x, _)) if *x == h => return Some(at),
                Some(_) => at = (at + 1) & mask,
            }
        }
    }

    /// The ids at hash `h`.
    pub fn get(&self, h: Hash) -> Option<&P> {
        let at = self.find(h)?;
        self.slots.get(at)?.as_ref().map(|(_, p)| p)
    }

    pub fn get_mut(&mut self, h: Hash) -> Option<&mut P> {
        let at = self.find(h)?;
        self.slots.get_mut(at)?.as_mut().map(|(_, p)| p)
    }

    /// The ids at hash `h`, made by `new` when there are none.
    pub fn get_or_insert_with(&mut self, h: Hash, new: impl FnOnce() -> P) -> &mut P {
        let at = match self.find(h) {
            Some(at) => at,
            None => {
                self.reserve(self.len + 1);
                self.len += 1;
                self.empty_from(h)
            }
        };
        &mut self.slots[at].get_or_insert_with(|| (h, new())).1
    }

    /// The first empty slot from `h`'s home (the table is not empty).
    fn empty_from(&self, h: Hash) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = h.home(mask);
        while self.slots[at].is_some() {
            at = (at + 1) & mask;
        }
        at
    }

    /// Room for `n` hashes: the table doubles until a quarter of it stays empty.
    pub fn reserve(&mut self, n: usize) {
        let mut size = self.slots.len().max(8);
        while n.saturating_mul(4) > size.saturating_mul(3) {
            size *= 2;
        }
        if size == self.slots.len() {
            return;
        }
        let old = std::mem::take(&mut self.slots);
        self.slots.resize_with(size, || None);
        for (h, p) in old.into_iter().flatten() {
            let at = self.empty_from(h);
            self.slots[at] = Some((h, p));
        }
    }

    /// Removes the ids at `h`.
    pub fn remove(&mut self, h: Hash) -> Option<P> {
        let mut hole = self.find(h)?;
        let (_, p) = self.slots[hole].take()?;
        self.len -= 1;
        // Shift back each slot after the hole that may move into it: one whose home is not
        // cyclically within (hole, at]. The first empty slot ends the run.
        let mask = self.slots.len() - 1;
        let mut at = hole;
        loop {
            at = (at + 1) & mask;
            let Some((x, _)) = &self.slots[at] else {
                break;
            };
            let home = x.home(mask);
            let stays = if hole <= at {
                hole < home && home <= at
            } else {
                hole < home || home <= at
            };
            if !stays {
                self.slots[hole] = self.slots[at].take();
                hole = at;
            }
        }
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Hash `k` with its home slot chosen by the test: keys of one `home` collide.
    fn h(k: u8, home: u8) -> Hash {
        Hash(NonZeroU64::new(u64::from(home) | (u64::from(k) + 1) << 32).unwrap_or(NonZeroU64::MIN))
    }

    proptest! {
        /// Inserts and removes, with homes crowded into a few slots (long runs that wrap
        /// round the end), answer as a map does.
        #[test]
        fn an_index_answers_as_a_map_does(
            ops in proptest::collection::vec((any::<bool>(), 0u8..40, 0u8..4), 0..300),
        ) {
            let mut index: HashIndex<u32> = HashIndex::default();
            let mut model: BTreeMap<u8, (u8, u32)> = BTreeMap::new();
            for (n, (add, k, home)) in ops.into_iter().enumerate() {
                // a key keeps the home it was first given, as a value keeps its hash
                let home = model.get(&k).map_or(home.wrapping_mul(61), |(home, _)| *home);
                if add {
                    *index.get_or_insert_with(h(k, home), || 0) += n as u32;
                    model.entry(k).or_insert((home, 0)).1 += n as u32;
                } else {
                    prop_assert_eq!(index.remove(h(k, home)), model.remove(&k).map(|(_, v)| v));
                }
                prop_assert_eq!(index.len(), model.len());
                for k in 0..40 {
                    let want = model.get(&k).map(|(_, v)| *v);
                    let home = model.get(&k).map_or(0, |(home, _)| *home);
                    prop_assert_eq!(index.get(h(k, home)).copied(), want, "key {}", k);
                }
            }
        }
    }

    #[test]
    fn an_index_grows_and_keeps_a_quarter_empty() {
        let mut index: HashIndex<usize> = HashIndex::with_capacity(6);
        assert_eq!(index.slots.len(), 8);
        for k in 0..200u8 {
            *index.get_or_insert_with(h(k, k), || 0) = usize::from(k);
            assert!(index.len() * 4 <= index.slots.len() * 3);
        }
        assert_eq!(index.slots.len(), 512);
        assert!((0..200u8).all(|k| index.get(h(k, k)) == Some(&usize::from(k))));
        assert_eq!(index.get(h(200, 0)), None);
    }
}
