//! Does the cost of one event grow with the number of live filings, and how much memory does a
//! live filing take? The engine beside the hand-written reference model (`icp-reference`).
//!
//! The engine keeps deadlines in a time-ordered queue and finds people through indexes, so
//! evaluating one event should cost about the same in a world of a thousand live filings as in
//! a world of a million. This benchmark builds worlds of N live filings (N = 1 000, 100 000 and
//! 1 000 000 by default), each a two-person `first_filing`/`website` order whose two people
//! have been sent a code (so both are pending, inside an open 24 h window). Filing `k` got its
//! first SMS at 10:00 + k ms, so windows end one millisecond apart, filing 0's first.
//!
//! Per N, three series (case letters as in the first):
//!
//! - `evaluate_n{N}`: the engine's [`Engine::evaluate`], which is pure: every iteration sees the
//!   same world, and one filing (`N/2`) is the target. Cases: (a) a validation attempt with a
//!   wrong code for a pending phone, (b) one for an unknown phone, (c) a resend request, (d) an
//!   SMS with a new code, (e) a tick that fires no deadline, (f) a tick that fires exactly one
//!   (at filing 0's window end), (i) a new order. **The per-event cost must stay flat**: the
//!   summary gives each case's cost at the largest N over its cost at the smallest.
//! - `apply_n{N}`: the same cases applied for real — `Engine::apply` (evaluate + commit) and
//!   `Model::apply`, events decoded beforehand — to a working copy of the world, targets
//!   spread over all filings (filing `j·p mod N` for a prime `p`, so a big world is not
//!   walked in memory order): (a) and (c) go round the pool of (up to 65 536) targets four and
//!   two times (never a fifth failure or a third resend), (d) resends the code each person
//!   already has, (f) expires filing 0, 1, 2, … in turn, (i) adds up to N/10 new filings. When a
//!   pass is used up the working copy is made again from the world, untimed. Before timing,
//!   the first 2 000 steps are replayed and must take the case's path. The summary gives the
//!   engine/reference ratio at each N and each one's largest-N/smallest-N ratio.
//! - `run_line_n{N}`: `Engine::run_line` end to end on the big world, for lines that leave it
//!   as it was.
//!
//! **Memory per live filing**: the bench binary counts live heap bytes (a counting
//! `#[global_allocator]` over the system allocator: bytes requested, not the allocator's own
//! overhead, so the live allocation count is given too — each costs the system allocator about
//! 8–16 bytes more). Building a world changes the live bytes by the world's size: that,
//! divided by N, is printed on stderr for the engine's `World` and for the `Model`, with the
//! process's RSS. (The counting costs both systems two relaxed atomic additions per allocation.)
//!
//! Run with `cargo bench --bench engine` (about 5 minutes; peak RSS about 2.6 GB at 1 M: two
//! copies of the engine's world). `DOCKET_BENCH_SIZES=1000,100000` picks other sizes (the
//! default is 1000,2000 when criterion does not measure: `cargo test --benches`, `-- --test`,
//! `-- --list`). `parse_event` alone is timed too; `run_line` on a small world, engine against
//! reference, is in `benches/compare.rs`.
//!
//! Reading the summary (stderr, at the end): times are the medians of criterion's samples. In
//! `evaluate` the last column (largest N over smallest) is the flatness figure (target: at
//! most 1.5×). In `apply` both systems also pay for cache misses as the world outgrows the
//! caches (the targets are spread over it), so their growth is compared with each other there.

mod support;

use criterion::Criterion;
use docket::{Engine, Event, World};
use icp_reference::Model;
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::{
    bench_pool, check_steps, ids, show_ns, show_ratio, stamp, summarize_engine, summarize_model,
    Pass, Recorder, Summary, DAY,
};

// ── Counting live heap bytes ────────────────────────────────────────────────

#[global_allocator]
static ALLOCATOR: support::counting::Counting = support::counting::Counting;

use support::counting::live;

// ── The worlds ──────────────────────────────────────────────────────────────

const ORDERED_AT: &str = "2026-11-28T09:00:00+08:00";
/// The first SMS of filing 0; filing k's comes k milliseconds later.
const FIRST_SMS: &str = "2026-11-28T10:00:00+08:00";
/// When the timed events happen: every window is open.
const NOW: &str = "2026-11-28T12:00:00+08:00";
/// A tick before any window ends.
const QUIET: &str = "2026-11-29T09:00:00+08:00";

