//! `docket serve` through the built binary and a real HTTP/1.1 client over a TCP socket:
//! every endpoint, the records `docket run --store` prints, bad input refused with nothing
//! kept, the token, the long poll, and SIGTERM.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[path = "support/bin.rs"]
mod bin;
#[path = "support/server.rs"]
#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
mod server;
#[path = "support/tempdir.rs"]
mod tempdir;
use server::{example, request, secrets, Answer, Server, TOKEN};
use tempdir::{rules_copy, TempDir};

/// Runs `docket ARGS` to its end: (exit code, stdout, stderr).
fn docket(args: &[&str]) -> (Option<i32>, String, String) {
    let run = bin::docket(args, None);
    (run.code, run.stdout, run.stderr)
}

/// The CPU time the server has used, in clock ticks (Linux: `/proc/PID/stat`).
fn cpu_ticks(server: &Server) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", server.child.id())).ok()?;
    // the fields after the command name, which is in parentheses
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(user + system)
}

fn lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("`{l}` is not JSON: {e}")))
        .collect()
}

#[test]
fn posting_a_stream_gives_the_records_of_run_store_and_its_journal() {
    let dir = TempDir::new("serve-golden");
    let store = dir.str().to_string() + "/run.db";
    // the example, with a line the engine refuses amid it and a blank line
    let mut stream = example();
    stream.insert_str(0, "{\"type\":\"tick\",\"at\":\"yesterday\"}\n\n");
    let input = dir.path().join("stream.jsonl");
    std::fs::write(&input, &stream).expect("write the stream");
    let input = input.to_str().expect("UTF-8");
    let (code, printed, stderr) = docket(&["run", "--store", &store, input]);
    assert_eq!(code, Some(1), "two lines are refused: {stderr}");
    assert_eq!(printed.matches("\"error\"").count(), 2, "{printed}");

    let server = Server::start("serve-golden-served");
    let answer = server.call("POST", "/v1/events", stream.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.head.contains("application/x-ndjson"),
        "{}",
        answer.head
    );
    assert_eq!(
        answer.body, printed,
        "byte for byte what `run --store` prints"
    );

    let fed = server.journal();
    let served_store = server.store();
    let (code, log, _dir) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    let (_, journaled, _) = docket(&["journal", "--store", &served_store]);
    assert_eq!(fed, journaled, "the feed is `docket journal`");
    let (code, out, err) = docket(&["store", "check", "--store", &served_store]);
    assert_eq!(code, Some(0), "{out}{err}");
    for secret in secrets() {
        assert!(!fed.contains(&secret), "`{secret}` in the feed");
        assert!(!log.contains(&secret), "`{secret}` in the log");
    }
}

