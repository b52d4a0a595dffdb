//! `docket verify` through the built binary: the shipped policies verify clean; seeded defects
//! (edits of copies of them) are each caught with a short counterexample that `docket run
//! --invariants` replays to the same violation; unbounded fields and the state cap are
//! reported, not hung on.

use std::path::Path;

#[path = "support/bin.rs"]
mod bin;
use bin::docket;
#[path = "support/tempdir.rs"]
#[expect(
    dead_code,
    reason = "rules_copy copies rules/icp only: `seeded` copies either policy"
)]
mod tempdir;
use tempdir::TempDir;

/// A copy of the shipped policy `rules/<policy>` with `old` replaced by `new` in `file`
/// (which must hold `old` once).
fn seeded(policy: &str, file: &str, old: &str, new: &str) -> TempDir {
    seeded_edits(policy, file, &[(old, new)])
}

/// A copy of the shipped policy `rules/<policy>` with each `old` replaced by its `new` in
/// `file` (which must hold each `old` once).
fn seeded_edits(policy: &str, file: &str, edits: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new(&format!("verify-{policy}"));
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("rules")
        .join(policy);
    for entry in std::fs::read_dir(&src).expect("the shipped policy is listed") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().expect("a file name").to_owned();
        let mut text = std::fs::read_to_string(&path).expect("a shipped file reads");
        if name.to_str() == Some(file) {
            for (old, new) in edits {
                assert_eq!(text.matches(old).count(), 1, "`{old}` once in {file}");
                text = text.replace(old, new);
            }
        }
        std::fs::write(dir.path().join(&name), text).expect("the copy is written");
    }
    dir
}

/// `docket verify ARGS --format json --jobs N`: the exit status, and the report less what
/// may differ with the number of workers (seconds, rate, events evaluated, steps reused).
fn report_with_jobs(args: &[&str], jobs: &str) -> (Option<i32>, serde_json::Value) {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json", "--jobs", jobs]);
    let run = docket(&all, None);
    let mut report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("one JSON object ({e}): {}{}", run.stdout, run.stderr));
    for field in ["seconds", "states_per_second", "transitions", "reused"] {
        assert!(report[field].is_number(), "{field}: {report}");
        report[field] = serde_json::Value::Null;
    }
    (run.code, report)
}

/// The report of `docket verify ARGS` with one worker and with two: the same (states,
/// depth, verdict, counterexample, what was never reached, interchangeable formats).
fn same_with_jobs(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let one = report_with_jobs(args, "1");
    let two = report_with_jobs(args, "2");
    assert_eq!(
        one,
        two,
        "`docket verify {}`: --jobs 1, then 2",
        args.join(" ")
    );
    two
}

/// Runs `docket verify DIR ARGS --format json` with one worker and with two (the same
/// report), expects a violation of `invariant` within `max_events` events, and replays
/// the counterexample found with two workers with `docket run --invariants`.
fn caught(dir: &TempDir, args: &[&str], invariant: &str, max_events: usize) {
    let mut all = vec![dir.str()];
    all.extend_from_slice(args);
    let (code, report) = same_with_jobs(&all);
    assert_eq!(code, Some(1), "a violation: {report}");
    let events = report["violation"]["events"]
        .as_array()
        .expect("the counterexample's events");
    assert!(!events.is_empty() && events.len() <= max_events, "{report}");
    assert_eq!(report["violation"]["violated"][0]["invariant"], invariant);
    // the counterexample, replayed by `docket run`, breaks the same invariant at its last event
    let lines: String = events.iter().map(|e| format!("{e}\n")).collect();
    let replay = docket(
        &["run", "--rules", dir.str(), "--invariants", "-"],
        Some(lines.as_bytes()),
    );
    assert_eq!(replay.code, Some(1), "{}{}", replay.stdout, replay.stderr);
    let out: Vec<serde_json::Value> = replay
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON lines"))
        .collect();
    let records = out.iter().filter(|r| r.get("violation").is_none());
    assert!(
        records.clone().all(|r| r.get("error").is_none()),
        "every event accepted: {}",
        replay.stdout
    );
    assert_eq!(records.count(), events.len());
    let violations: Vec<&serde_json::Value> = out
        .iter()
        .filter(|r| r.get("violation").is_some())
        .collect();
    assert!(!violations.is_empty(), "{}", replay.stdout);
    assert_eq!(violations[0]["seq"], events.len());
    assert_eq!(violations[0]["violation"]["invariant"], invariant);
}

#[test]
fn shipped_policies_verify_clean() {
    for policy in ["rules/icp", "rules/gdpr-dsar"] {
        let run = docket(
            &["verify", policy, "--depth", "3", "--format", "json"],
            None,
        );
        assert_eq!(run.code, Some(0), "{policy}: {}{}", run.stdout, run.stderr);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
        assert_eq!(report["depth"], 3, "{report}");
        assert!(report["violation"].is_null());
        assert!(
            report["states"].as_u64().is_some_and(|n| n > 100),
            "{report}"
        );
    }
}

