//! Does the cost of one event grow with the number of live filings?
//!
//! The engine keeps deadlines in a time-ordered queue and finds people through indexes, so
//! evaluating one event should cost about the same in a world of a thousand live filings as in
//! a world of a million. This benchmark builds worlds of N live filings (N = 1 000, 100 000 and
//! 1 000 000 by default), each a two-person `first_filing`/`website` order whose two people
//! have been sent a code (so both are pending, inside an open 24 h window), then times single
//! events against each world with [`Engine::evaluate`], which is pure: the world does not
//! change, so every iteration sees the same world.
//!
//! Cases, per N: (a) a validation attempt with a wrong code for a pending phone, (b) one for
//! an unknown phone, (c) a resend request, (d) an SMS to one filing, (e) a tick that fires no
//! deadline, (f) a tick that fires exactly one (filing 0 got its first SMS an hour before every
//! other filing), (i) a new order. Also `parse_event` alone, and `run_line` end to end.
//!
//! Run with `cargo bench --bench engine`. `DOCKET_BENCH_SIZES=1000,100000` picks other sizes.
//! Building each world is measured once and printed (with the process's memory) on stderr.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use docket::{Engine, Event, World};
use std::hint::black_box;
use std::time::{Duration, Instant};

const ORDERED_AT: &str = "2026-11-28T09:00:00+08:00";
/// The first SMS of filing 0 (its window ends 24 h later).
const FIRST_SMS_EARLY: &str = "2026-11-28T10:00:00+08:00";
/// The first SMS of every other filing.
const FIRST_SMS: &str = "2026-11-28T11:00:00+08:00";
/// When the timed events happen: every window is open.
const NOW: &str = "2026-11-28T12:00:00+08:00";
/// A tick before any window ends.
const QUIET: &str = "2026-11-29T09:00:00+08:00";
/// A tick after filing 0's window ended, before any other did.
const WINDOW_ONE_ENDED: &str = "2026-11-29T10:30:00+08:00";

const LEADER_CERT: &str = "52817X";
const ADMIN_CERT: &str = "603942";
const CODE: &str = "482913";
const WRONG_CODE: &str = "000000";
/// No person in any world has this phone (worlds use 13… and 15… numbers).
const UNKNOWN_PHONE: &str = "17000000000";

fn filing(i: usize) -> String {
    format!("F{i:07}")
}

fn leader_phone(i: usize) -> String {
    format!("13{i:09}")
}

fn admin_phone(i: usize) -> String {
    format!("15{i:09}")
}

fn order_line(at: &str, i: usize) -> String {
    format!(
        r#"{{"type":"order_submitted","at":"{at}","filing":"{}","scenario":"first_filing","variant":"website","personnel":[{{"role":"entity_leader","phone":"{}","cert_last6":"{LEADER_CERT}"}},{{"role":"website_admin","phone":"{}","cert_last6":"{ADMIN_CERT}"}}]}}"#,
        filing(i),
        leader_phone(i),
        admin_phone(i)
    )
}

fn sms_line(at: &str, i: usize, phone: &str, code: &str) -> String {
    format!(
        r#"{{"type":"sms_sent","at":"{at}","filing":"{}","phone":"{phone}","code":"{code}","sender":"12381"}}"#,
        filing(i)
    )
}

fn attempt_line(phone: &str, code: &str, cert: &str) -> String {
    format!(
        r#"{{"type":"validation_attempt","at":"{NOW}","phone":"{phone}","code":"{code}","cert_last6":"{cert}"}}"#
    )
}

