//! Golden runs of `docket diff`: two versions of the ICP policy on the same events.

#[path = "support/bin.rs"]
mod bin;
use bin::docket;
#[path = "support/tempdir.rs"]
mod tempdir;
use tempdir::{rules_copy, TempDir};

/// A copy of `rules/icp` with `from` replaced by `to` (once) in the file `file`.
fn edited(name: &str, file: &'static str, from: &'static str, to: &'static str) -> TempDir {
    rules_copy(name, move |n, text| {
        if n == file {
            assert!(text.contains(from), "{file} no longer holds {from:?}");
            text.replacen(from, to, 1)
        } else {
            text
        }
    })
}

/// The validation window of 24 hours made 1 hour.
fn one_hour_window() -> TempDir {
    edited(
        "diff-window",
        "limits.yaml",
        "duration: 24h",
        "duration: 1h",
    )
}

/// The groups' headings of a human report, with their counts: `N event(s): heading`.
fn headings(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty() && l.contains(": "))
        .filter(|l| !l.contains(" events changed in ") && !l.contains(" event changed in "))
        .collect()
}

fn last_line(stdout: &str) -> &str {
    stdout.lines().last().unwrap_or_default()
}

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn identical_policies_change_nothing() {
    let copy = rules_copy("diff-same", |_, text| text);
    let run = docket(
        &["diff", "rules/icp", copy.str(), "examples/stream.jsonl"],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "0 of 13 events changed in 0 groups\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn a_shorter_window_is_reported_by_message_status_and_text() {
    let new = one_hour_window();
    let run = docket(
        &["diff", "rules/icp", new.str(), "examples/stream.jsonl"],
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        headings(&run.stdout),
        [
            "2 events: text of message `order_submitted` changed: next_step (rule `nobody_required` on order_submitted)",
            "1 event: message `validation_window_expired` newly emitted (rule `window_expired` on deadline window_end)",
            "1 event: message `validation_window_expired` no longer emitted (rule `window_expired` on deadline window_end)",
            "1 event: status of filing: (no outcome) → canceled",
            "1 event: status of filing: canceled → (no outcome)",
        ]
    );
    assert_eq!(last_line(&run.stdout), "4 of 13 events changed in 5 groups");
    // the first example: where, what, and both records
    assert!(run.stdout.contains(
        "  first at examples/stream.jsonl line 12: tick at 2026-11-29T09:00:00+08:00\n  old: {\"seq\":12,\"type\":\"tick\",\"at\":\"2026-11-29T09:00:00+08:00\",\"outcomes\":[]}\n  new: {\"seq\":12,"
    ), "{}", run.stdout);
    insta::assert_snapshot!("diff_one_hour_window", run.stdout);
}

#[test]
fn a_renamed_message_is_no_longer_emitted_and_its_new_id_is() {
    let new = rules_copy("diff-rename", |name, text| match name {
        "messages.yaml" => text.replacen("  validation_failed:", "  code_rejected:", 1),
        "icp.docket" => text.replacen("emit validation_failed", "emit code_rejected", 1),
        _ => text,
    });
    let run = docket(
        &["diff", "rules/icp", new.str(), "examples/stream.jsonl"],
        None,
    );
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        headings(&run.stdout),
        [
            "1 event: message `code_rejected` newly emitted (rule `attempt_failed` on validation_attempt)",
            "1 event: message `validation_failed` no longer emitted (rule `attempt_failed` on validation_attempt)",
        ]
    );
    assert!(run.stdout.contains(
        "first at examples/stream.jsonl line 7: validation_attempt at 2026-11-28T11:02:00+08:00"
    ));
    assert_eq!(last_line(&run.stdout), "1 of 13 events changed in 2 groups");
}

#[test]
fn a_changed_message_text_is_a_text_change() {
    let new = edited(
        "diff-text",
        "messages.yaml",
        "Your text message verification code has been resent successfully.",
        "We sent your code again.",
    );
    let run = docket(
        &["diff", "rules/icp", new.str(), "tests/scenarios/icp"],
        None,
    );
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let heads = headings(&run.stdout);
    assert_eq!(heads.len(), 1, "{}", run.stdout);
    assert!(
        heads[0].ends_with(
            ": text of message `resend_success` changed: text (rule `resend` on resend_request)"
        ),
        "{}",
        heads[0]
    );
}