#[test]
fn workers_do_not_change_the_report() {
    for args in [
        &["rules/icp", "--depth", "4"][..],
        &["rules/gdpr-dsar", "--depth", "4"],
        &["rules/icp", "--depth", "2", "--keys", "2"],
        &["rules/gdpr-dsar", "--depth", "2", "--keys", "2"],
        &["rules/icp", "--depth", "3", "--no-symmetry"],
    ] {
        let (code, report) = same_with_jobs(args);
        assert_eq!(code, Some(0), "{report}");
        assert!(
            report["unreached"]
                .as_array()
                .is_some_and(|u| !u.is_empty()),
            "{report}"
        );
    }
    // stopped by the cap part way through a level: the same states, and what the levels
    // explored whole never reached (what a run to their depth reports), not what the
    // workers got through of the next
    for (policy, cap) in [("rules/icp", "5000"), ("rules/gdpr-dsar", "3000")] {
        let (code, capped) = same_with_jobs(&[policy, "--max-states", cap]);
        assert_eq!(code, Some(2), "{capped}");
        assert_eq!(capped["states"].to_string(), cap, "{capped}");
        assert_eq!(capped["capped"], true, "{capped}");
        let depth = capped["depth"].to_string();
        let (_, whole) = report_with_jobs(&[policy, "--depth", &depth], "2");
        assert_eq!(
            capped["unreached"], whole["unreached"],
            "{policy} to depth {depth}"
        );
    }
    // the text report too, but for its first line (the counts and the time)
    let text = |jobs: &str| {
        let run = docket(
            &["verify", "rules/icp", "--depth", "3", "--jobs", jobs],
            None,
        );
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        run.stdout.lines().skip(1).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(text("1"), text("2"));
}

#[test]
fn a_text_built_by_a_template_is_stored_as_rendered() {
    // verify renders no message; a template that makes a value is rendered all the same:
    // were it not, the label would be stored empty and the invariant broken
    let dir = seeded_edits(
        "icp",
        "icp.docket",
        &[
            ("  first_sms_at: instant?\n}", "  first_sms_at: instant?\n  label: text = \"\"\n}"),
            (
                "    set filing.variant = event.variant\n",
                "    set filing.variant = event.variant\n    set filing.label = \"{event.filing}/{event.variant}\"\n",
            ),
            (
                "invariant final_stays for filing change",
                "invariant labelled for filing = filing.label != \"\"\n  else \"filing {filing.id} has no label\"\n\ninvariant final_stays for filing change",
            ),
        ],
    );
    let (code, report) = same_with_jobs(&[dir.str(), "--depth", "2"]);
    assert_eq!(code, Some(0), "{report}");
    assert!(report["violation"].is_null(), "{report}");
}

#[test]
fn text_report_lists_what_was_never_reached() {
    let run = docket(&["verify", "rules/icp", "--depth", "3"], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run
        .stdout
        .contains("every invariant holds within the bound"));
    // a fifth failure needs seven events: at depth 3 the rejection is never reached
    assert!(
        run.stdout.contains("message `application_rejected`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("guard of rule `too_many_failures` (on validation_attempt) always false"),
        "{}",
        run.stdout
    );
}

#[test]
fn seeded_ge_made_gt_is_caught() {
    let dir = seeded(
        "icp",
        "icp.docket",
        "p.failures >= limits.max_failed_attempts",
        "p.failures > limits.max_failed_attempts",
    );
    let args = ["--depth", "8", "--list-len", "1"];
    caught(&dir, &args, "failures_within_limit", 12);
}

#[test]
fn seeded_guard_negated_is_caught() {
    let dir = seeded(
        "icp",
        "icp.docket",
        "rule already_final when filing.status is final {",
        "rule already_final when not (filing.status is final) {",
    );
    caught(&dir, &["--depth", "4"], "final_stays", 12);
}

#[test]
fn a_step_back_to_a_world_reached_before_is_checked() {
    // every accepted event that leaves a filing awaiting its sync breaks this invariant, and
    // each such step leads to a world reached before (the filing as it was, at the same
    // instant): a transition invariant is checked on every step, not only on new worlds
    let dir = seeded(
        "icp",
        "icp.docket",
        "// contract §1: a final status is final\n",
        "invariant sync_moves_on for filing change\n  = not (before.status == awaiting_sync and after.status == awaiting_sync)\n  else \"filing {after.id} stayed awaiting_sync\"\n\n// contract §1: a final status is final\n",
    );
    caught(&dir, &["--depth", "3"], "sync_moves_on", 2);
    caught(&dir, &["--depth", "3", "--keys", "2"], "sync_moves_on", 2);
}

#[test]
fn seeded_rule_removed_is_caught() {
    let dir = seeded(
        "gdpr-dsar",
        "dsar.docket",
        "  rule checks_outstanding when count(request.outstanding) > 0 {\n    reject request \"request {request.id} still needs the checks {request.outstanding}\"\n  }\n",
        "",
    );
    caught(&dir, &["--depth", "4"], "answered_after_checks", 12);
}

#[test]
fn seeded_status_mapping_changed_is_caught() {
    let dir = seeded(
        "gdpr-dsar",
        "dsar.docket",
        "rule overdue when request.status is running {\n    set request.status = overdue",
        "rule overdue when request.status is running {\n    set request.status = received",
    );
    caught(&dir, &["--depth", "4"], "past_due_is_overdue", 12);
}

#[test]
fn seeded_deadline_shortened_is_caught() {
    let dir = seeded(
        "gdpr-dsar",
        "dsar.docket",
        "deadline due = request.due_at\n",
        "deadline due = request.due_at - 1 day\n",
    );
    caught(&dir, &["--depth", "4"], "overdue_only_when_due", 12);
}

#[test]
fn a_key_named_in_a_rule_is_explored_as_itself() {
    // only filing `B` leaves a final status: were the two keys taken as interchangeable, the
    // world with filing B alone would be kept as the one with filing A, and the violation
    // (two events on B) missed at depth 2
    let dir = seeded(
        "icp",
        "icp.docket",
        "rule already_final when filing.status is final {",
        "rule already_final when filing.status is final and filing.id != \"B\" {",
    );
    caught(&dir, &["--depth", "2", "--keys", "2"], "final_stays", 2);
}

#[test]
fn interchangeable_values_are_explored_once() {
    let run = |extra: &[&str]| {
        let mut args = vec!["verify", "rules/icp", "--depth", "3", "--keys", "2"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--format", "json"]);
        let run = docket(&args, None);
        assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
        serde_json::from_str::<serde_json::Value>(&run.stdout).expect("JSON")
    };
    let reduced = run(&[]);
    let formats: Vec<&str> = reduced["symmetric"]
        .as_array()
        .expect("the interchangeable formats")
        .iter()
        .filter_map(|f| f["format"].as_str())
        .collect();
    assert_eq!(formats, ["filing_id", "phone", "cert_last6", "code"]);
    let full = run(&["--no-symmetry"]);
    assert_eq!(full["symmetric"].as_array().map(Vec::len), Some(0));
    let (r, f) = (reduced["states"].as_u64(), full["states"].as_u64());
    assert!(
        r.zip(f).is_some_and(|(r, f)| 0 < r && r < f),
        "{reduced} {full}"
    );
    // the same verdict, and the same items never reached
    assert_eq!(reduced["unreached"], full["unreached"]);
}

#[test]
fn a_field_without_a_small_domain_is_named() {
    let dir = seeded(
        "icp",
        "icp.docket",
        "event order_canceled { filing: filing_id }",
        "event order_canceled { filing: filing_id, effective: instant }",
    );
    let run = docket(&["verify", dir.str(), "--depth", "2"], None);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("field `effective` of event `order_canceled` cannot be bounded"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_state_cap_stops_with_a_clear_message() {
    let run = docket(&["verify", "rules/icp", "--max-states", "50"], None);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("stopped at --max-states 50"),
        "{}",
        run.stderr
    );
}

#[test]
fn boundary_scenarios_are_written_and_pass() {
    let out = TempDir::new("boundaries");
    let dir = format!("{}/icp", out.str());
    let run = docket(
        &[
            "scenarios",
            "--boundaries",
            "rules/icp",
            "-o",
            &dir,
            "--list-len",
            "1",
        ],
        None,
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    for name in [
        "count-people-failures-4",
        "count-people-failures-5",
        "count-people-failures-beyond-5",
        "count-people-resends-2",
        "deadline-window_end-before",
        "deadline-window_end-at",
        "deadline-window_end-after",
    ] {
        assert!(
            Path::new(&dir).join(format!("{name}.yaml")).is_file(),
            "{name}: {}",
            run.stdout
        );
    }
    let beyond =
        std::fs::read_to_string(Path::new(&dir).join("count-people-resends-beyond-2.yaml"))
            .expect("written");
    assert!(beyond.contains("resend_limit_reached"), "{beyond}");
    // the expectations are what the policy does now: its own scenarios pass
    let test = docket(&["test", "--rules", "rules/icp", &dir], None);
    assert_eq!(test.code, Some(0), "{}{}", test.stdout, test.stderr);
    assert!(
        test.stdout.contains("9 passed, 0 failed"),
        "{}",
        test.stdout
    );
}
