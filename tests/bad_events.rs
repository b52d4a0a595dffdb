//! Bad input is an error record, never a decision: the world (clock included) is exactly as
//! it was, and the stream goes on.

use docket::{Engine, World};

const SETUP: &[&str] = &[
    r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"first_filing","variant":"website","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"11111X"},{"role":"website_admin","phone":"13900000002","cert_last6":"222222"}]}"#,
    r#"{"type":"sms_sent","at":"2026-11-28T10:00:00+08:00","filing":"F1","phone":"13800000001","code":"123456"}"#,
    r#"{"type":"validation_attempt","at":"2026-11-28T10:05:00+08:00","phone":"13800000001","code":"123456","cert_last6":"11111X"}"#,
];

/// Each bad line, and a word its error must contain.
const BAD: &[(&str, &str)] = &[
    (r#"{"type":"tick","at":"#, "JSON"),
    (r#"[1,2]"#, "object"),
    (
        r#"{"type":"tock","at":"2026-11-28T11:00:00+08:00"}"#,
        "tock",
    ),
    (r#"{"type":"tick"}"#, "`at`"),
    (r#"{"type":"tick","at":"2026-11-28T11:00:00"}"#, "offset"),
    (
        r#"{"type":"tick","at":"2026-11-28T09:59:00+08:00"}"#,
        "earlier than the previous event",
    ),
    (
        r#"{"type":"sms_sent","at":"2026-11-28T11:00:00+08:00","filing":"F9","phone":"13800000001","code":"123456"}"#,
        "`filing`",
    ),
    (
        r#"{"type":"sms_sent","at":"2026-11-28T11:00:00+08:00","filing":"F1","phone":"13800000001","code":"123456"}"#,
        "already validated",
    ),
    (
        r#"{"type":"sms_sent","at":"2026-11-28T11:00:00+08:00","filing":"F1","phone":"13700000009","code":"123456"}"#,
        "no required person",
    ),
    (
        r#"{"type":"sms_sent","at":"2026-11-28T11:00:00+08:00","filing":"F1","phone":"13900000002","code":"12a456"}"#,
        "`code`",
    ),
    (
        r#"{"type":"validation_attempt","at":"2026-11-28T11:00:00+08:00","phone":13900000002,"code":"123456","cert_last6":"222222"}"#,
        "`phone`",
    ),
    (
        r#"{"type":"order_submitted","at":"2026-11-28T11:00:00+08:00","filing":"F1","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"11111X"}]}"#,
        "exists",
    ),
    (
        r#"{"type":"phone_change","at":"2026-11-28T11:00:00+08:00","filing":"F1","role":"website_admn","new_phone":"13700000009"}"#,
        "website_admin",
    ),
    (
        r#"{"type":"order_canceled","at":"2026-11-28T11:00:00+08:00","filing":"F1","extra":1}"#,
        "`extra`",
    ),
    // an error at the window's end: the expiry it would trigger is not applied either
    (
        r#"{"type":"sms_sent","at":"2026-11-29T10:00:00+08:00","filing":"F1","phone":"13700000009","code":"123456"}"#,
        "`filing`",
    ),
];

#[test]
fn every_bad_line_is_an_error_and_changes_nothing() {
    let engine = Engine::icp();
    let mut world = World::new();
    for (i, line) in SETUP.iter().enumerate() {
        let r = engine.run_line(&mut world, i + 1, line);
        assert!(!r.is_error(), "{}", r.to_json());
    }
    let before = engine.save_world(&world);
    for (i, (line, word)) in BAD.iter().enumerate() {
        let seq = SETUP.len() + i + 1;
        let json = engine.run_line(&mut world, seq, line).to_json();
        let out: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        let err = out["error"]
            .as_str()
            .unwrap_or_else(|| panic!("line {seq} should be an error: {json}"));
        assert!(err.starts_with(&format!("line {seq}: ")), "{err}");
        assert!(
            err.contains(word),
            "line {seq}: {err:?} should mention {word:?}"
        );
        assert!(out.get("outcomes").is_none());
        assert_eq!(
            engine.save_world(&world),
            before,
            "line {seq} changed the world"
        );
    }
    // the stream goes on: the second person validates
    let good = r#"{"type":"sms_sent","at":"2026-11-28T12:00:00+08:00","filing":"F1","phone":"13900000002","code":"654321"}"#;
    assert!(!engine.run_line(&mut world, 99, good).is_error());
    let good = r#"{"type":"validation_attempt","at":"2026-11-28T12:01:00+08:00","phone":"13900000002","code":"654321","cert_last6":"222222"}"#;
    let json = engine.run_line(&mut world, 100, good).to_json();
    assert!(json.contains(r#""status":"under_review""#), "{json}");
}

#[test]
fn sensitive_values_never_appear_in_errors() {
    let engine = Engine::icp();
    let mut world = World::new();
    for line in [
        r#"{"type":"validation_attempt","at":"2026-11-28T11:00:00+08:00","phone":"13800000001","code":"98765","cert_last6":"11111X"}"#,
        r#"{"type":"validation_attempt","at":"2026-11-28T11:00:00+08:00","phone":"13800000001","code":"987654","cert_last6":"4321"}"#,
        r#"{"type":"resend_request","at":"2026-11-28T11:00:00+08:00","phone":"13800000001","cert_last6":"ABCDEFG"}"#,
    ] {
        let json = engine.run_line(&mut world, 1, line).to_json();
        for secret in ["98765", "987654", "4321", "ABCDEFG", "11111X"] {
            assert!(!json.contains(secret), "{json} shows {secret}");
        }
    }
}

#[test]
fn the_same_stream_gives_byte_identical_output() {
    let engine = Engine::icp();
    let run = || {
        let mut world = World::new();
        SETUP
            .iter()
            .chain(BAD.iter().map(|(l, _)| l))
            .enumerate()
            .map(|(i, l)| engine.run_line(&mut world, i + 1, l).to_json() + "\n")
            .collect::<String>()
    };
    assert_eq!(run(), run());
}

#[test]
fn the_icp_events_read_as_the_contract_says() {
    let engine = Engine::icp();
    let at = r#""at": "2026-11-28T10:00:00+08:00""#;
    let err = |rest: &str| {
        let line = format!("{{{at}, {rest}}}");
        match engine.parse_event(&line) {
            Ok(e) => panic!("{line}: accepted as {e:?}"),
            Err(e) => e.to_string(),
        }
    };
    for rest in [
        r#""type": "validation_attempt", "phone": "13800138000", "code": "98765", "cert_last6": "12345X""#,
        r#""type": "validation_attempt", "phone": "13800138000", "code": "123456", "cert_last6": "98765Y""#,
        r#""type": "validation_attempt", "phone": "13800138000", "code": 987650, "cert_last6": "12345X""#,
        r#""type": "sms_sent", "filing": "F", "phone": "13800138000", "code": "9876543""#,
        r#""type": "order_submitted", "filing": "F", "scenario": "first_filing", "variant": "app", "personnel": [{"role": "entity_leader", "phone": "13800000001", "cert_last6": "98765"}]"#,
    ] {
        let message = err(rest);
        assert!(!message.contains("9876"), "{rest}\n  leaks: {message}");
        assert!(
            message.contains("the value is not shown") || message.contains("not a number"),
            "{message}"
        );
    }
    assert_eq!(
        err(r#""type": "resend_request", "phone": "1380013800", "cert_last6": "12345X""#),
        "field `phone`: expected a mainland mobile number: 11 digits, the first 1, got \"1380013800\""
    );
    let lower = format!(
        r#"{{{at}, "type": "resend_request", "phone": "13800138000", "cert_last6": "12345x"}}"#
    );
    assert!(engine.parse_event(&lower).is_ok());
}
