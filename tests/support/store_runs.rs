//! Runs of the built binary against a store, and the two-writer test shared by the SQLite
//! and PostgreSQL back ends: two `docket run --store` processes at once on shared phones,
//! then the journal, `store check` and a serial replay must all agree.

#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
#[path = "bin.rs"]
mod bin;

pub use bin::{command, finish, Run};
use serde_json::Value as J;
use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::path::Path;

/// The key the tests' stores are sealed with (64 hex digits).
pub const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// Runs `docket ARGS` with `stdin`.
pub fn docket(args: &[&str], key: Option<&str>, stdin: &[u8]) -> Run {
    let child = command(args, key)
        .spawn()
        .expect("the docket binary starts");
    finish(child, stdin)
}

/// The records writer `who` gave: it ended with 0 or 1 (some lines refused at most) and
/// answered each of its `lines` lines.
pub fn answers(run: &Run, lines: usize, who: &str) -> Vec<J> {
    assert!(
        matches!(run.code, Some(0 | 1)),
        "{who} failed ({:?}): {}",
        run.code,
        run.stderr
    );
    let records = json_lines(&run.stdout);
    assert_eq!(records.len(), lines, "{who} answers every line");
    records
}

/// The JSON objects of `text`, one a line.
pub fn json_lines(text: &str) -> Vec<J> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// `record` without its `seq` (a line number in a run's output, a row in the journal).
pub fn without_seq(mut record: J) -> J {
    if let Some(m) = record.as_object_mut() {
        m.remove("seq");
    }
    record
}

/// How the two writers' clocks go.
#[derive(Clone, Copy, Debug)]
pub enum Pace {
    /// Each runs freely through its file; the first writer's k-th event is 20 k seconds
    /// after the start, the second's 10 s later: whichever commits first moves the world's
    /// clock past the other's next events, which are then refused (a serial outcome).
    Free,
    /// Fed through their standard input in rounds of this many events each, every event of
    /// round r at the start + r hours; a round starts once both answered the last one. Both
    /// write at once within a round, and no event is ever earlier than the world's clock.
    Rounds(usize),
}

/// Two ICP streams of `n` events each, in time order, interleaving in time as `pace` says,
/// on filings of their own sharing 40 phones, so a validation attempt of one may count
/// against the other's people: orders, SMS codes, wrong and right attempts, resends. In
/// rounds, a filing's events stay in one round, and the writers use the two halves of the
/// phones, swapping each round: a round's events of one phone then come from one writer
/// (so that the test can tell which line a journal row is), while each writer's attempts
/// meet the people the other wrote in the round before.
pub fn two_streams(n: usize, pace: Pace) -> [Vec<String>; 2] {
    let start: jiff::Timestamp = "2026-11-28T01:00:00Z".parse().expect("an instant");
    let mut seed: u64 = 0x5eed;
    let mut next = move |m: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    let per = match pace {
        Pace::Free => n,
        Pace::Rounds(per) => per.max(1),
    };
    let mut streams = [Vec::new(), Vec::new()];
    for (w, stream) in streams.iter_mut().enumerate() {
        let name = ["A", "B"][w];
        let mut filing = 0;
        let mut round = 0;
        while stream.len() < n {
            let end = (stream.len() + per).min(n);
            while stream.len() < end {
                filing += 1;
                let phone = match pace {
                    Pace::Free => next(40),
                    Pace::Rounds(_) => 20 * ((round + w as u64) % 2) + next(20),
                };
                let phone = format!("1390000{phone:04}");
                let cert = format!("{:06}", 100_000 + phone.parse::<u64>().unwrap_or(0) % 100);
                let id = format!("{name}-{filing}");
                let code = format!("{:06}", next(1_000_000));
                let mut events = vec![
                    serde_json::json!({
                        "type": "order_submitted", "filing": id,
                        "scenario": "first_filing", "variant": "app",
                        "personnel": [{ "role": "entity_leader", "phone": phone, "cert_last6": cert }]
                    }),
                    serde_json::json!({ "type": "sms_sent", "filing": id, "phone": phone, "code": code }),
                ];
                match next(10) {
                    0..=2 => {
                        let wrong =
                            format!("{:06}", (code.parse::<u64>().unwrap_or(0) + 1) % 1_000_000);
                        events.push(serde_json::json!({
                            "type": "validation_attempt", "phone": phone, "code": wrong, "cert_last6": cert
                        }));
                    }
                    3 => events.push(serde_json::json!({
                        "type": "resend_request", "phone": phone, "cert_last6": cert
                    })),
                    _ => {}
                }
                if next(4) != 0 {
                    events.push(serde_json::json!({
                        "type": "validation_attempt", "phone": phone, "code": code, "cert_last6": cert
                    }));
                }
                for mut event in events {
                    if stream.len() >= end {
                        break;
                    }
                    let k = stream.len() as i64;
                    let seconds = match pace {
                        Pace::Free => 20 * k + 10 * w as i64,
                        Pace::Rounds(_) => 3600 * round as i64,
                    };
                    event["at"] = (start + jiff::SignedDuration::from_secs(seconds))
                        .to_string()
                        .into();
                    stream.push(event.to_string());
                }
            }
            round += 1;
        }
    }
    streams
}

