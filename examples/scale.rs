//! Scale measurements that a criterion loop cannot make, printed on standard error
//! (release build; `/proc/self/status` for memory, so Linux):
//!
//! ```sh
//! cargo run --release --example scale -- tick 1000000       # one tick expiring N filings
//! cargo run --release --example scale -- participants 10000 # attempts on a filing of N people
//! ```
//!
//! - `tick N`: builds a world of N live two-person ICP filings (as `benches/engine.rs` does:
//!   every person sent a code, windows ending one millisecond apart), then applies one tick
//!   after every window has ended, which expires all N filings at once. Prints the tick's
//!   time, and the process's resident memory with the world built (before the tick) and at
//!   its peak during the tick (the peak is reset just before it: `/proc/self/clear_refs`).
//!   `tick-cow N` does the same through [`Engine::evaluate`] then [`Engine::commit`], which
//!   leave the world as it is until the commit (each case changed is copied).
//! - `participants N`: a copy of the ICP policy without its two rules that refuse a role
//!   listed twice and a phone listed with two certificates (the latter compares every person
//!   with every other: the policy's own quadratic cost), so that one order may list N people
//!   in one role. Orders one filing of N people, sends one of them a code, then times
//!   validation attempts on it (wrong code, right code), evaluated and applied.
//! - `stream-engine N`, `stream-model N`, `stream-none N`: makes the benchmarks' mixed stream
//!   of N filings (`benches/support/stream.rs`, about 9.7 events each), then runs it, JSON
//!   line in and JSON record out, through the engine as `docket run` does, or through the
//!   reference model, or through nothing. Prints the time per event. Its use is counting
//!   instructions, which a shared machine's load does not change: run each mode under
//!   `valgrind --tool=cachegrind` and divide each side's count, less `stream-none`'s (making
//!   the stream), by the events (README.md, "Performance").
//! - `stream-engine-decoded N`, `stream-model-decoded N`, `stream-decode N`: the same stream
//!   decoded beforehand by both sides, then applied (`Engine::apply`, `Model::apply`) by one,
//!   or by none (the cost of making and decoding it, to take off the others' under
//!   cachegrind, as above).
//! - `stream-by-type N`: runs the same stream through both, each line through a function of
//!   its own per side and event type (`by_type::engine_resend_request`, …), and prints how
//!   many lines of each type there were. Under `valgrind --tool=callgrind`, each function's
//!   inclusive count (`callgrind_annotate --inclusive=yes`) divided by its lines is that
//!   side's instructions per event of that type.
//! - `stream-by-type-decoded N`: the same, the stream decoded beforehand by both sides and
//!   applied (`by_type::engine_decoded_resend_request`, …), as `stream-engine-decoded`.
//!   Count at the bench's own size (`stream-by-type-decoded 100000`, some minutes under
//!   callgrind): the model's cost an event differs between worlds of 5 000 and 100 000
//!   filings, the engine's hardly (docs/performance.md, twenty-eighth session).

#[path = "../benches/support/mod.rs"]
mod support;

use docket::{Engine, Event, Source, World};
use std::time::{Duration, Instant};
use support::{proc_status_mib, stamp, DAY};

const ORDERED_AT: &str = "2026-11-28T09:00:00+08:00";
const FIRST_SMS: &str = "2026-11-28T10:00:00+08:00";
const NOW: &str = "2026-11-28T12:00:00+08:00";
const LEADER_CERT: &str = "52817X";
const ADMIN_CERT: &str = "603942";
const CODE: &str = "482913";
const WRONG_CODE: &str = "000000";

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "tick".into());
    let n: usize = args
        .next()
        .map(|a| a.parse().expect("a number"))
        .unwrap_or(if what == "tick" { 1_000_000 } else { 10_000 });
    match what.as_str() {
        "tick" => tick(n, false),
        "tick-cow" => tick(n, true),
        "participants" => participants(n),
        "stream-engine" => stream(n, Side::Engine),
        "stream-model" => stream(n, Side::Model),
        "stream-none" => stream(n, Side::None),
        "stream-engine-decoded" => stream_decoded(n, Side::Engine),
        "stream-model-decoded" => stream_decoded(n, Side::Model),
        "stream-decode" => stream_decoded(n, Side::None),
        "stream-by-type" => by_type::run(n, false),
        "stream-by-type-decoded" => by_type::run(n, true),
        other => panic!(
            "`{other}`: say `tick N`, `tick-cow N`, `participants N` or \
             `stream-engine|stream-model|stream-none|stream-by-type N` or \
             `stream-engine-decoded|stream-model-decoded|stream-decode|stream-by-type-decoded N`"
        ),
    }
}

