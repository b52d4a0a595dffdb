//! Sensitive values at rest: a keyed hash (HMAC-SHA-256 under a per-store secret) taken when
//! an event is parsed, so that a store, its journal and a saved world never hold a
//! verification code or certificate digits in clear, while equality still works.

use sha2::{Digest, Sha256};
use std::fmt;

/// The first characters of every sealed value: a sealed value is told from a clear one.
pub(crate) const SEALED_PREFIX: &str = "sealed:";
/// Hex digits after the prefix: 128 bits of the MAC, ample for equality.
const SEALED_HEX: usize = 32;

/// A secret key that seals sensitive values. Its `Debug` output shows no byte of it.
#[derive(Clone)]
pub struct SealKey {
    bytes: [u8; 32],
    /// SHA-256 states after HMAC's inner and outer pad blocks: each seal then hashes only
    /// the value and the inner digest (two compressions instead of four).
    inner: Sha256,
    outer: Sha256,
}

impl PartialEq for SealKey {
    fn eq(&self, other: &SealKey) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for SealKey {}

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey(<secret>)")
    }
}

impl SealKey {
    /// A key from 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> SealKey {
        let (inner, outer) = pads(&bytes);
        SealKey {
            bytes,
            inner,
            outer,
        }
    }

    /// A fresh random key, read from the operating system (`/dev/urandom`).
    pub fn generate() -> std::io::Result<SealKey> {
        use std::io::Read;
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        Ok(SealKey::from_bytes(bytes))
    }

    /// The key as 64 hex digits (what a key file holds).
    pub fn to_hex(&self) -> String {
        hex(&self.bytes)
    }

    /// A key from 64 hex digits (surrounding whitespace allowed).
    pub fn from_hex(text: &str) -> Option<SealKey> {
        let text = text.trim();
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(SealKey::from_bytes(bytes))
    }

    /// Seals `value`: `sealed:` and 32 hex digits. The same value under the same key always
    /// gives the same text; nothing of the value can be read back without the key.
    pub(crate) fn seal(&self, value: &str) -> String {
        let inner = self.inner.clone().chain_update(value.as_bytes()).finalize();
        let mac = self.outer.clone().chain_update(inner).finalize();
        let mut sealed = String::with_capacity(SEALED_PREFIX.len() + SEALED_HEX);
        sealed.push_str(SEALED_PREFIX);
        push_hex(&mut sealed, &mac[..SEALED_HEX / 2]);
        sealed
    }

    /// A check value of the key, kept in a store so that a wrong key is refused (it seals a
    /// fixed text no event can send).
    pub fn check_value(&self) -> String {
        self.seal("\u{0}docket key check")
    }
}

/// Whether `text` is a sealed value (as a journal holds in place of a sensitive one).
pub(crate) fn is_sealed(text: &str) -> bool {
    text.strip_prefix(SEALED_PREFIX).is_some_and(|h| {
        h.len() == SEALED_HEX && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// How an event's sensitive values are taken when it is parsed.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) enum Sealing<'k> {
    /// As given (a run without a store: nothing is kept at rest).
    #[default]
    Clear,
    /// Checked as given, then sealed with the key (a live event into a store).
    Seal(&'k SealKey),
    /// Already sealed (an event read back from a journal): each must be a sealed value.
    Sealed,
}

/// HMAC-SHA-256 (RFC 2104) under `key`: the hash states after its inner (`0x36`) and outer
/// (`0x5c`) pad blocks. The MAC of `msg` is `outer(inner(msg))`.
fn pads(key: &[u8; 32]) -> (Sha256, Sha256) {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    k[..key.len()].copy_from_slice(key);
    let pad = |byte: u8| k.map(|b| b ^ byte);
    (
        Sha256::new().chain_update(pad(0x36)),
        Sha256::new().chain_update(pad(0x5c)),
    )
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 * bytes.len());
    push_hex(&mut s, bytes);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2_shape() {
        // RFC 4231 test case 1: key = 0x0b × 20, "Hi There". Our keys are 32 bytes, so the
        // 20-byte key is zero-padded, which HMAC does itself: the MAC is the same.
        let mut key = [0u8; 32];
        key[..20].fill(0x0b);
        // (HMAC pads a short key with zeros to the block size, so a 32-byte zero-padded key
        // gives the same MAC as the 20-byte one.)
        let (inner, outer) = pads(&key);
        let mac = outer
            .chain_update(inner.chain_update(b"Hi There").finalize())
            .finalize();
        assert_eq!(
            hex(&mac),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn sealing_is_keyed_and_stable() {
        let a = SealKey::from_bytes([1; 32]);
        let b = SealKey::from_bytes([2; 32]);
        assert_eq!(a.seal("123456"), a.seal("123456"));
        assert_ne!(a.seal("123456"), a.seal("123457"));
        assert_ne!(a.seal("123456"), b.seal("123456"));
        assert!(is_sealed(&a.seal("123456")));
        assert!(!a.seal("123456").contains("123456"));
        assert!(!is_sealed("123456"));
        assert!(!is_sealed("sealed:XYZ"));
        // the first 128 bits of HMAC-SHA-256, as stores already hold them
        assert_eq!(a.seal("123456"), "sealed:a25ca770633ffcd93080d6395068543e");
    }

    #[test]
    fn keys_round_trip_through_hex_and_never_debug_print() {
        let k = SealKey::from_bytes([0xab; 32]);
        assert_eq!(SealKey::from_hex(&k.to_hex()), Some(k.clone()));
        assert_eq!(SealKey::from_hex("abc"), None);
        assert_eq!(SealKey::from_hex(&"zz".repeat(32)), None);
        assert!(!format!("{k:?}").contains("ab"));
    }
}
