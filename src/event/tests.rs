//! Unit tests of event parsing, against small hand-built programs.

use super::*;
use crate::tables::Pattern;
use jiff::SignedDuration;

/// The declarations of a small policy, owned, so that tests need no checker.
struct Policy {
    events: Vec<EventDef>,
    event_index: HashMap<String, EventId>,
    records: Vec<RecordDef>,
    formats: Vec<FormatDef>,
    enums: Vec<EnumDef>,
    shapes: Shapes,
}

const PHONE: FormatId = FormatId::from_raw(0);
const CODE: FormatId = FormatId::from_raw(1);
const CERT: FormatId = FormatId::from_raw(2);
const FILING: FormatId = FormatId::from_raw(3);
const ROLE: EnumId = EnumId::from_raw(0);
const REGION: EnumId = EnumId::from_raw(1);

fn format(name: &str, regex: &str, description: &str) -> FormatDef {
    FormatDef {
        name: name.to_string(),
        pattern: Pattern::new(regex).unwrap(),
        uppercase: false,
        lowercase: false,
        trim: false,
        max_chars: None,
        description: description.to_string(),
    }
}

fn field(name: &str, ty: Ty) -> RecordFieldDef {
    RecordFieldDef {
        name: name.to_string(),
        ty,
        sensitive: false,
    }
}

fn secret(name: &str, ty: Ty) -> RecordFieldDef {
    RecordFieldDef {
        sensitive: true,
        ..field(name, ty)
    }
}

fn policy() -> Policy {
    let cert = FormatDef {
        uppercase: true,
        ..format(
            "cert_last6",
            "^[0-9]{5}[0-9X]$",
            "five digits and a last digit or `X`",
        )
    };
    let phone = FormatDef {
        trim: true,
        ..format(
            "phone",
            "^1[0-9]{10}$",
            "a mainland mobile number: 11 digits, the first 1",
        )
    };
    let formats = vec![
        phone,
        format("code", "^[0-9]{6}$", "six digits"),
        cert,
        format("filing", "^[A-Za-z0-9_-]{1,64}$", ""),
    ];
    let enums = vec![
        EnumDef {
            name: "role".to_string(),
            values: vec!["owner".into(), "contact".into(), "web_admin".into()],
        },
        EnumDef {
            name: "region".to_string(),
            values: (0..10).map(|i| format!("r{i}")).collect(),
        },
    ];
    let person = vec![
        field("role", Ty::Enum(ROLE)),
        field("phone", Ty::Format(PHONE)),
        secret("cert_last6", Ty::Format(CERT)),
    ];
    let records = vec![
        // 0: a person
        RecordDef { fields: person },
        // 1: order_submitted
        RecordDef {
            fields: vec![
                field("filing", Ty::Format(FILING)),
                field(
                    "personnel",
                    Ty::List(Box::new(Ty::Record(RecordId::from_raw(0)))),
                ),
            ],
        },
        // 2: sms_sent
        RecordDef {
            fields: vec![
                field("filing", Ty::Format(FILING)),
                field("phone", Ty::Format(PHONE)),
                secret("code", Ty::Format(CODE)),
                field("sender", Ty::Text.opt()),
            ],
        },
        // 3: validation_attempt
        RecordDef {
            fields: vec![
                field("phone", Ty::Format(PHONE)),
                secret("code", Ty::Format(CODE)),
                secret("cert_last6", Ty::Format(CERT)),
            ],
        },
        // 4: tick
        RecordDef { fields: vec![] },
        // 5: misc, one field of every other kind
        RecordDef {
            fields: vec![
                field("n", Ty::Count.opt()),
                field("flag", Ty::Bool.opt()),
                field("grace", Ty::Duration.opt()),
                field("when", Ty::Instant.opt()),
                field("tags", Ty::Set(Box::new(Ty::Text)).opt()),
                field("region", Ty::Enum(REGION).opt()),
                secret("secret_n", Ty::Count.opt()),
                secret("secret_grace", Ty::Duration.opt()),
                secret("secret_when", Ty::Instant.opt()),
                secret("secret_role", Ty::Enum(ROLE).opt()),
                secret(
                    "secret_people",
                    Ty::List(Box::new(Ty::Record(RecordId::from_raw(0)))).opt(),
                ),
            ],
        },
    ];
    let names = [
        "order_submitted",
        "sms_sent",
        "validation_attempt",
        "tick",
        "misc",
    ];
    let events: Vec<EventDef> = names
        .iter()
        .zip(1u16..)
        .map(|(name, record)| EventDef {
            name: name.to_string(),
            record: RecordId::from_raw(record),
        })
        .collect();
    let event_index = events
        .iter()
        .zip(0u16..)
        .map(|(e, i)| (e.name.clone(), EventId::from_raw(i)))
        .collect();
    Policy {
        shapes: Shapes::new(&events, &records, 7),
        events,
        event_index,
        records,
        formats,
        enums,
    }
}

