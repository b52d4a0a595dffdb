//! The checker on small policies: what it refuses (and says), what it accepts, and what the
//! accepted policies then do.

use super::fields::{MAX_DERIVED_DEPTH, MAX_DERIVED_STEPS};
use super::unknown;
use crate::ast::Ident;
use crate::span::{Source, Span};
use crate::{Engine, Severity, World};

const MESSAGES: &str = "kind: messages
messages:
  done: { text: \"Done.\", result: \"done\", next_step: \"none\" }
  yes: { text: \"Yes.\", result: \"yes\", next_step: \"none\" }
  no: { text: \"No.\", result: \"no\", next_step: \"none\" }
";

/// A small policy; `/*CASE*/`, `/*PARTS*/`, `/*EVENT*/`, `/*DECL*/` and `/*RULES*/` are
/// where a test adds case fields, participant fields, fields of event `e`, declarations
/// and rules of the handler of `e` (which creates a `thing` keyed `event.k`).
const BASE: &str = "
statuses { open: open  done: final }
case thing key id: text {
  a: text?
  b: text = \"\"
  tags: set<text> = []
  /*CASE*/
}
participants people in thing {
  phone: text
  code: text?
  /*PARTS*/
}
event e { k: text, l: list<text> /*EVENT*/ }
/*DECL*/
on e for new thing(event.k) {
  /*RULES*/
  rule finish { emit done }
}
";

#[derive(Default)]
struct Edit<'a> {
    case: &'a str,
    parts: &'a str,
    event: &'a str,
    decl: &'a str,
    rules: &'a str,
    tables: &'a [(&'a str, &'a str)],
}

fn sources(edit: &Edit) -> Vec<Source> {
    let text = BASE
        .replace("/*CASE*/", edit.case)
        .replace("/*PARTS*/", edit.parts)
        .replace("/*EVENT*/", edit.event)
        .replace("/*DECL*/", edit.decl)
        .replace("/*RULES*/", edit.rules);
    let mut out = vec![
        Source::new("messages.yaml", MESSAGES),
        Source::new("t.docket", text),
    ];
    out.extend(edit.tables.iter().map(|(n, t)| Source::new(*n, *t)));
    out
}

fn load(edit: &Edit) -> Result<Engine, crate::LoadError> {
    Engine::from_sources(sources(edit))
}

/// The errors of a policy that must not load: each headline, then its help.
fn errors(edit: &Edit) -> Vec<String> {
    match load(edit) {
        Ok(_) => panic!("the policy should not load"),
        Err(e) => e
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{} | {}", d.message, d.help.clone().unwrap_or_default()))
            .collect(),
    }
}

/// The one error of a policy that must not load.
fn error(edit: &Edit) -> String {
    let mut es = errors(edit);
    assert_eq!(es.len(), 1, "{es:#?}");
    es.remove(0)
}

fn loads(edit: &Edit) -> Engine {
    match load(edit) {
        Ok(e) => e,
        Err(e) => panic!("the policy should load:\n{}", e.render()),
    }
}

/// The output records of `lines` (JSON events), run in order on a new world.
fn run(edit: &Edit, lines: &[&str]) -> Vec<String> {
    let engine = loads(edit);
    let mut world = World::new();
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| engine.run_line(&mut world, i + 1, l).to_json())
        .collect()
}

const E1: &str = r#"{"type":"e","at":"2026-01-01T00:00:00Z","k":"T1","l":["x"]}"#;

fn derived_chain(n: usize, body: impl Fn(usize) -> String) -> String {
    let mut out = String::from("d0 = true\n");
    for i in 1..n {
        out.push_str(&format!("d{i} = {}\n", body(i)));
    }
    out
}

// ── 1. derived fields are bounded ──────────────────────────────────────────

#[test]
fn a_derived_field_read_twice_at_each_level_is_refused_where_it_grows_too_big() {
    // d{i} = d{i-1} and d{i-1}: 5 nodes and two reads, so d_k expands to 6·2^k − 5 nodes
    let case = derived_chain(40, |i| format!("d{} and d{}", i - 1, i - 1));
    let e = error(&Edit {
        case: &case,
        ..Edit::default()
    });
    assert!(
        e.starts_with(&format!(
            "`d11` expands to more than {MAX_DERIVED_STEPS} steps when evaluated | "
        )),
        "{e}"
    );
    assert!(e.contains("store it in a field set by a rule"), "{e}");
    // one level less is fine, and so are its readers that read it once
    let case = derived_chain(11, |i| format!("d{} and d{}", i - 1, i - 1));
    loads(&Edit {
        case: &case,
        ..Edit::default()
    });
}

#[test]
fn a_long_chain_of_derived_fields_is_refused_once_at_its_limit() {
    let parts = derived_chain(20_000, |i| format!("d{}", i - 1));
    let e = error(&Edit {
        parts: &parts,
        ..Edit::default()
    });
    assert!(
        e.starts_with(&format!(
            "`d{MAX_DERIVED_DEPTH}` is derived through a chain of {} derived fields, more than {MAX_DERIVED_DEPTH}",
            MAX_DERIVED_DEPTH + 1
        )),
        "{e}"
    );
    let parts = derived_chain(MAX_DERIVED_DEPTH, |i| format!("d{}", i - 1));
    loads(&Edit {
        parts: &parts,
        ..Edit::default()
    });
}

#[test]
fn derived_fields_of_the_case_cannot_read_those_of_its_participants() {
    // which also rules out a loop between the two
    for parts in ["d = thing.c", "d = 5"] {
        let e = error(&Edit {
            case: "c = any(p in thing.people: p.d)",
            parts,
            ..Edit::default()
        });
        assert!(
            e.starts_with("`d` is a derived field this one cannot read yet"),
            "{e}"
        );
    }
    loads(&Edit {
        case: "c = 5",
        parts: "d = thing.c",
        ..Edit::default()
    });
}

// ── 2. sensitivity goes through field access ───────────────────────────────

/// A sensitive value is sealed, as text, in stores and state files: only text and formats
/// (optional or not) may be declared sensitive, in events, records, cases and participants.
#[test]
fn only_text_can_be_declared_sensitive() {
    for (event, case) in [
        (", s: {a: text} sensitive", ""),
        (", n: count sensitive", ""),
        (", items: list<text> sensitive", ""),
        (", st: status sensitive", ""),
        (", p: list<{a: count sensitive}>", ""),
        ("", "wait: duration sensitive = 1h"),
        ("", "yes: bool? sensitive"),
    ] {
        let e = error(&Edit {
            event,
            case,
            ..Edit::default()
        });
        assert!(
            e.contains("is declared sensitive, but") && e.contains("cannot be sealed"),
            "{event}{case}: {e}"
        );
        assert!(e.contains("only text may be sensitive"), "{e}");
    }
    loads(&Edit {
        event: ", s: text sensitive, p: list<{a: text? sensitive}>",
        case: "sc: text? sensitive",
        ..Edit::default()
    });
}

#[test]
fn an_item_of_a_sensitive_list_has_sensitive_fields() {
    let e = error(&Edit {
        event: ", items: list<{v: text sensitive}>",
        rules: "rule r for x in event.items { reject k \"{x.v}\" }",
        ..Edit::default()
    });
    assert!(
        e.starts_with("`x.v` is sensitive and cannot be written into a message"),
        "{e}"
    );
}

#[test]
fn a_sensitive_value_cannot_route_an_event() {
    let e = error(&Edit {
        decl: "event f { k: text sensitive }\non f for thing(event.k) { rule r { emit yes } }",
        ..Edit::default()
    });
    assert!(
        e.starts_with("`event.k` is sensitive and cannot be the key of a `thing`"),
        "{e}"
    );
}

const LEVELS: &str = "kind: requirements
keys: [kind]
of: level
values: [low, high]
rows:
  - { kind: a, required: [low] }
  - { kind: b, required: [low, high] }
";

// ── 2b. sensitivity goes through everything computed ───────────────────────

/// Event `e` with a sensitive text `s` and a count `n`; the case with a sensitive `sc`.
fn secret_edit<'a>(rules: &'a str) -> Edit<'a> {
    Edit {
        event: ", s: text sensitive, n: count",
        case: "sc: text? sensitive\n  flag: bool = false\n  same = sc is set and sc == b",
        rules,
        ..Edit::default()
    }
}

