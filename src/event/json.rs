//! A JSON tree that keeps object members in the order written, duplicates included, and
//! borrows its strings from the line wherever they hold no escape.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A JSON value with its object members in the order written, duplicates kept.
#[derive(Clone, Debug, Default)]
pub(super) enum Json<'a> {
    #[default]
    Null,
    Bool(bool),
    /// An integer that fits in an `i64`.
    Int(i64),
    /// A non-negative integer beyond `i64::MAX`.
    BigInt(u64),
    /// Any other number (serde_json also reads integers beyond `u64` as floats).
    Float(f64),
    Str(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
    /// An instant given as one by a builder ([`super::EventBuilder::at_instant`]), for an
    /// RFC 3339 string: never read from a line.
    Instant(jiff::Timestamp),
}

impl Json<'_> {
    /// The kind of value, as messages name it.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Int(_) | Json::BigInt(_) | Json::Float(_) => "a number",
            Json::Str(_) | Json::Instant(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json<'de>, D::Error> {
        // serde_json's recursion limit (128) bounds the nesting, so this cannot overflow
        // the stack.
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json<'de>, E> {
        Ok(Json::Int(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json<'de>, E> {
        Ok(i64::try_from(n).map_or(Json::BigInt(n), Json::Int))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Json<'de>, E> {
        Ok(Json::Float(x))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(s.to_string())))
    }

    fn visit_string<E>(self, s: String) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(2).min(16));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        // serde_json gives no length: start where an event's members fit, rather than
        // growing through 1, 2, 4 and 8.
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8).min(16));
        while let Some((Key(key), value)) = map.next_entry::<Key<'de>, Json<'de>>()? {
            members.push((key, value));
        }
        Ok(Json::Object(members))
    }
}

/// An object key, borrowed from the line unless it holds an escape (serde's own `Cow`
/// always copies).
pub(super) struct Key<'a>(pub(super) Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(s.to_string())))
    }

    fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let line = r#"{"a":"plain","b\u0041":"esc\"aped","c":[1,"x"]}"#;
        let Json::Object(members) = serde_json::from_str::<Json>(line).unwrap() else {
            panic!("not an object");
        };
        assert!(matches!(members[0].0, Cow::Borrowed("a")));
        assert!(matches!(&members[0].1, Json::Str(Cow::Borrowed("plain"))));
        assert!(matches!(&members[1].0, Cow::Owned(k) if k == "bA"));
        assert!(matches!(&members[1].1, Json::Str(Cow::Owned(s)) if s == "esc\"aped"));
        assert!(matches!(&members[2].1, Json::Array(items) if items.len() == 2));
    }
}
