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

use store_runs::Pace;
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
