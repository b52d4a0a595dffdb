//! Golden runs of the built binary for the policy author's toolkit: `docket check --format
//! json`, byte-order marks, bidirectional control characters, and `docket test` never
//! printing a sensitive value of a scenario.

#[path = "support/bin.rs"]
mod bin;
use bin::Run;
#[path = "support/tempdir.rs"]
mod tempdir;
use tempdir::{rules_copy, TempDir};

fn docket(args: &[&str], stdin: &[u8]) -> Run {
    bin::docket(args, Some(stdin))
}

/// `rules/icp` with an edit of `icp.docket` put in a handler at the top of the file (so
/// that line numbers do not move when the policy is edited).
fn icp_with_top(name: &str, top: &'static str) -> TempDir {
    rules_copy(name, move |file, text| {
        if file == "icp.docket" {
            format!("{top}{text}")
        } else {
            text
        }
    })
}

#[test]
fn check_json_prints_one_object_per_problem() {
    let dir = icp_with_top(
        "json-broken",
        "on tick {\n  rule typo {\n    emit validaton_failed\n  }\n  rule r when true && false { }\n}\n",
    );
    let run = docket(&["check", "--format", "json", dir.str()], b"");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let d = dir.str();
    // a syntax error stops the checking of names: one problem
    assert_eq!(
        run.stdout,
        format!(
            "{{\"file\":\"{d}/icp.docket\",\"severity\":\"error\",\"code\":\"E001\",\
             \"message\":\"expected `{{` or an operator\",\
             \"range\":{{\"start\":{{\"line\":5,\"column\":20}},\"end\":{{\"line\":5,\"column\":21}}}},\
             \"label\":\"found `&`\",\"help\":\"write `and` for both conditions: `a and b`\",\
             \"suggestions\":[]}}\n"
        )
    );

    let dir = icp_with_top(
        "json-typo",
        "on tick {\n  rule typo {\n    emit validaton_failed\n  }\n}\n",
    );
    let run = docket(&["check", "--format", "json", dir.str()], b"");
    assert_eq!(run.code, Some(1));
    let d = dir.str();
    let range = "{\"start\":{\"line\":3,\"column\":10},\"end\":{\"line\":3,\"column\":26}}";
    assert_eq!(
        run.stdout,
        format!(
            "{{\"file\":\"{d}/icp.docket\",\"severity\":\"error\",\"code\":\"E010\",\
             \"message\":\"unknown message id `validaton_failed`\",\"range\":{range},\
             \"label\":null,\"help\":\"did you mean `validation_failed`?\",\
             \"suggestions\":[{{\"replacement\":\"validation_failed\",\"range\":{range}}}]}}\n"
        )
    );
}

#[test]
fn check_json_of_a_clean_policy_prints_nothing_and_of_warnings_the_warnings() {
    let run = docket(&["check", "--format", "json", "rules/icp"], b"");
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (Some(0), "", "")
    );
    let run = docket(&["check", "--format", "json"], b"");
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), ""));

    let dir = rules_copy("json-warning", |file, text| {
        if file == "messages.yaml" {
            text.replacen(
                "\nmessages:\n",
                "\nmessages:\n  never_sent: { text: t, result: r, next_step: n }\n",
                1,
            )
        } else {
            text
        }
    });
    let run = docket(&["check", "--format", "json", dir.str()], b"");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert_eq!(lines[0]["severity"], "warning");
    assert_eq!(lines[0]["code"], "W001");
    assert_eq!(lines[0]["message"], "no rule emits message `never_sent`");
    let copy = std::fs::read_to_string(dir.path().join("messages.yaml")).expect("read");
    let line = copy
        .lines()
        .position(|l| l.starts_with("  never_sent:"))
        .expect("the message is there")
        + 1;
    assert_eq!(lines[0]["range"]["start"]["line"], line);
    assert_eq!(lines[0]["range"]["start"]["column"], 3);
    let run = docket(&["check", "--format", "yaml", dir.str()], b"");
    assert_eq!(run.code, Some(2));
}