#[test]
fn a_value_computed_from_a_sensitive_one_is_never_shown() {
    for value in [
        "event.s == \"a\"",
        "event.s != \"a\"",
        "event.s matches /^a/",
        "event.s in event.l",
        "\"a\" in [event.s]",
        "length(event.s) > 1",
        "length(event.s) + event.n",
        "length(event.s) * 2",
        "not (event.s == \"a\")",
        "event.s == \"a\" and true",
        "false or event.s == \"a\"",
        "thing.a ?? event.s",
        "count([x in event.l where x == event.s])",
        "any(x in event.l: x == event.s)",
        "all(x in event.l: x != event.s)",
        "[x in event.l where x == event.s]",
        "event.l - [x in event.l where x == event.s]",
        "[event.s]",
        "count([p in people where p.phone == event.s])",
        "thing.same",
    ] {
        let rules = format!("rule r {{ show x = {value} }}");
        let e = error(&secret_edit(&rules));
        assert!(
            e.contains("`show x` would put") && e.contains("sensitive value in the output"),
            "{value}: {e}"
        );
    }
}

#[test]
fn a_value_computed_from_a_sensitive_one_is_never_written_or_stored() {
    let e = error(&secret_edit(
        "rule r { reject k \"{length(event.s) + 1}\" }",
    ));
    assert!(
        e.starts_with(
            "`length(event.s) + 1` is computed from a sensitive value and cannot be written"
        ),
        "{e}"
    );
    let e = error(&secret_edit("rule r { set thing.flag = event.s == \"a\" }"));
    assert!(
        e.starts_with("a value computed from a sensitive value cannot be stored in `flag`"),
        "{e}"
    );
    // a derived field computed from a sensitive one feeds no plain field either
    let e = error(&secret_edit("rule r { set thing.flag = thing.same }"));
    assert!(
        e.starts_with("a sensitive value cannot be stored in `flag`"),
        "{e}"
    );
    // an interpolated text is computed from what it interpolates
    let es = errors(&secret_edit(
        "rule r { add people(phone: thing.b, code: \"{count([x in event.l where x == event.s])}\") }",
    ));
    assert_eq!(es.len(), 2, "{es:#?}");
    assert!(
        es[0].starts_with("a value computed from a sensitive value cannot be stored in `code`"),
        "{es:#?}"
    );
    assert!(
        es[1].contains("cannot be written into a message"),
        "{es:#?}"
    );
    let e = error(&Edit {
        case: "sc: text? sensitive",
        decl: "deadline later = @2026-01-01T00:00:00Z + length(thing.sc ?? \"\") * 1h",
        ..Edit::default()
    });
    assert!(
        e.starts_with("deadline `later` is computed from a sensitive value"),
        "{e}"
    );
}

