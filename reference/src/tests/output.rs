//! Output records, byte for byte (the shapes the engine writes, found by running it).

use crate::{Catalogue, MessageText, Model};

fn line(m: &mut Model, seq: usize, input: &str) -> (bool, String) {
    let mut out = String::new();
    let ok = m.run_line(seq, input, &mut out);
    (ok, out)
}

/// The record without its error text.
fn head(record: &str) -> &str {
    let i = record.find(",\"error\":\"line ").expect("an error record");
    &record[..i]
}

const ORDER: &str = r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"first_filing","variant":"website","personnel":[{"role":"website_admin","phone":"13900000002","cert_last6":"67890x"},{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#;

#[test]
fn accepted_records() {
    let mut m = Model::new();
    assert_eq!(
        line(&mut m, 1, ORDER),
        (
            true,
            r#"{"seq":1,"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","outcomes":[{"filing":"F1","status":"awaiting_sync","messages":[{"id":"order_submitted"}],"required_roles":["entity_leader","website_admin"]}]}"#.into()
        )
    );
    assert_eq!(
        line(&mut m, 2, r#"{"at":"2026-11-28 09:10:00.5z","type":"sms_sent","filing":"F1","phone":"13800000001","code":"004213","sender":null}"#),
        (
            true,
            r#"{"seq":2,"type":"sms_sent","at":"2026-11-28 09:10:00.5z","outcomes":[{"filing":"F1","status":"awaiting_validation","messages":[]}]}"#.into()
        )
    );
    assert_eq!(
        line(&mut m, 3, r#"{"type":"resend_request","at":"2026-11-28T09:11:00Z","phone":"13800000001","cert_last6":"99999X"}"#),
        (
            true,
            r#"{"seq":3,"type":"resend_request","at":"2026-11-28T09:11:00Z","outcomes":[{"filing":null,"status":null,"messages":[{"id":"resend_record_not_found"}]}]}"#.into()
        )
    );
    assert_eq!(
        line(
            &mut m,
            4,
            r#"{"type":"t\u0069ck","at":"2026-11-28T09:11:00Z"}"#
        ),
        (
            true,
            r#"{"seq":4,"type":"tick","at":"2026-11-28T09:11:00Z","outcomes":[]}"#.into()
        )
    );
}

#[test]
fn a_catalogue_shows_the_texts() {
    let cat = Catalogue::new([(
        "order_submitted".to_string(),
        MessageText {
            text: "Dear \"ICP\" user:\n".into(),
            result: "r\\".into(),
            next_step: "n\u{1}".into(),
        },
    )]);
    let mut m = Model::with_catalogue(cat);
    let (ok, out) = line(&mut m, 1, ORDER);
    assert!(ok);
    assert!(
        out.contains(r#""messages":[{"id":"order_submitted","text":"Dear \"ICP\" user:\n","result":"r\\","next_step":"n\u0001"}]"#),
        "{out}"
    );
    // A message the catalogue lacks shows its id only.
    let (_, out) = line(
        &mut m,
        2,
        r#"{"type":"order_canceled","at":"2026-11-28T09:00:00+08:00","filing":"F1"}"#,
    );
    assert!(
        out.contains(r#""messages":[{"id":"order_canceled"}]"#),
        "{out}"
    );
}

#[test]
fn error_records_echo_type_and_at_as_the_engine_does() {
    let mut m = Model::new();
    let cases: [(&str, &str); 12] = [
        ("{", r#"{"seq":1"#),
        ("", r#"{"seq":1"#),
        ("[]", r#"{"seq":1"#),
        (r#"["tick","2026-11-28T09:00:00Z"]"#, r#"{"seq":1"#),
        (
            r#"{"type":5,"at":"2026-11-28T09:00:00+08:00"}"#,
            r#"{"seq":1,"at":"2026-11-28T09:00:00+08:00""#,
        ),
        (r#"{"type":"tick"}"#, r#"{"seq":1,"type":"tick""#),
        (r#"{"type":"tick","at":5}"#, r#"{"seq":1,"type":"tick""#),
        (
            r#"{"type":"tick","type":7,"at":"x"}"#,
            r#"{"seq":1,"type":"tick","at":"x""#,
        ),
        (
            r#"{"type":7,"type":"tick","at":"x"}"#,
            r#"{"seq":1,"at":"x""#,
        ),
        (
            r#"{"type":"tick","at":"2026-11-28T09:00:00+08:00","x":1e400}"#,
            r#"{"seq":1"#,
        ),
        (
            r#"{"typ\u0065":"ti\nck","at":"2026\u0001","note":{"a":[1,null]}}"#,
            r#"{"seq":1,"type":"ti\nck","at":"2026\u0001""#,
        ),
        (
            r#"{"type":"tick","at":"2026-11-28T09:00:00","sender":null}"#,
            r#"{"seq":1,"type":"tick","at":"2026-11-28T09:00:00""#,
        ),
    ];
    for (input, want) in cases {
        let (ok, out) = line(&mut m, 1, input);
        assert!(!ok, "{input}");
        assert_eq!(head(&out), want, "{input}");
        assert!(out.ends_with("\"}"), "{out}");
        serde_json::from_str::<serde_json::Value>(&out).expect("a JSON record");
    }
    assert!(m.is_empty());
    assert_eq!(m.clock(), None);
}

#[test]
fn errors_never_show_a_code_or_certificate() {
    let mut m = Model::new();
    let at = r#""at":"2026-11-28T09:00:00+08:00""#;
    let lines = [
        format!(
            r#"{{"type":"validation_attempt",{at},"phone":"13800000001","code":"482913","cert_last6":"52817Y"}}"#
        ),
        format!(
            r#"{{"type":"validation_attempt",{at},"phone":"13800000001","code":"48291","cert_last6":"52817X"}}"#
        ),
        format!(
            r#"{{"type":"validation_attempt",{at},"phone":"13800000001","code":482913,"cert_last6":"52817X"}}"#
        ),
        format!(
            r#"{{"type":"validation_attempt",{at},"phone":"13800000001","code":"482913","cert_last6":"52817X","482913":1}}"#
        ),
        format!(
            r#"{{"type":"validation_attempt",{at},"phone":"13800000001","code":"482913","cert_last6":52817}}"#
        ),
        format!(
            r#"{{"type":"order_submitted",{at},"filing":"F1","scenario":"cancel","variant":"entity","personnel":[{{"role":"entity_leader","phone":"13800000001","cert_last6":"52817X","52817X":1}}]}}"#
        ),
        format!(
            r#"{{"type":"sms_sent",{at},"filing":"F9","phone":"13800000001","code":"482913"}}"#
        ),
    ];
    for (i, l) in lines.iter().enumerate() {
        let (ok, out) = line(&mut m, i + 1, l);
        assert!(!ok, "{l}");
        let text = &out[head(&out).len()..];
        for secret in ["482913", "48291", "52817", "52817X"] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}

#[test]
fn view_and_deadlines() {
    let mut m = Model::new();
    let mut out = String::new();
    assert!(m.run_line(1, ORDER, &mut out));
    assert_eq!(m.next_deadline(), None);
    assert!(m.run_line(2, r#"{"type":"sms_sent","at":"2026-11-28T09:10:00+08:00","filing":"F1","phone":"13800000001","code":"004213"}"#, &mut out));
    let end: jiff::Timestamp = "2026-11-29T01:10:00Z".parse().unwrap();
    assert_eq!(m.next_deadline(), Some(end));
    assert_eq!(m.len(), 1);
    let v = m.view();
    assert_eq!(v[0].id, "F1");
    assert_eq!(v[0].scenario, "first_filing");
    assert_eq!(v[0].status, "awaiting_validation");
    assert_eq!(v[0].window_end, Some(end));
    // People in the order `personnel` lists them.
    assert_eq!(v[0].people[0].phone, "13900000002");
    assert_eq!(v[0].people[0].cert, "67890X");
    assert_eq!(v[0].people[0].code, None);
    assert_eq!(v[0].people[1].code.as_deref(), Some("004213"));
    assert!(m.run_line(
        3,
        r#"{"type":"order_canceled","at":"2026-11-28T09:10:00+08:00","filing":"F1"}"#,
        &mut out
    ));
    assert_eq!(
        m.next_deadline(),
        None,
        "a canceled filing's window changes nothing"
    );
    let mut copy = m.clone();
    assert!(copy.run_line(
        4,
        r#"{"type":"tick","at":"2026-11-30T09:10:00+08:00"}"#,
        &mut out
    ));
    assert_ne!(copy.clock(), m.clock(), "a clone is a separate world");
}
