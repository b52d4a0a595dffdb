//! An event written back as a JSON line: what a journal keeps of an accepted event. Members
//! in name order; sensitive values as the event holds them (sealed, when it was parsed with a
//! key), so reading the line back gives the same event.

use super::Event;
use crate::outcome::push_json_str;
use crate::program::{Program, RecordId};
use crate::value::{Ty, Value};
use std::fmt::Write as _;

/// One member of an object being written: its name and what it holds.
enum Member<'a> {
    Text(&'a str),
    Field(&'a Ty, &'a Value),
}

/// The event as one JSON object on one line; `at` as it was written (`written_at`), when
/// given, so that the record of a replay shows the same text (`Z` stays `Z`).
pub(crate) fn to_line(program: &Program, event: &Event, written_at: Option<&str>) -> String {
    let shown_at;
    let at = match written_at {
        Some(at) => at,
        None => {
            shown_at = event.at.display_with_offset(event.offset).to_string();
            &shown_at
        }
    };
    let mut members = vec![
        ("type", Member::Text(event.type_name())),
        ("at", Member::Text(at)),
    ];
    if let Some(def) = program.event(event.ty) {
        fields(program, def.record, &event.fields, &mut members);
    }
    let mut out = String::with_capacity(256);
    object(program, members, &mut out);
    out
}

/// The set fields of `values`, a record of type `record` (an unset optional field is left
/// out, as it may be in the input).
fn fields<'a>(
    program: &'a Program,
    record: RecordId,
    values: &'a [Value],
    into: &mut Vec<(&'a str, Member<'a>)>,
) {
    let Some(def) = program.record(record) else {
        return;
    };
    for (f, v) in def.fields.iter().zip(values) {
        if *v != Value::Unset {
            into.push((f.name.as_str(), Member::Field(&f.ty, v)));
        }
    }
}

/// Writes `members` as an object, in name order (a later member of the same name wins, as
/// in a map).
fn object(program: &Program, mut members: Vec<(&str, Member<'_>)>, out: &mut String) {
    members.sort_by_key(|(name, _)| *name);
    out.push('{');
    let mut first = true;
    for (i, (name, member)) in members.iter().enumerate() {
        if members.get(i + 1).is_some_and(|(next, _)| next == name) {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        push_json_str(out, name);
        out.push(':');
        match member {
            Member::Text(text) => push_json_str(out, text),
            Member::Field(ty, v) => value(program, ty, v, out),
        }
    }
    out.push('}');
}

fn value(program: &Program, ty: &Ty, v: &Value, out: &mut String) {
    match (ty.strip_opt(), v) {
        (Ty::Record(r), Value::Record(values)) => {
            let mut members = Vec::with_capacity(values.len());
            fields(program, *r, values, &mut members);
            object(program, members, out);
        }
        (Ty::List(t) | Ty::Set(t), Value::List(items) | Value::Set(items)) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                value(program, t, x, out);
            }
            out.push(']');
        }
        (_, Value::Instant(t)) => {
            // a timestamp's text needs no escape
            let _ = write!(out, "\"{t}\"");
        }
        (_, Value::Text(s)) => push_json_str(out, s),
        (_, Value::Enum(e, i)) => push_json_str(out, program.enum_name(*e, *i)),
        (_, Value::Count(n)) => {
            let _ = write!(out, "{n}");
        }
        (_, Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        _ => out.push_str(&program.value_json(v, &|_| None).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value as J;

    /// Every event of the shipped examples is written back in canonical JSON (members in name
    /// order, serde_json's escapes), and reads back as the same event.
    #[test]
    fn lines_are_canonical_and_read_back_the_same() {
        for (engine, text) in crate::test_support::shipped_examples() {
            let mut seen = 0;
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let Ok(event) = engine.parse_event(line) else {
                    continue;
                };
                let written = super::to_line(engine.program(), &event, None);
                let canonical: J = serde_json::from_str(&written).expect("valid JSON");
                assert_eq!(written, canonical.to_string(), "{line}");
                let again = engine.parse_event(&written).expect("reads back");
                assert_eq!(super::to_line(engine.program(), &again, None), written);
                seen += 1;
            }
            assert!(seen > 5, "only {seen} events");
        }
    }
}
