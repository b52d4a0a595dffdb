//! Input events: one JSON object per line, checked against the event types the policy declares.
//!
//! A line of the shape nearly every line has (`type` first, no escapes, each field once and
//! valid) is read straight into its event's fields (`direct.rs`). Any other line — and any
//! line with a problem — is read into a small JSON tree of our own ([`Json`]) rather than
//! `serde_json::Value`, so that members keep the order they were written in (whatever features
//! other crates turn on in serde_json) and a key given twice is an error instead of being
//! silently overwritten: bad input fails closed. The tree's path decides every error.

use crate::diag::did_you_mean;
use crate::duration::parse_duration;
use crate::program::{
    EnumDef, EnumId, EventDef, EventId, FormatDef, FormatId, MemberId, Program, RecordDef,
    RecordFieldDef, RecordId,
};
use crate::seal::{is_sealed, Sealing};
use crate::value::{Text, Ty, Value};
use jiff::Timestamp;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

mod builder;
mod direct;
mod error;
mod json;
mod line;
mod rfc3339;
mod shape;

pub use builder::EventBuilder;
pub(crate) use builder::{give_at, recycle};
pub use error::EventError;
use json::Json;
pub(crate) use line::to_line;
pub(crate) use shape::{EventShape, Shapes};

/// How many characters of a value or a name an error message echoes.
const SHOWN_CHARS: usize = 40;
/// Names longer than this get no "did you mean": no declared name is that long, and the edit
/// distance costs the product of the two lengths.
const SUGGEST_MAX_CHARS: usize = 64;
/// Enumerations with at most this many values have them listed in an error.
const LISTED_VALUES: usize = 8;
/// The members every event has besides its declared fields.
const HEADER_KEYS: &[&str] = &["type", "at"];

/// One validated input event, made by [`crate::Engine::parse_event`] or
/// [`crate::Engine::event`]. It belongs to the policy that checked it: another engine
/// refuses it.
///
/// Its `Debug` output shows `<sensitive>` in place of every field that is (or holds a
/// record field) declared `sensitive`.
#[derive(Clone, PartialEq, Eq)]
pub struct Event {
    /// The event type: an index into the policy's declared events.
    pub(crate) ty: EventId,
    /// When it happened (`at`).
    pub(crate) at: Timestamp,
    /// The UTC offset `at` was written with, to speak of times as the sender wrote them.
    pub(crate) offset: jiff::tz::Offset,
    /// The values of the event's record fields, in declaration order; an absent or `null`
    /// optional field is unset.
    pub(crate) fields: Vec<Value>,
    /// The policy and type it was checked against, shared by every event of the type.
    pub(crate) shape: Arc<EventShape>,
}

impl Event {
    /// The event type's name, e.g. `sms_sent`.
    pub fn type_name(&self) -> &str {
        &self.shape.name
    }

    /// When the event happened (its `at`).
    pub fn at(&self) -> Timestamp {
        self.at
    }
}

/// What could be read of a line even when it is bad, for echoing in the error record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// `type`, whenever it is a string (declared or not).
    pub type_name: Option<Text>,
    /// `at` exactly as given, whenever it is a string (valid or not).
    pub at: Option<String>,
}

/// Reads one input line as an event of `program`.
///
/// The first problem found is returned, in this order: the JSON itself, `type`, `at`, the
/// declared fields in declaration order (depth first), then undeclared members in the order
/// they were written. A missing field whose name an undeclared member misspells is reported
/// as that member ("did you mean"), which is the likelier mistake. Either way the [`Header`]
/// carries whatever `type` and `at` strings the line has.
pub(crate) fn parse_event(
    program: &Program,
    shapes: &Shapes,
    line: &str,
    sealing: Sealing,
) -> Result<(Header, Event), (Header, EventError)> {
    Schema::of(program, shapes).sealing(sealing).parse(line)
}

/// A builder of an event of type `type_name` of `program` from Rust values: its members
/// are checked at [`EventBuilder::build`] exactly as a line's are.
pub(crate) fn builder<'p>(
    program: &'p Program,
    shapes: &'p Shapes,
    type_name: &'p str,
) -> EventBuilder<'p> {
    EventBuilder::new(program, shapes, type_name)
}

