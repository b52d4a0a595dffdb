//! Policy versions: opening a world built under one version of a policy under another.
//! Each compatible change is applied by itself, each lossy one refused (naming the field
//! and how many cases hold a value) unless a `migrate` block declares it.

use docket::{ChangeKind, ChangeWhat, Engine, MigrationError, Problem, Source, Subject, World};
use std::path::{Path, PathBuf};

// ── A small policy, edited version by version ─────────────────────────────────────────

const MESSAGES: &str = "kind: messages\nmessages:\n  ok: { text: t, result: r, next_step: n }\n";
const LIMITS: &str = "kind: limits\nlimits:\n  window: { duration: 2d }\n  bonus: { count: 10 }\n";

/// The base rules: requests with a note, a counter and people; `{fields}`, `{parts}`,
/// `{statuses}` and `{extra}` are replaced by each version.
const BASE: &str = r#"
format ref = /^R[0-9]+$/ "R and digits"
format pin = /^[0-9]{4}$/ "four digits"
statuses { {statuses} }
case request key id: ref { {fields} }
participants people in request { {parts} }
event submit { request: ref, note: text?, person: text, pin: pin sensitive }
event close { request: ref }
event tick {}
deadline due = request.submitted_at + limits.window
on submit for new request(event.request) {
  rule start {
    set request.submitted_at = event.at
    set request.note = event.note
    add people(name: event.person) as p { set p.pin = event.pin }
    {start}
    emit ok
  }
}
on close for request(event.request) {
  rule close { set request.status = closed }
}
on deadline due {
  rule expire when request.status is open { set request.status = expired }
}
{extra}
"#;

const FIELDS: &str = "submitted_at: instant  note: text?  tries: count = 0";
const PARTS: &str = "name: text  pin: pin? sensitive";
const STATUSES: &str = "pending: open  closed: final  expired: final";

struct Version {
    fields: String,
    parts: String,
    statuses: String,
    extra: String,
    start: String,
    edits: Vec<(String, String)>,
}

impl Version {
    fn base() -> Version {
        Version {
            fields: FIELDS.into(),
            parts: PARTS.into(),
            statuses: STATUSES.into(),
            extra: String::new(),
            start: String::new(),
            edits: Vec::new(),
        }
    }
    /// An action of the rule that creates a request (to set a new required field).
    fn start(mut self, action: &str) -> Version {
        self.start.push_str(action);
        self.start.push('\n');
        self
    }
    /// An edit of the rules' text, once the version is assembled.
    fn edit(mut self, from: &str, to: &str) -> Version {
        self.edits.push((from.into(), to.into()));
        self
    }
    fn fields(mut self, from: &str, to: &str) -> Version {
        assert!(self.fields.contains(from), "{from}");
        self.fields = self.fields.replacen(from, to, 1);
        self
    }
    fn parts(mut self, from: &str, to: &str) -> Version {
        assert!(self.parts.contains(from), "{from}");
        self.parts = self.parts.replacen(from, to, 1);
        self
    }
    fn statuses(mut self, to: &str) -> Version {
        self.statuses = to.into();
        self
    }
    fn extra(mut self, text: &str) -> Version {
        self.extra.push_str(text);
        self.extra.push('\n');
        self
    }
    fn rules(&self) -> String {
        let mut text = BASE
            .replace("{fields}", &self.fields)
            .replace("{parts}", &self.parts)
            .replace("{statuses}", &self.statuses)
            .replace("{start}", &self.start)
            .replace("{extra}", &self.extra);
        for (from, to) in &self.edits {
            assert!(text.contains(from.as_str()), "{from}");
            text = text.replace(from.as_str(), to);
        }
        text
    }
    fn engine(&self) -> Engine {
        self.try_engine().unwrap_or_else(|e| panic!("{e}"))
    }
    fn try_engine(&self) -> Result<Engine, docket::LoadError> {
        Engine::from_sources(vec![
            Source::new("limits.yaml", LIMITS),
            Source::new("messages.yaml", MESSAGES),
            Source::new("p.docket", self.rules()),
        ])
    }
}

/// Three requests: R1 with a note, R2 without, R3 closed; one person each, with a pin.
fn world(engine: &Engine) -> World {
    let mut world = World::new();
    let lines = [
        r#"{"type":"submit","at":"2026-01-01T10:00:00Z","request":"R1","note":"first","person":"ann","pin":"1234"}"#,
        r#"{"type":"submit","at":"2026-01-01T11:00:00Z","request":"R2","person":"bob","pin":"5678"}"#,
        r#"{"type":"submit","at":"2026-01-01T12:00:00Z","request":"R3","note":"third","person":"cy","pin":"9012"}"#,
        r#"{"type":"close","at":"2026-01-01T13:00:00Z","request":"R3"}"#,
    ];
    for (i, line) in lines.iter().enumerate() {
        let out = engine.run_line(&mut world, i + 1, line).to_json();
        assert!(!out.contains("\"error\""), "{out}");
    }
    world
}

fn refused(old: &Engine, new: &Engine, world: &World) -> MigrationError {
    let err = new
        .migrate_world(old, world)
        .expect_err("the migration must be refused");
    let text = err.to_string();
    for pin in ["1234", "5678", "9012"] {
        assert!(!text.contains(pin), "a sensitive value is shown:\n{text}");
    }
    // a plan is refused the same way
    assert_eq!(new.plan_migration(old, world).expect_err("refused"), err);
    err
}

