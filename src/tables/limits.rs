//! `kind: limits`: named, typed values (durations, counts, patterns, texts).

use crate::duration::parse_duration;

use super::decode::{Cx, Owner};
use super::error::TableError;
use super::yaml::{Node, Value};
use super::{Limit, LimitValue, LimitsTable, Pattern};

const TOP: [&str; 2] = ["kind", "limits"];
/// The fields of a limit: the four kinds of value, then the note.
const FIELDS: [&str; 7] = [
    "duration", "count", "pattern", "text", "period", "zone", "note",
];
/// Where the note is among [`FIELDS`]; the value fields come before it.
const NOTE: usize = FIELDS.len() - 1;

/// Decodes the top-level `entries` of a limits file; problems go to `cx`.
pub(super) fn decode(entries: &[(Node, Node)], name: String, cx: &mut Cx) -> Option<LimitsTable> {
    let top = cx.fields(
        entries,
        &TOP,
        &TOP,
        Owner::Record("the table file"),
        "a limits table has `kind` and `limits`",
        Default::default(),
    );
    let (_, node) = top[1]?;
    let entries = cx.mapping(
        node,
        || "`limits`".to_string(),
        "a mapping from limit names to limits",
    )?;
    let mut limits = Vec::new();
    for (name, key, value, first) in cx.named_entries(entries, "limit", "limit name") {
        let limit = decode_limit(name, key, value, cx);
        limits.extend(limit.filter(|_| first));
    }
    Some(LimitsTable { name, limits })
}

fn decode_limit(name: &str, key: &Node, node: &Node, cx: &mut Cx) -> Option<Limit> {
    let entries = cx.mapping(
        node,
        || format!("limit `{name}`"),
        "a mapping like `{ count: 5, note: \"…\" }`",
    )?;
    let owner = format!("limit `{name}`");
    let found = cx.fields(
        entries,
        &FIELDS,
        &[],
        Owner::Record(&owner),
        "a limit has one of `duration`, `period`, `count`, `pattern`, `text` or `zone`, and may have a `note`",
        key.span,
    );
    // The note is for readers (`docket doc` shows it); the rules never read it.
    let note = found[NOTE]
        .and_then(|(_, note)| cx.string(note, || format!("`note` of limit `{name}`")))
        .map(str::to_string);
    // The value fields given, in file order.
    let mut given: Vec<(&'static str, &(Node, Node))> = FIELDS[..NOTE]
        .iter()
        .zip(&found[..NOTE])
        .filter_map(|(f, slot)| slot.map(|s| (*f, s)))
        .collect();
    given.sort_by_key(|(_, (key, _))| key.span.start);
    let mut given = given.into_iter();
    let Some((field, (_, value))) = given.next() else {
        cx.push(TableError::NoLimitValue {
            name: name.to_string(),
            span: key.span,
        });
        return None;
    };
    if let Some((second, (second_key, _))) = given.next() {
        cx.push(TableError::SeveralLimitValues {
            name: name.to_string(),
            first: field,
            second,
            span: second_key.span,
        });
        return None;
    }
    let what = || format!("`{field}` of limit `{name}`");
    let value = match field {
        "duration" => match &value.value {
            Value::Str(s) => match parse_duration(s) {
                Ok(d) => LimitValue::Duration(d),
                Err(reason) => {
                    cx.push(TableError::BadDuration {
                        name: name.to_string(),
                        value: s.clone(),
                        reason,
                        span: value.span,
                    });
                    return None;
                }
            },
            other => {
                cx.push(TableError::WrongType {
                    what: what(),
                    expected: "a duration such as `24h`",
                    found: other.describe(),
                    span: value.span,
                });
                return None;
            }
        },
        "count" => match &value.value {
            Value::Int(n) => match i64::try_from(*n) {
                Ok(n) if n >= 0 => LimitValue::Count(n),
                _ => return bad_count(name, value, cx),
            },
            Value::Float(_) => return bad_count(name, value, cx),
            other => {
                cx.push(TableError::WrongType {
                    what: what(),
                    expected: "a whole number",
                    found: other.describe(),
                    span: value.span,
                });
                return None;
            }
        },
        "pattern" => {
            let source = cx.string(value, what)?;
            match Pattern::new(source) {
                Ok(pattern) => LimitValue::Pattern(pattern),
                Err(e) => {
                    cx.push(TableError::BadPattern {
                        name: name.to_string(),
                        error: one_line(&e),
                        span: value.span,
                    });
                    return None;
                }
            }
        }
        "period" => {
            let text = cx.string(value, what)?;
            match crate::calendar::Period::parse(text) {
                Ok(p) => LimitValue::Period(p),
                Err(reason) => {
                    cx.push(TableError::BadValue {
                        what: format!("period for limit `{name}`"),
                        value: text.to_string(),
                        reason: format!("`{text}`: {reason}"),
                        help: "write a period like `1 month`, `2 months`, `7 days`, `2 weeks` or `1 year`",
                        span: value.span,
                    });
                    return None;
                }
            }
        }
        "zone" => {
            let text = cx.string(value, what)?;
            match jiff::tz::TimeZone::get(text) {
                Ok(z) => LimitValue::Zone(text.to_string(), z),
                Err(_) => {
                    cx.push(TableError::BadValue {
                        what: format!("time zone for limit `{name}`"),
                        value: text.to_string(),
                        reason: format!("the time-zone database has no zone `{text}`"),
                        help: "write a zone name of the IANA database, like `Europe/Paris` or `Asia/Shanghai`",
                        span: value.span,
                    });
                    return None;
                }
            }
        }
        _ => LimitValue::Text(cx.string(value, what)?.to_string()),
    };
    Some(Limit {
        name: name.to_string(),
        value,
        note,
        span: key.span,
    })
}

fn bad_count(name: &str, value: &Node, cx: &mut Cx) -> Option<Limit> {
    let written = cx
        .src
        .text
        .get(value.span.start..value.span.end)
        .unwrap_or_default();
    cx.push(TableError::BadCount {
        name: name.to_string(),
        value: written.to_string(),
        span: value.span,
    });
    None
}

/// The regex compiler's message on one line, without a final period.
fn one_line(message: &str) -> String {
    let words: Vec<&str> = message.split_whitespace().collect();
    words.join(" ").trim_end_matches('.').to_string()
}
