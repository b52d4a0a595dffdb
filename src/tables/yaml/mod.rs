//! The one place that calls serde_yaml: YAML text in, a tree of nodes with byte spans out.
//!
//! serde_yaml (no longer maintained upstream) reports positions only in its errors, yet every
//! scalar needs its exact position, in any YAML style. The text is read once, and a scalar is
//! placed in one of two ways:
//!
//! - **lent**: serde_yaml lends a string straight out of the text when the scalar is written
//!   as its value (a plain or quoted string without escapes, on one line: nearly every
//!   scalar of a table), so its position is where the lent slice lies in the text;
//! - **probed**: any other scalar (a number, `true`, an escaped or folded string) is kept
//!   aside and its visitor fails on purpose; serde_yaml stamps the error with the scalar's
//!   line and column, and the enclosing sequence or mapping catches the error, reads the
//!   position back, takes the value kept aside and goes on. Going on is sound only after a
//!   scalar (serde_yaml has consumed the scalar's event before calling its visitor), which is
//!   why collections never fail.
//!
//! Both give the position serde_yaml itself gives: that of the scalar's first character, or
//! of its anchor or tag when it has one (a lent scalar that may have one is probed instead).
//! Until 2026-12 the text was read twice, once for values and once probing every scalar;
//! that reading is kept in `two_pass.rs` as the tests' oracle.
//!
//! Swapping serde_yaml for a fork means changing [`deserializer`] and `reword.rs`; the tests
//! at the bottom and the oracle check the positions still come out right.

use std::cell::{Cell, OnceCell};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::span::Span;

mod reword;
#[cfg(test)]
mod two_pass;

/// A YAML value with the byte span it was read from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: Value,
    pub(crate) span: Span,
}

/// A YAML value. Mappings keep every entry in file order, repeated keys included, so that
/// the loaders can report repeats (serde_yaml itself would keep only the last).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// How a user would call this kind of value, with an article: "a list".
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Value::Null => "empty",
            Value::Bool(_) => "true or false",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Malformed YAML, in the house style, at the position serde_yaml gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    pub(crate) span: Span,
}

/// The only call into serde_yaml: a deserializer of one document.
fn deserializer(body: &str) -> serde_yaml::Deserializer<'_> {
    serde_yaml::Deserializer::from_str(body)
}

/// Reads `text` as one YAML document.
pub(crate) fn parse(text: &str) -> Result<Node, YamlError> {
    // serde_yaml takes a byte order mark for the start of a second document.
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let reader = Reader {
        text,
        body,
        base: text.len() - body.len(),
        lines: OnceCell::new(),
        aside: Cell::new(None),
        placed_end: Cell::new(0),
        unplaced: Cell::new(false),
    };
    let top = NodeSeed {
        r: &reader,
        fallback: Span::default(),
        top: true,
    };
    match top.deserialize(deserializer(body)) {
        Ok(node) if reader.unplaced.get() => Ok(reader.place_top(node)),
        Ok(node) => Ok(node),
        Err(e) => Err(reword::translate(&e, reader.lines())),
    }
}

/// What the visitors of one reading share.
struct Reader<'t> {
    /// The whole text, byte order mark included: spans index into it.
    text: &'t str,
    /// The text given to serde_yaml: `text` without its byte order mark.
    body: &'t str,
    /// Where `body` starts in `text`.
    base: usize,
    /// Line starts, found at the first probe (most texts have none).
    lines: OnceCell<LineIndex<'t>>,
    /// The value of the scalar being probed, from its visitor to the collection that catches
    /// the probe.
    aside: Cell<Option<Value>>,
    /// Where the last scalar placed ends (for a probed one: starts). A later scalar's anchor
    /// or tag can only be after it.
    placed_end: Cell<usize>,
    /// Whether the document is a single scalar that could not be placed while reading (it has
    /// no enclosing collection to catch its probe).
    unplaced: Cell<bool>,
}