#[test]
fn a_sensitive_value_steers_rules_without_being_shown() {
    // guards, filter conditions and `for` sources may read it; the items of a list it chose
    // are not sensitive themselves, and a presence test reveals no value
    let engine = loads(&secret_edit(
        "let chosen = [x in event.l where x == event.s]
  rule a when event.s == \"a\" and count(chosen) > 0 { show y = 1 }
  rule b for x in chosen { show x = x  set thing.b = x }
  rule c for p in [q in thing.people where q.phone == event.s] { set thing.b = p.phone }
  rule d { show known = thing.sc is set }",
    ));
    assert_eq!(engine.case_name(), "thing");
    let out = run(
        &secret_edit(
            "let chosen = [x in event.l where x == event.s]
  rule b for x in chosen { show x = x }",
        ),
        &[r#"{"type":"e","at":"2026-01-01T00:00:00Z","k":"T1","l":["x","y"],"s":"y","n":1}"#],
    );
    assert!(out[0].contains(r#""x":"y""#), "{}", out[0]);
}

// ── 3 and 4. what a guard proves, and for how long ────────────────────────

#[test]
fn setting_a_field_forgets_that_the_guard_proved_it_set() {
    let e = error(&Edit {
        rules: "rule r when thing.a is set { set thing.a = unset  set thing.b = thing.a }",
        ..Edit::default()
    });
    assert!(
        e.starts_with("expected text, found text that may be unset"),
        "{e}"
    );
    // through another path to the same field too
    let e = error(&Edit {
        rules: "rule r for p in thing.people when thing.a is set {
                  set p.thing.a = unset
                  set thing.b = thing.a
                }",
        ..Edit::default()
    });
    assert!(
        e.starts_with("expected text, found text that may be unset"),
        "{e}"
    );
    // reading it before the `set` is fine
    loads(&Edit {
        rules: "rule r when thing.a is set { set thing.b = thing.a  set thing.a = unset }",
        ..Edit::default()
    });
}

#[test]
fn a_new_variable_of_the_same_name_is_not_narrowed() {
    let e = error(&Edit {
        rules: "rule r for p in thing.people when p.code is set {
                  add people(phone: \"1\") as p { set thing.b = p.code }
                }",
        ..Edit::default()
    });
    assert!(
        e.starts_with("expected text, found text that may be unset"),
        "{e}"
    );
    let e = error(&Edit {
        rules: "rule r for p in thing.people
                  when p.code is set and any(p in thing.people: p.code matches /^x/) {
                  emit yes
                }",
        ..Edit::default()
    });
    assert!(e.starts_with("only text can match a pattern"), "{e}");
}

#[test]
fn else_blocks_and_not_narrow() {
    for rules in [
        "rule r when thing.a is unset { emit no } else { set thing.b = thing.a }",
        "rule r when not (thing.a is unset) { set thing.b = thing.a }",
        "rule r when not not (thing.a is set) { set thing.b = thing.a }",
        "rule r when not (thing.a is set) { emit no } else { set thing.b = thing.a }",
        // De Morgan: the else of `x or a is unset` knows `not x and a is set`
        "rule r when thing.b == \"\" or thing.a is unset { emit no } else { set thing.b = thing.a }",
        "rule r when thing.a is set and thing.b == \"\" { set thing.b = thing.a }",
        "rule r when thing.a is unset or thing.a == \"\" { emit no } else { set thing.b = thing.a }",
        "rule r when not (thing.a is unset or thing.b == \"\") { set thing.b = thing.a }",
        "rule r when thing.a is unset or thing.a matches /^x/ { emit no }",
        "rule r when not (thing.a is unset) and thing.a matches /^x/ { emit no }",
        "rule r when (thing.a is set and true) or (false and thing.a is set) { set thing.b = thing.a }",
    ] {
        if let Err(e) = load(&Edit {
            rules,
            ..Edit::default()
        }) {
            panic!("{rules}\n{}", e.render());
        }
    }
    for rules in [
        // what a guard proves holds in one block only
        "rule r when thing.a is set { emit yes } else { set thing.b = thing.a }",
        "rule r when thing.a is unset { set thing.b = thing.a }",
        "rule r when not (thing.a is set) { set thing.b = thing.a }",
        // either side may have made it true
        "rule r when thing.b == \"\" or thing.a is set { set thing.b = thing.a }",
        "rule r when thing.a is set and thing.b == \"\" { emit no } else { set thing.b = thing.a }",
        "rule r when (thing.a is set and true) or true { set thing.b = thing.a }",
    ] {
        let es = errors(&Edit {
            rules,
            ..Edit::default()
        });
        assert!(
            es.len() == 1 && es[0].contains("may be unset"),
            "{rules}: {es:#?}"
        );
    }
}

// ── 5. a type name means one enumeration ───────────────────────────────────

#[test]
fn two_tables_may_not_declare_one_type() {
    let grades = LEVELS
        .replace("keys: [kind]", "keys: [grade]")
        .replace("{ kind:", "{ grade:");
    let es = errors(&Edit {
        tables: &[("levels.yaml", LEVELS), ("more_levels.yaml", &grades)],
        ..Edit::default()
    });
    assert_eq!(es.len(), 1, "{es:#?}");
    assert!(
        es[0].starts_with("tables `levels` and `more_levels` both declare the type `level`"),
        "{es:#?}"
    );
    let e = load(&Edit {
        tables: &[("levels.yaml", LEVELS), ("more_levels.yaml", &grades)],
        ..Edit::default()
    })
    .expect_err("two tables of one type");
    let d = &e.diagnostics[0];
    assert_eq!(e.sources[d.source].name, "more_levels.yaml");
    assert_eq!(d.label.as_deref(), Some("the first is at levels.yaml:3"));
}

#[test]
fn a_table_may_not_declare_the_type_of_statuses_or_a_built_in_type() {
    for (of, want) in [
        (
            "status",
            "table `levels` declares the type `status`, which is the type of the statuses",
        ),
        (
            "text",
            "table `levels` declares the type `text`, which is built in",
        ),
    ] {
        let table = LEVELS.replace("of: level", &format!("of: {of}"));
        let es = errors(&Edit {
            tables: &[("levels.yaml", &table)],
            ..Edit::default()
        });
        assert!(es.len() == 1 && es[0].starts_with(want), "{es:#?}");
    }
    let e = error(&Edit {
        decl: "format level = /^x$/ \"x\"",
        tables: &[("levels.yaml", LEVELS)],
        ..Edit::default()
    });
    assert!(
        e.starts_with("the type `level` is declared by table `levels` already"),
        "{e}"
    );
}

#[test]
fn a_lookup_gives_values_of_its_own_table() {
    let grades = "kind: requirements
keys: [kind]
of: grade
values: [high, low]
rows:
  - { kind: a, required: [high] }
";
    let out = run(
        &Edit {
            event: ", kind: levels.kind",
            rules:
                "rule r when levels[event.kind] == [low] and grades[\"a\"] == [high] { emit yes }",
            tables: &[("grades.yaml", grades), ("levels.yaml", LEVELS)],
            ..Edit::default()
        },
        &[r#"{"type":"e","at":"2026-01-01T00:00:00Z","k":"T1","l":[],"kind":"a"}"#],
    );
    assert!(out[0].contains(r#""id":"yes""#), "{out:?}");
}

// ── 6. sets and lists ──────────────────────────────────────────────────────

#[test]
fn a_set_compares_with_a_list_written_out_but_not_with_a_list_value() {
    let e = error(&Edit {
        rules: "rule r when thing.tags == event.l { emit yes }",
        ..Edit::default()
    });
    assert!(
        e.starts_with(
            "cannot compare a set of texts with a list of texts | a set never equals a list"
        ),
        "{e}"
    );
    let out = run(
        &Edit {
            rules: "rule fill { set thing.tags = event.l }
                    rule r when thing.tags == [\"x\", \"x\"] and [\"x\"] == thing.tags
                      and thing.tags != [\"y\"] and thing.tags == [] + event.l { emit yes }",
            ..Edit::default()
        },
        &[E1],
    );
    assert!(out[0].contains(r#""id":"yes""#), "{out:?}");
}

#[test]
fn a_list_stored_in_a_set_field_becomes_a_set_everywhere() {
    let out = run(
        &Edit {
            case: "more: set<text> = [\"b\", \"a\", \"b\"]  maybe: set<text>?",
            parts: "roles: set<text> = []",
            event: ", ol: list<text>?",
            rules: "rule fill when event.ol is set {
                      set thing.maybe = event.ol
                      add people(phone: \"1\", roles: [\"b\", \"a\", \"b\"]) as p {
                        set p.roles = p.roles
                      }
                    }
                    rule r for p in thing.people
                      when thing.more == [\"a\", \"b\"] and count(thing.more) == 2
                       and thing.maybe == [\"x\"] and p.roles == [\"a\", \"b\"]
                       and count(p.roles) == 2 {
                      emit yes
                    }",
            ..Edit::default()
        },
        &[r#"{"type":"e","at":"2026-01-01T00:00:00Z","k":"T1","l":[],"ol":["x","x"]}"#],
    );
    assert!(out[0].contains(r#""id":"yes""#), "{out:?}");
    // a list that may be unset would become an empty set: it must be checked first
    let e = error(&Edit {
        case: "maybe: set<text>?",
        event: ", ol: list<text>?",
        rules: "rule fill { set thing.maybe = event.ol }",
        ..Edit::default()
    });
    assert!(
        e.starts_with("a list of texts that may be unset cannot be stored in a set of texts"),
        "{e}"
    );
}

// ── 7. `show` names ────────────────────────────────────────────────────────

#[test]
fn show_names_may_not_repeat_the_keys_of_an_outcome() {
    let es = errors(&Edit {
        rules: "rule r { show status = 1  show messages = 2  show thing = 3  show other = 4 }",
        ..Edit::default()
    });
    assert_eq!(es.len(), 3, "{es:#?}");
    for (e, name) in es.iter().zip(["status", "messages", "thing"]) {
        assert!(
            e.starts_with(&format!(
                "`show {name}` would repeat a key every outcome has already"
            )),
            "{e}"
        );
    }
}

// ── 8. "did you mean" ──────────────────────────────────────────────────────

#[test]
fn the_suggestion_does_not_depend_on_the_order_of_candidates() {
    let id = Ident {
        name: "lvel".into(),
        span: Span::default(),
    };
    let orders = [
        ["levels", "lvls", "level", "label"],
        ["label", "level", "lvls", "levels"],
        ["lvls", "label", "levels", "level"],
    ];
    for cands in orders {
        match unknown("table", &id, cands) {
            super::CheckError::Unknown { suggestion, .. } => {
                assert_eq!(suggestion.as_deref(), Some("level"), "{cands:?}")
            }
            other => panic!("{other:?}"),
        }
    }
    // the listing, when there is no suggestion, keeps the order given
    let far = Ident {
        name: "zzzzzz".into(),
        span: Span::default(),
    };
    assert_eq!(
        unknown("value", &far, ["open", "closed", "done"])
            .help()
            .as_deref(),
        Some("expected one of `open`, `closed`, `done`")
    );
}

// ── 9. formats ─────────────────────────────────────────────────────────────

#[test]
fn values_of_two_formats_are_never_compared() {
    let e = error(&Edit {
        decl: "format f1 = /^[0-9]+$/ \"digits\"\nformat f2 = /^[a-z]+$/ \"letters\"",
        event: ", x: f1, y: f2",
        rules: "rule r when event.x == event.y { emit yes }",
        ..Edit::default()
    });
    assert!(e.starts_with("a `f1` is never a `f2`"), "{e}");
    // text with a format, and a format with itself, are fine
    loads(&Edit {
        decl: "format f1 = /^[0-9]+$/ \"digits\"",
        event: ", x: f1, y: f1",
        rules: "rule r when event.x == event.y and event.x != event.k and event.k == event.x { emit yes }",
        ..Edit::default()
    });
}

// ── 10. message templates ──────────────────────────────────────────────────

const TEMPLATED: &str = "kind: messages
columns: [audience, channel]
messages:
  hello:
    channel: sms
    text: \"Thing {thing.id} has {n} items ({event.l}); window {limits.w}, {{literal}}\"
    result: \"{count(event.l)} of {limits.n}\"
    next_step: \"x is {x}\"
    audience: \"for {thing.id}\"
  fixed:
    text: \"At most {limits.n} in {limits.w}\"
    result: r
    next_step: n
    audience: a
    channel: c
";

const TEMPLATE_LIMITS: &str = "kind: limits\nlimits:\n  w: { duration: 90m }\n  n: { count: 3 }\n";

fn templated<'a>(rules: &'a str) -> Edit<'a> {
    Edit {
        rules,
        tables: &[("more.yaml", TEMPLATED), ("limits.yaml", TEMPLATE_LIMITS)],
        ..Edit::default()
    }
}

#[test]
fn placeholders_render_at_each_emit_in_the_rule_scope() {
    let out = run(
        &templated("let n = count(event.l)\n  rule greet for x in event.l { emit hello }"),
        &[r#"{"type":"e","at":"2026-01-01T00:00:00Z","k":"T1","l":["a","b"]}"#],
    );
    let msg = |x: &str| {
        format!(
            r#"{{"id":"hello","text":"Thing T1 has 2 items (a, b); window 1 hour and 30 minutes, {{literal}}","result":"2 of 3","next_step":"x is {x}","audience":"for T1","channel":"sms"}}"#
        )
    };
    assert!(out[0].contains(&msg("a")), "{}", out[0]);
    assert!(out[0].contains(&msg("b")), "{}", out[0]);
}

#[test]
fn a_message_reading_only_limits_is_written_once_at_load() {
    let engine = loads(&templated("rule fix { emit fixed }"));
    let mut world = World::new();
    let mut texts = Vec::new();
    for (i, k) in ["T1", "T2"].iter().enumerate() {
        let line = format!(r#"{{"type":"e","at":"2026-01-01T00:00:0{i}Z","k":"{k}","l":[]}}"#);
        let event = engine.parse_event(&line).expect("an event");
        let outcomes = engine.apply(&mut world, &event).expect("applied");
        texts.push(outcomes[0].messages[0].clone());
    }
    assert_eq!(texts[0].text, "At most 3 in 1 hour and 30 minutes");
    // shared by every outcome, not rendered again
    assert!(std::sync::Arc::ptr_eq(&texts[0], &texts[1]));
}

#[test]
fn a_placeholder_is_checked_at_every_emit_and_blames_the_one_without_its_name() {
    let es = errors(&templated(
        "let n = count(event.l)\n  rule greet for x in event.l { emit hello }\n  rule again { emit hello }",
    ));
    assert_eq!(es.len(), 1, "{es:#?}");
    assert!(es[0].starts_with("unknown name `x`"), "{es:#?}");
    let e = load(&templated(
        "let n = count(event.l)\n  rule greet for x in event.l { emit hello }\n  rule again { emit hello }",
    ))
    .expect_err("does not load");
    let d = &e.diagnostics[0];
    assert_eq!(e.sources[d.source].name, "more.yaml");
    assert_eq!(&TEMPLATED[d.span.start..d.span.end], "x");
    assert_eq!(
        d.label.as_deref(),
        Some("in the scope of rule `again`, which emits it at t.docket:19")
    );
}

#[test]
fn a_deadline_rule_has_no_event_for_a_placeholder() {
    let es = errors(&Edit {
        case: "at: instant?",
        decl: "deadline due = thing.at\non deadline due { rule late { emit hello } }",
        rules: "let n = count(event.l)\n  rule greet for x in event.l { emit hello }",
        tables: &[("more.yaml", TEMPLATED), ("limits.yaml", TEMPLATE_LIMITS)],
        ..Edit::default()
    });
    assert!(
        es.iter().any(|e| e.starts_with("there is no event here")),
        "{es:#?}"
    );
}

// ── 11. erasure ────────────────────────────────────────────────────────────

#[test]
fn only_an_optional_sensitive_stored_field_is_erased() {
    let e = error(&Edit {
        parts: "secret: text sensitive erase when true",
        ..Edit::default()
    });
    assert!(
        e.starts_with(
            "`secret` cannot be erased: it is not optional, and an erased field is unset"
        ),
        "{e}"
    );
    let e = error(&Edit {
        case: "note: text? erase when true",
        ..Edit::default()
    });
    assert!(
        e.starts_with("`note` is not sensitive: only a sensitive field is erased"),
        "{e}"
    );
    let e = error(&Edit {
        case: "s: text? sensitive erase when b",
        ..Edit::default()
    });
    assert!(e.starts_with("expected a bool, found text"), "{e}");
    let e = error(&Edit {
        case: "s: text? sensitive erase when nosuch",
        ..Edit::default()
    });
    assert!(e.starts_with("unknown name `nosuch`"), "{e}");
}

/// The cases of a saved world, as JSON text (without the policy's files it names).
fn cases_of(saved: &str) -> String {
    let doc: serde_json::Value = serde_json::from_str(saved).expect("a saved world is JSON");
    doc["cases"].to_string()
}

#[test]
fn a_field_is_erased_after_the_event_once_its_condition_holds() {
    // the condition reads the owner's fields, a derived one, the case, and a sensitive value
    let edit = Edit {
        case: "s: text? sensitive erase when done\n  done = status is final",
        parts: "pin: text? sensitive erase when thing.status is final or pin == \"0000\"",
        event: ", close: bool, pin: text sensitive",
        rules: "rule keep { set thing.s = event.k  add people(phone: \"1\") as p { set p.pin = event.pin } }\n  rule close when event.close { set thing.status = done }",
        ..Edit::default()
    };
    let engine = loads(&edit);
    let line = |k: &str, close: bool, pin: &str| {
        format!(
            r#"{{"type":"e","at":"2026-01-01T00:00:00Z","k":"{k}","l":[],"close":{close},"pin":"{pin}"}}"#
        )
    };
    let mut world = World::new();
    for (i, l) in [
        line("OPEN", false, "1234"),
        line("ZERO", false, "0000"),
        line("SHUT", true, "1234"),
    ]
    .iter()
    .enumerate()
    {
        let r = engine.run_line(&mut world, i + 1, l);
        assert!(!r.is_error(), "{}", r.to_json());
    }
    let saved = cases_of(&engine.save_world(&world));
    // kept while the condition does not hold; erased in the event that made it hold
    assert!(saved.contains("OPEN") && saved.contains("1234"), "{saved}");
    assert_eq!(saved.matches("1234").count(), 1, "{saved}");
    assert!(!saved.contains("0000"), "{saved}");
    assert!(saved.contains("\"SHUT\""), "the key stays: {saved}");
    assert_eq!(
        saved.matches("SHUT").count(),
        1,
        "the field `s` is erased: {saved}"
    );
}

#[test]
fn a_condition_is_read_again_whenever_what_it_reads_changes() {
    // `pin` of one participant is erased when another participant's `phone` changes, `s`
    // when it is set while its condition already holds, `late` as time passes
    let edit = Edit {
        case: "flag: bool = false\n  s: text? sensitive erase when flag\n  late: text? sensitive erase when now > @2026-01-02T00:00:00Z",
        parts: "pin: text? sensitive erase when any(q in thing.people: q.phone == \"gone\")",
        decl: "event f { k: text, who: text, phone: text?, flag: bool, s: text? }
on f for thing(event.k) {
  rule phone for p in [q in thing.people where q.phone == event.who] when event.phone is set {
    set p.phone = event.phone
  }
  rule flag { set thing.flag = event.flag  set thing.s = event.s }
}",
        rules: "rule two {
    add people(phone: \"a\") as p { set p.pin = \"1111\" }
    add people(phone: \"b\") as p { set p.pin = \"2222\" }
    set thing.late = \"3333\"
  }",
        ..Edit::default()
    };
    let engine = loads(&edit);
    let mut world = World::new();
    let mut step = |n: usize, line: &str| {
        let r = engine.run_line(&mut world, n, line);
        assert!(!r.is_error(), "{}", r.to_json());
        cases_of(&engine.save_world(&world))
    };
    let saved = step(
        1,
        r#"{"type":"e","at":"2026-01-01T00:00:00Z","k":"T","l":[]}"#,
    );
    assert!(saved.contains("1111") && saved.contains("2222") && saved.contains("3333"));
    // participant `b` changes phone: `a`'s pin is erased too, as is `b`'s
    let saved = step(
        2,
        r#"{"type":"f","at":"2026-01-01T01:00:00Z","k":"T","who":"b","phone":"gone","flag":true}"#,
    );
    assert!(
        !saved.contains("1111") && !saved.contains("2222"),
        "{saved}"
    );
    assert!(saved.contains("3333"), "{saved}");
    // `s` set while `flag` already holds: erased in the same event; and the clock has passed
    // `late`'s instant
    let saved = step(
        3,
        r#"{"type":"f","at":"2026-01-03T00:00:00Z","k":"T","who":"nobody","flag":true,"s":"4444"}"#,
    );
    assert!(
        !saved.contains("4444") && !saved.contains("3333"),
        "{saved}"
    );
}