#[test]
fn each_endpoint_answers() {
    let server = Server::start("serve-endpoints");
    let example = example();
    let first: Vec<&str> = example.lines().take(3).collect();

    // one event, then JSON lines
    let one = server.call("POST", "/v1/events", first[0].as_bytes());
    assert_eq!(one.status, 200, "{}", one.body);
    let records = lines(&one.body);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["seq"], 1);
    assert!(records[0]["outcomes"].is_array(), "{}", one.body);
    let more = server.call("POST", "/v1/events", first[1..].join("\n").as_bytes());
    assert_eq!(more.status, 200, "{}", more.body);
    assert_eq!(lines(&more.body).len(), 2, "{}", more.body);

    // one event written over several lines is one event
    let pretty = serde_json::to_string_pretty(
        &serde_json::from_str::<serde_json::Value>(example.lines().nth(3).expect("line 4"))
            .expect("JSON"),
    )
    .expect("pretty");
    let answer = server.call("POST", "/v1/evaluate", pretty.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    let would = lines(&answer.body);
    assert_eq!(would.len(), 1);
    assert!(would[0]["outcomes"].is_array(), "{}", answer.body);
    let before = server.journal();
    // the store's first row, then the three events
    assert_eq!(lines(&before).len(), 4, "evaluate keeps nothing: {before}");
    let did = server.call("POST", "/v1/events", pretty.as_bytes());
    assert_eq!(did.status, 200, "{}", did.body);
    assert_eq!(did.body, answer.body, "evaluate says what posting does");

    // a case, masked, and its journal
    let case = server.call("GET", "/v1/cases/filing/ICP-0001", b"");
    assert_eq!(case.status, 200, "{}", case.body);
    let shown = lines(&case.body);
    assert_eq!(shown[0]["key"], "ICP-0001");
    assert_eq!(shown[0]["type"], "filing");
    assert!(case.body.contains("<sensitive>"), "{}", case.body);
    for secret in secrets() {
        assert!(!case.body.contains(&secret), "`{secret}` shown");
    }
    let history = server.call("GET", "/v1/cases/filing/ICP-0001/journal", b"");
    assert_eq!(history.status, 200, "{}", history.body);
    let rows = lines(&history.body);
    assert!(!rows.is_empty());
    for row in &rows {
        let cases = row["cases"].as_array().expect("cases");
        assert!(cases.contains(&serde_json::json!(["filing", "ICP-0001"])));
    }
    let all = lines(&server.journal());
    assert!(rows.len() < all.len(), "only the rows of ICP-0001");

    // the feed after a row
    let after = server.call("GET", "/v1/journal?since=2", b"");
    assert_eq!(after.status, 200);
    let after = lines(&after.body);
    assert_eq!(after[0]["seq"], 3);
    assert_eq!(after.len(), all.len() - 2);

    // the policy and the health check (which needs no token)
    let policy = server.call("GET", "/v1/policy", b"");
    assert_eq!(policy.status, 200, "{}", policy.body);
    let policy = lines(&policy.body);
    assert_eq!(policy[0]["version"].as_str().map(str::len), Some(64));
    assert!(policy[0]["tables"]
        .as_array()
        .is_some_and(|t| !t.is_empty()));
    let health = request(&server.addr, "GET", "/healthz", None, b"");
    assert_eq!(health.status, 200);
    assert_eq!(health.body, "{\"status\":\"ok\"}\n");

    // the journal in pages: `limit`, then on from the last `seq`
    let page = lines(&server.call("GET", "/v1/journal?limit=2", b"").body);
    assert_eq!(page.len(), 2);
    let next = server.call(
        "GET",
        &format!("/v1/journal?since={}&limit=2", page[1]["seq"]),
        b"",
    );
    assert_eq!(lines(&next.body)[0]["seq"], 3, "{}", next.body);
    let one = server.call("GET", "/v1/cases/filing/ICP-0001/journal?limit=1", b"");
    assert_eq!(lines(&one.body).len(), 1, "{}", one.body);

    // the description of every path (no token needed)
    let described = request(&server.addr, "GET", "/v1/openapi.json", None, b"");
    assert_eq!(described.status, 200, "{}", described.body);
    let described: serde_json::Value = serde_json::from_str(&described.body).expect("JSON");
    let paths = described["paths"].as_object().expect("paths");
    assert!(paths.contains_key("/v1/events") && paths.contains_key("/metrics"));
    for (path, ops) in paths {
        if path.contains('{') || ops.get("get").is_none() {
            continue;
        }
        let answer = server.call("GET", path, b"");
        assert_eq!(answer.status, 200, "GET {path}: {}", answer.body);
    }

    // the counters: the requests above, the events accepted, the journal's last row
    let metrics = server.call("GET", "/metrics", b"");
    assert_eq!(metrics.status, 200, "{}", metrics.body);
    assert!(metrics
        .head
        .to_ascii_lowercase()
        .contains("content-type: text/plain; version=0.0.4"));
    let sample = |name: &str| -> f64 {
        metrics
            .body
            .lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
            .unwrap_or_else(|| panic!("no `{name}` in\n{}", metrics.body))
    };
    assert_eq!(sample("docket_events_accepted_total "), 4.0);
    assert_eq!(sample("docket_journal_seq "), all.len() as f64);
    assert!(sample("docket_http_requests_total{route=\"/v1/events\",status=\"2xx\"} ") >= 3.0);
    assert!(
        sample(
            "docket_http_request_duration_seconds_count{route=\"/v1/cases/{case_type}/{key}\"} "
        ) >= 1.0
    );
    assert!(sample("docket_commits_total ") >= 1.0);
}