fn mib(key: &str) -> f64 {
    proc_status_mib(key).unwrap_or(f64::NAN)
}

/// The time this thread has run on a CPU (`/proc/thread-self/schedstat`): on a machine
/// shared with other work, closer to the work done than the wall-clock time.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = stat.split_whitespace().next().and_then(|n| n.parse().ok());
    Duration::from_nanos(ns.unwrap_or(0))
}

/// Resets the process's peak resident memory (VmHWM) to its current value.
fn reset_peak() {
    if let Err(e) = std::fs::write("/proc/self/clear_refs", "5") {
        eprintln!("(could not reset the peak RSS: {e})");
    }
}

fn run(engine: &Engine, world: &mut World, seq: usize, line: &str) {
    let record = engine.run_line(world, seq, line);
    assert!(!record.is_error(), "{}", record.to_json());
}

fn tick(n: usize, copy_on_write: bool) {
    let engine = Engine::icp();
    let mut world = World::new();
    let started = Instant::now();
    let mut seq = 0;
    for i in 0..n {
        seq += 1;
        let line = support::order(
            ORDERED_AT,
            &format!("F{i:07}"),
            "first_filing",
            "website",
            &[
                ("entity_leader", &format!("13{i:09}"), LEADER_CERT),
                ("website_admin", &format!("15{i:09}"), ADMIN_CERT),
            ],
        );
        run(&engine, &mut world, seq, &line);
    }
    for i in 0..n {
        let at = stamp(support::ms(FIRST_SMS) + i as i64);
        for phone in [format!("13{i:09}"), format!("15{i:09}")] {
            seq += 1;
            let line = support::sms(&at, &format!("F{i:07}"), &phone, CODE, Some("12381"));
            run(&engine, &mut world, seq, &line);
        }
    }
    eprintln!(
        "world of {n} filings built in {:.1?}: RSS {:.0} MiB (peak while building {:.0} MiB)",
        started.elapsed(),
        mib("VmRSS:"),
        mib("VmHWM:")
    );
    let tick = engine
        .parse_event(&support::tick(&stamp(
            support::ms(FIRST_SMS) + n as i64 + DAY,
        )))
        .expect("a tick");
    let before = mib("VmRSS:");
    reset_peak();
    let (started, cpu) = (Instant::now(), cpu_time());
    let outcomes = if copy_on_write {
        let step = engine
            .evaluate(&world, &tick)
            .expect("the tick is accepted");
        engine.commit(&mut world, step).expect("committed")
    } else {
        engine
            .apply(&mut world, &tick)
            .expect("the tick is accepted")
    };
    let (took, cpu) = (started.elapsed(), cpu_time() - cpu);
    let peak = mib("VmHWM:");
    assert_eq!(outcomes.len(), n, "every filing expires");
    let expired = outcomes
        .iter()
        .filter(|o| o.status.as_deref() == Some("canceled"))
        .count();
    assert_eq!(expired, n, "every filing is canceled");
    eprintln!(
        "tick expiring {n} filings{}: {:.2?} ({:.2?} on the CPU); RSS {before:.0} MiB before, peak {peak:.0} MiB during it ({:.3}× the world's)",
        if copy_on_write { " (evaluate + commit)" } else { "" },
        took,
        cpu,
        peak / before
    );
    let started = Instant::now();
    drop(outcomes);
    eprintln!("its outcomes dropped in {:.1?}", started.elapsed());
}