/// The one problem of `err` about `subject`.
fn problem<'e>(err: &'e MigrationError, subject: &Subject) -> &'e docket::MigrationProblem {
    let found: Vec<_> = err
        .problems
        .iter()
        .filter(|p| p.subject == *subject)
        .collect();
    assert_eq!(found.len(), 1, "{subject:?} in:\n{err}");
    found[0]
}

fn field(name: &str) -> Subject {
    Subject::Field(name.into())
}

fn part_field(name: &str) -> Subject {
    Subject::ParticipantField("people".into(), name.into())
}

/// The saved form of a world, as JSON.
fn saved(engine: &Engine, world: &World) -> serde_json::Value {
    serde_json::from_str(&engine.save_world(world)).expect("a saved world is JSON")
}

/// The stored value of `field` of case `key` in a saved world.
fn stored(doc: &serde_json::Value, key: &str, field: &str) -> serde_json::Value {
    let case = doc["cases"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["key"] == key))
        .unwrap_or_else(|| panic!("no case {key}"));
    case["fields"][field].clone()
}

fn status(doc: &serde_json::Value, key: &str) -> String {
    let case = doc["cases"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["key"] == key))
        .unwrap_or_else(|| panic!("no case {key}"));
    case["status"].as_str().unwrap_or_default().to_string()
}

/// Migrates, checks that the result loads back under the new policy, and returns it.
fn migrated(old: &Engine, new: &Engine, world: &World) -> (World, docket::MigrationPlan) {
    let (migrated, plan) = new
        .migrate_world(old, world)
        .unwrap_or_else(|e| panic!("{e}"));
    let again = new
        .load_world(&new.save_world(&migrated))
        .unwrap_or_else(|e| panic!("the migrated world does not load back: {e}"));
    assert_eq!(new.save_world(&again), new.save_world(&migrated));
    assert_eq!(new.plan_migration(old, world).expect("planned"), plan);
    (migrated, plan)
}

fn has_change(
    plan: &docket::MigrationPlan,
    kind: ChangeKind,
    subject: &Subject,
    what: &ChangeWhat,
    count: usize,
) {
    let found = plan
        .changes()
        .iter()
        .any(|c| c.kind == kind && c.subject == *subject && c.what == *what && c.count == count);
    assert!(
        found,
        "no {kind:?} {what:?} of {subject:?} ({count}) in:\n{plan}"
    );
}

// ── The same policy ───────────────────────────────────────────────────────────────────

#[test]
fn the_same_policy_changes_nothing() {
    let v1 = Version::base().engine();
    let again = Version::base().engine();
    let w = world(&v1);
    let (m, plan) = again.migrate_world(&v1, &w).expect("same policy");
    assert!(plan.is_empty());
    assert_eq!(plan.to_string(), "no change to the stored data\n");
    assert_eq!(again.save_world(&m), v1.save_world(&w));
}

#[test]
fn a_world_of_another_policy_is_refused() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .fields("tries: count = 0", "tries: count = 1")
        .engine();
    let w = world(&v1);
    let err = v1.migrate_world(&v2, &w).expect_err("w is not v2's");
    assert_eq!(err.problems[0].problem, Problem::NotTheOldPolicy);
}

// ── Compatible changes ────────────────────────────────────────────────────────────────

#[test]
fn behaviour_only_changes_leave_an_empty_plan() {
    let v1 = Version::base().engine();
    // a new rule, a changed default and a new derived field change no stored value
    let v2 = Version::base()
        .fields("tries: count = 0", "tries: count = 3  busy = tries > 1")
        .extra("on tick { rule noop when false { emit ok } }")
        .engine();
    let w = world(&v1);
    let (m, plan) = migrated(&v1, &v2, &w);
    assert!(plan.is_empty(), "{plan}");
    assert_eq!(stored(&saved(&v2, &m), "R1", "tries"), 0);
}

#[test]
fn a_new_optional_field_is_unset() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .fields("note: text?", "note: text?  label: text?")
        .engine();
    let w = world(&v1);
    let (m, plan) = migrated(&v1, &v2, &w);
    has_change(
        &plan,
        ChangeKind::Compatible,
        &field("label"),
        &ChangeWhat::NewField { optional: true },
        3,
    );
    assert_eq!(plan.changes().len(), 1, "{plan}");
    assert!(stored(&saved(&v2, &m), "R1", "label").is_null());
    assert!(
        plan.to_string()
            .contains("compatible: field `request.label`: new, optional: unset (3 cases)"),
        "{plan}"
    );
}

#[test]
fn a_new_field_with_a_default_takes_it() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .fields("tries: count = 0", "tries: count = 0  level: count = 7")
        .parts("name: text", "name: text  seen: bool = false")
        .engine();
    let w = world(&v1);
    let (m, plan) = migrated(&v1, &v2, &w);
    has_change(
        &plan,
        ChangeKind::Compatible,
        &field("level"),
        &ChangeWhat::NewField { optional: false },
        3,
    );
    has_change(
        &plan,
        ChangeKind::Compatible,
        &part_field("seen"),
        &ChangeWhat::NewField { optional: false },
        3,
    );
    let doc = saved(&v2, &m);
    assert_eq!(stored(&doc, "R2", "level"), 7);
    assert_eq!(doc["cases"][0]["participants"][0]["seen"], false);
}

