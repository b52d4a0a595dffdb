//! Input events: one JSON object per line, checked against the event types the policy declares.
//!
//! The line is read into a small JSON tree of our own ([`Json`]) rather than
//! `serde_json::Value`, so that members keep the order they were written in (whatever features
//! other crates turn on in serde_json) and a key given twice is an error instead of being
//! silently overwritten: bad input fails closed.

use crate::diag::did_you_mean;
use crate::duration::parse_duration;
use crate::program::{EnumDef, EventDef, FormatDef, Program, RecordDef, RecordFieldDef};
use crate::value::{Ty, Value};
use jiff::Timestamp;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::HashMap;
use std::fmt::{self, Write as _};

/// How many characters of a value or a name an error message echoes.
const SHOWN_CHARS: usize = 40;
/// Names longer than this get no "did you mean": no declared name is that long, and the edit
/// distance costs the product of the two lengths.
const SUGGEST_MAX_CHARS: usize = 64;
/// Enumerations with at most this many values have them listed in an error.
const LISTED_VALUES: usize = 8;
/// The members every event has besides its declared fields.
const HEADER_KEYS: &[&str] = &["type", "at"];

/// One validated input event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The event type: an index into the policy's declared events.
    pub ty: u16,
    /// When it happened (`at`).
    pub at: Timestamp,
    /// The values of the event's record fields, in declaration order; an absent or `null`
    /// optional field is unset.
    pub fields: Vec<Value>,
}

/// What could be read of a line even when it is bad, for echoing in the error record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// `type`, whenever it is a string (declared or not).
    pub type_name: Option<String>,
    /// `at` exactly as given, whenever it is a string (valid or not).
    pub at: Option<String>,
}

/// A reason an input line is not a valid event.
///
/// Values of sensitive fields never appear in a message, not even in part; other values are
/// echoed as JSON strings of at most 40 characters. Texts other than paths are `Box<str>`,
/// which keeps `(Header, EventError)` small enough to return by value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// `{"type": "tick",` (the line ends inside the object)
    #[error("not valid JSON: {0}")]
    Json(String),
    /// `["tick", "2026-11-28T10:00:00+08:00"]`
    #[error("an event must be a JSON object, not {found}")]
    NotObject {
        /// What the line is instead, e.g. `an array`.
        found: &'static str,
    },
    /// `{"type": "tick"}` (no `at`), or an `sms_sent` without `code`
    #[error("field `{field}` is missing")]
    MissingField {
        /// The path of the missing field, e.g. `personnel[1].phone`.
        field: String,
    },
    /// `{"type": "tick", "type": "tick", "at": "2026-11-28T10:00:00+08:00"}`
    #[error("field `{field}` is given more than once")]
    DuplicateField {
        /// The path of the repeated field.
        field: String,
    },
    /// `{"type": "sms_snet", …}`
    #[error("unknown event type `{name}`{}", suggest(.suggestion))]
    UnknownType {
        /// The type as given (at most 40 characters of it).
        name: String,
        /// The declared event type it is closest to.
        suggestion: Option<Box<str>>,
    },
    /// `"cod": "004213"` in a `validation_attempt`
    #[error("field `{field}` is not a field of `{of}`{}", suggest(.suggestion))]
    UnknownField {
        /// The path of the unknown member (its name shortened to 40 characters).
        field: String,
        /// The event type, or the path of the nested object, that has no such field.
        of: String,
        /// The declared field it is closest to.
        suggestion: Option<Box<str>>,
    },
    /// `"phone": 13800138000`
    #[error("field `{field}` must be {expected}, not {found}{}", kind_hint(.expected, .found))]
    WrongKind {
        /// The path of the field.
        field: String,
        /// What the field's type needs, e.g. `a string`.
        expected: &'static str,
        /// What was given, e.g. `a number`.
        found: &'static str,
    },
    /// `"at": "2026-11-28T10:00:00"`
    #[error("field `{field}`: expected a time with an offset{}; add an offset, e.g. `+08:00`", got_text(.got))]
    MissingOffset {
        /// The path of the field.
        field: String,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
    },
    /// `"at": "28/11/2026 10:00"` or `"at": "2026-13-01T00:00:00Z"`
    #[error("field `{field}`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`{}{}", got_text(.got), because(.reason))]
    BadTime {
        /// The path of the field.
        field: String,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
        /// Why a well-shaped time is still wrong (e.g. month 13); never for a sensitive field.
        reason: Option<Box<str>>,
    },
    /// `"phone": "12345"`
    #[error("field `{field}`: expected {expected}{}", got_text(.got))]
    BadFormat {
        /// The path of the field.
        field: String,
        /// The format's description, or "the format `…`" when it has none.
        expected: Box<str>,
        /// The value as given (before trimming or case changes), or `None` for a sensitive field.
        got: Option<Box<str>>,
    },
    /// `"role": "ownr"`
    #[error("field `{field}`: expected {expected}{}{}", got_text(.got), suggest(.suggestion))]
    BadEnum {
        /// The path of the field.
        field: String,
        /// The values (when few) or the enumeration's name.
        expected: Box<str>,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
        /// The closest value; never for a sensitive field.
        suggestion: Option<Box<str>>,
    },
    /// `"grace": "5x"` for a duration field
    #[error("field `{field}`: expected a duration such as `24h` or `1h30m`{}{}", got_text(.got), because(.reason))]
    BadDuration {
        /// The path of the field.
        field: String,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
        /// What is wrong with it; never for a sensitive field.
        reason: Option<Box<str>>,
    },
    /// `"attempts": -1`
    #[error("field `{field}` must not be negative{}", got_text(.got))]
    NegativeCount {
        /// The path of the field.
        field: String,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
    },
    /// `"attempts": 1.5`
    #[error("field `{field}` must be a whole number{}", got_text(.got))]
    NotWholeNumber {
        /// The path of the field.
        field: String,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
    },
    /// `"attempts": 10000000000000000000`
    #[error("field `{field}` must be at most {}{}", i64::MAX, got_text(.got))]
    TooLarge {
        /// The path of the field.
        field: String,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
    },
    /// A policy declaring an event field of a type that input cannot give (a case or a
    /// participant); the checker refuses such policies, so this names a checker bug
    #[error("field `{field}` cannot be given in an event")]
    NotAnInput {
        /// The path of the field.
        field: String,
    },
}

