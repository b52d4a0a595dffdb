//! How many ICP events a second go into an SQLite store with group commit, against the plain
//! in-memory engine, in the same run (this machine is shared and noisy: the ratio is the
//! figure to trust more than either rate).
//!
//! The stream is the first `DOCKET_BENCH_EVENTS` events (default 20 000) of the benchmarks'
//! mixed ICP stream (`support/stream.rs`). One iteration takes the whole stream:
//!
//! - `engine`: a new `World`, then `engine.run_line` on each line (the records are built, as
//!   the command line builds them, not written);
//! - `sqlite`: a new store in `target/tmp/` (`Store::open`, which creates it), then
//!   `Store::run_batch` on batches of 1024 lines, as `docket run --store` groups them: each
//!   batch is one transaction, synced (`synchronous = FULL`) before its records come back.
//!   Creating the store is timed too (a few milliseconds); removing it is not.
//!
//! Run with `cargo bench --bench store` (a minute or two). At the end a table on stderr gives
//! the median events a second of each, and the store's share of the engine's rate.

mod support;

use docket::{Engine, SealKey, Store, World};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::{show_ratio, Recorder};

const SAMPLES: usize = 10;
/// The batch `docket run --store` commits at most.
const BATCH: usize = 1024;

fn remove_store(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn main() {
    let mut c = support::config(SAMPLES, Duration::from_secs(10));
    let rec = Recorder::default();
    let events = support::env_size("DOCKET_BENCH_EVENTS", 20_000);
    let mut lines = support::stream::mixed(events / 9 + 1).lines;
    lines.truncate(events);
    let engine = Engine::load(support::icp_dir()).expect("rules/icp loads");
    let numbered: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (i + 1, l.as_str()))
        .collect();
    let dir: PathBuf = support::package_dir().join("target").join("tmp");
    std::fs::create_dir_all(&dir).expect("target/tmp");
    let store = dir.join(format!("bench-store-{}.db", std::process::id()));
    let spec = store.to_str().expect("a UTF-8 path").to_string();
    let key = SealKey::from_bytes([7; 32]);

    // every event is accepted, by both
    {
        let mut world = World::new();
        for (n, l) in &numbered {
            let r = engine.run_line(&mut world, *n, l);
            assert!(!r.is_error(), "{}", r.to_json());
        }
        remove_store(&store);
        let (mut s, mut world) = Store::open(&spec, &engine, key.clone()).expect("a new store");
        for batch in numbered.chunks(BATCH) {
            let records = s.run_batch(&engine, &mut world, batch).expect("a batch");
            assert!(records.iter().all(|r| !r.is_error()));
        }
        drop(s);
        remove_store(&store);
    }

    let mut group = c.benchmark_group("store");
    group.throughput(criterion::Throughput::Elements(events as u64));
    group.sample_size(SAMPLES);
    group.bench_function("engine", |b| {
        b.iter_custom(|iters| {
            let started = Instant::now();
            for _ in 0..iters {
                let mut world = World::new();
                for (n, l) in &numbered {
                    std::hint::black_box(engine.run_line(&mut world, *n, l));
                }
            }
            rec.record("store/engine", iters, started.elapsed())
        })
    });
    group.bench_function("sqlite", |b| {
        b.iter_custom(|iters| {
            let mut took = Duration::ZERO;
            for _ in 0..iters {
                remove_store(&store);
                let started = Instant::now();
                let (mut s, mut world) =
                    Store::open(&spec, &engine, key.clone()).expect("a new store");
                for batch in numbered.chunks(BATCH) {
                    std::hint::black_box(s.run_batch(&engine, &mut world, batch).expect("a batch"));
                }
                took += started.elapsed();
            }
            remove_store(&store);
            rec.record("store/sqlite", iters, took)
        })
    });
    group.finish();
    c.final_summary();

    eprintln!();
    rec.warn_if_unmeasured();
    let rate = |ns: Option<f64>| ns.map(|ns| events as f64 / (ns / 1e9));
    let (engine_rate, sqlite_rate) = (
        rate(rec.ns("store/engine", SAMPLES)),
        rate(rec.ns("store/sqlite", SAMPLES)),
    );
    let show = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{r:.0}/s"));
    eprintln!("{events} ICP events, median of criterion's samples (target: 50 000/s into SQLite)");
    eprintln!("{:<28} | {:>12}", "", "events/s");
    eprintln!("{}", "-".repeat(43));
    eprintln!("{:<28} | {:>12}", "engine (in memory)", show(engine_rate));
    eprintln!(
        "{:<28} | {:>12}",
        "SQLite, batches of 1024",
        show(sqlite_rate)
    );
    eprintln!(
        "{:<28} | {:>12}",
        "SQLite / engine",
        show_ratio(sqlite_rate, engine_rate)
    );
}
