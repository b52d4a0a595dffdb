//! The compiled evaluator against the tree walker it replaces (kept as the reference,
//! `Engine::tree_walking`): every shipped policy and test policy, on every scenario file,
//! the example streams and random ICP streams, gives the same records both ways.

#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
mod support;

use docket::{Engine, Scenario, World};
use support::render::{self, RenderOpts};
use support::runner::{self, fail};
use support::script;

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The policy of folder `dir`, compiled and walked.
fn both(dir: &str) -> (Engine, Engine) {
    let load =
        || Engine::load(root().join(dir)).unwrap_or_else(|e| panic!("{dir}: {}", e.render()));
    (load(), load().tree_walking())
}

/// The records of `lines` run through `engine` from an empty world, as JSON.
fn records(engine: &Engine, lines: &[impl AsRef<str>]) -> Vec<String> {
    let mut world = World::new();
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| engine.run_line(&mut world, i + 1, l.as_ref()).to_json())
        .collect()
}

/// The first line whose records differ, if any.
fn first_difference(a: &[String], b: &[String]) -> Option<String> {
    let i = a.iter().zip(b).position(|(x, y)| x != y)?;
    Some(format!(
        "line {}:\ncompiled: {}\nwalked:   {}",
        i + 1,
        a[i],
        b[i]
    ))
}

#[test]
fn every_scenario_gives_the_same_output_both_ways() {
    let mut ran = 0;
    for folder in ["icp", "gdpr-dsar", "otp-lockout"] {
        let dir = if root().join("rules").join(folder).is_dir() {
            format!("rules/{folder}")
        } else {
            format!("tests/policies/{folder}")
        };
        let (compiled, walked) = both(&dir);
        let scenarios = root().join("tests/scenarios").join(folder);
        let mut files: Vec<_> = std::fs::read_dir(&scenarios)
            .unwrap_or_else(|e| panic!("{}: {e}", scenarios.display()))
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{folder} has scenarios");
        for path in files {
            let text = std::fs::read_to_string(&path).expect("a scenario");
            let name = path.display().to_string();
            let scenario =
                Scenario::parse(&name, &text).unwrap_or_else(|e| panic!("{}", e.render()));
            let (a, b) = (scenario.run(&compiled), scenario.run(&walked));
            assert_eq!(a.output, b.output, "{name}");
            ran += 1;
        }
    }
    assert!(ran > 50, "only {ran} scenarios");
}

#[test]
fn the_example_streams_give_the_same_records_both_ways() {
    for (dir, stream) in [
        ("rules/icp", "examples/stream.jsonl"),
        ("rules/gdpr-dsar", "examples/dsar.jsonl"),
    ] {
        let (compiled, walked) = both(dir);
        let text = std::fs::read_to_string(root().join(stream)).expect("the stream");
        let lines: Vec<&str> = text.lines().collect();
        let (a, b) = (records(&compiled, &lines), records(&walked, &lines));
        if let Some(d) = first_difference(&a, &b) {
            panic!("{stream}: {d}");
        }
    }
}

/// Random ICP streams: orders, SMSs, attempts (right and wrong), resends, phone changes,
/// cancellations, ticks, and events the rules refuse.
#[test]
fn random_icp_streams_give_the_same_records_both_ways() {
    let (compiled, walked) = both("rules/icp");
    runner::check("compiled", 300, script::script(40), |s| {
        let r = render::render(&s, &RenderOpts::default());
        match first_difference(&records(&compiled, &r.lines), &records(&walked, &r.lines)) {
            None => Ok(()),
            Some(d) => Err(fail(d)),
        }
    });
}

#[test]
fn a_table_lookup_gives_the_same_rows_and_errors_both_ways() {
    // a lookup by two enumeration keys: the compiled code finds the row from the members'
    // positions, the tree walker by the cells' names; one combination has no row
    let sources = || {
        vec![
            docket::Source::new(
                "grid.yaml",
                "kind: requirements\nkeys: [size, colour]\nof: part\nvalues: [a, b, c]\nrows:\n  - { size: small, colour: red, required: [a] }\n  - { size: small, colour: blue, required: [a, b] }\n  - { size: large, colour: red, required: [c] }\n",
            ),
            docket::Source::new("messages.yaml", "kind: messages\nmessages: {}\n"),
            docket::Source::new(
                "p.docket",
                "event ask { size: grid.size, colour: grid.colour }\non ask {\n  rule answer { show parts = grid[event.size, event.colour] }\n}\n",
            ),
        ]
    };
    let load = || Engine::from_sources(sources()).unwrap_or_else(|e| panic!("{}", e.render()));
    let (compiled, walked) = (load(), load().tree_walking());
    let mut lines = Vec::new();
    for size in ["small", "large"] {
        for colour in ["red", "blue"] {
            lines.push(format!(
                r#"{{"type":"ask","at":"2026-11-28T10:00:00+08:00","size":"{size}","colour":"{colour}"}}"#
            ));
        }
    }
    let (a, b) = (records(&compiled, &lines), records(&walked, &lines));
    if let Some(d) = first_difference(&a, &b) {
        panic!("{d}");
    }
    assert!(a[1].contains(r#"["a","b"]"#), "{}", a[1]);
    assert!(a[2].contains(r#"["c"]"#), "{}", a[2]);
    assert!(
        a[3].contains("table `grid` has no row for size `large` and colour `blue`"),
        "{}",
        a[3]
    );
}
