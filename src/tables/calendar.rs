//! `kind: calendar`: which weekdays are working days, and the dates that are not.

use std::collections::{BTreeMap, BTreeSet};

use crate::calendar::{Calendar, WEEKDAYS};

use super::decode::{Cx, Owner};
use super::error::TableError;
use super::yaml::Node;

const TOP: [&str; 3] = ["kind", "working_days", "holidays"];
const HOLIDAY: [&str; 2] = ["date", "note"];

/// Decodes the top-level `entries` of a calendar file; problems go to `cx`.
pub(super) fn decode(entries: &[(Node, Node)], name: String, cx: &mut Cx) -> Option<Calendar> {
    let top = cx.fields(
        entries,
        &TOP,
        &TOP,
        Owner::Record("the table file"),
        "a calendar has `kind`, `working_days` (weekday names) and `holidays` (dates)",
        Default::default(),
    );
    let [_, days, holidays] = top[..] else {
        return None;
    };
    let mut weekdays = [false; 7];
    for node in days.and_then(|(_, n)| cx.list(n, || "`working_days`".to_string()))? {
        let Some(day) = cx.string(node, || "a working day".to_string()) else {
            continue;
        };
        match WEEKDAYS.iter().position(|w| *w == day) {
            Some(i) if weekdays[i] => cx.push(TableError::BadValue {
                what: "working day".into(),
                value: day.to_string(),
                reason: format!("`{day}` is listed twice"),
                help: "list each working weekday once",
                span: node.span,
            }),
            Some(i) => weekdays[i] = true,
            None => cx.push(TableError::BadValue {
                what: "working day".into(),
                value: day.to_string(),
                reason: match crate::diag::did_you_mean(day, WEEKDAYS) {
                    Some(s) => format!("`{day}` is no weekday (did you mean `{s}`?)"),
                    None => format!("`{day}` is no weekday"),
                },
                help: "write weekday names in lowercase English: `monday` … `sunday`",
                span: node.span,
            }),
        }
    }
    let mut dates = BTreeSet::new();
    let mut notes = BTreeMap::new();
    for node in holidays.and_then(|(_, n)| cx.list(n, || "`holidays`".to_string()))? {
        let Some(fields) = cx.mapping(
            node,
            || "a holiday".to_string(),
            "a mapping like `{ date: 2026-12-25, note: \"Christmas Day\" }`",
        ) else {
            continue;
        };
        let found = cx.fields(
            fields,
            &HOLIDAY,
            &HOLIDAY[..1],
            Owner::Record("a holiday"),
            "a holiday has a `date` and may have a `note`",
            node.span,
        );
        let note = found[1]
            .and_then(|(_, note)| cx.string(note, || "`note` of a holiday".to_string()))
            .map(str::to_string);
        let Some((_, value)) = found[0] else {
            continue;
        };
        let Some(text) = cx.string(value, || "`date` of a holiday".to_string()) else {
            continue;
        };
        match text.parse::<jiff::civil::Date>() {
            Ok(d) if text.len() == 10 => {
                if let Some(note) = note {
                    notes.entry(d).or_insert(note);
                }
                if !dates.insert(d) {
                    cx.push(TableError::BadValue {
                        what: "holiday".into(),
                        value: text.to_string(),
                        reason: format!("`{text}` is listed twice"),
                        help: "list each holiday once",
                        span: value.span,
                    });
                }
            }
            _ => cx.push(TableError::BadValue {
                what: "date".into(),
                value: text.to_string(),
                reason: format!("`{text}` is no calendar date"),
                help: "write a date as `YYYY-MM-DD`, e.g. `2026-12-25`",
                span: value.span,
            }),
        }
    }
    Some(Calendar {
        name,
        weekdays,
        holidays: dates,
        notes,
    })
}
