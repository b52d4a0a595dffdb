//! JSON Schemas of the table kinds, so that YAML editors check a table as it is typed
//! (`docket schema [KIND]`; the same texts are shipped in `schemas/*.json`).
//!
//! A schema states the shape the table loader accepts — keys, types, names, formats of
//! durations, periods and dates, one value per limit — not what only the whole policy can
//! tell (a role listed in `values`, a column named in `keys`): `docket check` says those.
//! They use a small subset of JSON Schema (draft 7): `type`, `const`, `enum`, `pattern`,
//! `minimum`, `minItems`, `uniqueItems`, `items`, `properties`, `required`,
//! `additionalProperties`, `propertyNames`, `oneOf`, `title`, `description`.

use serde_json::{json, Value};

/// The table kinds, as written after `kind:`, in the order `docket schema` lists them.
pub const KINDS: [&str; 4] = ["requirements", "limits", "messages", "calendar"];

/// A name: lowercase letters, digits and `_`, starting with a letter or `_`.
const NAME: &str = "^[a-z_][a-z0-9_]*$";
/// A duration: `<digits><unit>` parts, units `d`, `h`, `m`, `s` in that order, each once.
const DURATION: &str = "^([0-9]+d([0-9]+h)?([0-9]+m)?([0-9]+s)?|[0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$";
/// A period: number–unit pairs (`1 month`, `1 month 2 days`).
const PERIOD: &str = "^\\s*[0-9]+\\s+(day|days|week|weeks|month|months|year|years)(\\s+[0-9]+\\s+(day|days|week|weeks|month|months|year|years))*\\s*$";
/// A date: `YYYY-MM-DD`.
const DATE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The schema of one table kind, or of a table of any kind (`None`), pretty-printed with a
/// final newline; `None` for an unknown kind.
pub fn schema_text(kind: Option<&str>) -> Option<String> {
    let value = match kind {
        None => any_table(),
        Some(kind) => kind_schema(kind)?,
    };
    // INVARIANT: a `Value` always serialises.
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    Some(text)
}

/// The schema a table of any kind matches: one of the kinds', chosen by `kind`.
fn any_table() -> Value {
    let mut all = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "docket table",
        "description": "A docket table of any kind; `kind` says which.",
        "type": "object",
        "required": ["kind"],
        "properties": { "kind": { "enum": KINDS } },
        "oneOf": KINDS.iter().filter_map(|k| kind_body(k)).collect::<Vec<_>>(),
    });
    if let Some(one_of) = all.get_mut("oneOf").and_then(Value::as_array_mut) {
        for schema in one_of {
            if let Some(map) = schema.as_object_mut() {
                map.remove("$schema");
            }
        }
    }
    all
}

fn kind_schema(kind: &str) -> Option<Value> {
    let mut schema = kind_body(kind)?;
    if let Some(map) = schema.as_object_mut() {
        map.insert(
            "$schema".into(),
            json!("http://json-schema.org/draft-07/schema#"),
        );
    }
    Some(schema)
}

fn kind_body(kind: &str) -> Option<Value> {
    Some(match kind {
        "requirements" => requirements(),
        "limits" => limits(),
        "messages" => messages(),
        "calendar" => calendar(),
        _ => return None,
    })
}

fn name(description: &str) -> Value {
    json!({ "type": "string", "pattern": NAME, "description": description })
}

fn names(description: &str) -> Value {
    json!({ "type": "array", "items": { "type": "string", "pattern": NAME }, "uniqueItems": true, "description": description })
}

fn requirements() -> Value {
    json!({
        "title": "docket requirements table",
        "description": "Key columns → the set of values required (e.g. who must act, by scenario and variant).",
        "type": "object",
        "required": ["kind", "keys", "of", "values", "rows"],
        "additionalProperties": false,
        "properties": {
            "kind": { "const": "requirements" },
            "keys": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": true,
                "items": { "type": "string", "pattern": NAME },
                "description": "The key columns, e.g. `[scenario, variant]`; not `required`.",
            },
            "of": name("The type name the rules use for the required values (`set<role>`)."),
            "values": names("Every value a row may require."),
            "rows": {
                "type": "array",
                "description": "One row per combination of keys: each key column's cell, and `required`.",
                "items": {
                    "type": "object",
                    "required": ["required"],
                    "properties": { "required": names("The values this row requires, from `values`.") },
                    "additionalProperties": name("The cell of a key column."),
                },
            },
        },
    })
}

