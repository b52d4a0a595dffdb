//! Two records of one line compared: what differs, in policy terms ([`Change`]s), outcomes
//! matched case by case, errors without their line number and with their values masked.

use super::Change;
use crate::outcome::{MessageOut, Outcome, Record, RecordBody};
use std::sync::Arc;

/// Appends what differs between two records of the same line to `out` (nothing when they
/// are the same).
pub(super) fn record_changes(old: &Record, new: &Record, out: &mut Vec<Change>) {
    if old == new {
        return;
    }
    match (&old.body, &new.body) {
        (RecordBody::Error(o), RecordBody::Error(n)) => {
            if o != n {
                out.push(Change::RefusedDifferently {
                    old: mask(strip_line(o, old.seq)),
                    new: mask(strip_line(n, new.seq)),
                });
            }
        }
        (RecordBody::Outcomes(_), RecordBody::Error(n)) => out.push(Change::NowRefused {
            error: mask(strip_line(n, new.seq)),
        }),
        (RecordBody::Error(o), RecordBody::Outcomes(_)) => out.push(Change::NoLongerRefused {
            error: mask(strip_line(o, old.seq)),
        }),
        (RecordBody::Outcomes(o), RecordBody::Outcomes(n)) => outcome_changes(o, n, out),
    }
}

/// One case's outcomes in a record, merged: messages in order, the last status, the last
/// value of each shown name.
struct CaseOut<'a> {
    case_type: &'a str,
    case: Option<&'a str>,
    status: Option<&'a str>,
    messages: Vec<&'a MessageOut>,
    shows: Vec<(&'a str, &'a crate::Shown)>,
}

fn by_case(outcomes: &[Outcome]) -> Vec<CaseOut<'_>> {
    let mut cases: Vec<CaseOut<'_>> = Vec::new();
    for o in outcomes {
        let case = o.case.as_deref();
        let i = match cases
            .iter()
            .position(|c| c.case_type == &*o.case_name && c.case == case)
        {
            Some(i) => i,
            None => {
                cases.push(CaseOut {
                    case_type: &o.case_name,
                    case,
                    status: None,
                    messages: Vec::new(),
                    shows: Vec::new(),
                });
                cases.len() - 1
            }
        };
        let c = &mut cases[i];
        if o.status.is_some() {
            c.status = o.status.as_deref();
        }
        c.messages.extend(o.messages.iter().map(Arc::as_ref));
        for (name, value) in &o.shows {
            match c.shows.iter_mut().find(|(n, _)| *n == &**name) {
                Some(shown) => shown.1 = value,
                None => c.shows.push((&**name, value)),
            }
        }
    }
    cases
}

fn outcome_changes(old: &[Outcome], new: &[Outcome], out: &mut Vec<Change>) {
    let (old, new) = (by_case(old), by_case(new));
    // a case with no outcome on one side: compared as one with nothing in it
    fn empty<'a>(c: &CaseOut<'a>) -> CaseOut<'a> {
        CaseOut {
            case_type: c.case_type,
            case: c.case,
            status: None,
            messages: Vec::new(),
            shows: Vec::new(),
        }
    }
    for o in &old {
        match new
            .iter()
            .find(|n| n.case_type == o.case_type && n.case == o.case)
        {
            Some(n) => case_changes(o, n, out),
            None => case_changes(o, &empty(o), out),
        }
    }
    for n in &new {
        if !old
            .iter()
            .any(|o| n.case_type == o.case_type && n.case == o.case)
        {
            case_changes(&empty(n), n, out);
        }
    }
}