impl EventError {
    /// The path of the offending field (`code`, `personnel[1].phone`, `type`, `at`), if the
    /// error is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            EventError::Json(_) | EventError::NotObject { .. } => None,
            EventError::UnknownType { .. } => Some("type"),
            EventError::MissingField { field }
            | EventError::DuplicateField { field }
            | EventError::UnknownField { field, .. }
            | EventError::WrongKind { field, .. }
            | EventError::MissingOffset { field, .. }
            | EventError::BadTime { field, .. }
            | EventError::BadFormat { field, .. }
            | EventError::BadEnum { field, .. }
            | EventError::BadDuration { field, .. }
            | EventError::NegativeCount { field, .. }
            | EventError::NotWholeNumber { field, .. }
            | EventError::TooLarge { field, .. }
            | EventError::NotAnInput { field } => Some(field),
        }
    }
}

/// Reads one input line as an event of `program`.
///
/// The first problem found is returned, in this order: the JSON itself, `type`, `at`, the
/// declared fields in declaration order (depth first), then undeclared members in the order
/// they were written. A missing field whose name an undeclared member misspells is reported
/// as that member ("did you mean"), which is the likelier mistake. Either way the [`Header`]
/// carries whatever `type` and `at` strings the line has.
pub fn parse_event(program: &Program, line: &str) -> Result<(Header, Event), (Header, EventError)> {
    Schema {
        events: &program.events,
        event_index: &program.event_index,
        records: &program.records,
        formats: &program.formats,
        enums: &program.enums,
    }
    .parse(line)
}

/// The parts of a program that events are read against.
#[derive(Clone, Copy)]
struct Schema<'p> {
    events: &'p [EventDef],
    event_index: &'p HashMap<String, u16>,
    records: &'p [RecordDef],
    formats: &'p [FormatDef],
    enums: &'p [EnumDef],
}

