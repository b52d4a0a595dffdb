//! Golden runs of the built `docket` binary: the CLI contract (contract section 3).

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

#[path = "support/bin.rs"]
mod bin;
use bin::docket;
#[path = "support/tempdir.rs"]
mod tempdir;
use tempdir::{rules_copy, TempDir};

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// A copy of `rules/icp` whose rule file misspells a message id. The typo goes in a handler
/// put at the top of the file, so that the snapshot does not move when the policy is edited.
fn broken_rules() -> TempDir {
    rules_copy("broken-rules", |name, text| {
        if name == "icp.docket" {
            format!("on tick {{\n  rule typo {{\n    emit validaton_failed\n  }}\n}}\n{text}")
        } else {
            text
        }
    })
}

/// A copy of `rules/icp` with a message that no rule emits: a warning, not an error.
fn rules_with_a_warning() -> TempDir {
    rules_copy("warning-rules", |name, text| {
        if name == "messages.yaml" {
            assert!(text.contains("\nmessages:\n"), "messages.yaml changed");
            text.replacen(
                "\nmessages:\n",
                "\nmessages:\n  never_sent:\n    text: \"t\"\n    result: \"r\"\n    next_step: \"n\"\n",
                1,
            )
        } else {
            text
        }
    })
}

/// Whether `text` holds `file:LINE:COL` for some numbers.
fn has_file_line_col(text: &str, file: &str) -> bool {
    text.match_indices(file).any(|(i, _)| {
        let rest = &text[i + file.len()..];
        let mut parts = rest.splitn(3, ':');
        parts.next() == Some("")
            && parts
                .next()
                .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
            && parts
                .next()
                .is_some_and(|c| c.bytes().take_while(u8::is_ascii_digit).count().gt(&0))
    })
}

/// Every `code` and `cert_last6` value anywhere in a JSON value.
fn secrets(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("code" | "cert_last6", serde_json::Value::String(s)) => out.push(s.clone()),
                    _ => secrets(v, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| secrets(v, out)),
        _ => {}
    }
}

/// The message ids of every outcome of one record.
fn message_ids(record: &serde_json::Value) -> Vec<String> {
    record["outcomes"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["messages"].as_array().into_iter().flatten())
        .map(|m| m["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

// ── run ─────────────────────────────────────────────────────────────────────

#[test]
fn run_example_stream() {
    let run = docket(&["run", "examples/stream.jsonl"], None);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stderr, "");

    let input = read("examples/stream.jsonl");
    let records = json_lines(&run.stdout);
    assert_eq!(records.len(), input.lines().count(), "one record per line");
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["seq"], i + 1);
        assert!(r["outcomes"].is_array(), "line {} was refused: {r}", i + 1);
    }

    // The story of the stream, line by line.
    assert_eq!(message_ids(&records[5]), ["unrecognized_sender"]);
    assert_eq!(message_ids(&records[6]), ["validation_failed"]);
    assert_eq!(message_ids(&records[7]), ["resend_success"]);
    assert_eq!(message_ids(&records[9]), ["validation_complete_waiting"]);
    assert_eq!(records[9]["outcomes"][0]["status"], "partially_validated");
    assert_eq!(
        records[11]["outcomes"],
        serde_json::json!([]),
        "a quiet tick"
    );

    // The two-person filing ends under review, its last status in the stream.
    let last_of_first = records
        .iter()
        .flat_map(|r| r["outcomes"].as_array().into_iter().flatten())
        .rfind(|o| o["filing"] == "ICP-0001")
        .expect("ICP-0001 has outcomes");
    assert_eq!(last_of_first["status"], "under_review");
    assert_eq!(last_of_first["messages"][0]["id"], "validation_complete");

    // The second filing expires on the last tick, 24 h after its first SMS.
    let last = records.last().expect("some record");
    assert_eq!(last["type"], "tick");
    assert_eq!(last["outcomes"][0]["filing"], "ICP-0002");
    assert_eq!(last["outcomes"][0]["status"], "canceled");
    assert_eq!(message_ids(last), ["validation_window_expired"]);

    // No verification code and no certificate digits of the input leak into the output.
    let mut leaked = Vec::new();
    for line in input.lines() {
        secrets(
            &serde_json::from_str(line).expect("the input is JSON"),
            &mut leaked,
        );
    }
    assert!(leaked.len() >= 10, "the input has codes and certificates");
    for s in &leaked {
        assert!(
            !run.stdout.contains(s.as_str()),
            "`{s}` appears in the output"
        );
        assert!(
            !run.stdout.contains(&s.to_uppercase()),
            "`{s}` appears in the output"
        );
    }

    insta::assert_snapshot!("run_example_stream", run.stdout);
}

