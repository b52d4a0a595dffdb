//! Values as text for people: how a value reads in a message template or a `reject` text.
//! The one place that decides it, so that a new type (dates) is added once.

use crate::program::{EnumDef, EnumId, MemberId};
use crate::value::{CaseId, Value};

/// A value as people read it:
///
/// | value | reads |
/// |---|---|
/// | count | decimal: `5` |
/// | duration | in words: `24 hours`, `1 hour and 30 minutes` ([`crate::duration::duration_in_words`]) |
/// | instant | RFC 3339, with the policy zone's offset (else in UTC): `2026-11-28T02:00:00Z` |
/// | date | `2 February 2027` |
/// | period | `1 month`, `7 days` |
/// | text, format | as it is |
/// | enumeration value (status, role, …) | its name: `awaiting_sync` |
/// | bool | `true` or `false` |
/// | list, set | its items, each as above, separated by `, `; `none` when empty |
/// | a case | its key |
/// | unset | `unset` (only a `reject` text can show it: a message placeholder must be set) |
///
/// `enums` names enumeration values; `case_key` gives a case's key. Records and participants
/// have no text: the checker refuses them in texts.
pub(crate) fn for_people(
    v: &Value,
    enums: &[EnumDef],
    zone: Option<&jiff::tz::TimeZone>,
    case_key: &dyn Fn(CaseId) -> Option<String>,
) -> String {
    match v {
        Value::Unset => "unset".into(),
        Value::Bool(b) => b.to_string(),
        Value::Count(n) => n.to_string(),
        Value::Duration(d) => crate::duration::duration_in_words(*d),
        Value::Instant(t) => instant_text(*t, zone),
        Value::Date(d) => crate::calendar::format_date(*d),
        Value::Period(p) => p.format(),
        Value::Text(s) => s.to_string(),
        Value::Enum(e, i) => enum_name(enums, *e, *i).to_string(),
        Value::List(items) | Value::Set(items) | Value::Record(items) => {
            if items.is_empty() {
                return "none".into();
            }
            items
                .iter()
                .map(|x| for_people(x, enums, zone, case_key))
                .collect::<Vec<_>>()
                .join(", ")
        }
        Value::Case(id) => case_key(*id).unwrap_or_default(),
        Value::Part(_) => "a participant".into(),
    }
}

/// An instant as RFC 3339: with the offset of `zone` at that instant (the policy's time
/// zone), else in UTC.
pub(crate) fn instant_text(t: jiff::Timestamp, zone: Option<&jiff::tz::TimeZone>) -> String {
    match zone {
        Some(z) => t
            .to_zoned(z.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        None => t.to_string(),
    }
}

/// The name of enumeration value `i` of enumeration `e` (empty if there is none).
pub(crate) fn enum_name(enums: &[EnumDef], e: EnumId, i: MemberId) -> &str {
    enums
        .get(e.index())
        .and_then(|en| en.values.get(i.index()))
        .map_or("", String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_for_people() {
        let enums = [EnumDef {
            name: "role".into(),
            values: vec!["leader".into(), "admin".into()],
        }];
        let text = |v: &Value| for_people(v, &enums, None, &|id| Some(format!("K{id}")));
        assert_eq!(text(&Value::Count(5)), "5");
        assert_eq!(
            text(&Value::Date(jiff::civil::date(2027, 2, 2))),
            "2 February 2027"
        );
        let month = crate::calendar::Period { months: 1, days: 0 };
        assert_eq!(text(&Value::Period(month)), "1 month");
        let zone = jiff::tz::TimeZone::get("Europe/Paris").expect("zone");
        let t: jiff::Timestamp = "2027-07-01T10:00:00Z".parse().expect("t");
        assert_eq!(
            for_people(&Value::Instant(t), &enums, Some(&zone), &|_| None),
            "2027-07-01T12:00:00+02:00"
        );
        assert_eq!(
            text(&Value::Duration(jiff::SignedDuration::from_hours(24))),
            "24 hours"
        );
        assert_eq!(
            text(&Value::Enum(EnumId::from_raw(0), MemberId::from_raw(1))),
            "admin"
        );
        assert_eq!(
            text(&Value::set_of(vec![
                Value::Enum(EnumId::from_raw(0), MemberId::from_raw(0)),
                Value::Enum(EnumId::from_raw(0), MemberId::from_raw(1))
            ])),
            "leader, admin"
        );
        assert_eq!(text(&Value::list(Vec::new())), "none");
        assert_eq!(text(&Value::text("as is")), "as is");
        assert_eq!(text(&Value::Case(3)), "K3");
        assert_eq!(text(&Value::Bool(false)), "false");
    }
}