#[test]
fn byte_order_marks_are_accepted_in_rule_files_tables_and_event_lines() {
    let dir = rules_copy("bom", |_, text| format!("\u{feff}{text}"));
    let run = docket(&["check", dir.str()], b"");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let with_bom = b"\xEF\xBB\xBF{\"type\":\"tick\",\"at\":\"2026-11-29T10:00:00+08:00\"}\n";
    let run = docket(&["run", "--rules", dir.str()], with_bom);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        "{\"seq\":1,\"type\":\"tick\",\"at\":\"2026-11-29T10:00:00+08:00\",\"outcomes\":[]}\n"
    );
    // a mark on line 1 of a rule file does not shift the columns of that line
    let dir = rules_copy("bom-error", |file, text| {
        if file == "icp.docket" {
            format!("\u{feff}on tick {{ rule r when && {{ }} }}\n{text}")
        } else {
            text
        }
    });
    let run = docket(&["check", "--format", "json", dir.str()], b"");
    let line: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("JSON");
    assert_eq!(line["range"]["start"]["line"], 1, "{}", run.stdout);
    // `on tick { rule r when ` is 22 characters: the mark is not counted
    assert_eq!(line["range"]["start"]["column"], 23, "{}", run.stdout);
    // a scenario file with a mark
    let scenarios = TempDir::new("bom-scenario");
    let file = scenarios.path().join("s.yaml");
    std::fs::write(
        &file,
        "\u{feff}title: t\nsteps:\n  - event: { type: tick, at: \"2026-11-29T10:00:00+08:00\" }\n    messages: []\n",
    )
    .expect("write");
    let run = docket(&["test", file.to_str().expect("UTF-8")], b"");
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

#[test]
fn bidirectional_controls_in_rule_files_are_warned_of_where_they_are() {
    let dir = icp_with_top(
        "bidi",
        "// a comment\u{202E} that hides\n//   and \u{2066}{ }\n",
    );
    let run = docket(&["check", dir.str()], b"");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let d = dir.str();
    assert_eq!(
        run.stderr,
        format!(
            "warning: bidirectional control character U+202E (RIGHT-TO-LEFT OVERRIDE) in a rule file\n \
             --> {d}/icp.docket:1:13\n  |\n\
             1 | // a comment\u{FFFD} that hides\n  \
             |             ^ here, shown as `\u{FFFD}`\n  |\n  \
             = help: it can make the code display differently from how it runs: remove it (write it in a message table if a text needs it)\n\n\
             warning: bidirectional control character U+2066 (LEFT-TO-RIGHT ISOLATE) in a rule file\n \
             --> {d}/icp.docket:2:10\n  |\n\
             2 | //   and \u{FFFD}{{ }}\n  \
             |          ^ here, shown as `\u{FFFD}`\n  |\n  \
             = help: it can make the code display differently from how it runs: remove it (write it in a message table if a text needs it)\n\n\
             warning: 2 warnings in the policy\n"
        )
    );
    assert_eq!(run.stdout, format!("{d}: ok (2 warnings)\n"));
    let run = docket(&["check", "--format", "json", dir.str()], b"");
    let codes: Vec<String> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON")["code"].to_string())
        .collect();
    assert_eq!(codes, ["\"W004\"", "\"W004\""]);
}

/// A scenario whose expectations hold the verification code and certificate digits the
/// events send: every failure is printed, and neither value may appear.
const LEAKY_SCENARIO: &str = r#"title: "expectations holding sensitive values"
steps:
  - event: { type: order_submitted, at: "2026-11-28T10:00:00+08:00", filing: F1, scenario: first_filing,
             variant: app, personnel: [ { role: entity_leader, phone: "13800000001", cert_last6: "98765X" } ] }
    messages: [order_submitted]
    required_roles: { F1: ["98765X"] }
  - event: { type: sms_sent, at: "2026-11-28T10:30:00+08:00", filing: F1, phone: "13800000001", code: "704213" }
    messages: ["704213"]
    status: { F1: "code 704213" }
  - event: { type: validation_attempt, at: "2026-11-28T10:35:00+08:00", phone: "13800000001", code: "704213", cert_last6: "98765X" }
    error: "704213 98765X"
  - event: { type: validation_attempt, at: "2026-11-28T10:36:00+08:00", phone: "13800000001", code: "704214", cert_last6: "98765X" }
    messages: []
"#;

#[test]
fn docket_test_never_prints_a_sensitive_value_of_a_scenario() {
    let dir = TempDir::new("leaky-scenario");
    let file = dir.path().join("leaky.yaml");
    std::fs::write(&file, LEAKY_SCENARIO).expect("write");
    let name = file.to_str().expect("UTF-8");
    let run = docket(&["test", name], b"");
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    for secret in ["704213", "98765X", "704214"] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "`{secret}` printed:\n{}{}",
            run.stdout,
            run.stderr
        );
    }
    // every failure is still reported, its values masked
    assert!(
        run.stdout.contains(
            "step 1: `required_roles` of `F1`: expected [\"<sensitive>\"], got [\"entity_leader\"]"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("step 2: messages: expected [\"<sensitive>\"], got []"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("step 2: status of `F1`: expected `<sensitive>`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "step 3: expected an error mentioning \"<sensitive>\", but the event was accepted"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("step 4: messages: expected [], got [\"record_not_found_or_complete\"]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with("0 passed, 1 failed\n"),
        "{}",
        run.stdout
    );
}
