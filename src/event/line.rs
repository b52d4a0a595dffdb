//! An event written back as a JSON line: what a journal keeps of an accepted event. Members
//! in name order; sensitive values as the event holds them (sealed, when it was parsed with a
//! key), so reading the line back gives the same event.

use super::Event;
use crate::program::Program;
use crate::value::{Ty, Value};
use serde_json::{Map, Value as J};

/// The event as one JSON object on one line; `at` as it was written (`written_at`), when
/// given, so that the record of a replay shows the same text (`Z` stays `Z`).
pub(crate) fn to_line(program: &Program, event: &Event, written_at: Option<&str>) -> String {
    let mut members = Map::new();
    members.insert("type".into(), J::String(event.type_name().to_string()));
    let at = match written_at {
        Some(at) => at.to_string(),
        None => event.at.display_with_offset(event.offset).to_string(),
    };
    members.insert("at".into(), J::String(at));
    if let Some(def) = program.events.get(usize::from(event.ty)) {
        record(program, def.record, &event.fields, &mut members);
    }
    J::Object(members).to_string()
}

fn record(program: &Program, record: u16, values: &[Value], into: &mut Map<String, J>) {
    let Some(def) = program.records.get(usize::from(record)) else {
        return;
    };
    for (f, v) in def.fields.iter().zip(values) {
        // an unset optional field is left out, as it may be in the input
        if *v != Value::Unset {
            into.insert(f.name.clone(), value(program, &f.ty, v));
        }
    }
}

fn value(program: &Program, ty: &Ty, v: &Value) -> J {
    match (ty.strip_opt(), v) {
        (Ty::Record(r), Value::Record(fields)) => {
            let mut m = Map::new();
            record(program, *r, fields, &mut m);
            J::Object(m)
        }
        (Ty::List(t) | Ty::Set(t), Value::List(items) | Value::Set(items)) => {
            J::Array(items.iter().map(|x| value(program, t, x)).collect())
        }
        (_, Value::Instant(t)) => J::String(t.to_string()),
        _ => program.value_json(v, &|_| None),
    }
}
