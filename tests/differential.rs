//! Differential test: the engine with the shipped ICP policy against an independent reference
//! model of `shared/icp-contract.md`, over deterministic random event streams.
//!
//! A mismatch panics with the seed, the stream so far and both results, so that it can be
//! reproduced (`Gen::stream(seed, n)`) and minimised.

mod differential {
    pub mod gen;
    pub mod model;
}

use differential::gen::Gen;
use differential::model::{normalize, Model, NOutcome, Normalized};

/// Number of streams and events per stream: together well under 20 s in a debug build.
/// `DIFF_STREAMS` and `DIFF_EVENTS` override them for a longer soak.
const STREAMS: u64 = 300;
const EVENTS: usize = 60;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Runs one stream through engine and model; `Err` describes the first mismatch.
fn compare(label: &str, lines: &[String]) -> Result<(), String> {
    let engine = docket::Engine::icp();
    let mut world = docket::World::new();
    let mut model = Model::new();
    for (i, line) in lines.iter().enumerate() {
        let seq = i + 1;
        let json = engine.run_line(&mut world, seq, line).to_json();
        let got = normalize(&json);
        let want = model.step(line);
        let leak = leaked_secret(&json, &lines[..=i]);
        if got != want || leak.is_some() {
            let mut msg = format!(
                "{label}: mismatch at line {seq}\n--- stream so far ---\n{}\n--- engine ---\n{json}\n{got:#?}\n--- model ---\n{want:#?}\nmodel's reason for an error: {:?}\n",
                lines[..=i].join("\n"),
                model.last_error
            );
            if let Some(secret) = leak {
                msg.push_str(&format!(
                    "--- the engine's output contains the secret `{secret}` ---\n"
                ));
            }
            return Err(msg);
        }
    }
    Ok(())
}

/// Contract section 3: the output never contains a verification code or a certificate
/// fragment. Returns a well-formed code or certificate of the stream found in `output`.
fn leaked_secret(output: &str, lines: &[String]) -> Option<String> {
    let is_secret = |key: &str, s: &str| {
        let b = s.as_bytes();
        b.len() == 6
            && b[..5].iter().all(u8::is_ascii_digit)
            && (b[5].is_ascii_digit() || (key == "cert_last6" && (b[5] | 0x20) == b'x'))
    };
    for line in lines {
        let Ok(serde_json::Value::Object(ev)) = serde_json::from_str::<serde_json::Value>(line)
        else {
            continue;
        };
        let mut fields: Vec<(&str, &serde_json::Value)> = Vec::new();
        for (k, v) in &ev {
            fields.push((k, v));
            if let serde_json::Value::Array(ps) = v {
                for p in ps.iter().filter_map(|p| p.as_object()) {
                    fields.extend(p.iter().map(|(k, v)| (k.as_str(), v)));
                }
            }
        }
        for (k, v) in fields {
            if let (true, Some(s)) = (k == "code" || k == "cert_last6", v.as_str()) {
                if is_secret(k, s)
                    && (output.contains(s) || output.contains(&s.to_ascii_uppercase()))
                {
                    return Some(s.to_string());
                }
            }
        }
    }
    None
}

