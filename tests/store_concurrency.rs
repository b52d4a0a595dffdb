//! Two `docket run --store` processes writing one SQLite store at once: no event lost or
//! journaled twice, the journal's replay is the stored cases, and the world is what a
//! serial replay in journal order makes.

#[path = "support/store_runs.rs"]
mod store_runs;
#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
#[path = "support/tempdir.rs"]
mod tempdir;

use store_runs::{json_lines, Pace, KEY};
use tempdir::TempDir;

fn two_writers(name: &str, pace: Pace) -> store_runs::TwoWriters {
    let dir = TempDir::new(name);
    let spec = format!("sqlite:{}", dir.path().join("world.db").display());
    let seen = store_runs::two_writers(&spec, dir.path(), 10_000, pace, &store_runs::sqlite_cases);
    eprintln!(
        "two SQLite writers ({pace:?}): {} events accepted, {} refused as earlier than the world's clock, {} refused otherwise; the journal switches writers {} times",
        seen.accepted, seen.out_of_order, seen.other_refusals, seen.switches
    );
    seen
}

/// Each writer at its own speed: the one that commits later has its earlier events refused.
#[test]
fn two_free_writers_on_one_sqlite_store() {
    let seen = two_writers("two-free-writers-sqlite", Pace::Free);
    assert!(
        seen.accepted >= 10_000,
        "one writer's events at least are accepted"
    );
}

/// Both writing at once, round by round on one clock: nothing is refused for its time.
#[test]
fn two_paced_writers_on_one_sqlite_store() {
    let seen = two_writers("two-paced-writers-sqlite", Pace::Rounds(400));
    assert_eq!(
        seen.out_of_order, 0,
        "no event is earlier than the world's clock"
    );
    assert!(seen.accepted > 15_000, "most events are accepted");
    assert!(seen.switches >= 25, "the writers' commits interleave");
}

/// Two runs open one store that does not exist yet at the same moment: both go on, one of
/// them having created it, and the journal holds what the two accepted. (Two processes that
/// switch one new SQLite file to WAL together may be told at once that it is locked; a run
/// that took that for a failure ended before reading its first event.) Each attempt is a
/// new store, as the race is in the first moments of one.
#[test]
fn two_runs_create_one_new_sqlite_store_at_once() {
    let dir = TempDir::new("two-creators-sqlite");
    let streams = store_runs::two_streams(20, Pace::Free);
    for attempt in 0..20 {
        let spec = format!(
            "sqlite:{}",
            dir.path().join(format!("world{attempt}.db")).display()
        );
        let args = ["run", "--store", spec.as_str()];
        let children: Vec<_> = (0..2)
            .map(|_| {
                store_runs::command(&args, Some(KEY))
                    .spawn()
                    .expect("the docket binary starts")
            })
            .collect();
        let mut accepted = 0;
        for (w, (child, stream)) in children.into_iter().zip(&streams).enumerate() {
            let run = store_runs::finish(child, (stream.join("\n") + "\n").as_bytes());
            let who = format!("attempt {attempt}: writer {w}");
            let records = store_runs::answers(&run, stream.len(), &who);
            accepted += records.iter().filter(|r| r.get("error").is_none()).count();
        }
        let journal = store_runs::docket(&["journal", "--store", &spec], Some(KEY), b"");
        assert_eq!(journal.code, Some(0), "journal: {}", journal.stderr);
        let events = json_lines(&journal.stdout)
            .into_iter()
            .filter(|r| r["kind"] == "event")
            .count();
        assert_eq!(
            events, accepted,
            "attempt {attempt}: the journal holds what was accepted"
        );
    }
}