/// What a journal row's event and an input line are known by: `at`, type, and filing or
/// phone. In the streams of [`two_streams`], lines known alike come from one writer.
fn known_by(event: &J) -> (String, String, String) {
    let text = |k: &str| event[k].as_str().unwrap_or_default().to_string();
    let who = if event["filing"].is_string() {
        text("filing")
    } else {
        text("phone")
    };
    (text("at"), text("type"), who)
}

/// A store's cases (type, key, data, sorted by type and key) and its clock.
pub type Cases = (Vec<(String, String, Vec<u8>)>, Option<String>);

/// What the two-writer test saw, for its report.
pub struct TwoWriters {
    pub accepted: usize,
    pub out_of_order: usize,
    pub other_refusals: usize,
    /// How often the journal goes from one writer's filings to the other's.
    pub switches: usize,
}

/// Runs the two streams of [`two_streams`] into `spec` at once, paced by `pace`, then
/// checks that the journal holds exactly the events the two runs accepted (none lost, none
/// twice), that `store check` passes, and that replaying the journal's events in journal
/// order through a fresh SQLite store accepts every one with the same record and leaves
/// the same cases and clock as `spec` holds (`cases_of` reads a store's cases: type, key,
/// data, sorted; and its clock).
pub fn two_writers(
    spec: &str,
    dir: &Path,
    n: usize,
    pace: Pace,
    cases_of: &dyn Fn(&str) -> Cases,
) -> TwoWriters {
    let key_file = dir.join("key");
    std::fs::write(&key_file, KEY).expect("the key file is written");
    let key_file = key_file.to_str().expect("a UTF-8 path").to_string();
    let streams = two_streams(n, pace);
    let runs = match pace {
        Pace::Free => free_run(spec, dir, &key_file, &streams),
        Pace::Rounds(per) => paced_run(spec, &key_file, &streams, per),
    };

    // every line answered; keep the accepted records
    let mut accepted: Vec<J> = Vec::new();
    let mut out_of_order = 0;
    let mut other_refusals = 0;
    // the accepted lines, by what they are known by, each writer's in its order
    let mut original: HashMap<(String, String, String), VecDeque<String>> = HashMap::new();
    for (w, run) in runs.iter().enumerate() {
        let records = answers(run, n, &format!("writer {w}"));
        for (record, line) in records.into_iter().zip(&streams[w]) {
            let event: J = serde_json::from_str(line).expect("a generated line is JSON");
            assert_eq!(
                record["at"], event["at"],
                "writer {w}: records in input order"
            );
            match record.get("error").and_then(J::as_str) {
                Some(e) if e.contains("is earlier than the previous event") => out_of_order += 1,
                Some(_) => other_refusals += 1,
                None => {
                    original
                        .entry(known_by(&event))
                        .or_default()
                        .push_back(line.clone());
                    accepted.push(without_seq(record));
                }
            }
        }
    }

    // the journal: exactly the accepted events
    let journal = docket(&["journal", "--store", spec, "--key", &key_file], None, b"");
    assert_eq!(journal.code, Some(0), "journal: {}", journal.stderr);
    let rows = json_lines(&journal.stdout);
    let events: Vec<&J> = rows.iter().filter(|r| r["kind"] == "event").collect();
    assert_eq!(
        events.len(),
        accepted.len(),
        "the journal holds as many events as the writers accepted"
    );
    let mut journaled: Vec<String> = events
        .iter()
        .map(|r| without_seq(r["record"].clone()).to_string())
        .collect();
    let mut printed: Vec<String> = accepted.iter().map(J::to_string).collect();
    journaled.sort();
    printed.sort();
    assert!(
        journaled == printed,
        "the journal's records are not the accepted ones"
    );

    // store check: the replay of the journal is the stored cases
    let check = docket(
        &["store", "check", "--store", spec, "--key", &key_file],
        None,
        b"",
    );
    assert_eq!(
        check.code,
        Some(0),
        "store check: {}{}",
        check.stdout,
        check.stderr
    );

    // a serial replay, in journal order, of the original lines
    let serial: Vec<String> = events
        .iter()
        .map(|r| {
            original
                .get_mut(&known_by(&r["event"]))
                .and_then(VecDeque::pop_front)
                .unwrap_or_else(|| panic!("journal row {} is no accepted line", r["seq"]))
        })
        .collect();
    let serial_path = dir.join("serial.jsonl");
    std::fs::write(&serial_path, serial.join("\n") + "\n").expect("the serial stream is written");
    let serial_store = format!("sqlite:{}", dir.join("serial.db").display());
    let replay = docket(
        &[
            "run",
            "--store",
            &serial_store,
            "--key",
            &key_file,
            serial_path.to_str().expect("a UTF-8 path"),
        ],
        None,
        b"",
    );
    assert_eq!(
        replay.code,
        Some(0),
        "the serial replay: {}{}",
        replay.stderr,
        replay
            .stdout
            .lines()
            .filter(|l| l.contains("\"error\""))
            .take(3)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let replayed: Vec<J> = json_lines(&replay.stdout)
        .into_iter()
        .map(without_seq)
        .collect();
    let journal_records: Vec<J> = events
        .iter()
        .map(|r| without_seq(r["record"].clone()))
        .collect();
    assert!(
        replayed == journal_records,
        "the serial replay's records differ from the journal's"
    );
    let (cases, clock) = cases_of(spec);
    let (serial_cases, serial_clock) = cases_of(&serial_store);
    assert!(!cases.is_empty(), "the writers made cases");
    assert_eq!(
        cases.len(),
        serial_cases.len(),
        "as many cases as the serial replay"
    );
    assert!(
        cases == serial_cases,
        "the stored cases differ from the serial replay's"
    );
    assert_eq!(clock, serial_clock, "the clock is the serial replay's");
    let writers: Vec<char> = events
        .iter()
        .filter_map(|r| r["event"]["filing"].as_str()?.chars().next())
        .collect();
    let switches = writers.windows(2).filter(|p| p[0] != p[1]).count();
    TwoWriters {
        switches,
        accepted: accepted.len(),
        out_of_order,
        other_refusals,
    }
}

/// Both streams at once from files in `dir`, each writer at its own speed.
fn free_run(spec: &str, dir: &Path, key_file: &str, streams: &[Vec<String>; 2]) -> Vec<Run> {
    let mut files = Vec::new();
    for (w, stream) in streams.iter().enumerate() {
        let path = dir.join(format!("writer{w}.jsonl"));
        std::fs::write(&path, stream.join("\n") + "\n").expect("the stream is written");
        files.push(path.to_str().expect("a UTF-8 path").to_string());
    }
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            command(
                &["run", "--store", spec, "--key", key_file, f.as_str()],
                None,
            )
            .spawn()
            .expect("the docket binary starts")
        })
        .collect();
    children.into_iter().map(|c| finish(c, b"")).collect()
}