#[test]
fn bad_input_is_a_clear_4xx_and_nothing_is_kept() {
    let server = Server::start("serve-bad");
    let example = example();
    let first = example.lines().next().expect("a line");
    assert_eq!(
        server.call("POST", "/v1/events", first.as_bytes()).status,
        200
    );
    let kept = server.journal();

    let check = |status: u16, answer: Answer, says: &str| {
        assert_eq!(answer.status, status, "{}", answer.body);
        assert!(
            answer.body.contains(says),
            "`{says}` not in {}",
            answer.body
        );
        let body = lines(&answer.body);
        assert!(
            body[0].get("error").is_some(),
            "an error record: {}",
            answer.body
        );
    };
    check(
        400,
        server.call("POST", "/v1/events", b"{\"type\": "),
        "line 1: ",
    );
    check(
        400,
        server.call("POST", "/v1/evaluate", b"not json"),
        "line 1: ",
    );
    check(
        422,
        server.call(
            "POST",
            "/v1/events",
            br#"{"type":"no_such_event","at":"2026-11-28T09:00:00+08:00"}"#,
        ),
        "no_such_event",
    );
    check(400, server.call("POST", "/v1/events", b"\n"), "empty");
    let long = format!("{{\"type\":\"tick\",\"pad\":\"{}\"}}", "x".repeat(2 << 20));
    check(
        400,
        server.call("POST", "/v1/events", long.as_bytes()),
        "a line is at most 1048576 bytes",
    );
    let big = vec![b' '; (8 << 20) + 1];
    check(
        413,
        server.call("POST", "/v1/events", &big),
        "over 8388608 bytes",
    );
    check(
        401,
        request(&server.addr, "GET", "/v1/journal", None, b""),
        "bearer token",
    );
    let wrong = request(
        &server.addr,
        "POST",
        "/v1/events",
        Some("test-token-0123456789abcdeX"),
        first.as_bytes(),
    );
    assert!(
        wrong.head.contains("www-authenticate: Bearer")
            || wrong.head.contains("WWW-Authenticate: Bearer"),
        "{}",
        wrong.head
    );
    check(401, wrong, "bearer token");
    check(
        404,
        server.call("GET", "/v1/cases/filing/ICP-9999", b""),
        "no case `filing` keyed `ICP-9999`",
    );
    check(
        404,
        server.call("GET", "/v1/cases/no_such_type/ICP-0001/journal", b""),
        "no case",
    );
    check(
        400,
        server.call("GET", "/v1/journal?wait=61", b""),
        "`wait` must be a whole number from 0 to 60",
    );
    check(
        400,
        server.call("GET", "/v1/journal?since=-1", b""),
        "`since` must be",
    );
    check(
        400,
        server.call("GET", "/v1/journal?sinse=1", b""),
        "unknown parameter `sinse`",
    );
    check(
        404,
        server.call("GET", "/v1/nothing", b""),
        "no `/v1/nothing`",
    );
    check(
        400,
        server.call("GET", "/v1/journal?limit=0", b""),
        "`limit` must be a whole number from 1 to 10000",
    );
    check(
        400,
        server.call("GET", "/v1/cases/filing/ICP-0001/journal?wait=1", b""),
        "unknown parameter `wait`",
    );
    // the answers axum writes itself are JSON too
    let wrong_method = server.call("DELETE", "/v1/events", b"");
    assert!(
        wrong_method
            .head
            .to_ascii_lowercase()
            .contains("allow: post"),
        "{}",
        wrong_method.head
    );
    check(405, wrong_method, "`DELETE` is not allowed on `/v1/events`");
    check(
        400,
        server.call("GET", "/v1/cases/filing/%FF/journal", b""),
        "`GET /v1/cases/filing/%FF/journal`",
    );
    check(
        400,
        server.call("GET", "/v1/journal?since=1&since=%FF%FE", b""),
        "`since` must be",
    );

    assert_eq!(server.journal(), kept, "nothing was kept");
    let health = request(&server.addr, "GET", "/healthz", None, b"");
    assert_eq!(health.status, 200, "the service is up");
}

