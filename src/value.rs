//! Runtime values and the types the checker gives them.

use crate::ids::{CaseTypeId, EnumId, FormatId, MemberId, RecordId};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;

/// Index of a case in a world (or in a transaction's new cases, past the world's end).
pub type CaseId = u32;

/// A participant: its case and its position in that case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartRef {
    pub case: CaseId,
    pub idx: u32,
}

/// A value as rules see it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    /// An optional value that is not set (a field no event has written yet).
    Unset,
    Bool(bool),
    Count(i64),
    Duration(SignedDuration),
    Instant(Timestamp),
    /// A calendar date (in the policy's time zone).
    Date(jiff::civil::Date),
    /// A calendar period (`1 month`, `7 days`).
    Period(crate::calendar::Period),
    Text(Text),
    /// A member of an enumeration (a status, a role, a table key value): `(enum, index)`.
    Enum(EnumId, MemberId),
    /// A list, in order. Shared: rules read lists far more often than they build them,
    /// and a read is a copy of the handle, not of the items.
    List(Arc<[Value]>),
    /// A set: sorted, no duplicates.
    Set(Arc<[Value]>),
    /// A record's fields, in declaration order.
    Record(Arc<[Value]>),
    Case(CaseId),
    Part(PartRef),
}

impl Value {
    /// Builds a set from any values: sorts and removes duplicates.
    pub fn set_of(mut items: Vec<Value>) -> Value {
        items.sort();
        items.dedup();
        Value::Set(items.into())
    }

    /// Puts `v` in place of this value. The value it replaces is dropped without a call when
    /// it owns nothing (a participant, a case, a count…: the local slots of a loop over
    /// participants are rewritten once an item, and dropping a value is otherwise a call).
    #[inline]
    pub(crate) fn put(&mut self, v: Value) {
        let old = std::mem::replace(self, v);
        if old.owns_nothing() {
            std::mem::forget(old);
        }
    }

    /// `self == other`, the commonest kinds compared without a call (the derived equality
    /// is one function for every kind, too large to be inlined).
    #[inline]
    pub(crate) fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Text(a), Value::Text(b)) => a == b,
            (Value::Enum(e, m), Value::Enum(f, n)) => e == f && m == n,
            (Value::Count(a), Value::Count(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Part(a), Value::Part(b)) => a == b,
            (Value::Case(a), Value::Case(b)) => a == b,
            // (a deadline's instant read again after an event, a field unset before and after)
            (Value::Instant(a), Value::Instant(b)) => a == b,
            (Value::Unset, Value::Unset) => true,
            // values of two kinds (a field written for the first time over unset): never
            // equal, as the derived equality says after its call
            _ if std::mem::discriminant(self) != std::mem::discriminant(other) => false,
            _ => self == other,
        }
    }

    /// Drops this value, without a call when it owns nothing.
    #[inline]
    pub(crate) fn discard(self) {
        if self.owns_nothing() {
            std::mem::forget(self);
        } else {
            drop(self);
        }
    }

    /// Whether dropping this value frees nothing.
    #[inline]
    pub(crate) fn owns_nothing(&self) -> bool {
        matches!(
            self,
            Value::Unset
                | Value::Bool(_)
                | Value::Count(_)
                | Value::Duration(_)
                | Value::Instant(_)
                | Value::Date(_)
                | Value::Period(_)
                | Value::Enum(..)
                | Value::Case(_)
                | Value::Part(_)
        )
    }

    /// Whether this is [`Value::Unset`] (a pattern test: no call to the comparison of two
    /// values, which the hot paths of evaluation make often).
    #[inline]
    pub fn is_unset(&self) -> bool {
        matches!(self, Value::Unset)
    }

    /// A list of `items`, in order.
    pub fn list(items: Vec<Value>) -> Value {
        if items.is_empty() {
            return Value::empty_list();
        }
        Value::List(items.into())
    }

    /// The empty list: one per thread, shared, so that making it allocates nothing.
    pub(crate) fn empty_list() -> Value {
        thread_local! {
            static EMPTY: Arc<[Value]> = Arc::new([]);
        }
        Value::List(EMPTY.try_with(Arc::clone).unwrap_or_else(|_| Arc::new([])))
    }

    /// A record of `fields`, in declaration order.
    pub fn record(fields: Vec<Value>) -> Value {
        Value::Record(fields.into())
    }

    /// A text value.
    pub fn text(s: impl Into<Text>) -> Value {
        Value::Text(s.into())
    }

    /// The elements of a list or set.
    pub fn elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) => Some(v),
            _ => None,
        }
    }
}

