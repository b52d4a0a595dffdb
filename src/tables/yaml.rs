//! The one place that calls serde_yaml: YAML text in, a tree of nodes with byte spans out.
//!
//! serde_yaml (no longer maintained upstream) reports positions only in its errors, so to
//! give every scalar its exact position, in any YAML style, the text is read twice: once
//! into values ([`Tree`]) and once into positions ([`Marks`]). In the second reading each
//! scalar's visitor fails on purpose, serde_yaml stamps the error with that scalar's line
//! and column, and the enclosing sequence or mapping catches the error, reads the position
//! back and goes on. Going on is sound only after a scalar (serde_yaml has consumed the
//! scalar's event before calling its visitor), which is why collections never fail.
//!
//! Swapping serde_yaml for a fork means changing [`from_str`] and this file's error
//! wording; the tests at the bottom check the positions still come out right.

use std::fmt;

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::span::Span;

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

/// The only call into serde_yaml.
fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, serde_yaml::Error> {
    serde_yaml::from_str(text)
}

/// Reads `text` as one YAML document.
pub(crate) fn parse(text: &str) -> Result<Node, YamlError> {
    let lines = LineIndex::new(text);
    // serde_yaml takes a byte order mark for the start of a second document.
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tree: Tree = from_str(body).map_err(|e| translate(&e, &lines))?;
    let marks = match from_str::<Marks>(body) {
        Ok(marks) => Some(marks),
        // A document that is a single scalar fails at the top, with nobody to catch it.
        Err(e) => probe_position(&e.to_string()).map(Marks::Scalar),
    };
    Ok(build(tree, marks, text, &lines, Span::default()))
}

/// Pairs values with positions. `fallback` is used where a position is missing: an empty
/// collection, an empty value, or (never expected) readings that disagree.
fn build(tree: Tree, marks: Option<Marks>, text: &str, lines: &LineIndex, fallback: Span) -> Node {
    match tree {
        Tree::Seq(items) => {
            let marks: Vec<Option<Marks>> = match marks {
                Some(Marks::Seq(m)) if m.len() == items.len() => m.into_iter().map(Some).collect(),
                _ => vec![None; items.len()],
            };
            let items: Vec<Node> = items
                .into_iter()
                .zip(marks)
                .map(|(item, m)| build(item, m, text, lines, fallback))
                .collect();
            let span = enclosing(
                items.first().map(|n| n.span),
                items.last().map(|n| n.span),
                fallback,
            );
            Node {
                value: Value::Seq(items),
                span,
            }
        }
        Tree::Map(entries) => {
            let marks: Vec<(Option<Marks>, Option<Marks>)> = match marks {
                Some(Marks::Map(m)) if m.len() == entries.len() => {
                    m.into_iter().map(|(k, v)| (Some(k), Some(v))).collect()
                }
                _ => vec![(None, None); entries.len()],
            };
            let entries: Vec<(Node, Node)> = entries
                .into_iter()
                .zip(marks)
                .map(|((k, v), (km, vm))| {
                    let key = build(k, km, text, lines, fallback);
                    let value = build(v, vm, text, lines, key.span);
                    (key, value)
                })
                .collect();
            let span = enclosing(
                entries.first().map(|(k, _)| k.span),
                entries.last().map(|(_, v)| v.span),
                fallback,
            );
            Node {
                value: Value::Map(entries),
                span,
            }
        }
        scalar => {
            let value = scalar.into_value();
            let start = match marks {
                Some(Marks::Scalar(Some((line, col)))) => lines.offset(line, col),
                _ => {
                    return Node {
                        value,
                        span: fallback,
                    }
                }
            };
            let end = scalar_end(text, start, &value);
            if value == Value::Null && start == end {
                // An empty value (`text:` and nothing after it): serde_yaml puts it at the
                // next token, possibly lines below; point at the key instead.
                return Node {
                    value,
                    span: fallback,
                };
            }
            Node {
                value,
                span: Span::new(start, end),
            }
        }
    }
}

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