impl<'t> Reader<'t> {
    fn lines(&self) -> &LineIndex<'t> {
        self.lines.get_or_init(|| LineIndex::new(self.text))
    }

    /// The span of `s`, a string serde_yaml lent from the text, if it is certainly the span
    /// of the whole scalar as serde_yaml would place it: `s` in the text with nothing around
    /// it but its quotes, and no anchor or tag before it.
    fn lent_span(&self, s: &str) -> Option<Span> {
        // a line break (`\n`, `\r`, U+0085, U+2028, U+2029): looked for byte by byte, the
        // last three by their first byte (0xC2, 0xE2), as a `char` search decodes each one
        if s.bytes().any(|b| matches!(b, b'\n' | b'\r' | 0xC2 | 0xE2))
            && s.contains(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        {
            return None;
        }
        let offset = s.as_ptr().addr().checked_sub(self.body.as_ptr().addr())?;
        if offset + s.len() > self.body.len() {
            return None;
        }
        let (start, end) = (self.base + offset, self.base + offset + s.len());
        let bytes = self.text.as_bytes();
        let before = start.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(end).copied();
        let span = match (before, after) {
            // Quoted, and the text between the quotes is the value: no escape, no quote
            // inside. (A quote just before a suffix of the value that only looks unescaped
            // would be an escaped one, whose decoding would be in the value.)
            (Some(q @ (b'"' | b'\'')), Some(a))
                if a == q && !s.contains(q as char) && (q == b'\'' || !s.contains('\\')) =>
            {
                Span::new(start - 1, end + 1)
            }
            // A plain scalar would have taken a quote just after it into itself.
            (_, Some(b'"' | b'\'')) => return None,
            // Plain: on one line, it is its own text, so `s` is all of it.
            (None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b','), _)
                if !s.is_empty() =>
            {
                Span::new(start, end)
            }
            _ => return None,
        };
        // An anchor (`&a`) or tag (`!t`) of this scalar would lie between the last scalar
        // placed and this one.
        let gap = self.text.get(self.placed_end.get()..span.start)?;
        if gap.bytes().any(|b| b == b'&' || b == b'!') {
            return None;
        }
        self.placed_end.set(span.end);
        Some(span)
    }

    /// Fails the visitor on purpose with `value` kept aside: the enclosing collection will
    /// read the scalar's position from the error.
    fn probe<T, E: de::Error>(&self, value: Value) -> Result<T, E> {
        self.aside.set(Some(value));
        Err(E::custom(PROBE))
    }

    /// Turns a probe error caught by a collection into the probed scalar's node; any other
    /// error is passed on.
    fn caught<E: de::Error>(&self, e: E, fallback: Span) -> Result<Node, E> {
        let Some(position) = probe_position(&e.to_string()) else {
            return Err(e);
        };
        let Some(value) = self.aside.take() else {
            return Err(e);
        };
        Ok(self.placed(value, position, fallback))
    }

    /// The node of a probed scalar at 1-based `position` (`None`: unknown).
    fn placed(&self, value: Value, position: Option<(usize, usize)>, fallback: Span) -> Node {
        let Some((line, col)) = position else {
            return Node {
                value,
                span: fallback,
            };
        };
        let start = self.lines().offset(line, col);
        let end = scalar_end(self.text, start, &value);
        if value == Value::Null && start == end {
            // An empty value (`text:` and nothing after it): serde_yaml puts it at the
            // next token, possibly lines below; point at the key instead.
            return Node {
                value,
                span: fallback,
            };
        }
        // The start, not the end: `scalar_end` may reach past the scalar (a number that is
        // a key runs to the end of its line), and an anchor there must stay visible.
        self.placed_end.set(self.placed_end.get().max(start));
        Node {
            value,
            span: Span::new(start, end),
        }
    }

    /// Places a document that is one scalar, read whole but not placed: read again, with
    /// the probe escaping to the top this time.
    fn place_top(&self, node: Node) -> Node {
        let again = NodeSeed {
            r: self,
            fallback: Span::default(),
            top: false,
        };
        let position = match again.deserialize(deserializer(self.body)) {
            Ok(_) => None,
            Err(e) => probe_position(&e.to_string()),
        };
        self.aside.take();
        self.placed(node.value, position.flatten(), Span::default())
    }
}

/// Reads one node; `fallback` is its span if it has none (an empty value, an empty
/// collection).
struct NodeSeed<'r, 't> {
    r: &'r Reader<'t>,
    fallback: Span,
    /// Whether this is the document itself, which no collection encloses.
    top: bool,
}

impl<'de, 'r> DeserializeSeed<'de> for NodeSeed<'r, 'de> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'r, 't> NodeSeed<'r, 't> {
    /// A scalar serde_yaml did not lend from the text.
    fn scalar<E: de::Error>(&self, value: Value) -> Result<Node, E> {
        if self.top {
            self.r.unplaced.set(true);
            return Ok(Node {
                value,
                span: self.fallback,
            });
        }
        self.r.probe(value)
    }

    fn child(&self, fallback: Span) -> NodeSeed<'r, 't> {
        NodeSeed {
            r: self.r,
            fallback,
            top: false,
        }
    }
}