// A value is three words (see `Text::INLINE`); an id in it must not make it larger.
const _: () = assert!(std::mem::size_of::<Value>() == 24);

/// An immutable string that keeps up to [`Text::INLINE`] bytes inline, without an
/// allocation: the keys, phone numbers and codes that fill a world are short, and a world
/// holds millions of them.
pub struct Text(Repr);

impl Clone for Text {
    fn clone(&self) -> Text {
        Text(self.0.clone())
    }

    /// An inline text written over an inline one in place (an answer's shown text, each
    /// decision): no copy on the stack moved in after.
    fn clone_from(&mut self, source: &Text) {
        match (&mut self.0, &source.0) {
            (Repr::Inline { len, buf }, Repr::Inline { len: l, buf: b }) => {
                *len = *l;
                *buf = *b;
            }
            (to, from) => *to = from.clone(),
        }
    }
}

#[derive(Clone)]
enum Repr {
    // INVARIANT: `len <= INLINE`, `buf[..len]` is UTF-8 and `buf[len..]` is zeros; a
    // string of at most `INLINE` bytes is always inline, a longer one never.
    Inline { len: u8, buf: [u8; Text::INLINE] },
    Heap(Box<str>),
}

impl Text {
    /// The longest string kept inline. With it, a `Text` is 24 bytes, and so is a value of
    /// the rules.
    pub const INLINE: usize = 22;

    /// The string.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, buf } => inline_str(&buf[..*len as usize]),
            Repr::Heap(s) => s,
        }
    }
}

/// An inline text's bytes as the string they are, without checking them again.
///
/// The only `unsafe` of the crate. Checking costs about 130 instructions a text, and a
/// record written out as JSON reads about two: on the benchmarks' mixed stream, that kept the
/// JSON path over its bound against the reference model (see docs/performance.md, thirtieth
/// session).
#[allow(unsafe_code)]
fn inline_str(bytes: &[u8]) -> &str {
    debug_assert!(std::str::from_utf8(bytes).is_ok());
    // SAFETY: `bytes` is `buf[..len]` of a `Repr::Inline`, and that is always the bytes of
    // one whole `&str`, so UTF-8. `Repr` is private to this module, and only three places
    // write an inline repr:
    // - `From<&str>` (every other constructor goes through it) sets `len` to the length of
    //   a `&str` of at most `INLINE` bytes and `buf` to `inline_buf` of its bytes, which is
    //   those bytes, then zeros. `inline_buf` only moves bytes: where a byte lands depends
    //   on the length alone, never on the bytes' values, so its test of every length
    //   (`an_inline_buffer_is_the_bytes_then_zeros`) covers every string;
    // - the derived `Clone` of `Repr` and `Text::clone_from` copy another inline repr's
    //   `len` and `buf` together.
    // Nothing else writes `len` or `buf`.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

impl Text {
    /// The string's bytes: compared, ordered and hashed without checking UTF-8 again.
    pub(crate) fn bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => &buf[..*len as usize],
            Repr::Heap(s) => s.as_bytes(),
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        if s.len() <= Text::INLINE {
            Text(Repr::Inline {
                len: s.len() as u8,
                buf: inline_buf(s.as_bytes()),
            })
        } else {
            Text(Repr::Heap(s.into()))
        }
    }
}

