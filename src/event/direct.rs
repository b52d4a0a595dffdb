//! A line read straight into its event's fields, without a tree of its members and without
//! serde at the top level.
//!
//! This takes the shape nearly every line has: an object whose first member is `type` (a
//! declared event type), then `at` and the declared fields, each given once and each valid,
//! the keys and strings without escapes, the numbers whole. Any other line, and any line
//! with a problem, is left to the general path ([`Schema::general`]): it reads the line again
//! and reports the first problem in its order. So this path only ever gives what the general
//! path would give, and has no errors of its own.

use super::json::Json;
use super::{rfc3339, Event, Header, Path, Schema};
use crate::program::RecordFieldDef;
use crate::seal::Sealing;
use crate::value::{Ty, Value};
use std::borrow::Cow;

/// The most declared fields an event type can have for this path (one bit each).
const MOST: usize = 64;
/// The deepest array or object this path hands to serde_json (a value of another type than
/// a list or a record); anything deeper is left to the general path.
const NESTED_MOST: usize = 32;

impl Schema<'_> {
    /// The event `line` holds, read into `fields` (emptied first, then taken), when it has
    /// the common shape and no problem; `None` otherwise.
    pub(super) fn direct(self, line: &str, fields: &mut Vec<Value>) -> Option<(Header, Event)> {
        let mut scan = Scan { line, at: 0 };
        scan.punct(b'{')?;
        // `type` first: the fields are known before they come
        if !scan.expected_key("type") && scan.key()? != "type" {
            return None;
        }
        let type_name = scan.string()?;
        let ty = self.event_id(type_name)?;
        let declared = self.event_fields(ty);
        if declared.len() > MOST {
            return None;
        }
        // unset slots, filled in place (`resize` clones a value into each)
        fields.clear();
        fields.extend(std::iter::repeat_with(|| Value::Unset).take(declared.len()));
        let mut given = Given::default();
        let mut at = None;
        while scan.more()? {
            let Member::Field(i, field) = given.member(&mut scan, declared, true)? else {
                let text = scan.string()?;
                if at.is_some() {
                    return None;
                }
                // the everyday shape only: anything else (and its error) is the general
                // path's
                at = Some((text, rfc3339::instant_at_offset(text)?));
                continue;
            };
            let path = Path::Field(&Path::Top, &field.name);
            let value = self.read(&mut scan, &field.ty, path, field.sensitive)?;
            *fields.get_mut(i)? = value;
        }
        scan.end()?;
        let (at_text, (at, offset)) = at.filter(|_| given.complete(declared))?;
        let shape = self.shapes.get(ty.index())?;
        let header = Header {
            type_name: Some(type_name.into()),
            at: Some(super::builder::at_text(at_text)),
        };
        let event = Event {
            ty,
            at,
            offset,
            fields: std::mem::take(fields),
            shape: super::builder::shape_of(shape),
        };
        Some((header, event))
    }

    /// A value of type `ty` (at `path`, `sensitive` or not), read by its type: a list or a
    /// record straight into its values, anything else as [`Schema::value`] reads it.
    fn read(self, scan: &mut Scan, ty: &Ty, path: Path, sensitive: bool) -> Option<Value> {
        scan.blank();
        match (ty, scan.peek()?) {
            (Ty::Opt(inner), b) if b != b'n' => self.read(scan, inner, path, sensitive),
            // text, as `Schema::value` reads it (a sealed one from a journal aside)
            (Ty::Text | Ty::Format(_), b'"')
                if !(sensitive && matches!(self.sealing, Sealing::Sealed)) =>
            {
                let s = scan.string()?;
                match ty {
                    Ty::Format(f) => {
                        let checked = self.format(*f, s, path, sensitive).ok()?;
                        Some(self.textual(&checked, sensitive))
                    }
                    _ => Some(self.textual(s, sensitive)),
                }
            }
            (Ty::List(item), b'[') => {
                Some(Value::list(self.read_items(scan, item, path, sensitive)?))
            }
            (Ty::Set(item), b'[') => {
                Some(Value::set_of(self.read_items(scan, item, path, sensitive)?))
            }
            (Ty::Record(r), b'{') => {
                let declared = &self.records.get(r.index())?.fields;
                if declared.len() > MOST {
                    return None;
                }
                scan.at += 1;
                // made shared at once and filled in place (the only share: `get_mut` always
                // gives it), rather than a vector then copied into its shared slice
                let mut values: std::sync::Arc<[Value]> = std::iter::repeat_with(|| Value::Unset)
                    .take(declared.len())
                    .collect();
                let mut given = Given::default();
                scan.blank();
                let mut more = scan.peek()? != b'}';
                if !more {
                    scan.at += 1;
                }
                while more {
                    let Member::Field(i, field) = given.member(scan, declared, false)? else {
                        return None;
                    };
                    let at = Path::Field(&path, &field.name);
                    let value = self.read(scan, &field.ty, at, sensitive || field.sensitive)?;
                    *std::sync::Arc::get_mut(&mut values)?.get_mut(i)? = value;
                    more = scan.more()?;
                }
                given.complete(declared).then_some(Value::Record(values))
            }
            _ => {
                let json = scan.value()?;
                self.value(ty, &json, path, sensitive).ok()
            }
        }
    }

    /// The items of an array of `ty`s.
    fn read_items(
        self,
        scan: &mut Scan,
        ty: &Ty,
        path: Path,
        sensitive: bool,
    ) -> Option<Vec<Value>> {
        scan.at += 1;
        let mut items = Vec::new();
        scan.blank();
        if scan.peek()? == b']' {
            scan.at += 1;
            return Some(items);
        }
        loop {
            items.push(self.read(scan, ty, Path::Item(&path, items.len()), sensitive)?);
            scan.blank();
            match scan.peek()? {
                b',' => scan.at += 1,
                b']' => {
                    scan.at += 1;
                    return Some(items);
                }
                _ => return None,
            }
        }
    }
}