/// Where a record is read: its path (empty at the top), its name in messages, the members
/// allowed without being fields, and whether it lies in a sensitive value.
#[derive(Clone, Copy)]
struct Within<'a> {
    prefix: Path<'a>,
    /// What the record is called in messages: the event type's name at the top, else its
    /// path (`None`).
    of: Option<&'a str>,
    reserved: &'a [&'a str],
    sensitive: bool,
}

/// Where a value lies in an event (`personnel[0].phone`), for errors: written out only when
/// an error names it.
#[derive(Clone, Copy)]
enum Path<'a> {
    Top,
    Field(&'a Path<'a>, &'a str),
    Item(&'a Path<'a>, usize),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Top => Ok(()),
            Path::Field(Path::Top, name) => f.write_str(name),
            Path::Field(record, name) => write!(f, "{record}.{name}"),
            Path::Item(list, i) => write!(f, "{list}[{i}]"),
        }
    }
}

/// The parts of a program that events are read against.
#[derive(Clone, Copy)]
struct Schema<'p> {
    events: &'p [EventDef],
    event_index: &'p HashMap<String, EventId>,
    records: &'p [RecordDef],
    formats: &'p [FormatDef],
    enums: &'p [EnumDef],
    /// By event index, as `events`.
    shapes: &'p [Arc<EventShape>],
    /// How sensitive text is taken.
    sealing: Sealing<'p>,
}

