//! The PostgreSQL store, through the built binary, against the server that
//! `DOCKET_TEST_POSTGRES` names (`.ci/postgres` starts a throw-away one). Each test makes a
//! database of its own there and drops it afterwards, so the tests run in parallel. Without
//! the variable, the tests that need a server say so and pass.

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
#[path = "support/store_runs.rs"]
mod store_runs;
#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
#[path = "support/tempdir.rs"]
mod tempdir;

use postgres::{Client, NoTls};
use store_runs::{docket, json_lines, without_seq, Pace, KEY};
use tempdir::TempDir;

/// The server's URL, or `None` (and a line saying the test is skipped).
fn server() -> Option<String> {
    match std::env::var("DOCKET_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            // straight to stderr, past the test harness's capture, so a run shows what it skipped
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "skipped: DOCKET_TEST_POSTGRES is not set (see .ci/postgres)"
            );
            None
        }
    }
}

/// `url` with its database replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{authority}/{db}{query}")
}

/// A database of one test's own, dropped at the end.
struct TestDb {
    server: String,
    name: String,
    url: String,
}

impl TestDb {
    fn new(server: &str, test: &str) -> TestDb {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("docket_{test}_{}_{nanos}", std::process::id());
        let mut admin = Client::connect(server, NoTls).expect("the test server answers");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("a test database is created");
        TestDb {
            server: server.to_string(),
            url: with_database(server, &name),
            name,
        }
    }

    fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("the test database answers")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&self.server, NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The cases and clock of the PostgreSQL store `url` (or of an SQLite one).
fn cases_of(url: &str) -> store_runs::Cases {
    if !url.starts_with("postgres") {
        return store_runs::sqlite_cases(url);
    }
    let mut client = Client::connect(url, NoTls).expect("the store's database answers");
    let cases = client
        .query("SELECT type, key, data FROM cases ORDER BY type, key", &[])
        .expect("the cases are read")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let clock = client
        .query_opt("SELECT value FROM meta WHERE name = 'clock'", &[])
        .expect("the clock is read")
        .map(|r| r.get(0));
    (cases, clock)
}

fn example() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/stream.jsonl");
    std::fs::read_to_string(path).expect("the example stream is read")
}

/// The example stream into a store in two runs gives what one plain run gives; the journal
/// reads back, `store check` passes, and a rewind is checked too.
#[test]
fn the_example_stream_into_postgres() {
    let Some(server) = server() else { return };
    let db = TestDb::new(&server, "example");
    let plain = docket(&["run", "examples/stream.jsonl"], None, b"");
    assert_eq!(plain.code, Some(0), "{}", plain.stderr);

    let stream = example();
    let lines: Vec<&str> = stream.lines().collect();
    let (first, rest) = lines.split_at(7);
    let mut records = Vec::new();
    for part in [first, rest] {
        let input = part.join("\n") + "\n";
        let run = docket(&["run", "--store", &db.url], Some(KEY), input.as_bytes());
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        records.extend(json_lines(&run.stdout).into_iter().map(without_seq));
    }
    let expected: Vec<_> = json_lines(&plain.stdout)
        .into_iter()
        .map(without_seq)
        .collect();
    assert!(
        records == expected,
        "the store's records differ from a plain run's"
    );

    let journal = docket(&["journal", "--store", &db.url], Some(KEY), b"");
    assert_eq!(journal.code, Some(0), "{}", journal.stderr);
    let rows = json_lines(&journal.stdout);
    assert_eq!(
        rows.len(),
        1 + lines.len(),
        "the policy row, then every event"
    );
    assert_eq!(rows[0]["kind"], "policy");
    assert!(
        !journal.stdout.contains("482913") && !journal.stdout.contains("52817X"),
        "the journal shows no code or certificate digits"
    );
    let journaled: Vec<_> = rows[1..]
        .iter()
        .map(|r| without_seq(r["record"].clone()))
        .collect();
    assert!(journaled == expected, "the journal's records are the run's");

    let check = docket(&["store", "check", "--store", &db.url], Some(KEY), b"");
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains("ok (14 journal rows replayed"),
        "{}",
        check.stdout
    );

    // set back to after the second order, then continue from there
    let rewind = docket(
        &["store", "rewind", "--store", &db.url, "--to", "3"],
        Some(KEY),
        b"",
    );
    assert_eq!(rewind.code, Some(0), "{}", rewind.stderr);
    assert!(rewind.stdout.contains("(2 cases"), "{}", rewind.stdout);
    let again = docket(
        &["run", "--store", &db.url],
        Some(KEY),
        (lines[2..].join("\n") + "\n").as_bytes(),
    );
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    let again: Vec<_> = json_lines(&again.stdout)
        .into_iter()
        .map(without_seq)
        .collect();
    assert!(
        again == expected[2..],
        "the events after the rewind run as before"
    );
    let check = docket(&["store", "check", "--store", &db.url], Some(KEY), b"");
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);
}

