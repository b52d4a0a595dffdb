//! The durable store through the built binary: `run --store`, `journal`, `store check`,
//! `store rewind`, and the stores that must be refused.

#[path = "support/bin.rs"]
mod bin;
use bin::Run;
#[path = "support/tempdir.rs"]
mod tempdir;
use tempdir::TempDir;

fn docket(args: &[&str], stdin: Option<&str>) -> Run {
    bin::docket(args, stdin.map(str::as_bytes))
}

const STREAM: &str = "examples/stream.jsonl";

fn example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/stream.jsonl"
    ))
    .expect("the example stream")
}

/// Every verification code and certificate digits of the example stream.
fn secrets() -> Vec<String> {
    let mut found = Vec::new();
    for line in example().lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
        for key in ["code", "cert_last6"] {
            if let Some(s) = v.get(key).and_then(|x| x.as_str()) {
                found.push(s.to_string());
            }
        }
        for p in v
            .get("personnel")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            if let Some(s) = p.get("cert_last6").and_then(|x| x.as_str()) {
                found.push(s.to_string());
            }
        }
    }
    assert!(found.len() > 5, "the example has codes");
    found
}

fn store_in(dir: &TempDir) -> String {
    dir.path()
        .join("world.db")
        .to_str()
        .expect("UTF-8")
        .to_string()
}

#[test]
fn a_store_run_prints_what_a_plain_run_prints_and_its_journal_replays() {
    let dir = TempDir::new("store-basic");
    let store = store_in(&dir);
    let plain = docket(&["run", STREAM], None);
    let stored = docket(&["run", "--store", &store, STREAM], None);
    assert_eq!(stored.code, plain.code, "{}", stored.stderr);
    assert_eq!(stored.stdout, plain.stdout);
    let check = docket(&["store", "check", "--store", &store], None);
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);
    assert!(check.stdout.contains("ok"), "{}", check.stdout);
    // the journal: a policy row, then one row per accepted event, in order
    let journal = docket(&["journal", "--store", &store], None);
    assert_eq!(journal.code, Some(0), "{}", journal.stderr);
    let rows: Vec<serde_json::Value> = journal
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a journal row is JSON"))
        .collect();
    let accepted = plain
        .stdout
        .lines()
        .filter(|l| !l.contains("\"error\""))
        .count();
    assert_eq!(rows.len(), accepted + 1);
    assert_eq!(rows[0]["kind"], "policy");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["seq"], i as u64 + 1);
    }
    assert!(rows[1..].iter().all(|r| r["kind"] == "event"));
    // one case's rows only
    let one = docket(&["journal", "--store", &store, "--case", "ICP-0002"], None);
    assert!(!one.stdout.is_empty());
    assert!(
        one.stdout.lines().all(|l| l.contains("ICP-0002")),
        "{}",
        one.stdout
    );
    assert!(one.stdout.lines().count() < rows.len());
    let since = docket(&["journal", "--store", &store, "--since", "3"], None);
    assert_eq!(since.stdout.lines().count(), rows.len() - 3);
}

#[test]
fn no_sensitive_value_is_in_the_store_its_journal_or_a_state_file() {
    let dir = TempDir::new("store-secrets");
    let store = store_in(&dir);
    let run = docket(&["run", "--store", &store, STREAM], None);
    assert!(run.code.is_some_and(|c| c < 2), "{}", run.stderr);
    let state = dir.path().join("world.json");
    let state = state.to_str().expect("UTF-8");
    docket(&["run", "--state", state, STREAM], None);
    let journal = docket(&["journal", "--store", &store], None).stdout;
    let mut bytes = std::fs::read(&store).expect("the store");
    for suffix in ["-wal"] {
        if let Ok(more) = std::fs::read(format!("{store}{suffix}")) {
            bytes.extend(more);
        }
    }
    let db = String::from_utf8_lossy(&bytes);
    let saved = std::fs::read_to_string(state).expect("the state file");
    assert!(journal.contains("<sensitive>"), "{journal}");
    for secret in secrets() {
        // (the example's codes are six digits: a time or a phone could hold them)
        let quoted = format!("\"{secret}\"");
        assert!(!journal.contains(&quoted), "{secret} in the journal");
        assert!(!db.contains(&quoted), "{secret} in the store file");
        assert!(!saved.contains(&quoted), "{secret} in the state file");
    }
}

