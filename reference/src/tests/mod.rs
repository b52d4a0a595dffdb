//! The model on hand-written streams (ported from the differential test's `model_*` tests),
//! plus checks of its parts: the `at` parser, string escaping, decoding and output records.

mod formats;
mod output;

use crate::{Bad, Model, Outcome};

type Res = Result<Vec<Outcome>, Bad>;

fn o(filing: &str, status: &'static str, messages: &[&'static str]) -> Outcome {
    Outcome {
        filing: Some(filing.into()),
        status: Some(status),
        messages: messages.to_vec(),
        required_roles: None,
    }
}

fn person(message: &'static str) -> Outcome {
    Outcome {
        filing: None,
        status: None,
        messages: vec![message],
        required_roles: None,
    }
}

fn submitted(filing: &str, roles: &[&'static str]) -> Res {
    let mut out = o(filing, "awaiting_sync", &["order_submitted"]);
    out.required_roles = Some(roles.to_vec());
    Ok(vec![out])
}

/// Runs `lines` through `decode` + `apply`, and through `run_line` on a second model: both
/// must accept the same lines.
fn run<S: AsRef<str>>(lines: &[S]) -> Vec<Res> {
    let mut m = Model::new();
    let mut m2 = Model::new();
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let l = l.as_ref();
            let got = m.decode(l).and_then(|e| m.apply(&e));
            let mut out = String::new();
            let ok = m2.run_line(i + 1, l, &mut out);
            assert_eq!(
                ok,
                got.is_ok(),
                "run_line and decode+apply disagree on {l}: {out}"
            );
            got
        })
        .collect()
}

fn is_err(r: &Res) -> bool {
    r.is_err()
}

