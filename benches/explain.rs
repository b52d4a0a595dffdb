//! What does `docket run --explain` cost, and what does its machinery cost when it is off?
//!
//! Group `explain` runs the benchmarks' mixed ICP stream (`support/stream.rs`; 2 000 filings,
//! about 19 000 events, `DOCKET_STREAM_FILINGS` picks another size) line by line through a
//! fresh, empty world per pass, each record written as JSON:
//!
//! - `off`: `Engine::run_line` + `Record::to_json`, what `docket run` does;
//! - `on`: `Engine::explain_line` + `Explained::to_json`, what `docket run --explain` does
//!   (every record carries its `trace`).
//!
//! `off` measured on the commit before tracing existed is the baseline: the tracer must cost
//! nothing when off, and `on` must stay within 2× of `off`. The machine is shared and noisy,
//! so compare the ratios of one run (`cargo bench --bench explain`).

mod support;

use criterion::{Criterion, SamplingMode, Throughput};
use docket::{Engine, World};
use std::hint::black_box;
use std::time::Duration;

fn stream_lines() -> Vec<String> {
    let filings = support::env_size("DOCKET_STREAM_FILINGS", 2_000);
    support::stream::mixed(filings).lines
}

fn bench(c: &mut Criterion) {
    let engine = Engine::load(support::icp_dir()).expect("the ICP policy loads");
    let lines = stream_lines();
    let mut group = c.benchmark_group("explain");
    group
        .sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("off", |b| {
        b.iter(|| {
            let mut world = World::new();
            let mut bytes = 0;
            for (i, line) in lines.iter().enumerate() {
                bytes += engine.run_line(&mut world, i + 1, line).to_json().len();
            }
            black_box(bytes)
        })
    });
    // ON-BEGIN
    group.bench_function("on", |b| {
        b.iter(|| {
            let mut world = World::new();
            let mut bytes = 0;
            for (i, line) in lines.iter().enumerate() {
                bytes += engine.explain_line(&mut world, i + 1, line).to_json().len();
            }
            black_box(bytes)
        })
    });
    // ON-END
    group.finish();
}

fn main() {
    let mut c = support::config(20, Duration::from_secs(8));
    bench(&mut c);
    c.final_summary();
}