impl Policy {
    fn schema(&self) -> Schema<'_> {
        Schema {
            events: &self.events,
            event_index: &self.event_index,
            records: &self.records,
            formats: &self.formats,
            enums: &self.enums,
            shapes: &self.shapes.0,
            sealing: crate::seal::Sealing::Clear,
        }
    }

    fn ok(&self, line: &str) -> Event {
        match self.schema().parse(line) {
            Ok((_, event)) => event,
            Err((_, e)) => panic!("{line}: {e}"),
        }
    }

    fn err(&self, line: &str) -> EventError {
        match self.schema().parse(line) {
            Ok((_, event)) => panic!("{line}: accepted as {event:?}"),
            Err((_, e)) => e,
        }
    }

    fn message(&self, line: &str) -> String {
        self.err(line).to_string()
    }
}

const AT: &str = r#""at": "2026-11-28T10:00:00+08:00""#;

fn at() -> Timestamp {
    "2026-11-28T02:00:00Z".parse().unwrap()
}

fn text(s: &str) -> Value {
    Value::text(s)
}

#[test]
fn reads_a_valid_event_with_nested_records_and_transforms() {
    let p = policy();
    let line = format!(
        r#"{{"type": "order_submitted", {AT}, "filing": "F-1", "personnel": [
            {{"role": "owner", "phone": " 13800138000 ", "cert_last6": "12345x"}},
            {{"role": "web_admin", "phone": "13900139000", "cert_last6": "654321"}}]}}"#
    );
    let (header, event) = p.schema().parse(&line).unwrap();
    assert_eq!(
        header,
        Header {
            type_name: Some("order_submitted".into()),
            at: Some("2026-11-28T10:00:00+08:00".into()),
        }
    );
    assert_eq!(event.ty, EventId::from_raw(0));
    assert_eq!(event.at, at());
    assert_eq!(
        event.fields,
        vec![
            text("F-1"),
            Value::list(vec![
                // `x` read as `X` (uppercase), the phone trimmed.
                Value::record(vec![
                    Value::Enum(ROLE, MemberId::from_raw(0)),
                    text("13800138000"),
                    text("12345X")
                ]),
                Value::record(vec![
                    Value::Enum(ROLE, MemberId::from_raw(2)),
                    text("13900139000"),
                    text("654321")
                ]),
            ]),
        ]
    );
}

