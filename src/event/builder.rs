//! Events built from Rust values instead of JSON text. A field of a plain kind (a count, a
//! bool, an instant, an enumeration value, text) given once is written straight into its
//! declared slot; anything else — an undeclared or repeated name, a value to check further
//! (a format, a duration, a list) — sends every member given to [`Schema::event`], which
//! checks them exactly as it checks a line's, with its errors. The two agree on every event
//! (`a_builder_given_any_setters_agrees_with_the_line_of_the_same_members` in `tests/api.rs`).

use super::json::Json;
use super::shape::EventShape;
use super::Shapes;
use super::{Event, EventError, Schema};
use crate::program::{EventId, Program, RecordFieldDef};
use crate::value::{Ty, Value};
use jiff::Timestamp;
use std::borrow::Cow;
use std::sync::Arc;

/// An event under construction, from [`crate::Engine::event`]. Setters take a field's name
/// and its value; [`EventBuilder::build`] checks them against the event's declaration, with
/// the checks and errors of [`crate::Engine::parse_event`] (unknown type, missing or unknown
/// field, a field given twice, formats, enumerations, …).
///
/// Setters take and return `&mut self`, as [`std::process::Command`]'s do: chained on
/// [`crate::Engine::event`] in one statement, or called on a builder held in a variable.
/// [`EventBuilder::build`] and [`EventBuilder::build_into`] leave the builder empty, ready
/// for the next event of its type: a program deciding many events keeps one builder, and
/// neither the type's name nor any buffer is looked up or asked for again.
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
    program: &'a Program,
    shapes: &'a Shapes,
    /// The event type and its fields, when the name given is declared (and has at most
    /// [`DIRECT_FIELDS`] fields).
    def: Option<(EventId, &'a [RecordFieldDef])>,
    /// `at` as given.
    at: Option<At<'a>>,
    /// The fields' values in declaration order (unset where not given), while every member
    /// given was taken directly: a declared field given once with a value of its type.
    values: Vec<Value>,
    /// Which fields were given: bit `i` for field `i`.
    given: u64,
    /// The field after the last one given: where the next name is looked for first
    /// (fields are most often given in the order they are declared).
    next: usize,
    /// The name each of the first [`SPELLED`] fields was last given by: a program most
    /// often names a field by the same string every time (a literal), and a name at the
    /// same address and of the same length as that one is the same text (it is borrowed
    /// for `'a`, so it is still there, unchanged), found without comparing its letters.
    spelled: [Option<&'a str>; SPELLED],
    /// Every member given, in order, once one could not be taken directly (an undeclared
    /// or repeated name, a second `at`, a value to check further, a list…): from then on
    /// [`Schema::event`] checks the members as a line's, for its errors.
    #[allow(
        clippy::box_collection,
        reason = "one pointer, not three: a small builder, and members are rare"
    )]
    members: Option<Box<Vec<Member<'a>>>>,
}

/// `at` as given: a string (to be read as an RFC 3339 time) or an instant.
#[derive(Clone, Copy)]
enum At<'a> {
    Text(&'a str),
    Instant(Timestamp),
}

impl<'a> At<'a> {
    fn json(self) -> Json<'a> {
        match self {
            At::Text(s) => Json::Str(Cow::Borrowed(s)),
            At::Instant(t) => Json::Instant(t),
        }
    }
}

type Member<'a> = (Cow<'a, str>, Json<'a>);

/// Events of more fields than this are built through their members (the given fields are
/// bits of a `u64`).
const DIRECT_FIELDS: usize = 64;

/// How many fields' names a builder remembers as given ([`EventBuilder::position`]).
const SPELLED: usize = 16;