impl Schema<'_> {
    fn parse(self, line: &str) -> Result<(Header, Event), (Header, EventError)> {
        let json: Json = match serde_json::from_str(line) {
            Ok(json) => json,
            Err(e) => return Err((Header::default(), EventError::Json(json_message(&e)))),
        };
        let Json::Object(members) = json else {
            return Err((
                Header::default(),
                EventError::NotObject { found: json.kind() },
            ));
        };
        let header = Header {
            type_name: first_string(&members, "type"),
            at: first_string(&members, "at"),
        };
        match self.event(&members) {
            Ok(event) => Ok((header, event)),
            Err(e) => Err((header, e)),
        }
    }

    fn event(self, members: &[(String, Json)]) -> Result<Event, EventError> {
        let type_json = member(members, "type", "type")?.ok_or_else(|| missing("type"))?;
        let Json::Str(type_name) = type_json else {
            return Err(wrong_kind("type", "a string", type_json));
        };
        let Some(&ty) = self.event_index.get(type_name.as_str()) else {
            return Err(EventError::UnknownType {
                name: name_text(type_name),
                suggestion: suggestion(type_name, self.events.iter().map(|e| e.name.as_str())),
            });
        };
        let at_json = member(members, "at", "at")?.ok_or_else(|| missing("at"))?;
        let at = instant(at_json, "at", false)?;
        // INVARIANT: the checker builds `event_index` from `events`, and every record index
        // it stores is in range.
        let def = &self.events[usize::from(ty)];
        let fields = self.record(def.record, members, "", &def.name, HEADER_KEYS, false)?;
        Ok(Event { ty, at, fields })
    }

    /// Reads the fields of record `record` from an object's `members`. `prefix` is the path
    /// of the object (empty at the top), `of` its name in messages, `reserved` the members
    /// that are allowed without being fields.
    fn record(
        self,
        record: u16,
        members: &[(String, Json)],
        prefix: &str,
        of: &str,
        reserved: &[&str],
        sensitive: bool,
    ) -> Result<Vec<Value>, EventError> {
        let fields = &self.records[usize::from(record)].fields;
        let undeclared =
            |key: &str| !reserved.contains(&key) && !fields.iter().any(|f| f.name == key);
        let unknown = |key: &str| EventError::UnknownField {
            field: join(prefix, &name_text(key)),
            of: of.to_string(),
            suggestion: suggestion(key, fields.iter().map(|f| f.name.as_str())),
        };
        let mut values = Vec::with_capacity(fields.len());
        for field in fields {
            let path = join(prefix, &field.name);
            let value = match member(members, &field.name, &path)? {
                Some(json) => self.value(&field.ty, json, &path, sensitive || field.sensitive)?,
                None if field.ty.is_opt() => Value::Unset,
                None => {
                    let misspelt = members
                        .iter()
                        .find(|(key, _)| undeclared(key) && misspells(key, field, fields));
                    return Err(match misspelt {
                        Some((key, _)) => unknown(key),
                        None => missing(&path),
                    });
                }
            };
            values.push(value);
        }
        match members.iter().find(|(key, _)| undeclared(key)) {
            Some((key, _)) => Err(unknown(key)),
            None => Ok(values),
        }
    }

    /// Converts `json` to a value of type `ty`; `path` names it in errors.
    fn value(self, ty: &Ty, json: &Json, path: &str, sensitive: bool) -> Result<Value, EventError> {
        let shown_number = |text: String| (!sensitive).then(|| text.into());
        match (ty, json) {
            (Ty::Opt(_), Json::Null) => Ok(Value::Unset),
            (Ty::Opt(inner), _) => self.value(inner, json, path, sensitive),
            (Ty::Text, Json::Str(s)) => Ok(Value::Text(s.clone())),
            (Ty::Format(f), Json::Str(s)) => self.format(*f, s, path, sensitive).map(Value::Text),
            (Ty::Enum(e), Json::Str(s)) => self.enum_value(*e, s, path, sensitive),
            (Ty::Count, Json::Int(n)) if *n >= 0 => Ok(Value::Count(*n)),
            (Ty::Count, Json::Int(n)) => Err(EventError::NegativeCount {
                field: path.to_string(),
                got: shown_number(n.to_string()),
            }),
            (Ty::Count, Json::BigInt(n)) => Err(EventError::TooLarge {
                field: path.to_string(),
                got: shown_number(n.to_string()),
            }),
            (Ty::Count, Json::Float(x)) => Err(EventError::NotWholeNumber {
                field: path.to_string(),
                got: shown_number(x.to_string()),
            }),
            (Ty::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
            (Ty::Duration, Json::Str(s)) => match parse_duration(s) {
                Ok(d) => Ok(Value::Duration(d)),
                // The reason may quote part of the value.
                Err(reason) => Err(EventError::BadDuration {
                    field: path.to_string(),
                    got: shown(s, sensitive),
                    reason: (!sensitive).then(|| reason.into()),
                }),
            },
            (Ty::Instant, _) => instant(json, path, sensitive).map(Value::Instant),
            (Ty::List(t), Json::Array(items)) => {
                self.items(t, items, path, sensitive).map(Value::List)
            }
            (Ty::Set(t), Json::Array(items)) => {
                self.items(t, items, path, sensitive).map(Value::set_of)
            }
            (Ty::Record(r), Json::Object(members)) => self
                .record(*r, members, path, path, &[], sensitive)
                .map(Value::Record),
            (Ty::Case | Ty::Part | Ty::Unknown, _) => Err(EventError::NotAnInput {
                field: path.to_string(),
            }),
            (Ty::Text | Ty::Format(_) | Ty::Enum(_) | Ty::Duration, _) => {
                Err(wrong_kind(path, "a string", json))
            }
            (Ty::Count, _) => Err(wrong_kind(path, "a whole number", json)),
            (Ty::Bool, _) => Err(wrong_kind(path, "true or false", json)),
            (Ty::List(_) | Ty::Set(_), _) => Err(wrong_kind(path, "an array", json)),
            (Ty::Record(_), _) => Err(wrong_kind(path, "an object", json)),
        }
    }

    fn items(
        self,
        ty: &Ty,
        items: &[Json],
        path: &str,
        sensitive: bool,
    ) -> Result<Vec<Value>, EventError> {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.value(ty, item, &format!("{path}[{i}]"), sensitive))
            .collect()
    }

    /// Applies format `f`'s transforms to `raw` and checks the result against its pattern.
    fn format(self, f: u16, raw: &str, path: &str, sensitive: bool) -> Result<String, EventError> {
        let def = &self.formats[usize::from(f)];
        let mut text = if def.trim { raw.trim() } else { raw }.to_string();
        if def.uppercase {
            text = text.to_uppercase();
        } else if def.lowercase {
            text = text.to_lowercase();
        }
        if def.pattern.is_match(&text) {
            return Ok(text);
        }
        Err(EventError::BadFormat {
            field: path.to_string(),
            expected: if def.description.is_empty() {
                format!("the format `{}`", def.name).into()
            } else {
                def.description.as_str().into()
            },
            got: shown(raw, sensitive),
        })
    }

    fn enum_value(self, e: u16, s: &str, path: &str, sensitive: bool) -> Result<Value, EventError> {
        let def = &self.enums[usize::from(e)];
        // Zipping with `0u16..` keeps the index in range without a cast.
        if let Some((_, i)) = def.values.iter().zip(0u16..).find(|(v, _)| *v == s) {
            return Ok(Value::Enum(e, i));
        }
        let expected = match def.values.as_slice() {
            [only] => format!("`{only}`"),
            values if !values.is_empty() && values.len() <= LISTED_VALUES => {
                let listed: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
                format!("one of {}", listed.join(", "))
            }
            _ => format!("a value of `{}`", def.name),
        };
        Err(EventError::BadEnum {
            field: path.to_string(),
            expected: expected.into(),
            got: shown(s, sensitive),
            // A suggestion would tell how close the secret value was.
            suggestion: if sensitive {
                None
            } else {
                suggestion(s, def.values.iter().map(String::as_str))
            },
        })
    }
}

/// Reads an RFC 3339 time with an offset.
fn instant(json: &Json, path: &str, sensitive: bool) -> Result<Timestamp, EventError> {
    let Json::Str(s) = json else {
        return Err(wrong_kind(path, "a string", json));
    };
    let bad = |reason: Option<Box<str>>| EventError::BadTime {
        field: path.to_string(),
        got: shown(s, sensitive),
        reason: reason.filter(|_| !sensitive),
    };
    match rfc3339_shape(s) {
        Shape::Bad => Err(bad(None)),
        Shape::NoOffset => Err(EventError::MissingOffset {
            field: path.to_string(),
            got: shown(s, sensitive),
        }),
        Shape::Ok => s
            .parse::<Timestamp>()
            .map_err(|e| bad(Some(time_reason(&e.to_string())))),
    }
}

/// The shape of a time string, checked before jiff sees it: jiff also accepts ISO 8601 forms
/// that RFC 3339 does not (`20261128T100000Z`, `2026-11-28T10Z`, `+0800`, `[Asia/Shanghai]`).
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Ok,
    NoOffset,
    Bad,
}

