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

    let mut sources: Vec<Source> = docket::policy_files(dir)
        .expect("dir")
        .into_iter()
        .map(|p| {
            Source::new(
                p.display().to_string(),
                std::fs::read_to_string(&p).expect("read"),
            )
        })
        .collect();
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

/// A policy of one event type: its event indexes mean nothing to ICP, and ICP's to it.
fn small_policy() -> Engine {
    Engine::from_sources(vec![
        Source::new(
            "m.yaml",
            "kind: messages\nmessages:\n  ok: { text: t, result: r, next_step: n }\n",
        ),
        Source::new(
            "p.docket",
            r#"statuses { open }
               case thing key id: text { }
               event make { id: text }
               on make for new thing(event.id) { rule r { emit ok } }"#,
        ),
    ])
    .unwrap_or_else(|e| panic!("{}", e.render()))
}

const ICP_LINES: [&str; 4] = [
    ORDER,
    SMS,
    r#"{"type":"validation_attempt","at":"2026-11-28T10:05:00+08:00","phone":"13800000001","code":"123456","cert_last6":"11111X"}"#,
    r#"{"type":"tick","at":"2026-11-28T11:00:00+08:00"}"#,
];

#[test]
fn an_event_of_another_policy_is_refused_not_a_panic() {
    let icp = Engine::icp();
    let small = small_policy();
    let make = small
        .parse_event(r#"{"type":"make","at":"2026-11-28T09:00:00Z","id":"k"}"#)
        .expect("make");
    let mut icp_events = Vec::new();
    for line in ICP_LINES {
        icp_events.push(icp.parse_event(line).expect("an ICP event"));
    }
    for (engine, foreign) in [
        (&small, &icp_events[..]),
        (&icp, std::slice::from_ref(&make)),
    ] {
        for event in foreign {
            let mut world = World::new();
            for err in [
                engine
                    .evaluate(&world, event)
                    .expect_err("evaluate refuses it"),
                engine
                    .apply(&mut world, event)
                    .expect_err("apply refuses it"),
            ] {
                assert!(err.to_string().contains("another policy"), "{err}");
                assert!(
                    err.to_string().contains(event.type_name()),
                    "names the event: {err}"
                );
            }
            assert!(world.is_empty() && world.clock().is_none());
        }
    }
    // A step computed by one engine is not committed by another, even on a fresh world.
    let step = small.evaluate(&World::new(), &make).expect("a step");
    let mut world = World::new();
    let err = icp.commit(&mut world, step).expect_err("ICP refuses it");
    assert!(err.to_string().contains("another policy"), "{err}");
    assert!(world.is_empty());
    // The same policy loaded twice is one policy.
    let again = small_policy();
    assert!(again.apply(&mut world, &make).is_ok());
}

#[test]
fn debug_output_never_shows_a_sensitive_value() {
    let engine = Engine::icp();
    let mut world = World::new();
    let order = r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#;
    let sms = engine
        .event("sms_sent")
        .at("2026-11-28T10:30:00+08:00")
        .text("filing", "F1")
        .text("phone", "13800000001")
        .text("code", "004213")
        .build()
        .expect("sms");
    let attempt = engine
        .event("validation_attempt")
        .at("2026-11-28T10:35:00+08:00")
        .text("phone", "13800000001")
        .text("code", "004213")
        .text("cert_last6", "12345X")
        .build()
        .expect("attempt");
    let order = engine.parse_event(order).expect("order");
    engine.apply(&mut world, &order).expect("order applies");
    engine.apply(&mut world, &sms).expect("sms applies");
    let step = engine.evaluate(&world, &attempt).expect("a step");
    assert_eq!(step.outcomes().len(), 1);
    let shown = [
        format!("{order:?}"),
        format!("{order:#?}"),
        format!("{sms:?}"),
        format!("{sms:#?}"),
        format!("{attempt:?}"),
        format!("{attempt:#?}"),
        format!("{world:?}"),
        format!("{world:#?}"),
        format!("{step:?}"),
        format!("{step:#?}"),
    ];
    for text in &shown {
        assert!(!text.contains("004213"), "a code leaks: {text}");
        assert!(!text.contains("12345X"), "certificate digits leak: {text}");
    }
    // Still useful: what is not sensitive is shown.
    assert!(shown[2].contains("13800000001") && shown[2].contains("<sensitive>"));
    assert!(shown[6].contains("cases: 1"), "{}", shown[6]);
    assert!(shown[8].contains("validation_complete"), "{}", shown[8]);
}

#[test]
fn a_built_event_is_the_parsed_event() {
    let engine = Engine::icp();
    let built = engine
        .event("order_submitted")
        .at("2026-11-28T09:00:00+08:00")
        .text("filing", "A")
        .text("scenario", "first_filing")
        .text("variant", "app")
        .json(
            "personnel",
            serde_json::json!([
                { "role": "entity_leader", "phone": "13800000001", "cert_last6": "11111x" }
            ]),
        )
        .build()
        .expect("built");
    assert_eq!(built, engine.parse_event(ORDER).expect("parsed"));
    assert_eq!(built.type_name(), "order_submitted");
    assert_eq!(
        built.at(),
        "2026-11-28T01:00:00Z".parse::<jiff::Timestamp>().unwrap()
    );
    let sms = engine
        .event("sms_sent")
        .at_instant("2026-11-28T02:00:00Z".parse().unwrap())
        .text("filing", "A")
        .text("phone", "13800000001")
        .text("code", "123456")
        .unset("sender")
        .build()
        .expect("built");
    // The same instant, written in UTC as `at_instant` writes it.
    let utc = SMS.replace("2026-11-28T10:00:00+08:00", "2026-11-28T02:00:00Z");
    assert_eq!(sms, engine.parse_event(&utc).expect("parsed"));
    assert_eq!(sms.at(), engine.parse_event(SMS).expect("parsed").at());
    let mut world = World::new();
    engine.apply(&mut world, &built).expect("applies");
    let outcomes = engine.apply(&mut world, &sms).expect("applies");
    assert_eq!(outcomes[0].status.as_deref(), Some("awaiting_validation"));
}

#[test]
fn a_builder_refuses_what_parse_event_refuses_with_the_same_error() {
    let engine = Engine::icp();
    let sms = |at: &'static str| {
        let mut builder = engine.event("sms_sent");
        builder.at(at).text("filing", "A");
        builder
    };
    let line = |rest: &str| {
        format!(r#"{{"type":"sms_sent","at":"2026-11-28T10:00:00+08:00","filing":"A"{rest}}}"#)
    };
    let at = "2026-11-28T10:00:00+08:00";
    let cases = [
        (
            engine.event("sms_snet").at(at).build(),
            r#"{"type":"sms_snet","at":"2026-11-28T10:00:00+08:00"}"#.to_string(),
        ),
        (
            engine.event("tick").build(),
            r#"{"type":"tick"}"#.to_string(),
        ),
        (
            sms("2026-11-28T10:00:00").text("phone", "13800000001").build(),
            r#"{"type":"sms_sent","at":"2026-11-28T10:00:00","filing":"A","phone":"13800000001"}"#.to_string(),
        ),
        (
            sms(at).text("phone", "13800000001").build(),
            line(r#","phone":"13800000001""#),
        ),
        (
            sms(at).text("phone", "1380000000").text("code", "123456").build(),
            line(r#","phone":"1380000000","code":"123456""#),
        ),
        (
            sms(at).text("phone", "13800000001").text("code", "12345").build(),
            line(r#","phone":"13800000001","code":"12345""#),
        ),
        (
            sms(at).text("phone", "13800000001").text("cod", "123456").build(),
            line(r#","phone":"13800000001","cod":"123456""#),
        ),
        (
            sms(at)
                .text("phone", "13800000001")
                .text("code", "123456")
                .text("colour", "red")
                .build(),
            line(r#","phone":"13800000001","code":"123456","colour":"red""#),
        ),
        (
            sms(at)
                .text("phone", "13800000001")
                .text("code", "123456")
                .text("code", "123456")
                .build(),
            line(r#","phone":"13800000001","code":"123456","code":"123456""#),
        ),
        (
            sms(at).count("phone", 13800000001).text("code", "123456").build(),
            line(r#","phone":13800000001,"code":"123456""#),
        ),
        (
            sms(at)
                .text("phone", "13800000001")
                .text("code", "123456")
                .bool("sender", true)
                .build(),
            line(r#","phone":"13800000001","code":"123456","sender":true"#),
        ),
        (
            engine
                .event("phone_change")
                .at(at)
                .text("filing", "A")
                .text("role", "entity_leadr")
                .text("new_phone", "13800000002")
                .build(),
            r#"{"type":"phone_change","at":"2026-11-28T10:00:00+08:00","filing":"A","role":"entity_leadr","new_phone":"13800000002"}"#.to_string(),
        ),
        (
            engine
                .event("order_submitted")
                .at(at)
                .text("filing", "A")
                .text("scenario", "first_filing")
                .text("variant", "app")
                .json("personnel", serde_json::json!([{ "role": "entity_leader", "phone": "13800000001", "cert_last6": "1234" }]))
                .build(),
            r#"{"type":"order_submitted","at":"2026-11-28T10:00:00+08:00","filing":"A","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"1234"}]}"#.to_string(),
        ),
    ];
    for (built, line) in cases {
        let parsed = engine.parse_event(&line).expect_err("the line is refused");
        let built = built.expect_err("the builder refuses it too");
        assert_eq!(built, parsed, "{line}");
    }
    let errors: Vec<String> = [
        engine.event("sms_snet").at(at).build(),
        sms(at)
            .text("phone", "13800000001")
            .text("code", "12345")
            .build(),
    ]
    .into_iter()
    .map(|r| r.expect_err("refused").to_string())
    .collect();
    assert_eq!(
        errors,
        [
            "unknown event type `sms_snet`; did you mean `sms_sent`?",
            "field `code`: expected six digits (the value is not shown: the field is sensitive)",
        ]
    );
}

#[test]
fn a_builder_fed_a_line_member_by_member_agrees_with_parse_event() {
    let engine = Engine::icp();
    let stream = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/stream.jsonl"
    ))
    .expect("the example stream");
    let mut lines: Vec<String> = stream.lines().map(str::to_string).collect();
    // One problem each.
    lines.extend(
        [
            r#"{"type":"tick","at":"2026-13-28T11:00:00+08:00"}"#,
            r#"{"type":"resend_request","at":"2026-11-28T11:00:00+08:00","phone":"13800000001","cert_last6":"ABCDEF"}"#,
            r#"{"type":"order_canceled","at":"2026-11-28T11:00:00+08:00","filing":""}"#,
            r#"{"type":"order_canceled","at":"2026-11-28T11:00:00+08:00","filing":["A"]}"#,
            r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"A","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800000001"}]}"#,
            r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"A","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"11111X","x":1}]}"#,
        ]
        .map(str::to_string),
    );
    for line in &lines {
        let json: serde_json::Value = serde_json::from_str(line).expect("JSON");
        let mut builder = engine.event(json["type"].as_str().expect("a type"));
        for (name, value) in json.as_object().expect("an object") {
            match name.as_str() {
                "type" => &mut builder,
                "at" => builder.at(value.as_str().expect("a string")),
                _ => builder.json(name, value.clone()),
            };
        }
        assert_eq!(builder.build(), engine.parse_event(line), "{line}");
    }
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

/// A saved world is checked like events on the way in (issue 8, loading validates): formats
/// of keys and fields, unknown or missing fields, deadlines that fired after the clock; and
/// its errors never echo a value (a state file holds verification codes).
#[test]
fn a_tampered_saved_world_is_refused_without_echoing_its_values() {
    let engine = Engine::icp();
    let mut world = World::new();
    engine.run_line(&mut world, 1, ORDER);
    engine.run_line(&mut world, 2, SMS);
    let saved = engine.save_world(&world);
    assert!(engine.load_world(&saved).is_ok());
    let refused = |edited: String, expect: &str| {
        let err = engine
            .load_world(&edited)
            .expect_err("a tampered world is refused")
            .to_string();
        assert!(err.contains(expect), "{err}");
        for secret in ["123456", "987654", "11111X", "ZZZ"] {
            assert!(!err.contains(secret), "{err}");
        }
    };
    // a code given as a number: a type error that does not echo it
    refused(
        saved.replace(r#""code": "123456""#, r#""code": 987654"#),
        "field `code`: a number does not fit here (the value is not shown)",
    );
    // a code that breaks its format
    refused(
        saved.replace(r#""code": "123456""#, r#""code": "ZZZ""#),
        "does not match the format `code`",
    );
    // a key that breaks its format
    refused(
        saved.replace(r#""key": "A""#, r#""key": "A B ZZZ""#),
        "`key` does not match the format `filing_id`",
    );
    // a field the policy does not have (renamed since, or a typo)
    refused(
        saved.replace(r#""failures": 0"#, r#""failures": 0, "fialures": 1"#),
        "unknown field `fialures`",
    );
    // a field that is not optional, missing
    refused(
        saved.replace(r#""failures": 0,"#, ""),
        "field `failures` is missing",
    );
    // participants dropped, a deadline or a member the policy does not have
    let doc: serde_json::Value = serde_json::from_str(&saved).expect("JSON");
    let mut no_people = doc.clone();
    no_people["cases"][0]
        .as_object_mut()
        .expect("a case")
        .remove("participants");
    refused(no_people.to_string(), "`participants` is missing");
    refused(
        saved.replace(r#""window_end""#, r#""window_ends""#),
        "unknown deadline `window_ends`",
    );
    let mut extra = doc.clone();
    extra["worlds"] = serde_json::json!(1);
    refused(extra.to_string(), "unknown member `worlds`");
    // a deadline that fired after the world's clock
    refused(
        saved.replace(r#""fired": null"#, r#""fired": "2030-01-01T00:00:00Z""#),
        "fired after the world's clock",
    );
}

/// A saved world is read a case at a time in the layout docket writes (one case a line),
/// and whole in any other layout of the same JSON; one cut short or with something after
/// its end is refused.
#[test]
fn a_saved_world_reads_back_in_any_layout_and_not_cut_short() {
    let engine = Engine::icp();
    let key = docket::SealKey::from_bytes([9; 32]);
    let mut world = World::new();
    engine.run_line_sealed(&mut world, 1, ORDER, &key);
    engine.run_line_sealed(&mut world, 2, SMS, &key);
    let saved = engine.save_world(&world);
    assert!(saved.lines().count() >= 3, "one case a line: {saved}");
    let again = |text: &str| {
        engine
            .load_world_migrating(text, &key)
            .map(|(w, _)| engine.save_world(&w))
    };
    assert_eq!(again(&saved).expect("loads"), saved);
    let doc: serde_json::Value = serde_json::from_str(&saved).expect("JSON");
    let pretty = serde_json::to_string_pretty(&doc).expect("JSON");
    assert_eq!(again(&pretty).expect("loads"), saved);
    let compact = doc.to_string();
    assert_eq!(again(&compact).expect("loads"), saved);
    let lines: Vec<&str> = saved.lines().collect();
    let cut = lines[..lines.len() - 1].join("\n") + "\n";
    let err = again(&cut).expect_err("cut short").to_string();
    assert!(err.contains("cut short"), "{err}");
    let err = again(&(saved.clone() + "{}\n"))
        .expect_err("more after the end")
        .to_string();
    assert!(err.contains("after its end"), "{err}");
    // an empty world too
    let empty = engine.save_world(&World::new());
    assert_eq!(again(&empty).expect("loads"), empty);
}

/// A small policy that shows one value of each kind, for reading shown values back.
fn showing_policy() -> Engine {
    let rules = r#"
        enum level { low  high }
        event ask { n: count, word: text, at_level: level }
        on ask {
          rule answer when event.n >= 3 {
            show n = event.n
            show word = event.word
            show level = event.at_level
            show both = [event.word, "x"]
            show big = true
          } else {
            reject "too small: {event.n}"
          }
        }
    "#;
    Engine::from_sources(vec![
        Source::new("m.yaml", "kind: messages\nmessages: {}\n"),
        Source::new("p.docket", rules),
    ])
    .unwrap_or_else(|e| panic!("{}", e.render()))
}

#[test]
fn shown_values_read_back_as_rust_values_and_as_json() {
    let engine = showing_policy();
    let event = engine
        .event("ask")
        .at("2026-11-28T10:00:00+08:00")
        .count("n", 4)
        .text("word", "hello")
        .text("at_level", "high")
        .build()
        .expect("an event");
    let step = engine.evaluate(&World::new(), &event).expect("an answer");
    let shows = &step.outcomes()[0].shows;
    let get = |name: &str| &shows.iter().find(|(n, _)| &**n == name).expect(name).1;
    assert_eq!(get("n").as_count(), Some(4));
    assert_eq!(get("word").as_str(), Some("hello"));
    assert_eq!(get("level").as_str(), Some("high"));
    assert_eq!(get("big").as_bool(), Some(true));
    let both: Vec<String> = get("both")
        .items()
        .expect("a list")
        .map(|s| s.as_str().expect("a text").to_string())
        .collect();
    assert_eq!(both, ["hello", "x"]);
    assert_eq!(get("n").as_str(), None);
    assert!(get("word").items().is_none());
    assert_eq!(*get("both"), serde_json::json!(["hello", "x"]));
    assert_eq!(get("level").to_json(), serde_json::json!("high"));
    assert_eq!(
        serde_json::to_string(&step.outcomes()[0]).expect("json"),
        r#"{"messages":[],"n":4,"word":"hello","level":"high","both":["hello","x"],"big":true}"#
    );
}

#[test]
fn build_into_and_evaluate_into_reuse_and_fail_cleanly() {
    let engine = showing_policy();
    let world = World::new();
    let ask = |n: i64, word: &'static str| {
        let mut builder = engine.event("ask");
        builder
            .at("2026-11-28T10:00:00+08:00")
            .count("n", n)
            .text("word", word)
            .text("at_level", "low");
        builder
    };
    let mut event = ask(3, "first").build().expect("an event");
    let mut step = docket::Step::default();
    engine
        .evaluate_into(&world, &event, &mut step)
        .expect("an answer");
    assert_eq!(step.outcomes()[0].shows[1].1.as_str(), Some("first"));
    // a bad event leaves the one built before as it was
    let refused = ask(-1, "second").build_into(&mut event);
    assert!(refused.is_err());
    engine
        .evaluate_into(&world, &event, &mut step)
        .expect("an answer");
    assert_eq!(step.outcomes()[0].shows[1].1.as_str(), Some("first"));
    // a good one replaces it
    ask(5, "third").build_into(&mut event).expect("an event");
    engine
        .evaluate_into(&world, &event, &mut step)
        .expect("an answer");
    assert_eq!(step.outcomes()[0].shows[0].1.as_count(), Some(5));
    assert_eq!(step.outcomes()[0].shows[1].1.as_str(), Some("third"));
    // an evaluation that fails leaves a step of nothing, which no engine commits
    ask(1, "small").build_into(&mut event).expect("an event");
    let err = engine.evaluate_into(&world, &event, &mut step);
    assert_eq!(err.expect_err("refused").to_string(), "too small: 1");
    assert!(step.outcomes().is_empty());
    let mut w = World::new();
    assert!(engine.commit(&mut w, step).is_err());
    // a builder kept from one event to the next: left empty by each build, refused or not
    let mut builder = engine.event("ask");
    let first = builder
        .at("2026-11-28T10:00:00+08:00")
        .count("n", 2)
        .build();
    assert!(first.is_err(), "`word` and `at_level` are missing");
    builder.at("2026-11-28T10:00:00+08:00").count("n", 7);
    builder.text("word", "again").text("at_level", "low");
    assert_eq!(builder.build(), ask(7, "again").build());
    let mut unknown = engine.event("nothing");
    let twice = unknown.text("type", "nothing").build();
    assert_eq!(twice.expect_err("`type` given twice").field(), Some("type"));
    let refused = unknown.at("2026-11-28T10:00:00+08:00").build();
    assert_eq!(
        refused.expect_err("an unknown type").to_string(),
        engine
            .parse_event(r#"{"type":"nothing","at":"2026-11-28T10:00:00+08:00"}"#)
            .expect_err("an unknown type")
            .to_string()
    );
}

#[test]
fn a_kept_builder_knows_a_field_by_its_text_not_where_the_text_lies() {
    let engine = Engine::from_sources(vec![
        Source::new("m.yaml", "kind: messages\nmessages: {}\n"),
        Source::new(
            "p.docket",
            "event e { ab: count, a: count }\non e { rule r { show sum = event.ab + event.a } }",
        ),
    ])
    .unwrap_or_else(|e| panic!("{}", e.render()));
    let line = |ab: i64, a: i64| {
        engine
            .parse_event(&format!(
                r#"{{"type":"e","at":"2026-11-28T10:00:00+08:00","ab":{ab},"a":{a}}}"#
            ))
            .expect("a line")
    };
    const AB: &str = "ab";
    let at = "2026-11-28T10:00:00+08:00";
    // (a builder borrows the names it is given for as long as it lives)
    let (ab, a) = (String::from("ab"), String::from("a"));
    let mut builder = engine.event("e");
    builder.at(at).count(AB, 1).count("a", 2);
    assert_eq!(builder.build().expect("an event"), line(1, 2));
    // `a` as the first letter of the `ab` given before: where that name lies, shorter
    let first = &AB[..1];
    assert_eq!(first.as_ptr(), AB.as_ptr());
    builder.at(at).count(first, 3).count(AB, 4);
    assert_eq!(builder.build().expect("an event"), line(4, 3));
    // the same names spelled in buffers of their own
    builder.at(at).count(&ab, 5).count(&a, 6);
    assert_eq!(builder.build().expect("an event"), line(5, 6));
}

/// One setter of the event builder, and the member a JSON line would hold for it.
#[derive(Debug, Clone)]
enum Set {
    Count(i64),
    Bool(bool),
    Text(&'static str),
    Instant(i64),
    Unset,
}

#[test]
fn a_builder_given_any_setters_agrees_with_the_line_of_the_same_members() {
    use proptest::prelude::*;
    use proptest::test_runner::TestRunner;
    let engine = Engine::from_sources(vec![
        Source::new(
            "m.yaml",
            "kind: messages\nmessages:\n  ok: { text: t, result: r, next_step: n }\n",
        ),
        Source::new(
            "p.docket",
            r#"format pin = /^[0-9]{4}$/ "four digits"
               enum colour { red, green }
               statuses { open }
               case thing key id: text { }
               event make { id: text, n: count, ok: bool, c: colour, p: pin? sensitive,
                            due: instant?, m: count?, d: duration? }
               event other { id: text }
               on make for new thing(event.id) { rule r { emit ok } }
               on other for thing(event.id) { rule r { emit ok } }"#,
        ),
    ])
    .unwrap_or_else(|e| panic!("{}", e.render()));
    let names = [
        "id", "n", "ok", "c", "p", "due", "m", "d", "at", "colour", "nn", "type",
    ];
    let texts = [
        "A",
        "",
        "red",
        "green",
        "blue",
        "0042",
        "42",
        "24h",
        "x y",
        "2026-11-28T10:00:00+08:00",
        "2026-11-28T10:00:00",
    ];
    let set = prop_oneof![
        prop_oneof![Just(-1i64), Just(0), Just(3)].prop_map(Set::Count),
        any::<bool>().prop_map(Set::Bool),
        proptest::sample::select(texts.to_vec()).prop_map(Set::Text),
        (0i64..3).prop_map(|d| Set::Instant(1_800_000_000 + d * 3600)),
        Just(Set::Unset),
    ];
    // a whole event in any order (its values mostly good), or not, then anything
    let count = || prop_oneof![4 => Just(3i64), 4 => Just(0), 1 => Just(-1)].prop_map(Set::Count);
    let text = |good: &'static str, bad: &'static str| prop_oneof![8 => Just(Set::Text(good)), 1 => Just(Set::Text(bad))];
    let whole = (
        prop_oneof![
            8 => (0i64..2).prop_map(Set::Instant),
            1 => Just(Set::Text("2026-11-28T10:00:00")),
        ],
        text("A", ""),
        count(),
        prop_oneof![8 => any::<bool>().prop_map(Set::Bool), 1 => Just(Set::Count(1))],
        text("green", "blue"),
        prop_oneof![
            Just(Set::Text("0042")),
            Just(Set::Text("42")),
            Just(Set::Unset)
        ],
        prop_oneof![Just(Set::Unset), count()],
        prop_oneof![
            3 => Just(Set::Instant(1)),
            3 => Just(Set::Unset),
            1 => Just(Set::Text("24h")),
        ],
    )
        .prop_map(|(at, id, n, ok, c, p, m, due)| {
            vec![
                ("at", at),
                ("id", id),
                ("n", n),
                ("ok", ok),
                ("c", c),
                ("p", p),
                ("m", m),
                ("due", due),
            ]
        })
        .prop_shuffle();
    let start = prop_oneof![
        1 => Just(Vec::new()),
        4 => (whole, 0usize..40).prop_map(|(mut ops, drop)| {
            // sometimes one left out
            if drop < ops.len() {
                ops.remove(drop);
            }
            ops
        }),
    ];
    let more = prop_oneof![
        2 => Just(Vec::new()),
        1 => proptest::collection::vec((proptest::sample::select(names.to_vec()), set), 1..3),
    ];
    let ops = (start, more).prop_map(|(mut ops, more)| {
        ops.extend(more);
        ops
    });
    let instant = |s: i64| jiff::Timestamp::from_second(s).expect("an instant");
    let mut runner = TestRunner::new(proptest::test_runner::Config {
        cases: 4000,
        ..Default::default()
    });
    runner
        .run(&ops, |ops| {
            let mut builder = engine.event("make");
            let mut line = serde_json::Map::new();
            let mut members = vec![r#""type":"make""#.to_string()];
            line.insert("type".into(), "make".into());
            for (name, set) in &ops {
                let json = match set.clone() {
                    Set::Count(n) => (builder.count(name, n), serde_json::json!(n)).1,
                    Set::Bool(b) => (builder.bool(name, b), serde_json::json!(b)).1,
                    Set::Text(t) => (builder.text(name, t), serde_json::json!(t)).1,
                    Set::Instant(s) => {
                        if *name == "at" {
                            builder.at_instant(instant(s));
                        } else {
                            builder.instant(name, instant(s));
                        }
                        serde_json::json!(instant(s).to_string())
                    }
                    Set::Unset => (builder.unset(name), serde_json::Value::Null).1,
                };
                // written member by member: a name may repeat, as in a line
                members.push(format!("{}:{json}", serde_json::json!(name)));
            }
            let line = format!("{{{}}}", members.join(","));
            let built = builder.build();
            prop_assert_eq!(&built, &engine.parse_event(&line), "{}", line);
            // built again by the same builder (left empty by `build`), into an event (of
            // the same type, or of another), the same
            let mut seed = engine.event("make");
            seed.at("2026-11-28T10:00:00+08:00")
                .text("id", "seed")
                .count("n", 1)
                .bool("ok", true)
                .text("c", "red")
                .text("p", "1234");
            let mut other = engine.event("other");
            other.at("2026-11-28T10:00:00Z").text("id", "o");
            let mut into = match ops.len() % 2 {
                0 => seed.build(),
                _ => other.build(),
            }
            .expect("the seed event");
            let seed = into.clone();
            let again = &mut builder;
            for (name, set) in &ops {
                match set.clone() {
                    Set::Count(n) => again.count(name, n),
                    Set::Bool(b) => again.bool(name, b),
                    Set::Text(t) => again.text(name, t),
                    Set::Instant(s) if *name == "at" => again.at_instant(instant(s)),
                    Set::Instant(s) => again.instant(name, instant(s)),
                    Set::Unset => again.unset(name),
                };
            }
            match (again.build_into(&mut into), built) {
                (Ok(()), Ok(event)) => prop_assert_eq!(into, event),
                (Err(e), Err(expected)) => {
                    prop_assert_eq!(e, expected);
                    prop_assert_eq!(into, seed);
                }
                (got, expected) => prop_assert!(false, "{got:?} vs {expected:?}"),
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
