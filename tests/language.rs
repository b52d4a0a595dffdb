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

/// A library: members and loans are two case types, each with its own statuses, fields and
/// deadlines; a loan finds its member's other loans by a world-wide lookup, and a member
/// is found or created by the first loan.
const LIBRARY: &str = r#"
format id = /^[A-Z][0-9]{1,4}$/ "a letter and up to four digits"
statuses member { active  suspended }
statuses loan { out: open  returned: final  lost: final }

case member key id: id in members { loans_out: count = 0  suspended_until: instant? }
case loan key id: id in loans { member: id  due: instant  reminded: bool = false }

deadline loan_due = loan.due
deadline suspension_over = member.suspended_until

event borrow { loan: id, member: id }
event give_back { loan: id }
event tick {}

on borrow for new loan(event.loan) {
  let open_loans = [l in loans where l.member == event.member and l.status is open]
  rule too_many when count(open_loans) >= limits.max_loans {
    reject member "member {event.member} has {count(open_loans)} books out already"
  }
  rule lend {
    set loan.member = event.member
    set loan.due = event.at + limits.loan_time
    show due = loan.due
    emit lent
  }
}

on give_back for loan(event.loan) {
  rule back when loan.status is open {
    set loan.status = returned
    emit returned
  } else {
    reject loan "loan {loan.id} is {loan.status}"
  }
}

on deadline loan_due {
  rule overdue when loan.status is open {
    set loan.status = lost
    emit lost
  }
}

on deadline suspension_over {
  rule lift when member.status == suspended {
    set member.status = active
    set member.suspended_until = unset
    emit reinstated
  }
}
"#;

const LIBRARY_MEMBERS: &str = r#"
event join { member: id }
event suspend { member: id }

on join for member(event.member) or new {
  rule welcome { emit welcome }
}
on suspend for member(event.member) {
  let theirs = [l in loans where l.member == member.id]
  rule suspend when count([l in theirs where l.status == lost]) > 0 {
    set member.status = suspended
    set member.suspended_until = event.at + limits.suspension
    emit suspended
  } else {
    reject member "member {member.id} has lost no book"
  }
}
"#;

const LIBRARY_TABLES: &[(&str, &str)] = &[
    (
        "limits.yaml",
        "kind: limits\nlimits:\n  max_loans: { count: 2 }\n  loan_time: { duration: 14d }\n  suspension: { duration: 30d }\n",
    ),
    (
        "messages.yaml",
        "kind: messages\nmessages:\n  lent: { text: lent, result: '-', next_step: '-' }\n  returned: { text: returned, result: '-', next_step: '-' }\n  lost: { text: lost, result: '-', next_step: '-' }\n  welcome: { text: welcome, result: '-', next_step: '-' }\n  suspended: { text: suspended, result: '-', next_step: '-' }\n  reinstated: { text: reinstated, result: '-', next_step: '-' }\n",
    ),
];

fn library() -> Engine {
    let mut sources: Vec<Source> = LIBRARY_TABLES
        .iter()
        .map(|(n, t)| Source::new(*n, *t))
        .collect();
    sources.push(Source::new("loans.docket", LIBRARY));
    sources.push(Source::new("members.docket", LIBRARY_MEMBERS));
    match Engine::from_sources(sources) {
        Ok(e) => e,
        Err(e) => panic!("the library policy does not load:\n{}", e.render()),
    }
}