impl<'de, 'r> Visitor<'de> for NodeSeed<'r, 'de> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        self.scalar(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        self.scalar(Value::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        self.scalar(Value::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        self.scalar(Value::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        self.scalar(i128::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        self.scalar(Value::Float(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Node, E> {
        match self.r.lent_span(v) {
            Some(span) => Ok(Node {
                value: Value::Str(v.to_string()),
                span,
            }),
            None => self.scalar(Value::Str(v.to_string())),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        self.scalar(Value::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        self.scalar(Value::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        self.scalar(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        self.scalar(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        loop {
            let item = match seq.next_element_seed(self.child(self.fallback)) {
                Ok(Some(item)) => item,
                Ok(None) => break,
                Err(e) => self.r.caught(e, self.fallback)?,
            };
            items.push(item);
        }
        let span = enclosing(
            items.first().map(|n| n.span),
            items.last().map(|n| n.span),
            self.fallback,
        );
        Ok(Node {
            value: Value::Seq(items),
            span,
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        loop {
            let key = match map.next_key_seed(self.child(self.fallback)) {
                Ok(Some(key)) => key,
                Ok(None) => break,
                Err(e) => self.r.caught(e, self.fallback)?,
            };
            let value = match map.next_value_seed(self.child(key.span)) {
                Ok(value) => value,
                Err(e) => self.r.caught(e, key.span)?,
            };
            entries.push((key, value));
        }
        let span = enclosing(
            entries.first().map(|(k, _)| k.span),
            entries.last().map(|(_, v)| v.span),
            self.fallback,
        );
        Ok(Node {
            value: Value::Map(entries),
            span,
        })
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<Node, A::Error> {
        Err(de::Error::custom(TAGS_UNSUPPORTED))
    }
}

/// The message of the deliberate error that a scalar's position comes back in.
const PROBE: &str = "docket position probe";

/// The position in a probe error's text, or `None` if the error is no probe.
fn probe_position(message: &str) -> Option<Option<(usize, usize)>> {
    if !message.contains(PROBE) {
        return None;
    }
    let Some(i) = message.rfind(" at line ") else {
        // serde_yaml leaves the position out at line 1, column 1.
        return Some(Some((1, 1)));
    };
    let (line, col) = message[i + " at line ".len()..].split_once(" column ")?;
    Some(line.parse().ok().zip(col.parse().ok()))
}

const TAGS_UNSUPPORTED: &str = "YAML tags such as `!name` are not supported";

fn enclosing(first: Option<Span>, last: Option<Span>, fallback: Span) -> Span {
    match (first, last) {
        (Some(a), Some(b)) => Span::new(a.start, b.end.max(a.start)),
        _ => fallback,
    }
}

/// Where the scalar starting at `start` ends in the source.
fn scalar_end(text: &str, start: usize, value: &Value) -> usize {
    let rest = &text[start..];
    let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
    match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let mut chars = rest.char_indices().skip(1);
            while let Some((i, c)) = chars.next() {
                if c == '\\' && quote == '"' {
                    chars.next();
                } else if c == quote {
                    // `''` is an escaped quote inside a single-quoted string.
                    if quote == '\'' && rest[i + 1..].starts_with('\'') {
                        chars.next();
                    } else {
                        return start + i + 1;
                    }
                }
            }
            start + line.len()
        }
        _ => match value {
            Value::Str(s) if !s.is_empty() && rest.starts_with(s.as_str()) => start + s.len(),
            Value::Null if !line.starts_with(['~', 'n', 'N']) => start,
            _ => {
                // A plain scalar written differently from its value (folded over lines,
                // a block scalar, an anchor before it): underline its first line.
                let end = [" #", ", ", ",", "]", "}"]
                    .iter()
                    .filter_map(|stop| line.find(stop))
                    .min()
                    .unwrap_or(line.len());
                start + line[..end].trim_end().len()
            }
        },
    }
}

/// Byte offsets of line starts, with YAML's line breaks (as libyaml counts them).
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        // Positions are counted after a byte order mark, which is not given to serde_yaml.
        let mut starts = vec![if text.starts_with('\u{feff}') { 3 } else { 0 }];
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\r' if chars.peek().is_some_and(|&(_, c)| c == '\n') => {
                    chars.next();
                    starts.push(i + 2);
                }
                '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => starts.push(i + c.len_utf8()),
                _ => {}
            }
        }
        LineIndex { text, starts }
    }

    /// The byte offset of 1-based `line` and `col` (in chars), clamped to the text.
    fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let end = self.starts.get(line).copied().unwrap_or(self.text.len());
        let line_text = &self.text[start..end];
        start
            + line_text
                .char_indices()
                .nth(col.saturating_sub(1))
                .map_or(line_text.len(), |(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text a node's span covers.
    fn at<'t>(text: &'t str, node: &Node) -> &'t str {
        &text[node.span.start..node.span.end]
    }

    fn map(node: &Node) -> &[(Node, Node)] {
        match &node.value {
            Value::Map(entries) => entries,
            other => panic!("not a map: {other:?}"),
        }
    }

    fn seq(node: &Node) -> &[Node] {
        match &node.value {
            Value::Seq(items) => items,
            other => panic!("not a seq: {other:?}"),
        }
    }

    #[test]
    fn spans_in_block_and_flow_style() {
        let text = "# c\nkind: requirements\nrows:\n  - { scenario: a, required: [x, 'y z'] }\n  - scenario: \"b\\\"\"\n    required:\n      - x\n      - 12\n";
        let root = parse(text).unwrap();
        let top = map(&root);
        assert_eq!(at(text, &top[0].0), "kind");
        assert_eq!(at(text, &top[0].1), "requirements");
        let rows = seq(&top[1].1);
        let row0 = map(&rows[0]);
        assert_eq!(at(text, &row0[0].0), "scenario");
        assert_eq!(at(text, &row0[0].1), "a");
        let req0 = seq(&row0[1].1);
        assert_eq!(at(text, &req0[1]), "'y z'");
        assert_eq!(req0[1].value, Value::Str("y z".into()));
        let row1 = map(&rows[1]);
        assert_eq!(at(text, &row1[0].1), "\"b\\\"\"");
        let req1 = seq(&row1[1].1);
        assert_eq!(at(text, &req1[1]), "12");
        assert_eq!(req1[1].value, Value::Int(12));
        // A row's span starts at its first key.
        assert!(text[rows[1].span.start..].starts_with("scenario: \"b"));
    }

    #[test]
    fn keeps_repeated_keys_in_order() {
        let text = "a: 1\nb: 2\na: 3\n";
        let root = parse(text).unwrap();
        let keys: Vec<&str> = map(&root).iter().map(|(k, _)| at(text, k)).collect();
        assert_eq!(keys, ["a", "b", "a"]);
        assert_eq!(map(&root)[2].0.span, Span::new(10, 11));
    }

    #[test]
    fn empty_values_point_at_their_key() {
        let text = "a:\nb: ~\n";
        let root = parse(text).unwrap();
        let entries = map(&root);
        assert_eq!(entries[0].1.value, Value::Null);
        assert_eq!(entries[0].1.span, entries[0].0.span);
        assert_eq!(at(text, &entries[1].1), "~");
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let text = "\u{feff}kind: limits\nlimits: { a: 1 }\n";
        let root = parse(text).unwrap();
        let entries = map(&root);
        assert_eq!(at(text, &entries[0].0), "kind");
        assert_eq!(at(text, &map(&entries[1].1)[0].1), "1");
        let err = parse("\u{feff}a: [1, 2\n").unwrap_err();
        assert_eq!(err.message, "expected `,` or `]`");
    }

    #[test]
    fn positions_count_chars_and_crlf() {
        let text = "é: 'ü'\r\nx: [ä, b]\r\n";
        let root = parse(text).unwrap();
        let entries = map(&root);
        assert_eq!(at(text, &entries[0].1), "'ü'");
        assert_eq!(at(text, &seq(&entries[1].1)[1]), "b");
    }

    #[test]
    fn odd_documents_parse_or_fail_cleanly() {
        assert_eq!(parse("").unwrap().value, Value::Null);
        assert_eq!(parse("# only a comment\n").unwrap().value, Value::Null);
        let top = parse("hello").unwrap();
        assert_eq!(
            (top.value, top.span),
            (Value::Str("hello".into()), Span::new(0, 5))
        );
        assert!(matches!(parse("- a\n- b\n").unwrap().value, Value::Seq(_)));
        assert!(parse("a: !tag x\n").unwrap_err().message.contains("tags"));
        assert!(parse("a: 1\n---\nb: 2\n")
            .unwrap_err()
            .message
            .contains("more than one"));
        assert!(parse("a: *nope\n").is_err());
        let deep = "[".repeat(1000);
        assert_eq!(
            parse(&deep).unwrap_err().message,
            "the file nests too deeply"
        );
        assert!(parse("\u{0}\u{1}\u{7f}junk: [").is_err());
    }

    #[test]
    fn syntax_errors_are_reworded_and_placed() {
        let text = "kind: limits\nlimits:\n  x:\n    note: seed: within\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.message, "unexpected `:`");
        assert_eq!(&text[err.span.start..], ": within\n");
        let text = "a: [1, 2\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.message, "expected `,` or `]`", "{err:?}");
        let text = "a: \"open\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.message, "unexpected end of file", "{err:?}");
        assert_eq!(
            reword::strip_positions("x at line 3 column 4, y at position 9 at z"),
            "x, y at z"
        );
    }
}