/// The ICP policy, without the two rules that stop one order from listing many people in
/// one role.
fn many_people_policy() -> Engine {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/icp");
    let mut sources = Vec::new();
    for name in ["icp.docket", "limits.yaml", "messages.yaml", "roles.yaml"] {
        let path = format!("{dir}/{name}");
        let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        if name == "icp.docket" {
            for rule in ["rule required_role_twice", "rule one_phone_one_certificate"] {
                let start = text.find(rule).expect("the rule is in the policy");
                let end = start + text[start..].find("\n  }\n").expect("its end") + 5;
                text.replace_range(start..end, "");
            }
        }
        sources.push(Source::new(name, text));
    }
    Engine::from_sources(sources).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// The median of `times`.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn participants(n: usize) {
    let engine = many_people_policy();
    let phone = |i: usize| format!("13{i:09}");
    let people: Vec<(String, String)> = (0..n).map(|i| (phone(i), LEADER_CERT.into())).collect();
    let personnel: Vec<(&str, &str, &str)> = people
        .iter()
        .map(|(p, c)| ("entity_leader", p.as_str(), c.as_str()))
        .collect();
    let order = support::order(ORDERED_AT, "BIG", "first_filing", "app", &personnel);
    let mut world = World::new();
    let started = Instant::now();
    run(&engine, &mut world, 1, &order);
    eprintln!("order of {n} people: {:.1?}", started.elapsed());
    let target = phone(n / 2);
    let started = Instant::now();
    run(
        &engine,
        &mut world,
        2,
        &support::sms(FIRST_SMS, "BIG", &target, CODE, None),
    );
    eprintln!("an SMS to one of them: {:.1?}", started.elapsed());
    let attempts: [(&str, Event); 2] =
        [("wrong code", WRONG_CODE), ("right code", CODE)].map(|(name, code)| {
            let line = support::attempt(NOW, &target, code, LEADER_CERT);
            (name, engine.parse_event(&line).expect("an attempt"))
        });
    for (name, event) in &attempts {
        let mut evaluate = Vec::new();
        let mut apply = Vec::new();
        for _ in 0..21 {
            let started = Instant::now();
            let step = engine.evaluate(&world, event).expect("accepted");
            evaluate.push(started.elapsed());
            drop(step);
            let mut copy = world.clone();
            let started = Instant::now();
            let outcomes = engine.apply(&mut copy, event).expect("accepted");
            apply.push(started.elapsed());
            assert_eq!(outcomes.len(), 1);
        }
        eprintln!(
            "attempt, {name}, on the filing of {n} people: evaluate {:.2?}, apply {:.2?} (medians of 21)",
            median(evaluate),
            median(apply)
        );
    }
}

/// What runs the mixed stream.
#[derive(Clone, Copy)]
enum Side {
    Engine,
    Model,
    /// Nothing: the cost of making the stream, to take off the others'.
    None,
}

fn stream(filings: usize, side: Side) {
    // both made in every mode, so that `stream-none` counts their making too
    let engine = Engine::icp();
    let mut model = support::model();
    let lines = support::stream::mixed(filings).lines;
    let mut out = String::with_capacity(4096);
    let started = Instant::now();
    match side {
        Side::Engine => {
            let mut world = World::new();
            for (n, line) in lines.iter().enumerate() {
                out.clear();
                let record = engine.run_line(&mut world, n + 1, line);
                record.write_json(&mut out);
                assert!(!record.is_error(), "{out}");
                record.recycle();
            }
        }
        Side::Model => {
            for (n, line) in lines.iter().enumerate() {
                out.clear();
                model.run_line(n + 1, line, &mut out);
            }
        }
        Side::None => {}
    }
    let took = started.elapsed();
    eprintln!(
        "{} events of {filings} filings: {:.0} ns an event",
        lines.len(),
        took.as_nanos() as f64 / lines.len().max(1) as f64
    );
}