#[test]
fn a_widened_type_reads_every_value() {
    let v1 = Version::base().engine();
    // `T` → `T?`, a format → `text`
    let v2 = Version::base()
        .fields("submitted_at: instant", "submitted_at: instant?")
        .parts("pin: pin? sensitive", "pin: text? sensitive")
        .engine();
    let w = world(&v1);
    let (m, plan) = migrated(&v1, &v2, &w);
    has_change(
        &plan,
        ChangeKind::Compatible,
        &field("submitted_at"),
        &ChangeWhat::TypeWidened {
            from: "instant".into(),
            to: "instant?".into(),
        },
        3,
    );
    has_change(
        &plan,
        ChangeKind::Compatible,
        &part_field("pin"),
        &ChangeWhat::TypeWidened {
            from: "pin?".into(),
            to: "text?".into(),
        },
        3,
    );
    assert_eq!(saved(&v2, &m)["cases"][0]["participants"][0]["pin"], "1234");
}

#[test]
fn a_new_status_a_new_case_type_and_a_new_deadline() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .statuses("pending: open  review: open  closed: final  expired: final")
        .extra("statuses loan { out: open  back: final }\ncase loan key id: text { }\nevent lend { loan: text }\non lend for new loan(event.loan) { rule r { emit ok } }")
        // a reminder one hour after submission: already past for the open requests
        .extra("deadline remind = request.submitted_at + 1h\non deadline remind { rule r when false { emit ok } }")
        .engine();
    let w = world(&v1);
    let (m, plan) = migrated(&v1, &v2, &w);
    has_change(
        &plan,
        ChangeKind::Compatible,
        &Subject::Status("review".into()),
        &ChangeWhat::NewStatus,
        0,
    );
    has_change(
        &plan,
        ChangeKind::Compatible,
        &Subject::CaseType,
        &ChangeWhat::NewCaseType,
        0,
    );
    has_change(
        &plan,
        ChangeKind::Compatible,
        &Subject::Deadline("remind".into()),
        &ChangeWhat::NewDeadline { overdue: 3 },
        3,
    );
    assert!(
        plan.to_string()
            .contains("it fires for them at the next event"),
        "{plan}"
    );
    // the migrated world runs under the new policy
    let mut m = m;
    let out = v2
        .run_line(
            &mut m,
            1,
            r#"{"type":"lend","at":"2026-01-01T14:00:00Z","loan":"L1"}"#,
        )
        .to_json();
    assert!(out.contains(r#""loan":"L1""#), "{out}");
}

#[test]
fn a_changed_format_is_checked_value_by_value() {
    let v1 = Version::base().engine();
    // every stored pin is four digits, so also 3 to 5 digits
    let v2 = Version::base().extra("").engine();
    let _ = v2;
    let wider = Version::base().engine_with_pin("/^[0-9]{3,5}$/");
    let w = world(&v1);
    let (_, plan) = migrated(&v1, &wider, &w);
    has_change(
        &plan,
        ChangeKind::Compatible,
        &part_field("pin"),
        &ChangeWhat::ValuesChecked {
            from: "pin?".into(),
            to: "pin?".into(),
        },
        3,
    );
}

trait PinFormat {
    fn engine_with_pin(&self, pattern: &str) -> Engine;
}

impl PinFormat for Version {
    fn engine_with_pin(&self, pattern: &str) -> Engine {
        let rules = self.rules().replace(
            r#"/^[0-9]{4}$/ "four digits""#,
            &format!(r#"{pattern} "digits""#),
        );
        Engine::from_sources(vec![
            Source::new("limits.yaml", LIMITS),
            Source::new("messages.yaml", MESSAGES),
            Source::new("p.docket", rules),
        ])
        .unwrap_or_else(|e| panic!("{e}"))
    }
}

// ── Refused changes ───────────────────────────────────────────────────────────────────

#[test]
fn a_removed_field_is_refused_with_how_many_cases_hold_a_value() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .fields("note: text?", "")
        .edit("set request.note = event.note", "")
        .engine();
    let w = world(&v1);
    let err = refused(&v1, &v2, &w);
    let p = problem(&err, &field("note"));
    assert_eq!(p.problem, Problem::FieldRemoved { renamed_to: None });
    assert_eq!(p.count, 2, "R1 and R3 have a note");
    let text = err.to_string();
    assert!(
        text.contains("error: field `request.note` was removed: 2 cases hold a value"),
        "{text}"
    );
    assert!(text.contains("`migrate request { drop note }`"), "{text}");
    assert!(
        text.ends_with("error: 1 problem keeps the world from being migrated"),
        "{text}"
    );
}

#[test]
fn a_renamed_field_is_refused_and_the_help_names_the_rename() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .fields("note: text?", "remark: text?")
        .edit(
            "set request.note = event.note",
            "set request.remark = event.note",
        )
        .engine();
    let w = world(&v1);
    let err = refused(&v1, &v2, &w);
    let p = problem(&err, &field("note"));
    assert_eq!(
        p.problem,
        Problem::FieldRemoved {
            renamed_to: Some("remark".into())
        }
    );
    assert_eq!(p.count, 2);
    assert!(
        p.help
            .contains("`migrate request { rename note to remark }`"),
        "{}",
        p.help
    );
    assert!(
        err.to_string()
            .contains("was removed (renamed to `remark`?)"),
        "{err}"
    );
}