/// A member of an object, by its key.
enum Member<'d> {
    /// `at`, at the top of a line.
    At,
    /// A declared field, with its index.
    Field(usize, &'d RecordFieldDef),
}

/// The fields of a record given so far (of at most [`MOST`]).
#[derive(Default)]
struct Given {
    /// One bit a field.
    bits: u64,
    /// Where the next member is looked for first: after the last, as they are declared.
    next: usize,
}

impl Given {
    /// The field of `declared` named `key`, with its index, when it was not given yet.
    fn field<'d>(
        &mut self,
        declared: &'d [RecordFieldDef],
        key: &str,
    ) -> Option<(usize, &'d RecordFieldDef)> {
        let i = match declared.get(self.next) {
            Some(f) if f.name == key => self.next,
            _ => declared.iter().position(|f| f.name == key)?,
        };
        if self.bits & (1 << i) != 0 {
            return None;
        }
        self.bits |= 1 << i;
        self.next = i + 1;
        Some((i, declared.get(i)?))
    }

    /// The next member's key, read with its colon: the field declared after the last one
    /// given, when the line names it there, without a space (the common case, recognized
    /// in one comparison); else any key, read in full. `at` is a member of its own where
    /// `header` says the object is a line's.
    fn member<'d>(
        &mut self,
        scan: &mut Scan,
        declared: &'d [RecordFieldDef],
        header: bool,
    ) -> Option<Member<'d>> {
        if let Some(next) = declared.get(self.next) {
            let free = self.bits & (1 << self.next) == 0;
            if free && !(header && next.name == "at") && scan.expected_key(&next.name) {
                let i = self.next;
                self.bits |= 1 << i;
                self.next = i + 1;
                return Some(Member::Field(i, next));
            }
        }
        if header && scan.expected_key("at") {
            return Some(Member::At);
        }
        let key = scan.key()?;
        if header && key == "at" {
            return Some(Member::At);
        }
        let (i, field) = self.field(declared, key)?;
        Some(Member::Field(i, field))
    }

    /// Whether every required field of `declared` is given.
    fn complete(&self, declared: &[RecordFieldDef]) -> bool {
        (declared.iter().enumerate()).all(|(i, f)| self.bits & (1 << i) != 0 || f.ty.is_opt())
    }
}