const LEADER_CERT: &str = "52817X";
const ADMIN_CERT: &str = "603942";
const CODE: &str = "482913";
const WRONG_CODE: &str = "000000";
/// No person in any world has this phone (worlds use 13… and 15… numbers).
const UNKNOWN_PHONE: &str = "17000000000";
/// The most distinct targets a pool of the `apply` series holds.
const POOL: usize = 65_536;

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
    support::order(
        at,
        &filing(i),
        "first_filing",
        "website",
        &[
            ("entity_leader", &leader_phone(i), LEADER_CERT),
            ("website_admin", &admin_phone(i), ADMIN_CERT),
        ],
    )
}

fn sms_line(at: &str, i: usize, phone: &str, code: &str) -> String {
    support::sms(at, &filing(i), phone, code, Some("12381"))
}

/// When filing `k` got its first SMS.
fn first_sms_ms(k: usize) -> i64 {
    support::ms(FIRST_SMS) + k as i64
}

/// Every line that builds a world of `n` live filings, in order: the orders, then two SMSs
/// per filing, filing k's at 10:00 + k ms.
fn world_lines(n: usize) -> impl Iterator<Item = String> {
    let orders = (0..n).map(|i| order_line(ORDERED_AT, i));
    let sms = (0..n).flat_map(|i| {
        let at = stamp(first_sms_ms(i));
        [
            sms_line(&at, i, &leader_phone(i), CODE),
            sms_line(&at, i, &admin_phone(i), CODE),
        ]
    });
    orders.chain(sms)
}

/// What building a world did: its size, in time and memory.
struct Built {
    took: Duration,
    bytes: isize,
    allocs: isize,
}

impl Built {
    fn report(&self, who: &str, n: usize) {
        eprintln!(
            "{who}: world of {n} filings ({} lines) built in {:.2?} ({:.2} µs/line); live heap {:.1} MiB = {:.0} bytes and {:.1} allocations per filing; {}",
            3 * n,
            self.took,
            self.took.as_secs_f64() * 1e6 / (3 * n) as f64,
            self.bytes as f64 / (1 << 20) as f64,
            self.bytes as f64 / n as f64,
            self.allocs as f64 / n as f64,
            support::rss()
        );
    }
}

/// Builds something with `build`, measuring its time and the live heap it leaves behind.
fn measured<T>(build: impl FnOnce() -> T) -> (T, Built) {
    let before = live();
    let started = Instant::now();
    let built = build();
    let took = started.elapsed();
    let after = live();
    let cost = Built {
        took,
        bytes: after.0 - before.0,
        allocs: after.1 - before.1,
    };
    (built, cost)
}

/// A world of `n` live filings, every person pending.
fn build_engine_world(engine: &Engine, n: usize) -> (World, Built) {
    let (world, built) = measured(|| {
        let mut world = World::new();
        for (seq, line) in world_lines(n).enumerate() {
            let record = engine.run_line(&mut world, seq + 1, &line);
            assert!(!record.is_error(), "{}", record.to_json());
        }
        world
    });
    assert_eq!(world.len(), n);
    (world, built)
}

/// The same world in the reference model.
fn build_model(n: usize) -> (Model, Built) {
    let mut out = String::with_capacity(4096);
    let (model, built) = measured(|| {
        let mut model = support::model();
        for (seq, line) in world_lines(n).enumerate() {
            out.clear();
            assert!(model.run_line(seq + 1, &line, &mut out), "{out}");
        }
        model
    });
    assert_eq!(model.len(), n);
    (model, built)
}

fn sizes() -> Vec<usize> {
    let default: &[usize] = if support::measuring() {
        &[1_000, 100_000, 1_000_000]
    } else {
        &[1_000, 2_000]
    };
    let sizes = support::env_sizes("DOCKET_BENCH_SIZES", default);
    assert!(
        sizes.iter().all(|&n| n >= 2),
        "a world needs at least two filings"
    );
    sizes
}

fn parse(engine: &Engine, line: &str) -> Event {
    match engine.parse_event(line) {
        Ok(e) => e,
        Err(e) => panic!("benchmark event refused: {e}\n{line}"),
    }
}

// ── Criterion ───────────────────────────────────────────────────────────────

const SAMPLES: usize = 20;
const APPLY_SAMPLES: usize = 10;