/// Turns a serde_yaml error into the house style.
fn translate(e: &serde_yaml::Error, lines: &LineIndex) -> YamlError {
    let span = e
        .location()
        .map(|l| lines.offset(l.line(), l.column()))
        .map_or(Span::default(), |o| Span::new(o, o));
    let full = e.to_string();
    let (message, help) = if full.contains(TAGS_UNSUPPORTED) {
        (TAGS_UNSUPPORTED.to_string(), Some("remove the `!…` tag"))
    } else {
        reword(&strip_positions(&full))
    };
    YamlError {
        message,
        help: help.map(str::to_string),
        span,
    }
}

/// serde_yaml's and libyaml's wording, with positions removed, into ours.
fn reword(raw: &str) -> (String, Option<&'static str>) {
    const REWORDS: &[(&str, &str, Option<&str>)] = &[
        (
            "mapping values are not allowed in this context",
            "unexpected `:`",
            Some("a value that contains `: ` must be quoted, e.g. `note: \"seed: within 24 hours\"`; otherwise check the indentation"),
        ),
        (
            "could not find expected ':'",
            "missing `:` after a key",
            Some("write each entry as `key: value`"),
        ),
        (
            "did not find expected key",
            "this line does not fit the mapping it is in",
            Some("check its indentation and that it has the form `key: value`"),
        ),
        (
            "did not find expected node content",
            "a value is missing",
            Some("write a value after the `:` or `- `, e.g. `\"\"` or `[]` for an empty one"),
        ),
        (
            "did not find expected ',' or ']'",
            "expected `,` or `]`",
            Some("close the `[ … ]` with `]`, separate its items with `,`, and quote items that contain `,` or `: `"),
        ),
        (
            "did not find expected ',' or '}'",
            "expected `,` or `}`",
            Some("close the `{ … }` with `}`, separate its entries with `,`, and quote values that contain `,` or `: `"),
        ),
        (
            "did not find expected '-' indicator",
            "this line does not fit the list it is in",
            Some("check its indentation and that it starts with `- `"),
        ),
        (
            "block sequence entries are not allowed in this context",
            "a list item `- ` is not allowed here",
            Some("check the indentation"),
        ),
        (
            "found a tab character that violates indentation",
            "a tab is used for indentation",
            Some("indent YAML with spaces"),
        ),
        (
            "found character that cannot start any token",
            "a character that cannot start a value",
            Some("indent with spaces, not tabs, and quote values that start with `@`, `` ` `` or `%`"),
        ),
        (
            "found unexpected end of stream",
            "unexpected end of file",
            Some("a quoted string or a `[`/`{` is not closed"),
        ),
        (
            "found unknown escape character",
            "unknown escape in a double-quoted string",
            Some("write `\\\\` for a backslash, or use single quotes, which have no escapes"),
        ),
        (
            "control characters are not allowed",
            "the file contains control characters",
            Some("a table file must be plain text"),
        ),
        (
            "recursion limit exceeded",
            "the file nests too deeply",
            Some("a table nests a few levels at most: flatten the lists and mappings"),
        ),
        (
            "more than one document",
            "the file holds more than one YAML document",
            Some("a table file is one document: remove the `---` separators"),
        ),
        (
            "unknown anchor",
            "an alias `*…` refers to no anchor `&…`",
            Some("define the anchor `&name` before the alias `*name`, or write the value out"),
        ),
        (
            "repetition limit exceeded",
            "aliases expand to too much data",
            Some("write the values out instead of repeating aliases of aliases"),
        ),
    ];
    for (pattern, ours, help) in REWORDS {
        if raw.contains(pattern) {
            return (ours.to_string(), *help);
        }
    }
    (
        raw.to_string(),
        Some("check the indentation (spaces only), the `key: value` form, and the quotes and brackets around this point"),
    )
}

/// Removes serde_yaml's ` at line L column C` and ` at position N` from a message.
fn strip_positions(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(" at ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 4..];
        let skipped = skip_position(after);
        if skipped == 0 {
            out.push_str(" at ");
        }
        rest = &after[skipped..];
    }
    out.push_str(rest);
    out
}