/// A reader of the JSON this path takes: `None` wherever the text is anything else (or not
/// JSON at all), for the general path to read.
struct Scan<'a> {
    line: &'a str,
    /// The byte read next.
    at: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.line.as_bytes().get(self.at).copied()
    }

    /// Steps over JSON whitespace.
    fn blank(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// `byte`, after any whitespace.
    fn punct(&mut self, byte: u8) -> Option<()> {
        self.blank();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// A member's key and its colon.
    fn key(&mut self) -> Option<&'a str> {
        let key = self.string()?;
        self.punct(b':')?;
        Some(key)
    }

    /// Whether the line has the key `name` here, quoted and followed by its colon, exactly
    /// (no space, no escape); if so, steps over it. A key the reader expects next is so
    /// recognized in one comparison, where reading any key scans it and looks it up.
    fn expected_key(&mut self, name: &str) -> bool {
        let n = name.len();
        let rest = self.line.as_bytes().get(self.at..).unwrap_or_default();
        let hit = rest.first() == Some(&b'"')
            && rest.get(1..=n) == Some(name.as_bytes())
            && rest.get(n + 1..n + 3) == Some(b"\":".as_slice());
        if hit {
            self.at += n + 3;
        }
        hit
    }

    /// Whether another member follows (a comma), or the object ends (its brace).
    fn more(&mut self) -> Option<bool> {
        self.blank();
        let more = match self.peek()? {
            b',' => true,
            b'}' => false,
            _ => return None,
        };
        self.at += 1;
        Some(more)
    }

    /// Nothing but whitespace after the object.
    fn end(&mut self) -> Option<()> {
        self.blank();
        (self.at == self.line.len()).then_some(())
    }

    /// A string without escapes or control characters, borrowed from the line.
    fn string(&mut self) -> Option<&'a str> {
        self.punct(b'"')?;
        let start = self.at;
        let bytes = self.line.as_bytes();
        let len = string_end(bytes.get(start..)?)?;
        if bytes.get(start + len) != Some(&b'"') {
            return None;
        }
        self.at = start + len + 1;
        // both ends are ASCII quotes: char boundaries of the line
        self.line.get(start..start + len)
    }

    /// A member's value: a string, a whole number, `true`, `false`, `null`, or an array or
    /// object (read by serde_json, as the general path reads it).
    fn value(&mut self) -> Option<Json<'a>> {
        self.blank();
        let rest = self.line.get(self.at..)?;
        let (json, len) = match *rest.as_bytes().first()? {
            b'"' => return self.string().map(|s| Json::Str(Cow::Borrowed(s))),
            b't' if rest.starts_with("true") => (Json::Bool(true), 4),
            b'f' if rest.starts_with("false") => (Json::Bool(false), 5),
            b'n' if rest.starts_with("null") => (Json::Null, 4),
            b'-' | b'0'..=b'9' => {
                let digits = rest
                    .as_bytes()
                    .iter()
                    .skip(1)
                    .take_while(|b| b.is_ascii_digit());
                let len = 1 + digits.count();
                let text = rest.get(..len)?;
                let unsigned = text.strip_prefix('-').unwrap_or(text);
                // JSON has no leading zeros; a fraction, an exponent or `-0` is left to
                // serde_json
                let plain = !unsigned.is_empty()
                    && (text == "0" || !unsigned.starts_with('0'))
                    && !matches!(rest.as_bytes().get(len), Some(b'.' | b'e' | b'E'));
                if !plain {
                    return None;
                }
                (Json::Int(text.parse().ok()?), len)
            }
            b'[' | b'{' => {
                let len = nested_len(rest.as_bytes())?;
                (serde_json::from_str(rest.get(..len)?).ok()?, len)
            }
            _ => return None,
        };
        self.at += len;
        Some(json)
    }
}

/// Where the first quote, backslash or control character of `text` is: the end of a string
/// without escapes, or where it stops being one. Eight bytes at a time, each word tested for
/// the three at once (a string's bytes are most of a line's).
fn string_end(text: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // `(x - ONES) & !x & HIGH` marks the bytes of `x` that are zero, and `(x - 0x20 each) &
    // !x & HIGH` those below 0x20; a byte above a marked one may be marked wrongly (by the
    // borrow), never one below it: the lowest mark is right.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let mut words = text.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().ok()?);
        let marks = (zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGH;
        if marks != 0 {
            return Some(at + (marks.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let mut rest = words.remainder().iter();
    rest.position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

/// The length of the array or object `text` starts with, up to its closing bracket (strings
/// stepped over, escapes included); `None` if it does not close.
fn nested_len(text: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in text.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                // deeper is left to serde_json, whose limit counts the line's own depth
                if depth > NESTED_MOST {
                    return None;
                }
            }
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{string_end, Scan};
    use proptest::prelude::*;

    #[test]
    fn an_expected_key_is_taken_only_when_written_exactly() {
        let taken = |line: &str| {
            let mut scan = Scan { line, at: 0 };
            let hit = scan.expected_key("phone");
            (hit, scan.at)
        };
        assert_eq!(taken(r#""phone":"1""#), (true, 8));
        assert_eq!(taken(r#""phone":"#), (true, 8));
        for other in [
            r#""phone" :"1""#,
            r#""phoneX":"1""#,
            r#""phon":"1""#,
            r#""ph\u006fne":"1""#,
            r#" "phone":"1""#,
            r#""phone""#,
            r#""phone"#,
            "",
            "\"",
        ] {
            assert_eq!(taken(other), (false, 0), "{other}");
        }
    }

    /// What [`string_end`] finds, a byte at a time.
    fn one_by_one(text: &[u8]) -> Option<usize> {
        text.iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
    }

    proptest! {
        /// Word by word, it stops where a byte-by-byte search stops: quotes, backslashes,
        /// control characters, bytes of every value around them, at every place in a word.
        #[test]
        fn a_string_ends_where_a_byte_by_byte_search_says(
            text in proptest::collection::vec(
                prop_oneof![
                    4 => 0x20u8..0x7f,
                    1 => Just(b'"'),
                    1 => Just(b'\\'),
                    1 => 0u8..0x20,
                    1 => 0x7fu8..=0xff,
                ],
                0..40,
            ),
        ) {
            prop_assert_eq!(string_end(&text), one_by_one(&text));
        }
    }

    #[test]
    fn each_stopping_byte_is_found_at_each_place_after_any_other_byte() {
        for stop in [b'"', b'\\', 0, 0x1f] {
            for before in [0x20u8, 0x21, 0x7f, 0x80, 0xff, 0x1f, b'"'] {
                for at in 0..20 {
                    let mut text = vec![b'a'; 24];
                    text[..at].fill(before);
                    text[at] = stop;
                    assert_eq!(
                        string_end(&text),
                        one_by_one(&text),
                        "{stop} at {at} after {before}"
                    );
                }
            }
        }
    }
}
