//! Scenario files (`tests/scenarios/*.yaml`): each is its own test. The expectations written
//! in the file (message ids, statuses, shown values, errors) are asserted first, by the same
//! runner as `docket test`; then the whole output of the stream is snapshotted with insta.

use docket::{Engine, Scenario};
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(
        || match Engine::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/icp")) {
            Ok(e) => e,
            Err(e) => panic!("rules/icp does not load:\n{}", e.render()),
        },
    )
}

fn run_scenario(name: &str) {
    let path = format!("{}/tests/scenarios/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let scenario = Scenario::parse(&format!("tests/scenarios/{name}.yaml"), &text)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let report = scenario.run(engine());
    let failures: Vec<String> = report
        .failures
        .iter()
        .map(|f| format!("  step {} (line {}): {}", f.step, f.line, f.message))
        .collect();
    assert!(
        failures.is_empty(),
        "{name} (\"{}\"):\n{}\noutput:\n{}",
        scenario.title,
        failures.join("\n"),
        report.output
    );
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios/snapshots"),
        prepend_module_to_snapshot => false,
        description => scenario.title.clone(),
    }, {
        insta::assert_snapshot!(name, report.output);
    });
}

/// The runner must be able to fail: a wrong expectation in each kind is reported.
#[test]
fn wrong_expectations_are_reported() {
    let text = r#"
title: "expectations that do not hold"
steps:
  - event: { type: order_submitted, at: "2026-11-28T09:00:00+08:00", filing: F1, scenario: first_filing, variant: app,
             personnel: [ { role: entity_leader, phone: "13800000001", cert_last6: "12345X" } ] }
    messages: [validation_failed]
    status: { F1: under_review }
    required_roles: { F1: [website_admin] }
    outcomes: 2
  - raw: '{"type": "tick", "at": "2026-11-28T10:00:00+08:00"}'
    error: "at"
  - raw: 'not json'
    messages: []
"#;
    let report = Scenario::parse("wrong.yaml", text)
        .expect("parses")
        .run(engine());
    let got: Vec<(usize, &str)> = report
        .failures
        .iter()
        .map(|f| (f.step, f.message.split(':').next().unwrap_or("")))
        .collect();
    assert_eq!(
        got,
        [
            (1, "messages"),
            (1, "status of `F1`"),
            (1, "`required_roles` of `F1`"),
            (1, "expected 2 outcomes, got 1"),
            (
                2,
                "expected an error mentioning \"at\", but the event was accepted"
            ),
            (3, "expected the event to be accepted, but"),
        ]
    );
    assert_eq!(report.failures[0].line, 4);
}

#[test]
fn malformed_scenario_files_are_reported_with_their_line() {
    let err = Scenario::parse("bad.yaml", "title: x\nstesp: []\n").expect_err("unknown key");
    let text = err.render();
    assert!(
        text.contains("bad.yaml:2:1") && text.contains("did you mean `steps`?"),
        "{text}"
    );
    let err = Scenario::parse("bad.yaml", "title: x\nsteps:\n  - event: {type: tick}\n")
        .expect_err("no expectation");
    assert!(err.render().contains("bad.yaml:3:"), "{}", err.render());
}

include!(concat!(env!("OUT_DIR"), "/scenario_tests.rs"));
