//! Scenario files (`tests/scenarios/<policy>/*.yaml`): each is its own test. The expectations written
//! in the file (message ids, statuses, shown values, errors) are asserted first, by the same
//! runner as `docket test`; then the whole output of the stream is snapshotted with insta.

use docket::{Engine, Scenario};
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| load("rules/icp"))
}

fn load(dir: &str) -> Engine {
    match Engine::load(format!("{}/{dir}", env!("CARGO_MANIFEST_DIR"))) {
        Ok(e) => e,
        Err(e) => panic!("{dir} does not load:\n{}", e.render()),
    }
}

/// The policy of a scenario in `tests/scenarios/<folder>/`: the shipped policy of that name
/// (`rules/icp`, `rules/gdpr-dsar`) or a test policy (`tests/policies/otp-lockout`).
fn policy_of(name: &str) -> &'static Engine {
    static ENGINES: OnceLock<std::sync::Mutex<Vec<(String, &'static Engine)>>> = OnceLock::new();
    let Some((folder, _)) = name.split_once('/') else {
        return engine();
    };
    let engines = ENGINES.get_or_init(Default::default);
    let mut engines = engines.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, e)) = engines.iter().find(|(f, _)| f == folder) {
        return e;
    }
    let shipped = format!("rules/{folder}");
    let dir = if std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(&shipped)
        .is_dir()
    {
        shipped
    } else {
        format!("tests/policies/{folder}")
    };
    let e: &'static Engine = Box::leak(Box::new(load(&dir)));
    engines.push((folder.to_string(), e));
    e
}

fn run_scenario(name: &str) {
    let path = format!("{}/tests/scenarios/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let scenario = Scenario::parse(&format!("tests/scenarios/{name}.yaml"), &text)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let report = scenario.run(policy_of(name));
    // no value of a sensitive event field (the DSAR subject) may reach the output
    for subject in subjects(&text) {
        assert!(
            !report
                .output
                .to_lowercase()
                .contains(&subject.to_lowercase()),
            "{name}: the subject `{subject}` appears in the output:\n{}",
            report.output
        );
    }
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
    let (folder, stem) = match name.rsplit_once('/') {
        Some((folder, stem)) => (format!("/{folder}"), stem),
        None => (String::new(), name),
    };
    insta::with_settings!({
        snapshot_path => format!("{}/tests/scenarios{folder}/snapshots", env!("CARGO_MANIFEST_DIR")),
        prepend_module_to_snapshot => false,
        description => scenario.title.clone(),
    }, {
        insta::assert_snapshot!(stem, report.output);
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
    // two inputs in one step: the second is not silently taken
    let err = Scenario::parse(
        "bad.yaml",
        "title: x\nsteps:\n  - event: {type: tick}\n    raw: '{}'\n    messages: []\n",
    )
    .expect_err("two inputs");
    let text = err.render();
    assert!(
        text.contains("bad.yaml:4:5") && text.contains("`event` or `raw`, not both"),
        "{text}"
    );
}

/// The e-mail addresses written as `subject` in a scenario file's events.
fn subjects(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in text.split("subject").skip(1) {
        let value = part
            .trim_start_matches(['"', ':', ' '])
            .split(['"', ',', '}', '\n'])
            .next()
            .unwrap_or_default()
            .trim();
        if value.contains('@') && value.len() >= 3 {
            out.push(value.to_string());
        }
    }
    out
}

include!(concat!(env!("OUT_DIR"), "/scenario_tests.rs"));