#[test]
fn a_scenario_folder_replays_each_scenario_in_its_own_world() {
    let copy = rules_copy("diff-same-scenarios", |_, text| text);
    let same = docket(
        &["diff", "rules/icp", copy.str(), "tests/scenarios/icp"],
        None,
    );
    assert_eq!(same.code, Some(0), "{}", same.stderr);
    let summary = last_line(&same.stdout);
    assert!(summary.starts_with("0 of "), "{summary}");
    assert!(
        summary.ends_with(" events changed in 0 groups"),
        "{summary}"
    );

    let new = one_hour_window();
    let run = docket(
        &["diff", "rules/icp", new.str(), "tests/scenarios/icp"],
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    // the same events as with identical policies
    let events = |s: &str| {
        s.split(" of ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .map(String::from)
    };
    assert_eq!(events(last_line(&run.stdout)), events(summary));
    // an example names the scenario file, its step and the step's line in the file
    assert!(
        run.stdout.contains("  first at tests/scenarios/icp/")
            && run.stdout.contains(".yaml step "),
        "{}",
        run.stdout
    );
    // a window of 1 hour ends earlier: more expiries than before
    assert!(run
        .stdout
        .contains(": message `validation_window_expired` newly emitted (rule `window_expired` on deadline window_end)"));

    // one scenario file, given by name
    let one = docket(
        &[
            "diff",
            "rules/icp",
            new.str(),
            "tests/scenarios/icp/r2_window_boundary.yaml",
        ],
        None,
    );
    assert_eq!(one.code, Some(1), "{}", one.stderr);
    assert!(one
        .stdout
        .contains("first at tests/scenarios/icp/r2_window_boundary.yaml step "));
}

#[test]
fn json_output_is_one_object_per_group_then_a_summary() {
    let new = one_hour_window();
    let run = docket(
        &[
            "diff",
            "--json",
            "rules/icp",
            new.str(),
            "examples/stream.jsonl",
        ],
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let objects = json_lines(&run.stdout);
    assert_eq!(objects.len(), 6);
    assert_eq!(
        objects[5],
        serde_json::json!({ "summary": { "events": 13, "changed": 4, "groups": 5 } })
    );
    let added = objects
        .iter()
        .find(|g| g["change"] == "message_added")
        .expect("a message_added group");
    assert_eq!(added["message"], "validation_window_expired");
    assert_eq!(
        added["rules"],
        serde_json::json!([{ "rule": "window_expired", "on": "deadline window_end" }])
    );
    assert_eq!(added["count"], 1);
    let example = &added["example"];
    assert_eq!(example["source"], "examples/stream.jsonl");
    assert_eq!(example["line"], 12);
    assert_eq!(example["type"], "tick");
    assert_eq!(example["at"], "2026-11-29T09:00:00+08:00");
    assert_eq!(example["old"]["outcomes"], serde_json::json!([]));
    assert_eq!(example["new"]["outcomes"][0]["status"], "canceled");
    let status = objects
        .iter()
        .find(|g| g["change"] == "status" && g["old"].is_null())
        .expect("a status group");
    assert_eq!(status["case_type"], "filing");
    assert_eq!(status["new"], "canceled");
    // sorted by count, highest first
    assert_eq!(objects[0]["count"], 2);
    assert_eq!(objects[0]["change"], "message_text");
    assert_eq!(objects[0]["message"], "order_submitted");
    assert_eq!(objects[0]["columns"], serde_json::json!(["next_step"]));
}

/// A stream whose codes and certificate digits appear nowhere else: an order, an SMS, and
/// five attempts with a wrong code.
const SECRETS: [&str; 4] = ["917364", "528401", "73919X", "640528"];

fn secret_stream() -> String {
    let mut lines = vec![
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"S1","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13812345678","cert_last6":"73919X"}]}"#.to_string(),
        r#"{"type":"sms_sent","at":"2026-11-28T10:00:00+08:00","filing":"S1","phone":"13812345678","code":"917364","sender":"12381"}"#.to_string(),
    ];
    for minute in 10..15 {
        lines.push(format!(
            r#"{{"type":"validation_attempt","at":"2026-11-28T10:{minute}:00+08:00","phone":"13812345678","code":"528401","cert_last6":"640528"}}"#
        ));
    }
    lines.join("\n") + "\n"
}

