//! Golden runs of `docket run --explain` and `docket test --coverage`: the trace of a small
//! ICP stream, and the coverage of the shipped policies by their scenario suites.

use std::process::{Command, Stdio};

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `docket ARGS` from the crate root, with nothing on standard input.
fn docket(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .expect("the docket binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Every value of a field declared `sensitive` in the ICP events of `input`.
fn secrets(input: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in input.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("an input line is JSON");
        let mut stack = vec![v];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, v) in m {
                        match (k.as_str(), v) {
                            ("code" | "cert_last6" | "subject", serde_json::Value::String(s)) => {
                                out.push(s)
                            }
                            (_, v) => stack.push(v),
                        }
                    }
                }
                serde_json::Value::Array(a) => stack.extend(a),
                _ => {}
            }
        }
    }
    out
}

/// The rule runs of a record's trace as `(rule, case, branch)`.
fn runs(record: &serde_json::Value) -> Vec<(String, String, String)> {
    record["trace"]["rules"]
        .as_array()
        .expect("a trace lists its rules")
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("-").to_string();
            (s("rule"), s("case"), s("branch"))
        })
        .collect()
}

// ── docket run --explain ────────────────────────────────────────────────────

#[test]
fn explain_traces_each_record_of_a_small_icp_stream() {
    let input = std::fs::read_to_string("tests/cli/explain.jsonl").expect("the stream");
    let run = docket(&["run", "--explain", "tests/cli/explain.jsonl"]);
    assert_eq!(
        run.code,
        Some(1),
        "lines 7 and 8 are refused: {}",
        run.stderr
    );
    let records = json_lines(&run.stdout);
    assert_eq!(records.len(), 9);

    // what the records say is what `docket run` says, with a trace added
    let plain = json_lines(&docket(&["run", "tests/cli/explain.jsonl"]).stdout);
    for (mut explained, plain) in records.clone().into_iter().zip(plain) {
        let trace = explained
            .as_object_mut()
            .and_then(|o| o.remove("trace"))
            .expect("every record has a trace");
        assert!(trace["rules"].is_array() && trace["fired"].is_array() && trace["rows"].is_array());
        assert_eq!(explained, plain);
    }

    // no verification code and no certificate digits, anywhere
    for secret in secrets(&input) {
        assert!(
            !run.stdout.contains(&secret),
            "`{secret}` shown: {}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("(sensitive)"));

    // the order looked up its row, the wrong code failed, the right one validated
    assert_eq!(
        records[0]["trace"]["rows"][0]["at"],
        "rules/icp/roles.yaml:14"
    );
    let third = runs(&records[2]);
    assert!(
        third.contains(&("attempt_failed".into(), "F1".into(), "then".into())),
        "{third:?}"
    );
    let fourth = runs(&records[3]);
    assert!(fourth.contains(&("last_one_validated".into(), "F1".into(), "then".into())));
    assert!(fourth.contains(&("attempt_failed".into(), "F1".into(), "none".into())));
    // a refused event's trace holds what ran up to the refusal: the missing role's rule
    assert!(records[7]["error"].is_string());
    let refused = runs(&records[7]);
    assert_eq!(
        refused.last(),
        Some(&("required_role_missing".into(), "F3".into(), "then".into())),
        "{refused:?}"
    );
    assert_eq!(records[7]["trace"]["rules"][1]["item"], "website_admin");
    // the tick fired both windows, in order; only F2's was still open
    let fired: Vec<&str> = records[8]["trace"]["fired"]
        .as_array()
        .expect("fired")
        .iter()
        .map(|f| f["filing"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(fired, ["F1", "F2"]);
    let last = runs(&records[8]);
    assert!(last.contains(&("window_expired".into(), "F1".into(), "none".into())));
    assert!(last.contains(&("window_expired".into(), "F2".into(), "then".into())));

    let pretty: Vec<String> = records
        .iter()
        .map(|r| serde_json::to_string_pretty(r).expect("JSON"))
        .collect();
    insta::assert_snapshot!("explain_small_icp_stream", pretty.join("\n"));
}

#[test]
fn explain_masks_sensitive_values_of_a_state_run_too() {
    let dir = std::env::temp_dir().join(format!("docket-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let state = dir.join("world.json");
    let state = state.to_str().expect("a UTF-8 path");
    let run = docket(&[
        "run",
        "--explain",
        "--state",
        state,
        "tests/cli/explain.jsonl",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let input = std::fs::read_to_string("tests/cli/explain.jsonl").expect("the stream");
    for secret in secrets(&input) {
        assert!(!run.stdout.contains(&secret), "`{secret}` shown");
    }
    assert_eq!(json_lines(&run.stdout).len(), 9);
}

// ── docket test --coverage ──────────────────────────────────────────────────

/// The coverage part of `docket test --coverage`'s output (after the scenario lines).
fn coverage_part(stdout: &str) -> &str {
    stdout
        .split_once("\ncoverage:\n")
        .map(|(_, c)| c)
        .unwrap_or_else(|| panic!("no coverage in: {stdout}"))
}

#[test]
fn coverage_of_every_shipped_policy_by_its_suite_is_complete() {
    for (rules, suite) in [
        ("rules/icp", "tests/scenarios/icp"),
        ("rules/gdpr-dsar", "tests/scenarios/gdpr-dsar"),
    ] {
        let run = docket(&["test", "--rules", rules, suite, "--min-coverage", "100"]);
        assert_eq!(run.code, Some(0), "{rules}: {}{}", run.stdout, run.stderr);
        let table = coverage_part(&run.stdout);
        assert!(table.ends_with("every item is covered\n"), "{table}");
        let name = format!("coverage_{}", rules.replace(['/', '-'], "_"));
        insta::assert_snapshot!(name, table);
    }
}

#[test]
fn coverage_lists_what_one_scenario_leaves_uncovered_by_file_and_line() {
    let scenario = "tests/scenarios/icp/r5_wrong_cert_counts.yaml";
    let run = docket(&["test", "--rules", "rules/icp", scenario, "--coverage"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let table = coverage_part(&run.stdout);
    // the rule that ran and the branch the wrong certificate took are covered
    assert!(!table.contains("rule `attempt_failed` (on validation_attempt)\n"));
    assert!(!table.contains("branch `then`\n  rules/icp/icp.docket:150"));
    assert!(table.contains("rules/icp/icp.docket:201: rule `cancel` (on order_canceled)\n"));
    assert!(table.contains("rules/icp/roles.yaml:17: row `roles[add_service, website]`\n"));
    insta::assert_snapshot!("coverage_one_icp_scenario", table);

    let run = docket(&[
        "test",
        "--rules",
        "rules/icp",
        scenario,
        "--min-coverage",
        "90",
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stderr
            .starts_with("error: coverage below the minimum of 90%: rules "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("branches ") && run.stderr.contains("messages "));

    // a minimum is a percentage
    for bad in ["101", "ninety", "NaN"] {
        let run = docket(&["test", scenario, "--min-coverage", bad]);
        assert_eq!(run.code, Some(2), "{bad}: {}", run.stderr);
        assert!(
            run.stderr.contains("expected a percentage from 0 to 100"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn coverage_as_json() {
    let run = docket(&[
        "test",
        "--rules",
        "rules/icp",
        "tests/scenarios/icp/r5_wrong_cert_counts.yaml",
        "--coverage",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // the scenario lines go to stderr: stdout is one JSON object
    assert!(run.stderr.contains("1 passed, 0 failed"), "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    let total = &v["total"];
    assert_eq!(total["rows"]["total"], 14);
    assert_eq!(total["messages"]["total"], 17);
    let rules = &total["rules"];
    assert!(rules["covered"].as_u64() < rules["total"].as_u64());
    let uncovered = v["uncovered"].as_array().expect("uncovered");
    assert!(uncovered
        .iter()
        .any(|u| u["at"] == "rules/icp/icp.docket:201"
            && u["measure"] == "rules"
            && u["item"] == "rule `cancel` (on order_canceled)"));
    insta::assert_snapshot!(
        "coverage_one_icp_scenario_json",
        serde_json::to_string_pretty(&v).expect("JSON")
    );

    let full = docket(&[
        "test",
        "--rules",
        "rules/gdpr-dsar",
        "tests/scenarios/gdpr-dsar",
        "--format",
        "json",
        "--min-coverage",
        "100",
    ]);
    assert_eq!(full.code, Some(0), "{}", full.stderr);
    let v: serde_json::Value = serde_json::from_str(&full.stdout).expect("stdout is JSON");
    for m in [
        "rules",
        "branches",
        "rows",
        "messages",
        "deadlines",
        "statuses",
    ] {
        assert_eq!(v["total"][m]["percent"], 100.0, "{m}");
    }
    assert_eq!(v["uncovered"], serde_json::json!([]));
}

// ── tracing changes nothing ─────────────────────────────────────────────────

/// Every `*.yaml` file under `dir`, in path order.
fn scenario_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).expect("a scenario folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|x| x == "yaml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every step of every scenario of the three policies runs to the same record with a trace
/// as without (the guard evaluated part by part decides every branch as the compiled guard
/// does), and the trace JSON is valid JSON.
#[test]
fn tracing_changes_no_record() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut steps = 0;
    for (rules, suite) in [
        ("rules/icp", "tests/scenarios/icp"),
        ("rules/gdpr-dsar", "tests/scenarios/gdpr-dsar"),
        ("tests/policies/otp-lockout", "tests/scenarios/otp-lockout"),
    ] {
        let engine = docket::Engine::load(root.join(rules)).expect("the policy loads");
        for file in scenario_files(&root.join(suite)) {
            let text = std::fs::read_to_string(&file).expect("a scenario file");
            let name = file.display().to_string();
            let scenario = docket::Scenario::parse(&name, &text).expect("a scenario");
            let (mut plain, mut traced) = (docket::World::new(), docket::World::new());
            let mut trace = docket::Trace::default();
            for (i, (line, input)) in scenario.inputs().enumerate() {
                let want = engine.run_line(&mut plain, i + 1, input);
                let got = engine.run_line_traced(&mut traced, i + 1, input, &mut trace);
                assert_eq!(got, want, "{name}:{line}");
                let json = engine.trace_json(&trace);
                serde_json::from_str::<serde_json::Value>(&json)
                    .unwrap_or_else(|e| panic!("{name}:{line}: trace not JSON ({e}): {json}"));
                // the sensitive fields of the three policies' events: a DSAR's subject, a
                // verification code, certificate digits; never in a trace, even lower-cased
                if serde_json::from_str::<serde_json::Value>(input).is_ok() {
                    for secret in secrets(input) {
                        let quoted = format!("\"{}\"", secret.to_lowercase());
                        assert!(
                            !json.to_lowercase().contains(&quoted),
                            "{name}:{line}: `{secret}` in the trace: {json}"
                        );
                    }
                }
                steps += 1;
            }
        }
    }
    assert!(steps > 1000, "{steps} steps");
}
