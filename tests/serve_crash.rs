//! `docket serve` killed with SIGKILL while clients post events and a consumer follows the
//! feed, then started again on the same store, three times over: every event the service
//! acknowledged is in the journal exactly once, nothing is journaled twice, the feed read
//! across the restarts holds every row once and in order, and `docket store check` finds
//! the stored cases equal to the journal's replay.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[path = "support/bin.rs"]
mod bin;
#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
#[path = "support/http.rs"]
mod http;
#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
#[path = "support/server.rs"]
mod server;
#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
#[path = "support/tempdir.rs"]
mod tempdir;

use server::{order, Server, TOKEN};
use tempdir::TempDir;

/// What the clients were told.
#[derive(Default)]
struct Seen {
    /// Filings whose order the service answered with an accepted record.
    acknowledged: BTreeSet<String>,
    /// Journal rows the consumer read, in the order read.
    fed: Vec<i64>,
}

/// Posts orders (single events, and batches of 20) until the connection fails.
fn client(addr: &str, id: usize, round: usize, seen: &Mutex<Seen>) {
    let Ok(mut conn) = http::Conn::open(addr, Some(TOKEN)) else {
        return;
    };
    for n in 0.. {
        let batch = if n % 3 == 0 { 20 } else { 1 };
        let filings: Vec<String> = (0..batch)
            .map(|i| format!("R{round}-C{id}-N{n}-{i}"))
            .collect();
        let body: Vec<String> = filings.iter().map(|f| order(f)).collect();
        let Ok(reply) = conn.send("POST", "/v1/events", body.join("\n").as_bytes()) else {
            return;
        };
        if reply.status != 200 {
            // the service stopping under us answers 503: nothing of it is acknowledged
            return;
        }
        let records: Vec<serde_json::Value> = reply
            .body
            .lines()
            .map(|l| serde_json::from_str(l).expect("a record"))
            .collect();
        assert_eq!(records.len(), batch, "{}", reply.body);
        let mut seen = seen.lock().expect("seen");
        for (record, filing) in records.iter().zip(filings) {
            assert!(record.get("error").is_none(), "{record}");
            seen.acknowledged.insert(filing);
        }
    }
}

/// Follows the feed from `since` until the service goes away; returns the last row read.
fn consumer(addr: &str, mut since: i64, seen: &Mutex<Seen>) -> i64 {
    let Ok(mut conn) = http::Conn::open(addr, Some(TOKEN)) else {
        return since;
    };
    loop {
        let path = format!("/v1/journal?since={since}&wait=5&limit=500");
        let Ok(reply) = conn.send("GET", &path, b"") else {
            return since;
        };
        if reply.status != 200 {
            return since;
        }
        let mut seen = seen.lock().expect("seen");
        for line in reply.body.lines() {
            let row: serde_json::Value = serde_json::from_str(line).expect("a row");
            let seq = row["seq"].as_i64().expect("seq");
            seen.fed.push(seq);
            since = seq;
        }
    }
}

#[test]
fn acknowledged_events_survive_sigkill_and_the_feed_resumes_without_gaps() {
    let dir = TempDir::new("serve-sigkill");
    let store = dir.path().join("world.db");
    let store = store.to_str().expect("UTF-8").to_string();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut since = 0;
    let mut dir = Some(dir);
    for (round, after) in [400u64, 900, 1500].into_iter().enumerate() {
        let server = Server::on(dir.take().expect("the folder"), &store, &[]);
        let addr = server.addr.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for id in 0..4 {
            let (addr, seen) = (addr.clone(), Arc::clone(&seen));
            threads.push(std::thread::spawn(move || {
                client(&addr, id, round, &seen);
            }));
        }
        let (feed_addr, feed_seen, feed_stop) =
            (addr.clone(), Arc::clone(&seen), Arc::clone(&stop));
        let feed = std::thread::spawn(move || {
            let mut since = since;
            // a restart of the consumer's connection is a fresh request from its cursor
            while !feed_stop.load(Ordering::Relaxed) {
                since = consumer(&feed_addr, since, &feed_seen);
                std::thread::sleep(Duration::from_millis(50));
            }
            since
        });
        std::thread::sleep(Duration::from_millis(after));
        dir = Some(server.kill());
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().expect("a client");
        }
        since = feed.join().expect("the consumer");
    }

    // after the last kill: a service on the store again, and the consumer reads to the end
    let server = Server::on(dir.take().expect("the folder"), &store, &[]);
    let last = consumer_to_end(&server.addr, since, &seen);
    let journal = server.journal();
    let rows: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).expect("a row"))
        .collect();
    assert_eq!(rows.last().and_then(|r| r["seq"].as_i64()), Some(last));

    let mut journaled: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        if let Some(filing) = row["event"]["filing"].as_str() {
            *journaled.entry(filing.to_string()).or_default() += 1;
        }
    }
    let seen = seen.lock().expect("seen");
    assert!(
        seen.acknowledged.len() > 100,
        "the clients were under way: {} acknowledged",
        seen.acknowledged.len()
    );
    for filing in &seen.acknowledged {
        assert_eq!(
            journaled.get(filing),
            Some(&1),
            "{filing} acknowledged, journaled once"
        );
    }
    assert!(
        journaled.values().all(|n| *n == 1),
        "no event journaled twice"
    );
    let expected: Vec<i64> = (1..=last).collect();
    assert_eq!(seen.fed, expected, "the feed gave every row once, in order");
    eprintln!(
        "3 SIGKILLs: {} events acknowledged, {} journaled (the rest were in flight), {} rows fed",
        seen.acknowledged.len(),
        journaled.len(),
        seen.fed.len()
    );

    let dir = server.terminate().2;
    let key = format!("{store}.key");
    let run = bin::docket(&["store", "check", "--store", &store, "--key", &key], None);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    drop(dir);
}

/// Reads the feed from `since` until a poll comes back empty; the last row read.
fn consumer_to_end(addr: &str, mut since: i64, seen: &Mutex<Seen>) -> i64 {
    let mut conn = http::Conn::open(addr, Some(TOKEN)).expect("connect");
    loop {
        let reply = conn
            .send("GET", &format!("/v1/journal?since={since}&limit=500"), b"")
            .expect("the feed");
        assert_eq!(reply.status, 200, "{}", reply.body);
        if reply.body.is_empty() {
            return since;
        }
        let mut seen = seen.lock().expect("seen");
        for line in reply.body.lines() {
            let row: serde_json::Value = serde_json::from_str(line).expect("a row");
            since = row["seq"].as_i64().expect("seq");
            seen.fed.push(since);
        }
    }
}