#[test]
fn a_changed_type_is_refused() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .fields("note: text?", "note: count?")
        .edit("set request.note = event.note", "")
        .engine();
    let w = world(&v1);
    let err = refused(&v1, &v2, &w);
    let p = problem(&err, &field("note"));
    assert_eq!(
        p.problem,
        Problem::TypeChanged {
            from: "text?".into(),
            to: "count?".into()
        }
    );
    assert_eq!(p.count, 2);
    assert!(
        p.help.contains("`migrate request { set note = … }`"),
        "{}",
        p.help
    );
}

#[test]
fn a_format_changed_to_another_format_is_refused() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .parts("pin: pin? sensitive", "pin: ref? sensitive")
        .edit("set p.pin = event.pin", "")
        .engine();
    let w = world(&v1);
    let err = refused(&v1, &v2, &w);
    let p = problem(&err, &part_field("pin"));
    assert_eq!(
        p.problem,
        Problem::TypeChanged {
            from: "pin?".into(),
            to: "ref?".into()
        }
    );
    assert_eq!(p.count, 3, "three participants hold a pin");
    assert!(err.to_string().contains("field `request.people.pin` changed type from `pin?` to `ref?`: 3 participants hold a value"), "{err}");
    assert!(
        p.help
            .contains("`migrate people in request { set pin = … }`"),
        "{}",
        p.help
    );
}

#[test]
fn a_format_whose_values_no_longer_match_is_refused_counting_them() {
    let v1 = Version::base().engine();
    // pins 1234, 5678, 9012: two do not start with 1 to 4
    let v2 = Version::base().engine_with_pin("/^[1-4][0-9]{3}$/");
    let w = world(&v1);
    let err = refused(&v1, &v2, &w);
    let p = problem(&err, &part_field("pin"));
    assert_eq!(
        p.problem,
        Problem::ValuesDoNotFit {
            from: "pin?".into(),
            to: "pin?".into()
        }
    );
    assert_eq!(p.count, 2, "5678 and 9012 no longer fit");
}

#[test]
fn an_enumeration_that_lost_a_held_value_is_refused() {
    let with = |values: &str| {
        let first = values.split(' ').find(|v| *v == "small").unwrap_or("tiny");
        Version::base()
            .fields("note: text?", &format!("note: text?  kind: kind = {first}"))
            .extra(&format!("enum kind {{ {values} }}"))
            .engine()
    };
    let v1 = with("small big");
    let v2 = with("small huge");
    let v3 = with("tiny small big");
    let w = world(&v1);
    // nobody holds `big`: values are checked, and all fit
    let (_, plan) = migrated(&v1, &v2, &w);
    has_change(
        &plan,
        ChangeKind::Compatible,
        &field("kind"),
        &ChangeWhat::ValuesChecked {
            from: "kind".into(),
            to: "kind".into(),
        },
        3,
    );
    // a value added in front: every value read by its name
    let (m, plan) = migrated(&v1, &v3, &w);
    has_change(
        &plan,
        ChangeKind::Compatible,
        &field("kind"),
        &ChangeWhat::TypeWidened {
            from: "kind".into(),
            to: "kind".into(),
        },
        3,
    );
    assert_eq!(stored(&saved(&v3, &m), "R1", "kind"), "small");
    // the old value removed
    let v4 = with("tiny big");
    let err = refused(&v1, &v4, &w);
    let p = problem(&err, &field("kind"));
    assert_eq!(
        p.problem,
        Problem::ValuesDoNotFit {
            from: "kind".into(),
            to: "kind".into()
        }
    );
    assert_eq!(p.count, 3);
}

#[test]
fn a_new_required_field_without_default_is_refused() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .fields("note: text?", "note: text?  owner: text")
        .start("set request.owner = \"me\"")
        .engine();
    let w = world(&v1);
    let err = refused(&v1, &v2, &w);
    let p = problem(&err, &field("owner"));
    assert_eq!(p.problem, Problem::NoDefault { ty: "text".into() });
    assert_eq!(p.count, 3);
    assert!(
        p.help.contains("`migrate request { set owner = … }`"),
        "{}",
        p.help
    );
}

#[test]
fn a_field_no_longer_optional_is_refused_where_unset() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .fields("note: text?", "note: text")
        .edit(
            "set request.note = event.note",
            "set request.note = event.note ?? \"none\"",
        )
        .engine();
    let w = world(&v1);
    let err = refused(&v1, &v2, &w);
    let p = problem(&err, &field("note"));
    assert_eq!(
        p.problem,
        Problem::NoLongerOptional {
            from: "text?".into(),
            to: "text".into()
        }
    );
    assert_eq!(p.count, 1, "R2 has no note");
}

#[test]
fn a_removed_status_is_refused() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .statuses("pending: open  done: final  expired: final")
        .edit("status = closed", "status = done")
        .engine();
    let w = world(&v1);
    let err = refused(&v1, &v2, &w);
    let p = problem(&err, &Subject::Status("closed".into()));
    assert_eq!(p.problem, Problem::StatusRemoved);
    assert_eq!(p.count, 1);
    assert!(
        p.help
            .contains("`migrate request { status closed -> <a status of the new policy> }`")
            || p.help.contains("status closed ->"),
        "{}",
        p.help
    );
    assert!(
        err.to_string()
            .contains("status `closed` of `request` was removed: 1 case is in it"),
        "{err}"
    );
}

