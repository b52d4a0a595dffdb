//! The table schemas: the files shipped in `schemas/` are what `docket schema` prints, and
//! every shipped table validates against its kind's schema and the any-kind one. The
//! validator below covers exactly the subset of JSON Schema the schemas use (listed in
//! `src/schema.rs`); a keyword outside it fails the test rather than being ignored.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn docket_schema(kind: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docket"));
    cmd.arg("schema").args(kind);
    let out = cmd.output().expect("the docket binary runs");
    assert!(out.status.success(), "docket schema {kind:?} failed");
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn shipped(file: &str) -> String {
    let path = Path::new(ROOT).join("schemas").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn schema(file: &str) -> Value {
    serde_json::from_str(&shipped(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn shipped_schemas_are_what_docket_schema_prints() {
    for kind in docket::schema::KINDS {
        assert_eq!(
            shipped(&format!("{kind}.json")),
            docket_schema(Some(kind)),
            "schemas/{kind}.json differs from `docket schema {kind}`: run it and commit the result"
        );
    }
    assert_eq!(shipped("table.json"), docket_schema(None));
    let mut files: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("schemas"))
        .expect("schemas/ exists")
        .map(|e| {
            e.expect("a listing")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "calendar.json",
            "limits.json",
            "messages.json",
            "requirements.json",
            "table.json"
        ]
    );
}

#[test]
fn an_unknown_kind_is_an_unusable_argument() {
    let out = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["schema", "limit"])
        .output()
        .expect("the docket binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout, b"");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: unknown table kind `limit`\n  = help: the kinds are `requirements`, `limits`, `messages`, `calendar`\n"
    );
}

/// Every table file shipped in the repository: `*.yaml` files with a top-level `kind:` under
/// `rules/` and `tests/policies/`.
fn shipped_tables() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![
        Path::new(ROOT).join("rules"),
        Path::new(ROOT).join("tests/policies"),
    ];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("a listing") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                let text = std::fs::read_to_string(&path).expect("readable");
                if text.lines().any(|l| l.starts_with("kind:")) {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    out
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"))
}

#[test]
fn every_shipped_table_validates_against_its_schema() {
    let tables = shipped_tables();
    // the four kinds are all represented
    assert!(tables.len() >= 9, "{tables:?}");
    let any = schema("table.json");
    let mut kinds = std::collections::BTreeSet::new();
    for path in tables {
        let text = std::fs::read_to_string(&path).expect("readable");
        let table = yaml(&text);
        let kind = table["kind"].as_str().expect("a kind").to_string();
        let own = schema(&format!("{kind}.json"));
        let errors = validate(&own, &table, "");
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        let errors = validate(&any, &table, "");
        assert!(
            errors.is_empty(),
            "{} (table.json): {errors:#?}",
            path.display()
        );
        kinds.insert(kind);
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
}

/// The schemas refuse what the loader refuses, where a schema can tell.
#[test]
fn the_schemas_refuse_broken_tables() {
    let any = schema("table.json");
    let cases = [
        ("kind: limit\nlimits: {}\n", "kind"),
        ("kind: limits\nlimits:\n  w: { duration: 24x }\n", "/limits/w/duration"),
        ("kind: limits\nlimits:\n  w: { duration: 24h, count: 5 }\n", "/limits/w"),
        ("kind: limits\nlimits:\n  w: { note: none }\n", "/limits/w"),
        ("kind: limits\nlimits:\n  w: { count: -1 }\n", "/limits/w/count"),
        ("kind: limits\nlimits:\n  Window: { count: 1 }\n", "/limits"),
        ("kind: limits\nlimits:\n  p: { period: 1 moth }\n", "/limits/p/period"),
        (
            "kind: messages\nmessages:\n  m: { text: t, reslt: r, next_step: n }\n",
            "/messages/m",
        ),
        ("kind: messages\nmessages:\n  m: { text: [t], result: r, next_step: n }\n", "/messages/m/text"),
        ("kind: calendar\nworking_days: [funday]\nholidays: []\n", "/working_days/0"),
        (
            "kind: calendar\nworking_days: []\nholidays: [ { date: 25-12-2026 } ]\n",
            "/holidays/0/date",
        ),
        (
            "kind: requirements\nkeys: []\nof: role\nvalues: [a]\nrows: []\n",
            "/keys",
        ),
        (
            "kind: requirements\nkeys: [s]\nof: role\nvalues: [a]\nrows: [ { s: x, required: [A] } ]\n",
            "/rows/0/required/0",
        ),
        ("kind: requirements\nkeys: [s]\nof: role\nvalues: [a]\n", ""),
    ];
    for (text, at) in cases {
        let table = yaml(text);
        let kind = table["kind"].as_str().unwrap_or_default();
        let errors = validate(&any, &table, "");
        assert!(!errors.is_empty(), "table.json accepts:\n{text}");
        if docket::schema::KINDS.contains(&kind) {
            let own = schema(&format!("{kind}.json"));
            let errors = validate(&own, &table, "");
            assert!(
                errors.iter().any(|e| e.starts_with(&format!("{at}:"))),
                "{kind}.json should refuse at `{at}`:\n{text}\n{errors:#?}"
            );
        }
    }
}

#[test]
fn the_validator_checks_each_keyword() {
    let s: Value = serde_json::json!({
        "type": "object", "required": ["a"], "additionalProperties": false,
        "properties": { "a": { "type": "array", "minItems": 1, "uniqueItems": true,
                               "items": { "enum": ["x", "y"] } },
                        "b": { "type": "integer", "minimum": 0 } },
    });
    assert!(validate(&s, &serde_json::json!({"a": ["x"], "b": 0}), "").is_empty());
    for bad in [
        serde_json::json!({}),
        serde_json::json!({"a": []}),
        serde_json::json!({"a": ["x", "x"]}),
        serde_json::json!({"a": ["z"]}),
        serde_json::json!({"a": ["x"], "b": -1}),
        serde_json::json!({"a": ["x"], "b": 1.5}),
        serde_json::json!({"a": ["x"], "c": 1}),
        serde_json::json!([]),
    ] {
        assert!(!validate(&s, &bad, "").is_empty(), "{bad}");
    }
}

/// The errors of `value` against `schema`, each `path: what`.
fn validate(schema: &Value, value: &Value, path: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let Some(s) = schema.as_object() else {
        panic!("a schema is an object: {schema}");
    };
    let fail = |errors: &mut Vec<String>, what: String| errors.push(format!("{path}: {what}"));
    for (keyword, arg) in s {
        match keyword.as_str() {
            "$schema" | "title" | "description" => {}
            "type" => {
                let ok = match arg.as_str() {
                    Some("object") => value.is_object(),
                    Some("array") => value.is_array(),
                    Some("string") => value.is_string(),
                    Some("integer") => value.is_i64() || value.is_u64(),
                    other => panic!("type {other:?} is outside the subset"),
                };
                if !ok {
                    fail(&mut errors, format!("expected {arg}, found {value}"));
                }
            }
            "const" if value != arg => fail(&mut errors, format!("expected {arg}")),
            "enum" => {
                if !arg.as_array().expect("enum is a list").contains(value) {
                    fail(&mut errors, format!("{value} is not one of {arg}"));
                }
            }
            "pattern" => {
                if let Some(text) = value.as_str() {
                    let re = regex_lite::Regex::new(arg.as_str().expect("a pattern"))
                        .expect("the schema's pattern compiles");
                    if !re.is_match(text) {
                        fail(&mut errors, format!("{text:?} does not match {arg}"));
                    }
                }
            }
            "minimum" => {
                if let Some(n) = value.as_f64() {
                    if n < arg.as_f64().expect("a number") {
                        fail(&mut errors, format!("{n} is below {arg}"));
                    }
                }
            }
            "minItems" => {
                if let Some(items) = value.as_array() {
                    if (items.len() as u64) < arg.as_u64().expect("a count") {
                        fail(&mut errors, format!("fewer than {arg} items"));
                    }
                }
            }
            "uniqueItems" => {
                if let (Some(items), Some(true)) = (value.as_array(), arg.as_bool()) {
                    for (i, item) in items.iter().enumerate() {
                        if items[..i].contains(item) {
                            fail(&mut errors, format!("{item} is repeated"));
                        }
                    }
                }
            }
            "items" => {
                if let Some(items) = value.as_array() {
                    for (i, item) in items.iter().enumerate() {
                        errors.extend(validate(arg, item, &format!("{path}/{i}")));
                    }
                }
            }
            "required" => {
                if let Some(map) = value.as_object() {
                    for key in arg.as_array().expect("a list") {
                        let key = key.as_str().expect("a key");
                        if !map.contains_key(key) {
                            fail(&mut errors, format!("missing `{key}`"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(map) = value.as_object() {
                    for (key, sub) in arg.as_object().expect("a mapping") {
                        if let Some(v) = map.get(key) {
                            errors.extend(validate(sub, v, &format!("{path}/{key}")));
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(map) = value.as_object() {
                    let declared = s.get("properties").and_then(Value::as_object);
                    for (key, v) in map {
                        if declared.is_some_and(|d| d.contains_key(key)) {
                            continue;
                        }
                        match arg {
                            Value::Bool(false) => fail(&mut errors, format!("unknown key `{key}`")),
                            Value::Bool(true) => {}
                            sub => errors.extend(validate(sub, v, &format!("{path}/{key}"))),
                        }
                    }
                }
            }
            "propertyNames" => {
                if let Some(map) = value.as_object() {
                    for key in map.keys() {
                        let v = Value::String(key.clone());
                        errors.extend(validate(arg, &v, path));
                    }
                }
            }
            "oneOf" => {
                let passing = arg
                    .as_array()
                    .expect("a list")
                    .iter()
                    .filter(|sub| validate(sub, value, path).is_empty())
                    .count();
                if passing != 1 {
                    fail(
                        &mut errors,
                        format!("matches {passing} of the `oneOf` schemas, not exactly 1"),
                    );
                }
            }
            "const" => {}
            other => panic!("keyword `{other}` is outside the validator's subset"),
        }
    }
    errors
}
