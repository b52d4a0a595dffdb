//! Policy authors change behaviour by editing `rules/`, never Rust: each test loads a
//! modified copy of `rules/icp` from disk and shows the change, next to the shipped policy.

use docket::{Engine, World};
use serde_json::{json, Value};
use std::path::Path;

// shared with other tests, which use the parts this one does not
#[allow(dead_code)]
#[path = "support/tempdir.rs"]
mod tempdir;
use tempdir::{rules_copy, TempDir};

/// A fresh copy of `rules/icp` in a temporary directory, removed when it is dropped.
fn policy_copy(name: &str) -> TempDir {
    rules_copy(&format!("policy-{name}"), |_, text| text)
}

/// Replaces `from` by `to` in one file of a policy copy; `from` must occur exactly once.
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        text.matches(from).count(),
        1,
        "{file} should contain {from:?} once"
    );
    std::fs::write(&path, text.replace(from, to)).expect("write");
}

fn load(dir: &Path) -> Engine {
    Engine::load(dir).unwrap_or_else(|e| panic!("the edited policy must load:\n{}", e.render()))
}

/// Runs events (as JSON values) and returns each line's message ids and statuses.
fn run(engine: &Engine, events: &[Value]) -> Vec<Value> {
    let mut world = World::new();
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let out: Value =
                serde_json::from_str(&engine.run_line(&mut world, i + 1, &e.to_string()).to_json())
                    .expect("output is JSON");
            out
        })
        .collect()
}

