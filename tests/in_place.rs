//! `Engine::apply` writes the world in place and undoes its writes when the event fails;
//! `Engine::evaluate` then `Engine::commit` copy each case changed and swap the copies in.
//! Both must give the same outcomes and leave the same world (indexes and deadline queue
//! included: later lookups and firings must agree), on the ICP policy's random streams and
//! on a small policy whose events write everything a rule can write before they fail.

#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
mod support;

use docket::{Engine, Source, World};
use support::render::{self, RenderOpts};
use support::runner::{self, fail};
use support::script;

/// Runs `lines` both ways; after each line, the outcomes (or errors) and the saved worlds
/// must be equal, and a failed line must leave the world as it was.
fn both_ways(engine: &Engine, lines: &[impl AsRef<str>]) -> Result<(), String> {
    let (mut in_place, mut copied) = (World::new(), World::new());
    for (i, line) in lines.iter().enumerate() {
        let Ok(event) = engine.parse_event(line.as_ref()) else {
            continue;
        };
        let before = (engine.save_world(&in_place), queue(engine, &in_place));
        let applied = engine.apply(&mut in_place, &event);
        let committed = engine
            .evaluate(&copied, &event)
            .and_then(|step| engine.commit(&mut copied, step));
        let line = i + 1;
        match (&applied, &committed) {
            (Ok(a), Ok(c)) if a == c => {}
            (Err(a), Err(c)) if a == c => {
                if (engine.save_world(&in_place), queue(engine, &in_place)) != before {
                    return Err(format!(
                        "line {line}: a failed event changed the world: {a}"
                    ));
                }
            }
            _ => {
                return Err(format!(
                    "line {line}: applied {applied:?}, evaluated and committed {committed:?}"
                ))
            }
        }
        let (a, c) = (engine.save_world(&in_place), engine.save_world(&copied));
        if a != c {
            return Err(format!(
                "line {line}: the worlds differ\napplied:\n{a}\ncommitted:\n{c}"
            ));
        }
        let (a, c) = (queue(engine, &in_place), queue(engine, &copied));
        if a != c {
            return Err(format!(
                "line {line}: the deadline queues differ\napplied:\n{a}\ncommitted:\n{c}"
            ));
        }
    }
    Ok(())
}

/// Every deadline of `world`'s queue, in order.
fn queue(engine: &Engine, world: &World) -> String {
    engine.due(world, None, usize::MAX).to_json()
}

/// ICP streams (orders, SMSs, attempts, resends, phone changes, cancellations, ticks that
/// expire filings, and events the rules refuse): applying in place is committing copies.
#[test]
fn applying_in_place_is_committing_copies_on_icp_streams() {
    let engine = Engine::icp();
    runner::check("in place", 300, script::script(40), |s| {
        let r = render::render(&s, &RenderOpts::default());
        both_ways(&engine, &r.lines).map_err(fail)
    });
}

/// A policy whose events create a case, add participants, set fields, statuses and
/// indexed values, and fire deadlines, then are refused when told to.
const POLICY: &str = r#"
format gid = /^[A-Z][0-9]$/ "a letter and a digit"
statuses { open: open  closed: final }
case group key id: gid { note: text?  last: instant?  moves: count = 0 }
participants members in group { name: text  score: count = 0  secret: text? sensitive erase when group.status is final }
deadline due = group.last + 1h
event make { group: gid, names: list<text>, fail: bool }
event rename { name: text, to: text, fail: bool }
event tell { group: gid, name: text, secret: text sensitive, fail: bool }
event tick { fail: bool }
on make for new group(event.group) {
  rule people for n in event.names {
    add members(name: n) as m {
      set m.score = m.score + 1
    }
  }
  rule open {
    set group.note = event.group
    set group.last = event.at
  }
  rule refuse when event.fail {
    reject "refused"
  }
}
on rename {
  let found = [m in members where m.name == event.name]
  rule move for m in found {
    set m.name = event.to
    set m.score = m.score + 10
    set m.group.moves = m.group.moves + 1
    show moved = count(found)
  }
  rule refuse when event.fail {
    reject "refused"
  }
}
on tell for group(event.group) {
  let told = [m in group.members where m.name == event.name]
  rule tell for m in told {
    set m.secret = event.secret
  }
  rule refuse when event.fail {
    reject "refused"
  }
}
on tick {
  rule refuse when event.fail {
    reject "refused"
  }
}
on deadline due {
  rule close when group.status is open {
    set group.status = closed
    show closed = group.moves
  }
}
"#;

