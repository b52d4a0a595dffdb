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
//! Each docket decision is `builder.at_instant(…).count(…)…build_into(&mut event)` (the
//! typed event API, with the builder `engine.event("check")` gave kept from one decision to
//! the next: the values are checked as a JSON line's would be, into the storage of the
//! previous event) then `engine.evaluate_into(&world, &event, &mut step)` on an empty world
//! (into the buffers of the previous outcomes), and the shown value read back as Rust
//! values (the verdict's text; the roles' count, as the hand-written lookup gives); the
//! inputs cycle through every row (lookup) or every branch (limits). Also timed: the same
//! decisions made one-shot (a new builder, `build`, `evaluate`: new buffers each time), and
//! loading and checking each policy from its texts. A counting allocator gives the
//! allocations per decision.
//!
//! Run with `cargo bench --bench decisions` (under a minute). At the end a table on stderr
//! gives the medians, docket's time over the hand-written one's, and the allocations.

mod support;

use criterion::Criterion;
use docket::{Engine, Event, EventBuilder, Source, Step, World};
use jiff::Timestamp;
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::counting::{allocations, Counting};
use support::{show_ns, show_ratio, Recorder};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

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

/// The lookup's fields for a (scenario, variant), given to `builder`.
fn lookup_fields<'b, 'a>(
    builder: &'b mut EventBuilder<'a>,
    at: Timestamp,
    (scenario, variant): (&'a str, &'a str),
) -> &'b mut EventBuilder<'a> {
    let builder = builder.at_instant(at).text("scenario", scenario);
    builder.text("variant", variant)
}

/// The lookup's event for a (scenario, variant), built through the typed event API.
fn lookup_event(engine: &Engine, at: Timestamp, row: (&str, &str)) -> Event {
    let mut builder = engine.event("lookup");
    lookup_fields(&mut builder, at, row)
        .build()
        .expect("an event")
}

/// The limits check's fields (failures, minutes, resend, used), given to `builder`.
fn check_fields<'b, 'a>(
    builder: &'b mut EventBuilder<'a>,
    at: Timestamp,
    (f, m, r, u): (i64, i64, bool, i64),
) -> &'b mut EventBuilder<'a> {
    let builder = builder.at_instant(at).count("failures", f);
    builder
        .count("minutes", m)
        .bool("resend", r)
        .count("used", u)
}

/// The limits check's event for (failures, minutes, resend, used).
fn check_event(engine: &Engine, at: Timestamp, input: (i64, i64, bool, i64)) -> Event {
    let mut builder = engine.event("check");
    check_fields(&mut builder, at, input)
        .build()
        .expect("an event")
}

/// The instant of every decision.
const AT: &str = "2026-11-28T09:00:00+08:00";

/// The first shown value of the step's first outcome.
fn first_shown(step: &Step) -> &docket::Shown {
    step.outcomes()
        .first()
        .and_then(|o| o.shows.first())
        .map(|(_, v)| v)
        .expect("a shown value")
}

/// The first shown value of the decision's outcome, as JSON.
fn shown(engine: &Engine, world: &World, event: &Event) -> serde_json::Value {
    first_shown(&engine.evaluate(world, event).expect("a decision")).to_json()
}

/// `n` role lookups, for a count of instructions.
#[inline(never)]
fn count_lookup(decide: &mut dyn FnMut(usize) -> usize, n: usize) {
    for i in 0..n {
        decide(i);
    }
}

/// `n` limits checks, for a count of instructions.
#[inline(never)]
fn count_limits(decide: &mut dyn FnMut(usize) -> bool, n: usize) {
    for i in 0..n {
        decide(i);
    }
}