impl<'p> Schema<'p> {
    fn of(program: &'p Program, shapes: &'p Shapes) -> Schema<'p> {
        Schema {
            events: &program.events,
            event_index: &program.event_index,
            records: &program.records,
            formats: &program.formats,
            enums: &program.enums,
            shapes: &shapes.0,
            sealing: Sealing::Clear,
        }
    }

    fn sealing(self, sealing: Sealing<'p>) -> Schema<'p> {
        Schema { sealing, ..self }
    }

    /// A checked textual value: sealed when it is sensitive and a key is given.
    fn textual(self, text: &str, sensitive: bool) -> Value {
        match self.sealing {
            Sealing::Seal(key) if sensitive => Value::text(key.seal(text)),
            _ => Value::text(text),
        }
    }

    /// A sensitive textual value read back from a journal: sealed already.
    fn sealed(self, text: &str, path: Path) -> Result<Value, EventError> {
        if is_sealed(text) {
            Ok(Value::text(text))
        } else {
            Err(EventError::BadFormat {
                field: path.to_string(),
                expected: "a sealed value (a journal holds sensitive values sealed)".into(),
                got: None,
            })
        }
    }

    fn parse(self, line: &str) -> Result<(Header, Event), (Header, EventError)> {
        let mut fields = builder::take_spare();
        if let Some(read) = self.direct(line, &mut fields) {
            return Ok(read);
        }
        self.general(line, fields)
    }

    /// [`Schema::parse`] without the direct path: the line read into a tree, then checked
    /// (`fields` is the storage the event's values are written into).
    fn general(
        self,
        line: &str,
        fields: Vec<Value>,
    ) -> Result<(Header, Event), (Header, EventError)> {
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
            type_name: first_string(&members, "type").map(Text::from),
            at: first_string(&members, "at").map(String::from),
        };
        match self.event(&members, fields) {
            Ok(event) => Ok((header, event)),
            Err(e) => Err((header, e)),
        }
    }

    /// Checks an event's members, read from a line or given to a builder: both take this
    /// one path, so they accept and refuse the same events with the same errors.
    fn event(
        self,
        members: &[(Cow<str>, Json)],
        mut fields: Vec<Value>,
    ) -> Result<Event, EventError> {
        let type_json = member(members, "type", "type")?.ok_or_else(|| missing("type"))?;
        let Json::Str(type_name) = type_json else {
            return Err(wrong_kind("type", "a string", type_json));
        };
        let Some(ty) = self.event_id(type_name) else {
            return Err(EventError::UnknownType {
                name: name_text(type_name),
                suggestion: suggestion(type_name, self.events.iter().map(|e| e.name.as_str())),
            });
        };
        let at_json = member(members, "at", "at")?.ok_or_else(|| missing("at"))?;
        let at = instant(at_json, "at", false)?;
        let offset = match at_json {
            Json::Str(s) => written_offset(s),
            _ => jiff::tz::Offset::UTC,
        };
        // INVARIANT: the checker builds `event_index` from `events`, and every record index
        // it stores is in range; the shapes are built from `events`.
        let def = &self.events[ty.index()];
        fields.clear();
        let top = Within {
            prefix: Path::Top,
            of: Some(&def.name),
            reserved: HEADER_KEYS,
            sensitive: false,
        };
        self.record_into(def.record, members, top, &mut fields)?;
        Ok(Event {
            ty,
            at,
            offset,
            fields,
            shape: builder::shape_of(&self.shapes[ty.index()]),
        })
    }

    /// The event type named `name`: found by comparing names when there are few (cheaper
    /// than hashing the name), else through the index.
    fn event_id(self, name: &str) -> Option<EventId> {
        if self.events.len() <= 8 {
            return self
                .events
                .iter()
                .position(|e| e.name == name)
                .map(EventId::at);
        }
        self.event_index.get(name).copied()
    }

    /// The declared fields of event type `ty`.
    fn event_fields(self, ty: EventId) -> &'p [RecordFieldDef] {
        let record = self.events[ty.index()].record;
        &self.records[record.index()].fields
    }

    /// The value of a field of type `ty` given as `json`, when it needs no check beyond its
    /// kind (a count not below zero, a bool, an instant given as one, a member of an
    /// enumeration, text that is taken as given, an optional field's `null`): what
    /// [`Schema::value`] would make of it. `None` for anything else, which `value` then
    /// checks in full.
    fn direct_value(self, ty: &Ty, json: &Json) -> Option<Value> {
        Some(match (ty, json) {
            (Ty::Opt(_), Json::Null) => Value::Unset,
            (Ty::Opt(inner), _) => return self.direct_value(inner, json),
            (Ty::Count, Json::Int(n)) if *n >= 0 => Value::Count(*n),
            (Ty::Bool, Json::Bool(b)) => Value::Bool(*b),
            (Ty::Instant, Json::Instant(t)) => Value::Instant(*t),
            (Ty::Enum(e), Json::Str(s)) => {
                let def = &self.enums[e.index()];
                let (_, i) = def.values.iter().zip(0u16..).find(|(v, _)| *v == s)?;
                Value::Enum(*e, MemberId::from_raw(i))
            }
            (Ty::Text, Json::Str(s)) if matches!(self.sealing, Sealing::Clear) => Value::text(&**s),
            _ => return None,
        })
    }

    /// A value [`Schema::direct_value`] made, as the JSON it was made from.
    fn as_json(self, v: &Value) -> Json<'p> {
        match v {
            Value::Count(n) => Json::Int(*n),
            Value::Bool(b) => Json::Bool(*b),
            Value::Instant(t) => Json::Instant(*t),
            Value::Enum(e, m) => match self
                .enums
                .get(e.index())
                .and_then(|d| d.values.get(m.index()))
            {
                Some(name) => Json::Str(Cow::Borrowed(name.as_str())),
                None => Json::Null,
            },
            Value::Text(s) => Json::Str(Cow::Owned(s.to_string())),
            _ => Json::Null,
        }
    }

    /// Reads the fields of record `record` from an object's `members` (read `within` it),
    /// appending their values to `values`.
    fn record_into(
        self,
        record: RecordId,
        members: &[(Cow<str>, Json)],
        within: Within,
        values: &mut Vec<Value>,
    ) -> Result<(), EventError> {
        let Within {
            prefix,
            reserved,
            sensitive,
            ..
        } = within;
        let fields = &self.records[record.index()].fields;
        if let Some(given) = matched(members, fields, reserved) {
            // every member is a declared field given once (or a reserved one), and every
            // required field is given: only a value can be wrong, as the full path below
            // would find it, field by field
            values.reserve(fields.len());
            for (field, m) in fields.iter().zip(given) {
                let value = match members.get(usize::from(m)) {
                    Some((_, json)) => {
                        let path = Path::Field(&prefix, &field.name);
                        self.value(&field.ty, json, path, sensitive || field.sensitive)?
                    }
                    None => Value::Unset,
                };
                values.push(value);
            }
            return Ok(());
        }
        self.record_checked(record, members, within, values)
    }

    /// [`Schema::record_into`] without the fast path: every check in its order, for the
    /// first problem's error.
    fn record_checked(
        self,
        record: RecordId,
        members: &[(Cow<str>, Json)],
        within: Within,
        values: &mut Vec<Value>,
    ) -> Result<(), EventError> {
        let Within {
            prefix,
            of,
            reserved,
            sensitive,
        } = within;
        let fields = &self.records[record.index()].fields;
        let undeclared =
            |key: &str| !reserved.contains(&key) && !fields.iter().any(|f| f.name == key);
        let unknown = |key: &str| EventError::UnknownField {
            field: Path::Field(&prefix, &name_text(key)).to_string(),
            of: of.map_or_else(|| prefix.to_string(), str::to_string),
            suggestion: suggestion(key, fields.iter().map(|f| f.name.as_str())),
        };
        values.reserve(fields.len());
        for field in fields {
            let path = Path::Field(&prefix, &field.name);
            let value = match member(members, &field.name, path)? {
                Some(json) => self.value(&field.ty, json, path, sensitive || field.sensitive)?,
                None if field.ty.is_opt() => Value::Unset,
                None => {
                    let misspelt = members
                        .iter()
                        .find(|(key, _)| undeclared(key) && misspells(key, field, fields));
                    return Err(match misspelt {
                        Some((key, _)) => unknown(key),
                        None => missing(path),
                    });
                }
            };
            values.push(value);
        }
        match members.iter().find(|(key, _)| undeclared(key)) {
            Some((key, _)) => Err(unknown(key)),
            None => Ok(()),
        }
    }

    /// Converts `json` to a value of type `ty`; `path` names it in errors.
    fn value(self, ty: &Ty, json: &Json, path: Path, sensitive: bool) -> Result<Value, EventError> {
        let shown_number = |text: String| (!sensitive).then(|| text.into());
        match (ty, json) {
            (Ty::Opt(_), Json::Null) => Ok(Value::Unset),
            (Ty::Opt(inner), _) => self.value(inner, json, path, sensitive),
            (Ty::Text | Ty::Format(_), Json::Str(s))
                if sensitive && matches!(self.sealing, Sealing::Sealed) =>
            {
                self.sealed(s, path)
            }
            (Ty::Text, Json::Str(s)) => Ok(self.textual(s, sensitive)),
            (Ty::Format(f), Json::Str(s)) => self
                .format(*f, s, path, sensitive)
                .map(|v| self.textual(&v, sensitive)),
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
            // an instant given to a builder for another type: as its RFC 3339 text
            (_, Json::Instant(t)) => {
                self.value(ty, &Json::Str(Cow::Owned(t.to_string())), path, sensitive)
            }
            (Ty::Date, Json::Str(s)) => match s.parse::<jiff::civil::Date>() {
                Ok(d) if s.len() == 10 => Ok(Value::Date(d)),
                _ => Err(EventError::BadFormat {
                    field: path.to_string(),
                    expected: "a date, `YYYY-MM-DD`".into(),
                    got: shown(s, sensitive),
                }),
            },
            (Ty::Period, Json::Str(s)) => match crate::calendar::Period::parse(s) {
                Ok(p) => Ok(Value::Period(p)),
                Err(_) => Err(EventError::BadFormat {
                    field: path.to_string(),
                    expected: "a period, like `1 month` or `7 days`".into(),
                    got: shown(s, sensitive),
                }),
            },
            (Ty::List(t), Json::Array(items)) => {
                self.items(t, items, path, sensitive).map(Value::list)
            }
            (Ty::Set(t), Json::Array(items)) => {
                self.items(t, items, path, sensitive).map(Value::set_of)
            }
            (Ty::Record(r), Json::Object(members)) => {
                let within = Within {
                    prefix: path,
                    of: None,
                    reserved: &[],
                    sensitive,
                };
                let mut values = Vec::new();
                self.record_into(*r, members, within, &mut values)?;
                Ok(Value::record(values))
            }
            (Ty::Case(_) | Ty::Part(_) | Ty::Unknown, _) => Err(EventError::NotAnInput {
                field: path.to_string(),
            }),
            (Ty::Text | Ty::Format(_) | Ty::Enum(_) | Ty::Duration | Ty::Date | Ty::Period, _) => {
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
        path: Path,
        sensitive: bool,
    ) -> Result<Vec<Value>, EventError> {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.value(ty, item, Path::Item(&path, i), sensitive))
            .collect()
    }

    /// Applies format `f`'s transforms to `raw` and checks the result against its pattern.
    fn format<'r>(
        self,
        f: FormatId,
        raw: &'r str,
        path: Path,
        sensitive: bool,
    ) -> Result<Cow<'r, str>, EventError> {
        let def = &self.formats[f.index()];
        if def.plainly_matches(raw) {
            return Ok(Cow::Borrowed(raw));
        }
        let refused = || not_in_format(def, path, raw, sensitive);
        // A value longer than the format allows is refused before anything else reads it
        // whole. A case change never shortens a text (each character becomes one or more),
        // and a trim only shortens it: one too long after the trim is too long after all.
        let trimmed = if def.trim { raw.trim() } else { raw };
        if def.pattern.too_long_for_format(trimmed) {
            return Err(refused());
        }
        let text = def.transform(trimmed);
        if let Some(max) = def.max_chars {
            if text.chars().nth(max).is_some() {
                return Err(too_many_chars(path, max));
            }
        }
        // a text the transforms left as it was is not too long: that was checked above
        let unchanged = matches!(text, Cow::Borrowed(t) if t.len() == trimmed.len());
        if (unchanged || !def.pattern.too_long_for_format(&text)) && def.pattern.is_match(&text) {
            return Ok(text);
        }
        Err(refused())
    }

    fn enum_value(
        self,
        e: EnumId,
        s: &str,
        path: Path,
        sensitive: bool,
    ) -> Result<Value, EventError> {
        let def = &self.enums[e.index()];
        // Zipping with `0u16..` keeps the index in range without a cast.
        if let Some((_, i)) = def.values.iter().zip(0u16..).find(|(v, _)| *v == s) {
            return Ok(Value::Enum(e, MemberId::from_raw(i)));
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
fn instant(
    json: &Json,
    path: impl std::fmt::Display + Copy,
    sensitive: bool,
) -> Result<Timestamp, EventError> {
    if let Json::Instant(t) = json {
        return Ok(*t);
    }
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
        Shape::OffsetRange => Err(bad(Some("an offset is at most ±23:59".into()))),
        Shape::NoOffset => Err(EventError::MissingOffset {
            field: path.to_string(),
            got: shown(s, sensitive),
        }),
        Shape::Ok => match rfc3339::instant(s) {
            Some(t) => Ok(t),
            None => s
                .parse::<Timestamp>()
                .map_err(|e| bad(Some(time_reason(&e.to_string())))),
        },
    }
}

/// The offset at the end of an RFC 3339 time (`Z`, `+08:00`, `-05:30`); UTC if unreadable.
fn written_offset(s: &str) -> jiff::tz::Offset {
    let tail = s.get(s.len().saturating_sub(6)..).unwrap_or("");
    let sign = match tail.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return jiff::tz::Offset::UTC,
    };
    let hours: i32 = tail.get(1..3).and_then(|h| h.parse().ok()).unwrap_or(0);
    let minutes: i32 = tail.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(0);
    jiff::tz::Offset::from_seconds(sign * (hours * 3600 + minutes * 60))
        .unwrap_or(jiff::tz::Offset::UTC)
}