/// The length of `line L column C` or `position N` at the start of `s`, or 0.
fn skip_position(s: &str) -> usize {
    let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if let Some(after) = s.strip_prefix("line ") {
        let n = digits(after);
        if let Some(col) = after[n..].strip_prefix(" column ") {
            let m = digits(col);
            if n > 0 && m > 0 {
                return "line ".len() + n + " column ".len() + m;
            }
        }
    } else if let Some(after) = s.strip_prefix("position ") {
        let n = digits(after);
        if n > 0 {
            return "position ".len() + n;
        }
    }
    0
}

const TAGS_UNSUPPORTED: &str = "YAML tags such as `!name` are not supported";

/// The first reading: values.
#[derive(Clone, Debug, PartialEq)]
enum Tree {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Tree>),
    Map(Vec<(Tree, Tree)>),
}

impl Tree {
    /// The value of a scalar (collections are built by [`build`]).
    fn into_value(self) -> Value {
        match self {
            Tree::Null | Tree::Seq(_) | Tree::Map(_) => Value::Null,
            Tree::Bool(b) => Value::Bool(b),
            Tree::Int(i) => Value::Int(i),
            Tree::Float(f) => Value::Float(f),
            Tree::Str(s) => Value::Str(s),
        }
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Tree, E> {
        Ok(Tree::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Tree, E> {
        Ok(Tree::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Tree, E> {
        Ok(Tree::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Tree, E> {
        Ok(Tree::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Tree, E> {
        Ok(i128::try_from(v).map_or(Tree::Float(v as f64), Tree::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Tree, E> {
        Ok(Tree::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Tree, E> {
        Ok(Tree::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Tree, E> {
        Ok(Tree::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Tree, D::Error> {
        Tree::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Tree::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Tree::Map(entries))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<Tree, A::Error> {
        Err(de::Error::custom(TAGS_UNSUPPORTED))
    }
}

/// The second reading: positions (1-based line and column) of every scalar.
#[derive(Clone, Debug, PartialEq)]
enum Marks {
    Scalar(Option<(usize, usize)>),
    Seq(Vec<Marks>),
    Map(Vec<(Marks, Marks)>),
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

/// Reads one element, map key or map value, turning a probe error into a position.
fn caught<T, E: de::Error>(
    result: Result<T, E>,
    wrap: impl FnOnce(T) -> Marks,
) -> Result<Marks, E> {
    match result {
        Ok(value) => Ok(wrap(value)),
        Err(e) => match probe_position(&e.to_string()) {
            Some(position) => Ok(Marks::Scalar(position)),
            None => Err(e),
        },
    }
}

impl<'de> Deserialize<'de> for Marks {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MarksVisitor)
    }
}

struct MarksVisitor;

impl MarksVisitor {
    fn probe<T, E: de::Error>(self) -> Result<T, E> {
        Err(E::custom(PROBE))
    }
}

impl<'de> Visitor<'de> for MarksVisitor {
    type Value = Marks;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Marks, E> {
        self.probe()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Marks, E> {
        self.probe()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Marks, E> {
        self.probe()
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Marks, E> {
        self.probe()
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Marks, E> {
        self.probe()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Marks, E> {
        self.probe()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Marks, E> {
        self.probe()
    }
    fn visit_unit<E: de::Error>(self) -> Result<Marks, E> {
        self.probe()
    }
    fn visit_none<E: de::Error>(self) -> Result<Marks, E> {
        self.probe()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Marks, A::Error> {
        let mut items = Vec::new();
        loop {
            match seq.next_element::<Marks>() {
                Ok(None) => break,
                other => items.push(caught(other, |m| m.unwrap_or(Marks::Scalar(None)))?),
            }
        }
        Ok(Marks::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Marks, A::Error> {
        let mut entries = Vec::new();
        loop {
            let key = match map.next_key::<Marks>() {
                Ok(None) => break,
                other => caught(other, |m| m.unwrap_or(Marks::Scalar(None)))?,
            };
            let value = caught(map.next_value::<Marks>(), |m| m)?;
            entries.push((key, value));
        }
        Ok(Marks::Map(entries))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<Marks, A::Error> {
        // Not a probe: the first reading has already refused tags.
        Err(de::Error::custom(TAGS_UNSUPPORTED))
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
            strip_positions("x at line 3 column 4, y at position 9 at z"),
            "x, y at z"
        );
    }
}
