//! A first look at the docket library: load the built-in ICP policy, run a few events, print
//! what they did, then save the world and carry on from the saved copy.
//!
//! Run it with `cargo run --example quickstart`.

use docket::{Engine, Record, RecordBody, World};

fn main() {
    // The shipped ICP SMS-validation policy (`rules/icp/`), embedded in the library at build
    // time. `Engine::load("rules/icp")` reads the same policy from disk instead; either way,
    // every problem in the policy comes back at once, rendered like compiler diagnostics.
    let engine = match Engine::builtin_icp() {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("{}", e.render());
            std::process::exit(2);
        }
    };

    // The world holds every filing seen so far. The engine itself is immutable: the same
    // engine can serve many worlds, from many threads.
    let mut world = World::new();

    // Events are JSON objects, one per line, exactly as `docket run` reads them. Time is
    // whatever the events say: the engine never reads the wall clock.
    let events = [
        // A one-person first filing of an app: only the entity leader must validate.
        r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"ICP-0001","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800138000","cert_last6":"52817X"}]}"#,
        // MIIT sends the verification code: the 24-hour validation window opens.
        r#"{"type":"sms_sent","at":"2026-11-28T10:30:00+08:00","filing":"ICP-0001","phone":"13800138000","code":"482913","sender":"12381"}"#,
        // A typo in the code: one failed attempt out of the five allowed.
        r#"{"type":"validation_attempt","at":"2026-11-28T10:40:00+08:00","phone":"13800138000","code":"482931","cert_last6":"52817X"}"#,
        // Bad input is an error record, not a decision, and changes nothing.
        r#"{"type":"validation_attempt","at":"2026-11-28T10:41:00+08:00","phone":"13800138000","code":"48291","cert_last6":"52817X"}"#,
    ];
    for (i, line) in events.iter().enumerate() {
        // `seq` is the line number used in error messages.
        let record = engine.run_line(&mut world, i + 1, line);
        print_record(&record);
    }

    // Save the world (JSON text: keep it private, it holds verification codes) and load it
    // back, as `docket run --state FILE` does between runs.
    let saved = engine.save_world(&world);
    let mut reloaded = match engine.load_world(&saved) {
        Ok(world) => world,
        Err(e) => {
            eprintln!("the saved world does not load: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "-- saved {} bytes; continuing from the reloaded world",
        saved.len()
    );

    // The right code, on the reloaded world: validation is complete. This time the event is
    // built from Rust values rather than JSON text; `build` checks it exactly as a line is
    // checked (a misspelt field or a five-digit code is the same `EventError`).
    let at = "2026-11-28T10:45:00+08:00";
    let attempt = engine
        .event("validation_attempt")
        .at(at)
        .text("phone", "13800138000")
        .text("code", "482913")
        .text("cert_last6", "52817X")
        .build();
    let attempt = match attempt {
        Ok(event) => event,
        Err(e) => {
            eprintln!("the event is refused: {e}");
            std::process::exit(1);
        }
    };
    let from_reloaded = Record {
        seq: 5,
        event_type: Some(attempt.type_name().into()),
        at: Some(at.to_string()),
        body: match engine.apply(&mut reloaded, &attempt) {
            Ok(outcomes) => RecordBody::Outcomes(outcomes),
            Err(e) => RecordBody::Error(format!("line 5: {e}")),
        },
    };
    print_record(&from_reloaded);

    // The same event as a JSON line, on the original world, gives the very same answer:
    // evaluation is deterministic.
    let last = r#"{"type":"validation_attempt","at":"2026-11-28T10:45:00+08:00","phone":"13800138000","code":"482913","cert_last6":"52817X"}"#;
    let from_original = engine.run_line(&mut world, 5, last);
    assert_eq!(from_original.to_json(), from_reloaded.to_json());

    // The exact line `docket run` would print for it.
    println!("-- as JSON: {}", from_reloaded.to_json());
}

/// Prints one record as `line N: filing status [message ids]`, or its error.
fn print_record(record: &Record) {
    match &record.body {
        RecordBody::Error(error) => println!("{error}"),
        RecordBody::Outcomes(outcomes) if outcomes.is_empty() => {
            println!("line {}: no change", record.seq);
        }
        RecordBody::Outcomes(outcomes) => {
            for o in outcomes {
                let ids: Vec<&str> = o.messages.iter().map(|m| m.id.as_str()).collect();
                println!(
                    "line {}: {} {} [{}]",
                    record.seq,
                    o.case.as_deref().unwrap_or("-"),
                    o.status.as_deref().unwrap_or("-"),
                    ids.join(", ")
                );
            }
        }
    }
}