/// The shape of a time string, checked before jiff sees it: jiff also accepts ISO 8601 forms
/// that RFC 3339 does not (`20261128T100000Z`, `2026-11-28T10Z`, `+0800`, `[Asia/Shanghai]`).
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Ok,
    NoOffset,
    /// `±hh:mm` with hours past 23 or minutes past 59.
    OffsetRange,
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
        // RFC 3339: offset hours 00-23, minutes 00-59 (jiff alone reads up to 25:59)
        [b'+' | b'-', h0, h1, b':', m0, m1]
            if [h0, h1, m0, m1].iter().all(|d| d.is_ascii_digit()) =>
        {
            if (*h0, *h1) <= (b'2', b'3') && *m0 <= b'5' {
                Shape::Ok
            } else {
                Shape::OffsetRange
            }
        }
        _ => Shape::Bad,
    }
}

/// The useful part of a jiff error about a well-shaped time, e.g. "parameter 'month' is not in
/// the required range of 1..=12": jiff's chain of contexts may quote the input, which the
/// message already shows.
fn time_reason(message: &str) -> Box<str> {
    // Two of jiff's limits, said in the user's terms.
    if message.contains("Unix timestamp seconds") {
        return format!(
            "it lies beyond the last instant docket represents ({})",
            Timestamp::MAX.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        .into();
    }
    if message.contains("unparsed input") {
        return "a fraction of a second has at most nine digits".into();
    }
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

/// The member given for each field (`u8::MAX`: none, and the field is optional), when
/// every member names a declared field once or is `reserved`, and every required field is
/// given; `None` for anything else (or more than a few members), which the full path then
/// reports. Members are looked for first where they would be if written in declared order.
fn matched(
    members: &[(Cow<str>, Json)],
    fields: &[RecordFieldDef],
    reserved: &[&str],
) -> Option<impl Iterator<Item = u8>> {
    const MOST: usize = 32;
    if members.len() >= usize::from(u8::MAX) || fields.len() > MOST {
        return None;
    }
    let mut given = [u8::MAX; MOST];
    let mut next = 0;
    for (m, (key, _)) in members.iter().enumerate() {
        let i = if fields.get(next).is_some_and(|f| f.name == *key) {
            next
        } else if reserved.contains(&&**key) {
            continue;
        } else {
            fields.iter().position(|f| f.name == *key)?
        };
        if given[i] != u8::MAX {
            return None;
        }
        given[i] = m as u8;
        next = i + 1;
    }
    let complete = fields
        .iter()
        .zip(&given)
        .all(|(f, m)| *m != u8::MAX || f.ty.is_opt());
    complete.then(|| given.into_iter().take(fields.len()))
}

/// The one value of member `name`; a name given twice is an error (`path` names it).
fn member<'j, 'a>(
    members: &'j [(Cow<'a, str>, Json<'a>)],
    name: &str,
    path: impl std::fmt::Display,
) -> Result<Option<&'j Json<'a>>, EventError> {
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
fn first_string<'a>(members: &'a [(Cow<str>, Json)], name: &str) -> Option<&'a str> {
    match members.iter().find(|(key, _)| key == name) {
        Some((_, Json::Str(s))) => Some(s),
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

fn missing(path: impl std::fmt::Display) -> EventError {
    EventError::MissingField {
        field: path.to_string(),
    }
}

fn wrong_kind(path: impl std::fmt::Display, expected: &'static str, json: &Json) -> EventError {
    EventError::WrongKind {
        field: path.to_string(),
        expected,
        found: json.kind(),
    }
}

/// A text refused by format `def` (`#[cold]`: laid out away from the path of every value
/// that is in its format).
#[cold]
#[inline(never)]
fn not_in_format(def: &FormatDef, path: Path, raw: &str, sensitive: bool) -> EventError {
    EventError::BadFormat {
        field: path.to_string(),
        expected: if def.description.is_empty() {
            format!("the format `{}`", def.name).into()
        } else {
            def.description.as_str().into()
        },
        got: shown(raw, sensitive),
    }
}

#[cold]
#[inline(never)]
fn too_many_chars(path: Path, max: usize) -> EventError {
    EventError::BadFormat {
        field: path.to_string(),
        expected: format!("at most {max} characters").into(),
        got: None,
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

#[cfg(test)]
mod tests;
