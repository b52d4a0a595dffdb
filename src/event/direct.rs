//! A line read straight into its event's fields, without a tree of its top-level members.
//!
//! This takes the shape nearly every line has: an object whose first member is `type` (a
//! declared event type), then `at` and the declared fields, each given once and each valid.
//! Any other line, and any line with a problem, is left to the general path
//! ([`Schema::parse`]): it reads the line again and reports the first problem in its order.
//! So this path only ever gives what the general path would give, and has no errors of its
//! own.

use super::json::{Json, Key};
use super::{instant, written_offset, Event, Header, Path, Schema};
use crate::value::Value;
use serde::de::{Deserializer as _, MapAccess, Visitor};
use std::fmt;

/// The most declared fields an event type can have for this path (one bit each).
const MOST: usize = 64;

impl Schema<'_> {
    /// The event `line` holds, read into `fields` (emptied first, then taken), when it has
    /// the common shape and no problem; `None` otherwise.
    pub(super) fn direct(self, line: &str, fields: &mut Vec<Value>) -> Option<(Header, Event)> {
        let mut de = serde_json::Deserializer::from_str(line);
        let read = de.deserialize_map(Direct { schema: self, fields }).ok()??;
        de.end().ok()?;
        Some(read)
    }
}

struct Direct<'s, 'p> {
    schema: Schema<'p>,
    fields: &'s mut Vec<Value>,
}

impl<'de> Visitor<'de> for Direct<'_, '_> {
    /// `None`: not the common shape, or not valid.
    type Value = Option<(Header, Event)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Direct { schema, fields } = self;
        // `type` first: the fields are known before they come
        match map.next_key::<Key>()? {
            Some(Key(key)) if key == "type" => {}
            _ => return Ok(None),
        }
        let Json::Str(type_name) = map.next_value::<Json>()? else {
            return Ok(None);
        };
        let Some(ty) = schema.event_id(&type_name) else {
            return Ok(None);
        };
        let declared = schema.event_fields(ty);
        if declared.len() > MOST {
            return Ok(None);
        }
        fields.clear();
        fields.resize(declared.len(), Value::Unset);
        let mut given: u64 = 0;
        let mut at = None;
        // where the next member is looked for first: after the last, as they are declared
        let mut next = 0;
        while let Some(Key(key)) = map.next_key::<Key>()? {
            if key == "at" {
                let json = map.next_value::<Json>()?;
                let (None, Json::Str(text)) = (&at, &json) else {
                    return Ok(None);
                };
                let Ok(t) = instant(&json, "at", false) else {
                    return Ok(None);
                };
                at = Some((text.to_string(), t));
                continue;
            }
            let i = match declared.get(next) {
                Some(f) if f.name == *key => next,
                _ => match declared.iter().position(|f| f.name == *key) {
                    Some(i) => i,
                    None => return Ok(None),
                },
            };
            if given & (1 << i) != 0 {
                return Ok(None);
            }
            given |= 1 << i;
            next = i + 1;
            let field = &declared[i];
            let json = map.next_value::<Json>()?;
            let path = Path::Field(&Path::Top, &field.name);
            match (schema.value(&field.ty, &json, path, field.sensitive), fields.get_mut(i)) {
                (Ok(v), Some(slot)) => *slot = v,
                _ => return Ok(None),
            }
        }
        let complete = (declared.iter().enumerate())
            .all(|(i, f)| given & (1 << i) != 0 || f.ty.is_opt());
        let Some((at_text, at)) = at.filter(|_| complete) else {
            return Ok(None);
        };
        let offset = written_offset(&at_text);
        let Some(shape) = schema.shapes.get(ty.index()) else {
            return Ok(None);
        };
        let header = Header {
            type_name: Some(type_name.into_owned()),
            at: Some(at_text),
        };
        let event = Event {
            ty,
            at,
            offset,
            fields: std::mem::take(fields),
            shape: shape.clone(),
        };
        Ok(Some((header, event)))
    }
}