#[test]
fn run_reads_stdin_with_dash_or_without_file() {
    let input = read("examples/stream.jsonl");
    let from_file = docket(&["run", "examples/stream.jsonl"], None);
    let dash = docket(&["run", "-"], Some(input.as_bytes()));
    let absent = docket(&["run"], Some(input.as_bytes()));
    assert_eq!(dash.code, Some(0), "stderr: {}", dash.stderr);
    assert_eq!(absent.code, Some(0), "stderr: {}", absent.stderr);
    assert_eq!(dash.stdout, from_file.stdout);
    assert_eq!(absent.stdout, from_file.stdout);
}

#[test]
fn run_rules_dir_gives_the_same_output_as_the_builtin_policy() {
    let builtin = docket(&["run", "examples/stream.jsonl"], None);
    let on_disk = docket(
        &["run", "--rules", "rules/icp", "examples/stream.jsonl"],
        None,
    );
    assert_eq!(on_disk.code, Some(0), "stderr: {}", on_disk.stderr);
    assert_eq!(on_disk.stdout, builtin.stdout);
}

#[test]
fn run_bad_line_in_the_middle() {
    let run = docket(&["run", "tests/cli/bad_line.jsonl"], None);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let records = json_lines(&run.stdout);
    assert_eq!(records.len(), 4);

    let bad = &records[1];
    assert_eq!(bad["seq"], 2);
    assert!(bad.get("outcomes").is_none());
    let error = bad["error"].as_str().expect("an error message");
    assert!(error.starts_with("line 2: "), "{error}");
    assert!(error.contains("`code`"), "names the field: {error}");

    // The other lines are evaluated: the good SMS and the validation after the bad line.
    for i in [0, 2, 3] {
        assert!(records[i]["outcomes"].is_array(), "{}", records[i]);
    }
    assert_eq!(records[3]["outcomes"][0]["status"], "under_review");
    insta::assert_snapshot!("run_bad_line", run.stdout);
}