/// `bytes` (at most [`Text::INLINE`] of them) zero-padded to an inline buffer.
///
/// Read as (possibly overlapping) whole words and put together in registers: a copy of a
/// variable length goes through memory in narrow stores, and the buffer, read back whole as
/// it is moved into its value, waited for them (the store cannot be forwarded to the load).
fn inline_buf(bytes: &[u8]) -> [u8; Text::INLINE] {
    let n = bytes.len();
    let word = |at: usize| -> u64 {
        // the (zero-padded) little-endian word of `bytes[at..at + 8]`
        let mut read = [0u8; 8];
        match n.checked_sub(at) {
            None | Some(0) => 0,
            Some(left) if left >= 8 => {
                read.copy_from_slice(&bytes[at..at + 8]);
                u64::from_le_bytes(read)
            }
            // the word ending at the end, shifted down: its first bytes were read already
            Some(left) if n >= 8 => {
                read.copy_from_slice(&bytes[n - 8..]);
                u64::from_le_bytes(read) >> (8 * (8 - left))
            }
            // a string shorter than a word
            Some(_) => (bytes.iter().rev()).fold(0, |w, b| (w << 8) | u64::from(*b)),
        }
    };
    let (a, b, c) = (word(0), word(8), word(16));
    let mut buf = [0u8; Text::INLINE];
    buf[..8].copy_from_slice(&a.to_le_bytes());
    buf[8..16].copy_from_slice(&b.to_le_bytes());
    buf[16..].copy_from_slice(&c.to_le_bytes()[..Text::INLINE - 16]);
    buf
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        if s.len() <= Text::INLINE {
            Text::from(s.as_str())
        } else {
            Text(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl From<std::borrow::Cow<'_, str>> for Text {
    fn from(s: std::borrow::Cow<'_, str>) -> Text {
        match s {
            std::borrow::Cow::Borrowed(s) => Text::from(s),
            std::borrow::Cow::Owned(s) => Text::from(s),
        }
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::from(s.as_str())
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    #[inline(always)]
    fn eq(&self, other: &Text) -> bool {
        // By the invariant of `Repr`, equal strings have the same representation, and two
        // inline ones are equal exactly when their whole buffers are: compared as words,
        // without a call.
        match (&self.0, &other.0) {
            (Repr::Inline { len: a, buf: x }, Repr::Inline { len: b, buf: y }) => a == b && x == y,
            (Repr::Heap(x), Repr::Heap(y)) => x == y,
            _ => false,
        }
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        // byte order is `str` order
        self.bytes().cmp(other.bytes())
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        // exactly what `str` hashes, so that a map keyed by `Text` finds a `&str` (Borrow)
        h.write(self.bytes());
        h.write_u8(0xff);
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.bytes() == other.as_bytes()
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.bytes() == other.as_bytes()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.bytes()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.bytes()
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A static type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Bool,
    Count,
    Duration,
    Instant,
    Date,
    Period,
    Text,
    /// Text that matched a declared format.
    Format(FormatId),
    Enum(EnumId),
    Set(Box<Ty>),
    List(Box<Ty>),
    Record(RecordId),
    Opt(Box<Ty>),
    /// A case of the case type with this index.
    Case(CaseTypeId),
    /// A participant of a case of the case type with this index.
    Part(CaseTypeId),
    /// The type of `unset` and of `[]` elements before context is known.
    Unknown,
}

impl Ty {
    pub fn opt(self) -> Ty {
        match self {
            Ty::Opt(_) => self,
            t => Ty::Opt(Box::new(t)),
        }
    }

    pub fn is_opt(&self) -> bool {
        matches!(self, Ty::Opt(_))
    }

    /// The type without its optional marker.
    pub fn strip_opt(&self) -> &Ty {
        match self {
            Ty::Opt(t) => t,
            t => t,
        }
    }

    pub fn is_textual(&self) -> bool {
        matches!(self, Ty::Text | Ty::Format(_))
    }

    /// The element type of a list or set.
    pub fn element(&self) -> Option<&Ty> {
        match self {
            Ty::Set(t) | Ty::List(t) => Some(t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hash;

    #[test]
    fn same_is_equality() {
        let long = "a text longer than a value holds inline";
        let values = [
            Value::Unset,
            Value::Bool(false),
            Value::Bool(true),
            Value::Count(0),
            Value::Count(-3),
            Value::Text("".into()),
            Value::Text("ann".into()),
            Value::Text("anne".into()),
            Value::Text(long.into()),
            Value::Text(format!("{long}!").into()),
            Value::Enum(EnumId::at(0), MemberId::at(1)),
            Value::Enum(EnumId::at(1), MemberId::at(1)),
            Value::Enum(EnumId::at(0), MemberId::at(2)),
            Value::Case(1),
            Value::Case(2),
            Value::Part(PartRef { case: 1, idx: 0 }),
            Value::Part(PartRef { case: 1, idx: 1 }),
            Value::Instant(Timestamp::UNIX_EPOCH),
            Value::Instant(Timestamp::MAX),
            Value::List(vec![Value::Count(1)].into()),
            Value::Set(vec![Value::Count(1)].into()),
            Value::Record(vec![Value::Count(1)].into()),
        ];
        for a in &values {
            for b in &values {
                assert_eq!(a.same(b), a == b, "{a:?} and {b:?}");
            }
            // an equal value held apart (a text on the heap, a list of its own)
            assert!(a.same(&a.clone()), "{a:?}");
        }
    }

    #[test]
    fn a_value_put_over_another_drops_what_that_one_owned() {
        let list: Arc<[Value]> = vec![Value::Count(1)].into();
        let mut slot = Value::List(Arc::clone(&list));
        assert_eq!(Arc::strong_count(&list), 2);
        let part = Value::Part(PartRef { case: 1, idx: 0 });
        slot.put(part.clone());
        assert_eq!(
            Arc::strong_count(&list),
            1,
            "the slot's share of the list is dropped"
        );
        assert_eq!(slot, part);
        slot.put(Value::List(Arc::clone(&list)));
        slot.put(Value::Count(3));
        assert_eq!((slot, Arc::strong_count(&list)), (Value::Count(3), 1));
    }

    #[test]
    fn a_value_is_three_words() {
        assert_eq!(std::mem::size_of::<Text>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn text_keeps_short_strings_inline_and_compares_as_str() {
        for s in [
            "",
            "a",
            "é!",
            &"x".repeat(Text::INLINE),
            &"y".repeat(Text::INLINE + 1),
        ] {
            let t = Text::from(s);
            assert_eq!(t.as_str(), s);
            assert_eq!(Text::from(s.to_string()), t);
            assert_eq!(format!("{t}"), s);
            assert_eq!(format!("{t:?}"), format!("{s:?}"));
        }
        assert!(matches!(Text::from("short").0, Repr::Inline { .. }));
        assert!(matches!(Text::from("z".repeat(23)).0, Repr::Heap(_)));
        let hash = |h: &dyn Fn(&mut std::collections::hash_map::DefaultHasher)| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            h(&mut hasher);
            std::hash::Hasher::finish(&hasher)
        };
        for s in ["", "key", &"k".repeat(40)] {
            let t = Text::from(s);
            assert_eq!(hash(&|h| t.hash(h)), hash(&|h| s.hash(h)), "{s:?}");
        }
        let mut v = [Text::from("b"), Text::from("a".repeat(30)), Text::from("a")];
        v.sort();
        assert_eq!(v.iter().map(|t| t.len()).collect::<Vec<_>>(), [1, 30, 1]);
    }

    #[test]
    fn a_text_reads_back_as_the_string_it_was_made_from() {
        // one-, two-, three- and four-byte characters, cut at every length, inline or not
        let chars = "a\u{e9}\u{77ed}\u{1f600}".repeat(4);
        for end in (0..=chars.len()).filter(|&i| chars.is_char_boundary(i)) {
            let s = &chars[..end];
            let t = Text::from(s);
            assert_eq!(t.as_str(), s);
            assert_eq!(t.clone().as_str(), s);
            let mut over = Text::from("x");
            over.clone_from(&t);
            assert_eq!(over.as_str(), s);
        }
    }

    #[test]
    fn an_inline_buffer_is_the_bytes_then_zeros() {
        let all: Vec<u8> = (1..=Text::INLINE as u8)
            .map(|b| b.wrapping_mul(37) | 1)
            .collect();
        for n in 0..=Text::INLINE {
            let mut expected = [0u8; Text::INLINE];
            expected[..n].copy_from_slice(&all[..n]);
            assert_eq!(inline_buf(&all[..n]), expected, "{n} bytes");
        }
    }

    #[test]
    fn texts_are_equal_exactly_when_their_strings_are() {
        let long = "p".repeat(Text::INLINE);
        let longer = "p".repeat(Text::INLINE + 1);
        let strings = [
            "",
            "a",
            "a\0",
            "ab",
            "ba",
            "é",
            "13800000001",
            "13800000002",
            &long,
            &longer,
        ];
        for a in strings {
            for b in strings {
                // made from `&str` and from `String`, which take different paths
                let (x, y) = (Text::from(a), Text::from(b.to_string()));
                assert_eq!(x == y, a == b, "{a:?} == {b:?}");
                assert_eq!(x.clone() == y, a == b, "a clone of {a:?} == {b:?}");
                assert_eq!(Value::text(a) == Value::text(b), a == b, "{a:?} == {b:?}");
            }
        }
    }

    #[test]
    fn a_text_written_over_another_is_a_copy_of_its_source() {
        let long = "q".repeat(Text::INLINE + 5);
        let strings = ["", "ok", "rejected", "é", "12345678901234567890xy", &long];
        for a in strings {
            for b in strings {
                let mut to = Text::from(a);
                let from = Text::from(b);
                to.clone_from(&from);
                assert_eq!(to.as_str(), b, "{a:?} written over with {b:?}");
                assert!(to == from, "{a:?} written over with {b:?}");
                // the inline buffer keeps its zeros past the length (equality relies on them)
                let made = Text::from(b.to_string());
                assert!(to == made, "{a:?} written over with {b:?}");
            }
        }
    }
}
