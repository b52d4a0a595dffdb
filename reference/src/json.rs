//! The raw line: serde_json into borrowed structs (a key given twice, an unknown key or a value
//! of the wrong kind is refused while reading), and the header an error record echoes.

use crate::Bad;
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The value of a member other than `type` and `at`: every one is a string, `null` (which only
/// `sender` accepts) or, for `personnel`, a list of entries; anything else is refused while
/// reading.
#[derive(Debug)]
pub(crate) enum Field<'a> {
    Null,
    Str(Cow<'a, str>),
    List(Vec<Obj<RawPerson<'a>>>),
}

/// A struct read from a JSON object only (serde's derived structs also take an array, by
/// position: `["tick", "2026-11-28T10:00:00+08:00"]` must stay an error).
#[derive(Debug)]
pub(crate) struct Obj<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Obj<T>, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Obj)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Field<'a>, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Field<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, null or a list")
            }
            fn visit_unit<E>(self) -> Result<Field<'a>, E> {
                Ok(Field::Null)
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Field<'a>, E> {
                Ok(Field::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Field<'a>, E> {
                Ok(Field::Str(Cow::Owned(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> Result<Field<'a>, E> {
                Ok(Field::Str(Cow::Owned(s)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Field<'a>, A::Error> {
                let mut v = Vec::new();
                while let Some(p) = a.next_element()? {
                    v.push(p);
                }
                Ok(Field::List(v))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Deserializes a member that is present (`null` included) as `Some`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// One `personnel` entry.
// reading: a personnel entry with a key other than these three is refused.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPerson<'a> {
    #[serde(borrow)]
    pub role: Cow<'a, str>,
    #[serde(borrow)]
    pub phone: Cow<'a, str>,
    #[serde(borrow)]
    pub cert_last6: Cow<'a, str>,
}

/// One line as written. serde refuses a key given twice and (with `deny_unknown_fields`) a key
/// that is no field of any event; which fields a `type` allows is checked afterwards.
// reading: a JSON key given twice is refused (the line is ambiguous); an unknown field is
// refused (a misspelt optional field must not silently change an event's meaning).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw<'a> {
    #[serde(rename = "type", borrow)]
    pub ty: Cow<'a, str>,
    #[serde(borrow)]
    pub at: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub filing: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub scenario: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub variant: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub personnel: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub phone: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub code: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub sender: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub cert_last6: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub role: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub new_phone: Option<Field<'a>>,
}

/// Parses a line into its raw form.
// reading: a blank line is bad input like any other line that is not a JSON object.
pub(crate) fn raw(line: &str) -> Result<Raw<'_>, Bad> {
    match serde_json::from_str::<Obj<Raw<'_>>>(line) {
        Ok(Obj(raw)) => Ok(raw),
        // A syntax error's message quotes no input; a data error's may (a value of the wrong
        // kind, an unknown key), so it is not echoed.
        Err(e) if e.is_syntax() || e.is_eof() => Err(Bad(format!("not valid JSON: {e}"))),
        Err(_) => Err(crate::decode::bad(
            "not an event: a JSON object whose members are those of its `type`, each once, \
             each a string (`personnel` a list of objects)",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// The header of a bad line.

/// What an error record echoes of a bad line: the first `type` and the first `at` member of a
/// JSON object, each when it is a string. A line that is no valid JSON object echoes nothing.
// reading (found by experiment on the engine): `type` and `at` are echoed whenever the line is
// a JSON object, whatever else is wrong with it (a key given twice, an unknown field …), each
// from the first member of that name and only if that member is a string.
pub(crate) fn header(line: &str) -> (Option<String>, Option<String>) {
    match serde_json::from_str::<Header>(line) {
        Ok(Header(Some((ty, at)))) => (ty, at),
        _ => (None, None),
    }
}

/// `Some((type, at))` for an object, `None` for any other JSON value.
struct Header(Option<(Option<String>, Option<String>)>);

impl<'de> Deserialize<'de> for Header {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Header, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Header;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Header, A::Error> {
                let (mut ty, mut at) = (None, None);
                let (mut seen_ty, mut seen_at) = (false, false);
                while let Some(key) = a.next_key::<Cow<'de, str>>()? {
                    let slot = match &*key {
                        "type" if !seen_ty => {
                            seen_ty = true;
                            &mut ty
                        }
                        "at" if !seen_at => {
                            seen_at = true;
                            &mut at
                        }
                        _ => {
                            a.next_value::<Any>()?;
                            continue;
                        }
                    };
                    *slot = a.next_value::<Any>()?.0;
                }
                Ok(Header(Some((ty, at))))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Header, A::Error> {
                while a.next_element::<Any>()?.is_some() {}
                Ok(Header(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Header, E> {
                Ok(Header(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Header, E> {
                Ok(Header(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Header, E> {
                Ok(Header(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Header, E> {
                Ok(Header(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Header, E> {
                Ok(Header(None))
            }
            fn visit_unit<E>(self) -> Result<Header, E> {
                Ok(Header(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Any JSON value, read in full (numbers range-checked, strings unescaped, as the engine reads
/// them); keeps a string's text.
struct Any(Option<String>);

impl<'de> Deserialize<'de> for Any {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Any, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Any;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Any, A::Error> {
                while a.next_entry::<IgnoredKey, Any>()?.is_some() {}
                Ok(Any(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Any, A::Error> {
                while a.next_element::<Any>()?.is_some() {}
                Ok(Any(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Any, E> {
                Ok(Any(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Any, E> {
                Ok(Any(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Any, E> {
                Ok(Any(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Any, E> {
                Ok(Any(None))
            }
            fn visit_str<E>(self, s: &str) -> Result<Any, E> {
                Ok(Any(Some(s.to_string())))
            }
            fn visit_unit<E>(self) -> Result<Any, E> {
                Ok(Any(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A map key, read (unescaped) and dropped.
struct IgnoredKey;

impl<'de> Deserialize<'de> for IgnoredKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IgnoredKey, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IgnoredKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, _: &str) -> Result<IgnoredKey, E> {
                Ok(IgnoredKey)
            }
        }
        d.deserialize_str(V)
    }
}