#[test]
fn run_crlf_blank_and_non_utf8_lines() {
    let mut input = Vec::new();
    input.extend_from_slice(br#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800138000","cert_last6":"52817X"}]}"#);
    input.extend_from_slice(b"\r\n\r\n   \t\n"); // lines 1-3: the event, then two blank lines
    input.extend_from_slice(b"{\"type\":\"tick\xff\xfe\"}\n"); // line 4: not UTF-8
    input.extend_from_slice(br#"{"type":"sms_sent","at":"2026-11-28T10:30:00+08:00","filing":"F1","phone":"13800138000","code":"482913"}"#);
    input.extend_from_slice(b"\r\n"); // line 5
                                      // line 6, without a final newline
    input.extend_from_slice(br#"{"type":"validation_attempt","at":"2026-11-28T10:40:00+08:00","phone":"13800138000","code":"482913","cert_last6":"52817X"}"#);

    let run = docket(&["run", "-"], Some(&input));
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let records = json_lines(&run.stdout);
    let seqs: Vec<_> = records.iter().map(|r| r["seq"].as_u64()).collect();
    assert_eq!(
        seqs,
        [Some(1), Some(2), Some(3), Some(4), Some(5), Some(6)],
        "one record per input line, blank lines included"
    );
    for blank in [&records[1], &records[2]] {
        let error = blank["error"].as_str().expect("a blank line is an error");
        assert!(error.contains("empty"), "{error}");
    }
    let error = records[3]["error"].as_str().expect("line 4 is an error");
    assert!(
        error.starts_with("line 4: ") && error.contains("UTF-8"),
        "{error}"
    );
    assert_eq!(records[5]["outcomes"][0]["status"], "under_review");
}

#[test]
fn run_broken_rules_exits_2_with_rendered_diagnostics() {
    let rules = broken_rules();
    let run = docket(
        &["run", "--rules", rules.str(), "examples/stream.jsonl"],
        None,
    );
    assert_eq!(run.code, Some(2));
    assert_eq!(run.stdout, "", "nothing is evaluated");
    assert!(run.stderr.contains("validaton_failed"), "{}", run.stderr);
    let file = rules.path().join("icp.docket");
    assert!(
        has_file_line_col(&run.stderr, &file.display().to_string()),
        "no file:line:col in {}",
        run.stderr
    );
    insta::assert_snapshot!(
        "run_broken_rules_stderr",
        run.stderr.replace(rules.str(), "[RULES]")
    );
}

#[test]
fn run_unusable_arguments_exit_2() {
    let missing_input = docket(&["run", "tests/cli/no-such-file.jsonl"], None);
    assert_eq!(missing_input.code, Some(2));
    assert!(
        missing_input.stderr.contains("no-such-file.jsonl"),
        "{}",
        missing_input.stderr
    );

    let missing_rules = docket(&["run", "--rules", "no/such/dir", "-"], Some(b""));
    assert_eq!(missing_rules.code, Some(2));
    assert!(
        missing_rules.stderr.contains("no/such/dir"),
        "{}",
        missing_rules.stderr
    );

    let unknown_flag = docket(&["run", "--frobnicate"], Some(b""));
    assert_eq!(unknown_flag.code, Some(2));
    let no_command = docket(&[], None);
    assert_eq!(no_command.code, Some(2));
}

#[test]
fn run_empty_input_prints_nothing() {
    let run = docket(&["run"], Some(b""));
    assert_eq!(run.code, Some(0));
    assert_eq!(run.stdout, "");
}

#[test]
fn run_stops_quietly_when_stdout_closes() {
    let mut input = String::new();
    for i in 0..20_000 {
        let (h, m, s) = (i / 3600, i / 60 % 60, i % 60);
        let _ = writeln!(
            input,
            "{{\"type\":\"tick\",\"at\":\"2026-11-28T{h:02}:{m:02}:{s:02}+08:00\"}}"
        );
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
        .arg("run")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the docket binary starts");
    // Close the reading end before docket writes anything.
    drop(child.stdout.take());
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("the docket binary runs");
    writer.join().expect("the stdin writer does not panic");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "", "quietly");
}

// ── run --state ─────────────────────────────────────────────────────────────

/// `stdout` with every `seq` moved on by `offset` (records start with `{"seq":N,`).
fn shift_seq(stdout: &str, offset: usize) -> String {
    let mut out = String::new();
    for l in stdout.lines() {
        let rest = l
            .strip_prefix(r#"{"seq":"#)
            .expect("a record starts with seq");
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let seq: usize = rest[..digits].parse().expect("seq is a number");
        let _ = writeln!(out, "{{\"seq\":{}{}", seq + offset, &rest[digits..]);
    }
    out
}

#[test]
fn state_two_runs_equal_one_run_at_every_split() {
    let input = read("examples/stream.jsonl");
    let lines: Vec<&str> = input.lines().collect();
    let whole = docket(&["run", "examples/stream.jsonl"], None);
    assert_eq!(whole.code, Some(0));

    for k in 1..lines.len() {
        let dir = TempDir::new(&format!("state-{k}"));
        let state = dir.path().join("world.json");
        let state_arg = state.to_str().expect("a UTF-8 path");
        let first_input = lines[..k].join("\n") + "\n";
        let second_input = lines[k..].join("\n") + "\n";

        let first = docket(
            &["run", "--state", state_arg, "-"],
            Some(first_input.as_bytes()),
        );
        assert_eq!(first.code, Some(0), "split {k}: {}", first.stderr);
        let saved = std::fs::read_to_string(&state).expect("the state file is written");
        let doc: serde_json::Value = serde_json::from_str(&saved).expect("the state is JSON");
        assert!(doc.is_object(), "split {k}: {saved}");
        let leftovers = temp_files(dir.path());
        assert!(leftovers.is_empty(), "no temp file is left: {leftovers:?}");

        let second = docket(
            &["run", "--state", state_arg, "-"],
            Some(second_input.as_bytes()),
        );
        assert_eq!(second.code, Some(0), "split {k}: {}", second.stderr);

        // The second run numbers its lines from 1: renumber, then compare byte for byte.
        let joined = first.stdout + &shift_seq(&second.stdout, k);
        assert_eq!(joined, whole.stdout, "split after line {k}");
    }
}

#[test]
fn state_file_is_saved_even_when_some_line_is_an_error() {
    let dir = TempDir::new("state-error");
    let state = dir.path().join("world.json");
    let state_arg = state.to_str().expect("a UTF-8 path");
    let run = docket(
        &["run", "--state", state_arg, "tests/cli/bad_line.jsonl"],
        None,
    );
    assert_eq!(run.code, Some(1));
    let saved = std::fs::read_to_string(&state).expect("the state file is written");
    assert!(saved.contains("F1"), "the accepted lines are kept: {saved}");

    // F1 is under review: a duplicate order for it is refused in the next run.
    let again = docket(
        &["run", "--state", state_arg, "-"],
        Some(
            read("tests/cli/bad_line.jsonl")
                .lines()
                .next()
                .expect("a line")
                .as_bytes(),
        ),
    );
    assert_eq!(again.code, Some(1));
    assert!(
        again.stdout.contains(r#""error":"line 1: "#),
        "{}",
        again.stdout
    );
}

/// `docket run --state STATE` refuses the state file before evaluating anything: exit 2,
/// no output, and the file named on stderr.
fn refused_state(state: &Path) {
    let state_arg = state.to_str().expect("a UTF-8 path");
    let run = docket(
        &["run", "--state", state_arg, "examples/stream.jsonl"],
        None,
    );
    assert_eq!(run.code, Some(2));
    assert_eq!(run.stdout, "", "nothing is evaluated");
    assert!(
        run.stderr.contains(state_arg),
        "names the file: {}",
        run.stderr
    );
}

#[test]
fn state_in_a_missing_directory_exits_2_before_running() {
    let dir = TempDir::new("state-missing-dir");
    let state = dir.path().join("no-such-dir").join("world.json");
    refused_state(&state);
}

#[test]
fn state_garbage_file_exits_2_and_is_left_alone() {
    let dir = TempDir::new("state-garbage");
    let state = dir.path().join("world.json");
    std::fs::write(&state, "this is not a saved world\n").expect("the file is written");
    refused_state(&state);
    assert_eq!(
        std::fs::read_to_string(&state).expect("the file is still there"),
        "this is not a saved world\n"
    );
}

// ── check ───────────────────────────────────────────────────────────────────

#[test]
fn check_shipped_policy_is_clean() {
    let on_disk = docket(&["check", "rules/icp"], None);
    assert_eq!(on_disk.code, Some(0), "stderr: {}", on_disk.stderr);
    assert_eq!(on_disk.stdout, "rules/icp: ok (0 warnings)\n");
    assert_eq!(on_disk.stderr, "");

    let builtin = docket(&["check"], None);
    assert_eq!(builtin.code, Some(0), "stderr: {}", builtin.stderr);
    assert_eq!(builtin.stdout, "built-in ICP policy: ok (0 warnings)\n");
}

#[test]
fn check_broken_policy_exits_1_with_rendered_diagnostics() {
    let rules = broken_rules();
    let run = docket(&["check", rules.str()], None);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    let file = rules.path().join("icp.docket");
    assert!(
        has_file_line_col(&run.stderr, &file.display().to_string()),
        "no file:line:col in {}",
        run.stderr
    );
    insta::assert_snapshot!(
        "check_broken_rules_stderr",
        run.stderr.replace(rules.str(), "[RULES]")
    );
}

#[test]
fn check_and_run_report_warnings_but_accept_the_policy() {
    let rules = rules_with_a_warning();
    let check = docket(&["check", rules.str()], None);
    assert_eq!(check.code, Some(0), "stderr: {}", check.stderr);
    assert_eq!(check.stdout, format!("{}: ok (1 warning)\n", rules.str()));
    assert!(
        check
            .stderr
            .starts_with("warning: no rule emits message `never_sent`"),
        "{}",
        check.stderr
    );

    let run = docket(
        &["run", "--rules", rules.str(), "examples/stream.jsonl"],
        None,
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stderr, check.stderr, "the same warnings");
    assert_eq!(
        run.stdout,
        docket(&["run", "examples/stream.jsonl"], None).stdout
    );
}

#[test]
fn check_missing_dir_is_an_unusable_argument() {
    let run = docket(&["check", "no/such/dir"], None);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("`no/such/dir` is not a directory"),
        "{}",
        run.stderr
    );
}

// ── help and version ────────────────────────────────────────────────────────

#[test]
fn help_of_every_command_has_an_example() {
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["check", "--help"],
        &["help", "run"],
    ] {
        let run = docket(args, None);
        assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
        assert!(run.stdout.contains("Example:"), "{args:?}:\n{}", run.stdout);
        assert!(
            run.stdout.contains("Usage: docket"),
            "{args:?}:\n{}",
            run.stdout
        );
    }
    let run_help = docket(&["run", "--help"], None).stdout;
    assert!(run_help.contains("--state"), "{run_help}");
    assert!(run_help.contains("blank line"), "{run_help}");
}

#[test]
fn version() {
    let run = docket(&["--version"], None);
    assert_eq!(run.code, Some(0));
    assert_eq!(
        run.stdout,
        format!("docket {}\n", env!("CARGO_PKG_VERSION"))
    );
}

// ── docket test ─────────────────────────────────────────────────────────────

#[test]
fn test_runs_the_scenario_folder() {
    let run = docket(&["test", "tests/scenarios/icp"], None);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let files = std::fs::read_dir("tests/scenarios/icp")
        .expect("dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        })
        .count();
    assert!(
        run.stdout.ends_with(&format!("{files} passed, 0 failed\n")),
        "{}",
        run.stdout
    );
}

#[test]
fn test_reports_a_failing_expectation_with_its_line() {
    let dir = TempDir::new("test-failing");
    let file = dir.path().join("wrong.yaml");
    std::fs::write(
        &file,
        "title: a wrong expectation\nsteps:\n  - event: { type: tick, at: \"2026-11-28T09:00:00+08:00\" }\n    messages: [order_canceled]\n",
    )
    .expect("write");
    let path = file.display().to_string();
    let run = docket(&["test", &path], None);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!("FAILED  {path}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "{path}:3: step 1: messages: expected [\"order_canceled\"], got []"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with("0 passed, 1 failed\n"),
        "{}",
        run.stdout
    );
    std::fs::write(&file, "title: x\nsteps: 5\n").expect("write");
    let run = docket(&["test", &path], None);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("`steps` must be a list"),
        "{}",
        run.stderr
    );
}

/// A scenario that passes: one quiet tick.
const PASSING_SCENARIO: &str =
    "title: a quiet tick\nsteps:\n  - event: { type: tick, at: \"2026-11-28T09:00:00+08:00\" }\n    messages: []\n";

#[test]
fn test_searches_folders_recursively_in_path_order() {
    let dir = TempDir::new("test-recursive");
    for sub in ["b", "a/deep", "c.yaml"] {
        std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
    }
    for file in [
        "z.yaml",
        "b/2.yaml",
        "a/1.yml",
        "a/deep/0.yaml",
        "a/deep/x.yaml",
    ] {
        std::fs::write(dir.path().join(file), PASSING_SCENARIO).expect("write");
    }
    // Not scenario files: other extensions, and a folder named like one.
    std::fs::write(dir.path().join("b/notes.txt"), "title: x\n").expect("write");
    std::fs::write(dir.path().join("a/deep/1.yaml.snap"), "x").expect("write");
    let run = docket(&["test", dir.str()], None);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let d = dir.str();
    assert_eq!(
        run.stdout,
        format!(
            "ok      {d}/a/1.yml\nok      {d}/a/deep/0.yaml\nok      {d}/a/deep/x.yaml\n\
             ok      {d}/b/2.yaml\nok      {d}/z.yaml\n5 passed, 0 failed\n"
        )
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn test_finding_no_scenario_file_fails_and_says_where_it_looked() {
    let dir = TempDir::new("test-empty");
    std::fs::create_dir_all(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("sub/scenario.txt"), PASSING_SCENARIO).expect("write");
    let run = docket(&["test", dir.str()], None);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "error: no scenario file found: searched `{}` and its subfolders for `*.yaml` and `*.yml` files\n  \
             = help: check the folder's name, or give the scenario files themselves\n",
            dir.str()
        )
    );
    let sub = dir.path().join("sub").display().to_string();
    let run = docket(&["test", dir.str(), &sub], None);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains(&format!(
            "searched `{}`, `{sub}` and their subfolders",
            dir.str()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn test_a_missing_path_is_an_unusable_argument() {
    let run = docket(&["test", "tests/scenaros"], None);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: `tests/scenaros` does not exist: give scenario files, or folders of them (`*.yaml`)\n"
    );
}

#[test]
fn test_a_broken_scenario_file_is_a_problem_of_that_file_not_of_the_policy() {
    let dir = TempDir::new("test-broken-scenario");
    let file = dir.path().join("bad.yaml");
    let path = file.display().to_string();
    std::fs::write(&file, "title: x\nstesp: []\n").expect("write");
    let run = docket(&["test", &path], None);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "error: unknown key `stesp` in a scenario\n --> {path}:2:1\n  |\n2 | stesp: []\n  | ^^^^^\n  |\n  \
             = help: did you mean `steps`?\n\nerror: 1 problem in the scenario file `{path}`\n"
        )
    );
    std::fs::write(&file, "title: x\nsteps: [\n").expect("write");
    let run = docket(&["test", &path], None);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains(&format!("{path}:2:"))
            && run
                .stderr
                .ends_with(&format!("error: 1 problem in the scenario file `{path}`\n"))
            && !run.stderr.contains("policy"),
        "{}",
        run.stderr
    );
}

// ── input bounds and concurrent state files (issue 8) ──────────────────────

#[test]
fn a_line_over_one_mebibyte_is_an_error_record_and_the_stream_goes_on() {
    let long = format!(
        r#"{{"type":"tick","at":"2026-11-28T09:00:00+08:00","pad":"{}"}}"#,
        "x".repeat(1 << 20)
    );
    let input = format!("{long}\n{{\"type\":\"tick\",\"at\":\"2026-11-28T09:00:00+08:00\"}}\n");
    let run = docket(&["run", "-"], Some(input.as_bytes()));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(
        lines[0],
        format!(
            r#"{{"seq":1,"error":"line 1: the line is {} bytes long; a line is at most 1048576 bytes"}}"#,
            long.len()
        )
    );
    assert!(lines[0].len() < 200, "the long line is not echoed");
    assert_eq!(
        lines[1],
        r#"{"seq":2,"type":"tick","at":"2026-11-28T09:00:00+08:00","outcomes":[]}"#
    );
}

/// Two runs on one state file at the same time: the lock serialises them, so the world
/// ends with both runs' filings (before, one run's events were lost), and no temporary file
/// is left behind.
#[test]
fn concurrent_runs_on_one_state_file_lose_no_event() {
    let dir = TempDir::new("concurrent-state");
    let state = dir.path().join("world.json");
    let state_arg = state.to_str().expect("a UTF-8 path").to_string();
    let orders = |prefix: &str| -> String {
        (0..200)
            .map(|i| {
                format!(
                    r#"{{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"{prefix}{i}","scenario":"remove_provider","variant":"none","personnel":[]}}"#
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    };
    let runs: Vec<_> = ["A", "B", "C"]
        .into_iter()
        .map(|prefix| {
            let (state_arg, input) = (state_arg.clone(), orders(prefix));
            std::thread::spawn(move || {
                docket(&["run", "--state", &state_arg, "-"], Some(input.as_bytes()))
            })
        })
        .collect();
    for r in runs {
        let run = r.join().expect("a run");
        assert_eq!(run.code, Some(0), "{}", run.stderr);
    }
    let saved = std::fs::read_to_string(&state).expect("the state file");
    let doc: serde_json::Value = serde_json::from_str(&saved).expect("JSON");
    assert_eq!(
        doc["cases"].as_array().map(Vec::len),
        Some(600),
        "every filing is kept"
    );
    let leftovers = temp_files(dir.path());
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The names of the temporary files a state save may leave in `dir` (`*.tmp*`).
fn temp_files(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("the folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect()
}

/// A program that sends one line and waits for its record before sending the next gets
/// each record as soon as its line is read (records are written in blocks only while more
/// input is already there to read).
#[test]
fn run_answers_each_line_before_the_next_is_sent() {
    use std::io::{BufRead, BufReader};
    let mut child = bin::command(&["run", "--rules", "rules/icp"], None)
        .spawn()
        .expect("the docket binary starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.expect("a line")).is_err() {
                break;
            }
        }
    });
    let stream = read("examples/stream.jsonl");
    for (i, line) in stream.lines().take(5).enumerate() {
        writeln!(stdin, "{line}").expect("a line written");
        stdin.flush().expect("flushed");
        let record = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no record for line {} while the input stays open", i + 1));
        let json: serde_json::Value = serde_json::from_str(&record).expect("a JSON record");
        assert_eq!(json["seq"], i + 1, "{record}");
    }
    drop(stdin);
    assert!(child.wait().expect("docket ends").success());
    reader.join().expect("the reader ends");
}