#[test]
fn the_feed_waits_for_a_commit() {
    let server = Server::start("serve-poll");
    let example = example();
    let first = example.lines().next().expect("a line").to_string();

    // the store's first row, which names its policy
    let first_rows = lines(&server.journal());
    assert_eq!(first_rows.len(), 1);
    assert_eq!(first_rows[0]["kind"], "policy");

    // nothing new: the poll answers empty when its wait is over, and waits idle
    let start = Instant::now();
    let busy = cpu_ticks(&server);
    let empty = server.call("GET", "/v1/journal?since=1&wait=2", b"");
    assert_eq!(empty.status, 200);
    assert_eq!(empty.body, "");
    assert!(start.elapsed() >= Duration::from_millis(1900));
    if let (Some(before), Some(after)) = (busy, cpu_ticks(&server)) {
        // a poll that woke itself would spin on its 2 s (200 ticks at 100 Hz)
        assert!(after - before < 50, "{} ticks of CPU", after - before);
    }

    // a commit wakes a waiting poll
    let addr = server.addr.clone();
    let start = Instant::now();
    let poll = std::thread::spawn(move || {
        request(
            &addr,
            "GET",
            "/v1/journal?since=1&wait=30",
            Some(TOKEN),
            b"",
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        server.call("POST", "/v1/events", first.as_bytes()).status,
        200
    );
    let woken = poll.join().expect("the poll");
    assert_eq!(woken.status, 200);
    let rows = lines(&woken.body);
    assert_eq!(rows.len(), 1, "{}", woken.body);
    assert_eq!(rows[0]["seq"], 2);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "woken, not timed out"
    );

    // SIGTERM ends a waiting poll and the service
    let addr = server.addr.clone();
    let poll = std::thread::spawn(move || {
        request(
            &addr,
            "GET",
            "/v1/journal?since=2&wait=60",
            Some(TOKEN),
            b"",
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    let store = server.store();
    let (code, log, _dir) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(start.elapsed() < Duration::from_secs(30), "{log}");
    let answered = poll.join().expect("the poll");
    assert_eq!(answered.status, 200);
    assert_eq!(answered.body, "");
    let (code, out, err) = docket(&["store", "check", "--store", &store]);
    assert_eq!(code, Some(0), "{out}{err}");
}

#[test]
fn it_refuses_to_start_without_a_token_unless_on_loopback_with_no_auth() {
    let dir = TempDir::new("serve-start");
    let store = dir.str().to_string() + "/world.db";
    let (code, _, err) = docket(&["serve", "--store", &store, "--listen", "127.0.0.1:0"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("needs a token"), "{err}");
    let (code, _, err) = docket(&[
        "serve",
        "--store",
        &store,
        "--listen",
        "0.0.0.0:0",
        "--no-auth",
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("only allowed on a loopback address"), "{err}");
    let short = dir.path().join("short");
    std::fs::write(&short, "abc\n").expect("write");
    let (code, _, err) = docket(&[
        "serve",
        "--store",
        &store,
        "--listen",
        "127.0.0.1:0",
        "--token-file",
        short.to_str().expect("UTF-8"),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("does not hold a usable token"), "{err}");
    let broken = rules_copy("serve-broken-rules", |name, text| {
        if name == "icp.docket" {
            format!("on tick {{\n  rule typo {{\n    emit validaton_failed\n  }}\n}}\n{text}")
        } else {
            text
        }
    });
    let (code, _, err) = docket(&[
        "serve",
        "--store",
        &store,
        "--no-auth",
        "--listen",
        "127.0.0.1:0",
        "--rules",
        broken.str(),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("validaton_failed"), "{err}");
    assert!(
        !std::path::Path::new(&store).exists(),
        "no store is made by a refused start"
    );
}

#[test]
fn concurrent_requests_are_each_answered_after_their_commit() {
    let server = Server::start("serve-concurrent");
    let (threads, each) = (8, 25);
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let addr = server.addr.clone();
            std::thread::spawn(move || {
                for i in 0..each {
                    let n = t * each + i;
                    let event = format!(
                        r#"{{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F-{n}","scenario":"first_filing","variant":"app","personnel":[{{"role":"entity_leader","phone":"138{n:08}","cert_last6":"12345X"}}]}}"#
                    );
                    let answer =
                        request(&addr, "POST", "/v1/events", Some(TOKEN), event.as_bytes());
                    assert_eq!(answer.status, 200, "{}", answer.body);
                    let record = lines(&answer.body);
                    assert_eq!(record[0]["outcomes"][0]["filing"], format!("F-{n}"));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a client");
    }
    let rows = lines(&server.journal());
    assert_eq!(
        rows.len(),
        1 + threads * each,
        "every answered event is journaled"
    );
    let (code, log, dir) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    let store = dir.str().to_string() + "/world.db";
    let (code, out, err) = docket(&["store", "check", "--store", &store]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(!log.contains("12345X"), "no certificate digits in the log");
}

#[test]
fn a_client_that_never_finishes_its_request_does_not_hold_up_sigterm() {
    let server = Server::start("serve-slow");
    let mut slow = TcpStream::connect(&server.addr).expect("connect");
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 1000\r\n\r\n{{\"type\":"
    );
    slow.write_all(head.as_bytes()).expect("send a part");
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    let (code, log, dir) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(start.elapsed() < Duration::from_secs(30), "{log}");
    assert!(log.contains("still open"), "{log}");
    let store = dir.str().to_string() + "/world.db";
    let (code, out, err) = docket(&["journal", "--store", &store]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(lines(&out).len(), 1, "only the store's first row: {out}");
}

/// `--clock wall`: a deadline due a moment after the events fires by itself, as a journaled
/// tick the feed shows.
#[test]
fn the_wall_clock_fires_a_deadline_with_a_tick_of_its_own() {
    let server = Server::start_with("serve-wall", &["--clock", "wall"]);
    let now = jiff::Timestamp::now();
    let at = |secs: i64| {
        (now + jiff::SignedDuration::from_secs(secs))
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    // the SMS's validation window (24 hours) ends two seconds from now
    let order = format!(
        r#"{{"type":"order_submitted","at":"{}","filing":"F-WALL","scenario":"first_filing","variant":"app","personnel":[{{"role":"entity_leader","phone":"13800138000","cert_last6":"52817X"}}]}}"#,
        at(-25 * 3600)
    );
    let sms = format!(
        r#"{{"type":"sms_sent","at":"{}","filing":"F-WALL","phone":"13800138000","code":"482913","sender":"12381"}}"#,
        at(-24 * 3600 + 2)
    );
    let posted = server.call("POST", "/v1/events", format!("{order}\n{sms}").as_bytes());
    assert_eq!(posted.status, 200, "{}", posted.body);
    let last = lines(&server.journal()).len();
    let started = Instant::now();
    let fed = server.call("GET", &format!("/v1/journal?since={last}&wait=30"), b"");
    assert_eq!(fed.status, 200, "{}", fed.body);
    let rows = lines(&fed.body);
    assert_eq!(rows.len(), 1, "one tick: {}", fed.body);
    assert_eq!(rows[0]["event"]["type"], "tick", "{}", fed.body);
    assert_eq!(rows[0]["cases"], serde_json::json!([["filing", "F-WALL"]]));
    let outcome = &rows[0]["record"]["outcomes"][0];
    assert_eq!(outcome["filing"], "F-WALL", "{}", fed.body);
    assert!(
        !outcome["messages"].as_array().expect("messages").is_empty(),
        "{}",
        fed.body
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "fired within seconds of its instant"
    );
    // the tick is an event like any other: the case is expired, and nothing more is due
    let case = lines(&server.call("GET", "/v1/cases/filing/F-WALL", b"").body);
    assert_ne!(case[0]["status"], "awaiting_validation", "{case:?}");
    let quiet = server.call(
        "GET",
        &format!("/v1/journal?since={}&wait=2", last + 1),
        b"",
    );
    assert_eq!(quiet.body, "", "no further tick");
}

#[test]
fn due_lists_the_open_deadlines_earliest_first() {
    let server = Server::start("serve-due");
    let none = server.call("GET", "/v1/due", b"");
    assert_eq!(none.status, 200, "{}", none.body);
    assert!(none.head.contains("application/json"), "{}", none.head);
    assert_eq!(none.body, "{\"due\":[],\"more\":false}\n");

    // the example before its ticks: both filings' validation windows are open
    let example = example();
    let (events, ticks): (Vec<&str>, Vec<&str>) = example
        .lines()
        .partition(|l| !l.contains("\"type\":\"tick\""));
    assert_eq!(ticks.len(), 2);
    let posted = server.call("POST", "/v1/events", events.join("\n").as_bytes());
    assert_eq!(posted.status, 200, "{}", posted.body);
    let due = server.call("GET", "/v1/due", b"");
    assert_eq!(due.status, 200, "{}", due.body);
    assert_eq!(
        due.body,
        concat!(
            r#"{"due":["#,
            r#"{"at":"2026-11-29T02:30:00Z","type":"filing","key":"ICP-0001","status":"under_review","deadline":"window_end"},"#,
            r#"{"at":"2026-11-29T02:45:00Z","type":"filing","key":"ICP-0002","status":"awaiting_validation","deadline":"window_end"}"#,
            r#"],"more":false}"#,
            "\n"
        )
    );
    // each is what its case says
    let listed: serde_json::Value = serde_json::from_str(&due.body).expect("JSON");
    for d in listed["due"].as_array().expect("a list") {
        let path = format!(
            "/v1/cases/{}/{}",
            d["type"].as_str().expect("type"),
            d["key"].as_str().expect("key")
        );
        let case: serde_json::Value =
            serde_json::from_str(&server.call("GET", &path, b"").body).expect("JSON");
        assert_eq!(case["status"], d["status"]);
        let deadline = &case["deadlines"][d["deadline"].as_str().expect("name")];
        assert_eq!(deadline["at"], d["at"]);
        assert!(deadline["fired"].is_null());
    }

    // `before` is exclusive (an offset's `+` written `%2B`); `limit` says when more remain
    let first = |query: &str| {
        let answer = server.call("GET", &format!("/v1/due?{query}"), b"");
        assert_eq!(answer.status, 200, "{query}: {}", answer.body);
        let v: serde_json::Value = serde_json::from_str(&answer.body).expect("JSON");
        let keys: Vec<String> = v["due"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|d| d["key"].as_str().expect("key").to_string())
            .collect();
        (keys, v["more"].as_bool().expect("more"))
    };
    let one = (vec!["ICP-0001".to_string()], false);
    assert_eq!(first("before=2026-11-29T02:45:00Z"), one);
    assert_eq!(first("before=2026-11-29T10:45:00%2B08:00"), one);
    assert_eq!(first("before=2026-11-29T02:30:00Z"), (vec![], false));
    assert_eq!(first("limit=1"), (vec!["ICP-0001".to_string()], true));
    assert_eq!(first("limit=2&before=2026-11-30T00:00:00Z").0.len(), 2);

    // bad queries: a clear 400; no token: 401
    for (query, says) in [
        (
            "since=3",
            "unknown parameter `since`: `/v1/due` takes `before` and `limit`",
        ),
        (
            "limit=0",
            "`limit` must be a whole number from 1 to 10000, not `0`",
        ),
        (
            "limit=10001",
            "`limit` must be a whole number from 1 to 10000, not `10001`",
        ),
        ("limit=many", "not `many`"),
        (
            "before=tomorrow",
            "`before` must be an RFC 3339 instant with an offset",
        ),
        ("before=2026-11-29T10:45:00", "not `2026-11-29T10:45:00`"),
        ("before=2026-11-29T10:45:00+08:00", "`+` is written `%2B`"),
    ] {
        let answer = server.call("GET", &format!("/v1/due?{query}"), b"");
        assert_eq!(answer.status, 400, "{query}: {}", answer.body);
        let error: serde_json::Value = serde_json::from_str(&answer.body).expect("JSON");
        let error = error["error"].as_str().expect("an error");
        assert!(error.contains(says), "{query}: {error}");
    }
    let refused = request(&server.addr, "GET", "/v1/due", None, b"");
    assert_eq!(refused.status, 401, "{}", refused.body);

    // the ticks pass both windows: nothing is open any more
    let ticked = server.call("POST", "/v1/events", ticks.join("\n").as_bytes());
    assert_eq!(ticked.status, 200, "{}", ticked.body);
    assert_eq!(
        server.call("GET", "/v1/due", b"").body,
        "{\"due\":[],\"more\":false}\n"
    );
    for secret in secrets() {
        assert!(!due.body.contains(&secret), "`{secret}` in the due list");
    }
}