fn rfc3339_shape(s: &str) -> Shape {
    let [y0, y1, y2, y3, b'-', mo0, mo1, b'-', d0, d1, b'T' | b't' | b' ', h0, h1, b':', mi0, mi1, b':', s0, s1, rest @ ..] =
        s.as_bytes()
    else {
        return Shape::Bad;
    };
    let digits = [y0, y1, y2, y3, mo0, mo1, d0, d1, h0, h1, mi0, mi1, s0, s1];
    if !digits.iter().all(|d| d.is_ascii_digit()) {
        return Shape::Bad;
    }
    let rest = match rest {
        [b'.', fraction @ ..] => {
            let n = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
            if n == 0 {
                return Shape::Bad;
            }
            &fraction[n..]
        }
        _ => rest,
    };
    match rest {
        [] => Shape::NoOffset,
        [b'Z' | b'z'] => Shape::Ok,
        [b'+' | b'-', h0, h1, b':', m0, m1]
            if [h0, h1, m0, m1].iter().all(|d| d.is_ascii_digit()) =>
        {
            Shape::Ok
        }
        _ => Shape::Bad,
    }
}

/// The useful part of a jiff error about a well-shaped time, e.g. "parameter 'month' is not in
/// the required range of 1..=12": jiff's chain of contexts may quote the input, which the
/// message already shows.
fn time_reason(message: &str) -> Box<str> {
    message.rsplit(": ").next().unwrap_or(message).into()
}

/// serde_json's message with "at line 1 column 5" shortened to "at column 5": an event is
/// one line.
fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    match full.strip_suffix(&tail) {
        Some(message) if e.line() == 1 => format!("{message} at column {}", e.column()),
        _ => full,
    }
}

/// The one value of member `name`; a name given twice is an error (`path` names it).
fn member<'j>(
    members: &'j [(String, Json)],
    name: &str,
    path: &str,
) -> Result<Option<&'j Json>, EventError> {
    let mut found = members
        .iter()
        .filter(|(key, _)| key == name)
        .map(|(_, json)| json);
    let first = found.next();
    if found.next().is_some() {
        return Err(EventError::DuplicateField {
            field: path.to_string(),
        });
    }
    Ok(first)
}

/// The first member `name`, if it is a string.
fn first_string(members: &[(String, Json)], name: &str) -> Option<String> {
    match members.iter().find(|(key, _)| key == name) {
        Some((_, Json::Str(s))) => Some(s.clone()),
        _ => None,
    }
}

/// Whether `key` is a misspelling of `field`: the declared field closest to it.
fn misspells(key: &str, field: &RecordFieldDef, fields: &[RecordFieldDef]) -> bool {
    suggestion(key, fields.iter().map(|f| f.name.as_str())).as_deref() == Some(field.name.as_str())
}

fn suggestion<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<Box<str>> {
    if name.chars().nth(SUGGEST_MAX_CHARS).is_some() {
        return None;
    }
    did_you_mean(name, candidates).map(Box::from)
}

fn missing(path: &str) -> EventError {
    EventError::MissingField {
        field: path.to_string(),
    }
}

