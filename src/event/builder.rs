//! Events built from Rust values instead of JSON text: the values become the members of an
//! object, which [`Schema::event`] checks exactly as it checks a line's.

use super::json::Json;
use super::{Event, EventError, Schema};
use jiff::Timestamp;
use std::borrow::Cow;

/// An event under construction, from [`crate::Engine::event`]. Setters take a field's name
/// and its value; [`EventBuilder::build`] checks them against the event's declaration, with
/// the checks and errors of [`crate::Engine::parse_event`] (unknown type, missing or unknown
/// field, a field given twice, formats, enumerations, …).
///
/// ```
/// # use docket::{Engine, Source, World};
/// # let engine = Engine::from_sources(vec![
/// #     Source::new("m.yaml", "kind: messages\nmessages:\n  ok: { text: t, result: r, next_step: n }\n"),
/// #     Source::new("p.docket", r#"
/// #         format pin = /^[0-9]{4}$/ "four digits"
/// #         statuses { open }
/// #         case request key id: text { }
/// #         event submit { request: text, pin: pin sensitive, urgent: bool?, items: list<{name: text, n: count}> }
/// #         on submit for new request(event.request) { rule r { emit ok } }
/// #     "#),
/// # ])?;
/// // A policy declaring `event submit { request: text, pin: pin sensitive, urgent: bool?,
/// // items: list<{name: text, n: count}> }`:
/// let event = engine
///     .event("submit")
///     .at("2026-11-28T10:30:00+08:00")
///     .text("request", "R1")
///     .text("pin", "0042")
///     .bool("urgent", true)
///     .json("items", serde_json::json!([{ "name": "desk", "n": 2 }]))
///     .build()?;
/// assert_eq!(event.type_name(), "submit");
/// assert!(format!("{event:?}").contains("pin: <sensitive>"));
/// let refused = engine.event("submit").at("2026-11-28T10:31:00+08:00").text("request", "R2")
///     .text("pin", "42").json("items", serde_json::json!([])).build();
/// assert_eq!(
///     refused.unwrap_err().to_string(),
///     "field `pin`: expected four digits (the value is not shown: the field is sensitive)"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "an event builder does nothing until `build` is called"]
pub struct EventBuilder<'a> {
    schema: Schema<'a>,
    /// The members an equivalent JSON object would have, in the order given (names and
    /// texts borrowed from the caller where they can be: building an event of a few fields
    /// asks the allocator for nothing but the event's own values).
    members: Members<'a>,
}

type Member<'a> = (Cow<'a, str>, Json<'a>);

/// The members given, the first [`MEMBERS`] kept inline. (Not a `SmallVec`: its storage
/// makes the builder invariant over `'a`, so that a closure could not return a builder of
/// a borrowed time.)
struct Members<'a> {
    inline: [Member<'a>; MEMBERS],
    len: usize,
    /// Every member, once there are more than fit inline.
    spilt: Vec<Member<'a>>,
}

impl<'a> Members<'a> {
    fn push(&mut self, member: Member<'a>) {
        if self.len < MEMBERS {
            self.inline[self.len] = member;
            self.len += 1;
        } else {
            if self.spilt.is_empty() {
                self.spilt
                    .extend(self.inline.iter_mut().map(std::mem::take));
            }
            self.spilt.push(member);
        }
    }

    fn as_slice(&self) -> &[Member<'a>] {
        if self.spilt.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spilt
        }
    }
}

thread_local! {
    /// The fields of the event [`EventBuilder::build_into`] replaced last, for the next one.
    static SPARE: std::cell::RefCell<Vec<crate::value::Value>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Members kept without an allocation: `type`, `at` and this many fields less two.
const MEMBERS: usize = 6;

impl<'a> EventBuilder<'a> {
    pub(super) fn new(schema: Schema<'a>, type_name: &'a str) -> EventBuilder<'a> {
        let mut members = Members {
            inline: Default::default(),
            len: 0,
            spilt: Vec::new(),
        };
        members.push((Cow::Borrowed("type"), Json::Str(Cow::Borrowed(type_name))));
        EventBuilder { schema, members }
    }

    fn member(mut self, name: &'a str, value: Json<'a>) -> Self {
        self.members.push((Cow::Borrowed(name), value));
        self
    }

    /// When the event happened: an RFC 3339 time with an offset, as in a line's `at`
    /// (`2026-11-28T10:30:00+08:00`).
    pub fn at(self, time: &'a str) -> Self {
        self.member("at", Json::Str(Cow::Borrowed(time)))
    }

    /// When the event happened, as an instant (written in UTC).
    pub fn at_instant(self, time: Timestamp) -> Self {
        self.member("at", Json::Instant(time))
    }

    /// A field given as a string: text, a format, an enumeration value, a duration (`24h`)
    /// or a time (RFC 3339).
    pub fn text(self, field: &'a str, value: impl Into<Cow<'a, str>>) -> Self {
        self.member(field, Json::Str(value.into()))
    }

    /// A `count` field.
    pub fn count(self, field: &'a str, value: i64) -> Self {
        self.member(field, Json::Int(value))
    }

    /// A `bool` field.
    pub fn bool(self, field: &'a str, value: bool) -> Self {
        self.member(field, Json::Bool(value))
    }

    /// An `instant` field.
    pub fn instant(self, field: &'a str, value: Timestamp) -> Self {
        self.member(field, Json::Instant(value))
    }

    /// An optional field, explicitly unset (as `null` in a line).
    pub fn unset(self, field: &'a str) -> Self {
        self.member(field, Json::Null)
    }

    /// A field of any type, as the JSON value a line would hold: a list, a set or a record
    /// (`json!([{"name": "desk", "n": 2}])`), or any other value.
    pub fn json(self, field: &'a str, value: serde_json::Value) -> Self {
        self.member(field, from_serde(value))
    }

    /// Checks the fields against the event's declaration, as [`crate::Engine::parse_event`]
    /// checks a line: the same checks, in the same order, with the same errors.
    pub fn build(self) -> Result<Event, EventError> {
        self.schema.event(self.members.as_slice(), Vec::new())
    }

    /// [`EventBuilder::build`] into `event`, replacing it and reusing its storage: a
    /// program deciding many events of a few scalar fields each builds them without asking
    /// the allocator for anything. On an error, `event` is left as it was.
    pub fn build_into(self, event: &mut Event) -> Result<(), EventError> {
        // built into a spare buffer of this thread, swapped in only when it is good
        let spare = SPARE.with_borrow_mut(std::mem::take);
        let built = self.schema.event(self.members.as_slice(), spare)?;
        let mut old = std::mem::replace(event, built);
        old.fields.clear();
        SPARE.with_borrow_mut(|spare| *spare = old.fields);
        Ok(())
    }
}

/// A `serde_json` value as the tree lines are read into.
fn from_serde(value: serde_json::Value) -> Json<'static> {
    use serde_json::Value as V;
    match value {
        V::Null => Json::Null,
        V::Bool(b) => Json::Bool(b),
        V::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Json::Int(i),
            (None, Some(u)) => Json::BigInt(u),
            // Neither: a float (serde_json reads no other number without extra features).
            (None, None) => Json::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        V::String(s) => Json::Str(s.into()),
        V::Array(items) => Json::Array(items.into_iter().map(from_serde).collect()),
        V::Object(members) => Json::Object(
            members
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k), from_serde(v)))
                .collect(),
        ),
    }
}
