//! Scenario files (`tests/scenarios/*.yaml`): each is its own test. The expectations written
//! in the file (message ids, statuses, errors) are asserted first; then the whole output of
//! the stream is snapshotted with insta.

use docket::{Engine, World};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    title: String,
    #[serde(default)]
    contract: Option<String>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    #[serde(default)]
    event: Option<serde_yaml::Value>,
    #[serde(default)]
    raw: Option<String>,
    #[serde(default)]
    messages: Option<Vec<String>>,
    #[serde(default)]
    status: Option<BTreeMap<String, String>>,
    #[serde(default)]
    required_roles: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    outcomes: Option<usize>,
}

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
    let scenario: Scenario = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let engine = engine();
    let mut world = World::new();
    let mut output = String::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let seq = i + 1;
        let line = match (&step.event, &step.raw) {
            (Some(ev), None) => serde_json::to_string(ev).expect("an event converts to JSON"),
            (None, Some(raw)) => raw.clone(),
            _ => panic!("{name}: step {seq} needs exactly one of `event` and `raw`"),
        };
        let record = engine.run_line(&mut world, seq, &line);
        let json = record.to_json();
        output.push_str(&json);
        output.push('\n');
        let out: serde_json::Value = serde_json::from_str(&json).expect("output is JSON");
        let ctx = format!(
            "{name} (\"{}\"), step {seq}:\n  in:  {line}\n  out: {json}",
            scenario.title
        );
        if let Some(want) = &step.error {
            let got = out["error"]
                .as_str()
                .unwrap_or_else(|| panic!("{ctx}\n  expected an error"));
            assert!(
                got.contains(want.as_str()),
                "{ctx}\n  the error should mention {want:?}"
            );
            continue;
        }
        let outcomes = out["outcomes"]
            .as_array()
            .unwrap_or_else(|| panic!("{ctx}\n  expected outcomes, not an error"));
        let ids: Vec<&str> = outcomes
            .iter()
            .flat_map(|o| o["messages"].as_array().into_iter().flatten())
            .map(|m| m["id"].as_str().unwrap_or(""))
            .collect();
        let want: Vec<&str> = step
            .messages
            .as_ref()
            .unwrap_or_else(|| panic!("{ctx}\n  the step states neither `messages` nor `error`"))
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(ids, want, "{ctx}\n  message ids");
        for (filing, status) in step.status.iter().flatten() {
            let got = outcomes
                .iter()
                .filter(|o| o["filing"].as_str() == Some(filing.as_str()))
                .map(|o| o["status"].as_str().unwrap_or(""))
                .next_back();
            assert_eq!(got, Some(status.as_str()), "{ctx}\n  status of {filing}");
        }
        for (filing, roles) in step.required_roles.iter().flatten() {
            let got: Vec<&str> = outcomes
                .iter()
                .find(|o| o["filing"].as_str() == Some(filing.as_str()))
                .and_then(|o| o["required_roles"].as_array())
                .unwrap_or_else(|| panic!("{ctx}\n  no required_roles for {filing}"))
                .iter()
                .map(|r| r.as_str().unwrap_or(""))
                .collect();
            assert_eq!(got, *roles, "{ctx}\n  required_roles of {filing}");
        }
        if let Some(n) = step.outcomes {
            assert_eq!(outcomes.len(), n, "{ctx}\n  number of outcomes");
        }
    }
    let _ = &scenario.contract;
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios/snapshots"),
        prepend_module_to_snapshot => false,
        description => scenario.title.clone(),
    }, {
        insta::assert_snapshot!(name, output);
    });
}

include!(concat!(env!("OUT_DIR"), "/scenario_tests.rs"));