fn main() {
    let mut c: Criterion = support::config(20, Duration::from_secs(3));
    let rec = Recorder::default();
    let lookup = load(lookup_sources());
    let limits = load(limits_sources());
    let world = World::new();
    let at: Timestamp = AT.parse().expect("an instant");

    // the two agree with their hand-written twins on every input
    for (s, v) in ROWS {
        let got = shown(&lookup, &world, &lookup_event(&lookup, at, (s, v)));
        assert_eq!(got, serde_json::json!(roles_by_hand(s, v)), "{s}/{v}");
    }
    for input @ (f, m, r, u) in CHECKS {
        let got = shown(&limits, &world, &check_event(&limits, at, input));
        assert_eq!(got, limits_by_hand(f, m, r, u));
    }

    // one decision of each, reusing the previous one's builder, event and step
    let mut event = lookup_event(&lookup, at, ROWS[0]);
    let mut step = Step::default();
    let mut lookup_builder = lookup.event("lookup");
    let mut decide_lookup = |i: usize| -> usize {
        let row = ROWS[i % ROWS.len()];
        lookup_fields(&mut lookup_builder, at, row)
            .build_into(&mut event)
            .expect("an event");
        lookup
            .evaluate_into(&world, &event, &mut step)
            .expect("a decision");
        first_shown(&step).items().map_or(0, |items| items.len())
    };
    let mut check = check_event(&limits, at, CHECKS[0]);
    let mut check_step = Step::default();
    let mut check_builder = limits.event("check");
    let mut decide_limits = |i: usize| -> bool {
        let input = CHECKS[i % CHECKS.len()];
        check_fields(&mut check_builder, at, input)
            .build_into(&mut check)
            .expect("an event");
        limits
            .evaluate_into(&world, &check, &mut check_step)
            .expect("a decision");
        first_shown(&check_step).as_str()
            == Some(limits_by_hand(input.0, input.1, input.2, input.3))
    };
    // they agree too, and allocate nothing once warm
    let per_decision = |decide: &mut dyn FnMut(usize)| {
        for i in 0..100 {
            decide(i);
        }
        let before = allocations();
        for i in 0..10_000 {
            decide(i);
        }
        (allocations() - before) as f64 / 10_000.0
    };
    for (i, row) in ROWS.iter().enumerate() {
        assert_eq!(decide_lookup(i), roles_by_hand(row.0, row.1).len());
    }
    for i in 0..CHECKS.len() {
        assert!(decide_limits(i));
    }
    // `DOCKET_COUNT_DECISIONS=<n>`: n decisions of each, untimed, for a count of
    // instructions (`valgrind --tool=callgrind --toggle-collect='decisions::count_lookup'
    // --toggle-collect='decisions::count_limits'`, each function's inclusive count over n)
    if let Some(n) = std::env::var("DOCKET_COUNT_DECISIONS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        count_lookup(&mut |i| black_box(decide_lookup(i)), n);
        count_limits(&mut |i| black_box(decide_limits(i)), n);
        println!("{n} decisions of each");
        return;
    }
    let allocs_lookup = per_decision(&mut |i| {
        black_box(decide_lookup(i));
    });
    let allocs_limits = per_decision(&mut |i| {
        black_box(decide_limits(i));
    });
    let allocs_lookup_once = per_decision(&mut |i| {
        let row = ROWS[i % ROWS.len()];
        black_box(shown(&lookup, &world, &lookup_event(&lookup, at, row)));
    });
    let allocs_limits_once = per_decision(&mut |i| {
        let input = CHECKS[i % CHECKS.len()];
        black_box(shown(&limits, &world, &check_event(&limits, at, input)));
    });

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
        black_box(decide_lookup(i));
    });
    bench("role lookup, docket one-shot", &mut |i| {
        let row = black_box(ROWS[i % ROWS.len()]);
        let step = lookup.evaluate(&world, &lookup_event(&lookup, at, row));
        black_box(
            first_shown(&step.expect("a decision"))
                .items()
                .map(|i| i.len()),
        );
    });
    bench("limits check, hand-written", &mut |i| {
        let (f, m, r, u) = black_box(CHECKS[i % CHECKS.len()]);
        black_box(limits_by_hand(f, m, r, u));
    });
    bench("limits check, docket", &mut |i| {
        black_box(decide_limits(i));
    });
    bench("limits check, docket one-shot", &mut |i| {
        let input = black_box(CHECKS[i % CHECKS.len()]);
        let step = limits.evaluate(&world, &check_event(&limits, at, input));
        black_box(first_shown(&step.expect("a decision")).as_str() == Some("ok"));
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
    eprintln!("\n| decision | hand-written | docket | docket / hand | allocations | one-shot | allocations |");
    eprintln!("|---|---:|---:|---:|---:|---:|---:|");
    for (what, allocs, allocs_once) in [
        ("role lookup", allocs_lookup, allocs_lookup_once),
        ("limits check", allocs_limits, allocs_limits_once),
    ] {
        let (hand, ours, once) = (
            m(&format!("{what}, hand-written")),
            m(&format!("{what}, docket")),
            m(&format!("{what}, docket one-shot")),
        );
        eprintln!(
            "| {what} | {} | {} | {} | {allocs:.1} | {} | {allocs_once:.1} |",
            show_ns(hand),
            show_ns(ours),
            show_ratio(ours, hand),
            show_ns(once),
        );
    }
    for what in ["role lookup", "limits check"] {
        eprintln!(
            "| load + check, {what} | | {} | |",
            show_ns(m(&format!("load + check, {what}")))
        );
    }
}
