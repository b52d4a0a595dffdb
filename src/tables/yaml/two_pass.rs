//! The reading of YAML used until 2026-12, kept as the oracle of the one that replaced it: the
//! text read twice, once into values ([`Tree`]) and once into positions ([`Marks`]), every
//! scalar of the second reading probed (see the module above for the probe).

use std::fmt;

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};

use super::reword::translate;
use super::{
    deserializer, enclosing, probe_position, scalar_end, LineIndex, Node, Value, YamlError, PROBE,
    TAGS_UNSUPPORTED,
};
use crate::span::Span;

fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, serde_yaml::Error> {
    T::deserialize(deserializer(text))
}

/// Reads `text` as one YAML document, as [`super::parse`] did until 2026-12.
pub(super) fn parse(text: &str) -> Result<Node, YamlError> {
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
    use proptest::prelude::*;

    /// Reads `text` both ways and requires the same tree or the same error.
    fn agree(text: &str) {
        assert_eq!(super::super::parse(text), super::parse(text), "{text:?}");
    }

    #[test]
    fn one_reading_agrees_with_two_on_every_yaml_file() {
        fn walk(dir: &std::path::Path, found: &mut usize) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        agree(&text);
                        *found += 1;
                    }
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut found = 0;
        for dir in ["rules", "tests", "schemas", "docs"] {
            walk(&root.join(dir), &mut found);
        }
        assert!(found > 200, "only {found} YAML files found");
    }

    /// Texts where a lent string could be misplaced, or where nothing is lent.
    #[test]
    fn one_reading_agrees_with_two_on_odd_scalars() {
        let texts = [
            "a: &x foo\nb: *x\n",
            "a: &x\n  foo\nb: [*x, *x]\n",
            "5: &a\n  x\n",
            "&k a: b\n",
            "a: !!str foo\n",
            "a: !!int \"5\"\n",
            "a: 'it''s'\nb: 'x'\n",
            "a: \"x\\\\\"\n",
            "a: \"\\\\\\\\\"\n",
            "a: \"q\\\"ab\"\n",
            "a: 'q''ab'\n",
            "a: \"\\u00e9t\\u00e9\"\nb: \"été\"\n",
            "a: foo\n  bar\n",
            "a: 'x\n  y'\nb: \"x\n  y\"\n",
            "a: >\n  folded\n  text\nb: |\n  lit\n  eral\nc: d\n",
            "{a: b, 'c': \"d\", e: [f, 'g', \"h\"]}",
            "{\"a\":b, \"c\":\"d\"}",
            "[a, [b, c], {d: e}, '', \"\"]",
            "- \n- x\n-\n",
            "a:\nb: ~\nc: null\nd: Null\ne:\n",
            "? a\n: b\n? [c, d]\n: e\n",
            "5: x\n1.5: y\ntrue: z\n~: w\n",
            "a: 5 # c\nb: 0x1F\nc: 1_000\nd: -3\ne: +4\nf: 1e3\ng: .inf\n",
            "a: b # & and !\nc: d\n",
            "a: b!\nc: 'd&'\ne: x&y\nf: '!'\n",
            "a: -b\nc: - d\n",
            "- - a\n  - b\n- c\n",
            "a:\tb\n",
            "a: b c\nd:  e  \n",
            "\u{feff}a: b\nc: [d, 'e']\n",
            "é: 'ü'\r\nx: [ä, b]\r\n",
            "a: \"\"\nb: ''\nc: ' '\n",
            "a: 'x' y\n",
            "a: \"x\"y\n",
            "a: x\"y\"\nb: x'y\n",
            "hello",
            "'hello'",
            "\"a\\n\"",
            "5",
            "true",
            "",
            "# only a comment\n",
            "~",
            "hello\n---\nb",
            "a: b\n---\nc: d\n",
            "a: [1, 2\n",
            "a: \"open\n",
            "x: *nope\n",
            "a: !tag x\n",
            "kind: limits\nlimits:\n  x:\n    note: seed: within\n",
            "a: 1\n b: 2\n",
            "a:\n  - b\n  c: d\n",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        ];
        for text in texts {
            agree(text);
        }
    }

    /// A line of YAML from fragments: mostly well-formed, sometimes not.
    fn line() -> impl Strategy<Value = String> {
        let indent = prop::sample::select(vec!["", "", "  ", "    ", "- ", "  - "]);
        let key = prop::sample::select(vec![
            "a: ", "b: ", "é: ", "'k': ", "\"k\": ", "&k a: ", "5: ", "? x\n: ", "",
        ]);
        let value = prop::sample::select(vec![
            "x",
            "x y",
            "'x'",
            "\"x\"",
            "'it''s'",
            "\"e\\\"s\"",
            "\"\\\\\"",
            "''",
            "\"\"",
            "5",
            "-3",
            "1.5",
            "true",
            "null",
            "~",
            "",
            "&a v",
            "*a",
            "!!str s",
            "[p, 'q', 5]",
            "{m: n, 'o': 1}",
            "[]",
            "{}",
            "x # c & !",
            "|\n  block",
            ">\n  fold\n  ed",
            "'multi\n  line'",
            "plain\n  more",
            "x!",
            "'x&'",
            "ü",
            "[a, &b c, *b]",
        ]);
        (indent, key, value).prop_map(|(i, k, v)| format!("{i}{k}{v}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn one_reading_agrees_with_two_on_generated_texts(
            lines in prop::collection::vec(line(), 0..8),
            crlf in any::<bool>(),
        ) {
            let text = lines.join(if crlf { "\r\n" } else { "\n" });
            agree(&text);
        }
    }
}