#[test]
fn a_removed_case_type_is_refused() {
    let two = Version::base()
        .extra("statuses loan { out: open  back: final }\ncase loan key id: text { }\nevent lend { loan: text }\non lend for new loan(event.loan) { rule r { emit ok } }")
        .engine();
    let one = Version::base().engine();
    let mut w = world(&two);
    let out = two
        .run_line(
            &mut w,
            9,
            r#"{"type":"lend","at":"2026-01-01T14:00:00Z","loan":"L1"}"#,
        )
        .to_json();
    assert!(!out.contains("error"), "{out}");
    let err = refused(&two, &one, &w);
    let p = problem(&err, &Subject::CaseType);
    assert_eq!(p.case_type, "loan");
    assert_eq!(p.problem, Problem::CaseTypeRemoved);
    assert_eq!(p.count, 1);
    assert!(p.help.contains("`migrate drop loan`"), "{}", p.help);
    // declared: its cases are discarded
    let dropped = Version::base().extra("migrate drop loan").engine();
    let (m, plan) = migrated(&two, &dropped, &w);
    has_change(
        &plan,
        ChangeKind::Declared,
        &Subject::CaseType,
        &ChangeWhat::CaseTypeDropped,
        1,
    );
    assert_eq!(m.len(), 3);
}

#[test]
fn participant_fields_removed_or_retyped_are_refused() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .parts("name: text", "name: count")
        .parts("pin: pin? sensitive", "")
        .edit(
            "add people(name: event.person) as p { set p.pin = event.pin }",
            "add people(name: 1)",
        )
        .engine();
    let w = world(&v1);
    let err = refused(&v1, &v2, &w);
    assert_eq!(err.problems.len(), 2, "{err}");
    assert_eq!(problem(&err, &part_field("name")).count, 3);
    assert_eq!(problem(&err, &part_field("pin")).count, 3);
    assert!(
        err.to_string()
            .contains("error: 2 problems keep the world from being migrated"),
        "{err}"
    );
}

#[test]
fn a_changed_key_format_is_checked_key_by_key() {
    let v1 = Version::base().engine();
    let narrow = Version::base()
        .rules()
        .replace(r#"/^R[0-9]+$/"#, r#"/^R[12]$/"#);
    let v2 = Engine::from_sources(vec![
        Source::new("limits.yaml", LIMITS),
        Source::new("messages.yaml", MESSAGES),
        Source::new("p.docket", narrow),
    ])
    .expect("loads");
    let w = world(&v1);
    let err = refused(&v1, &v2, &w);
    let p = problem(&err, &Subject::Key);
    assert_eq!(
        p.problem,
        Problem::KeyDoesNotFit {
            format: "ref".into()
        }
    );
    assert_eq!(p.count, 1, "R3");
}

#[test]
fn every_refused_change_is_reported_not_only_the_first() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .fields("note: text?  tries: count = 0", "tries: text  owner: text")
        .edit(
            "set request.note = event.note",
            "set request.tries = \"0\"  set request.owner = \"me\"",
        )
        .engine();
    let w = world(&v1);
    let err = refused(&v1, &v2, &w);
    assert_eq!(err.problems.len(), 3, "{err}");
    problem(&err, &field("note"));
    problem(&err, &field("tries"));
    problem(&err, &field("owner"));
}

// ── Declared migrations ───────────────────────────────────────────────────────────────

#[test]
fn a_declared_rename_moves_the_values() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .fields("note: text?", "remark: text?")
        .parts("name: text", "full_name: text")
        .extra("migrate request { rename note to remark }\nmigrate people in request { rename name to full_name }")
        .edit("request.note = event.note", "request.remark = event.note")
        .edit("people(name: event.person)", "people(full_name: event.person)")
        .engine();
    let w = world(&v1);
    let (m, plan) = migrated(&v1, &v2, &w);
    has_change(
        &plan,
        ChangeKind::Declared,
        &field("remark"),
        &ChangeWhat::FieldRenamed {
            from: "note".into(),
        },
        2,
    );
    has_change(
        &plan,
        ChangeKind::Declared,
        &part_field("full_name"),
        &ChangeWhat::FieldRenamed {
            from: "name".into(),
        },
        3,
    );
    let doc = saved(&v2, &m);
    assert_eq!(stored(&doc, "R1", "remark"), "first");
    assert_eq!(doc["cases"][1]["participants"][0]["full_name"], "bob");
    assert!(
        plan.to_string()
            .contains("declared: field `request.remark`: renamed from `note` (2 cases)"),
        "{plan}"
    );
}

fn engine_of(rules: &str) -> Engine {
    Engine::from_sources(vec![
        Source::new("limits.yaml", LIMITS),
        Source::new("messages.yaml", MESSAGES),
        Source::new("p.docket", rules),
    ])
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_declared_drop_discards_the_values() {
    let v1 = Version::base().engine();
    let rules = Version::base()
        .fields("note: text?", "")
        .extra("migrate request { drop note }")
        .rules()
        .replace("set request.note = event.note", "");
    let v2 = engine_of(&rules);
    let w = world(&v1);
    let (m, plan) = migrated(&v1, &v2, &w);
    has_change(
        &plan,
        ChangeKind::Declared,
        &field("note"),
        &ChangeWhat::FieldDropped,
        2,
    );
    assert!(stored(&saved(&v2, &m), "R1", "note").is_null());
}

#[test]
fn a_declared_set_computes_a_new_required_field_from_old_ones() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .fields("tries: count = 0", "tries: count = 0  attempts: count  label: text")
        .start("set request.attempts = 0  set request.label = \"new\"")
        .extra("migrate request { set attempts = tries + limits.bonus + count(request.people)\n set label = note ?? \"none\" }")
        .engine();
    let w = world(&v1);
    let (m, plan) = migrated(&v1, &v2, &w);
    has_change(
        &plan,
        ChangeKind::Declared,
        &field("attempts"),
        &ChangeWhat::FieldComputed {
            expr: "tries + limits.bonus + count(request.people)".into(),
        },
        3,
    );
    let doc = saved(&v2, &m);
    assert_eq!(stored(&doc, "R1", "attempts"), 11);
    assert_eq!(stored(&doc, "R1", "label"), "first");
    assert_eq!(stored(&doc, "R2", "label"), "none");
}