/// The cost of a line on its own, whatever the world.
fn bench_parse(c: &mut Criterion) {
    let engine = Engine::icp();
    let mut group = c.benchmark_group("parse_event");
    let lines = [
        (
            "validation_attempt",
            support::attempt(NOW, &leader_phone(7), CODE, LEADER_CERT),
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

/// One case of the `evaluate` series: a line, and the message id it must emit `times` times.
struct Probe {
    name: &'static str,
    line: String,
    id: &'static str,
    times: usize,
}

fn probes(n: usize) -> Vec<Probe> {
    let mid = n / 2;
    let probe = |name, line, id, times| Probe {
        name,
        line,
        id,
        times,
    };
    vec![
        probe(
            "a_attempt_wrong_code",
            support::attempt(NOW, &leader_phone(mid), WRONG_CODE, LEADER_CERT),
            "validation_failed",
            1,
        ),
        probe(
            "b_attempt_unknown_phone",
            support::attempt(NOW, UNKNOWN_PHONE, CODE, LEADER_CERT),
            "record_not_found_or_complete",
            1,
        ),
        probe(
            "c_resend_request",
            support::resend(NOW, &admin_phone(mid), ADMIN_CERT),
            "resend_success",
            1,
        ),
        probe(
            "d_sms_sent",
            sms_line(NOW, mid, &leader_phone(mid), "123456"),
            "validation_window_expired",
            0,
        ),
        probe(
            "e_tick_quiet",
            support::tick(QUIET),
            "validation_window_expired",
            0,
        ),
        probe(
            "f_tick_one_expiry",
            support::tick(&stamp(first_sms_ms(0) + DAY)),
            "validation_window_expired",
            1,
        ),
        probe(
            "i_order_submitted_new",
            order_line(NOW, n),
            "order_submitted",
            1,
        ),
    ]
}

/// Evaluates once and checks the step names exactly `times` messages `id`, so that each case
/// measures the path its name says.
fn expect(engine: &Engine, world: &World, event: &Event, probe: &Probe) {
    let step = match engine.evaluate(world, event) {
        Ok(s) => s,
        Err(e) => panic!("benchmark event refused: {e}"),
    };
    let found = step
        .outcomes()
        .iter()
        .flat_map(|o| &o.messages)
        .filter(|m| m.id == probe.id)
        .count();
    assert_eq!(
        found,
        probe.times,
        "`{}`: expected {} × `{}` in {:?}",
        probe.name,
        probe.times,
        probe.id,
        step.outcomes()
    );
}

fn bench_evaluate(c: &mut Criterion, rec: &Recorder, engine: &Engine, world: &World, n: usize) {
    let mut group = c.benchmark_group(format!("evaluate_n{n}"));
    for probe in &probes(n) {
        let event = parse(engine, &probe.line);
        expect(engine, world, &event, probe);
        let id = format!("evaluate_n{n}/{}", probe.name);
        group.bench_function(probe.name, |b| {
            b.iter_custom(|iters| {
                let started = Instant::now();
                for _ in 0..iters {
                    black_box(engine.evaluate(black_box(world), black_box(&event)).is_ok());
                }
                rec.record(&id, iters, started.elapsed())
            })
        });
    }
    group.finish();
}

/// End to end on the big world, with lines that leave it as it was (but for the clock, which
/// they set to `NOW`, the instant of every event above).
fn bench_run_line(c: &mut Criterion, rec: &Recorder, engine: &Engine, world: &mut World, n: usize) {
    let mut group = c.benchmark_group(format!("run_line_n{n}"));
    let lines = [
        (
            "b_attempt_unknown_phone",
            support::attempt(NOW, UNKNOWN_PHONE, CODE, LEADER_CERT),
        ),
        ("e_tick_quiet", support::tick(NOW)),
    ];
    for (name, line) in &lines {
        let id = format!("run_line_n{n}/{name}");
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| {
                let started = Instant::now();
                for _ in 0..iters {
                    black_box(engine.run_line(world, 1, black_box(line.as_str())));
                }
                rec.record(&id, iters, started.elapsed())
            })
        });
    }
    group.finish();
}

// ── The `apply` series ──────────────────────────────────────────────────────

/// One case of the `apply` series: a pool of lines, gone round `rounds` times per pass.
struct Series {
    name: &'static str,
    lines: Vec<String>,
    rounds: u64,
    ids: &'static [&'static str],
    outcomes: usize,
}

/// A pass of an endless series: copies are never made again in practice.
const ENDLESS: u64 = 1 << 40;