const ORDER_TWO: &str = r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"first_filing","variant":"website","personnel":[{"role":"website_admin","phone":"13900000002","cert_last6":"67890x"},{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#;

#[test]
fn model_happy_path_of_a_two_person_filing() {
    let got = run(&[
        ORDER_TWO,
        r#"{"type":"sms_sent","at":"2026-11-28T09:40:00+08:00","filing":"F1","phone":"13800000001","code":"000111","sender":"12381"}"#,
        r#"{"type":"sms_sent","at":"2026-11-28T09:41:00+08:00","filing":"F1","phone":"13900000002","code":"004213","sender":"106123456789012381"}"#,
        r#"{"type":"validation_attempt","at":"2026-11-28T10:00:00+08:00","phone":"13800000001","code":"000111","cert_last6":"12345x"}"#,
        r#"{"type":"validation_attempt","at":"2026-11-28T10:01:00+08:00","phone":"13800000001","code":"000111","cert_last6":"12345X"}"#,
        r#"{"type":"validation_attempt","at":"2026-11-28T02:02:00Z","phone":"13900000002","code":"004213","cert_last6":"67890X"}"#,
        r#"{"type":"tick","at":"2026-11-30T00:00:00+08:00"}"#,
    ]);
    assert_eq!(
        got,
        vec![
            submitted("F1", &["entity_leader", "website_admin"]),
            Ok(vec![o("F1", "awaiting_validation", &[])]),
            Ok(vec![o("F1", "awaiting_validation", &[])]),
            Ok(vec![o(
                "F1",
                "partially_validated",
                &["validation_complete_waiting"]
            )]),
            Ok(vec![person("record_not_found_or_complete")]),
            Ok(vec![o("F1", "under_review", &["validation_complete"])]),
            Ok(vec![]),
        ]
    );
}

#[test]
fn model_one_person_holding_both_roles_validates_once() {
    let got = run(&[
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F2","scenario":"add_provider","variant":"all","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345x"},{"role":"website_admin","phone":"13800000001","cert_last6":"12345X"}]}"#,
        r#"{"type":"sms_sent","at":"2026-11-28T09:40:00+08:00","filing":"F2","phone":"13800000001","code":"004213"}"#,
        r#"{"type":"validation_attempt","at":"2026-11-28T10:00:00+08:00","phone":"13800000001","code":"004213","cert_last6":"12345X"}"#,
    ]);
    assert_eq!(
        got[2],
        Ok(vec![o("F2", "under_review", &["validation_complete"])])
    );
}

#[test]
fn model_five_failures_reject_and_the_window_then_cancels() {
    let attempt = |min: u32, code: &str| {
        format!(
            r#"{{"type":"validation_attempt","at":"2026-11-28T10:{min:02}:00+08:00","phone":"13800000001","code":"{code}","cert_last6":"12345X"}}"#
        )
    };
    let mut lines = vec![
        ORDER_TWO.to_string(),
        r#"{"type":"sms_sent","at":"2026-11-28T09:40:00+08:00","filing":"F1","phone":"13800000001","code":"000111"}"#.to_string(),
        r#"{"type":"sms_sent","at":"2026-11-28T09:45:00+08:00","filing":"F1","phone":"13800000001","code":"731946"}"#.to_string(),
    ];
    // The old code counts as a failure, and so does a wrong certificate.
    lines.push(attempt(0, "000111"));
    lines.push(
        r#"{"type":"validation_attempt","at":"2026-11-28T10:01:00+08:00","phone":"13800000001","code":"731946","cert_last6":"678905"}"#.into(),
    );
    for min in 2..5 {
        lines.push(attempt(min, "582014"));
    }
    lines.push(attempt(6, "731946"));
    lines.push(r#"{"type":"resend_request","at":"2026-11-28T10:07:00+08:00","phone":"13800000001","cert_last6":"12345X"}"#.into());
    lines.push(r#"{"type":"sms_sent","at":"2026-11-28T10:08:00+08:00","filing":"F1","phone":"13900000002","code":"731946"}"#.into());
    lines.push(r#"{"type":"tick","at":"2026-11-29T01:40:00Z"}"#.into());
    let got = run(&lines);
    for g in &got[3..7] {
        assert_eq!(
            *g,
            Ok(vec![o("F1", "awaiting_validation", &["validation_failed"])])
        );
    }
    assert_eq!(
        got[7],
        Ok(vec![o(
            "F1",
            "rejected",
            &["validation_failed", "application_rejected"]
        )])
    );
    assert_eq!(got[8], Ok(vec![person("record_not_found_or_complete")]));
    assert_eq!(got[9], Ok(vec![person("resend_no_pending")]));
    assert!(is_err(&got[10]), "no SMS to a rejected filing");
    // 2026-11-29T01:40:00Z is 09:40 +08:00, exactly 24 h after the first SMS.
    assert_eq!(
        got[11],
        Ok(vec![o("F1", "canceled", &["application_canceled"])])
    );
}

#[test]
fn model_expiry_comes_first_and_an_error_keeps_it_pending() {
    let got = run(&[
        ORDER_TWO,
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F0","scenario":"modify","variant":"service","personnel":[{"role":"website_admin","phone":"13900000002","cert_last6":"678905"}]}"#,
        r#"{"type":"sms_sent","at":"2026-11-28T09:40:00+08:00","filing":"F1","phone":"13800000001","code":"000111"}"#,
        r#"{"type":"sms_sent","at":"2026-11-28T09:40:00+08:00","filing":"F0","phone":"13900000002","code":"000111"}"#,
        // An error at the window's end: the expiry it would trigger does not happen yet.
        r#"{"type":"sms_sent","at":"2026-11-29T09:40:00+08:00","filing":"F1","phone":"13800000001","code":"12a456"}"#,
        // Nor does the clock move: an earlier time is still fine.
        r#"{"type":"resend_request","at":"2026-11-29T09:39:59+08:00","phone":"13900000002","cert_last6":"678905"}"#,
        r#"{"type":"resend_request","at":"2026-11-29T09:40:00+08:00","phone":"13900000002","cert_last6":"678905"}"#,
        r#"{"type":"tick","at":"2026-11-29T09:39:00+08:00"}"#,
    ]);
    assert!(is_err(&got[4]));
    assert_eq!(
        got[5],
        Ok(vec![o("F0", "awaiting_validation", &["resend_success"])])
    );
    assert_eq!(
        got[6],
        Ok(vec![
            o("F0", "canceled", &["validation_window_expired"]),
            o("F1", "canceled", &["validation_window_expired"]),
            person("resend_no_pending"),
        ])
    );
    assert!(is_err(&got[7]), "time went backwards");
}

#[test]
fn model_an_sms_refused_at_a_window_end_does_not_expire_it() {
    // The SMS is well-formed but for an expiring filing: refused, and the filing stays open
    // until the next accepted event.
    let mut m = Model::new();
    let lines = [
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"cancel","variant":"entity","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#,
        r#"{"type":"sms_sent","at":"2026-11-28T09:40:00+08:00","filing":"F1","phone":"13800000001","code":"000111"}"#,
        r#"{"type":"sms_sent","at":"2026-11-29T09:40:00+08:00","filing":"F1","phone":"13800000001","code":"000111"}"#,
        r#"{"type":"order_canceled","at":"2026-11-29T09:40:00+08:00","filing":"F1"}"#,
    ];
    let mut out = String::new();
    assert!(m.run_line(1, lines[0], &mut out));
    assert!(m.run_line(2, lines[1], &mut out));
    let end = m.next_deadline().expect("the window is open");
    let before = m.view();
    assert!(!m.run_line(3, lines[2], &mut out));
    assert!(!m.run_line(4, lines[3], &mut out));
    assert_eq!(m.view(), before);
    assert_eq!(m.next_deadline(), Some(end));
    assert_eq!(m.clock(), Some("2026-11-28T01:40:00Z".parse().unwrap()));
}

#[test]
fn model_resend_limit_and_person_lookup() {
    let resend = |cert: &str| {
        format!(
            r#"{{"type":"resend_request","at":"2026-11-28T10:00:00+08:00","phone":"13800000001","cert_last6":"{cert}"}}"#
        )
    };
    let mut lines = vec![
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F2","scenario":"cancel","variant":"entity","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"},{"role":"website_admin","phone":"13800000001","cert_last6":"999999"}]}"#.to_string(),
        r#"{"type":"resend_request","at":"2026-11-28T09:00:00+08:00","phone":"13800000001","cert_last6":"12345X"}"#.to_string(),
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"modify","variant":"entity","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#.to_string(),
        r#"{"type":"sms_sent","at":"2026-11-28T09:40:00+08:00","filing":"F1","phone":"13800000001","code":"000111"}"#.to_string(),
        r#"{"type":"sms_sent","at":"2026-11-28T09:40:00+08:00","filing":"F2","phone":"13800000001","code":"004213","sender":"10690012381"}"#.to_string(),
        r#"{"type":"sms_sent","at":"2026-11-28T09:41:00+08:00","filing":"F2","phone":"13800000001","code":"004213"}"#.to_string(),
    ];
    lines.push(resend("999999"));
    lines.push(resend("12345x"));
    lines.push(resend("12345X"));
    lines.push(resend("12345X"));
    lines.push(r#"{"type":"phone_change","at":"2026-11-28T10:01:00+08:00","filing":"F2","role":"entity_leader","new_phone":"15000000003"}"#.into());
    lines.push(r#"{"type":"phone_change","at":"2026-11-28T10:01:00+08:00","filing":"F1","role":"entity_leader","new_phone":"15000000003"}"#.into());
    lines.push(r#"{"type":"phone_change","at":"2026-11-28T10:01:00+08:00","filing":"F1","role":"website_admin","new_phone":"15000000003"}"#.into());
    lines.push(r#"{"type":"validation_attempt","at":"2026-11-28T10:02:00+08:00","phone":"13800000001","code":"004213","cert_last6":"12345X"}"#.into());
    lines.push(r#"{"type":"resend_request","at":"2026-11-28T10:03:00+08:00","phone":"15000000003","cert_last6":"12345X"}"#.into());
    let got = run(&lines);
    assert_eq!(got[1], Ok(vec![person("resend_no_pending")]));
    assert_eq!(
        got[4],
        Ok(vec![o("F2", "awaiting_sync", &["unrecognized_sender"])])
    );
    assert_eq!(
        got[6],
        Ok(vec![person("resend_record_not_found")]),
        "a non-required role is nobody"
    );
    let both = |msg| {
        Ok(vec![
            o("F1", "awaiting_validation", &[msg]),
            o("F2", "awaiting_validation", &[msg]),
        ])
    };
    assert_eq!(got[7], both("resend_success"));
    assert_eq!(got[8], both("resend_success"));
    assert_eq!(got[9], both("resend_limit_reached"));
    assert_eq!(
        got[10],
        Ok(vec![o("F2", "awaiting_validation", &["phone_updated"])])
    );
    assert_eq!(
        got[11],
        Ok(vec![o(
            "F1",
            "awaiting_validation",
            &["phone_change_requires_resubmission"]
        )])
    );
    assert!(is_err(&got[12]), "no website_admin in F1");
    // F2's person moved to another phone: only F1's record is pending on this one, and the
    // F2 code fails there.
    assert_eq!(
        got[13],
        Ok(vec![o("F1", "awaiting_validation", &["validation_failed"])])
    );
    // The person moved with their resend count, but their code was cleared: nothing pending.
    assert_eq!(got[14], Ok(vec![person("resend_no_pending")]));
}

#[test]
fn model_rejects_bad_input() {
    let got = run(&[
        // The same phone with different certificate digits.
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"first_filing","variant":"website","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"},{"role":"website_admin","phone":"13800000001","cert_last6":"678905"}]}"#,
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#,
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00","filing":"F2","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#,
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00Z","filing":"F2","scenario":"cancel","variant":"all","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#,
        // Roles that are not required are ignored, even twice.
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00Z","filing":"F2","scenario":"remove_provider","variant":"none","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"},{"role":"entity_leader","phone":"13800000001","cert_last6":"678905"}]}"#,
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00Z","filing":"F2","scenario":"remove_provider","variant":"none","personnel":[]}"#,
        r#"{"type":"order_canceled","at":"2026-11-28T09:00:00Z","filing":"F2"}"#,
        r#"{"type":"tick","at":"2026-11-28T09:00:00Z","note":"x"}"#,
        r#"{"type":"tick","at":"2026-11-28T09:00:00Z""#,
        r#"{"type":"validation_attempt","at":"2026-11-28T09:00:00Z","phone":"13800000001","code":"000111","cert_last6":"12345X","filing":"F1"}"#,
        r#"{"type":"validation_attempt","at":"2026-11-28T09:00:00Z","phone":"13800000001","code":"000111","cert_last6":"12345X"}"#,
        r#"{"type":"order_canceled","at":"2026-11-28T08:59:59Z","filing":"F1"}"#,
        r#"{"type":"order_canceled","at":"2026-11-28T17:00:00+08:00","filing":"F1"}"#,
    ]);
    let errors: Vec<bool> = got.iter().map(is_err).collect();
    assert_eq!(
        errors,
        [true, false, true, true, false, true, true, true, true, true, false, true, false]
    );
    assert_eq!(got[1], submitted("F1", &["entity_leader"]));
    let mut nvr = o("F2", "no_validation_required", &["no_validation_required"]);
    nvr.required_roles = Some(Vec::new());
    assert_eq!(got[4], Ok(vec![nvr]));
    assert_eq!(got[10], Ok(vec![person("record_not_found_or_complete")]));
    assert_eq!(got[12], Ok(vec![o("F1", "canceled", &["order_canceled"])]));
}

#[test]
fn model_one_phone_in_two_filings() {
    let order = |id: &str, at: &str| {
        format!(
            r#"{{"type":"order_submitted","at":"{at}","filing":"{id}","scenario":"modify","variant":"entity","personnel":[{{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}}]}}"#
        )
    };
    let sms = |id: &str, at: &str, code: &str| {
        format!(
            r#"{{"type":"sms_sent","at":"{at}","filing":"{id}","phone":"13800000001","code":"{code}"}}"#
        )
    };
    let attempt = |at: &str, code: &str| {
        format!(
            r#"{{"type":"validation_attempt","at":"{at}","phone":"13800000001","code":"{code}","cert_last6":"12345X"}}"#
        )
    };
    let lines = [
        order("F2", "2026-11-28T09:00:00+08:00"),
        order("F1", "2026-11-28T09:00:00+08:00"),
        sms("F1", "2026-11-28T09:10:00+08:00", "000111"),
        sms("F2", "2026-11-28T09:20:00+08:00", "004213"),
        attempt("2026-11-28T09:30:00+08:00", "582014"),
        attempt("2026-11-28T09:31:00+08:00", "004213"),
        sms("F2", "2026-11-28T09:32:00+08:00", "000111"),
        sms("F1", "2026-11-28T09:32:00+08:00", "731946"),
        r#"{"type":"sms_sent","at":"2026-11-28T09:33:00+08:00","filing":"F2","phone":"13800000001","code":"000111","sender":"1061234567890"}"#.to_string(),
        attempt("2026-11-29T09:10:00+08:00", "000111"),
    ];
    let got = run(&lines);
    assert_eq!(
        got[4],
        Ok(vec![
            o("F1", "awaiting_validation", &["validation_failed"]),
            o("F2", "awaiting_validation", &["validation_failed"]),
        ])
    );
    assert_eq!(
        got[5],
        Ok(vec![o("F2", "under_review", &["validation_complete"])])
    );
    assert!(is_err(&got[6]), "F2's person has validated");
    // A non-MIIT SMS for a final filing: bad input before it is a sender question (a reading).
    assert!(is_err(&got[8]));
    // The window is F1's first SMS + 24 h, not the later one's.
    assert_eq!(
        got[9],
        Ok(vec![
            o("F1", "canceled", &["validation_window_expired"]),
            person("record_not_found_or_complete"),
        ])
    );
}

#[test]
fn model_several_matching_records_each_validate() {
    // reading 5: one phone pending in two filings with the same code: both validate.
    let order = |id: &str| {
        format!(
            r#"{{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"{id}","scenario":"modify","variant":"entity","personnel":[{{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}}]}}"#
        )
    };
    let sms = |id: &str| {
        format!(
            r#"{{"type":"sms_sent","at":"2026-11-28T09:10:00+08:00","filing":"{id}","phone":"13800000001","code":"004213"}}"#
        )
    };
    let got = run(&[
        order("b"),
        order("a"),
        sms("b"),
        sms("a"),
        r#"{"type":"validation_attempt","at":"2026-11-28T09:20:00+08:00","phone":"13800000001","code":"004213","cert_last6":"12345X"}"#.to_string(),
    ]);
    assert_eq!(
        got[4],
        Ok(vec![
            o("a", "under_review", &["validation_complete"]),
            o("b", "under_review", &["validation_complete"]),
        ])
    );
}

#[test]
fn model_expiries_in_order_of_window_end_then_filing_id() {
    let order = |id: &str| {
        format!(
            r#"{{"type":"order_submitted","at":"2026-11-28T09:00:00Z","filing":"{id}","scenario":"cancel","variant":"entity","personnel":[{{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}}]}}"#
        )
    };
    let sms = |id: &str, at: &str| {
        format!(
            r#"{{"type":"sms_sent","at":"{at}","filing":"{id}","phone":"13800000001","code":"004213"}}"#
        )
    };
    let got = run(&[
        order("F2"),
        order("F10"),
        order("F-4"),
        sms("F2", "2026-11-28T09:00:00Z"),
        sms("F10", "2026-11-28T09:00:00Z"),
        sms("F-4", "2026-11-28T09:00:01Z"),
        r#"{"type":"tick","at":"2026-11-29T09:00:01Z"}"#.to_string(),
    ]);
    let expired = |id| o(id, "canceled", &["validation_window_expired"]);
    assert_eq!(
        got[6],
        Ok(vec![expired("F10"), expired("F2"), expired("F-4")])
    );
}