/// Both streams at once through standard input, `per` lines a round: a round is written to
/// both writers, and the next one only once both printed a record for every line of it.
fn paced_run(spec: &str, key_file: &str, streams: &[Vec<String>; 2], per: usize) -> Vec<Run> {
    use std::io::BufRead;
    use std::sync::mpsc;
    const WAIT: std::time::Duration = std::time::Duration::from_secs(300);
    let mut children: Vec<_> = (0..2)
        .map(|_| {
            command(&["run", "--store", spec, "--key", key_file], None)
                .spawn()
                .expect("the docket binary starts")
        })
        .collect();
    let mut inputs: Vec<_> = children
        .iter_mut()
        .map(|c| c.stdin.take().expect("stdin is piped"))
        .collect();
    let outputs: Vec<mpsc::Receiver<String>> = children
        .iter_mut()
        .map(|c| {
            let out = c.stdout.take().expect("stdout is piped");
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(out).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            rx
        })
        .collect();
    let mut stdouts = vec![String::new(), String::new()];
    let rounds = streams[0].len().div_ceil(per.max(1));
    for r in 0..rounds {
        let chunks: Vec<&[String]> = streams
            .iter()
            .map(|s| &s[(r * per).min(s.len())..((r + 1) * per).min(s.len())])
            .collect();
        std::thread::scope(|scope| {
            for (input, chunk) in inputs.iter_mut().zip(&chunks) {
                scope.spawn(move || {
                    let text = chunk.join("\n") + "\n";
                    input
                        .write_all(text.as_bytes())
                        .and_then(|()| input.flush())
                        .expect("a writer takes its round");
                });
            }
        });
        for (w, chunk) in chunks.iter().enumerate() {
            for _ in 0..chunk.len() {
                let line = match outputs[w].recv_timeout(WAIT) {
                    Ok(line) => line,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        panic!("writer {w} gave no record in round {r} within {WAIT:?}")
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        // it closed its output: it has ended, and its error says why
                        let mut stderr = String::new();
                        if let Some(mut pipe) = children[w].stderr.take() {
                            let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
                        }
                        let status = children[w].wait();
                        panic!("writer {w} ended in round {r} ({status:?}): {stderr}")
                    }
                };
                stdouts[w].push_str(&line);
                stdouts[w].push('\n');
            }
        }
    }
    drop(inputs);
    children
        .into_iter()
        .zip(stdouts)
        .map(|(child, stdout)| {
            let out = child.wait_with_output().expect("the docket binary runs");
            Run {
                code: out.status.code(),
                stdout,
                stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
            }
        })
        .collect()
}

/// The cases and clock of an SQLite store `spec` (`sqlite:PATH`).
pub fn sqlite_cases(spec: &str) -> Cases {
    let path = spec.strip_prefix("sqlite:").unwrap_or(spec);
    let conn = rusqlite::Connection::open(path).expect("the store opens");
    let mut st = conn
        .prepare("SELECT type, key, data FROM cases ORDER BY type, key")
        .expect("the cases are read");
    let cases = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("the cases are read")
        .collect::<Result<Vec<_>, _>>()
        .expect("the cases are read");
    let clock = conn
        .query_row("SELECT value FROM meta WHERE name = 'clock'", [], |r| {
            r.get(0)
        })
        .ok();
    (cases, clock)
}