#[test]
fn optional_fields_may_be_absent_or_null() {
    let p = policy();
    let base = format!(
        r#""type": "sms_sent", {AT}, "filing": "F", "phone": "13800138000", "code": "004213""#
    );
    let absent = p.ok(&format!("{{{base}}}"));
    assert_eq!(absent.fields[2], text("004213"));
    assert_eq!(absent.fields[3], Value::Unset);
    let null = p.ok(&format!(r#"{{{base}, "sender": null}}"#));
    assert_eq!(null.fields[3], Value::Unset);
    let given = p.ok(&format!(r#"{{{base}, "sender": "miit"}}"#));
    assert_eq!(given.fields[3], text("miit"));
}

#[test]
fn reads_every_kind_of_value() {
    let p = policy();
    let e = p.ok(&format!(
        r#"{{"type": "misc", {AT}, "n": 3, "flag": true, "grace": "1h30m",
            "when": "2026-11-28T02:00:00Z", "tags": ["b", "a", "b"], "region": "r9"}}"#
    ));
    assert_eq!(
        e.fields[..6],
        [
            Value::Count(3),
            Value::Bool(true),
            Value::Duration(SignedDuration::from_secs(5400)),
            Value::Instant(at()),
            Value::set_of(vec![text("a"), text("b")]),
            Value::Enum(REGION, MemberId::from_raw(9)),
        ]
    );
    assert_eq!(
        e.fields[6..],
        [
            Value::Unset,
            Value::Unset,
            Value::Unset,
            Value::Unset,
            Value::Unset
        ]
    );
    let tick = p.ok(r#"{"type": "tick", "at": "2026-11-28T02:00:00.5z"}"#);
    assert_eq!(tick.fields, vec![]);
}

#[test]
fn json_errors() {
    let p = policy();
    assert_eq!(
        p.message(r#"{"type": "tick","#),
        "not valid JSON: EOF while parsing a value at column 16"
    );
    assert_eq!(
        p.message(r#"{"type": "tick"} x"#),
        "not valid JSON: trailing characters at column 18"
    );
    assert_eq!(
        p.message("[1, 2]"),
        "an event must be a JSON object, not an array"
    );
    assert_eq!(
        p.message("null"),
        "an event must be a JSON object, not null"
    );
    assert_eq!(p.err("[1]").field(), None);
    let (header, _) = p.schema().parse("{").unwrap_err();
    assert_eq!(header, Header::default());
}

#[test]
fn type_errors() {
    let p = policy();
    assert_eq!(p.message(&format!("{{{AT}}}")), "field `type` is missing");
    assert_eq!(
        p.message(&format!(r#"{{"type": 3, {AT}}}"#)),
        "field `type` must be a string, not a number; write it as a string, in quotes"
    );
    let e = p.err(&format!(r#"{{"type": "sms_snet", {AT}}}"#));
    assert_eq!(
        e.to_string(),
        "unknown event type `sms_snet`; did you mean `sms_sent`?"
    );
    assert_eq!(e.field(), Some("type"));
    assert_eq!(
        p.message(&format!(r#"{{"type": "zzz", {AT}}}"#)),
        "unknown event type `zzz`"
    );
    assert_eq!(
        p.message(&format!(r#"{{"type": "tick", "type": "tick", {AT}}}"#)),
        "field `type` is given more than once"
    );
}

#[test]
fn at_errors() {
    let p = policy();
    assert_eq!(p.message(r#"{"type": "tick"}"#), "field `at` is missing");
    let e = p.err(r#"{"type": "tick", "at": "2026-11-28T10:00:00"}"#);
    assert_eq!(
        e.to_string(),
        "field `at`: expected a time with an offset, got \"2026-11-28T10:00:00\"; add an offset, e.g. `+08:00`"
    );
    assert_eq!(e.field(), Some("at"));
    assert_eq!(
        p.message(r#"{"type": "tick", "at": "yesterday"}"#),
        "field `at`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`, got \"yesterday\""
    );
    assert_eq!(
        p.message(r#"{"type": "tick", "at": "2026-13-01T00:00:00Z"}"#),
        "field `at`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`, \
         got \"2026-13-01T00:00:00Z\": parameter 'month' is not in the required range of 1..=12"
    );
    assert_eq!(
        p.message(r#"{"type": "tick", "at": "9999-12-31T23:59:59Z"}"#),
        "field `at`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`, got \
         \"9999-12-31T23:59:59Z\": it lies beyond the last instant docket represents \
         (9999-12-30T22:00:00Z)"
    );
    assert_eq!(
        p.message(r#"{"type": "tick", "at": "2026-11-28T10:00:00.1234567891Z"}"#),
        "field `at`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`, got \
         \"2026-11-28T10:00:00.1234567891Z\": a fraction of a second has at most nine digits"
    );
    // ISO 8601 forms that jiff accepts but RFC 3339 does not.
    for at in [
        "20261128T100000Z",
        "2026-11-28T10Z",
        "2026-11-28T10:00:00+0800",
        "2026-11-28T10:00:00+08:00[Asia/Shanghai]",
        // offsets beyond RFC 3339's 23:59
        "2026-11-28T10:00:00+24:00",
        "2026-11-28T10:00:00-25:59",
        "2026-11-28T10:00:00+08:60",
    ] {
        let e = p.err(&format!(r#"{{"type": "tick", "at": "{at}"}}"#));
        assert!(matches!(e, EventError::BadTime { .. }), "{at}: {e}");
    }
    assert_eq!(
        p.message(r#"{"type": "tick", "at": 1700000000}"#),
        "field `at` must be a string, not a number; write it as a string, in quotes"
    );
}

#[test]
fn the_header_carries_type_and_at_of_a_bad_line() {
    let p = policy();
    let (header, e) = p
        .schema()
        .parse(r#"{"type": "validation_attempt", "at": "2026-11-28 10:00:00", "phone": 1}"#)
        .unwrap_err();
    assert!(matches!(e, EventError::MissingOffset { .. }));
    assert_eq!(header.type_name.as_deref(), Some("validation_attempt"));
    assert_eq!(header.at.as_deref(), Some("2026-11-28 10:00:00"));
    let (header, _) = p
        .schema()
        .parse(r#"{"at": "soon", "type": "nope"}"#)
        .unwrap_err();
    assert_eq!(header.type_name.as_deref(), Some("nope"));
    assert_eq!(header.at.as_deref(), Some("soon"));
    let (header, _) = p
        .schema()
        .parse(r#"{"type": ["tick"], "at": 5}"#)
        .unwrap_err();
    assert_eq!(header, Header::default());
}

#[test]
fn field_errors() {
    let p = policy();
    let va = |rest: &str| format!(r#"{{"type": "validation_attempt", {AT}, {rest}}}"#);
    let e = p.err(&va(r#""phone": "13800138000", "cert_last6": "12345X""#));
    assert_eq!(e.to_string(), "field `code` is missing");
    assert_eq!(e.field(), Some("code"));
    // A misspelt field is named rather than the field it misses.
    let e = p.err(&va(
        r#""phone": "13800138000", "cod": "123456", "cert_last6": "12345X""#,
    ));
    assert_eq!(
        e.to_string(),
        "field `cod` is not a field of `validation_attempt`; did you mean `code`?"
    );
    assert_eq!(e.field(), Some("cod"));
    assert_eq!(
        p.message(&va(
            r#""phone": "13800138000", "code": "123456", "cert_last6": "12345X", "zz": 1"#
        )),
        "field `zz` is not a field of `validation_attempt`"
    );
    assert_eq!(
        p.message(&va(
            r#""phone": 13800138000, "code": "123456", "cert_last6": "12345X""#
        )),
        "field `phone` must be a string, not a number; write it as a string, in quotes"
    );
    assert_eq!(
        p.message(&va(
            r#""phone": "12345", "code": "123456", "cert_last6": "12345X""#
        )),
        "field `phone`: expected a mainland mobile number: 11 digits, the first 1, got \"12345\""
    );
    assert_eq!(
        p.message(&va(
            r#""phone": "13800138000", "code": "12345", "cert_last6": "12345X""#
        )),
        "field `code`: expected six digits (the value is not shown: the field is sensitive)"
    );
    assert_eq!(
        p.message(&va(
            r#""phone": "13800138000", "code": "123456", "code": "123456", "cert_last6": "12345X""#
        )),
        "field `code` is given more than once"
    );
    assert_eq!(
        p.message(&format!(
            r#"{{"type": "order_submitted", {AT}, "filing": "F 1", "personnel": []}}"#
        )),
        "field `filing`: expected the format `filing`, got \"F 1\""
    );
    assert_eq!(
        p.message(&format!(r#"{{"type": "tick", {AT}, "b": 1, "a": 2}}"#)),
        "field `b` is not a field of `tick`",
        "unknown fields are reported in the order written"
    );
}

#[test]
fn nested_errors_name_the_position() {
    let p = policy();
    let order = |people: &str| {
        format!(r#"{{"type": "order_submitted", {AT}, "filing": "F", "personnel": [{people}]}}"#)
    };
    let good = r#"{"role": "owner", "phone": "13800138000", "cert_last6": "12345X"}"#;
    let e = p.err(&order(&format!(
        r#"{good}, {{"role": "owner", "phone": "2", "cert_last6": "12345X"}}"#
    )));
    assert_eq!(
        e.to_string(),
        "field `personnel[1].phone`: expected a mainland mobile number: 11 digits, the first 1, got \"2\""
    );
    assert_eq!(e.field(), Some("personnel[1].phone"));
    assert_eq!(
        p.message(&order(
            r#"{"rol": "owner", "phone": "13800138000", "cert_last6": "12345X"}"#
        )),
        "field `personnel[0].rol` is not a field of `personnel[0]`; did you mean `role`?"
    );
    assert_eq!(
        p.message(&order(r#"{"role": "ownr", "phone": "13800138000", "cert_last6": "12345X"}"#)),
        "field `personnel[0].role`: expected one of `owner`, `contact`, `web_admin`, got \"ownr\"; did you mean `owner`?"
    );
    assert_eq!(
        p.message(&order(r#""owner""#)),
        "field `personnel[0]` must be an object, not a string"
    );
    assert_eq!(
        p.message(&format!(
            r#"{{"type": "order_submitted", {AT}, "filing": "F", "personnel": {good}}}"#
        )),
        "field `personnel` must be an array, not an object"
    );
}

#[test]
fn value_errors() {
    let p = policy();
    let misc = |rest: &str| p.message(&format!(r#"{{"type": "misc", {AT}, {rest}}}"#));
    assert_eq!(misc(r#""n": -3"#), "field `n` must not be negative, got -3");
    assert_eq!(
        misc(r#""n": 1.5"#),
        "field `n` must be a whole number, got 1.5"
    );
    assert_eq!(
        misc(r#""n": 10000000000000000000"#),
        "field `n` must be at most 9223372036854775807, got 10000000000000000000"
    );
    assert_eq!(
        misc(r#""n": 1e300"#),
        format!("field `n` must be a whole number, got {}", 1e300)
    );
    assert_eq!(
        misc(r#""n": "3""#),
        "field `n` must be a whole number, not a string"
    );
    assert_eq!(
        misc(r#""flag": "yes""#),
        "field `flag` must be true or false, not a string"
    );
    assert_eq!(
        misc(r#""grace": "5x""#),
        "field `grace`: expected a duration such as `24h` or `1h30m`, got \"5x\": unknown unit `x`; use `d`, `h`, `m` or `s`"
    );
    assert_eq!(
        misc(r#""region": "r10""#),
        "field `region`: expected a value of `region`, got \"r10\"; did you mean `r0`?"
    );
    assert_eq!(
        misc(r#""tags": [1]"#),
        "field `tags[0]` must be a string, not a number; write it as a string, in quotes"
    );
    assert_eq!(misc(r#""when": "2026-11-28T10:00""#), "field `when`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`, got \"2026-11-28T10:00\"");
}

#[test]
fn the_first_error_is_reported() {
    let p = policy();
    // `at` before the fields, fields in declaration order, unknown fields last.
    assert_eq!(
        p.err(r#"{"zz": 1, "code": "1", "phone": "2", "type": "validation_attempt", "at": "x"}"#)
            .field(),
        Some("at")
    );
    assert_eq!(
        p.err(&format!(
            r#"{{"zz": 1, "code": "1", "phone": "2", "type": "validation_attempt", {AT}}}"#
        ))
        .field(),
        Some("phone")
    );
    assert_eq!(
        p.err(&format!(r#"{{"zz": 1, "cert_last6": "12345X", "code": "123456", "phone": "13800138000", "type": "validation_attempt", {AT}}}"#)).field(),
        Some("zz")
    );
}

#[test]
fn sensitive_values_never_appear_in_errors() {
    let p = policy();
    let misc = |rest: &str| format!(r#"{{"type": "misc", {AT}, {rest}}}"#);
    let va = |code: &str, cert: &str| {
        format!(
            r#"{{"type": "validation_attempt", {AT}, "phone": "13800138000", "code": {code}, "cert_last6": {cert}}}"#
        )
    };
    let lines = [
        va(r#""98765""#, r#""12345X""#),
        va(r#""987654x""#, r#""12345X""#),
        va("987654", r#""12345X""#),
        va(r#""123456""#, r#""98765Y""#),
        va(r#""123456""#, r#""9876""#),
        misc(r#""secret_n": -98765"#),
        misc(r#""secret_n": 98765.5"#),
        misc(r#""secret_n": 19876598765987659876"#),
        misc(r#""secret_grace": "98765q""#),
        misc(r#""secret_when": "98765""#),
        misc(r#""secret_when": "2031-01-02T03:04:05""#),
        misc(r#""secret_when": "2031-13-01T00:00:00Z""#),
        misc(r#""secret_role": "ownr98765""#),
        misc(r#""secret_role": "ownr""#),
        misc(
            r#""secret_people": [{"role": "owner98765", "phone": "13800138000", "cert_last6": "12345X"}]"#,
        ),
        misc(r#""secret_people": [{"role": "owner", "phone": "98765", "cert_last6": "12345X"}]"#),
    ];
    for line in &lines {
        let message = p.message(line);
        for leak in ["9876", "8765", "owner\"", "ownr", "2031", "q`", "Y"] {
            assert!(
                !message.contains(leak),
                "{line}\n  leaks `{leak}`: {message}"
            );
        }
        assert!(message.contains("field `"), "{message}");
    }
    assert_eq!(
        p.message(&lines[5]),
        "field `secret_n` must not be negative (the value is not shown: the field is sensitive)"
    );
    assert_eq!(
        p.message(&lines[13]),
        "field `secret_role`: expected one of `owner`, `contact`, `web_admin` (the value is not shown: the field is sensitive)"
    );
}

#[test]
fn echoed_values_are_cut_and_escaped() {
    let p = policy();
    let long = "9".repeat(100_000);
    let message = p.message(&format!(r#"{{"type": "tick", "at": "{long}"}}"#));
    assert_eq!(
        message,
        format!("field `at`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`, got \"{}…\"", "9".repeat(40))
    );
    assert_eq!(
        p.message(r#"{"type": "tick", "at": "a\"b\n\u0001"}"#),
        r#"field `at`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`, got "a\"b\n\u0001""#
    );
    let key = "k".repeat(1000);
    assert_eq!(
        p.message(&format!(r#"{{"type": "tick", {AT}, "{key}\n": 1}}"#)),
        format!("field `{}…` is not a field of `tick`", "k".repeat(40))
    );
    assert_eq!(
        p.message(&format!(r#"{{"type": "{}", {AT}}}"#, "t".repeat(100))),
        format!("unknown event type `{}…`", "t".repeat(40))
    );
}

#[test]
fn hostile_input_is_an_error_not_a_panic() {
    let p = policy();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(p
        .message(&deep)
        .starts_with("not valid JSON: recursion limit exceeded"));
    let deep_field = format!(
        r#"{{"type": "misc", {AT}, "tags": {}{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    assert!(matches!(p.err(&deep_field), EventError::Json(_)));
    assert!(matches!(
        p.err(&format!(r#"{{"type": "misc", {AT}, "tags": [[[]]]}}"#)),
        EventError::WrongKind { .. }
    ));
    for line in [
        "",
        " ",
        "\u{feff}{}",
        "{\"type\": \"\\ud800\"}",
        "1e999",
        "-",
        "\"\\u0000\"",
    ] {
        let _ = p.schema().parse(line);
    }
}

#[test]
fn rfc3339_shapes() {
    assert_eq!(rfc3339_shape("2026-11-28T10:00:00+08:00"), Shape::Ok);
    assert_eq!(rfc3339_shape("2026-11-28t10:00:00.123z"), Shape::Ok);
    assert_eq!(rfc3339_shape("2026-11-28 10:00:00-00:00"), Shape::Ok);
    assert_eq!(rfc3339_shape("2026-11-28T10:00:00"), Shape::NoOffset);
    assert_eq!(rfc3339_shape("2026-11-28T10:00:00.5"), Shape::NoOffset);
    assert_eq!(rfc3339_shape("2026-11-28T10:00:00."), Shape::Bad);
    assert_eq!(rfc3339_shape("2026-11-28T10:00"), Shape::Bad);
    assert_eq!(rfc3339_shape("2026-11-28T10:00:00+08"), Shape::Bad);
    assert_eq!(rfc3339_shape("２026-11-28T10:00:00Z"), Shape::Bad);
}

#[test]
fn a_value_longer_than_its_format_allows_is_refused_before_matching() {
    let mut p = policy();
    // No bound: the default cap applies. A long pattern, and a value the size of the one
    // that took seconds to match.
    let alternatives: Vec<String> = (0..200).map(|i| format!("f{i}-[a-z0-9]*")).collect();
    let unbounded = format!("^({})+$", alternatives.join("|"));
    p.formats[FILING.index()] = format("filing", &unbounded, "a filing id");
    let order = |filing: &str| {
        format!(r#"{{"type": "order_submitted", {AT}, "filing": "{filing}", "personnel": []}}"#)
    };
    assert!(p.schema().parse(&order("f1-abc")).is_ok());
    let huge = format!("f1-{}", "a".repeat(100_000));
    let err = p.err(&order(&huge));
    assert!(
        matches!(&err, EventError::BadFormat { field, expected, .. }
            if field == "filing" && &**expected == "a filing id"),
        "{err:?}"
    );
    let cap = p.formats[FILING.index()].pattern.format_cap();
    assert_eq!(cap, 4096);
    let at_cap = format!("f1-{}", "a".repeat(cap - 3));
    assert!(p.schema().parse(&order(&at_cap)).is_ok());
    assert!(matches!(
        p.err(&order(&format!("{at_cap}a"))),
        EventError::BadFormat { .. }
    ));

    // A bounded format refuses past its bound, counted after trimming; the error keeps the
    // value hidden for a sensitive field.
    let phone = |phone: &str| {
        format!(
            r#"{{"type": "validation_attempt", {AT}, "phone": "{phone}", "code": "004213", "cert_last6": "12345X"}}"#
        )
    };
    assert!(p.schema().parse(&phone("   13800138000   ")).is_ok());
    assert!(matches!(
        p.err(&phone(&"1".repeat(100_000))),
        EventError::BadFormat { got: Some(_), .. }
    ));
    let code = format!(
        r#"{{"type": "validation_attempt", {AT}, "phone": "13800138000", "code": "{}", "cert_last6": "12345X"}}"#,
        "0".repeat(100_000)
    );
    assert_eq!(
        p.message(&code),
        "field `code`: expected six digits (the value is not shown: the field is sensitive)"
    );
}

#[test]
fn debug_hides_sensitive_fields_even_inside_records() {
    let p = policy();
    let sms = p.ok(&format!(
        r#"{{"type": "sms_sent", {AT}, "filing": "F-1", "phone": "13800138000", "code": "004213"}}"#
    ));
    let order = p.ok(&format!(
        r#"{{"type": "order_submitted", {AT}, "filing": "F-2", "personnel": [
            {{"role": "owner", "phone": "13800138000", "cert_last6": "12345X"}}]}}"#
    ));
    for event in [&sms, &order] {
        for text in [format!("{event:?}"), format!("{event:#?}")] {
            assert!(!text.contains("004213"), "{text}");
            assert!(!text.contains("12345X"), "{text}");
            assert!(text.contains("<sensitive>"), "{text}");
        }
    }
    let shown = format!("{sms:?}");
    assert!(shown.contains(r#"type: "sms_sent""#), "{shown}");
    assert!(shown.contains(r#"phone: Text("13800138000")"#), "{shown}");
    assert!(shown.contains("code: <sensitive>"), "{shown}");
    assert!(shown.contains("at: 2026-11-28T10:00:00+08:00"), "{shown}");
    // The personnel list holds certificate digits: it is hidden whole.
    assert!(format!("{order:?}").contains("personnel: <sensitive>"));
}

// ── sealing (issue 8) ──────────────────────────────────────────────────────

#[test]
fn a_key_seals_sensitive_values_after_their_format_is_checked() {
    let p = policy();
    let key = crate::seal::SealKey::from_bytes([7; 32]);
    let schema = p.schema().sealing(crate::seal::Sealing::Seal(&key));
    let line = format!(
        r#"{{"type": "validation_attempt", {AT}, "phone": "13800138000", "code": "004213", "cert_last6": "12345x"}}"#
    );
    let (_, e) = schema.parse(&line).expect("accepted");
    // the certificate digits are upper-cased, then sealed; the phone is not sensitive
    assert_eq!(e.fields[1], Value::text(key.seal("004213")));
    assert_eq!(e.fields[2], Value::text(key.seal("12345X")));
    assert_eq!(e.fields[0], Value::text("13800138000"));
    // a bad value is refused as without a key, and nothing of it is shown
    let bad = line.replace("004213", "0042");
    let (_, err) = schema.parse(&bad).expect_err("refused");
    assert!(err.to_string().contains("six digits"), "{err}");
    assert!(!err.to_string().contains("0042"), "{err}");
}

#[test]
fn a_journal_line_must_hold_sealed_values_and_reads_back_the_same_event() {
    let p = policy();
    let key = crate::seal::SealKey::from_bytes([7; 32]);
    let (code, cert) = (key.seal("004213"), key.seal("12345X"));
    let sealed = p.schema().sealing(crate::seal::Sealing::Sealed);
    let line = format!(
        r#"{{"type": "validation_attempt", {AT}, "phone": "13800138000", "code": "{code}", "cert_last6": "{cert}"}}"#
    );
    let (_, e) = sealed.parse(&line).expect("accepted");
    assert_eq!(e.fields[1], Value::text(code.as_str()));
    // a value in clear in a journal is damage, refused without being shown
    let clear = line.replace(&code, "004213");
    let (_, err) = sealed.parse(&clear).expect_err("refused");
    assert!(err.to_string().contains("sealed value"), "{err}");
    assert!(!err.to_string().contains("004213"), "{err}");
}

#[test]
fn a_format_bound_refuses_longer_values_without_showing_them() {
    let mut p = policy();
    p.formats[CODE.index()].pattern = Pattern::new("^[0-9]+$").unwrap();
    p.formats[CODE.index()].max_chars = Some(6);
    let va = |code: &str| {
        format!(
            r#"{{"type": "validation_attempt", {AT}, "phone": "13800138000", "code": "{code}", "cert_last6": "12345X"}}"#
        )
    };
    p.ok(&va("123456"));
    let err = p.err(&va("1234567"));
    assert_eq!(
        err.to_string(),
        "field `code`: expected at most 6 characters (the value is not shown: the field is sensitive)"
    );
}

/// The fast path of reading a record (members in declared order, each once) gives what the
/// full checks give, value or first error, on every list of up to four members drawn from
/// declared, reserved, unknown and misspelt names, with good and bad values.
#[test]
fn the_fast_path_reads_what_the_full_checks_read() {
    let p = policy();
    let schema = p.schema();
    // sms_sent: filing, phone, code (sensitive), sender (optional)
    let record = RecordId::from_raw(2);
    let pool: Vec<(&str, Json)> = vec![
        ("filing", Json::Str("A1".into())),
        ("filing", Json::Int(3)),
        ("phone", Json::Str("13800000000".into())),
        ("phone", Json::Str("12".into())),
        ("code", Json::Str("123456".into())),
        ("sender", Json::Null),
        ("sender", Json::Str("ops".into())),
        ("type", Json::Str("sms_sent".into())),
        ("phnoe", Json::Str("13800000000".into())),
        ("extra", Json::Bool(true)),
    ];
    let mut lists: Vec<Vec<usize>> = vec![vec![]];
    for _ in 0..4 {
        let longer: Vec<Vec<usize>> = lists
            .iter()
            .filter(|l| l.len() == lists.last().map_or(0, Vec::len))
            .flat_map(|l| {
                (0..pool.len()).map(move |i| {
                    let mut l = l.clone();
                    l.push(i);
                    l
                })
            })
            .collect();
        lists.extend(longer);
    }
    let mut fast_ok = 0;
    for list in &lists {
        let members: Vec<(Cow<str>, Json)> = list
            .iter()
            .map(|&i| (Cow::Borrowed(pool[i].0), pool[i].1.clone()))
            .collect();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let within = Within {
            prefix: super::Path::Top,
            of: Some("sms_sent"),
            reserved: &["type"],
            sensitive: false,
        };
        let fast = schema.record_into(record, &members, within, &mut a);
        let full = schema.record_checked(record, &members, within, &mut b);
        assert_eq!(fast, full, "{list:?}");
        if fast.is_ok() {
            assert_eq!(a, b, "{list:?}");
            fast_ok += 1;
        }
    }
    assert!(
        lists.len() > 10_000 && fast_ok > 20,
        "{} lists, {fast_ok} read",
        lists.len()
    );
}

/// The direct path of reading a line (no tree of its members) gives what the general path
/// gives, event or first error, header included: on every order of a valid line's members,
/// and on each of them with one member replaced by another (a bad value, an escaped key, a
/// member given twice, `type` of another kind), left out, or with one more inserted.
#[test]
fn the_direct_path_reads_what_the_general_path_reads() {
    let p = policy();
    let schema = p.schema();
    let good = [
        r#""type":"validation_attempt""#,
        r#""at":"2026-11-28T10:00:00+08:00""#,
        r#""phone":" 13800000000 ""#,
        r#""code":"123456""#,
        r#""cert_last6":"12345x""#,
    ];
    let others = [
        r#""type":"sms_sent""#,
        r#""type":"tick""#,
        r#""type":7"#,
        r#""type":"nope""#,
        r#""at":"soon""#,
        r#""at":"2026-11-28T10:00:00""#,
        r#""at":"2026-11-28T10:00:00.5Z""#,
        r#""phone":"12""#,
        r#""p\u0068one":"13800000000""#,
        r#""code":"12345a""#,
        r#""code":123456"#,
        r#""cert_last6":"12345X""#,
        r#""cert_last6":null"#,
        r#""extra":true"#,
        r#""phnoe":"13800000000""#,
        r#""sender":null"#,
        r#""code":"1234\u00356""#,
    ];
    let mut orders: Vec<Vec<&str>> = vec![vec![]];
    for _ in 0..good.len() {
        orders = orders
            .into_iter()
            .flat_map(|o| {
                good.iter()
                    .filter(|m| !o.contains(m))
                    .map(|m| {
                        let mut o = o.clone();
                        o.push(*m);
                        o
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
    }
    let mut lines = Vec::new();
    for order in &orders {
        lines.push(order.clone());
        for i in 0..order.len() {
            let mut fewer = order.clone();
            fewer.remove(i);
            lines.push(fewer);
            for other in others.iter().chain(&good) {
                let mut changed = order.clone();
                changed[i] = other;
                lines.push(changed);
            }
        }
        for i in 0..=order.len() {
            for extra in [others[13], others[8], good[2], good[1], good[0]] {
                let mut more = order.clone();
                more.insert(i, extra);
                lines.push(more);
            }
        }
    }
    lines.extend([
        vec![],
        vec![good[0]],
        vec![good[0], good[1]],
        vec![good[1], good[0]],
    ]);
    let tick = [r#""type":"tick""#, good[1]];
    lines.push(tick.to_vec());
    let (mut direct, mut accepted) = (0, 0);
    for members in &lines {
        let line = format!("{{{}}}", members.join(","));
        let general = schema.general(&line, Vec::new());
        let read = schema.parse(&line);
        assert_eq!(read, general, "{line}");
        if let Some(d) = schema.direct(&line, &mut Vec::new()) {
            assert_eq!(Ok(d), general, "{line}");
            direct += 1;
        }
        accepted += usize::from(general.is_ok());
    }
    // not JSON, or not an object: the general path's errors
    for line in [
        "",
        "{",
        "[1]",
        "{\"type\":\"tick\",\"at\":\"2026-11-28T10:00:00Z\"} x",
    ] {
        assert_eq!(
            schema.parse(line),
            schema.general(line, Vec::new()),
            "{line}"
        );
    }
    assert!(
        lines.len() > 10_000 && direct > 150 && accepted > direct,
        "{} lines, {direct} read directly, {accepted} accepted",
        lines.len()
    );
}

/// The direct path reads values of every kind, and whitespace, as the general path does:
/// each field of `misc` and `order_submitted` given each of many JSON values, good and bad
/// (numbers with leading zeros, fractions, exponents, `-0`, beyond `i64`; escapes; nested
/// records; deep nesting; text after the object).
#[test]
fn the_direct_path_reads_every_kind_of_value_as_the_general_path() {
    let p = policy();
    let schema = p.schema();
    let values = [
        "0",
        "7",
        "-1",
        "-0",
        "01",
        "1.5",
        "1e3",
        "2E1",
        "99999999999999999999",
        "-",
        "9223372036854775807",
        "-9223372036854775808",
        "true",
        "false",
        "null",
        "tru",
        "nul",
        r#""""#,
        r#""r3""#,
        r#""r\u0033""#,
        r#""owner""#,
        r#""2 days""#,
        r#""10m""#,
        r#""2026-11-28T10:00:00Z""#,
        r#""2026-11-28T10:00:00""#,
        r#""a	b""#,
        "[]",
        "[1,2]",
        r#"["a","b","a"]"#,
        r#"["a",1]"#,
        "{}",
        r#"{"a":1}"#,
        r#"[{"role":"owner","phone":"13800000000","cert_last6":"12345x"}]"#,
        r#"[{"role":"owner","phone":"13800000000","cert_last6":"12345x","x":1}]"#,
        r#"[{"role":"owner","phone":"13800000000"}]"#,
        r#"[{"role":"own\"er"}]"#,
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "[1",
        r#""x"#,
        "1 2",
        r#""\ud800""#,
    ];
    let misc = [
        "n",
        "flag",
        "grace",
        "when",
        "tags",
        "region",
        "secret_n",
        "secret_grace",
        "secret_when",
        "secret_role",
        "secret_people",
    ];
    let mut lines = Vec::new();
    for value in values {
        for field in misc {
            lines.push(format!(
                r#"{{"type":"misc","at":"2026-11-28T10:00:00Z","{field}":{value}}}"#
            ));
        }
        lines.push(format!(
            r#"{{ "type" : "order_submitted" ,{AT}, "filing" : "A1" , "personnel" : {value} }} "#
        ));
        lines.push(format!(
            r#"{{"type":"order_submitted",{AT},"personnel":{value},"filing":"A1"}}"#
        ));
        lines.push(format!(r#"{{"type":"misc",{AT},"n":1}}{value}"#));
    }
    // in the clear, sealing sensitive values, and reading a journal's sealed ones
    let key = crate::seal::SealKey::from_bytes([7; 32]);
    let sealed = key.seal("12345X");
    lines.push(format!(
        r#"{{"type":"misc",{AT},"secret_people":[{{"role":"owner","phone":"13800000000","cert_last6":"{sealed}"}}]}}"#
    ));
    let sealings = [
        crate::seal::Sealing::Clear,
        crate::seal::Sealing::Seal(&key),
        crate::seal::Sealing::Sealed,
    ];
    for sealing in sealings {
        let schema = schema.sealing(sealing);
        let (mut direct, mut accepted) = (0, 0);
        for line in &lines {
            let general = schema.general(line, Vec::new());
            assert_eq!(schema.parse(line), general, "{line}");
            if let Some(d) = schema.direct(line, &mut Vec::new()) {
                assert_eq!(Ok(d), general, "{line}");
                direct += 1;
            }
            accepted += usize::from(general.is_ok());
        }
        assert!(
            direct > 20 && accepted > direct,
            "{direct} read directly, {accepted} accepted"
        );
    }
}