fn wrong_kind(path: &str, expected: &'static str, json: &Json) -> EventError {
    EventError::WrongKind {
        field: path.to_string(),
        expected,
        found: json.kind(),
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// A value for an error message: `None` (not shown) when sensitive, else a JSON string of at
/// most [`SHOWN_CHARS`] characters, `…` marking a cut.
fn shown(s: &str, sensitive: bool) -> Option<Box<str>> {
    if sensitive {
        return None;
    }
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        if i == SHOWN_CHARS {
            out.push('…');
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Some(out.into())
}

/// A name from the input for an error message: at most [`SHOWN_CHARS`] characters, control
/// characters escaped.
fn name_text(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == SHOWN_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn got_text(value: &Option<Box<str>>) -> String {
    match value {
        Some(v) => format!(", got {v}"),
        None => " (the value is not shown: the field is sensitive)".to_string(),
    }
}

fn suggest(suggestion: &Option<Box<str>>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    }
}

fn because(reason: &Option<Box<str>>) -> String {
    match reason {
        Some(r) => format!(": {r}"),
        None => String::new(),
    }
}

fn kind_hint(expected: &str, found: &str) -> &'static str {
    if expected == "a string" && found == "a number" {
        // Numbers lose leading zeros (`004213`), and phone numbers are not quantities.
        "; write it as a string, in quotes"
    } else {
        ""
    }
}

/// A JSON value with its object members in the order written, duplicates kept.
#[derive(Debug)]
enum Json {
    Null,
    Bool(bool),
    /// An integer that fits in an `i64`.
    Int(i64),
    /// A non-negative integer beyond `i64::MAX`.
    BigInt(u64),
    /// Any other number (serde_json also reads integers beyond `u64` as floats).
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The kind of value, as messages name it.
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Int(_) | Json::BigInt(_) | Json::Float(_) => "a number",
            Json::Str(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        // serde_json's recursion limit (128) bounds the nesting, so this cannot overflow
        // the stack.
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Int(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(i64::try_from(n).map_or(Json::BigInt(n), Json::Int))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Json, E> {
        Ok(Json::Float(x))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::Str(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::Str(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry::<String, Json>()? {
            members.push(member);
        }
        Ok(Json::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::Pattern;
    use jiff::SignedDuration;

    /// The declarations of a small policy, owned, so that tests need no checker.
    struct Policy {
        events: Vec<EventDef>,
        event_index: HashMap<String, u16>,
        records: Vec<RecordDef>,
        formats: Vec<FormatDef>,
        enums: Vec<EnumDef>,
    }

    const PHONE: u16 = 0;
    const CODE: u16 = 1;
    const CERT: u16 = 2;
    const FILING: u16 = 3;
    const ROLE: u16 = 0;
    const REGION: u16 = 1;

    fn format(name: &str, regex: &str, description: &str) -> FormatDef {
        FormatDef {
            name: name.to_string(),
            pattern: Pattern {
                source: regex.to_string(),
                regex: regex_lite::Regex::new(regex).unwrap(),
            },
            uppercase: false,
            lowercase: false,
            trim: false,
            description: description.to_string(),
        }
    }

    fn field(name: &str, ty: Ty) -> RecordFieldDef {
        RecordFieldDef {
            name: name.to_string(),
            ty,
            sensitive: false,
        }
    }

    fn secret(name: &str, ty: Ty) -> RecordFieldDef {
        RecordFieldDef {
            sensitive: true,
            ..field(name, ty)
        }
    }

    fn policy() -> Policy {
        let cert = FormatDef {
            uppercase: true,
            ..format(
                "cert_last6",
                "^[0-9]{5}[0-9X]$",
                "five digits and a last digit or `X`",
            )
        };
        let phone = FormatDef {
            trim: true,
            ..format(
                "phone",
                "^1[0-9]{10}$",
                "a mainland mobile number: 11 digits, the first 1",
            )
        };
        let formats = vec![
            phone,
            format("code", "^[0-9]{6}$", "six digits"),
            cert,
            format("filing", "^[A-Za-z0-9_-]{1,64}$", ""),
        ];
        let enums = vec![
            EnumDef {
                name: "role".to_string(),
                values: vec!["owner".into(), "contact".into(), "web_admin".into()],
            },
            EnumDef {
                name: "region".to_string(),
                values: (0..10).map(|i| format!("r{i}")).collect(),
            },
        ];
        let person = vec![
            field("role", Ty::Enum(ROLE)),
            field("phone", Ty::Format(PHONE)),
            secret("cert_last6", Ty::Format(CERT)),
        ];
        let records = vec![
            // 0: a person
            RecordDef { fields: person },
            // 1: order_submitted
            RecordDef {
                fields: vec![
                    field("filing", Ty::Format(FILING)),
                    field("personnel", Ty::List(Box::new(Ty::Record(0)))),
                ],
            },
            // 2: sms_sent
            RecordDef {
                fields: vec![
                    field("filing", Ty::Format(FILING)),
                    field("phone", Ty::Format(PHONE)),
                    secret("code", Ty::Format(CODE)),
                    field("sender", Ty::Text.opt()),
                ],
            },
            // 3: validation_attempt
            RecordDef {
                fields: vec![
                    field("phone", Ty::Format(PHONE)),
                    secret("code", Ty::Format(CODE)),
                    secret("cert_last6", Ty::Format(CERT)),
                ],
            },
            // 4: tick
            RecordDef { fields: vec![] },
            // 5: misc, one field of every other kind
            RecordDef {
                fields: vec![
                    field("n", Ty::Count.opt()),
                    field("flag", Ty::Bool.opt()),
                    field("grace", Ty::Duration.opt()),
                    field("when", Ty::Instant.opt()),
                    field("tags", Ty::Set(Box::new(Ty::Text)).opt()),
                    field("region", Ty::Enum(REGION).opt()),
                    secret("secret_n", Ty::Count.opt()),
                    secret("secret_grace", Ty::Duration.opt()),
                    secret("secret_when", Ty::Instant.opt()),
                    secret("secret_role", Ty::Enum(ROLE).opt()),
                    secret("secret_people", Ty::List(Box::new(Ty::Record(0))).opt()),
                ],
            },
        ];
        let names = [
            "order_submitted",
            "sms_sent",
            "validation_attempt",
            "tick",
            "misc",
        ];
        let events: Vec<EventDef> = names
            .iter()
            .zip(1u16..)
            .map(|(name, record)| EventDef {
                name: name.to_string(),
                record,
            })
            .collect();
        let event_index = events
            .iter()
            .zip(0u16..)
            .map(|(e, i)| (e.name.clone(), i))
            .collect();
        Policy {
            events,
            event_index,
            records,
            formats,
            enums,
        }
    }

    impl Policy {
        fn schema(&self) -> Schema<'_> {
            Schema {
                events: &self.events,
                event_index: &self.event_index,
                records: &self.records,
                formats: &self.formats,
                enums: &self.enums,
            }
        }

        fn ok(&self, line: &str) -> Event {
            match self.schema().parse(line) {
                Ok((_, event)) => event,
                Err((_, e)) => panic!("{line}: {e}"),
            }
        }

        fn err(&self, line: &str) -> EventError {
            match self.schema().parse(line) {
                Ok((_, event)) => panic!("{line}: accepted as {event:?}"),
                Err((_, e)) => e,
            }
        }

        fn message(&self, line: &str) -> String {
            self.err(line).to_string()
        }
    }

    const AT: &str = r#""at": "2026-11-28T10:00:00+08:00""#;

    fn at() -> Timestamp {
        "2026-11-28T02:00:00Z".parse().unwrap()
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    #[test]
    fn reads_a_valid_event_with_nested_records_and_transforms() {
        let p = policy();
        let line = format!(
            r#"{{"type": "order_submitted", {AT}, "filing": "F-1", "personnel": [
                {{"role": "owner", "phone": " 13800138000 ", "cert_last6": "12345x"}},
                {{"role": "web_admin", "phone": "13900139000", "cert_last6": "654321"}}]}}"#
        );
        let (header, event) = p.schema().parse(&line).unwrap();
        assert_eq!(
            header,
            Header {
                type_name: Some("order_submitted".into()),
                at: Some("2026-11-28T10:00:00+08:00".into()),
            }
        );
        assert_eq!(event.ty, 0);
        assert_eq!(event.at, at());
        assert_eq!(
            event.fields,
            vec![
                text("F-1"),
                Value::List(vec![
                    // `x` read as `X` (uppercase), the phone trimmed.
                    Value::Record(vec![
                        Value::Enum(ROLE, 0),
                        text("13800138000"),
                        text("12345X")
                    ]),
                    Value::Record(vec![
                        Value::Enum(ROLE, 2),
                        text("13900139000"),
                        text("654321")
                    ]),
                ]),
            ]
        );
    }

    #[test]
    fn optional_fields_may_be_absent_or_null() {
        let p = policy();
        let base = format!(
            r#""type": "sms_sent", {AT}, "filing": "F", "phone": "13800138000", "code": "004213""#
        );
        let absent = p.ok(&format!("{{{base}}}"));
        assert_eq!(absent.fields[2], text("004213"));
        assert_eq!(absent.fields[3], Value::Unset);
        let null = p.ok(&format!(r#"{{{base}, "sender": null}}"#));
        assert_eq!(null.fields[3], Value::Unset);
        let given = p.ok(&format!(r#"{{{base}, "sender": "miit"}}"#));
        assert_eq!(given.fields[3], text("miit"));
    }

    #[test]
    fn reads_every_kind_of_value() {
        let p = policy();
        let e = p.ok(&format!(
            r#"{{"type": "misc", {AT}, "n": 3, "flag": true, "grace": "1h30m",
                "when": "2026-11-28T02:00:00Z", "tags": ["b", "a", "b"], "region": "r9"}}"#
        ));
        assert_eq!(
            e.fields[..6],
            [
                Value::Count(3),
                Value::Bool(true),
                Value::Duration(SignedDuration::from_secs(5400)),
                Value::Instant(at()),
                Value::Set(vec![text("a"), text("b")]),
                Value::Enum(REGION, 9),
            ]
        );
        assert_eq!(
            e.fields[6..],
            [
                Value::Unset,
                Value::Unset,
                Value::Unset,
                Value::Unset,
                Value::Unset
            ]
        );
        let tick = p.ok(r#"{"type": "tick", "at": "2026-11-28T02:00:00.5z"}"#);
        assert_eq!(tick.fields, vec![]);
    }

    #[test]
    fn json_errors() {
        let p = policy();
        assert_eq!(
            p.message(r#"{"type": "tick","#),
            "not valid JSON: EOF while parsing a value at column 16"
        );
        assert_eq!(
            p.message(r#"{"type": "tick"} x"#),
            "not valid JSON: trailing characters at column 18"
        );
        assert_eq!(
            p.message("[1, 2]"),
            "an event must be a JSON object, not an array"
        );
        assert_eq!(
            p.message("null"),
            "an event must be a JSON object, not null"
        );
        assert_eq!(p.err("[1]").field(), None);
        let (header, _) = p.schema().parse("{").unwrap_err();
        assert_eq!(header, Header::default());
    }

    #[test]
    fn type_errors() {
        let p = policy();
        assert_eq!(p.message(&format!("{{{AT}}}")), "field `type` is missing");
        assert_eq!(
            p.message(&format!(r#"{{"type": 3, {AT}}}"#)),
            "field `type` must be a string, not a number; write it as a string, in quotes"
        );
        let e = p.err(&format!(r#"{{"type": "sms_snet", {AT}}}"#));
        assert_eq!(
            e.to_string(),
            "unknown event type `sms_snet`; did you mean `sms_sent`?"
        );
        assert_eq!(e.field(), Some("type"));
        assert_eq!(
            p.message(&format!(r#"{{"type": "zzz", {AT}}}"#)),
            "unknown event type `zzz`"
        );
        assert_eq!(
            p.message(&format!(r#"{{"type": "tick", "type": "tick", {AT}}}"#)),
            "field `type` is given more than once"
        );
    }

    #[test]
    fn at_errors() {
        let p = policy();
        assert_eq!(p.message(r#"{"type": "tick"}"#), "field `at` is missing");
        let e = p.err(r#"{"type": "tick", "at": "2026-11-28T10:00:00"}"#);
        assert_eq!(
            e.to_string(),
            "field `at`: expected a time with an offset, got \"2026-11-28T10:00:00\"; add an offset, e.g. `+08:00`"
        );
        assert_eq!(e.field(), Some("at"));
        assert_eq!(
            p.message(r#"{"type": "tick", "at": "yesterday"}"#),
            "field `at`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`, got \"yesterday\""
        );
        assert_eq!(
            p.message(r#"{"type": "tick", "at": "2026-13-01T00:00:00Z"}"#),
            "field `at`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`, \
             got \"2026-13-01T00:00:00Z\": parameter 'month' is not in the required range of 1..=12"
        );
        // ISO 8601 forms that jiff accepts but RFC 3339 does not.
        for at in [
            "20261128T100000Z",
            "2026-11-28T10Z",
            "2026-11-28T10:00:00+0800",
            "2026-11-28T10:00:00+08:00[Asia/Shanghai]",
        ] {
            let e = p.err(&format!(r#"{{"type": "tick", "at": "{at}"}}"#));
            assert!(matches!(e, EventError::BadTime { .. }), "{at}: {e}");
        }
        assert_eq!(
            p.message(r#"{"type": "tick", "at": 1700000000}"#),
            "field `at` must be a string, not a number; write it as a string, in quotes"
        );
    }

    #[test]
    fn the_header_carries_type_and_at_of_a_bad_line() {
        let p = policy();
        let (header, e) = p
            .schema()
            .parse(r#"{"type": "validation_attempt", "at": "2026-11-28 10:00:00", "phone": 1}"#)
            .unwrap_err();
        assert!(matches!(e, EventError::MissingOffset { .. }));
        assert_eq!(header.type_name.as_deref(), Some("validation_attempt"));
        assert_eq!(header.at.as_deref(), Some("2026-11-28 10:00:00"));
        let (header, _) = p
            .schema()
            .parse(r#"{"at": "soon", "type": "nope"}"#)
            .unwrap_err();
        assert_eq!(header.type_name.as_deref(), Some("nope"));
        assert_eq!(header.at.as_deref(), Some("soon"));
        let (header, _) = p
            .schema()
            .parse(r#"{"type": ["tick"], "at": 5}"#)
            .unwrap_err();
        assert_eq!(header, Header::default());
    }

    #[test]
    fn field_errors() {
        let p = policy();
        let va = |rest: &str| format!(r#"{{"type": "validation_attempt", {AT}, {rest}}}"#);
        let e = p.err(&va(r#""phone": "13800138000", "cert_last6": "12345X""#));
        assert_eq!(e.to_string(), "field `code` is missing");
        assert_eq!(e.field(), Some("code"));
        // A misspelt field is named rather than the field it misses.
        let e = p.err(&va(
            r#""phone": "13800138000", "cod": "123456", "cert_last6": "12345X""#,
        ));
        assert_eq!(
            e.to_string(),
            "field `cod` is not a field of `validation_attempt`; did you mean `code`?"
        );
        assert_eq!(e.field(), Some("cod"));
        assert_eq!(
            p.message(&va(
                r#""phone": "13800138000", "code": "123456", "cert_last6": "12345X", "zz": 1"#
            )),
            "field `zz` is not a field of `validation_attempt`"
        );
        assert_eq!(
            p.message(&va(
                r#""phone": 13800138000, "code": "123456", "cert_last6": "12345X""#
            )),
            "field `phone` must be a string, not a number; write it as a string, in quotes"
        );
        assert_eq!(
            p.message(&va(r#""phone": "12345", "code": "123456", "cert_last6": "12345X""#)),
            "field `phone`: expected a mainland mobile number: 11 digits, the first 1, got \"12345\""
        );
        assert_eq!(
            p.message(&va(
                r#""phone": "13800138000", "code": "12345", "cert_last6": "12345X""#
            )),
            "field `code`: expected six digits (the value is not shown: the field is sensitive)"
        );
        assert_eq!(
            p.message(&va(r#""phone": "13800138000", "code": "123456", "code": "123456", "cert_last6": "12345X""#)),
            "field `code` is given more than once"
        );
        assert_eq!(
            p.message(&format!(
                r#"{{"type": "order_submitted", {AT}, "filing": "F 1", "personnel": []}}"#
            )),
            "field `filing`: expected the format `filing`, got \"F 1\""
        );
        assert_eq!(
            p.message(&format!(r#"{{"type": "tick", {AT}, "b": 1, "a": 2}}"#)),
            "field `b` is not a field of `tick`",
            "unknown fields are reported in the order written"
        );
    }

    #[test]
    fn nested_errors_name_the_position() {
        let p = policy();
        let order = |people: &str| {
            format!(
                r#"{{"type": "order_submitted", {AT}, "filing": "F", "personnel": [{people}]}}"#
            )
        };
        let good = r#"{"role": "owner", "phone": "13800138000", "cert_last6": "12345X"}"#;
        let e = p.err(&order(&format!(
            r#"{good}, {{"role": "owner", "phone": "2", "cert_last6": "12345X"}}"#
        )));
        assert_eq!(
            e.to_string(),
            "field `personnel[1].phone`: expected a mainland mobile number: 11 digits, the first 1, got \"2\""
        );
        assert_eq!(e.field(), Some("personnel[1].phone"));
        assert_eq!(
            p.message(&order(
                r#"{"rol": "owner", "phone": "13800138000", "cert_last6": "12345X"}"#
            )),
            "field `personnel[0].rol` is not a field of `personnel[0]`; did you mean `role`?"
        );
        assert_eq!(
            p.message(&order(r#"{"role": "ownr", "phone": "13800138000", "cert_last6": "12345X"}"#)),
            "field `personnel[0].role`: expected one of `owner`, `contact`, `web_admin`, got \"ownr\"; did you mean `owner`?"
        );
        assert_eq!(
            p.message(&order(r#""owner""#)),
            "field `personnel[0]` must be an object, not a string"
        );
        assert_eq!(
            p.message(&format!(
                r#"{{"type": "order_submitted", {AT}, "filing": "F", "personnel": {good}}}"#
            )),
            "field `personnel` must be an array, not an object"
        );
    }

    #[test]
    fn value_errors() {
        let p = policy();
        let misc = |rest: &str| p.message(&format!(r#"{{"type": "misc", {AT}, {rest}}}"#));
        assert_eq!(misc(r#""n": -3"#), "field `n` must not be negative, got -3");
        assert_eq!(
            misc(r#""n": 1.5"#),
            "field `n` must be a whole number, got 1.5"
        );
        assert_eq!(
            misc(r#""n": 10000000000000000000"#),
            "field `n` must be at most 9223372036854775807, got 10000000000000000000"
        );
        assert_eq!(
            misc(r#""n": 1e300"#),
            format!("field `n` must be a whole number, got {}", 1e300)
        );
        assert_eq!(
            misc(r#""n": "3""#),
            "field `n` must be a whole number, not a string"
        );
        assert_eq!(
            misc(r#""flag": "yes""#),
            "field `flag` must be true or false, not a string"
        );
        assert_eq!(
            misc(r#""grace": "5x""#),
            "field `grace`: expected a duration such as `24h` or `1h30m`, got \"5x\": unknown unit `x`; use `d`, `h`, `m` or `s`"
        );
        assert_eq!(
            misc(r#""region": "r10""#),
            "field `region`: expected a value of `region`, got \"r10\"; did you mean `r0`?"
        );
        assert_eq!(
            misc(r#""tags": [1]"#),
            "field `tags[0]` must be a string, not a number; write it as a string, in quotes"
        );
        assert_eq!(misc(r#""when": "2026-11-28T10:00""#), "field `when`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`, got \"2026-11-28T10:00\"");
    }

    #[test]
    fn the_first_error_is_reported() {
        let p = policy();
        // `at` before the fields, fields in declaration order, unknown fields last.
        assert_eq!(
            p.err(
                r#"{"zz": 1, "code": "1", "phone": "2", "type": "validation_attempt", "at": "x"}"#
            )
            .field(),
            Some("at")
        );
        assert_eq!(
            p.err(&format!(
                r#"{{"zz": 1, "code": "1", "phone": "2", "type": "validation_attempt", {AT}}}"#
            ))
            .field(),
            Some("phone")
        );
        assert_eq!(
            p.err(&format!(r#"{{"zz": 1, "cert_last6": "12345X", "code": "123456", "phone": "13800138000", "type": "validation_attempt", {AT}}}"#)).field(),
            Some("zz")
        );
    }

    #[test]
    fn sensitive_values_never_appear_in_errors() {
        let p = policy();
        let misc = |rest: &str| format!(r#"{{"type": "misc", {AT}, {rest}}}"#);
        let va = |code: &str, cert: &str| {
            format!(
                r#"{{"type": "validation_attempt", {AT}, "phone": "13800138000", "code": {code}, "cert_last6": {cert}}}"#
            )
        };
        let lines = [
            va(r#""98765""#, r#""12345X""#),
            va(r#""987654x""#, r#""12345X""#),
            va("987654", r#""12345X""#),
            va(r#""123456""#, r#""98765Y""#),
            va(r#""123456""#, r#""9876""#),
            misc(r#""secret_n": -98765"#),
            misc(r#""secret_n": 98765.5"#),
            misc(r#""secret_n": 19876598765987659876"#),
            misc(r#""secret_grace": "98765q""#),
            misc(r#""secret_when": "98765""#),
            misc(r#""secret_when": "2031-01-02T03:04:05""#),
            misc(r#""secret_when": "2031-13-01T00:00:00Z""#),
            misc(r#""secret_role": "ownr98765""#),
            misc(r#""secret_role": "ownr""#),
            misc(
                r#""secret_people": [{"role": "owner98765", "phone": "13800138000", "cert_last6": "12345X"}]"#,
            ),
            misc(
                r#""secret_people": [{"role": "owner", "phone": "98765", "cert_last6": "12345X"}]"#,
            ),
        ];
        for line in &lines {
            let message = p.message(line);
            for leak in ["9876", "8765", "owner\"", "ownr", "2031", "q`", "Y"] {
                assert!(
                    !message.contains(leak),
                    "{line}\n  leaks `{leak}`: {message}"
                );
            }
            assert!(message.contains("field `"), "{message}");
        }
        assert_eq!(
            p.message(&lines[5]),
            "field `secret_n` must not be negative (the value is not shown: the field is sensitive)"
        );
        assert_eq!(
            p.message(&lines[13]),
            "field `secret_role`: expected one of `owner`, `contact`, `web_admin` (the value is not shown: the field is sensitive)"
        );
    }

    #[test]
    fn echoed_values_are_cut_and_escaped() {
        let p = policy();
        let long = "9".repeat(100_000);
        let message = p.message(&format!(r#"{{"type": "tick", "at": "{long}"}}"#));
        assert_eq!(
            message,
            format!("field `at`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`, got \"{}…\"", "9".repeat(40))
        );
        assert_eq!(
            p.message(r#"{"type": "tick", "at": "a\"b\n\u0001"}"#),
            r#"field `at`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`, got "a\"b\n\u0001""#
        );
        let key = "k".repeat(1000);
        assert_eq!(
            p.message(&format!(r#"{{"type": "tick", {AT}, "{key}\n": 1}}"#)),
            format!("field `{}…` is not a field of `tick`", "k".repeat(40))
        );
        assert_eq!(
            p.message(&format!(r#"{{"type": "{}", {AT}}}"#, "t".repeat(100))),
            format!("unknown event type `{}…`", "t".repeat(40))
        );
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        let p = policy();
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(p
            .message(&deep)
            .starts_with("not valid JSON: recursion limit exceeded"));
        let deep_field = format!(
            r#"{{"type": "misc", {AT}, "tags": {}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert!(matches!(p.err(&deep_field), EventError::Json(_)));
        assert!(matches!(
            p.err(&format!(r#"{{"type": "misc", {AT}, "tags": [[[]]]}}"#)),
            EventError::WrongKind { .. }
        ));
        for line in [
            "",
            " ",
            "\u{feff}{}",
            "{\"type\": \"\\ud800\"}",
            "1e999",
            "-",
            "\"\\u0000\"",
        ] {
            let _ = p.schema().parse(line);
        }
    }

    #[test]
    fn rfc3339_shapes() {
        assert_eq!(rfc3339_shape("2026-11-28T10:00:00+08:00"), Shape::Ok);
        assert_eq!(rfc3339_shape("2026-11-28t10:00:00.123z"), Shape::Ok);
        assert_eq!(rfc3339_shape("2026-11-28 10:00:00-00:00"), Shape::Ok);
        assert_eq!(rfc3339_shape("2026-11-28T10:00:00"), Shape::NoOffset);
        assert_eq!(rfc3339_shape("2026-11-28T10:00:00.5"), Shape::NoOffset);
        assert_eq!(rfc3339_shape("2026-11-28T10:00:00."), Shape::Bad);
        assert_eq!(rfc3339_shape("2026-11-28T10:00"), Shape::Bad);
        assert_eq!(rfc3339_shape("2026-11-28T10:00:00+08"), Shape::Bad);
        assert_eq!(rfc3339_shape("２026-11-28T10:00:00Z"), Shape::Bad);
    }
}