fn case_changes(old: &CaseOut<'_>, new: &CaseOut<'_>, out: &mut Vec<Change>) {
    if old.status != new.status {
        out.push(Change::Status {
            case_type: old.case_type.to_string(),
            old: old.status.map(str::to_string),
            new: new.status.map(str::to_string),
        });
    }
    // Messages as multisets of ids: more of an id is "added", fewer "removed".
    let mut seen: Vec<&str> = Vec::new();
    let mut same_ids = true;
    for m in old.messages.iter().chain(&new.messages) {
        let id = m.id.as_str();
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let olds: Vec<&MessageOut> = old
            .messages
            .iter()
            .copied()
            .filter(|m| m.id == id)
            .collect();
        let news: Vec<&MessageOut> = new
            .messages
            .iter()
            .copied()
            .filter(|m| m.id == id)
            .collect();
        if news.len() > olds.len() {
            same_ids = false;
            out.push(Change::MessageAdded {
                message: id.to_string(),
            });
        } else if news.len() < olds.len() {
            same_ids = false;
            out.push(Change::MessageRemoved {
                message: id.to_string(),
            });
        }
        for (a, b) in olds.iter().zip(&news).filter(|(a, b)| a != b) {
            out.push(Change::MessageText {
                message: id.to_string(),
                columns: changed_columns(a, b),
            });
        }
    }
    if same_ids
        && old
            .messages
            .iter()
            .zip(&new.messages)
            .any(|(a, b)| a.id != b.id)
    {
        out.push(Change::MessageOrder {
            case_type: old.case_type.to_string(),
        });
    }
    for (name, value) in &old.shows {
        match new.shows.iter().find(|(n, _)| n == name) {
            None => out.push(Change::ShowRemoved {
                name: name.to_string(),
            }),
            Some((_, v)) if v != value => out.push(Change::ShowChanged {
                name: name.to_string(),
            }),
            Some(_) => {}
        }
    }
    for (name, _) in &new.shows {
        if !old.shows.iter().any(|(n, _)| n == name) {
            out.push(Change::ShowAdded {
                name: name.to_string(),
            });
        }
    }
}

