//! A load test of `docket serve` on loopback: a bounded client that stops by itself, against
//! the release binary on a fresh SQLite store in a temporary folder. Two measures:
//!
//! - **batched**: the benchmarks' mixed ICP stream (`DOCKET_BENCH_EVENTS`, default 100 000
//!   events), posted in order as requests of 1 000 JSON lines on one kept-alive connection
//!   (order matters: the world's clock only goes forward); events a second, from the first
//!   request to the last answer, each answer given after its commit. Three runs, each on a
//!   new store.
//! - **single events at a fixed rate**: `DOCKET_BENCH_RATE` requests a second (default
//!   1 000) for `DOCKET_BENCH_SECONDS` (default 10), each one ICP order for a filing of its
//!   own, on 8 kept-alive connections, sent on a fixed schedule (open loop: a late answer
//!   does not delay the next request, and each latency is counted from when its request was
//!   due, so a stall shows in the figures rather than hiding). Latency percentiles.
//!
//! Run with `cargo bench --bench serve` (about a minute). The client and the service share
//! this machine's cores: the figures are what one box gives with both on it.

#[allow(dead_code, reason = "the load test uses part of the tests' support")]
#[path = "../tests/support/http.rs"]
mod http;
#[allow(dead_code, reason = "the load test uses part of the tests' support")]
#[path = "../tests/support/server.rs"]
mod server;
mod support;
#[allow(dead_code, reason = "the load test uses part of the tests' support")]
#[path = "../tests/support/tempdir.rs"]
mod tempdir;

use server::{order, Server, TOKEN};
use std::time::{Duration, Instant};

/// Lines a batched request holds.
const BATCH: usize = 1000;
/// Connections of the fixed-rate client.
const CONNECTIONS: usize = 8;

fn main() {
    let events = support::env_size("DOCKET_BENCH_EVENTS", 100_000);
    let rate = support::env_size("DOCKET_BENCH_RATE", 1_000);
    let seconds = support::env_size("DOCKET_BENCH_SECONDS", 10);
    let mut lines = support::stream::mixed(events / 9 + 1).lines;
    lines.truncate(events);

    let mut rates = Vec::new();
    for run in 1..=3 {
        let (rate, accepted) = batched(&lines, run);
        eprintln!(
            "batched, run {run}: {} events ({accepted} accepted) in requests of {BATCH}: {rate:.0} events/s",
            lines.len()
        );
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    eprintln!(
        "batched: {:.0}–{:.0} events/s over 3 runs, median {:.0}",
        rates[0], rates[2], rates[1]
    );

    let report = fixed_rate(rate, seconds);
    eprintln!("{report}");
}

/// Posts `lines` in requests of [`BATCH`] to a new service; events a second, and how many
/// were accepted.
fn batched(lines: &[String], run: usize) -> (f64, usize) {
    let server = Server::start(&format!("bench-serve-batched-{run}"));
    let mut conn = http::Conn::open(&server.addr, Some(TOKEN)).expect("connect");
    let bodies: Vec<String> = lines.chunks(BATCH).map(|c| c.join("\n")).collect();
    let started = Instant::now();
    let mut accepted = 0;
    for body in &bodies {
        let reply = conn
            .send("POST", "/v1/events", body.as_bytes())
            .expect("an answer");
        assert_eq!(reply.status, 200, "{}", reply.body);
        accepted += reply
            .body
            .lines()
            .filter(|l| !l.contains("\"error\""))
            .count();
    }
    let took = started.elapsed();
    let (code, log, _) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    (lines.len() as f64 / took.as_secs_f64(), accepted)
}

/// `rate` single-event requests a second for `seconds`, on [`CONNECTIONS`] connections;
/// the latency percentiles, as a line to print.
fn fixed_rate(rate: usize, seconds: usize) -> String {
    let server = Server::start("bench-serve-rate");
    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let start = Instant::now() + Duration::from_millis(200);
    let mut threads = Vec::new();
    for c in 0..CONNECTIONS {
        let addr = server.addr.clone();
        threads.push(std::thread::spawn(move || {
            let mut conn = http::Conn::open(&addr, Some(TOKEN)).expect("connect");
            let mut latencies = Vec::with_capacity(total / CONNECTIONS + 1);
            let mut refused = 0;
            // request i is due at start + i × interval; this connection takes every
            // CONNECTIONS-th one
            for i in (c..total).step_by(CONNECTIONS) {
                let due = start + interval * u32::try_from(i).expect("a count");
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let body = order(&format!("RATE-{i}"));
                let reply = conn
                    .send("POST", "/v1/events", body.as_bytes())
                    .expect("an answer");
                latencies.push(due.elapsed());
                if reply.status != 200 {
                    refused += 1;
                }
            }
            (latencies, refused)
        }));
    }
    let mut all = Vec::with_capacity(total);
    let mut refused = 0;
    for t in threads {
        let (l, r) = t.join().expect("a client");
        all.extend(l);
        refused += r;
    }
    let took = start.elapsed();
    let (code, log, _) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    all.sort_unstable();
    let at = |p: f64| {
        let i = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
        all[i].as_secs_f64() * 1000.0
    };
    format!(
        "single events at {rate}/s for {seconds} s on {CONNECTIONS} connections: {} requests in {:.2} s ({:.0}/s achieved), {refused} not 200; latency ms: p50 {:.2}, p90 {:.2}, p99 {:.2}, p99.9 {:.2}, max {:.2}",
        all.len(),
        took.as_secs_f64(),
        all.len() as f64 / took.as_secs_f64(),
        at(0.50),
        at(0.90),
        at(0.99),
        at(0.999),
        at(1.0)
    )
}