fn limits() -> Value {
    let values = ["duration", "count", "pattern", "text", "period", "zone"];
    json!({
        "title": "docket limits table",
        "description": "Named, typed values the rules read as `limits.<name>`.",
        "type": "object",
        "required": ["kind", "limits"],
        "additionalProperties": false,
        "properties": {
            "kind": { "const": "limits" },
            "limits": {
                "type": "object",
                "propertyNames": { "pattern": NAME },
                "additionalProperties": {
                    "type": "object",
                    "description": "Exactly one of `duration`, `count`, `pattern`, `text`, `period` or `zone`, and an optional `note`.",
                    "additionalProperties": false,
                    "properties": {
                        "duration": { "type": "string", "pattern": DURATION, "description": "e.g. `24h`, `30m`, `90s`, `2d`, `1h30m`" },
                        "count": { "type": "integer", "minimum": 0, "description": "A whole number, 0 or more." },
                        "pattern": { "type": "string", "description": "A regular expression, e.g. '^[0-9]{6}$'." },
                        "text": { "type": "string" },
                        "period": { "type": "string", "pattern": PERIOD, "description": "e.g. `1 month`, `7 days`, `2 weeks`, `1 year`, `1 month 2 days`" },
                        "zone": { "type": "string", "description": "An IANA time-zone name, e.g. `Europe/Paris`; at most one per policy." },
                        "note": { "type": "string", "description": "For authors; not used by the rules." },
                    },
                    "oneOf": values.iter().map(|v| json!({ "required": [v] })).collect::<Vec<_>>(),
                },
            },
        },
    })
}

fn messages() -> Value {
    json!({
        "title": "docket messages table",
        "description": "Message id → `text`, `result`, `next_step` (+ the extra `columns`); texts may hold `{…}` placeholders.",
        "type": "object",
        "required": ["kind", "messages"],
        "additionalProperties": false,
        "properties": {
            "kind": { "const": "messages" },
            "columns": names("Extra columns every message has, e.g. `[audience]`; not `text`, `result`, `next_step` or `id`."),
            "messages": {
                "type": "object",
                "propertyNames": { "pattern": NAME },
                "additionalProperties": {
                    "type": "object",
                    "required": ["text", "result", "next_step"],
                    "properties": {
                        "text": { "type": "string" },
                        "result": { "type": "string" },
                        "next_step": { "type": "string" },
                    },
                    "additionalProperties": { "type": "string", "description": "A column declared in `columns`." },
                },
            },
        },
    })
}

fn calendar() -> Value {
    json!({
        "title": "docket calendar table",
        "description": "The working weekdays, and the dates that are not working days.",
        "type": "object",
        "required": ["kind", "working_days", "holidays"],
        "additionalProperties": false,
        "properties": {
            "kind": { "const": "calendar" },
            "working_days": {
                "type": "array",
                "uniqueItems": true,
                "items": { "enum": WEEKDAYS },
            },
            "holidays": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["date"],
                    "additionalProperties": false,
                    "properties": {
                        "date": { "type": "string", "pattern": DATE, "description": "YYYY-MM-DD" },
                        "note": { "type": "string" },
                    },
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_schema_and_unknown_kinds_none() {
        for kind in KINDS {
            let text = schema_text(Some(kind)).unwrap_or_default();
            assert!(text.contains(&format!("\"const\": \"{kind}\"")), "{kind}");
        }
        assert!(schema_text(Some("limit")).is_none());
        assert!(schema_text(None).is_some_and(|t| t.contains("oneOf")));
    }

    #[test]
    fn the_patterns_agree_with_the_loader() {
        let re = regex_lite::Regex::new(DURATION).expect("the duration pattern compiles");
        for good in ["24h", "30m", "90s", "2d", "1h30m", "1d2h3m4s", "2d30m"] {
            assert!(re.is_match(good) && crate::duration::parse_duration(good).is_ok());
        }
        for bad in ["", "h", "24", "1m1h", "1h 30m", "-1h", "1x", "1h1h"] {
            assert!(crate::duration::parse_duration(bad).is_err(), "{bad}");
            assert!(!re.is_match(bad), "{bad}");
        }
        let period = regex_lite::Regex::new(PERIOD).expect("the period pattern compiles");
        for good in [
            "1 month",
            "2 months",
            "7 days",
            "2 weeks",
            "1 year",
            "1 month 2 days",
        ] {
            assert!(period.is_match(good) && crate::calendar::Period::parse(good).is_ok());
        }
        for bad in ["1 moth", "month", "1", "-1 day"] {
            assert!(!period.is_match(bad) && crate::calendar::Period::parse(bad).is_err());
        }
    }
}