thread_local! {
    /// The values' storage of the builder dropped last, for the next builder to write into.
    static SPARE: std::cell::RefCell<Vec<Value>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl<'a> EventBuilder<'a> {
    pub(super) fn new(
        program: &'a Program,
        shapes: &'a Shapes,
        type_name: &'a str,
    ) -> EventBuilder<'a> {
        let schema = Schema::of(program, shapes);
        let def = schema
            .event_id(type_name)
            .map(|ty| (ty, schema.event_fields(ty)))
            .filter(|(_, fields)| fields.len() <= DIRECT_FIELDS);
        let mut values = Vec::new();
        let mut members = None;
        match def {
            Some((_, fields)) => {
                // the storage the thread keeps, every slot unset, written as fields are
                // given
                values = take_spare();
                values.resize(fields.len(), Value::Unset);
            }
            None => {
                members = Some(Box::new(vec![(
                    Cow::Borrowed("type"),
                    Json::Str(type_name.into()),
                )]))
            }
        }
        EventBuilder {
            program,
            shapes,
            def,
            at: None,
            values,
            given: 0,
            next: 0,
            spelled: [None; SPELLED],
            members,
        }
    }

    /// The position of field `name` among `fields`, tried first where the last one given
    /// left off.
    fn position(&mut self, fields: &[RecordFieldDef], name: &'a str) -> Option<usize> {
        let spelled = |i: usize| -> bool {
            matches!(self.spelled.get(i), Some(Some(known)) if std::ptr::eq(*known, name))
        };
        let i = match fields.get(self.next) {
            Some(f) if spelled(self.next) || f.name == name => self.next,
            _ => fields.iter().position(|f| f.name == name)?,
        };
        if let Some(known) = self.spelled.get_mut(i) {
            *known = Some(name);
        }
        self.next = i + 1;
        Some(i)
    }

    /// The slot of declared field `field` when it can be written directly now — every
    /// member so far was, `field` was not given before, and its type (or, optional, the
    /// type it holds) is one `plain` accepts — marked as given.
    fn slot(&mut self, field: &'a str, plain: impl Fn(&Ty) -> bool) -> Option<usize> {
        let (_, fields) = self.def.filter(|_| self.members.is_none())?;
        let i = self.position(fields, field)?;
        let bit = 1u64 << i;
        let ty = match &fields[i].ty {
            Ty::Opt(inner) => inner,
            ty => ty,
        };
        if self.given & bit != 0 || !plain(ty) {
            return None;
        }
        self.given |= bit;
        Some(i)
    }

    /// The program's declarations, as events are checked against them.
    fn schema(&self) -> Schema<'a> {
        Schema::of(self.program, self.shapes)
    }

    /// Gives member `name`: taken directly when it can be, else kept with every member
    /// given so far. (The setters are small wrappers of this and the two below.)
    fn put(&mut self, name: &'a str, value: Json<'a>) {
        let value = match self.members {
            Some(_) => value,
            None => match self.direct(name, value) {
                Ok(()) => return,
                Err(value) => {
                    self.members = Some(Box::new(self.given_members()));
                    value
                }
            },
        };
        if let Some(members) = &mut self.members {
            members.push((Cow::Borrowed(name), value));
        }
    }

    fn put_count(&mut self, field: &'a str, value: i64) {
        if value >= 0 {
            if let Some(i) = self.slot(field, |ty| matches!(ty, Ty::Count)) {
                // the slot most often holds the last event's count: its number rewritten
                match &mut self.values[i] {
                    Value::Count(n) => *n = value,
                    slot => *slot = Value::Count(value),
                }
                return;
            }
        }
        self.put(field, Json::Int(value));
    }

    fn put_bool(&mut self, field: &'a str, value: bool) {
        match self.slot(field, |ty| matches!(ty, Ty::Bool)) {
            Some(i) => match &mut self.values[i] {
                Value::Bool(b) => *b = value,
                slot => *slot = Value::Bool(value),
            },
            None => self.put(field, Json::Bool(value)),
        }
    }

    /// Takes member `name` directly, if it is `at` given first or a declared field given
    /// first with a value that needs no check beyond its kind.
    /// (`value` is given back when it is not taken.)
    fn direct(&mut self, name: &'a str, value: Json<'a>) -> Result<(), Json<'a>> {
        if name == "at" {
            return match (self.at, &value) {
                (None, Json::Str(Cow::Borrowed(s))) => {
                    self.at = Some(At::Text(s));
                    Ok(())
                }
                (None, Json::Instant(t)) => {
                    self.at = Some(At::Instant(*t));
                    Ok(())
                }
                _ => Err(value),
            };
        }
        let Some((_, fields)) = self.def else {
            return Err(value);
        };
        let Some(i) = self.position(fields, name) else {
            return Err(value);
        };
        let bit = 1u64 << i;
        if self.given & bit != 0 {
            return Err(value);
        }
        match self.schema().direct_value(&fields[i].ty, &value) {
            Some(v) => {
                self.values[i] = v;
                self.given |= bit;
                Ok(())
            }
            None => Err(value),
        }
    }

    /// The members given so far, as a JSON object would hold them: `type`, `at`, then the
    /// fields taken directly (each value written back as given).
    fn given_members(&self) -> Vec<Member<'a>> {
        let mut members = Vec::with_capacity(self.values.len() + 3);
        let name = self.def.and_then(|(ty, _)| self.program.event(ty));
        let name = name.map_or("", |def| def.name.as_str());
        members.push((Cow::Borrowed("type"), Json::Str(name.into())));
        if let Some(at) = self.at {
            members.push((Cow::Borrowed("at"), at.json()));
        }
        if let Some((_, fields)) = self.def {
            for (i, (f, v)) in fields.iter().zip(&self.values).enumerate() {
                if self.given & (1 << i) != 0 {
                    members.push((Cow::Borrowed(f.name.as_str()), self.schema().as_json(v)));
                }
            }
        }
        members
    }

    /// When the event happened: an RFC 3339 time with an offset, as in a line's `at`
    /// (`2026-11-28T10:30:00+08:00`).
    #[inline]
    pub fn at(&mut self, time: &'a str) -> &mut Self {
        self.put("at", Json::Str(Cow::Borrowed(time)));
        self
    }

    /// When the event happened, as an instant (written in UTC).
    #[inline]
    pub fn at_instant(&mut self, time: Timestamp) -> &mut Self {
        // taken directly when it is the first `at` and every member so far was (as `put`
        // would take it, without naming it)
        match (self.at, &self.members) {
            (None, None) => self.at = Some(At::Instant(time)),
            _ => self.put("at", Json::Instant(time)),
        }
        self
    }

    /// A field given as a string: text, a format, an enumeration value, a duration (`24h`)
    /// or a time (RFC 3339).
    #[inline]
    pub fn text(&mut self, field: &'a str, value: impl Into<Cow<'a, str>>) -> &mut Self {
        self.put(field, Json::Str(value.into()));
        self
    }

    /// A `count` field.
    #[inline]
    pub fn count(&mut self, field: &'a str, value: i64) -> &mut Self {
        self.put_count(field, value);
        self
    }

    /// A `bool` field.
    #[inline]
    pub fn bool(&mut self, field: &'a str, value: bool) -> &mut Self {
        self.put_bool(field, value);
        self
    }

    /// An `instant` field.
    #[inline]
    pub fn instant(&mut self, field: &'a str, value: Timestamp) -> &mut Self {
        self.put(field, Json::Instant(value));
        self
    }

    /// An optional field, explicitly unset (as `null` in a line).
    #[inline]
    pub fn unset(&mut self, field: &'a str) -> &mut Self {
        self.put(field, Json::Null);
        self
    }

    /// A field of any type, as the JSON value a line would hold: a list, a set or a record
    /// (`json!([{"name": "desk", "n": 2}])`), or any other value.
    pub fn json(&mut self, field: &'a str, value: serde_json::Value) -> &mut Self {
        self.put(field, from_serde(value));
        self
    }

    /// Checks the fields against the event's declaration, as [`crate::Engine::parse_event`]
    /// checks a line: the same checks, in the same order, with the same errors. The builder
    /// is left empty, for the next event of its type.
    pub fn build(&mut self) -> Result<Event, EventError> {
        let built = match self.whole() {
            Some((ty, at, offset)) => Ok(Event {
                ty,
                at,
                offset,
                fields: std::mem::take(&mut self.values),
                shape: Arc::clone(&self.shapes.0[ty.index()]),
            }),
            None => self.checked(),
        };
        self.reset();
        built
    }

    /// [`EventBuilder::build`] into `event`, replacing it and reusing its storage: a
    /// program deciding many events of a few scalar fields each builds them without asking
    /// the allocator for anything. On an error, `event` is left as it was. Either way the
    /// builder is left empty, for the next event of its type.
    pub fn build_into(&mut self, event: &mut Event) -> Result<(), EventError> {
        let done = match self.whole() {
            Some((ty, at, offset)) => {
                // written in place: the shape is most often the one `event` holds already
                let shape = &self.shapes.0[ty.index()];
                if !Arc::ptr_eq(&event.shape, shape) {
                    event.shape = Arc::clone(shape);
                }
                event.ty = ty;
                event.at = at;
                event.offset = offset;
                // the builder keeps the event's old fields, for its next event
                std::mem::swap(&mut event.fields, &mut self.values);
                Ok(())
            }
            None => self.checked().map(|built| {
                self.values = std::mem::replace(event, built).fields;
            }),
        };
        self.reset();
        done
    }

    /// When every member given was taken directly and they make a whole event (every
    /// required field given, `at` a good time): its type, time and the offset `at` was
    /// written with, the optional fields not given left unset in `values`.
    fn whole(&mut self) -> Option<(EventId, Timestamp, jiff::tz::Offset)> {
        let (None, Some((ty, fields)), Some(at)) = (&self.members, self.def, self.at) else {
            return None;
        };
        let required = self.shapes.0[ty.index()].required;
        if self.given & required != required {
            return None;
        }
        let (when, offset) = match at {
            At::Instant(t) => (t, jiff::tz::Offset::UTC),
            At::Text(s) => (
                super::instant(&at.json(), "at", false).ok()?,
                super::written_offset(s),
            ),
        };
        // the optional fields not given: unset (they hold the last event's values)
        let all = match fields.len() {
            0 => 0,
            n => u64::MAX >> (u64::BITS as usize - n),
        };
        let mut left = !self.given & all;
        while left != 0 {
            self.values[left.trailing_zeros() as usize] = Value::Unset;
            left &= left - 1;
        }
        Some((ty, when, offset))
    }

    /// The members given, checked by [`Schema::event`] in full.
    fn checked(&self) -> Result<Event, EventError> {
        match &self.members {
            Some(members) => self.schema().event(members, Vec::new()),
            None => self.schema().event(&self.given_members(), Vec::new()),
        }
    }

    /// Empties the builder for the next event of its type: nothing given, its values'
    /// storage kept (holding the last event's values, overwritten as fields are given).
    fn reset(&mut self) {
        self.at = None;
        self.given = 0;
        self.next = 0;
        match (self.def, &mut self.members) {
            (Some((_, fields)), _) => {
                self.members = None;
                // most often the event just built left its own slots, as many
                if self.values.len() != fields.len() {
                    self.values.resize(fields.len(), Value::Unset);
                }
            }
            // an undeclared type: its members start with the type again
            (None, Some(members)) => members.truncate(1),
            (None, None) => {}
        }
    }
}