fn resend_line(phone: &str, cert: &str) -> String {
    format!(r#"{{"type":"resend_request","at":"{NOW}","phone":"{phone}","cert_last6":"{cert}"}}"#)
}

fn tick_line(at: &str) -> String {
    format!(r#"{{"type":"tick","at":"{at}"}}"#)
}

/// Runs one line against the world; a refused line is a bug in this benchmark.
fn feed(engine: &Engine, world: &mut World, seq: &mut usize, line: &str) {
    *seq += 1;
    let record = engine.run_line(world, *seq, line);
    assert!(!record.is_error(), "{}", record.to_json());
}

/// A world of `n` live filings, every person pending; filing 0's window opened first.
fn build_world(engine: &Engine, n: usize) -> World {
    let mut world = World::new();
    let mut seq = 0;
    for i in 0..n {
        feed(engine, &mut world, &mut seq, &order_line(ORDERED_AT, i));
    }
    for i in 0..n {
        let at = if i == 0 { FIRST_SMS_EARLY } else { FIRST_SMS };
        feed(
            engine,
            &mut world,
            &mut seq,
            &sms_line(at, i, &leader_phone(i), CODE),
        );
        feed(
            engine,
            &mut world,
            &mut seq,
            &sms_line(at, i, &admin_phone(i), CODE),
        );
    }
    assert_eq!(world.len(), n);
    world
}

/// A line `/proc/self/status` gives in kB (e.g. `VmRSS`, `VmHWM`), as MiB; `None` off Linux.
fn proc_status_mib(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn memory() -> String {
    match (proc_status_mib("VmRSS:"), proc_status_mib("VmHWM:")) {
        (Some(rss), Some(hwm)) => format!("RSS {rss:.0} MiB, peak RSS (VmHWM) {hwm:.0} MiB"),
        _ => "memory unknown (no /proc/self/status)".into(),
    }
}

fn sizes() -> Vec<usize> {
    match std::env::var("DOCKET_BENCH_SIZES") {
        Ok(s) => s
            .split(',')
            .map(|x| {
                x.trim()
                    .replace('_', "")
                    .parse()
                    .expect("DOCKET_BENCH_SIZES: comma-separated numbers")
            })
            .collect(),
        Err(_) => vec![1_000, 100_000, 1_000_000],
    }
}

fn parse(engine: &Engine, line: &str) -> Event {
    match engine.parse_event(line) {
        Ok(e) => e,
        Err(e) => panic!("benchmark event refused: {e}\n{line}"),
    }
}

/// Evaluates once and checks the step names exactly `times` messages `id`, so that each case
/// measures the path its name says.
fn expect(engine: &Engine, world: &World, event: &Event, id: &str, times: usize) {
    let step = match engine.evaluate(world, event) {
        Ok(s) => s,
        Err(e) => panic!("benchmark event refused: {e}"),
    };
    let debug = format!("{step:?}");
    let found = debug.matches(&format!("id: \"{id}\"")).count();
    assert_eq!(found, times, "expected {times} × `{id}` in {debug}");
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args()
}

/// The cost of a line on its own, whatever the world.
fn bench_parse(c: &mut Criterion) {
    let engine = Engine::icp();
    let mut group = c.benchmark_group("parse_event");
    let lines = [
        (
            "validation_attempt",
            attempt_line(&leader_phone(7), CODE, LEADER_CERT),
        ),
        ("sms_sent", sms_line(NOW, 7, &leader_phone(7), CODE)),
        ("order_submitted", order_line(ORDERED_AT, 7)),
    ];
    for (name, line) in &lines {
        parse(&engine, line);
        group.bench_function(*name, |b| {
            b.iter(|| engine.parse_event(black_box(line.as_str())))
        });
    }
    group.finish();
}

/// `run_line` end to end (parse, evaluate, commit) on a small world, each iteration on a
/// fresh copy so that failures do not accumulate.
fn bench_run_line_small(c: &mut Criterion) {
    let engine = Engine::icp();
    let n = 100;
    let world = build_world(&engine, n);
    let wrong = attempt_line(&leader_phone(n / 2), WRONG_CODE, LEADER_CERT);
    let right = attempt_line(&leader_phone(n / 2), CODE, LEADER_CERT);
    let mut group = c.benchmark_group("run_line_world_100");
    for (name, line) in [("wrong_code", &wrong), ("right_code", &right)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || world.clone(),
                |mut w| {
                    let record = engine.run_line(&mut w, 1, black_box(line.as_str()));
                    (w, record)
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn bench_worlds(c: &mut Criterion) {
    let engine = Engine::icp();
    for n in sizes() {
        assert!(n >= 2, "a world needs at least two filings");
        let started = Instant::now();
        let mut world = build_world(&engine, n);
        let took = started.elapsed();
        eprintln!(
            "world of {n} filings ({} lines): built in {:.2?} ({:.2} µs/line); {}",
            3 * n,
            took,
            took.as_secs_f64() * 1e6 / (3 * n) as f64,
            memory()
        );

        let mid = n / 2;
        let cases: [(&str, String, &str, usize); 7] = [
            (
                "a_attempt_wrong_code",
                attempt_line(&leader_phone(mid), WRONG_CODE, LEADER_CERT),
                "validation_failed",
                1,
            ),
            (
                "b_attempt_unknown_phone",
                attempt_line(UNKNOWN_PHONE, CODE, LEADER_CERT),
                "record_not_found_or_complete",
                1,
            ),
            (
                "c_resend_request",
                resend_line(&admin_phone(mid), ADMIN_CERT),
                "resend_success",
                1,
            ),
            (
                "d_sms_sent",
                sms_line(NOW, mid, &leader_phone(mid), "123456"),
                "validation_window_expired",
                0,
            ),
            (
                "e_tick_quiet",
                tick_line(QUIET),
                "validation_window_expired",
                0,
            ),
            (
                "f_tick_one_expiry",
                tick_line(WINDOW_ONE_ENDED),
                "validation_window_expired",
                1,
            ),
            (
                "i_order_submitted_new",
                order_line(NOW, n),
                "order_submitted",
                1,
            ),
        ];

        let mut group = c.benchmark_group(format!("evaluate_n{n}"));
        for (name, line, id, times) in &cases {
            let event = parse(&engine, line);
            expect(&engine, &world, &event, id, *times);
            group.bench_function(*name, |b| {
                b.iter(|| engine.evaluate(black_box(&world), black_box(&event)))
            });
        }
        group.finish();

        // End to end on the big world, with lines that leave it as it was (but for the
        // clock, which they set to `NOW`, the instant of every event above).
        let mut group = c.benchmark_group(format!("run_line_n{n}"));
        let unknown = attempt_line(UNKNOWN_PHONE, CODE, LEADER_CERT);
        group.bench_function("b_attempt_unknown_phone", |b| {
            b.iter(|| engine.run_line(&mut world, 1, black_box(unknown.as_str())))
        });
        let tick = tick_line(NOW);
        group.bench_function("tick_quiet", |b| {
            b.iter(|| engine.run_line(&mut world, 1, black_box(tick.as_str())))
        });
        group.finish();

        let started = Instant::now();
        drop(world);
        eprintln!(
            "world of {n} filings: dropped in {:.2?}; {}",
            started.elapsed(),
            memory()
        );
    }
    eprintln!("end of run: {}", memory());
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_parse, bench_run_line_small, bench_worlds
}
criterion_main!(benches);
