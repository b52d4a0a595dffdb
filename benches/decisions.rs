//! Two small decisions of the ICP process, as docket policies of their own and as
//! hand-written Rust, in the same run: what one decision costs through the public API, from
//! Rust values to the answer read back.
//!
//! - **role lookup**: the 14-row role table of `rules/icp/roles.yaml`, asked which roles
//!   a (scenario, variant) requires, answered with `show required = roles[…]`;
//! - **limits check**: rejected when 5 or more failures, else expired when 1 440 or more
//!   minutes since the SMS, else a resend refused when 2 or more were used, else ok —
//!   the thresholds read from a limits table, answered with `show verdict = …`.
//!
//! Each docket decision is `engine.event(…)…build()` (the typed event API: the values are
//! checked as a JSON line's would be) then `engine.evaluate(&world, &event)` on an empty
//! world, and the shown value read back; the inputs cycle through every row (lookup) or
//! every branch (limits). Also timed: loading and checking each policy from its texts.
//!
//! Run with `cargo bench --bench decisions` (under a minute). At the end a table on stderr
//! gives the medians and docket's time over the hand-written one's.

mod support;

use criterion::Criterion;
use docket::{Engine, Source, World};
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::{show_ns, show_ratio, Recorder};

const MESSAGES: &str = "kind: messages\nmessages: {}\n";

const LOOKUP: &str = r#"
event lookup { scenario: roles.scenario, variant: roles.variant }
on lookup {
  rule answer { show required = roles[event.scenario, event.variant] }
}
"#;

const LIMITS_TABLE: &str = "kind: limits
limits:
  max_failed_attempts: { count: 5 }
  validation_window_minutes: { count: 1440 }
  max_resends: { count: 2 }
";

const LIMITS: &str = r#"
event check { failures: count, minutes: count, resend: bool, used: count }
on check {
  rule verdict when event.failures >= limits.max_failed_attempts {
    show verdict = "rejected"
  } else when event.minutes >= limits.validation_window_minutes {
    show verdict = "expired"
  } else when event.resend and event.used >= limits.max_resends {
    show verdict = "resend_refused"
  } else {
    show verdict = "ok"
  }
}
"#;

fn lookup_sources() -> Vec<Source> {
    let roles = std::fs::read_to_string(support::icp_dir().join("roles.yaml")).expect("roles.yaml");
    vec![
        Source::new("roles.yaml", roles),
        Source::new("messages.yaml", MESSAGES),
        Source::new("decide.docket", LOOKUP),
    ]
}

fn limits_sources() -> Vec<Source> {
    vec![
        Source::new("limits.yaml", LIMITS_TABLE),
        Source::new("messages.yaml", MESSAGES),
        Source::new("decide.docket", LIMITS),
    ]
}

fn load(sources: Vec<Source>) -> Engine {
    Engine::from_sources(sources).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// The (scenario, variant) rows of the role table, as the table file lists them.
const ROWS: [(&str, &str); 14] = [
    ("first_filing", "website"),
    ("first_filing", "website_and_app"),
    ("first_filing", "app"),
    ("add_service", "website"),
    ("add_service", "website_and_app"),
    ("add_service", "app"),
    ("add_provider", "all"),
    ("modify", "entity"),
    ("modify", "service"),
    ("modify", "entity_and_service"),
    ("cancel", "entity"),
    ("cancel", "website"),
    ("cancel", "app"),
    ("remove_provider", "none"),
];

/// The role table, by hand.
fn roles_by_hand(scenario: &str, variant: &str) -> &'static [&'static str] {
    const BOTH: &[&str] = &["entity_leader", "website_admin"];
    const LEADER: &[&str] = &["entity_leader"];
    const ADMIN: &[&str] = &["website_admin"];
    match (scenario, variant) {
        ("first_filing" | "add_service", "website") | ("add_provider", "all") => BOTH,
        ("first_filing" | "add_service", "website_and_app" | "app") => LEADER,
        ("modify", "entity") | ("cancel", "entity") => LEADER,
        ("modify", "service") | ("cancel", "website" | "app") => ADMIN,
        ("modify", "entity_and_service") => BOTH,
        _ => &[],
    }
}

/// (failures, minutes, resend, used): one input per branch.
const CHECKS: [(i64, i64, bool, i64); 4] = [
    (5, 10, false, 0),
    (1, 1440, false, 0),
    (0, 30, true, 2),
    (0, 30, true, 1),
];