#[test]
fn leaked_secret_finds_codes_and_certificates() {
    let lines = [
        r#"{"type":"validation_attempt","at":"x","phone":"13800000001","code":"004213","cert_last6":"24681x"}"#.to_string(),
    ];
    assert_eq!(leaked_secret(r#"{"seq":1,"outcomes":[]}"#, &lines), None);
    assert_eq!(
        leaked_secret(r#"{"error":"got \"004213\""}"#, &lines).as_deref(),
        Some("004213")
    );
    assert_eq!(
        leaked_secret(r#"{"error":"cert 24681X"}"#, &lines).as_deref(),
        Some("24681x")
    );
}

#[test]
fn engine_agrees_with_model_on_random_streams() {
    let (streams, events) = (
        env_or("DIFF_STREAMS", STREAMS),
        env_or("DIFF_EVENTS", EVENTS),
    );
    let mut failures = Vec::new();
    for seed in 0..streams {
        let lines = Gen::stream(seed, events);
        if let Err(e) = compare(&format!("seed {seed}"), &lines) {
            failures.push(e);
        }
    }
    if !failures.is_empty() {
        let n = failures.len();
        let shown: Vec<&String> = failures.iter().take(3).collect();
        panic!(
            "{n} of {streams} streams disagree; the first ones:\n\n{}",
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n\n")
        );
    }
}

#[test]
fn generator_is_deterministic_and_varied() {
    assert_eq!(Gen::stream(7, 40), Gen::stream(7, 40));
    assert_ne!(Gen::stream(7, 40), Gen::stream(8, 40));
    // The streams reach the interesting answers, not just errors.
    let mut seen = std::collections::BTreeSet::new();
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    let mut errors = 0;
    let mut total = 0;
    for seed in 0..STREAMS {
        let mut m = Model::new();
        for line in Gen::stream(seed, EVENTS) {
            let n = m.step(&line);
            total += 1;
            errors += usize::from(n.error);
            if let Some(e) = &m.last_error {
                let kind: String = e.chars().take_while(|c| *c != '"' && *c != '(').collect();
                *counts.entry(format!("error: {kind}")).or_insert(0) += 1;
            }
            for o in n.outcomes {
                for m in o.messages {
                    *counts.entry(m.clone()).or_insert(0) += 1;
                    seen.insert(m);
                }
            }
        }
    }
    if std::env::var_os("DIFF_STATS").is_some() {
        eprintln!("errors {errors} of {total}; messages {counts:#?}");
    }
    for id in [
        "order_submitted",
        "validation_complete",
        "validation_complete_waiting",
        "validation_failed",
        "record_not_found_or_complete",
        "application_rejected",
        "validation_window_expired",
        "application_canceled",
        "resend_success",
        "resend_no_pending",
        "resend_record_not_found",
        "resend_limit_reached",
        "unrecognized_sender",
        "phone_updated",
        "phone_change_requires_resubmission",
        "order_canceled",
        "no_validation_required",
    ] {
        assert!(seen.contains(id), "the generator never reaches `{id}`");
    }
    assert!(
        errors * 100 < total * 50,
        "too many errors: {errors} of {total}"
    );
}

// ----------------------------------------------------------------------------------------------
// The model itself, on hand-written streams.

fn o(filing: &str, status: &str, messages: &[&str]) -> NOutcome {
    NOutcome {
        filing: Some(filing.into()),
        status: Some(status.into()),
        messages: messages.iter().map(|m| m.to_string()).collect(),
        required_roles: None,
    }
}

fn person(message: &str) -> NOutcome {
    NOutcome {
        filing: None,
        status: None,
        messages: vec![message.into()],
        required_roles: None,
    }
}

fn ok(seq: usize, outcomes: Vec<NOutcome>) -> Normalized {
    Normalized {
        seq,
        error: false,
        outcomes,
    }
}

fn err(seq: usize) -> Normalized {
    Normalized {
        seq,
        error: true,
        outcomes: Vec::new(),
    }
}

fn run(lines: &[&str]) -> Vec<Normalized> {
    let mut m = Model::new();
    lines.iter().map(|l| m.step(l)).collect()
}

const ORDER_TWO: &str = r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"first_filing","variant":"website","personnel":[{"role":"website_admin","phone":"13900000002","cert_last6":"67890x"},{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#;

fn submitted(seq: usize, filing: &str, roles: &[&str]) -> Normalized {
    let mut out = o(filing, "awaiting_sync", &["order_submitted"]);
    out.required_roles = Some(roles.iter().map(|r| r.to_string()).collect());
    ok(seq, vec![out])
}

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
            submitted(1, "F1", &["entity_leader", "website_admin"]),
            ok(2, vec![o("F1", "awaiting_validation", &[])]),
            ok(3, vec![o("F1", "awaiting_validation", &[])]),
            ok(
                4,
                vec![o(
                    "F1",
                    "partially_validated",
                    &["validation_complete_waiting"]
                )]
            ),
            ok(5, vec![person("record_not_found_or_complete")]),
            ok(6, vec![o("F1", "under_review", &["validation_complete"])]),
            ok(7, vec![]),
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
        ok(3, vec![o("F2", "under_review", &["validation_complete"])])
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
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let got = run(&refs);
    for (i, g) in got.iter().enumerate().take(7).skip(3) {
        assert_eq!(
            *g,
            ok(
                i + 1,
                vec![o("F1", "awaiting_validation", &["validation_failed"])]
            )
        );
    }
    assert_eq!(
        got[7],
        ok(
            8,
            vec![o(
                "F1",
                "rejected",
                &["validation_failed", "application_rejected"]
            )]
        )
    );
    assert_eq!(got[8], ok(9, vec![person("record_not_found_or_complete")]));
    assert_eq!(got[9], ok(10, vec![person("resend_no_pending")]));
    assert_eq!(got[10], err(11), "no SMS to a rejected filing");
    // 2026-11-29T01:40:00Z is 09:40 +08:00, exactly 24 h after the first SMS.
    assert_eq!(
        got[11],
        ok(12, vec![o("F1", "canceled", &["application_canceled"])])
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
    assert_eq!(got[4], err(5));
    assert_eq!(
        got[5],
        ok(6, vec![o("F0", "awaiting_validation", &["resend_success"])])
    );
    assert_eq!(
        got[6],
        ok(
            7,
            vec![
                o("F0", "canceled", &["validation_window_expired"]),
                o("F1", "canceled", &["validation_window_expired"]),
                person("resend_no_pending"),
            ]
        )
    );
    assert_eq!(got[7], err(8), "time went backwards");
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
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let got = run(&refs);
    assert_eq!(got[1], ok(2, vec![person("resend_no_pending")]));
    assert_eq!(
        got[4],
        ok(5, vec![o("F2", "awaiting_sync", &["unrecognized_sender"])])
    );
    assert_eq!(
        got[6],
        ok(7, vec![person("resend_record_not_found")]),
        "a non-required role is nobody"
    );
    let both = |seq, msg| {
        ok(
            seq,
            vec![
                o("F1", "awaiting_validation", &[msg]),
                o("F2", "awaiting_validation", &[msg]),
            ],
        )
    };
    assert_eq!(got[7], both(8, "resend_success"));
    assert_eq!(got[8], both(9, "resend_success"));
    assert_eq!(got[9], both(10, "resend_limit_reached"));
    assert_eq!(
        got[10],
        ok(11, vec![o("F2", "awaiting_validation", &["phone_updated"])])
    );
    assert_eq!(
        got[11],
        ok(
            12,
            vec![o(
                "F1",
                "awaiting_validation",
                &["phone_change_requires_resubmission"]
            )]
        )
    );
    assert_eq!(got[12], err(13), "no website_admin in F1");
    // F2's person moved to another phone: only F1's record is pending on this one, and the
    // F2 code fails there.
    assert_eq!(
        got[13],
        ok(
            14,
            vec![o("F1", "awaiting_validation", &["validation_failed"])]
        )
    );
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
    let errors: Vec<bool> = got.iter().map(|n| n.error).collect();
    assert_eq!(
        errors,
        [true, false, true, true, false, true, true, true, true, true, false, true, false]
    );
    assert_eq!(got[1], submitted(2, "F1", &["entity_leader"]));
    let mut nvr = o("F2", "no_validation_required", &["no_validation_required"]);
    nvr.required_roles = Some(Vec::new());
    assert_eq!(got[4], ok(5, vec![nvr]));
    assert_eq!(
        got[10],
        ok(11, vec![person("record_not_found_or_complete")])
    );
    assert_eq!(
        got[12],
        ok(13, vec![o("F1", "canceled", &["order_canceled"])])
    );
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
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let got = run(&refs);
    assert_eq!(
        got[4],
        ok(
            5,
            vec![
                o("F1", "awaiting_validation", &["validation_failed"]),
                o("F2", "awaiting_validation", &["validation_failed"]),
            ]
        )
    );
    assert_eq!(
        got[5],
        ok(6, vec![o("F2", "under_review", &["validation_complete"])])
    );
    assert_eq!(got[6], err(7), "F2's person has validated");
    // A non-MIIT SMS for a final filing: bad input before it is a sender question (a reading).
    assert_eq!(got[8], err(9));
    // The window is F1's first SMS + 24 h, not the later one's.
    assert_eq!(
        got[9],
        ok(
            10,
            vec![
                o("F1", "canceled", &["validation_window_expired"]),
                person("record_not_found_or_complete"),
            ]
        )
    );
}

#[test]
fn normalize_reads_the_output_format() {
    let line = r#"{"seq":3,"type":"validation_attempt","at":"2026-11-28T10:05:00+08:00","outcomes":[{"filing":"F1","status":"partially_validated","messages":[{"id":"validation_complete_waiting","text":"Dear ICP user","result":"r","next_step":"n"}]},{"filing":null,"status":null,"messages":[{"id":"resend_no_pending","text":"t"}]}]}"#;
    assert_eq!(
        normalize(line),
        ok(
            3,
            vec![
                o(
                    "F1",
                    "partially_validated",
                    &["validation_complete_waiting"]
                ),
                person("resend_no_pending")
            ]
        )
    );
    assert_eq!(
        normalize(r#"{"seq":4,"type":"tick","at":"x","error":"line 4: field `at`: bad"}"#),
        err(4)
    );
}

/// Reproduction aid: `SEED=17 cargo test --test differential -- show_stream --ignored
/// --nocapture` prints that seed's stream (or the lines of `DIFF_FILE`) with the model's and
/// the engine's verdict on each line.
#[test]
#[ignore = "a debugging aid, run by hand"]
fn show_stream() {
    let seed: u64 = std::env::var("SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let engine = docket::Engine::icp();
    let mut world = docket::World::new();
    let mut model = Model::new();
    let lines = match std::env::var("DIFF_FILE") {
        Ok(path) => std::fs::read_to_string(path)
            .expect("DIFF_FILE is readable")
            .lines()
            .map(String::from)
            .collect(),
        Err(_) => Gen::stream(seed, env_or("DIFF_EVENTS", EVENTS)),
    };
    for (i, line) in lines.iter().enumerate() {
        let want = model.step(line);
        let json = engine.run_line(&mut world, i + 1, line).to_json();
        let got = normalize(&json);
        let mark = if got == want { "  " } else { "!!" };
        println!("{mark} {line}");
        println!("   model:  {want:?} {:?}", model.last_error);
        println!("   engine: {json}");
    }
}

#[test]
#[ignore = "a debugging aid, run by hand"]
fn summarize_mismatches() {
    let (streams, events) = (
        env_or("DIFF_STREAMS", STREAMS),
        env_or("DIFF_EVENTS", EVENTS),
    );
    let engine = docket::Engine::icp();
    for seed in 0..streams {
        let mut world = docket::World::new();
        let mut model = Model::new();
        for (i, line) in Gen::stream(seed, events).iter().enumerate() {
            let want = model.step(line);
            let json = engine.run_line(&mut world, i + 1, line).to_json();
            let got = normalize(&json);
            if got != want {
                let brief = |n: &Normalized| {
                    n.outcomes
                        .iter()
                        .map(|o| format!("{:?}/{:?}/{:?}", o.filing, o.status, o.messages))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                println!(
                    "seed {seed} line {}: {line}\n  model:  err={} {:?} {}\n  engine: {}\n",
                    i + 1,
                    want.error,
                    model.last_error,
                    brief(&want),
                    if got.error { json.clone() } else { brief(&got) }
                );
                break;
            }
        }
    }
}

/// Minimal streams on which the engine and the model disagree at points the contract leaves
/// open (or where the engine's reading looks doubtful). The random streams avoid these inputs
/// so that the main test stays meaningful; run this by hand to see where things stand:
/// `cargo test --test differential -- open_readings --ignored --nocapture`.
#[test]
#[ignore = "open readings, to be settled by the policy owner: see each case's comment"]
fn open_readings() {
    const ORDER: &str = r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"cancel","variant":"entity","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#;
    let cases: [(&str, Vec<&str>); 3] = [
        (
            // `"sender": null`: the model reads a present, non-string sender as ill-formatted
            // (an error); the engine reads it as absent (an MIIT SMS).
            "null sender",
            vec![
                ORDER,
                r#"{"type":"sms_sent","at":"2026-11-28T09:01:00+08:00","filing":"F1","phone":"13800000001","code":"000111","sender":null}"#,
            ],
        ),
        (
            // A space instead of `T`: RFC 3339's grammar has `T` (or `t`); its section 5.6
            // note lets applications choose a space. The model rejects it, the engine accepts.
            "space-separated at",
            vec![r#"{"type":"tick","at":"2026-11-28 09:03:00+08:00"}"#],
        ),
        (
            // The first SMS near the end of representable time: the engine answers "a number
            // or time went out of range" (an error the contract does not list); the model
            // opens a window that never ends.
            "window end out of range",
            vec![
                r#"{"type":"order_submitted","at":"9999-12-29T00:00:00Z","filing":"F1","scenario":"cancel","variant":"entity","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#,
                r#"{"type":"sms_sent","at":"9999-12-30T00:00:00Z","filing":"F1","phone":"13800000001","code":"000111"}"#,
            ],
        ),
    ];
    let mut open = Vec::new();
    for (name, lines) in cases {
        let lines: Vec<String> = lines.into_iter().map(String::from).collect();
        if let Err(e) = compare(name, &lines) {
            open.push(e);
        }
    }
    assert!(open.is_empty(), "{}", open.join("\n"));
}
