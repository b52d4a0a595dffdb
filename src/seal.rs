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
#[derive(Clone, PartialEq, Eq)]
pub struct SealKey([u8; 32]);

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey(<secret>)")
    }
}

impl SealKey {
    /// A key from 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> SealKey {
        SealKey(bytes)
    }

    /// A fresh random key, read from the operating system (`/dev/urandom`).
    pub fn generate() -> std::io::Result<SealKey> {
        use std::io::Read;
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        Ok(SealKey(bytes))
    }

    /// The key as 64 hex digits (what a key file holds).
    pub fn to_hex(&self) -> String {
        hex(&self.0)
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
        Some(SealKey(bytes))
    }

    /// Seals `value`: `sealed:` and 32 hex digits. The same value under the same key always
    /// gives the same text; nothing of the value can be read back without the key.
    pub(crate) fn seal(&self, value: &str) -> String {
        let mac = hmac(&self.0, value.as_bytes());
        format!("{SEALED_PREFIX}{}", &hex(&mac)[..SEALED_HEX])
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

/// HMAC-SHA-256 (RFC 2104) of `msg` under `key` (at most one block long).
fn hmac(key: &[u8; 32], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    k[..key.len()].copy_from_slice(key);
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
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
        assert_eq!(
            hex(&hmac(&key, b"Hi There")),
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