/// The names of the columns whose texts differ between two versions of a message; a column
/// only one of them has counts as differing.
fn changed_columns(old: &MessageOut, new: &MessageOut) -> Vec<String> {
    let columns = |m: &MessageOut| -> Vec<(String, String)> {
        [
            ("text", &m.text),
            ("result", &m.result),
            ("next_step", &m.next_step),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .chain(m.columns.iter().cloned())
        .collect()
    };
    let (old, new) = (columns(old), columns(new));
    let mut changed: Vec<String> = Vec::new();
    for (name, _) in old.iter().chain(&new) {
        let differs = old.iter().find(|(n, _)| n == name) != new.iter().find(|(n, _)| n == name);
        if differs && !changed.contains(name) {
            changed.push(name.clone());
        }
    }
    changed
}

/// An error without its `line N: ` prefix.
fn strip_line(error: &str, seq: usize) -> &str {
    error
        .strip_prefix("line ")
        .and_then(|rest| rest.strip_prefix(seq.to_string().as_str()))
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(error)
}

/// An error text with its values masked as `…`, so that one reason is one group whatever the
/// case, phone or time: every word with a digit in it (`F12`, `13800000001`, `2026-11-28T…`,
/// `5`), except snake_case names (`cert_last6`). A word is a run of letters, digits and
/// `_-.:+`. Values without a digit (a case key `abc`) stay, and make groups of their own.
fn mask(error: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || "_-.:+".contains(c);
    let mut out = String::with_capacity(error.len());
    let mut rest = error;
    while let Some(start) = rest.find(is_word) {
        out.push_str(&rest[..start]);
        let word_len = rest[start..]
            .find(|c| !is_word(c))
            .unwrap_or(rest.len() - start);
        let raw = &rest[start..start + word_len];
        // a word ends with its last letter or digit: a sentence's `.` or `:` is not in it
        let word = match raw.trim_end_matches(['-', '.', ':', '+']) {
            "" => raw,
            trimmed => trimmed,
        };
        let digit = word.bytes().any(|b| b.is_ascii_digit());
        let name = word.contains('_') && word.bytes().any(|b| b.is_ascii_alphabetic());
        if digit && !name {
            out.push('…');
        } else {
            out.push_str(word);
        }
        rest = &rest[start + word.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn mask_hides_values_and_keeps_names() {
        assert_eq!(
            mask("field `filing`: filing F12 is canceled and takes no verification code"),
            "field `filing`: filing … is canceled and takes no verification code"
        );
        assert_eq!(
            mask("field `personnel[0].cert_last6`: expected five digits."),
            "field `personnel[…].cert_last6`: expected five digits."
        );
        assert_eq!(
            mask("field `at`: `2027-01-04T09:59:59+00:00` is earlier than the previous event"),
            "field `at`: `…` is earlier than the previous event"
        );
        assert_eq!(mask("phone 13800000001: 5 tries."), "phone …: … tries.");
    }

    fn message(id: &str, text: &str) -> Arc<MessageOut> {
        Arc::new(MessageOut::new(
            id.into(),
            text.into(),
            "r".into(),
            "n".into(),
        ))
    }

    fn outcome(
        case: &str,
        status: &str,
        messages: &[&Arc<MessageOut>],
        shows: &[(&str, crate::value::Value)],
    ) -> Outcome {
        Outcome {
            case_name: "filing".into(),
            case: Some(case.into()),
            status: Some(status.into()),
            messages: messages.iter().map(|m| Arc::clone(m)).collect(),
            shows: shows
                .iter()
                .map(|(n, v)| (Arc::from(*n), crate::Shown::plain(v.clone())))
                .collect(),
        }
    }

    fn changes(old: RecordBody, new: RecordBody) -> Vec<Change> {
        let record = |body| Record {
            seq: 3,
            event_type: Some("e".into()),
            at: None,
            body,
        };
        let mut out = Vec::new();
        record_changes(&record(old), &record(new), &mut out);
        out
    }

    #[test]
    fn outcomes_are_compared_case_by_case() {
        let (a, b, a2) = (message("a", "A"), message("b", "B"), message("a", "A!"));
        let same = outcome("F1", "open", &[&a, &b], &[]);
        assert_eq!(
            changes(
                RecordBody::Outcomes(vec![same.clone()].into()),
                RecordBody::Outcomes(vec![same.clone()].into())
            ),
            []
        );
        // the same ids in another order; one of them with another text
        assert_eq!(
            changes(
                RecordBody::Outcomes(vec![same.clone()].into()),
                RecordBody::Outcomes(vec![outcome("F1", "open", &[&b, &a2], &[])].into())
            ),
            [
                Change::MessageText {
                    message: "a".into(),
                    columns: vec!["text".into()]
                },
                Change::MessageOrder {
                    case_type: "filing".into()
                }
            ]
        );
        // an id twice is an id more; another case's outcome is that case's
        assert_eq!(
            changes(
                RecordBody::Outcomes(vec![same.clone()].into()),
                RecordBody::Outcomes(
                    vec![
                        outcome("F1", "open", &[&a, &b, &a], &[]),
                        outcome("F2", "closed", &[], &[("n", Value::Count(1))]),
                    ]
                    .into()
                )
            ),
            [
                Change::MessageAdded {
                    message: "a".into()
                },
                Change::Status {
                    case_type: "filing".into(),
                    old: None,
                    new: Some("closed".into())
                },
                Change::ShowAdded { name: "n".into() },
            ]
        );
        // two outcomes of one case are merged: the last status, the last value shown
        assert_eq!(
            changes(
                RecordBody::Outcomes(
                    vec![
                        outcome(
                            "F1",
                            "open",
                            &[&a],
                            &[("n", Value::Count(1)), ("m", Value::Count(1))]
                        ),
                        outcome("F1", "closed", &[&b], &[("n", Value::Count(2))]),
                    ]
                    .into()
                ),
                RecordBody::Outcomes(
                    vec![outcome(
                        "F1",
                        "closed",
                        &[&a, &b],
                        &[("n", Value::Count(3)), ("m", Value::Count(1))]
                    )]
                    .into()
                )
            ),
            [Change::ShowChanged { name: "n".into() }]
        );
    }

    #[test]
    fn refusals_are_compared_without_their_line_and_values() {
        let error = |s: &str| RecordBody::Error(s.into());
        assert_eq!(
            changes(
                RecordBody::Outcomes(Vec::new().into()),
                error("line 3: no filing `F7`")
            ),
            [Change::NowRefused {
                error: "no filing `…`".into()
            }]
        );
        let differently = changes(error("line 3: at most 5"), error("line 3: at most 4"));
        assert_eq!(
            differently,
            [Change::RefusedDifferently {
                old: "at most …".into(),
                new: "at most …".into()
            }]
        );
        assert_eq!(
            differently[0].to_string(),
            "refusal text changed: at most …"
        );
        assert_eq!(
            changes(error("line 3: x"), RecordBody::Outcomes(Vec::new().into()))[0].to_string(),
            "event no longer refused: x"
        );
    }

    #[test]
    fn strip_line_removes_only_its_own_number() {
        assert_eq!(strip_line("line 12: no filing", 12), "no filing");
        assert_eq!(strip_line("line 13: no filing", 12), "line 13: no filing");
        assert_eq!(strip_line("no filing", 12), "no filing");
    }
}
