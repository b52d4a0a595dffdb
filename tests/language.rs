//! The rule language on small policies written for one feature each: what a policy author
//! relies on beyond the shipped policies.

use docket::{Engine, Source, World};

/// A policy from one rule file and some tables (name, text).
fn policy(rules: &str, tables: &[(&str, &str)]) -> Engine {
    let mut sources: Vec<Source> = tables
        .iter()
        .map(|(name, text)| Source::new(*name, *text))
        .collect();
    sources.push(Source::new("policy.docket", rules));
    match Engine::from_sources(sources) {
        Ok(e) => e,
        Err(e) => panic!("the policy does not load:\n{}", e.render()),
    }
}

/// Runs JSON lines through a fresh world; returns each line's record as JSON text.
fn run(engine: &Engine, lines: &[&str]) -> Vec<String> {
    let mut world = World::new();
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| engine.run_line(&mut world, i + 1, l).to_json())
        .collect()
}

const MESSAGES: &str = r#"
kind: messages
messages:
  reminder: { text: "a reminder", result: "-", next_step: "-" }
  opened: { text: "opened", result: "-", next_step: "-" }
  closed: { text: "closed", result: "-", next_step: "-" }
"#;

const REMINDERS: &str = r#"
format job_id = /^[A-Z][0-9]$/ "a letter and a digit"
statuses { running: open  done: final }
case job key id: job_id { last: instant?  reminders: count = 0 }
deadline again = job.last + 1h
event start { job: job_id }
event stop { job: job_id }
event tick {}
on start for new job(event.job) {
  rule open { set job.last = event.at  emit opened }
}
on stop for job(event.job) {
  rule close { set job.status = done  set job.last = unset  emit closed }
}
on deadline again {
  rule remind when job.status is open {
    set job.last = now
    set job.reminders = job.reminders + 1
    emit reminder
  }
}
"#;

/// Issue 7, defect 1: a deadline its own handler re-arms fires again within one event,
/// once per due instant, and a later tick at the same instant adds nothing.
#[test]
fn a_deadline_rearmed_by_its_handler_fires_every_time_it_is_due() {
    let engine = policy(REMINDERS, &[("messages.yaml", MESSAGES)]);
    let out = run(
        &engine,
        &[
            r#"{"type":"start","at":"2026-01-01T00:00:00Z","job":"J1"}"#,
            r#"{"type":"tick","at":"2026-01-01T05:30:00Z"}"#,
            r#"{"type":"tick","at":"2026-01-01T05:30:00Z"}"#,
            r#"{"type":"tick","at":"2026-01-01T06:00:00Z"}"#,
        ],
    );
    assert_eq!(out[1].matches("\"reminder\"").count(), 5, "{}", out[1]);
    assert!(out[2].contains(r#""outcomes":[]"#), "{}", out[2]);
    assert_eq!(out[3].matches("\"reminder\"").count(), 1, "{}", out[3]);
}

/// A deadline that re-arms itself without moving forward is stopped by a bound: the event
/// is an error, not a hang, and the world is unchanged.
#[test]
fn a_deadline_that_never_moves_forward_is_an_error_not_a_hang() {
    let rules = REMINDERS.replace("set job.last = now", "set job.last = job.last - 2h");
    let engine = policy(&rules, &[("messages.yaml", MESSAGES)]);
    let mut world = World::new();
    let start = r#"{"type":"start","at":"2026-01-01T00:00:00Z","job":"J1"}"#;
    assert!(!engine.run_line(&mut world, 1, start).is_error());
    let before = engine.save_world(&world);
    let tick = engine.run_line(
        &mut world,
        2,
        r#"{"type":"tick","at":"2026-01-01T05:30:00Z"}"#,
    );
    let error = tick.to_json();
    assert!(error.contains("deadline firings"), "{error}");
    assert!(error.contains("`again`"), "{error}");
    assert_eq!(
        engine.save_world(&world),
        before,
        "an erroneous event changes nothing"
    );
}

/// Issue 7, defect 2: an expiry's outcome shows the status the expiry left, even when the
/// event's own handler changes the case afterwards.
#[test]
fn each_outcome_shows_the_case_as_it_was_then() {
    let engine = policy(REMINDERS, &[("messages.yaml", MESSAGES)]);
    let out = run(
        &engine,
        &[
            r#"{"type":"start","at":"2026-01-01T00:00:00Z","job":"J1"}"#,
            r#"{"type":"stop","at":"2026-01-01T01:00:00Z","job":"J1"}"#,
        ],
    );
    let record: serde_json::Value = serde_json::from_str(&out[1]).expect("json");
    let outcomes = record["outcomes"].as_array().expect("outcomes");
    assert_eq!(outcomes.len(), 2, "{record}");
    assert_eq!(outcomes[0]["status"], "running", "{record}");
    assert_eq!(outcomes[0]["messages"][0]["id"], "reminder");
    assert_eq!(outcomes[1]["status"], "done", "{record}");
}