/// Filing `j·p mod n`, for a prime-ish `p` coprime with `n`: distinct for `j < n`, spread.
fn spread(n: usize) -> impl Fn(usize) -> usize {
    fn gcd(a: usize, b: usize) -> usize {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let mut p = 7_919 % n;
    while p == 0 || gcd(p, n) != 1 {
        p += 1;
    }
    move |j| (j * p) % n
}

fn series(n: usize) -> Vec<Series> {
    let target = spread(n);
    let pool = n.min(POOL);
    let new_orders = (n / 10).clamp(1, POOL);
    vec![
        Series {
            name: "a_attempt_wrong_code",
            lines: (0..pool)
                .map(|j| support::attempt(NOW, &leader_phone(target(j)), WRONG_CODE, LEADER_CERT))
                .collect(),
            rounds: 4,
            ids: &["validation_failed"],
            outcomes: 1,
        },
        Series {
            name: "b_attempt_unknown_phone",
            lines: vec![support::attempt(NOW, UNKNOWN_PHONE, CODE, LEADER_CERT)],
            rounds: ENDLESS,
            ids: &["record_not_found_or_complete"],
            outcomes: 1,
        },
        Series {
            name: "c_resend_request",
            lines: (0..pool)
                .map(|j| support::resend(NOW, &admin_phone(target(j)), ADMIN_CERT))
                .collect(),
            rounds: 2,
            ids: &["resend_success"],
            outcomes: 1,
        },
        Series {
            name: "d_sms_sent",
            lines: (0..pool)
                .map(|j| sms_line(NOW, target(j), &leader_phone(target(j)), CODE))
                .collect(),
            rounds: ENDLESS / pool as u64,
            ids: &[],
            outcomes: 1,
        },
        Series {
            name: "e_tick_quiet",
            lines: vec![support::tick(NOW)],
            rounds: ENDLESS,
            ids: &[],
            outcomes: 0,
        },
        Series {
            name: "f_tick_one_expiry",
            lines: (0..n)
                .map(|k| support::tick(&stamp(first_sms_ms(k) + DAY)))
                .collect(),
            rounds: 1,
            ids: &["validation_window_expired"],
            outcomes: 1,
        },
        Series {
            name: "i_order_submitted_new",
            lines: (0..new_orders).map(|j| order_line(NOW, n + j)).collect(),
            rounds: 1,
            ids: &["order_submitted"],
            outcomes: 1,
        },
    ]
}

/// Checks one step: the case's path.
fn check_path(s: &Series, who: &str, j: u64, said: &Summary) {
    let what = format!("{who} `{}`, step {j}", s.name);
    let outcomes = match said {
        Ok(os) => os.len(),
        Err(e) => panic!("{what}: refused: {e}"),
    };
    assert_eq!(outcomes, s.outcomes, "{what}: outcomes {said:?}");
    assert_eq!(
        ids(said),
        s.ids,
        "{what}: not the path the case is named after"
    );
}

/// How many steps of each pass are replayed and checked before timing.
const CHECKED: u64 = 2_000;

fn bench_apply_engine(c: &mut Criterion, rec: &Recorder, engine: &Engine, world: &World, n: usize) {
    let mut group = c.benchmark_group(format!("apply_n{n}"));
    group.sample_size(APPLY_SAMPLES);
    for s in &series(n) {
        let events: Vec<Event> = s.lines.iter().map(|l| parse(engine, l)).collect();
        let budget = s.lines.len() as u64 * s.rounds;
        let fresh = || world.clone();
        let pass = check_steps(
            budget,
            CHECKED,
            fresh,
            &events,
            |w, e| summarize_engine(engine.apply(w, e)),
            |j, said| check_path(s, "engine", j, &said),
        );
        bench_pool(
            &mut group,
            rec,
            &format!("apply_n{n}"),
            &format!("{}/engine", s.name),
            pass,
            budget,
            fresh,
            &events,
            |w, e| engine.apply(w, e),
        );
    }
    group.finish();
}

fn bench_apply_model(c: &mut Criterion, rec: &Recorder, model: &Model, n: usize) {
    let mut group = c.benchmark_group(format!("apply_n{n}"));
    group.sample_size(APPLY_SAMPLES);
    for s in &series(n) {
        let events: Vec<_> = s
            .lines
            .iter()
            .map(|l| model.decode(l).unwrap_or_else(|e| panic!("{e:?}: {l}")))
            .collect();
        let budget = s.lines.len() as u64 * s.rounds;
        let fresh = || model.clone();
        let pass: Pass<Model> = check_steps(
            budget,
            CHECKED,
            fresh,
            &events,
            |m, e| summarize_model(m.apply(e)),
            |j, said| check_path(s, "reference", j, &said),
        );
        bench_pool(
            &mut group,
            rec,
            &format!("apply_n{n}"),
            &format!("{}/reference", s.name),
            pass,
            budget,
            fresh,
            &events,
            |m, e| m.apply(e),
        );
    }
    group.finish();
}

// ── Summary ─────────────────────────────────────────────────────────────────

fn summary(rec: &Recorder, sizes: &[usize], memory: &[(usize, Built, Built)]) {
    let (first, last) = (sizes[0], sizes[sizes.len() - 1]);
    let head = |title: &str| {
        let mut h = format!("{title:<24}");
        for n in sizes {
            h += &format!(" | {:>10}", format!("N={n}"));
        }
        if sizes.len() > 1 {
            h += &format!(" | {:>9}", format!("{}/{}", short(last), short(first)));
        }
        eprintln!("{h}");
        eprintln!("{}", "-".repeat(h.chars().count()));
    };
    let row = |name: &str, ns: &dyn Fn(usize) -> Option<f64>| {
        let mut r = format!("{name:<24}");
        for &n in sizes {
            r += &format!(" | {:>10}", show_ns(ns(n)));
        }
        if sizes.len() > 1 {
            r += &format!(" | {:>9}", show_ratio(ns(last), ns(first)));
        }
        eprintln!("{r}");
    };
    let some_n = sizes[0];
    eprintln!();
    rec.warn_if_unmeasured();
    eprintln!(
        "time per event, median of criterion's samples; last column: largest N over smallest N"
    );
    eprintln!();
    head("evaluate (engine, pure)");
    for p in probes(some_n) {
        row(p.name, &|n| {
            rec.ns(&format!("evaluate_n{n}/{}", p.name), SAMPLES)
        });
    }
    eprintln!();
    head("run_line (engine)");
    for name in ["b_attempt_unknown_phone", "e_tick_quiet"] {
        row(name, &|n| rec.ns(&format!("run_line_n{n}/{name}"), SAMPLES));
    }
    for who in ["engine", "reference"] {
        eprintln!();
        head(&format!("apply ({who})"));
        for s in series(some_n) {
            row(s.name, &|n| {
                rec.ns(&format!("apply_n{n}/{}/{who}", s.name), APPLY_SAMPLES)
            });
        }
    }
    eprintln!();
    eprintln!("apply, engine / reference");
    let mut h = format!("{:<24}", "case");
    for n in sizes {
        h += &format!(" | {:>10}", format!("N={n}"));
    }
    eprintln!("{h}");
    eprintln!("{}", "-".repeat(h.chars().count()));
    for s in series(some_n) {
        let mut r = format!("{:<24}", s.name);
        for n in sizes {
            let ns = |who| rec.ns(&format!("apply_n{n}/{}/{who}", s.name), APPLY_SAMPLES);
            r += &format!(" | {:>10}", show_ratio(ns("engine"), ns("reference")));
        }
        eprintln!("{r}");
    }
    eprintln!();
    eprintln!("live heap per filing (two people each), bytes requested [allocations]");
    for (n, e, m) in memory {
        let per = |b: &Built| {
            format!(
                "{:>6.0} B [{:.1}]",
                b.bytes as f64 / *n as f64,
                b.allocs as f64 / *n as f64
            )
        };
        eprintln!(
            "  N={n:<9} engine {}   reference {}   engine/reference {}",
            per(e),
            per(m),
            show_ratio(Some(e.bytes as f64), Some(m.bytes as f64))
        );
    }
}

/// `1k`, `100k`, `1M`.
fn short(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

fn main() {
    let mut c = support::config(SAMPLES, Duration::from_secs(2));
    let rec = Recorder::default();
    let engine = Engine::icp();
    bench_parse(&mut c);
    let sizes = sizes();
    let mut memory = Vec::new();
    for &n in &sizes {
        let (mut world, built_engine) = build_engine_world(&engine, n);
        built_engine.report("engine", n);
        bench_evaluate(&mut c, &rec, &engine, &world, n);
        bench_apply_engine(&mut c, &rec, &engine, &world, n);
        bench_run_line(&mut c, &rec, &engine, &mut world, n);
        let started = Instant::now();
        drop(world);
        eprintln!(
            "engine: world of {n} filings dropped in {:.2?}; {}",
            started.elapsed(),
            support::rss()
        );

        let (model, built_model) = build_model(n);
        built_model.report("reference", n);
        bench_apply_model(&mut c, &rec, &model, n);
        drop(model);
        memory.push((n, built_engine, built_model));
    }
    eprintln!("end of run: {}", support::rss());
    c.final_summary();
    summary(&rec, &sizes, &memory);
}