#[test]
fn runs_continue_a_store_and_a_second_run_sees_the_first() {
    let dir = TempDir::new("store-continue");
    let store = store_in(&dir);
    let text = example();
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = lines.split_at(lines.len() / 2);
    let first = docket(
        &["run", "--store", &store, "-"],
        Some(&(a.join("\n") + "\n")),
    );
    let second = docket(
        &["run", "--store", &store, "-"],
        Some(&(b.join("\n") + "\n")),
    );
    let whole = docket(&["run", STREAM], None);
    let renumber = |out: &str, from: usize| -> Vec<String> {
        out.lines()
            .enumerate()
            .map(|(i, l)| {
                l.replacen(
                    &format!("\"seq\":{}", i + 1),
                    &format!("\"seq\":{}", i + from),
                    1,
                )
            })
            .collect()
    };
    let mut split = renumber(&first.stdout, 1);
    split.extend(renumber(&second.stdout, a.len() + 1));
    let whole: Vec<String> = whole.stdout.lines().map(String::from).collect();
    assert_eq!(split, whole);
    let check = docket(&["store", "check", "--store", &store], None);
    assert_eq!(check.code, Some(0), "{}", check.stdout);
}

#[test]
fn a_rewind_undoes_a_mistyped_year_and_is_journaled() {
    let dir = TempDir::new("store-rewind");
    let store = store_in(&dir);
    let first = "{\"type\":\"tick\",\"at\":\"2026-11-28T09:00:00+08:00\"}\n";
    let typo = "{\"type\":\"tick\",\"at\":\"2062-11-28T09:00:00+08:00\"}\n";
    let next = "{\"type\":\"tick\",\"at\":\"2026-11-28T10:00:00+08:00\"}\n";
    docket(
        &["run", "--store", &store, "-"],
        Some(&format!("{first}{typo}")),
    );
    // the far-future event poisons the clock
    let refused = docket(&["run", "--store", &store, "-"], Some(next));
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(refused.stdout.contains("earlier than the previous"));
    // rows: 1 policy, 2 first tick, 3 the typo
    let rewind = docket(&["store", "rewind", "--store", &store, "--to", "2"], None);
    assert_eq!(rewind.code, Some(0), "{}", rewind.stderr);
    let again = docket(&["run", "--store", &store, "-"], Some(next));
    assert_eq!(again.code, Some(0), "{}{}", again.stdout, again.stderr);
    let journal = docket(&["journal", "--store", &store], None).stdout;
    let kinds: Vec<String> = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON")["kind"].to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "\"policy\"",
            "\"event\"",
            "\"event\"",
            "\"rewind\"",
            "\"event\""
        ]
    );
    let check = docket(&["store", "check", "--store", &store], None);
    assert_eq!(check.code, Some(0), "{}", check.stdout);
    let out_of_range = docket(&["store", "rewind", "--store", &store, "--to", "99"], None);
    assert_eq!(out_of_range.code, Some(2));
    assert!(
        out_of_range.stderr.contains("no journal row 99"),
        "{}",
        out_of_range.stderr
    );
}

#[test]
fn store_check_finds_a_case_that_differs_from_the_journal() {
    let dir = TempDir::new("store-tamper");
    let store = store_in(&dir);
    docket(&["run", "--store", &store, STREAM], None);
    let conn = rusqlite::Connection::open(&store).expect("the store opens");
    conn.execute(
        "UPDATE cases SET data = replace(data, 'awaiting_validation', 'canceled') WHERE key = 'ICP-0002'",
        [],
    )
    .expect("an edit");
    conn.execute("DELETE FROM cases WHERE key = 'ICP-0001'", [])
        .expect("a delete");
    drop(conn);
    let check = docket(&["store", "check", "--store", &store], None);
    assert_eq!(check.code, Some(1), "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains("filing `ICP-0001` is missing"),
        "{}",
        check.stdout
    );
}