#[test]
fn a_declared_set_replaces_a_changed_type() {
    let v1 = Version::base().engine();
    let v2 = Version::base()
        .parts("pin: pin? sensitive", "pin: count?")
        .extra("migrate people in request { set pin = 0 }")
        .rules();
    let v2 = engine_of(&v2.replace("set p.pin = event.pin", "set p.pin = 1"));
    let w = world(&v1);
    let (m, plan) = migrated(&v1, &v2, &w);
    has_change(
        &plan,
        ChangeKind::Declared,
        &part_field("pin"),
        &ChangeWhat::FieldComputed { expr: "0".into() },
        3,
    );
    assert_eq!(saved(&v2, &m)["cases"][0]["participants"][0]["pin"], 0);
}

#[test]
fn a_set_that_gives_no_value_is_refused_at_migration() {
    let v1 = Version::base().engine();
    // `note` holds a value for R1 and R3 only; the checker cannot know
    let v2 = Version::base()
        .fields("tries: count = 0", "tries: count = 0  size: count")
        .start("set request.size = 0")
        .extra("migrate request { set size = length(note ?? \"\") * 0 + tries }")
        .engine();
    let w = world(&v1);
    let (_, plan) = migrated(&v1, &v2, &w);
    assert_eq!(plan.changes().len(), 1, "{plan}");
    // reading a field that is unset in some cases fails there
    let v3 = Version::base()
        .fields(
            "tries: count = 0",
            "tries: count = 0  size: count  first: count",
        )
        .start("set request.size = 0  set request.first = 0")
        .extra("migrate request { set size = first + 1\n set first = 1 }")
        .engine();
    let err = refused(&v1, &v3, &w);
    let p = problem(&err, &field("size"));
    assert!(
        matches!(
            p.problem,
            Problem::SetFailed { .. } | Problem::SetLeftUnset { .. }
        ),
        "{err}"
    );
    assert_eq!(p.count, 3);
}

#[test]
fn a_set_of_a_sensitive_value_never_shows_it() {
    let v1 = Version::base().engine();
    // only text can be sensitive, and no computation on text fails: a set from a sensitive
    // value applies, and the plan names the change without the values
    let v2 = Version::base()
        .parts(
            "pin: pin? sensitive",
            "pin: pin? sensitive  code: pin? sensitive",
        )
        .extra("migrate people in request { set code = pin }")
        .engine();
    let w = world(&v1);
    let (_, plan) = migrated(&v1, &v2, &w);
    has_change(
        &plan,
        ChangeKind::Declared,
        &part_field("code"),
        &ChangeWhat::FieldComputed { expr: "pin".into() },
        3,
    );
    let text = plan.to_string();
    for pin in ["1234", "5678", "9012"] {
        assert!(!text.contains(pin), "a sensitive value is shown:\n{text}");
    }
}

#[test]
fn a_declared_status_mapping_moves_the_cases() {
    let v1 = Version::base().engine();
    let rules = Version::base()
        .statuses("pending: open  done: final  expired: final")
        .extra("migrate request { status closed -> done }")
        .rules()
        .replace("status = closed", "status = done");
    let v2 = engine_of(&rules);
    let w = world(&v1);
    let (m, plan) = migrated(&v1, &v2, &w);
    has_change(
        &plan,
        ChangeKind::Declared,
        &Subject::Status("closed".into()),
        &ChangeWhat::StatusMapped { to: "done".into() },
        1,
    );
    has_change(
        &plan,
        ChangeKind::Compatible,
        &Subject::Status("done".into()),
        &ChangeWhat::NewStatus,
        0,
    );
    assert_eq!(status(&saved(&v2, &m), "R3"), "done");
    assert_eq!(status(&saved(&v2, &m), "R1"), "pending");
}

#[test]
fn a_declared_case_type_rename_keeps_the_cases() {
    let v1 = Version::base().engine();
    let rules = Version::base()
        .extra("migrate application from request { }")
        .rules()
        .replace("request", "application")
        .replace(
            "migrate application from application",
            "migrate application from request",
        );
    let v2 = engine_of(&rules);
    let w = world(&v1);
    let (m, plan) = migrated(&v1, &v2, &w);
    has_change(
        &plan,
        ChangeKind::Declared,
        &Subject::CaseType,
        &ChangeWhat::CaseTypeRenamed {
            from: "request".into(),
        },
        3,
    );
    assert_eq!(m.len(), 3);
    assert_eq!(saved(&v2, &m)["cases"][0]["type"], "application");
}

