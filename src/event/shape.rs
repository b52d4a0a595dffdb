//! What every event of one type shares: the policy it was checked against, its name, and
//! which of its fields may hold a sensitive value; and the `Debug` output that hides them.

use super::Event;
use crate::program::{EventDef, RecordDef};
use crate::value::Ty;
use std::fmt;
use std::sync::Arc;

/// Types nested deeper than this are taken to hold a sensitive value: records cannot nest
/// themselves, so only a checker bug could reach it, and hiding is the safe answer.
const MAX_TYPE_DEPTH: usize = 32;

/// The shape of one event type, shared by every event of that type.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct EventShape {
    /// The fingerprint of the policy that declared the type: an engine refuses events of
    /// another policy, whose indexes mean nothing to it.
    pub(crate) policy: u64,
    /// The event type's name.
    pub(crate) name: Box<str>,
    /// The fields in declaration order: each name, and whether its value may hold a
    /// sensitive value (the field is sensitive, or is or holds a record with such a field).
    pub(crate) fields: Box<[(Box<str>, bool)]>,
    /// The fields that must be given (not optional), as bits (field `i`: bit `i`, the first
    /// 64 fields).
    pub(crate) required: u64,
}

/// The shape of each event type of a policy, by event index.
#[derive(Debug)]
pub(crate) struct Shapes(pub(crate) Vec<Arc<EventShape>>);

impl Shapes {
    /// The shapes of `events`, whose records are in `records`, for the policy `policy`.
    pub(crate) fn new(events: &[EventDef], records: &[RecordDef], policy: u64) -> Shapes {
        let shape = |e: &EventDef| {
            let fields = records
                .get(e.record.index())
                .map_or(&[][..], |r| &r.fields[..])
                .iter()
                .map(|f| {
                    let hidden = f.sensitive || holds_sensitive(&f.ty, records, 0);
                    (Box::from(f.name.as_str()), hidden)
                })
                .collect();
            let required = records
                .get(e.record.index())
                .map_or(&[][..], |r| &r.fields[..])
                .iter()
                .take(64)
                .enumerate()
                .filter(|(_, f)| !f.ty.is_opt())
                .fold(0u64, |bits, (i, _)| bits | 1 << i);
            Arc::new(EventShape {
                policy,
                name: e.name.as_str().into(),
                fields,
                required,
            })
        };
        Shapes(events.iter().map(shape).collect())
    }
}

/// Whether a value of type `ty` may hold the value of a sensitive record field.
fn holds_sensitive(ty: &Ty, records: &[RecordDef], depth: usize) -> bool {
    if depth > MAX_TYPE_DEPTH {
        return true;
    }
    match ty {
        Ty::Opt(inner) | Ty::List(inner) | Ty::Set(inner) => {
            holds_sensitive(inner, records, depth + 1)
        }
        Ty::Record(r) => records.get(r.index()).is_none_or(|r| {
            r.fields
                .iter()
                .any(|f| f.sensitive || holds_sensitive(&f.ty, records, depth + 1))
        }),
        Ty::Bool
        | Ty::Count
        | Ty::Duration
        | Ty::Instant
        | Ty::Date
        | Ty::Period
        | Ty::Text
        | Ty::Format(_)
        | Ty::Enum(_)
        | Ty::Case(_)
        | Ty::Part(_)
        | Ty::Unknown => false,
    }
}

/// Shows the type, the time and every field, with `<sensitive>` in place of each value
/// that may hold a sensitive one.
impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("type", &self.shape.name)
            .field(
                "at",
                &format_args!("{}", self.at.display_with_offset(self.offset)),
            )
            .field("fields", &Fields(self))
            .finish()
    }
}

struct Fields<'e>(&'e Event);

impl fmt::Debug for Fields<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (i, value) in self.0.fields.iter().enumerate() {
            // A field the shape does not know is hidden too.
            match self.0.shape.fields.get(i) {
                Some((name, false)) => map.entry(&format_args!("{name}"), value),
                Some((name, true)) => {
                    map.entry(&format_args!("{name}"), &format_args!("<sensitive>"))
                }
                None => map.entry(&i, &format_args!("<sensitive>")),
            };
        }
        map.finish()
    }
}