/// A builder's values' storage goes back to the thread, for the next builder.
impl Drop for EventBuilder<'_> {
    fn drop(&mut self) {
        give_spare(std::mem::take(&mut self.values));
    }
}

/// The values' storage the thread keeps (empty when it keeps none), for the next event.
pub(super) fn take_spare() -> Vec<Value> {
    SPARE
        .try_with(|spare| match spare.try_borrow_mut() {
            Ok(mut spare) => std::mem::take(&mut *spare),
            Err(_) => Vec::new(),
        })
        .unwrap_or_default()
}

/// Keeps `values`' storage for the thread's next event (its values are dropped).
fn give_spare(mut values: Vec<Value>) {
    if values.capacity() > 0 && values.capacity() <= DIRECT_FIELDS {
        values.clear();
        let _ = SPARE.try_with(|spare| {
            if let Ok(mut spare) = spare.try_borrow_mut() {
                *spare = values;
            }
        });
    }
}

/// The `at` text of an event read from a line, as its record keeps it: written into the
/// storage of the last record's given back ([`give_at`]), so that a stream that recycles its
/// records allocates none for it.
pub(super) fn at_text(at: &str) -> String {
    let mut text = SPARE_AT.try_with(std::cell::Cell::take).unwrap_or_default();
    text.clear();
    text.push_str(at);
    text
}