#[test]
fn no_verification_code_or_certificate_digits_appear_in_the_output() {
    // seven-digit codes: the SMS and every attempt are refused, for their code
    let seven_digits = edited("diff-seven", "limits.yaml", "'^[0-9]{6}$'", "'^[0-9]{7}$'");
    // four failures reject: the fourth attempt rejects, the fifth finds nobody pending
    let four_failures = edited("diff-four", "limits.yaml", "count: 5", "count: 4");
    let input = secret_stream();
    for (new, summary) in [
        (&seven_digits, "6 of 7 events changed in 1 group"),
        (&four_failures, "2 of 7 events changed in 6 groups"),
    ] {
        for json in [false, true] {
            let mut args = vec!["diff", "rules/icp", new.str(), "-"];
            if json {
                args.insert(1, "--json");
            }
            let run = docket(&args, Some(input.as_bytes()));
            assert_eq!(run.code, Some(1), "{}", run.stderr);
            for secret in SECRETS {
                assert!(!run.stdout.contains(secret), "{secret} in {}", run.stdout);
                assert!(!run.stderr.contains(secret), "{secret} in {}", run.stderr);
            }
            if !json {
                assert_eq!(last_line(&run.stdout), summary, "{}", run.stdout);
            }
        }
    }
    let refused = docket(
        &["diff", "rules/icp", seven_digits.str()],
        Some(input.as_bytes()),
    );
    assert_eq!(
        headings(&refused.stdout),
        ["6 events: event now refused: field `code`: expected six digits (the value is not shown: the field is sensitive)"]
    );
    assert!(refused
        .stdout
        .contains("first at stdin line 2: sms_sent at 2026-11-28T10:00:00+08:00"));
    let rejected = docket(
        &["diff", "rules/icp", four_failures.str()],
        Some(input.as_bytes()),
    );
    assert_eq!(
        headings(&rejected.stdout),
        [
            "1 event: message `application_rejected` newly emitted (rule `too_many_failures` on validation_attempt)",
            "1 event: message `application_rejected` no longer emitted (rule `too_many_failures` on validation_attempt)",
            "1 event: message `record_not_found_or_complete` newly emitted (rule `no_pending_record` on validation_attempt)",
            "1 event: message `validation_failed` no longer emitted (rule `attempt_failed` on validation_attempt)",
            "1 event: status of filing: awaiting_validation → rejected",
            "1 event: status of filing: rejected → (no outcome)",
        ],
        "{}",
        rejected.stdout
    );
}

#[test]
fn overlong_and_blank_lines_are_events_that_do_not_change() {
    let new = one_hour_window();
    let mut input = "x".repeat((1 << 20) + 10).into_bytes();
    input.extend_from_slice(b"\n\n{\"type\":\"tick\",\"at\":\"2026-11-29T09:00:00+08:00\"}\n");
    let run = docket(&["diff", "rules/icp", new.str()], Some(&input));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "0 of 3 events changed in 0 groups\n");
}

#[test]
fn an_old_policy_that_does_not_load_is_unusable() {
    let broken = rules_copy("diff-broken", |name, text| {
        if name == "icp.docket" {
            format!("on tick {{\n  rule typo {{\n    emit validaton_failed\n  }}\n}}\n{text}")
        } else {
            text
        }
    });
    let run = docket(
        &["diff", broken.str(), "rules/icp", "examples/stream.jsonl"],
        None,
    );
    assert_eq!(run.code, Some(2));
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("error: unknown message id `validaton_failed`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("help: did you mean `validation_failed`?"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.trim_end().ends_with(&format!(
            "error: OLD, the policy `{}`, does not load",
            broken.str()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_inputs_and_broken_scenarios_are_unusable() {
    let missing_policy = docket(
        &["diff", "rules/icp", "rules/nope", "examples/stream.jsonl"],
        None,
    );
    assert_eq!(missing_policy.code, Some(2));
    assert!(
        missing_policy
            .stderr
            .contains("NEW `rules/nope` is not a directory"),
        "{}",
        missing_policy.stderr
    );

    let missing_input = docket(&["diff", "rules/icp", "rules/icp", "no/such.jsonl"], None);
    assert_eq!(missing_input.code, Some(2));
    assert!(
        missing_input
            .stderr
            .contains("error: cannot read the input `no/such.jsonl`"),
        "{}",
        missing_input.stderr
    );

    let dir = TempDir::new("diff-bad-scenario");
    std::fs::write(
        dir.path().join("a_good.yaml"),
        "title: t\nsteps:\n  - event: { type: tick, at: \"2026-11-28T10:00:00+08:00\" }\n    messages: []\n",
    )
    .expect("write a scenario");
    std::fs::write(dir.path().join("b_bad.yaml"), "title: t\nstepz: []\n")
        .expect("write a scenario");
    let broken = docket(&["diff", "rules/icp", "rules/icp", dir.str()], None);
    assert_eq!(broken.code, Some(2));
    assert_eq!(broken.stdout, "");
    assert!(
        broken.stderr.contains("unknown key `stepz` in a scenario"),
        "{}",
        broken.stderr
    );

    let empty = TempDir::new("diff-no-scenario");
    let none = docket(&["diff", "rules/icp", "rules/icp", empty.str()], None);
    assert_eq!(none.code, Some(2));
    assert!(
        none.stderr.contains("no scenario file found"),
        "{}",
        none.stderr
    );
}

#[test]
fn help_has_an_example() {
    let run = docket(&["diff", "--help"], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("Usage: docket diff"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Example:\n  docket diff rules/icp my-icp"),
        "{}",
        run.stdout
    );
    let top = docket(&["--help"], None);
    assert!(
        top.stdout.contains("docket diff rules/icp my-icp"),
        "{}",
        top.stdout
    );
}