#[test]
fn a_migration_block_stays_harmlessly_after_it_ran() {
    let v1 = Version::base().engine();
    let block = "migrate request { rename note to remark\n drop tries\n set level = 2\n status closed -> done }";
    let v2_rules = |extra_field: &str| {
        Version::base()
            .fields(
                "note: text?  tries: count = 0",
                &format!("remark: text?  level: count{extra_field}"),
            )
            .start("set request.level = 1")
            .statuses("pending: open  done: final  expired: final")
            .extra(block)
            .rules()
            .replace("status = closed", "status = done")
            .replace("request.note = event.note", "request.remark = event.note")
    };
    let v2 = engine_of(&v2_rules(""));
    let w = world(&v1);
    let (w2, plan) = migrated(&v1, &v2, &w);
    assert_eq!(
        plan.changes()
            .iter()
            .filter(|c| c.kind == ChangeKind::Declared)
            .count(),
        4,
        "{plan}"
    );
    // v3: v2 with one more optional field, and the same block: it applies no more
    let v3 = engine_of(&v2_rules("  extra: text?"));
    let (w3, plan) = migrated(&v2, &v3, &w2);
    assert_eq!(plan.changes().len(), 1, "{plan}");
    has_change(
        &plan,
        ChangeKind::Compatible,
        &field("extra"),
        &ChangeWhat::NewField { optional: true },
        3,
    );
    let doc = saved(&v3, &w3);
    assert_eq!(stored(&doc, "R1", "remark"), "first");
    assert_eq!(stored(&doc, "R1", "level"), 2);
    assert_eq!(status(&doc, "R3"), "done");
}

#[test]
fn a_misspelt_old_name_is_reported_at_migration() {
    let v1 = Version::base().engine();
    let rules = Version::base()
        .fields("note: text?", "remark: text?")
        .extra("migrate request { rename nte to remark }")
        .rules()
        .replace("request.note = event.note", "request.remark = event.note");
    let v2 = engine_of(&rules);
    let w = world(&v1);
    let err = refused(&v1, &v2, &w);
    let unknown = err
        .problems
        .iter()
        .find(|p| matches!(p.problem, Problem::UnknownOldName { .. }))
        .unwrap_or_else(|| panic!("no unknown name in:\n{err}"));
    assert_eq!(
        unknown.problem,
        Problem::UnknownOldName {
            kind: "field",
            name: "nte".into(),
            suggestion: Some("note".into()),
            place: "p.docket:26".into(),
        }
    );
    assert_eq!(unknown.help, "did you mean `note`?");
}

#[test]
fn migrate_blocks_are_checked_at_load() {
    let bad = |block: &str| {
        Version::base()
            .extra(block)
            .try_engine()
            .expect_err("the block must be refused at load")
            .render()
    };
    let e = bad("migrate requst { drop x }");
    assert!(
        e.contains("unknown case type `requst`") && e.contains("did you mean `request`?"),
        "{e}"
    );
    let e = bad("migrate request { set tris = 1 }");
    assert!(
        e.contains("unknown field `tris`") && e.contains("did you mean `tries`?"),
        "{e}"
    );
    let e = bad("migrate request { set tries = \"x\" }");
    assert!(e.contains("expected a count"), "{e}");
    let e = bad("migrate request { status old -> closd }");
    assert!(e.contains("unknown status `closd`"), "{e}");
    let e = bad("migrate request { drop note }");
    assert!(
        e.contains("`note` is still a field of this policy: this `drop` would never apply"),
        "{e}"
    );
    let e = bad("migrate request { rename x to busy }\n");
    assert!(e.contains("unknown field `busy`"), "{e}");
    let e = bad("migrate peple in request { drop x }");
    assert!(e.contains("unknown participants `peple`"), "{e}");
    let e = bad("migrate people in request { status a -> pending }");
    assert!(e.contains("participants have no status"), "{e}");
    let e = bad("migrate drop request");
    assert!(
        e.contains("`request` is still a case type of this policy"),
        "{e}"
    );
    let e = bad("migrate request { set tries = 1 }\nmigrate request { drop x }");
    assert!(e.contains("is declared twice"), "{e}");
    // a sensitive value stored in a field that is not sensitive
    let e = Version::base()
        .fields("tries: count = 0", "tries: count = 0  copy: text?")
        .extra("migrate request { set copy = [p in people where p.pin is set] == [] }")
        .try_engine();
    assert!(e.is_err(), "a type error at least");
}

// ── The shipped ICP policy ────────────────────────────────────────────────────────────

const ICP_LINES: [&str; 5] = [
    r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"11111X"}]}"#,
    r#"{"type":"order_submitted","at":"2026-11-28T09:10:00+08:00","filing":"F2","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800000002","cert_last6":"22222X"}]}"#,
    r#"{"type":"order_submitted","at":"2026-11-28T09:20:00+08:00","filing":"F3","scenario":"first_filing","variant":"app","personnel":[{"role":"entity_leader","phone":"13800000003","cert_last6":"33333X"}]}"#,
    r#"{"type":"sms_sent","at":"2026-11-28T10:00:00+08:00","filing":"F1","phone":"13800000001","code":"482913"}"#,
    r#"{"type":"sms_sent","at":"2026-11-28T10:05:00+08:00","filing":"F2","phone":"13800000002","code":"731056"}"#,
];

