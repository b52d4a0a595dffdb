//! The library API: evaluate/commit, worlds and their policies, saved worlds.

use docket::{Engine, Source, World};

const ORDER: &str = r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"A","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"11111X"}]}"#;
const SMS: &str = r#"{"type":"sms_sent","at":"2026-11-28T10:00:00+08:00","filing":"A","phone":"13800000001","code":"123456"}"#;

fn order(id: &str) -> String {
    ORDER.replace(r#""filing":"A""#, &format!(r#""filing":"{id}""#))
}

#[test]
fn evaluate_is_pure_and_commit_refuses_a_stale_step() {
    let engine = Engine::icp();
    let mut world = World::new();
    let a = engine.parse_event(&order("A")).expect("event");
    let b = engine.parse_event(&order("B")).expect("event");
    let step_a = engine.evaluate(&world, &a).expect("step");
    assert_eq!(
        step_a.outcomes()[0].status.as_deref(),
        Some("awaiting_sync")
    );
    assert!(world.is_empty(), "evaluate changes nothing");
    engine.apply(&mut world, &b).expect("B applies");
    let before = engine.save_world(&world);
    let err = engine
        .commit(&mut world, step_a)
        .expect_err("A's step is stale");
    assert!(err.to_string().contains("another state"), "{err}");
    assert_eq!(engine.save_world(&world), before);
    let step = engine.evaluate(&world, &a).expect("step");
    engine
        .commit(&mut world, step)
        .expect("a fresh step commits");
    assert_eq!(world.len(), 2);
}

#[test]
fn a_world_belongs_to_its_policy() {
    let icp = Engine::icp();
    let mut world = World::new();
    assert!(!icp.run_line(&mut world, 1, ORDER).is_error());
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/icp");
    let same = Engine::load(dir).expect("the same policy from disk");
    assert!(
        !same.run_line(&mut world, 2, SMS).is_error(),
        "same texts, same policy"
    );

    let mut sources: Vec<Source> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "docket"))
        .map(|p| {
            Source::new(
                p.display().to_string(),
                std::fs::read_to_string(&p).expect("read"),
            )
        })
        .collect();
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    for s in &mut sources {
        s.text = s.text.replace("count: 5", "count: 3");
    }
    let other = Engine::from_sources(sources).expect("an edited policy");
    let tick = r#"{"type":"tick","at":"2026-11-28T11:00:00+08:00"}"#;
    let json = other.run_line(&mut world, 3, tick).to_json();
    assert!(json.contains("another policy"), "{json}");
    let moved = other
        .load_world(&icp.save_world(&world))
        .expect("a saved world loads into the edited policy");
    let mut moved = moved;
    assert!(!other.run_line(&mut moved, 3, tick).is_error());
}

#[test]
fn a_saved_world_recomputes_its_deadlines() {
    let engine = Engine::icp();
    let mut world = World::new();
    for (i, line) in [ORDER, SMS].iter().enumerate() {
        assert!(!engine.run_line(&mut world, i + 1, line).is_error());
    }
    let saved = engine.save_world(&world);
    // A hand-edited file without deadline times: they come back from the fields.
    let mut doc: serde_json::Value = serde_json::from_str(&saved).expect("JSON");
    doc["cases"][0]["deadlines"] = serde_json::json!({});
    let mut reloaded = engine.load_world(&doc.to_string()).expect("loads");
    let tick = r#"{"type":"tick","at":"2026-11-29T10:00:00+08:00"}"#;
    let json = engine.run_line(&mut reloaded, 3, tick).to_json();
    assert!(json.contains("validation_window_expired"), "{json}");
    // Saving the reloaded world of the original gives the same text.
    let again = engine.load_world(&saved).expect("loads");
    assert_eq!(engine.save_world(&again), saved);
}

#[test]
fn a_route_key_may_hold_any_expression() {
    let engine = Engine::from_sources(vec![
        Source::new("m.yaml", "kind: messages\nmessages:\n  ok: { text: t, result: r, next_step: n }\n"),
        Source::new(
            "p.docket",
            r#"statuses { open }
               case thing key id: text { }
               event make { items: list<text> }
               on make for new thing("k{count([x in event.items where x != ""])}") { rule r { emit ok } }"#,
        ),
    ])
    .unwrap_or_else(|e| panic!("{}", e.render()));
    let mut world = World::new();
    let json = engine
        .run_line(
            &mut world,
            1,
            r#"{"type":"make","at":"2026-11-28T09:00:00Z","items":["a","","b"]}"#,
        )
        .to_json();
    assert!(json.contains(r#""thing":"k2""#), "{json}");
}

/// The line of a validation attempt by the person of `ORDER` with `code`.
fn attempt(at: &str, code: &str) -> String {
    format!(
        r#"{{"type":"validation_attempt","at":"{at}","phone":"13800000001","code":"{code}","cert_last6":"11111X"}}"#
    )
}

#[test]
fn a_saved_world_keeps_no_code_that_can_no_longer_be_used() {
    let engine = Engine::icp();
    // completed: the person validated, the filing is under review
    let mut world = World::new();
    for (i, line) in [
        ORDER.to_string(),
        SMS.to_string(),
        attempt("2026-11-28T10:05:00+08:00", "000000"),
    ]
    .iter()
    .enumerate()
    {
        assert!(!engine.run_line(&mut world, i + 1, line).is_error());
    }
    assert!(
        engine.save_world(&world).contains("123456"),
        "a code that can still be used is kept"
    );
    let done = engine.run_line(
        &mut world,
        4,
        &attempt("2026-11-28T10:06:00+08:00", "123456"),
    );
    assert!(
        done.to_json().contains("validation_complete"),
        "{}",
        done.to_json()
    );
    let saved = engine.save_world(&world);
    assert!(!saved.contains("123456"), "{saved}");
    // and the world loads back, the person still validated
    let loaded = engine.load_world(&saved).expect("loads");
    assert_eq!(engine.save_world(&loaded), saved);

    // rejected after five failures: no code can be used any more either
    let mut world = World::new();
    engine.run_line(&mut world, 1, ORDER);
    engine.run_line(&mut world, 2, SMS);
    for i in 0..5 {
        let r = engine.run_line(
            &mut world,
            3 + i,
            &attempt(&format!("2026-11-28T10:0{i}:30+08:00"), "000000"),
        );
        assert!(!r.is_error(), "{}", r.to_json());
    }
    let saved = engine.save_world(&world);
    assert!(saved.contains("rejected"), "{saved}");
    assert!(!saved.contains("123456"), "{saved}");
}
