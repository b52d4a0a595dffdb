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

use std::hash::{BuildHasherDefault, Hasher};

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

/// The set of fingerprints of the worlds reached.
pub(super) type Seen = std::collections::HashSet<u128, BuildHasherDefault<Low64>>;

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