#[test]
fn a_wrong_key_is_refused() {
    let Some(server) = server() else { return };
    let db = TestDb::new(&server, "wrong_key");
    let run = docket(
        &["run", "--store", &db.url],
        Some(KEY),
        example().as_bytes(),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let other = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    for args in [
        vec!["run", "--store", &db.url],
        vec!["journal", "--store", &db.url],
        vec!["store", "check", "--store", &db.url],
    ] {
        let run = docket(&args, Some(other), b"");
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("the key does not match the store"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_database_with_other_tables_is_refused() {
    let Some(server) = server() else { return };
    let db = TestDb::new(&server, "foreign");
    db.client()
        .batch_execute("CREATE TABLE customers (id int PRIMARY KEY, name text)")
        .expect("a foreign table is made");
    let run = docket(
        &["run", "--store", &db.url],
        Some(KEY),
        example().as_bytes(),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("is not a docket store"),
        "{}",
        run.stderr
    );
    let tables: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
            &[],
        )
        .expect("the tables are counted")
        .get(0);
    assert_eq!(tables, 1, "nothing was added beside the foreign table");
}

#[test]
fn an_empty_database_holds_no_store() {
    let Some(server) = server() else { return };
    let db = TestDb::new(&server, "empty");
    for args in [
        vec!["journal", "--store", &db.url],
        vec!["store", "check", "--store", &db.url],
    ] {
        let run = docket(&args, Some(KEY), b"");
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("there is no store at"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

/// Two writers at once, each at its own speed: the one that commits later has its earlier
/// events refused, as a serial run would.
#[test]
fn two_free_writers_on_one_postgres_store() {
    let Some(server) = server() else { return };
    let db = TestDb::new(&server, "free_writers");
    let dir = TempDir::new("pg-free-writers");
    let seen = store_runs::two_writers(&db.url, dir.path(), 10_000, Pace::Free, &cases_of);
    eprintln!(
        "two PostgreSQL writers (free): {} events accepted, {} refused as earlier than the world's clock, {} refused otherwise; the journal switches writers {} times",
        seen.accepted, seen.out_of_order, seen.other_refusals, seen.switches
    );
    assert!(
        seen.accepted >= 10_000,
        "one writer's events at least are accepted"
    );
}

/// Two writers at once, round by round on one clock: nothing is refused for its time.
#[test]
fn two_paced_writers_on_one_postgres_store() {
    let Some(server) = server() else { return };
    let db = TestDb::new(&server, "paced_writers");
    let dir = TempDir::new("pg-paced-writers");
    let seen = store_runs::two_writers(&db.url, dir.path(), 10_000, Pace::Rounds(400), &cases_of);
    eprintln!(
        "two PostgreSQL writers (rounds of 400): {} events accepted, {} refused as earlier than the world's clock, {} refused otherwise; the journal switches writers {} times",
        seen.accepted, seen.out_of_order, seen.other_refusals, seen.switches
    );
    assert_eq!(
        seen.out_of_order, 0,
        "no event is earlier than the world's clock"
    );
    assert!(seen.accepted > 15_000, "most events are accepted");
    assert!(seen.switches >= 25, "the writers' commits interleave");
}

/// No server needed: the key comes before the connection.
#[test]
fn a_postgres_store_needs_a_key() {
    let run = docket(
        &["run", "--store", "postgres://docket@127.0.0.1:1/docket"],
        None,
        example().as_bytes(),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("a PostgreSQL store needs its key"),
        "{}",
        run.stderr
    );
}

/// No server needed: nothing listens on port 1.
#[test]
fn a_server_that_does_not_answer_is_named_without_its_password() {
    for spec in [
        "postgres://ann:hunter2@127.0.0.1:1/docket",
        "postgresql://ann@127.0.0.1:1/docket?password=hunter2",
    ] {
        for args in [
            vec!["run", "--store", spec],
            vec!["journal", "--store", spec],
        ] {
            let run = docket(&args, Some(KEY), example().as_bytes());
            assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
            assert!(
                run.stderr
                    .contains("cannot connect to the PostgreSQL server at `postgres"),
                "{args:?}: {}",
                run.stderr
            );
            assert!(!run.stderr.contains("hunter2"), "{args:?}: {}", run.stderr);
        }
    }
}

/// Two `docket serve` on one PostgreSQL store, each posted 10 000 events over four
/// connections at once: every event answered accepted, journaled once, seen by both
/// services, and the stored cases are the journal's replay.
#[test]
fn two_services_on_one_postgres_store() {
    let Some(pg) = server() else { return };
    let db = TestDb::new(&pg, "two_services");
    let (dir_a, dir_b) = (TempDir::new("pg-serve-a"), TempDir::new("pg-serve-b"));
    let key_file = dir_a.path().join("store.key");
    std::fs::write(&key_file, KEY).expect("the key file is written");
    let key = key_file.to_str().expect("UTF-8").to_string();
    let args = ["--key", key.as_str()];
    // the first creates the store; then both serve it
    let a = server::Server::on(dir_a, &db.url, &args);
    let b = server::Server::on(dir_b, &db.url, &args);
    const EACH: usize = 10_000;
    const CONNECTIONS: usize = 4;
    let started = std::time::Instant::now();
    let mut threads = Vec::new();
    for (name, addr) in [("A", a.addr.clone()), ("B", b.addr.clone())] {
        for c in 0..CONNECTIONS {
            let addr = addr.clone();
            threads.push(std::thread::spawn(move || {
                let mut conn = http::Conn::open(&addr, Some(server::TOKEN)).expect("connect");
                let mut n = 0;
                while n < EACH / CONNECTIONS {
                    // mostly single events, some small batches
                    let batch = if n % 7 == 0 {
                        5.min(EACH / CONNECTIONS - n)
                    } else {
                        1
                    };
                    let body: Vec<String> = (n..n + batch)
                        .map(|i| server::order(&format!("{name}-{c}-{i}")))
                        .collect();
                    let reply = conn
                        .send("POST", "/v1/events", body.join("\n").as_bytes())
                        .expect("an answer");
                    assert_eq!(reply.status, 200, "{}", reply.body);
                    assert_eq!(reply.body.lines().count(), batch);
                    assert!(!reply.body.contains("\"error\""), "{}", reply.body);
                    n += batch;
                }
            }));
        }
    }
    for t in threads {
        t.join().expect("a client");
    }
    eprintln!(
        "two services on one PostgreSQL store: {} events in {:.1} s",
        2 * EACH,
        started.elapsed().as_secs_f64()
    );

    let journal = a.journal();
    let mut filings = std::collections::HashMap::new();
    for line in journal.lines() {
        let row: serde_json::Value = serde_json::from_str(line).expect("a row");
        if let Some(f) = row["event"]["filing"].as_str() {
            *filings.entry(f.to_string()).or_insert(0) += 1;
        }
    }
    assert_eq!(filings.len(), 2 * EACH, "every event journaled");
    assert!(filings.values().all(|n| *n == 1), "none twice");
    assert_eq!(b.journal(), journal, "both services read one journal");
    // each sees the other's cases (a read catches up with the other's commits)
    for (server, filing) in [(&a, "B-3-99"), (&b, "A-0-0")] {
        let case = server.call("GET", &format!("/v1/cases/filing/{filing}"), b"");
        assert_eq!(case.status, 200, "{}", case.body);
    }
    let (code_a, log_a, _) = a.terminate();
    let (code_b, log_b, _) = b.terminate();
    assert_eq!((code_a, code_b), (Some(0), Some(0)), "{log_a}\n{log_b}");
    let check = docket(&["store", "check", "--store", &db.url], Some(KEY), b"");
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);
}