#[test]
fn foreign_damaged_newer_and_wrongly_keyed_stores_are_refused_untouched() {
    let dir = TempDir::new("store-refused");
    let refused = |store: &str, what: &str| {
        let before = std::fs::read(store).ok();
        let run = docket(&["run", "--store", store, STREAM], None);
        assert_eq!(run.code, Some(2), "{what}: {}", run.stdout);
        assert!(run.stdout.is_empty(), "{what}");
        assert!(
            std::fs::read(store).ok() == before,
            "{what}: the store changed"
        );
        run.stderr
    };
    // not a database
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, "not a database at all, just text\n").expect("written");
    let e = refused(garbage.to_str().expect("UTF-8"), "garbage");
    assert!(e.contains("is not a docket store"), "{e}");
    // a database of something else
    let other = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&other).expect("opens");
    conn.execute_batch("CREATE TABLE people (name TEXT)")
        .expect("created");
    drop(conn);
    let e = refused(other.to_str().expect("UTF-8"), "foreign");
    assert!(e.contains("is not a docket store"), "{e}");
    // a truncated store
    let good = store_in(&dir);
    docket(&["run", "--store", &good, STREAM], None);
    let bytes = std::fs::read(&good).expect("the store");
    let cut = dir.path().join("cut.db");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("written");
    std::fs::copy(format!("{good}.key"), dir.path().join("cut.db.key")).expect("key copied");
    let e = refused(cut.to_str().expect("UTF-8"), "truncated");
    assert!(e.starts_with("error: cannot open the store"), "{e}");
    // another key
    let key = dir.path().join("other.key");
    std::fs::write(&key, "11".repeat(32)).expect("written");
    let run = docket(
        &[
            "run",
            "--store",
            &good,
            "--key",
            key.to_str().expect("UTF-8"),
            STREAM,
        ],
        None,
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("the key does not match"),
        "{}",
        run.stderr
    );
    // a newer layout
    let conn = rusqlite::Connection::open(&good).expect("opens");
    conn.execute(
        "UPDATE meta SET value = '99' WHERE name = 'format_version'",
        [],
    )
    .expect("edited");
    drop(conn);
    let e = refused(&good, "newer");
    assert!(e.contains("layout version 99"), "{e}");
}

#[test]
fn a_run_that_exits_2_leaves_the_store_as_it_was() {
    let dir = TempDir::new("store-exit2");
    let store = store_in(&dir);
    docket(&["run", "--store", &store, STREAM], None);
    let before = std::fs::read(&store).expect("the store");
    let journal = docket(&["journal", "--store", &store], None).stdout;
    // rules that do not load; an input that does not exist
    let bad = docket(
        &["run", "--store", &store, "--rules", "no/such/dir", STREAM],
        None,
    );
    assert_eq!(bad.code, Some(2));
    let missing = docket(&["run", "--store", &store, "no-such-input.jsonl"], None);
    assert_eq!(missing.code, Some(2));
    assert!(
        std::fs::read(&store).expect("the store") == before,
        "the store changed"
    );
    assert_eq!(
        docket(&["journal", "--store", &store], None).stdout,
        journal
    );
    // a new store is not left behind by a run that could not start
    let fresh = dir.path().join("fresh.db");
    let fresh = fresh.to_str().expect("UTF-8");
    let none = docket(&["run", "--store", fresh, "no-such-input.jsonl"], None);
    assert_eq!(none.code, Some(2));
    assert!(!std::path::Path::new(fresh).exists());
}