fn ids(out: &Value) -> Vec<String> {
    out["outcomes"]
        .as_array()
        .unwrap_or_else(|| panic!("expected outcomes: {out}"))
        .iter()
        .flat_map(|o| o["messages"].as_array().cloned().unwrap_or_default())
        .map(|m| m["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn order(filing: &str, scenario: &str, variant: &str, people: &[(&str, &str, &str)]) -> Value {
    json!({
        "type": "order_submitted", "at": "2026-11-28T09:00:00+08:00", "filing": filing,
        "scenario": scenario, "variant": variant,
        "personnel": people.iter().map(|(r, p, c)| json!({"role": r, "phone": p, "cert_last6": c})).collect::<Vec<_>>(),
    })
}

fn sms(filing: &str, phone: &str, code: &str, at: &str) -> Value {
    json!({"type": "sms_sent", "at": at, "filing": filing, "phone": phone, "code": code})
}

fn attempt(phone: &str, code: &str, cert: &str, at: &str) -> Value {
    json!({"type": "validation_attempt", "at": at, "phone": phone, "code": code, "cert_last6": cert})
}

const LEADER: (&str, &str, &str) = ("entity_leader", "13800000001", "11111X");
const ADMIN: (&str, &str, &str) = ("website_admin", "13900000002", "222222");

/// Three wrong attempts by one person, after an order and an SMS.
fn three_failures() -> Vec<Value> {
    vec![
        order("F1", "first_filing", "app", &[LEADER]),
        sms("F1", LEADER.1, "123456", "2026-11-28T10:00:00+08:00"),
        attempt(LEADER.1, "000000", LEADER.2, "2026-11-28T10:01:00+08:00"),
        attempt(LEADER.1, "000000", LEADER.2, "2026-11-28T10:02:00+08:00"),
        attempt(LEADER.1, "000000", LEADER.2, "2026-11-28T10:03:00+08:00"),
    ]
}

#[test]
fn failure_limit_set_to_three_in_the_limits_table() {
    let shipped = run(&Engine::icp(), &three_failures());
    assert_eq!(ids(&shipped[4]), ["validation_failed"]);

    let dir = policy_copy("limit3");
    edit(dir.path(), "limits.yaml", "count: 5", "count: 3");
    let edited = run(&load(dir.path()), &three_failures());
    assert_eq!(
        ids(&edited[4]),
        ["validation_failed", "application_rejected"]
    );
    assert_eq!(edited[4]["outcomes"][0]["status"], "rejected");
}

#[test]
fn message_texts_read_the_limit_from_the_limits_table() {
    let mut events = three_failures();
    events.push(attempt(
        LEADER.1,
        "000000",
        LEADER.2,
        "2026-11-28T10:04:00+08:00",
    ));
    let text = |out: &Value, id: &str| -> String {
        out["outcomes"][0]["messages"]
            .as_array()
            .and_then(|ms| ms.iter().find(|m| m["id"] == id))
            .map(|m| m["text"].as_str().unwrap_or_default().to_string())
            .unwrap_or_else(|| panic!("no message `{id}` in {out}"))
    };
    let shipped = run(&Engine::icp(), &events[..1]);
    assert!(
        shipped[0]["outcomes"][0]["messages"][0]["next_step"]
            .as_str()
            .is_some_and(|t| t.contains("within 24 hours after you receive it")),
        "{}",
        shipped[0]
    );

    let dir = policy_copy("limit4");
    edit(dir.path(), "limits.yaml", "count: 5", "count: 4");
    edit(dir.path(), "limits.yaml", "duration: 24h", "duration: 36h");
    let edited = run(&load(dir.path()), &events);
    assert_eq!(
        ids(&edited[5]),
        ["validation_failed", "application_rejected"]
    );
    assert_eq!(
        text(&edited[5], "application_rejected"),
        "Dear ICP user: Your text message validation failed 4 consecutive times. Your ICP filing application is rejected."
    );
    assert!(
        edited[0]["outcomes"][0]["messages"][0]["next_step"]
            .as_str()
            .is_some_and(|t| t.contains("within 36 hours after you receive it")),
        "{}",
        edited[0]
    );
    // the seed's own words stay as the seed has them
    let seed = std::fs::read_to_string(dir.path().join("messages.yaml")).expect("read");
    assert!(seed.contains("If the validation is not completed within 24 hours, you must restart"));
}

#[test]
fn a_new_scenario_variant_row_in_the_roles_table() {
    let events = [order("F1", "add_service", "mini_program", &[LEADER, ADMIN])];
    let shipped = run(&Engine::icp(), &events);
    assert!(
        shipped[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("variant")),
        "{}",
        shipped[0]
    );

    let dir = policy_copy("newrow");
    edit(
        dir.path(),
        "roles.yaml",
        "  - { scenario: add_service,     variant: app,                required: [entity_leader] }",
        "  - { scenario: add_service,     variant: app,                required: [entity_leader] }\n  - { scenario: add_service, variant: mini_program, required: [website_admin] }",
    );
    let edited = run(&load(dir.path()), &events);
    assert_eq!(ids(&edited[0]), ["order_submitted"]);
    assert_eq!(
        edited[0]["outcomes"][0]["required_roles"],
        json!(["website_admin"])
    );
}

#[test]
fn a_changed_message_text_in_the_messages_table() {
    let events = three_failures();
    let shipped = run(&Engine::icp(), &events[..3]);
    let text = &shipped[2]["outcomes"][0]["messages"][0]["text"];
    assert_eq!(
        text,
        "Dear ICP user: Your text message validation failed. Please try again."
    );

    let dir = policy_copy("text");
    edit(
        dir.path(),
        "messages.yaml",
        "Your text message validation failed. Please try again.\"",
        "Your text message validation failed. Please check the code and try again.\"",
    );
    let edited = run(&load(dir.path()), &events[..3]);
    assert_eq!(
        edited[2]["outcomes"][0]["messages"][0]["text"],
        "Dear ICP user: Your text message validation failed. Please check the code and try again."
    );
}

#[test]
fn failures_counted_per_filing_by_a_rule_file_edit() {
    // Two people fail three times each: per person (shipped) nobody reaches five; per filing,
    // the fifth failure of the filing rejects it.
    let mut events = vec![
        order("F1", "first_filing", "website", &[LEADER, ADMIN]),
        sms("F1", LEADER.1, "123456", "2026-11-28T10:00:00+08:00"),
        sms("F1", ADMIN.1, "654321", "2026-11-28T10:00:00+08:00"),
    ];
    for (i, who) in [LEADER, ADMIN, LEADER, ADMIN, LEADER].iter().enumerate() {
        events.push(attempt(
            who.1,
            "000000",
            who.2,
            &format!("2026-11-28T10:0{}:00+08:00", i + 1),
        ));
    }
    let shipped = run(&Engine::icp(), &events);
    assert_eq!(ids(&shipped[7]), ["validation_failed"]);

    let dir = policy_copy("perfiling");
    edit(
        dir.path(),
        "icp.docket",
        "  first_sms_at: instant?\n",
        "  first_sms_at: instant?\n  failures: count = 0\n",
    );
    edit(
        dir.path(),
        "icp.docket",
        "    set p.failures = p.failures + 1\n",
        "    set p.filing.failures = p.filing.failures + 1\n",
    );
    edit(
        dir.path(),
        "icp.docket",
        "when count(matched) == 0 and p.failures >= limits.max_failed_attempts {",
        "when count(matched) == 0 and p.filing.failures >= limits.max_failed_attempts {",
    );
    let edited = run(&load(dir.path()), &events);
    assert_eq!(ids(&edited[6]), ["validation_failed"]);
    assert_eq!(
        ids(&edited[7]),
        ["validation_failed", "application_rejected"]
    );
    assert_eq!(edited[7]["outcomes"][0]["status"], "rejected");
}