fn small_policy() -> Engine {
    match Engine::from_sources(vec![Source::new("policy.docket", POLICY)]) {
        Ok(e) => e,
        Err(e) => panic!("the policy does not load:\n{}", e.render()),
    }
}

/// Each event once refused (after writing) and then accepted: a refused event is undone
/// entirely, and what follows (lookups through the indexes, deadlines) is the same as
/// when committing copies.
#[test]
fn a_refused_event_is_undone_entirely() {
    let engine = small_policy();
    let at = |m: u32| format!("2026-01-01T{:02}:{:02}:00Z", m / 60, m % 60);
    let mut lines = Vec::new();
    let mut twice = |line: String| {
        lines.push(line.replace("\"fail\":false", "\"fail\":true"));
        lines.push(line);
    };
    twice(format!(
        r#"{{"type":"make","at":"{}","group":"A1","names":["ann","bob"],"fail":false}}"#,
        at(0)
    ));
    twice(format!(
        r#"{{"type":"make","at":"{}","group":"B2","names":["cy","ann","cy"],"fail":false}}"#,
        at(10)
    ));
    twice(format!(
        r#"{{"type":"rename","at":"{}","name":"ann","to":"dee","fail":false}}"#,
        at(20)
    ));
    twice(format!(
        r#"{{"type":"tell","at":"{}","group":"A1","name":"bob","secret":"s1","fail":false}}"#,
        at(25)
    ));
    twice(format!(
        r#"{{"type":"rename","at":"{}","name":"dee","to":"ann","fail":false}}"#,
        at(30)
    ));
    // A1's deadline fires (it closes, and bob's secret is erased), then the tick is refused
    twice(format!(
        r#"{{"type":"tick","at":"{}","fail":false}}"#,
        at(65)
    ));
    // on B2's due instant: its deadline fires first (and is undone with the refused rename)
    twice(format!(
        r#"{{"type":"rename","at":"{}","name":"ann","to":"eve","fail":false}}"#,
        at(70)
    ));
    twice(format!(
        r#"{{"type":"tick","at":"{}","fail":false}}"#,
        at(200)
    ));
    twice(format!(
        r#"{{"type":"rename","at":"{}","name":"eve","to":"fay","fail":false}}"#,
        at(210)
    ));
    for line in &lines {
        engine
            .parse_event(line)
            .unwrap_or_else(|e| panic!("{line}: {e}"));
    }
    both_ways(&engine, &lines).unwrap_or_else(|e| panic!("{e}"));

    // and the events did what they say: the refused ones nothing
    let mut world = World::new();
    let records: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| engine.run_line(&mut world, i + 1, l).to_json())
        .collect();
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.contains("refused"), i % 2 == 0, "line {}: {r}", i + 1);
    }
    assert!(records[5].contains(r#""moved":2"#), "{}", records[5]);
    assert!(records[11].contains(r#""closed":2"#), "{}", records[11]);
    // B2's deadline fires first (its due instant is this event's), then the rename
    assert!(records[13].contains(r#""closed":2"#), "{}", records[13]);
    assert!(records[13].contains(r#""moved":2"#), "{}", records[13]);
    assert!(records[15].contains(r#""outcomes":[]"#), "{}", records[15]);
    assert!(records[17].contains(r#""moved":2"#), "{}", records[17]);
}

/// A field written where its `erase when` condition already holds is erased by the same
/// event, though nothing the condition reads was written: in place as with copies.
#[test]
fn a_field_written_where_its_erase_condition_holds_is_erased_at_once() {
    let engine = small_policy();
    let at = |m: u32| format!("2026-01-01T{:02}:{:02}:00Z", m / 60, m % 60);
    let lines = [
        format!(
            r#"{{"type":"make","at":"{}","group":"A1","names":["ann","bob"],"fail":false}}"#,
            at(0)
        ),
        // A1's deadline fires: it closes, a final status
        format!(r#"{{"type":"tick","at":"{}","fail":false}}"#, at(65)),
        format!(
            r#"{{"type":"tell","at":"{}","group":"A1","name":"bob","secret":"s2","fail":false}}"#,
            at(66)
        ),
    ];
    both_ways(&engine, &lines).unwrap_or_else(|e| panic!("{e}"));
    let mut world = World::new();
    for (i, line) in lines.iter().enumerate() {
        let record = engine.run_line(&mut world, i + 1, line).to_json();
        assert!(!record.contains("error"), "{record}");
    }
    let saved = engine.save_world(&world);
    assert!(
        saved.contains(r#"{"name": "bob", "score": 1, "secret": null}"#),
        "bob's secret is kept:\n{saved}"
    );
}

/// Deadlines due at one instant, fired in place one after another: a rule of one moves
/// another's deadline away and back before its turn; a firing fails halfway through the
/// due ones. The queue ends as when committing copies, and as it was where the event fails.
#[test]
fn deadlines_moved_by_earlier_firings_or_failing_midway_leave_the_queue_in_step() {
    const POLICY: &str = r#"
format gid = /^[A-Z][0-9]$/ "a letter and a digit"
statuses { open: open  closed: final }
case group key id: gid { last: instant  push: text  mode: text  n: count  hits: count = 0 }
participants members in group { name: text }
deadline due = group.last + 1h
deadline later = group.last + 2h
event make { group: gid, name: text, push: text, mode: text, n: count }
event move { group: gid }
event tick {}
on make for new group(event.group) {
  rule open {
    set group.last = event.at
    set group.push = event.push
    set group.mode = event.mode
    set group.n = event.n
    add members(name: event.name)
  }
}
on tick {}
on move for group(event.group) {
  rule moved { set group.last = event.at }
}
// runs no rule while the group is open
on deadline later {
  rule shut when group.status == closed { set group.hits = group.hits + 100 }
}
// moves the deadline of the groups of the members named by `push`, then counts (an error
// where `n` overflows)
on deadline due {
  let pushed = [m in members where m.name == group.push]
  rule away for m in pushed when group.mode == "away" { set m.group.last = m.group.last + 10h }
  rule back for m in pushed when group.mode == "back" { set m.group.last = m.group.last - 10h }
  rule past for m in pushed when group.mode == "past" { set m.group.last = m.group.last - 30h }
  rule again when group.mode == "again" and group.hits < 3 { set group.last = group.last - 1h }
  rule counted {
    set group.hits = group.hits + group.n + 1
    show hits = group.hits
  }
}
"#;
    let engine = match Engine::from_sources(vec![Source::new("policy.docket", POLICY)]) {
        Ok(e) => e,
        Err(e) => panic!("the policy does not load:\n{}", e.render()),
    };
    let make = |at: &str, group: &str, name: &str, push: &str, mode: &str, n: i64| {
        format!(
            r#"{{"type":"make","at":"2026-01-01T{at}:00Z","group":"{group}","name":"{name}","push":"{push}","mode":"{mode}","n":{n}}}"#
        )
    };
    let tick = |at: &str| format!(r#"{{"type":"tick","at":"2026-01-01T{at}:00Z"}}"#);
    // A1 then C1 (in key order) move D1's deadline away and back at the instant all three
    // are due; D1's fires in its turn, once
    let moved = [
        make("00:00", "A1", "a", "d", "away", 0),
        make("00:00", "C1", "c", "d", "back", 0),
        make("00:00", "D1", "d", "", "none", 0),
        make("00:00", "E1", "e", "", "none", 0),
        tick("00:30"),
        tick("01:00"),
        tick("12:00"),
    ];
    // G1's firing fails, after F1's and before H1's: the tick (and each later event) fails
    // and changes nothing
    let failing = [
        make("00:00", "F1", "f", "", "none", 0),
        make("00:00", "G1", "g", "", "none", i64::MAX),
        make("00:00", "H1", "h", "", "none", 0),
        make("00:10", "J1", "j", "", "none", 0),
        tick("01:00"),
        tick("02:00"),
    ];
    // K1's `later`, fired once and moved, fires again running no rule, then G2's firing
    // fails: K1's deadline is as it was
    let refired = [
        make("00:00", "K1", "k", "", "none", 0),
        tick("02:10"),
        r#"{"type":"move","at":"2026-01-01T02:20:00Z","group":"K1"}"#.to_string(),
        tick("03:30"),
        make("04:00", "G2", "g", "", "none", i64::MAX),
        tick("05:30"),
    ];
    let move_at = |at: &str, group: &str| {
        format!(r#"{{"type":"move","at":"2026-01-01T{at}:00Z","group":"{group}"}}"#)
    };
    // more orders of the same pieces, each applied both ways: moved away and back, then a
    // later firing of the tick fails; moved away, then a firing before its turn fails;
    // moved into the past, before the world's clock (then failing, or not); re-armed by its
    // own rule among deadlines that run no rule (then failing, or not)
    let more: [Vec<String>; 7] = [
        vec![
            make("00:00", "A1", "a", "d", "away", 0),
            make("00:00", "C1", "c", "d", "back", 0),
            make("00:00", "D1", "d", "", "none", 0),
            make("00:00", "G1", "g", "", "none", i64::MAX),
            tick("01:00"),
            tick("23:00"),
        ],
        vec![
            make("00:00", "A1", "a", "d", "away", 0),
            make("00:00", "B1", "b", "", "none", i64::MAX),
            make("00:00", "D1", "d", "", "none", 0),
            tick("01:00"),
            tick("12:00"),
        ],
        vec![
            make("00:00", "A1", "a", "d", "past", 0),
            make("00:00", "D1", "d", "", "none", 0),
            make("00:00", "E1", "e", "", "none", 0),
            move_at("00:50", "D1"),
            tick("07:00"),
            tick("08:00"),
        ],
        vec![
            make("00:00", "A1", "a", "d", "past", 0),
            make("00:00", "D1", "d", "", "none", 0),
            make("00:00", "Z1", "z", "", "none", i64::MAX),
            move_at("00:50", "D1"),
            tick("07:00"),
        ],
        vec![
            make("00:00", "A1", "a", "d", "past", 0),
            make("00:00", "B1", "b", "", "none", i64::MAX),
            make("00:00", "D1", "d", "", "none", 0),
            move_at("00:50", "D1"),
            tick("01:00"),
        ],
        vec![
            make("00:00", "B1", "b", "", "again", 0),
            make("00:00", "C1", "c", "", "none", 0),
            make("00:30", "E1", "e", "", "none", 0),
            tick("06:00"),
            tick("07:00"),
        ],
        vec![
            make("00:00", "B1", "b", "", "again", 0),
            make("00:00", "C1", "c", "", "none", 0),
            make("00:30", "E1", "e", "", "none", 0),
            make("00:40", "Y1", "y", "", "none", i64::MAX),
            tick("01:00"),
            tick("06:00"),
        ],
    ];
    let streams = [&moved[..], &failing[..], &refired[..]];
    for lines in streams.into_iter().chain(more.iter().map(|m| &m[..])) {
        both_ways(&engine, lines).unwrap_or_else(|e| panic!("{e}"));
    }
    let run = |lines: &[String]| {
        let mut world = World::new();
        let records: Vec<String> = (lines.iter().enumerate())
            .map(|(i, l)| engine.run_line(&mut world, i + 1, l).to_json())
            .collect();
        (records, queue(&engine, &world))
    };
    let (records, left) = run(&moved);
    // every firing counted once, D1's too; nothing left due
    let fired = &records[5];
    for group in ["A1", "C1", "D1", "E1"] {
        let shown = format!(r#""group":"{group}","status":"open","messages":[],"hits":1}}"#);
        assert!(fired.contains(&shown), "{group} did not fire once: {fired}");
    }
    assert!(!fired.contains(r#""hits":2"#), "{fired}");
    assert_eq!(left, r#"{"due":[],"more":false}"#);
    let (records, left) = run(&failing);
    assert!(records[4].contains(r#""error""#), "{}", records[4]);
    for group in ["F1", "G1", "H1", "J1"] {
        assert!(left.contains(group), "{group} is not due:\n{left}");
    }
    // B1's deadline, moved back by its own rule, fires again in the same tick, three times
    let (records, _) = run(&more[5]);
    for hits in 1..=3 {
        let shown = format!(r#""group":"B1","status":"open","messages":[],"hits":{hits}}}"#);
        assert!(records[3].contains(&shown), "{}", records[3]);
    }
    let (records, left) = run(&refired);
    assert!(records[5].contains(r#""error""#), "{}", records[5]);
    assert!(
        left.contains(r#""key":"K1","status":"open","deadline":"later""#),
        "{left}"
    );
}