/// The limits check, by hand.
fn limits_by_hand(failures: i64, minutes: i64, resend: bool, used: i64) -> &'static str {
    if failures >= 5 {
        "rejected"
    } else if minutes >= 1440 {
        "expired"
    } else if resend && used >= 2 {
        "resend_refused"
    } else {
        "ok"
    }
}

/// The lookup's event for a (scenario, variant), built through the typed event API.
fn lookup_event(engine: &Engine, scenario: &str, variant: &str) -> docket::Event {
    let event = engine.event("lookup").at(AT).text("scenario", scenario);
    event.text("variant", variant).build().expect("an event")
}

/// The limits check's event for (failures, minutes, resend, used).
fn check_event(engine: &Engine, (f, m, r, u): (i64, i64, bool, i64)) -> docket::Event {
    let event = engine
        .event("check")
        .at(AT)
        .count("failures", f)
        .count("minutes", m);
    event
        .bool("resend", r)
        .count("used", u)
        .build()
        .expect("an event")
}

/// The instant of every decision.
const AT: &str = "2026-11-28T09:00:00+08:00";

/// The first shown value of the decision's outcome.
fn shown(engine: &Engine, world: &World, event: &docket::Event) -> serde_json::Value {
    let step = engine.evaluate(world, event).expect("a decision");
    step.outcomes()
        .first()
        .and_then(|o| o.shows.first())
        .map(|(_, v)| v.clone())
        .expect("a shown value")
}

fn main() {
    let mut c: Criterion = support::config(20, Duration::from_secs(3));
    let rec = Recorder::default();
    let lookup = load(lookup_sources());
    let limits = load(limits_sources());
    let world = World::new();

    // the two agree with their hand-written twins on every input
    for (s, v) in ROWS {
        let got = shown(&lookup, &world, &lookup_event(&lookup, s, v));
        assert_eq!(got, serde_json::json!(roles_by_hand(s, v)), "{s}/{v}");
    }
    for input @ (f, m, r, u) in CHECKS {
        let got = shown(&limits, &world, &check_event(&limits, input));
        assert_eq!(got, limits_by_hand(f, m, r, u));
    }

    const SAMPLES: usize = 20;
    let mut g = c.benchmark_group("decisions");
    // each benchmark runs `step(i)` for i = 0, 1, 2, … and is recorded for the table
    let mut bench = |name: &str, step: &mut dyn FnMut(usize)| {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let started = Instant::now();
                for i in 0..iters as usize {
                    step(black_box(i));
                }
                rec.record(name, iters, started.elapsed())
            })
        });
    };
    bench("role lookup, hand-written", &mut |i| {
        let (s, v) = black_box(ROWS[i % ROWS.len()]);
        black_box(roles_by_hand(s, v).len());
    });
    bench("role lookup, docket", &mut |i| {
        let (s, v) = black_box(ROWS[i % ROWS.len()]);
        black_box(shown(&lookup, &world, &lookup_event(&lookup, s, v)));
    });
    bench("limits check, hand-written", &mut |i| {
        let (f, m, r, u) = black_box(CHECKS[i % CHECKS.len()]);
        black_box(limits_by_hand(f, m, r, u));
    });
    bench("limits check, docket", &mut |i| {
        let input = black_box(CHECKS[i % CHECKS.len()]);
        black_box(shown(&limits, &world, &check_event(&limits, input)));
    });
    bench("load + check, role lookup", &mut |_| {
        black_box(load(lookup_sources()));
    });
    bench("load + check, limits check", &mut |_| {
        black_box(load(limits_sources()));
    });
    g.finish();
    rec.warn_if_unmeasured();

    let m = |name: &str| rec.ns(name, SAMPLES);
    eprintln!("\n| decision | hand-written | docket | docket / hand |");
    eprintln!("|---|---:|---:|---:|");
    for what in ["role lookup", "limits check"] {
        let (hand, ours) = (
            m(&format!("{what}, hand-written")),
            m(&format!("{what}, docket")),
        );
        eprintln!(
            "| {what} | {} | {} | {} |",
            show_ns(hand),
            show_ns(ours),
            show_ratio(ours, hand)
        );
    }
    for what in ["role lookup", "limits check"] {
        eprintln!(
            "| load + check, {what} | | {} | |",
            show_ns(m(&format!("load + check, {what}")))
        );
    }
}