#[test]
fn a_changed_policy_applies_when_compatible_and_is_refused_when_it_would_lose_data() {
    let dir = TempDir::new("store-version");
    let store = store_in(&dir);
    docket(&["run", "--store", &store, STREAM], None);
    // a message text changed: compatible, applied by the run, journaled as a policy row
    let texts = tempdir::rules_copy("store-version-texts", |name, text| {
        if name == "messages.yaml" {
            text.replace("order was submitted successfully.", "order was submitted.")
        } else {
            text
        }
    });
    let tick = "{\"type\":\"tick\",\"at\":\"2026-12-01T10:00:00+08:00\"}\n";
    let run = docket(
        &["run", "--store", &store, "--rules", texts.str(), "-"],
        Some(tick),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let journal = docket(&["journal", "--store", &store], None).stdout;
    assert_eq!(
        journal.matches("\"kind\":\"policy\"").count(),
        2,
        "{journal}"
    );
    // a field renamed without saying so: refused, naming it and how many cases hold it
    let renamed = tempdir::rules_copy("store-version-rename", |name, text| {
        if name == "icp.docket" {
            text.replace("first_sms_at", "first_sent_at")
        } else {
            text
        }
    });
    let before = std::fs::read(&store).expect("the store");
    let run = docket(
        &["run", "--store", &store, "--rules", renamed.str(), "-"],
        Some(tick),
    );
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(run.stderr.contains("filing.first_sms_at"), "{}", run.stderr);
    assert!(
        run.stderr.contains("2 cases hold a value"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("rename first_sms_at to first_sent_at"),
        "{}",
        run.stderr
    );
    assert!(
        std::fs::read(&store).expect("the store") == before,
        "the store changed"
    );
    // declared: the dry run says what would change, the migration does it, the check agrees
    let declared = tempdir::rules_copy("store-version-declared", |name, text| {
        if name == "icp.docket" {
            text.replace("first_sms_at", "first_sent_at")
                + "\nmigrate filing { rename first_sms_at to first_sent_at }\n"
        } else {
            text
        }
    });
    let dry = docket(
        &[
            "migrate",
            "--store",
            &store,
            "--rules",
            declared.str(),
            "--dry-run",
        ],
        None,
    );
    assert_eq!(dry.code, Some(0), "{}", dry.stderr);
    assert!(
        dry.stdout.contains("renamed from `first_sms_at` (2 cases)"),
        "{}",
        dry.stdout
    );
    assert!(
        std::fs::read(&store).expect("the store") == before,
        "a dry run wrote"
    );
    let done = docket(
        &["migrate", "--store", &store, "--rules", declared.str()],
        None,
    );
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let check = docket(&["store", "check", "--store", &store], None);
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);
    let run = docket(
        &["run", "--store", &store, "--rules", declared.str(), "-"],
        Some(tick),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn diff_replays_a_stores_journal_under_two_policies() {
    let dir = TempDir::new("store-diff");
    let store = store_in(&dir);
    docket(&["run", "--store", &store, STREAM], None);
    let same = docket(&["diff", "rules/icp", "rules/icp", "--store", &store], None);
    assert_eq!(same.code, Some(0), "{}{}", same.stdout, same.stderr);
    let texts = tempdir::rules_copy("store-diff-texts", |name, text| {
        if name == "messages.yaml" {
            text.replace("order was submitted successfully.", "order was submitted.")
        } else {
            text
        }
    });
    let changed = docket(&["diff", "rules/icp", texts.str(), "--store", &store], None);
    assert_eq!(
        changed.code,
        Some(1),
        "{}{}",
        changed.stdout,
        changed.stderr
    );
    assert!(
        changed.stdout.contains("order_submitted"),
        "{}",
        changed.stdout
    );
    for secret in secrets() {
        assert!(!changed.stdout.contains(&format!("\"{secret}\"")));
    }
}

#[test]
fn journal_and_check_of_a_missing_store_say_so() {
    let dir = TempDir::new("store-missing");
    let store = store_in(&dir);
    for args in [
        vec!["journal", "--store", &store],
        vec!["store", "check", "--store", &store],
    ] {
        let run = docket(&args, None);
        assert_eq!(run.code, Some(2));
        assert!(
            run.stderr.contains("there is no store at"),
            "{}",
            run.stderr
        );
        assert!(!std::path::Path::new(&store).exists());
    }
}

#[test]
fn a_state_file_follows_the_same_version_rules() {
    let dir = TempDir::new("state-version");
    let state = dir.path().join("world.json");
    let state = state.to_str().expect("UTF-8");
    docket(&["run", "--state", state, STREAM], None);
    let tick = "{\"type\":\"tick\",\"at\":\"2026-12-01T10:00:00+08:00\"}\n";
    let renamed = tempdir::rules_copy("state-version-rename", |name, text| {
        if name == "icp.docket" {
            text.replace("first_sms_at", "first_sent_at")
        } else {
            text
        }
    });
    let before = std::fs::read(state).expect("the state");
    let run = docket(
        &["run", "--state", state, "--rules", renamed.str(), "-"],
        Some(tick),
    );
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(run.stderr.contains("filing.first_sms_at"), "{}", run.stderr);
    assert!(
        std::fs::read(state).expect("the state") == before,
        "the state changed"
    );
    let declared = tempdir::rules_copy("state-version-declared", |name, text| {
        if name == "icp.docket" {
            text.replace("first_sms_at", "first_sent_at")
                + "\nmigrate filing { rename first_sms_at to first_sent_at }\n"
        } else {
            text
        }
    });
    let run = docket(
        &["run", "--state", state, "--rules", declared.str(), "-"],
        Some(tick),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("renamed from `first_sms_at` (2 cases)"),
        "{}",
        run.stderr
    );
    let saved = std::fs::read_to_string(state).expect("the state");
    assert!(saved.contains("first_sent_at") && !saved.contains("\"first_sms_at\""));
}

/// A store made by a docket that kept its cases as JSON (layout 1) opens and goes on: the
/// first run rewrites its cases in this build's form, and decides as if nothing happened.
#[test]
fn a_store_of_the_first_layout_is_upgraded_by_the_next_run() {
    let dir = TempDir::new("store-layout-1");
    let store = store_in(&dir);
    let state = dir.path().join("world.json");
    let state = state.to_str().expect("UTF-8");
    let key = format!("{store}.key");
    let text = example();
    let lines: Vec<&str> = text.lines().collect();
    let (head, tail) = lines.split_at(8);
    let head = head.join("\n") + "\n";
    let tail = tail.join("\n") + "\n";
    let first = docket(&["run", "--store", &store, "-"], Some(&head));
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    // the same world saved as JSON, sealed with the store's key: each case as layout 1 kept it
    let saved = docket(&["run", "--state", state, "--key", &key, "-"], Some(&head));
    assert_eq!(saved.code, Some(0), "{}", saved.stderr);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state).expect("the state")).expect("JSON");
    {
        let conn = rusqlite::Connection::open(&store).expect("the store opens");
        for case in doc["cases"].as_array().expect("cases") {
            let changed = conn
                .execute(
                    "UPDATE cases SET data = ?1 WHERE type = ?2 AND key = ?3",
                    rusqlite::params![
                        case.to_string(),
                        case["type"].as_str().expect("a type"),
                        case["key"].as_str().expect("a key")
                    ],
                )
                .expect("the case is rewritten");
            assert_eq!(changed, 1);
        }
        conn.execute(
            "UPDATE meta SET value = '1' WHERE name = 'format_version'",
            [],
        )
        .expect("the layout is set back");
    }
    let check = docket(&["store", "check", "--store", &store], None);
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);
    // the rest of the stream decides as in one plain run
    let second = docket(&["run", "--store", &store, "-"], Some(&tail));
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    let plain = docket(&["run", STREAM], None);
    let without_seq = |out: &str| -> Vec<serde_json::Value> {
        out.lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).expect("JSON");
                v.as_object_mut().expect("a record").remove("seq");
                v
            })
            .collect()
    };
    assert_eq!(
        without_seq(&second.stdout),
        without_seq(&plain.stdout)[8..].to_vec()
    );
    let check = docket(&["store", "check", "--store", &store], None);
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);
    let conn = rusqlite::Connection::open(&store).expect("the store opens");
    let version: String = conn
        .query_row(
            "SELECT value FROM meta WHERE name = 'format_version'",
            [],
            |r| r.get(0),
        )
        .expect("a layout version");
    assert_eq!(version, "2");
    let json_rows: i64 = conn
        .query_row(
            "SELECT count(*) FROM cases WHERE typeof(data) != 'blob'",
            [],
            |r| r.get(0),
        )
        .expect("counted");
    assert_eq!(json_rows, 0);
}