/// Keeps the storage of a record's `at` for the next line's ([`at_text`]).
pub(crate) fn give_at(text: String) {
    // an instant with nanoseconds and an offset is 35 bytes: anything much longer was not
    // read by the common path, and is not worth keeping
    if text.capacity() <= 64 {
        let _ = SPARE_AT.try_with(|spare| spare.set(text));
    }
}

thread_local! {
    /// The storage of the `at` of the record given back last.
    static SPARE_AT: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
}

/// Gives an event read or built and now done with back to the thread: the next event
/// read from a line or built is written into its storage, and takes its share of the
/// type's shape when it is of the same type ([`shape_of`]).
pub(crate) fn recycle(event: Event) {
    give_spare(event.fields);
    let _ = SHAPES.try_with(|kept| {
        if let Ok(mut kept) = kept.try_borrow_mut() {
            if kept.len() == KEPT_SHAPES {
                kept.remove(0);
            }
            kept.push(event.shape);
        }
    });
}

/// How many shares of event shapes a thread keeps: one per event type of a policy of a
/// few types, for a stream that mixes them.
const KEPT_SHAPES: usize = 16;

thread_local! {
    /// Shares of the shapes of the events given back last ([`recycle`]), oldest first.
    static SHAPES: std::cell::RefCell<Vec<Arc<EventShape>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// A share of `shape` for an event read from a line: one the thread kept from an event of
/// that type given back, or a new one. An event read and done with, then the next, takes and
/// gives back the same share: no atomic count for each (a reference count shared between
/// threads is counted with a locked instruction). A built event takes a new share: a program
/// that builds events drops them, and would only pay for the look.
pub(super) fn shape_of(shape: &Arc<EventShape>) -> Arc<EventShape> {
    let kept = SHAPES.try_with(|kept| {
        let mut kept = kept.try_borrow_mut().ok()?;
        let at = kept.iter().rposition(|k| Arc::ptr_eq(k, shape))?;
        Some(kept.swap_remove(at))
    });
    kept.ok().flatten().unwrap_or_else(|| Arc::clone(shape))
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
