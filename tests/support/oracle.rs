//! Running streams through the engine, and comparing its records with the reference model's
//! and with each other.

use docket::{Engine, World};
use serde_json::Value;
use std::collections::BTreeSet;

/// One output record of the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Out {
    /// The record's JSON text.
    pub json: String,
    /// Whether the line was refused.
    pub error: bool,
}

/// Runs `lines` through `engine` on a fresh world, numbering them from 1.
pub fn run_engine(engine: &Engine, lines: &[String]) -> Vec<Out> {
    let mut world = World::new();
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| run_one(engine, &mut world, i + 1, line))
        .collect()
}

/// Runs one line.
pub fn run_one(engine: &Engine, world: &mut World, seq: usize, line: &str) -> Out {
    let record = engine.run_line(world, seq, line);
    Out {
        json: record.to_json(),
        error: record.is_error(),
    }
}

/// Parses an output record.
pub fn parse(json: &str) -> Value {
    serde_json::from_str(json)
        .unwrap_or_else(|e| panic!("an output record is no JSON ({e}): {json}"))
}

/// Compares the engine's record of a line with the model's: an accepted line byte for byte, an
/// error line by `seq`, `type` and `at` (error texts may differ). `Err` says how they differ.
pub fn agree(engine: &Out, model: &str, model_ok: bool) -> Result<(), String> {
    match (engine.error, model_ok) {
        (false, true) if engine.json == model => Ok(()),
        (false, true) => Err("both accepted the line, with different records".into()),
        (true, false) => {
            let (e, m) = (parse(&engine.json), parse(model));
            for key in ["seq", "type", "at"] {
                if e.get(key) != m.get(key) {
                    return Err(format!("both refused the line, but their `{key}` differs"));
                }
            }
            if m.get("error").is_none() {
                return Err("the model's error record has no `error`".into());
            }
            Ok(())
        }
        (true, true) => Err("the engine refused the line, the model accepted it".into()),
        (false, false) => Err("the engine accepted the line, the model refused it".into()),
    }
}

/// A record with its `at` removed and an error's text reduced to `true`: what must not change
/// when only the way time is written changes.
pub fn masked(json: &str) -> Value {
    let mut v = parse(json);
    if let Some(o) = v.as_object_mut() {
        o.remove("at");
        if o.contains_key("error") {
            o.insert("error".into(), Value::Bool(true));
        }
    }
    v
}

/// The well-formed verification codes and certificate digits of a stream (contract §3: the
/// output never contains one). Certificates are given upper case.
pub fn secrets(lines: &[String]) -> BTreeSet<String> {
    let is_secret = |key: &str, s: &str| {
        let b = s.as_bytes();
        b.len() == 6
            && b[..5].iter().all(u8::is_ascii_digit)
            && (b[5].is_ascii_digit() || (key == "cert_last6" && (b[5] | 0x20) == b'x'))
    };
    let mut found = BTreeSet::new();
    for line in lines {
        let Ok(Value::Object(ev)) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let mut fields: Vec<(&str, &Value)> = Vec::new();
        for (k, v) in &ev {
            fields.push((k, v));
            if let Value::Array(ps) = v {
                for p in ps.iter().filter_map(|p| p.as_object()) {
                    fields.extend(p.iter().map(|(k, v)| (k.as_str(), v)));
                }
            }
        }
        for (k, v) in fields {
            if let (true, Some(s)) = (k == "code" || k == "cert_last6", v.as_str()) {
                if is_secret(k, s) {
                    found.insert(s.to_ascii_uppercase());
                }
            }
        }
    }
    found
}

/// A secret of `secrets` found in `output` (either case of a final `X`).
pub fn leaked<'a>(output: &str, secrets: &'a BTreeSet<String>) -> Option<&'a str> {
    secrets
        .iter()
        .find(|s| output.contains(s.as_str()) || output.contains(&s.to_ascii_lowercase()))
        .map(String::as_str)
}

/// The lines of a stream, numbered, for a failure report.
pub fn listing(lines: &[String]) -> String {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{:>3} {l}\n", i + 1))
        .collect()
}