#[test]
fn several_case_types_route_look_each_other_up_and_keep_their_own_deadlines() {
    let engine = library();
    assert_eq!(engine.case_names(), ["member", "loan"]);
    let out = run(
        &engine,
        &[
            r#"{"type":"join","at":"2026-03-01T10:00:00Z","member":"M1"}"#,
            r#"{"type":"join","at":"2026-03-01T10:00:00Z","member":"M1"}"#,
            r#"{"type":"borrow","at":"2026-03-01T10:00:00Z","loan":"L1","member":"M1"}"#,
            r#"{"type":"borrow","at":"2026-03-02T10:00:00Z","loan":"L2","member":"M1"}"#,
            r#"{"type":"borrow","at":"2026-03-03T10:00:00Z","loan":"L3","member":"M1"}"#,
            r#"{"type":"give_back","at":"2026-03-04T10:00:00Z","loan":"L1"}"#,
            r#"{"type":"borrow","at":"2026-03-05T10:00:00Z","loan":"L3","member":"M1"}"#,
            r#"{"type":"suspend","at":"2026-03-06T10:00:00Z","member":"M1"}"#,
            r#"{"type":"suspend","at":"2026-03-20T10:00:00Z","member":"M1"}"#,
            r#"{"type":"tick","at":"2026-04-19T10:00:00Z"}"#,
        ],
    );
    // found or created: the second join finds the member
    assert!(
        out[0].contains(r#""member":"M1","status":"active""#),
        "{}",
        out[0]
    );
    assert!(out[1].contains("welcome"), "{}", out[1]);
    // the third open loan is refused, naming the count found by the lookup
    assert!(out[4].contains("has 2 books out already"), "{}", out[4]);
    assert!(
        out[6].contains(r#""loan":"L3","status":"out""#),
        "{}",
        out[6]
    );
    // nothing lost yet
    assert!(out[7].contains("has lost no book"), "{}", out[7]);
    // L2 (due 16 March) and L3 (due 19 March) are lost before the suspension, in order of
    // due time; each outcome names its own case type
    let record: serde_json::Value = serde_json::from_str(&out[8]).expect("json");
    let outcomes = record["outcomes"].as_array().expect("outcomes");
    assert_eq!(outcomes.len(), 3, "{record}");
    assert_eq!(
        (&outcomes[0]["loan"], &outcomes[0]["status"]),
        (&"L2".into(), &"lost".into())
    );
    assert_eq!(
        (&outcomes[1]["loan"], &outcomes[1]["status"]),
        (&"L3".into(), &"lost".into())
    );
    assert_eq!(outcomes[2]["member"], "M1", "{record}");
    assert_eq!(outcomes[2]["status"], "suspended");
    // the member's own deadline: reinstated thirty days later
    assert!(
        out[9].contains(r#""member":"M1","status":"active""#),
        "{}",
        out[9]
    );
    assert!(out[9].contains("reinstated"), "{}", out[9]);
    // a world of two case types saves and loads
    let mut world = World::new();
    for (i, l) in [
        r#"{"type":"join","at":"2026-03-01T10:00:00Z","member":"M1"}"#,
        r#"{"type":"borrow","at":"2026-03-01T10:00:00Z","loan":"L1","member":"M1"}"#,
    ]
    .iter()
    .enumerate()
    {
        engine.run_line(&mut world, i + 1, l);
    }
    let saved = engine.save_world(&world);
    let loaded = engine.load_world(&saved).expect("loads");
    assert_eq!(engine.save_world(&loaded), saved);
    assert!(saved.contains(r#""type": "loan""#), "{saved}");
}

#[test]
fn case_types_are_checked_apart() {
    let bad = |edit: &str, expect: &str| {
        let mut sources: Vec<Source> = LIBRARY_TABLES
            .iter()
            .map(|(n, t)| Source::new(*n, *t))
            .collect();
        sources.push(Source::new("loans.docket", LIBRARY));
        sources.push(Source::new(
            "members.docket",
            format!("{LIBRARY_MEMBERS}\n{edit}"),
        ));
        let err = match Engine::from_sources(sources) {
            Ok(_) => panic!("`{edit}` should not load"),
            Err(e) => e.render(),
        };
        assert!(err.contains(expect), "`{edit}`:\n{err}");
    };
    // a loan's status is not a member's
    bad(
        "on tick { rule r for l in [x in loans where x.member == \"M1\"] { set l.status = suspended } }",
        "unknown value `suspended` for `loan.status`",
    );
    // the handler is routed to a member: no loan here
    bad(
        "event e { member: id }\non e for member(event.member) { rule r when loan.status is open { emit lent } }",
        "no `loan` is routed here",
    );
    // a deadline reads one case type
    bad(
        "deadline both = loan.due + 1h\ndeadline mixed = member.suspended_until ?? loan.due",
        "must read the fields of one case type",
    );
    bad("case loan key id: id { }", "`loan` is declared twice");
}

/// A stateless decision: no case type, no statuses; a handler answers with what it shows
/// (a table lookup; a first-match chain over limits), and keeps nothing.
#[test]
fn a_policy_without_cases_answers_decisions() {
    let engine = policy(
        r#"
enum verdict { rejected  expired  resend_refused  ok }
event role_lookup { scenario: roles.scenario, variant: roles.variant }
event limits_check { failures: count, minutes_since_sms: count, resend: bool, resends_used: count }
on role_lookup {
  rule answer { show required = roles[event.scenario, event.variant] }
}
on limits_check {
  rule decide when event.failures >= limits.max_failures {
    show verdict = rejected
  } else when event.minutes_since_sms >= limits.window_minutes {
    show verdict = expired
  } else when event.resend and event.resends_used >= limits.max_resends {
    show verdict = resend_refused
  } else {
    show verdict = ok
  }
}
"#,
        &[
            (
                "roles.yaml",
                "kind: requirements\nkeys: [scenario, variant]\nof: role\nvalues: [leader, admin]\nrows:\n  - { scenario: first, variant: web, required: [leader, admin] }\n  - { scenario: first, variant: app, required: [leader] }\n",
            ),
            (
                "limits.yaml",
                "kind: limits\nlimits:\n  max_failures: { count: 5 }\n  window_minutes: { count: 1440 }\n  max_resends: { count: 2 }\n",
            ),
        ],
    );
    let out = run(
        &engine,
        &[
            r#"{"type":"role_lookup","at":"2026-01-01T00:00:00Z","scenario":"first","variant":"web"}"#,
            r#"{"type":"limits_check","at":"2026-01-01T00:00:00Z","failures":5,"minutes_since_sms":1,"resend":false,"resends_used":0}"#,
            r#"{"type":"limits_check","at":"2026-01-01T00:00:00Z","failures":0,"minutes_since_sms":1440,"resend":true,"resends_used":2}"#,
            r#"{"type":"limits_check","at":"2026-01-01T00:00:00Z","failures":0,"minutes_since_sms":10,"resend":true,"resends_used":2}"#,
            r#"{"type":"limits_check","at":"2026-01-01T00:00:00Z","failures":4,"minutes_since_sms":1439,"resend":true,"resends_used":1}"#,
        ],
    );
    assert_eq!(
        out[0],
        r#"{"seq":1,"type":"role_lookup","at":"2026-01-01T00:00:00Z","outcomes":[{"messages":[],"required":["leader","admin"]}]}"#
    );
    let verdicts: Vec<&str> = out[1..]
        .iter()
        .map(|r| {
            r.split("\"verdict\":\"")
                .nth(1)
                .and_then(|v| v.split('"').next())
                .unwrap_or(r)
        })
        .collect();
    assert_eq!(verdicts, ["rejected", "expired", "resend_refused", "ok"]);
}

// ── Regressions found by review (each would panic, err internally or answer wrongly) ─────

/// `add` puts the participant into the routed case, even in a rule whose `for` runs over
/// cases of another type (it panicked) or of the same type (it went into the wrong case).
#[test]
fn add_goes_into_the_routed_case() {
    let engine = policy(
        r#"
format id = /^[A-Z][0-9]$/ "id"
statuses { open }
case member key id: id { }
participants cards in member { number: text }
case loan key id: id in loans { member: id }
event borrow { loan: id, member: id }
event card { member: id, number: text }
on borrow for new loan(event.loan) { rule r { set loan.member = event.member } }
on card for member(event.member) or new {
  rule r for l in [x in loans where x.member == member.id] { add cards(number: event.number) }
  rule s { show cards = count(member.cards) }
}
"#,
        &[],
    );
    let out = run(
        &engine,
        &[
            r#"{"type":"borrow","at":"2026-01-01T00:00:00Z","loan":"L1","member":"M1"}"#,
            r#"{"type":"borrow","at":"2026-01-01T00:00:00Z","loan":"L2","member":"M1"}"#,
            r#"{"type":"card","at":"2026-01-01T00:00:00Z","member":"M1","number":"123"}"#,
        ],
    );
    // found or created once per loan, in M1
    assert!(
        out[2].contains(r#""member":"M1","status":"open","messages":[],"cards":1"#),
        "{}",
        out[2]
    );
}

/// Periods out of range are refused when read and fail the event when summed: never a
/// panic, never a silent wrap.
#[test]
fn periods_out_of_range_are_errors_not_panics() {
    let engine = policy(
        "event e { d: date, p: period }\non e { rule r { show c = event.d + event.p  show p = event.p } }\nevent f { d: date }\non f { rule r { show c = event.d + (10000 years + 10000 years) } }\n",
        &[("limits.yaml", "kind: limits\nlimits:\n  zone: { zone: Europe/Paris }\n")],
    );
    let out = run(
        &engine,
        &[
            r#"{"type":"e","at":"2026-01-01T00:00:00Z","d":"2026-01-01","p":"-4294967296 days"}"#,
            r#"{"type":"e","at":"2026-01-01T00:00:00Z","d":"2026-01-01","p":"9999 years"}"#,
            r#"{"type":"f","at":"2026-01-01T00:00:00Z","d":"2026-01-01"}"#,
            r#"{"type":"e","at":"2026-01-01T00:00:00Z","d":"2026-01-31","p":"1 month"}"#,
        ],
    );
    assert!(
        out[0].contains(r#""error":"line 1: field `p`"#),
        "{}",
        out[0]
    );
    assert!(out[1].contains("out of range"), "{}", out[1]);
    assert!(out[2].contains("out of range"), "{}", out[2]);
    assert!(out[3].contains(r#""c":"2026-02-28""#), "{}", out[3]);
}

/// What `is set` proved of a derived field is forgotten once a field it reads is set (it
/// loaded, then failed with an internal error).
#[test]
fn setting_a_field_forgets_what_was_known_of_derived_fields() {
    let rules = r#"
format id = /^[A-Z][0-9]$/ "id"
statuses { a  b }
case k key id: id { prev: status?  p = prev }
event restore { k: id }
on restore for k(event.k) or new {
  rule r when k.p is set {
    set k.prev = unset
    set k.status = k.p
  }
}
"#;
    let err = match Engine::from_sources(vec![Source::new("p.docket", rules)]) {
        Ok(_) => panic!("the policy should not load"),
        Err(e) => e.render(),
    };
    assert!(err.contains("may be unset"), "{err}");
}

/// A count below zero is an error that shows no operand (a value from the event need not be
/// shown; a count cannot be sensitive, `tests/errors/sensitive_count.yaml`).
#[test]
fn arithmetic_errors_show_no_value() {
    let engine = policy(
        "event guess { pin: count }\non guess { rule r when event.pin - 5000 > 0 { show x = 1 } }\n",
        &[],
    );
    let out = run(
        &engine,
        &[r#"{"type":"guess","at":"2026-01-01T00:00:00Z","pin":1234}"#],
    );
    assert!(out[0].contains("a count would go below zero"), "{}", out[0]);
    assert!(!out[0].contains("1234"), "{}", out[0]);
}

/// The event's own outcomes come in order of case type as declared, then key; `docket
/// test` finds a case of any type by its key.
#[test]
fn own_outcomes_follow_the_declared_case_types_and_scenarios_find_every_type() {
    let engine = policy(
        r#"
format id = /^[A-Z][0-9]$/ "id"
statuses { open  closed }
case member key id: id in members { }
case loan key id: id in loans { member: id }
event borrow { loan: id, member: id }
event close { member: id }
on borrow for new loan(event.loan) { rule lend { set loan.member = event.member } }
on close for member(event.member) or new {
  rule r for l in [x in loans where x.member == member.id] { set l.status = closed }
  rule s { set member.status = closed }
}
"#,
        &[],
    );
    let out = run(
        &engine,
        &[
            r#"{"type":"borrow","at":"2026-01-01T00:00:00Z","loan":"A1","member":"M1"}"#,
            r#"{"type":"close","at":"2026-01-01T00:00:00Z","member":"M1"}"#,
        ],
    );
    let member = out[1].find(r#""member":"M1""#).expect("M1");
    let loan = out[1].find(r#""loan":"A1""#).expect("A1");
    assert!(member < loan, "{}", out[1]);
    let scenario = docket::Scenario::parse(
        "s.yaml",
        "title: t\nsteps:\n  - event: { type: borrow, at: \"2026-01-01T00:00:00Z\", loan: A1, member: M1 }\n    messages: []\n    status: { A1: open }\n",
    )
    .expect("a scenario");
    assert_eq!(scenario.run(&engine).failures, []);
}

/// `erase when` conditions of every case are read before any is erased: the result does not
/// depend on which case comes first.
#[test]
fn erasures_are_decided_on_the_world_as_the_rules_left_it() {
    let engine = policy(
        r#"
format id = /^[A-Z][0-9]$/ "id"
statuses { open }
case account key id: id in accounts {
  grp: text = "g"
  code: text? sensitive erase when count([a in accounts where a.grp == grp and a.code is set]) >= 2
}
event make { a: id }
event both { code: text sensitive }
event peek { a: id }
on make for new account(event.a) { }
on both { rule r for x in [x in accounts where x.grp == "g"] { set x.code = event.code } }
on peek for account(event.a) { rule r { show has_code = account.code is set } }
"#,
        &[],
    );
    let out = run(
        &engine,
        &[
            r#"{"type":"make","at":"2026-01-01T00:00:00Z","a":"A1"}"#,
            r#"{"type":"make","at":"2026-01-01T00:00:00Z","a":"A2"}"#,
            r#"{"type":"both","at":"2026-01-01T00:00:00Z","code":"s3cret"}"#,
            r#"{"type":"peek","at":"2026-01-01T00:00:00Z","a":"A1"}"#,
            r#"{"type":"peek","at":"2026-01-01T00:00:00Z","a":"A2"}"#,
        ],
    );
    assert!(out[3].contains(r#""has_code":false"#), "{}", out[3]);
    assert!(out[4].contains(r#""has_code":false"#), "{}", out[4]);
}

/// A deadline is computed from its own case: one that reads other cases (it went stale,
/// and saving and loading changed the outcome) is refused at load. Two case types may not
/// share an `in` name.
#[test]
fn deadlines_read_their_own_case_and_in_names_are_unique() {
    let load = |rules: &str| match Engine::from_sources(vec![Source::new("p.docket", rules)]) {
        Ok(_) => panic!("should not load:\n{rules}"),
        Err(e) => e.render(),
    };
    let err = load(
        r#"
format id = /^[A-Z][0-9]$/ "id"
statuses { open }
case member key id: id in members { mid: id  slow: bool = false }
case loan key id: id in loans { member: id  start: instant }
deadline due = loan.start + 1h * count([m in members where m.mid == loan.member and m.slow])
"#,
    );
    assert!(err.contains("deadline `due` reads other cases"), "{err}");
    let err = load(
        r#"
format id = /^[A-Z][0-9]$/ "id"
statuses { open }
case a key id: id in things { }
case b key id: id in things { }
"#,
    );
    assert!(err.contains("the name `things` is taken already"), "{err}");
}

/// A deadline set into the past fires at the next event, at that event's clock, never
/// before the previous event's.
#[test]
fn the_clock_never_runs_back_across_events() {
    let engine = policy(
        r#"
format id = /^[A-Z][0-9]$/ "id"
statuses { open  done }
case job key id: id { due: instant? }
deadline d = job.due
event back { j: id }
event tick {}
on back for job(event.j) or new { rule r { set job.due = event.at - 1h } }
on deadline d { rule r { set job.due = unset  show fired_at = now } }
"#,
        &[],
    );
    let out = run(
        &engine,
        &[
            r#"{"type":"back","at":"2026-01-01T10:00:00Z","j":"J1"}"#,
            r#"{"type":"tick","at":"2026-01-01T12:00:00Z"}"#,
        ],
    );
    assert!(
        out[1].contains(r#""fired_at":"2026-01-01T10:00:00Z""#),
        "{}",
        out[1]
    );
}

/// A counter with invariants: a state invariant over the case and its participants, and a
/// transition invariant whose `before` parts read the case as it was before the event.
const COUNTER: &str = r#"
format counter_id = /^[A-Z]$/ "a letter"
statuses { counting: open  stopped: final }
case counter key id: counter_id { n: count = 0 }
participants ticks in counter { by: counter_id }
event open { counter: counter_id }
event up { counter: counter_id }
event down { counter: counter_id }
on open for new counter(event.counter) { rule start { emit opened } }
on up for counter(event.counter) {
  rule up { set counter.n = counter.n + 1  add ticks(by: event.counter) }
}
on down for counter(event.counter) { rule down { set counter.n = counter.n - 1 } }
invariant at_most_two for counter = counter.n <= 2 and count(counter.ticks) <= 2
  else "counter {counter.id} is at {counter.n}"
invariant never_down for counter change = after.n >= before.n and count(after.ticks) >= count([t in before.ticks where t.by == after.id])
  else "counter {after.id} went from {before.n} to {after.n}"
"#;

#[test]
fn invariants_are_checked_on_the_world_before_and_after_an_event() {
    let engine = policy(COUNTER, &[("messages.yaml", MESSAGES)]);
    assert!(engine.has_invariants());
    let mut world = World::new();
    let lines = [
        r#"{"type":"open","at":"2026-11-28T10:00:00Z","counter":"A"}"#,
        r#"{"type":"up","at":"2026-11-28T10:00:01Z","counter":"A"}"#,
        r#"{"type":"down","at":"2026-11-28T10:00:02Z","counter":"A"}"#,
        r#"{"type":"up","at":"2026-11-28T10:00:03Z","counter":"A"}"#,
        r#"{"type":"up","at":"2026-11-28T10:00:04Z","counter":"A"}"#,
        r#"{"type":"up","at":"2026-11-28T10:00:05Z","counter":"A"}"#,
    ];
    let mut broken = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let before = world.clone();
        let record = engine.run_line(&mut world, i + 1, line);
        assert!(!record.is_error(), "{}", record.to_json());
        for v in engine.invariant_violations(Some(&before), &world) {
            broken.push((i + 1, v.invariant, v.message));
        }
    }
    assert_eq!(
        broken,
        vec![
            (
                3,
                "never_down".to_string(),
                "counter A went from 1 to 0".to_string()
            ),
            (
                6,
                "at_most_two".to_string(),
                "counter A is at 3".to_string()
            ),
        ]
    );
    // without the world before, only state invariants are checked
    assert_eq!(engine.invariant_violations(None, &world).len(), 1);
}

const STEPS: &str = r#"
format job_id = /^[A-Z][0-9]$/ "a letter and a digit"
statuses { running: open  done: final }
case job key id: job_id {
  start: instant
  note: count = 0
  extra: count = 0
  wait = 1h * (count(job.steps) + extra)
}
participants steps in job { name: text }
deadline due = job.start + job.wait
event begin { job: job_id }
event step { job: job_id, name: text }
event note { job: job_id }
event more { job: job_id }
event tick {}
on begin for new job(event.job) {
  rule open {
    set job.start = event.at
    add steps(name: "first") as s { }
  }
}
on step for job(event.job) {
  rule step { add steps(name: event.name) as s { } }
}
on note for job(event.job) {
  rule note { set job.note = job.note + 1 }
}
on more for job(event.job) {
  rule more { set job.extra = job.extra + 1 }
}
on deadline due {
  rule late { emit reminder }
}
"#;

/// A deadline is computed again only where something it reads changed: a participant
/// added, a field its derived field reads; not when another field of its case changes.
/// Both ways of running an event (applied in place; evaluated, then committed) agree.
#[test]
fn a_deadline_moves_when_what_it_reads_changes_and_only_then() {
    let engine = policy(STEPS, &[("messages.yaml", MESSAGES)]);
    let lines = [
        // due 01:00 (one step), then 02:00 (two), unchanged by the note, then 03:00
        r#"{"type":"begin","at":"2026-01-01T00:00:00Z","job":"J1"}"#,
        r#"{"type":"step","at":"2026-01-01T00:10:00Z","job":"J1","name":"second"}"#,
        r#"{"type":"note","at":"2026-01-01T00:20:00Z","job":"J1"}"#,
        r#"{"type":"tick","at":"2026-01-01T01:30:00Z"}"#,
        r#"{"type":"more","at":"2026-01-01T01:40:00Z","job":"J1"}"#,
        r#"{"type":"note","at":"2026-01-01T01:50:00Z","job":"J1"}"#,
        r#"{"type":"tick","at":"2026-01-01T02:59:59Z"}"#,
        r#"{"type":"tick","at":"2026-01-01T03:00:00Z"}"#,
    ];
    let applied = run(&engine, &lines);
    let mut world = World::new();
    let committed: Vec<String> = lines
        .iter()
        .map(|l| {
            let event = engine.parse_event(l).expect("an event");
            let step = engine.evaluate(&world, &event).expect("accepted");
            let record = serde_json::to_string(&step.outcomes().len()).unwrap_or_default();
            engine.commit(&mut world, step).expect("committed");
            record
        })
        .collect();
    for quiet in [3, 6] {
        assert!(
            applied[quiet].contains(r#""outcomes":[]"#),
            "{}",
            applied[quiet]
        );
        assert_eq!(
            committed[quiet],
            "0",
            "evaluated: nothing due at line {}",
            quiet + 1
        );
    }
    assert!(applied[7].contains("\"reminder\""), "{}", applied[7]);
    assert_eq!(committed[7], "1", "evaluated: due at 03:00");
}

/// A case its event created must hold a value in every field that is not optional, even
/// when the rule that sets one did not run (the checker sees to it that no later write can
/// unset one): else the event is refused.
#[test]
fn a_new_case_left_without_a_required_value_is_refused() {
    // the rule that sets it does not run for this job
    let rules = STEPS.replace("  rule open {", "  rule open when event.job == \"J2\" {");
    let engine = policy(&rules, &[("messages.yaml", MESSAGES)]);
    let out = run(
        &engine,
        &[r#"{"type":"begin","at":"2026-01-01T00:00:00Z","job":"J1"}"#],
    );
    assert!(
        out[0].contains("the rules left field `start` of job `J1` unset"),
        "{}",
        out[0]
    );
}

/// A case of which an event wrote nothing but a deadline (it fired, and its handler did
/// nothing) is still looked at after the event where an `erase when` condition reads the
/// clock: its condition may hold now, and its field is erased then, not at its next write.
#[test]
fn a_case_whose_deadline_alone_fired_is_erased_where_the_clock_says_so() {
    let engine = policy(
        r#"
format id = /^[A-Z][0-9]$/ "id"
statuses { open  closed }
case box key id: id {
  until: instant?
  secret: text? sensitive erase when until is set and now >= until
}
deadline look = box.until
event fill { b: id, secret: text sensitive }
event peek { b: id }
event tick {}
on fill for new box(event.b) {
  rule r { set box.secret = event.secret  set box.until = event.at + 1h }
}
on peek for box(event.b) { rule r { show has_secret = box.secret is set } }
on deadline look {
  rule never when box.status == closed { set box.until = unset }
}
"#,
        &[],
    );
    let out = run(
        &engine,
        &[
            r#"{"type":"fill","at":"2026-01-01T00:00:00Z","b":"B1","secret":"s3cret"}"#,
            r#"{"type":"peek","at":"2026-01-01T00:30:00Z","b":"B1"}"#,
            r#"{"type":"tick","at":"2026-01-01T01:30:00Z"}"#,
            r#"{"type":"peek","at":"2026-01-01T01:31:00Z","b":"B1"}"#,
        ],
    );
    assert!(out[1].contains(r#""has_secret":true"#), "{}", out[1]);
    assert!(out[3].contains(r#""has_secret":false"#), "{}", out[3]);
}
