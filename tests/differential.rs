//! Differential test: the engine running the shipped ICP policy against the hand-written
//! reference model of `rules/icp/README.md` (`icp-reference`), over random event streams.
//!
//! Accepted lines must give byte-identical records; refused lines must be refused by both,
//! with the same `seq`, `type` and `at`. The engine's output must never show a verification
//! code or certificate digits of the stream. A failure prints the shrunk stream, one JSON line
//! per line. Case counts: a fifth of the full ones in a plain local run, all under CI
//! (`tests/support/scale.rs`; `DOCKET_PROPTEST_SCALE` sets the factor, `PROPTEST_CASES` the
//! count); seed: `PROPTEST_RNG_SEED`.

#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
mod support;

use docket::{Engine, World};
use icp_reference::Model;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{TestCaseResult, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use support::oracle::{self, Out};
use support::render::{self, RenderOpts};
use support::runner::{self, fail};
use support::script::{self, Script};
use support::tempdir::{rules_copy, TempDir};

/// Streams in the differential property (the largest of the suite), in two tests that run
/// side by side: long streams, and short ones (where every line meets a young world).
const STREAMS: u32 = 2500;
const SHORT_STREAMS: u32 = 3000;
/// Steps per stream, at most.
const STEPS: usize = 60;
const SHORT_STEPS: usize = 12;

/// The differential property: engine and model agree on every line of the script's stream,
/// and the engine shows no secret.
fn agree_on(engine: &Engine, script: &Script) -> TestCaseResult {
    let r = render::render(script, &RenderOpts::default());
    let secrets = oracle::secrets(&r.lines);
    let mut world = World::new();
    for (i, line) in r.lines.iter().enumerate() {
        let out: Out = oracle::run_one(engine, &mut world, i + 1, line);
        if let Err(why) = oracle::agree(&out, &r.model[i], r.accepted[i]) {
            return Err(fail(format!(
                "line {}: {why}\n  line:   {line}\n  engine: {}\n  model:  {}",
                i + 1,
                out.json,
                r.model[i]
            )));
        }
        if let Some(secret) = oracle::leaked(&out.json, &secrets) {
            return Err(fail(format!(
                "line {}: the engine's output shows the secret `{secret}`\n  line:   {line}\n  engine: {}",
                i + 1,
                out.json
            )));
        }
    }
    Ok(())
}

#[test]
fn engine_agrees_with_the_reference_model() {
    let engine = Engine::icp();
    runner::check("differential", STREAMS, script::script(STEPS), |s| {
        agree_on(&engine, &s)
    });
}

#[test]
fn engine_agrees_with_the_reference_model_on_short_streams() {
    let engine = Engine::icp();
    runner::check(
        "differential, short",
        SHORT_STREAMS,
        script::script(SHORT_STEPS),
        |s| agree_on(&engine, &s),
    );
}

#[test]
fn rendering_is_deterministic() {
    let mut runner = TestRunner::new(runner::config("rendering", 1));
    let strategy = script::script(STEPS);
    for _ in 0..20 {
        let s = strategy
            .new_tree(&mut runner)
            .unwrap_or_else(|e| panic!("no script: {e}"))
            .current();
        let (a, b) = (
            render::render(&s, &RenderOpts::default()),
            render::render(&s, &RenderOpts::default()),
        );
        assert_eq!(a.lines, b.lines);
        assert_eq!(a.model, b.model);
    }
}

#[test]
fn secrets_are_found_in_output() {
    let lines = [
        r#"{"type":"validation_attempt","at":"x","phone":"13800000001","code":"004213","cert_last6":"24681x"}"#.to_string(),
        r#"{"type":"order_submitted","at":"x","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#.to_string(),
        r#"{"type":"validation_attempt","at":"x","phone":"13800000001","code":"12a456","cert_last6":"1234"}"#.to_string(),
    ];
    let secrets = oracle::secrets(&lines);
    assert_eq!(
        secrets.iter().map(String::as_str).collect::<Vec<_>>(),
        ["004213", "12345X", "24681X"]
    );
    assert_eq!(oracle::leaked(r#"{"seq":1,"outcomes":[]}"#, &secrets), None);
    assert_eq!(
        oracle::leaked(r#"{"error":"got \"004213\""}"#, &secrets),
        Some("004213")
    );
    assert_eq!(
        oracle::leaked(r#"{"error":"cert 24681x"}"#, &secrets),
        Some("24681X")
    );
    assert_eq!(
        oracle::leaked(r#"{"error":"cert 12345X"}"#, &secrets),
        Some("12345X")
    );
}

/// The secret check relies on no code or certificate of the pools being part of a value the
/// output may show (a phone, a sender, a filing id, a time).
#[test]
fn no_secret_hides_in_a_plain_value() {
    use support::pools::*;
    let secrets: Vec<&str> = CODES.iter().chain(&CERTS).copied().collect();
    let mut plain: Vec<String> = PEOPLE
        .iter()
        .chain(&STRANGERS)
        .map(|p| p.0.to_string())
        .collect();
    for pool in [
        &FILING_IDS[..],
        &UNKNOWN_IDS,
        &MIIT_LONG,
        &BAD_SENDERS,
        &BAD_PHONES,
        &BAD_IDS,
        &BAD_ATS,
        &UNKNOWN_TYPES,
    ] {
        plain.extend(pool.iter().map(|s| s.to_string()));
    }
    plain.push(support::lines::stamp(
        support::lines::start(),
        script::Zone::Millis,
    ));
    for value in &plain {
        for secret in &secrets {
            let upper = value.to_ascii_uppercase();
            assert!(
                !upper.contains(&secret.to_ascii_uppercase()),
                "`{secret}` is part of `{value}`"
            );
        }
    }
}

/// A copy of `rules/icp` in which `file` has `from` replaced by `to` (which must be there).
fn edited_policy(file: &str, from: &str, to: &str) -> (TempDir, Engine) {
    let edited = std::cell::Cell::new(false);
    let dir = rules_copy(&format!("edited-{file}"), |name, text| {
        if name != file {
            return text;
        }
        assert!(text.contains(from), "{file} no longer has `{from}`");
        edited.set(true);
        text.replace(from, to)
    });
    assert!(edited.get(), "rules/icp has no {file}");
    let engine = Engine::load(dir.path()).unwrap_or_else(|e| panic!("the edited policy: {e}"));
    (dir, engine)
}

/// Runs the differential property against an edited policy; the shrunk counterexample and
/// why it fails, or `None` when the edit goes unnoticed.
fn catch_edit(file: &str, from: &str, to: &str) -> Option<(String, Script)> {
    let (_dir, engine) = edited_policy(file, from, to);
    let strategy = script::script(STEPS);
    // Not scaled by the environment: the edit must be found whatever the soak settings.
    let config = proptest::test_runner::Config {
        cases: 1000,
        ..runner::config("edited policy", 1000)
    };
    runner::run_with(config, &strategy, |s| agree_on(&engine, &s)).err()
}

/// The differential test can fail: a policy that rejects after 4 failures instead of 5 is
/// caught, and the shrunk counterexample is a short, readable stream
/// (`cargo test --test differential -- --nocapture four` shows it).
#[test]
fn a_policy_rejecting_after_four_failures_is_caught() {
    let edit = catch_edit(
        "limits.yaml",
        "max_failed_attempts:\n    count: 5",
        "max_failed_attempts:\n    count: 4",
    );
    let Some((reason, minimal)) = edit else {
        panic!("the differential test did not notice `max_failed_attempts: 4`");
    };
    let lines = minimal.lines();
    println!(
        "max_failed_attempts: 4 is caught; the shrunk counterexample ({} lines):\n{minimal:?}\n{reason}",
        lines.len()
    );
    assert!(
        lines.len() <= 15,
        "the shrunk counterexample has {} lines:\n{minimal:?}",
        lines.len()
    );
    assert!(
        lines
            .iter()
            .all(|l| l.len() < 400 && serde_json::from_str::<serde_json::Value>(l).is_ok()),
        "the shrunk counterexample is not plain JSON lines:\n{minimal:?}"
    );
    assert!(
        reason.contains("application_rejected"),
        "the disagreement is not about the rejection: {reason}"
    );
}

/// What the generator reaches over a sample of streams (as the engine answers them).
#[derive(Debug, Default)]
struct Reach {
    messages: BTreeMap<String, usize>,
    statuses: BTreeMap<String, usize>,
    rows: BTreeSet<(String, String)>,
    lines: usize,
    errors: usize,
    /// Accepted events exactly at a window's end, one second before, one second after.
    boundary: [usize; 3],
    /// Streams ending with one person holding both roles of a filing.
    both_roles: usize,
    /// Streams ending with one phone required in two filings.
    shared_phone: usize,
    null_sender_accepted: usize,
    /// The engine's error texts, cut before their first value (shown with `DOCKET_REACH`).
    error_kinds: BTreeMap<String, usize>,
}

fn reach(samples: usize) -> Reach {
    let engine = Engine::icp();
    let mut runner = TestRunner::new(runner::config("reach", 1));
    let strategy = script::script(STEPS);
    let mut reach = Reach::default();
    for _ in 0..samples {
        let s = strategy
            .new_tree(&mut runner)
            .unwrap_or_else(|e| panic!("no script: {e}"))
            .current();
        let r = render::render(&s, &RenderOpts::default());
        let outs = oracle::run_engine(&engine, &r.lines);
        let mut model = Model::new();
        for (i, (line, out)) in r.lines.iter().zip(&outs).enumerate() {
            reach.lines += 1;
            let ends: Vec<_> = model.view().iter().filter_map(|f| f.window_end).collect();
            model.run_line(i + 1, line, &mut String::new());
            if out.error {
                reach.errors += 1;
                let text = oracle::parse(&out.json)["error"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let kind: String = text
                    .split_once(": ")
                    .map_or(text.as_str(), |(_, rest)| rest)
                    .chars()
                    .filter(|c| !c.is_ascii_digit())
                    .take(60)
                    .collect();
                *reach.error_kinds.entry(kind).or_default() += 1;
                continue;
            }
            if let Some(t) = r.instants[i] {
                for (k, delta) in [0, -1, 1].into_iter().enumerate() {
                    let probe = t - jiff::SignedDuration::from_secs(delta);
                    reach.boundary[k] += usize::from(ends.contains(&probe));
                }
            }
            if line.contains(r#""sender":null"#) {
                reach.null_sender_accepted += 1;
            }
            let record = oracle::parse(&out.json);
            for o in record["outcomes"].as_array().into_iter().flatten() {
                if let Some(status) = o["status"].as_str() {
                    *reach.statuses.entry(status.into()).or_default() += 1;
                }
                for m in o["messages"].as_array().into_iter().flatten() {
                    let id = m["id"].as_str().unwrap_or("?");
                    *reach.messages.entry(id.into()).or_default() += 1;
                }
            }
            if record["type"] == "order_submitted" {
                let ev = oracle::parse(line);
                let field = |k: &str| ev[k].as_str().unwrap_or("?").to_string();
                reach.rows.insert((field("scenario"), field("variant")));
            }
        }
        let view = model.view();
        reach.both_roles += usize::from(
            view.iter()
                .any(|f| f.people.iter().any(|p| p.roles.len() == 2)),
        );
        let phones: Vec<&str> = view
            .iter()
            .flat_map(|f| {
                let mut ps: Vec<&str> = f.people.iter().map(|p| p.phone.as_str()).collect();
                ps.dedup();
                ps
            })
            .collect();
        let distinct: BTreeSet<&str> = phones.iter().copied().collect();
        reach.shared_phone += usize::from(distinct.len() < phones.len());
    }
    reach
}

/// The generator cannot silently rot: it reaches every message id of the contract, every
/// status, every row of the roles table, the window's boundaries, and not too many errors.
#[test]
fn the_generator_reaches_every_message_and_status() {
    let reach = reach(200);
    if std::env::var_os("DOCKET_REACH").is_some() {
        eprintln!("{reach:#?}");
    }
    for id in icp_reference::MESSAGE_IDS {
        assert!(
            reach.messages.get(id).is_some_and(|n| *n >= 3),
            "the generator rarely reaches `{id}`: {:?}",
            reach.messages
        );
    }
    for status in [
        "awaiting_sync",
        "awaiting_validation",
        "partially_validated",
        "under_review",
        "rejected",
        "canceled",
        "no_validation_required",
    ] {
        assert!(
            reach.statuses.get(status).is_some_and(|n| *n >= 3),
            "the generator rarely reaches the status `{status}`: {:?}",
            reach.statuses
        );
    }
    assert_eq!(reach.rows.len(), 14, "rows accepted: {:?}", reach.rows);
    assert!(
        reach.boundary.iter().all(|n| *n >= 3),
        "events at a window's end, 1 s before, 1 s after: {:?}",
        reach.boundary
    );
    assert!(reach.both_roles >= 10, "{reach:#?}");
    assert!(reach.shared_phone >= 10, "{reach:#?}");
    assert!(reach.null_sender_accepted >= 3, "{reach:#?}");
    let share = reach.errors * 100 / reach.lines.max(1);
    assert!(
        (5..=35).contains(&share),
        "{share}% of the lines are errors ({} of {})",
        reach.errors,
        reach.lines
    );
}

/// A debugging aid: `DOCKET_SHOW=3 cargo test --test differential -- show --ignored
/// --nocapture` prints the first 3 sampled streams with the engine's answer to each line.
#[test]
#[ignore = "a debugging aid, run by hand"]
fn show_sampled_streams() {
    let n: usize = std::env::var("DOCKET_SHOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let engine = Engine::icp();
    let mut runner = TestRunner::new(runner::config("reach", 1));
    let strategy = script::script(STEPS);
    for _ in 0..n {
        let s = strategy
            .new_tree(&mut runner)
            .unwrap_or_else(|e| panic!("no script: {e}"))
            .current();
        let r = render::render(&s, &RenderOpts::default());
        for (line, out) in r.lines.iter().zip(oracle::run_engine(&engine, &r.lines)) {
            let record = oracle::parse(&out.json);
            let brief: Vec<String> = match record["outcomes"].as_array() {
                None => vec![format!("ERROR {}", record["error"])],
                Some(os) => os
                    .iter()
                    .map(|o| {
                        let ids: Vec<&str> = o["messages"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|m| m["id"].as_str())
                            .collect();
                        format!("{} {} {ids:?}", o["filing"], o["status"])
                    })
                    .collect(),
            };
            println!("{line}\n      -> {}", brief.join("; "));
        }
        println!();
    }
}

/// A tool for checking the generator's reach: `DOCKET_EDIT='icp.docket|from|to' cargo test
/// --test differential -- edit --ignored --nocapture` runs the differential property
/// against `rules/icp` with that edit (`\n` in the texts is a newline) and prints what it
/// finds.
#[test]
#[ignore = "a tool, run by hand"]
fn an_edited_policy() {
    let edit = std::env::var("DOCKET_EDIT").unwrap_or_default();
    let parts: Vec<String> = edit.split('|').map(|p| p.replace("\\n", "\n")).collect();
    let [file, from, to] = parts.as_slice() else {
        panic!("set DOCKET_EDIT to `file|from|to`");
    };
    match catch_edit(file, from, to) {
        None => println!("not caught: {edit}"),
        Some((reason, minimal)) => println!(
            "caught ({} lines): {edit}\n{minimal:?}\n{reason}",
            minimal.lines().len()
        ),
    }
}