/// A copy of `rules/icp` in a fresh temporary folder, `edit` applied to its rule file.
fn icp_copy(tag: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/icp");
    let to = std::env::temp_dir().join(format!("docket-migrate-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&to);
    std::fs::create_dir_all(&to).expect("a temporary folder");
    for entry in std::fs::read_dir(&from).expect("rules/icp") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().expect("a name").to_owned();
        let text = std::fs::read_to_string(&path).expect("readable");
        let text = if path.extension().is_some_and(|x| x == "docket") {
            edit(text)
        } else {
            text
        };
        std::fs::write(to.join(name), text).expect("writable");
    }
    to
}

fn icp_world(icp: &Engine) -> World {
    let mut world = World::new();
    for (i, line) in ICP_LINES.iter().enumerate() {
        let out = icp.run_line(&mut world, i + 1, line).to_json();
        assert!(!out.contains("\"error\""), "{out}");
    }
    world
}

fn renamed_sms(text: String) -> String {
    assert!(text.contains("first_sms_at"));
    text.replace("first_sms_at", "first_sent_at")
}

#[test]
fn icp_renamed_first_sms_at_is_refused_then_migrates_when_declared() {
    let icp = Engine::icp();
    let world = icp_world(&icp);
    let dir = icp_copy("rename", renamed_sms);
    let renamed = Engine::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let err = refused(&icp, &renamed, &world);
    let p = problem(&err, &field("first_sms_at"));
    assert_eq!(p.case_type, "filing");
    assert_eq!(p.count, 2, "F1 and F2 were sent a code");
    let text = err.to_string();
    assert!(text.contains("field `filing.first_sms_at` was removed (renamed to `first_sent_at`?): 2 cases hold a value"), "{text}");
    assert!(
        text.contains("`migrate filing { rename first_sms_at to first_sent_at }`"),
        "{text}"
    );
    for secret in ["482913", "731056", "11111X", "22222X"] {
        assert!(!text.contains(secret), "{text}");
    }

    let declared_dir = icp_copy("declared", |t| {
        renamed_sms(t) + "\nmigrate filing { rename first_sms_at to first_sent_at }\n"
    });
    let declared = Engine::load(&declared_dir).unwrap_or_else(|e| panic!("{e}"));
    let (mut migrated, plan) = declared
        .migrate_world(&icp, &world)
        .unwrap_or_else(|e| panic!("{e}"));
    has_change(
        &plan,
        ChangeKind::Declared,
        &field("first_sent_at"),
        &ChangeWhat::FieldRenamed {
            from: "first_sms_at".into(),
        },
        2,
    );
    assert_eq!(plan.changes().len(), 1, "{plan}");
    // the world's indexes serve lookups: F2's person validates with the code sent
    let mut probe = migrated.clone();
    let out = declared
        .run_line(
            &mut probe,
            6,
            r#"{"type":"validation_attempt","at":"2026-11-28T11:00:00+08:00","phone":"13800000002","code":"731056","cert_last6":"22222X"}"#,
        )
        .to_json();
    assert!(
        out.contains(r#""filing":"F2","status":"under_review""#),
        "{out}"
    );
    // the 24-hour window still closes: a tick past it expires F1 and F2, not F3
    let out = declared
        .run_line(
            &mut migrated,
            6,
            r#"{"type":"tick","at":"2026-11-29T10:06:00+08:00"}"#,
        )
        .to_json();
    assert!(
        out.contains(r#""filing":"F1","status":"rejected""#) || out.contains(r#""filing":"F1""#),
        "{out}"
    );
    assert!(out.contains(r#""filing":"F2""#), "{out}");
    assert!(!out.contains(r#""filing":"F3""#), "{out}");
    // exactly what the unchanged policy does on the unmigrated world
    let mut original = world.clone();
    let expected = icp
        .run_line(
            &mut original,
            6,
            r#"{"type":"tick","at":"2026-11-29T10:06:00+08:00"}"#,
        )
        .to_json();
    assert_eq!(out, expected);
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(declared_dir);
}

#[test]
fn icp_new_optional_and_defaulted_fields_are_compatible() {
    let icp = Engine::icp();
    let world = icp_world(&icp);
    let dir = icp_copy("fields", |t| {
        t.replacen(
            "  first_sms_at: instant?\n",
            "  first_sms_at: instant?\n  note: text?\n  tries: count = 0\n",
            1,
        )
    });
    let edited = Engine::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let (migrated, plan) = edited
        .migrate_world(&icp, &world)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.changes().len(), 2, "{plan}");
    has_change(
        &plan,
        ChangeKind::Compatible,
        &field("note"),
        &ChangeWhat::NewField { optional: true },
        3,
    );
    has_change(
        &plan,
        ChangeKind::Compatible,
        &field("tries"),
        &ChangeWhat::NewField { optional: false },
        3,
    );
    let doc = saved(&edited, &migrated);
    assert_eq!(stored(&doc, "F1", "tries"), 0);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn icp_codes_that_no_longer_fit_are_counted_never_shown() {
    let icp = Engine::icp();
    let world = icp_world(&icp);
    let dir = icp_copy("codes", |t| t);
    let limits = dir.join("limits.yaml");
    let text = std::fs::read_to_string(&limits).expect("limits");
    std::fs::write(&limits, text.replace("'^[0-9]{6}$'", "'^[0-9]{7}$'")).expect("written");
    let edited = Engine::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let err = refused(&icp, &edited, &world);
    let p = problem(
        &err,
        &Subject::ParticipantField("people".into(), "code".into()),
    );
    assert_eq!(p.count, 2);
    let text = err.to_string();
    for secret in ["482913", "731056"] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(text.contains("(the values are not shown)"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}