/// The mixed stream decoded beforehand by both sides, then applied (`Engine::apply`,
/// `Model::apply`, outcomes dropped) by one, or by none (`stream-decode`: the cost of making
/// and decoding it, to take off the others').
fn stream_decoded(filings: usize, side: Side) {
    let engine = Engine::icp();
    let mut model = support::model();
    let lines = support::stream::mixed(filings).lines;
    let events: Vec<Event> = (lines.iter())
        .map(|l| engine.parse_event(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let model_events: Vec<icp_reference::Event> = (lines.iter())
        .map(|l| model.decode(l).unwrap_or_else(|e| panic!("{e:?}: {l}")))
        .collect();
    let started = Instant::now();
    match side {
        Side::Engine => {
            let mut world = World::new();
            for e in &events {
                let outcomes = engine.apply(&mut world, e);
                assert!(outcomes.is_ok(), "{outcomes:?}");
                drop(std::hint::black_box(outcomes));
            }
        }
        Side::Model => {
            for e in &model_events {
                let outcomes = model.apply(e);
                assert!(outcomes.is_ok(), "{outcomes:?}");
                drop(std::hint::black_box(outcomes));
            }
        }
        Side::None => {}
    }
    let took = started.elapsed();
    eprintln!(
        "{} events of {filings} filings, decoded beforehand: {:.0} ns an event",
        events.len(),
        took.as_nanos() as f64 / events.len().max(1) as f64
    );
}

/// Each line of the mixed stream through a function per side and event type, so that a
/// profiler counts each type apart.
mod by_type {
    use docket::{Engine, Event, World};
    use icp_reference::Model;

    macro_rules! sides {
        ($($ty:literal => $engine:ident, $model:ident, $engine_decoded:ident, $model_decoded:ident;)*) => {
            $(
                #[inline(never)]
                fn $engine(engine: &Engine, world: &mut World, seq: usize, line: &str, out: &mut String) {
                    // (the type named, so that the functions of two types are not one)
                    std::hint::black_box($ty);
                    out.clear();
                    let record = engine.run_line(world, seq, line);
                    record.write_json(out);
                    assert!(!record.is_error(), "{out}");
                    record.recycle();
                }

                #[inline(never)]
                fn $model(model: &mut Model, seq: usize, line: &str, out: &mut String) {
                    std::hint::black_box($ty);
                    out.clear();
                    model.run_line(seq, line, out);
                }

                #[inline(never)]
                fn $engine_decoded(engine: &Engine, world: &mut World, event: &Event) {
                    std::hint::black_box($ty);
                    let outcomes = engine.apply(world, event);
                    assert!(outcomes.is_ok(), "{outcomes:?}");
                    drop(std::hint::black_box(outcomes));
                }

                #[inline(never)]
                fn $model_decoded(model: &mut Model, event: &icp_reference::Event) {
                    std::hint::black_box($ty);
                    let outcomes = model.apply(event);
                    assert!(outcomes.is_ok(), "{outcomes:?}");
                    drop(std::hint::black_box(outcomes));
                }
            )*

            /// `decoded`: the lines decoded beforehand by both sides, then applied
            /// (`Engine::apply`, `Model::apply`), as `stream-engine-decoded` does.
            pub(super) fn run(filings: usize, decoded: bool) {
                let engine = Engine::icp();
                let mut model = super::support::model();
                let lines = super::support::stream::mixed(filings).lines;
                let decode = |line: &String| {
                    let e = engine.parse_event(line).unwrap_or_else(|e| panic!("{e}: {line}"));
                    let m = model.decode(line).unwrap_or_else(|e| panic!("{e:?}: {line}"));
                    (e, m)
                };
                let events: Vec<(Event, icp_reference::Event)> = match decoded {
                    true => lines.iter().map(decode).collect(),
                    false => Vec::new(),
                };
                let (mut world, mut out) = (World::new(), String::with_capacity(4096));
                let mut counts = std::collections::BTreeMap::<&str, usize>::new();
                for (n, line) in lines.iter().enumerate() {
                    let ty = line
                        .strip_prefix(r#"{"type":""#)
                        .and_then(|rest| rest.split('"').next())
                        .unwrap_or_default();
                    match (ty, events.get(n)) {
                        $(($ty, Some((e, m))) => {
                            $engine_decoded(&engine, &mut world, e);
                            $model_decoded(&mut model, m);
                        })*
                        $(($ty, None) => {
                            $engine(&engine, &mut world, n + 1, line, &mut out);
                            $model(&mut model, n + 1, line, &mut out);
                        })*
                        (other, _) => panic!("an event of type `{other}` in the stream"),
                    }
                    *counts.entry(ty).or_default() += 1;
                }
                for (ty, n) in counts {
                    eprintln!("{n:7} {ty}");
                }
            }
        };
    }

    sides! {
        "order_submitted" => engine_order_submitted, model_order_submitted,
            engine_decoded_order_submitted, model_decoded_order_submitted;
        "sms_sent" => engine_sms_sent, model_sms_sent,
            engine_decoded_sms_sent, model_decoded_sms_sent;
        "validation_attempt" => engine_validation_attempt, model_validation_attempt,
            engine_decoded_validation_attempt, model_decoded_validation_attempt;
        "resend_request" => engine_resend_request, model_resend_request,
            engine_decoded_resend_request, model_decoded_resend_request;
        "phone_change" => engine_phone_change, model_phone_change,
            engine_decoded_phone_change, model_decoded_phone_change;
        "order_canceled" => engine_order_canceled, model_order_canceled,
            engine_decoded_order_canceled, model_decoded_order_canceled;
        "tick" => engine_tick, model_tick, engine_decoded_tick, model_decoded_tick;
    }
}
