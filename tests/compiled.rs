//! The compiled evaluator against the tree walker it replaces (kept as the reference,
//! `Engine::tree_walking`): every shipped policy and test policy, on every scenario file,
//! the example streams and random ICP streams, gives the same records both ways.

#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
mod support;

use docket::{Engine, Scenario, World};
use support::render::{self, RenderOpts};
use support::runner::{self, fail};
use support::script;

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The policy of folder `dir`, compiled and walked.
fn both(dir: &str) -> (Engine, Engine) {
    let load =
        || Engine::load(root().join(dir)).unwrap_or_else(|e| panic!("{dir}: {}", e.render()));
    (load(), load().tree_walking())
}

/// A policy of one rule file (and no message), compiled and walked.
fn one_file(rules: &str) -> (Engine, Engine) {
    let load = || {
        Engine::from_sources(vec![
            docket::Source::new("messages.yaml", "kind: messages\nmessages: {}\n"),
            docket::Source::new("p.docket", rules),
        ])
        .unwrap_or_else(|e| panic!("{}", e.render()))
    };
    (load(), load().tree_walking())
}

/// The records of `lines` run through `engine` from an empty world, as JSON.
fn records(engine: &Engine, lines: &[impl AsRef<str>]) -> Vec<String> {
    let mut world = World::new();
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| engine.run_line(&mut world, i + 1, l.as_ref()).to_json())
        .collect()
}

/// [`records`], each record written into one reused buffer and then given back to the
/// engine, as `docket run` does: the next line's record and evaluation reuse its storage.
fn records_recycled(engine: &Engine, lines: &[impl AsRef<str>]) -> Vec<String> {
    let mut world = World::new();
    let mut buf = String::new();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let record = engine.run_line(&mut world, i + 1, l.as_ref());
        buf.clear();
        record.write_json(&mut buf);
        record.recycle();
        out.push(buf.clone());
    }
    out
}

/// The first line whose records differ, if any.
fn first_difference(a: &[String], b: &[String]) -> Option<String> {
    let i = a.iter().zip(b).position(|(x, y)| x != y)?;
    Some(format!(
        "line {}:\ncompiled: {}\nwalked:   {}",
        i + 1,
        a[i],
        b[i]
    ))
}

#[test]
fn every_scenario_gives_the_same_output_both_ways() {
    let mut ran = 0;
    for folder in ["icp", "gdpr-dsar", "otp-lockout"] {
        let dir = if root().join("rules").join(folder).is_dir() {
            format!("rules/{folder}")
        } else {
            format!("tests/policies/{folder}")
        };
        let (compiled, walked) = both(&dir);
        let scenarios = root().join("tests/scenarios").join(folder);
        let mut files: Vec<_> = std::fs::read_dir(&scenarios)
            .unwrap_or_else(|e| panic!("{}: {e}", scenarios.display()))
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{folder} has scenarios");
        for path in files {
            let text = std::fs::read_to_string(&path).expect("a scenario");
            let name = path.display().to_string();
            let scenario =
                Scenario::parse(&name, &text).unwrap_or_else(|e| panic!("{}", e.render()));
            let (a, b) = (scenario.run(&compiled), scenario.run(&walked));
            assert_eq!(a.output, b.output, "{name}");
            ran += 1;
        }
    }
    assert!(ran > 50, "only {ran} scenarios");
}

/// Each shipped example stream through its policy, compiled (its records made by
/// `compiled_records`) and walked: panics at the first difference.
fn example_streams_agree(compiled_records: fn(&Engine, &[&str]) -> Vec<String>) {
    for (dir, stream) in [
        ("rules/icp", "examples/stream.jsonl"),
        ("rules/gdpr-dsar", "examples/dsar.jsonl"),
    ] {
        let (compiled, walked) = both(dir);
        let text = std::fs::read_to_string(root().join(stream)).expect("the stream");
        let lines: Vec<&str> = text.lines().collect();
        let (a, b) = (
            compiled_records(&compiled, &lines),
            records(&walked, &lines),
        );
        if let Some(d) = first_difference(&a, &b) {
            panic!("{stream}: {d}");
        }
    }
}

#[test]
fn the_example_streams_give_the_same_records_both_ways() {
    example_streams_agree(|engine: &Engine, lines: &[&str]| records(engine, lines));
}

/// Random ICP streams: orders, SMSs, attempts (right and wrong), resends, phone changes,
/// cancellations, ticks, and events the rules refuse.
#[test]
fn random_icp_streams_give_the_same_records_both_ways() {
    let (compiled, walked) = both("rules/icp");
    runner::check("compiled", 300, script::script(40), |s| {
        let r = render::render(&s, &RenderOpts::default());
        match first_difference(&records(&compiled, &r.lines), &records(&walked, &r.lines)) {
            None => Ok(()),
            Some(d) => Err(fail(d)),
        }
    });
}

/// The same streams, the compiled engine given back each record once written (its `at`,
/// its outcomes' buffers): nothing of one line shows in the next.
#[test]
fn records_given_back_change_nothing_of_the_next_ones() {
    let (compiled, walked) = both("rules/icp");
    runner::check("recycled", 300, script::script(40), |s| {
        let r = render::render(&s, &RenderOpts::default());
        let recycled = records_recycled(&compiled, &r.lines);
        match first_difference(&recycled, &records(&walked, &r.lines)) {
            None => Ok(()),
            Some(d) => Err(fail(d)),
        }
    });
    example_streams_agree(|engine: &Engine, lines: &[&str]| records_recycled(engine, lines));
}

#[test]
fn a_table_lookup_gives_the_same_rows_and_errors_both_ways() {
    // a lookup by two enumeration keys: the compiled code finds the row from the members'
    // positions, the tree walker by the cells' names; one combination has no row
    let sources = || {
        vec![
            docket::Source::new(
                "grid.yaml",
                "kind: requirements\nkeys: [size, colour]\nof: part\nvalues: [a, b, c]\nrows:\n  - { size: small, colour: red, required: [a] }\n  - { size: small, colour: blue, required: [a, b] }\n  - { size: large, colour: red, required: [c] }\n",
            ),
            docket::Source::new("messages.yaml", "kind: messages\nmessages: {}\n"),
            docket::Source::new(
                "p.docket",
                "event ask { size: grid.size, colour: grid.colour }\non ask {\n  rule answer { show parts = grid[event.size, event.colour] }\n}\n",
            ),
        ]
    };
    let load = || Engine::from_sources(sources()).unwrap_or_else(|e| panic!("{}", e.render()));
    let (compiled, walked) = (load(), load().tree_walking());
    let mut lines = Vec::new();
    for size in ["small", "large"] {
        for colour in ["red", "blue"] {
            lines.push(format!(
                r#"{{"type":"ask","at":"2026-11-28T10:00:00+08:00","size":"{size}","colour":"{colour}"}}"#
            ));
        }
    }
    let (a, b) = (records(&compiled, &lines), records(&walked, &lines));
    if let Some(d) = first_difference(&a, &b) {
        panic!("{d}");
    }
    assert!(a[1].contains(r#"["a","b"]"#), "{}", a[1]);
    assert!(a[2].contains(r#"["c"]"#), "{}", a[2]);
    assert!(
        a[3].contains("table `grid` has no row for size `large` and colour `blue`"),
        "{}",
        a[3]
    );
}

/// The decisions the test below asks for: an event whose handler only answers (it routes
/// to no case and writes nothing), added to the one-time password policy.
const DECISIONS: &str = r#"
event ask { account: account_id, n: count, flag: bool, moment: instant?, code: code? sensitive }
on ask {
  let doubled = event.n + event.n
  rule verdict when event.n >= limits.max_wrong_codes {
    show verdict = "too many"
    show n = doubled
    show verdict = "too many, again"
  } else when event.flag and event.n == 0 {
    emit still_locked
    show verdict = "locked"
  } else when event.n == 1 {
    reject n "one is refused for {event.account}"
  } else when event.n == 2 {
  } else {
    show verdict = "ok"
    show at = event.at
    show moment = event.moment
    show list = [event.n, doubled]
    show lifetime = limits.code_lifetime
  }
  rule greet when event.flag {
    emit asked
  }
}
"#;

/// An event whose handler only answers is decided by a path of its own (no case to route
/// to, nothing to write): decisions of every kind — shown values of several types, a
/// value shown twice, messages plain and with placeholders, a refusal, no answer at all —
/// made into one reused step between events that create and write cases and fire
/// deadlines (a decision with a deadline due takes the general path) give, event by event,
/// what the tree walker gives, evaluated and applied.
#[test]
fn decisions_give_the_same_answers_both_ways() {
    let dir = root().join("tests/policies/otp-lockout");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("a policy file");
    let messages = read("messages.yaml")
        + "  asked: { text: \"Asked about {event.account} at {event.at}.\", result: asked, next_step: \"-\" }\n";
    let sources = || {
        vec![
            docket::Source::new("limits.yaml", read("limits.yaml")),
            docket::Source::new("messages.yaml", messages.clone()),
            docket::Source::new("otp.docket", read("otp.docket") + DECISIONS),
        ]
    };
    let load = || Engine::from_sources(sources()).unwrap_or_else(|e| panic!("{}", e.render()));
    let (compiled, walked) = (load(), load().tree_walking());
    let ask = |minute: u32, n: u32, flag: bool, extra: &str| {
        format!(
            r#"{{"type":"ask","at":"2026-11-28T10:{minute:02}:00+08:00","account":"ann","n":{n},"flag":{flag}{extra}}}"#
        )
    };
    let write = |minute: u32, ty: &str, code: &str| {
        format!(
            r#"{{"type":"{ty}","at":"2026-11-28T10:{minute:02}:00+08:00","account":"ann","code":"{code}"}}"#
        )
    };
    let mut lines = Vec::new();
    for (n, flag) in [
        (0, false),
        (0, true),
        (1, false),
        (2, true),
        (3, false),
        (4, true),
    ] {
        lines.push(ask(0, n, flag, ""));
    }
    lines.push(write(1, "code_sent", "123456"));
    lines.push(ask(
        1,
        5,
        true,
        r#","moment":"2026-11-28T11:00:00Z","code":"654321""#,
    ));
    lines.push(write(2, "code_entered", "000000"));
    lines.push(ask(2, 0, true, ""));
    lines.push(ask(3, 1, true, ""));
    // the code expires at 10:06: this decision fires it first, on the general path
    lines.push(ask(7, 0, false, ""));
    lines.push(ask(7, 3, true, r#","moment":null"#));
    lines.push(write(8, "code_sent", "111111"));
    for (minute, ty) in [
        (8, "code_entered"),
        (9, "code_entered"),
        (9, "code_entered"),
    ] {
        lines.push(write(minute, ty, "222222"));
    }
    lines.push(ask(10, 4, true, ""));
    // the account unlocks at 10:39
    lines.push(ask(40, 2, false, ""));
    lines.push(ask(41, 0, true, ""));
    lines.push(ask(41, 1, false, ""));

    let (mut world_c, mut world_w) = (World::new(), World::new());
    let mut step = docket::Step::default();
    let mut decided = 0;
    for line in &lines {
        let (c, w) = (compiled.parse_event(line), walked.parse_event(line));
        let (Ok(c), Ok(w)) = (c, w) else {
            panic!("{line}: not an event");
        };
        let reused = compiled.evaluate_into(&world_c, &c, &mut step);
        let once = compiled.evaluate(&world_c, &c);
        let walk = walked.evaluate(&world_w, &w);
        match (&reused, &once, &walk) {
            (Ok(()), Ok(once), Ok(walk)) => {
                assert_eq!(step.outcomes(), walk.outcomes(), "{line}");
                assert_eq!(once.outcomes(), walk.outcomes(), "{line}");
                decided += usize::from(!walk.outcomes().is_empty());
            }
            (Err(a), Err(b), Err(c)) => {
                assert_eq!(a.to_string(), c.to_string(), "{line}");
                assert_eq!(b.to_string(), c.to_string(), "{line}");
                assert!(step.outcomes().is_empty(), "{line}");
            }
            _ => panic!(
                "{line}: {reused:?} / {:?} / {:?}",
                once.is_ok(),
                walk.is_ok()
            ),
        }
        let (a, b) = (
            compiled.apply(&mut world_c, &c),
            walked.apply(&mut world_w, &w),
        );
        match (a, b) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{line}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{line}"),
            (a, b) => panic!("{line}: {a:?} / {b:?}"),
        }
    }
    assert!(decided > 10, "only {decided} answers");
}

/// Lists read where they lie and counted without being made: counts, `all` and `any` over a
/// case's participants, over an event's list and over a set; rules `for` each item of a
/// `let` list; a filter over a list in a local slot; a world-wide lookup with hits in
/// several cases. Each gives what the tree walker gives.
#[test]
fn lists_read_in_place_give_the_same_values_both_ways() {
    const POLICY: &str = r#"
statuses { open }
case team key id: text { size: count = 0 }
participants members in team {
  name: text
  level: count = 0
  active: bool = false
}
event open_team { team: text }
event join { team: text, name: text, level: count }
event census { team: text, names: list<text>, tags: set<text> }
event find { name: text }
on open_team for new team(event.team) {
  rule opened { set team.size = 0 }
}
on join for team(event.team) {
  rule joined {
    add members(name: event.name) as m {
      set m.level = event.level
      set m.active = event.level > 1
    }
  }
}
on census for team(event.team) {
  let strong = [m in team.members where m.level >= 2]
  let named = [n in event.names where n != ""]
  let picked = [n in named where n != "x"]
  rule counts {
    show strong = count([m in team.members where m.level >= 2])
    show named = count([n in event.names where n != "b"])
    show tags = count([t in event.tags where t != "z"])
    show all_active = all(m in team.members: m.active)
    show any_high = any(m in team.members: m.level > 5)
    show picked = picked
    show strong_listed = count(strong)
  }
  rule each_strong for m in strong {
    set team.size = team.size + 1
    show last_strong = m.name
  }
  rule sized {
    show size = team.size
  }
  rule each_picked for n in picked when n != "q" {
    show last_picked = n
  }
}
on find {
  let found = [m in members where m.name == event.name and m.level >= 1]
  rule found_some when count(found) > 0 {
    show found = count(found)
  }
  rule each_found for m in found {
    show last_team = m.team.id
  }
}
"#;
    let (compiled, walked) = one_file(POLICY);
    let at = r#""at":"2026-11-28T10:00:00+08:00""#;
    let mut lines = Vec::new();
    for team in ["t3", "t1", "t2"] {
        lines.push(format!(r#"{{"type":"open_team",{at},"team":"{team}"}}"#));
        for (name, level) in [("ann", 1), ("bob", 3), ("cy", 7), ("dee", 0)] {
            lines.push(format!(
                r#"{{"type":"join",{at},"team":"{team}","name":"{name}","level":{level}}}"#
            ));
        }
        lines.push(format!(
            r#"{{"type":"census",{at},"team":"{team}","names":["a","","b","x","q","b"],"tags":["z","y","x"]}}"#
        ));
        lines.push(format!(
            r#"{{"type":"census",{at},"team":"{team}","names":[],"tags":[]}}"#
        ));
    }
    // every member active, none above 5: `all` holds and `any` does not
    lines.push(format!(r#"{{"type":"open_team",{at},"team":"t4"}}"#));
    for (name, level) in [("eve", 2), ("fay", 3)] {
        lines.push(format!(
            r#"{{"type":"join",{at},"team":"t4","name":"{name}","level":{level}}}"#
        ));
    }
    lines.push(format!(
        r#"{{"type":"census",{at},"team":"t4","names":["b"],"tags":["z"]}}"#
    ));
    let t4 = lines.len() - 1;
    for name in ["ann", "bob", "nobody"] {
        lines.push(format!(r#"{{"type":"find",{at},"name":"{name}"}}"#));
    }
    let (a, b) = (records(&compiled, &lines), records(&walked, &lines));
    if let Some(d) = first_difference(&a, &b) {
        panic!("{d}");
    }
    let census = &a[5];
    for shown in [
        r#""strong":2"#,
        r#""named":4"#,
        r#""tags":2"#,
        r#""all_active":false"#,
        r#""any_high":true"#,
        r#""picked":["a","b","q","b"]"#,
        r#""strong_listed":2"#,
        r#""last_strong":"cy""#,
        r#""last_picked":"b""#,
        r#""size":2"#,
    ] {
        assert!(census.contains(shown), "{shown} in {census}");
    }
    for shown in [
        r#""all_active":true"#,
        r#""any_high":false"#,
        r#""named":0"#,
    ] {
        assert!(a[t4].contains(shown), "{shown} in {}", a[t4]);
    }
    // each of the three teams holds an `ann` of level 1 or more; none holds a `nobody`
    let found = &a[a.len() - 3];
    assert!(found.contains(r#""found":3"#), "{found}");
    for team in ["t1", "t2", "t3"] {
        assert!(
            found.contains(&format!(r#""last_team":"{team}""#)),
            "{found}"
        );
    }
    assert!(!a[a.len() - 1].contains("found"), "{}", a[a.len() - 1]);
}

/// A list of records walked with a condition on the items' fields (`x.role == r`,
/// `x.role in wanted`, `x.ok`, an unset field, a pattern, mixed with conjuncts that read the
/// item whole or read no item), which the compiled evaluator reads where each item lies: each count,
/// `any` and `all` is what the tree walker gives.
#[test]
fn records_walked_in_place_give_the_same_values_both_ways() {
    const POLICY: &str = r#"
statuses { open }
event roster {
  people: list<{ role: text, level: count, ok: bool, nick: text?, score: count? }>,
  wanted: set<text>,
  floor: count,
}
on roster {
  let high = [x in event.people where x.level >= 1]
  rule per_role for r in event.wanted {
    show of_role = count([x in event.people where x.role == r])
    show any_high = any(x in event.people: r == x.role and x.level > event.floor)
    show high_of_role = count([x in high where x.role == r])
  }
  rule from_let {
    show high_b = count([x in high where x.role == "b"])
    show high_a = any(x in high: x.role == "a" and count(high) > 2)
    show high_pairs = count([x in high where any(y in high: y.role == x.role and y.level != x.level)])
    show high_kept = count([x in [y in high where y.level > event.floor] where x.ok])
  }
  rule whole {
    show wanted = count([x in event.people where x.role in event.wanted and x.level >= 1])
    show all_ok = all(x in event.people: x.ok)
    show any_ok = any(x in event.people: not x.ok)
    show nicked = count([x in event.people where x.nick == "z"])
    show unnicked = count([x in event.people where x.nick != "z" and x.nick is unset])
    show mixed = count([x in event.people where x.level >= 0 and count(event.wanted) > 1])
    show same = count([x in event.people where x.role != "" and x == x])
    show z_nicks = count([x in event.people where x.nick is set and x.nick matches limits.z])
  }
  rule scored when any(x in event.people: x.role == "b" and x.score is set and x.score > 1) {
    show scored = true
  }
}
"#;
    const LIMITS: &str = "kind: limits\nlimits:\n  z:\n    pattern: '^z'\n";
    let load = || {
        Engine::from_sources(vec![
            docket::Source::new("messages.yaml", "kind: messages\nmessages: {}\n"),
            docket::Source::new("limits.yaml", LIMITS),
            docket::Source::new("p.docket", POLICY),
        ])
        .unwrap_or_else(|e| panic!("{}", e.render()))
    };
    let (compiled, walked) = (load(), load().tree_walking());
    let at = r#""at":"2026-11-28T10:00:00+08:00""#;
    let person = |role: &str, level: u32, ok: bool, nick: &str, score: &str| {
        format!(r#"{{"role":"{role}","level":{level},"ok":{ok},"nick":{nick},"score":{score}}}"#)
    };
    let roster = |people: &[String], wanted: &str, floor: u32| {
        format!(
            r#"{{"type":"roster",{at},"people":[{}],"wanted":{wanted},"floor":{floor}}}"#,
            people.join(",")
        )
    };
    let a = person("a", 3, true, r#""z""#, "2");
    let b = person("b", 0, true, "null", "3");
    let b_unscored = person("b", 2, false, r#""y""#, "null");
    let c = person("c", 1, true, "null", "0");
    let lines = [
        roster(&[a.clone(), b.clone(), c.clone()], r#"["a","b"]"#, 1),
        roster(&[a.clone(), b.clone(), a.clone()], r#"["a"]"#, 5),
        roster(&[], r#"["a","b"]"#, 0),
        roster(&[c.clone(), c.clone()], "[]", 0),
        // a `b` without a score, then one with
        roster(&[a.clone(), b_unscored, b.clone()], r#"["b","c"]"#, 0),
        roster(&[a.clone(), b.clone(), c.clone()], r#"["c","b","a"]"#, 2),
        // three of level 1 or more, two of them of one role at two levels
        roster(
            &[a, c.clone(), b, person("c", 4, false, "null", "1")],
            "[]",
            1,
        ),
    ];
    let (x, y) = (records(&compiled, &lines), records(&walked, &lines));
    if let Some(d) = first_difference(&x, &y) {
        panic!("{d}");
    }
    for shown in [
        r#""wanted":1"#,
        r#""all_ok":true"#,
        r#""any_ok":false"#,
        r#""nicked":1"#,
        r#""unnicked":2"#,
        r#""same":3"#,
        r#""z_nicks":1"#,
        r#""scored":true"#,
    ] {
        assert!(x[0].contains(shown), "{shown} in {}", x[0]);
    }
    assert!(
        !x[4].contains("error") && x[4].contains(r#""scored":true"#),
        "{}",
        x[4]
    );
    assert!(x[2].contains(r#""all_ok":true"#), "{}", x[2]);
    // walks over a `let` list: in place, and (reading the list in their condition) not
    for shown in [r#""high_b":0"#, r#""high_a":false"#, r#""high_pairs":0"#] {
        assert!(x[0].contains(shown), "{shown} in {}", x[0]);
    }
    for shown in [r#""high_a":true"#, r#""high_pairs":2"#, r#""high_kept":1"#] {
        assert!(x[6].contains(shown), "{shown} in {}", x[6]);
    }
}

/// A set and a list written out (`tags + [a, b]`, `tags - [a]`), which the compiled
/// evaluator builds without making the list: duplicates, items already in the set or not
/// in it, an unset item, an enumeration's one-member sets, and an `add` that finds its
/// participant by its key. Each gives what the tree walker gives.
#[test]
fn a_set_and_a_list_written_out_give_the_same_sets_both_ways() {
    const POLICY: &str = r#"
statuses { open }
enum level { low, mid, high }
case box key id: text { tags: set<text> = []  levels: set<level> = [] }
participants holders in box {
  name: text
  marks: set<text> = []
}
event make { box: text }
event tag { box: text, a: text, b: text?, level: level }
event untag { box: text, a: text }
event hold { box: text, name: text, mark: text }
on make for new box(event.box) {
  rule made { set box.tags = box.tags + [] }
}
on tag for box(event.box) {
  rule tagged {
    set box.tags = box.tags + [event.a, event.a, event.b]
    set box.levels = box.levels + [event.level]
    show tags = box.tags
    show levels = box.levels
    show also = box.tags + ["zz", event.a] - ["zz"]
  }
}
on untag for box(event.box) {
  rule untagged {
    set box.tags = box.tags - [event.a, "never"]
    set box.levels = box.levels - [low]
    show tags = box.tags
    show levels = box.levels
  }
}
on hold for box(event.box) {
  rule held {
    add holders(name: event.name) as h {
      set h.marks = h.marks + [event.mark]
      show marks = h.marks
    }
    show holders = count(box.holders)
  }
}
"#;
    let (compiled, walked) = one_file(POLICY);
    let at = r#""at":"2026-11-28T10:00:00+08:00""#;
    let mut lines = vec![format!(r#"{{"type":"make",{at},"box":"k"}}"#)];
    for (a, b, level) in [
        ("m", r#""n""#, "mid"),
        ("m", "null", "mid"),
        ("b", r#""a""#, "low"),
        ("zz", r#""m""#, "high"),
    ] {
        lines.push(format!(
            r#"{{"type":"tag",{at},"box":"k","a":"{a}","b":{b},"level":"{level}"}}"#
        ));
    }
    for a in ["m", "m", "absent", "zz"] {
        lines.push(format!(r#"{{"type":"untag",{at},"box":"k","a":"{a}"}}"#));
    }
    for (name, mark) in [("ann", "x"), ("bob", "y"), ("ann", "y"), ("ann", "x")] {
        lines.push(format!(
            r#"{{"type":"hold",{at},"box":"k","name":"{name}","mark":"{mark}"}}"#
        ));
    }
    let (a, b) = (records(&compiled, &lines), records(&walked, &lines));
    if let Some(d) = first_difference(&a, &b) {
        panic!("{d}");
    }
    for (line, shown) in [
        (1, r#""tags":["m","n"]"#),
        (1, r#""levels":["mid"]"#),
        (1, r#""also":["m","n"]"#),
        (3, r#""levels":["low","mid"]"#),
        // "m" removed, "never" not there to remove (the unset item of line 3 is kept, as
        // the tree walker keeps it)
        (5, r#""a","b","n","zz"],"levels":["mid","high"]"#),
        (8, r#""a","b","n"],"levels":["mid","high"]"#),
        // bob is new; ann is found by her name, and keeps her marks
        (10, r#""marks":["y"],"holders":2"#),
        (11, r#""marks":["x","y"],"holders":2"#),
        (12, r#""marks":["x","y"],"holders":2"#),
    ] {
        assert!(
            a[line].contains(shown),
            "line {}: {shown} in {}",
            line + 1,
            a[line]
        );
    }
}

/// The events and handlers of the teams the two tests below build (each declares its own
/// `team` and `members` before them, and its own `ask` after): teams opened, joined by
/// members of a level and perhaps a code, closed.
const TEAMS: &str = r#"
event open_team { team: text }
event join { team: text, name: text, level: count, code: text? }
event close { team: text }
on open_team for new team(event.team) {
  rule opened { set team.size = 0 }
}
on join for team(event.team) {
  rule joined {
    add members(name: event.name) as m {
      set m.level = event.level
      set m.code = event.code
    }
    set team.size = team.size + 1
  }
}
on close for team(event.team) {
  rule closed { set team.status = closed }
}
"#;

/// A member joining a team: name, level, whether with a code.
type Member<'a> = (&'a str, u32, bool);

/// The lines opening each team and adding its members.
fn team_lines(teams: &[(&str, &[Member])]) -> Vec<String> {
    let at = r#""at":"2026-11-28T10:00:00+08:00""#;
    let mut lines = Vec::new();
    for (team, people) in teams {
        lines.push(format!(r#"{{"type":"open_team",{at},"team":"{team}"}}"#));
        for (name, level, code) in *people {
            let code = if *code { r#","code":"c""# } else { "" };
            lines.push(format!(
                r#"{{"type":"join",{at},"team":"{team}","name":"{name}","level":{level}{code}}}"#
            ));
        }
    }
    lines
}

/// `lines`, then the asks `asks` adds, team t2 closed, and the asks again, run both ways:
/// the compiled engine's records (checked equal to the tree walker's), and where the first
/// asks start.
fn asks_around_closing(
    (compiled, walked): &(Engine, Engine),
    mut lines: Vec<String>,
    asks: impl Fn(&mut Vec<String>),
) -> (Vec<String>, usize) {
    let first_ask = lines.len();
    asks(&mut lines);
    lines.push(r#"{"type":"close","at":"2026-11-28T10:00:00+08:00","team":"t2"}"#.into());
    asks(&mut lines);
    let (a, b) = (records(compiled, &lines), records(walked, &lines));
    if let Some(d) = first_difference(&a, &b) {
        panic!("{d}");
    }
    (a, first_ask)
}

/// Derived fields, which the compiled evaluator writes into the expression that reads them
/// when they read only their owner: a participant's flag reading another flag, its case's
/// status and one of its case's derived fields; a derived field that binds a name (not
/// written in); counts of lists compared with numbers in place; a comparison of a field
/// with a computed value, each side. Each gives what the tree walker gives.
#[test]
fn derived_fields_and_counts_give_the_same_values_both_ways() {
    const HEAD: &str = r#"
statuses {
  open: open
  closed: final
}
case team key id: text {
  size: count = 0
  big = size > 2
  bigger = big and size > 3
}
participants members in team {
  name: text
  level: count = 0
  code: text?
  senior = level >= 3
  ready = senior and code is set and team.status is open and team.big
  peers = count([m in team.members where m.level == level])
}
event ask { name: text }
"#;
    const ASK: &str = r#"
on ask {
  let found = [m in members where m.name == event.name and m.ready]
  let seniors = [m in members where m.name == event.name and m.senior]
  rule none when count(found) == 0 {
    show none = true
  }
  rule few when count(found) < 2 and count(seniors) >= 1 {
    show few = count(seniors)
  }
  rule each for m in seniors when m.ready or m.peers > 1 {
    show peers = m.peers
    show bigger = m.team.bigger
    show ready = m.ready
  }
  rule ranked for m in seniors when m.level > count(found) and count(found) <= m.level {
    show ranked = m.name
  }
}
"#;
    let engines = one_file(&[HEAD, TEAMS, ASK].concat());
    let at = r#""at":"2026-11-28T10:00:00+08:00""#;
    let lines = team_lines(&[
        (
            "t1",
            &[("ann", 3, true), ("bob", 3, false), ("cy", 1, true)],
        ),
        (
            "t2",
            &[
                ("ann", 4, true),
                ("dee", 3, true),
                ("eve", 3, true),
                ("fay", 0, false),
            ],
        ),
        ("t3", &[("ann", 1, false)]),
    ]);
    let asks = |lines: &mut Vec<String>| {
        for name in ["ann", "bob", "dee", "cy", "nobody"] {
            lines.push(format!(r#"{{"type":"ask",{at},"name":"{name}"}}"#));
        }
    };
    let (a, first_ask) = asks_around_closing(&engines, lines, asks);
    // `ann`: ready in t1 (three members: big) and t2 (four: bigger), not in t3 (level 1)
    let ann = &a[first_ask];
    for shown in [
        r#""ready":true"#,
        r#""bigger":false"#,
        r#""bigger":true"#,
        r#""peers":2"#,
        r#""ranked":"ann""#,
    ] {
        assert!(ann.contains(shown), "{shown} in {ann}");
    }
    assert!(
        !ann.contains(r#""none""#) && !ann.contains(r#""few""#),
        "{ann}"
    );
    // `bob`: senior, with no code: not ready, so none found; a peer of `ann` in t1
    let bob = &a[first_ask + 1];
    for shown in [
        r#""none":true"#,
        r#""few":1"#,
        r#""ready":false"#,
        r#""peers":2"#,
    ] {
        assert!(bob.contains(shown), "{shown} in {bob}");
    }
    // `dee` of t2, ready; then, with t2 closed, not ready
    let (dee, closed) = (&a[first_ask + 2], &a[first_ask + 8]);
    assert!(dee.contains(r#""ready":true"#), "{dee}");
    assert!(closed.contains(r#""none":true"#), "{closed}");
    assert!(closed.contains(r#""ready":false"#), "{closed}");
}

/// A deadline's handler whose every rule is a guard on its case's status alone runs no rule
/// where the status fails them all (the compiled evaluator skips it); handlers it cannot
/// decide from the status (an `else`, a `let`, a guard reading a field first) run always.
/// Every deadline fires the same both ways, in every status, with values set or not (an
/// unset one read makes the firing, and its event, an error), and again once re-armed.
#[test]
fn deadlines_whose_handlers_do_nothing_in_a_status_fire_the_same_both_ways() {
    const POLICY: &str = r#"
format job_id = /^[A-Z][0-9]$/ "a letter and a digit"
statuses { waiting  running: live  paused: live  done: final  dropped: final }
case job key id: job_id { due_at: instant?  n: count?  hits: count = 0  lets: count = 0 }
deadline expire = job.due_at
deadline recount = job.due_at + 1h
deadline weigh = job.due_at + 2h
deadline tidy = job.due_at + 3h
event start { job: job_id }
event rearm { job: job_id }
event set_n { job: job_id, n: count }
event run { job: job_id }
event pause { job: job_id }
event finish { job: job_id }
event show_job { job: job_id }
event tick {}
on start for new job(event.job) {
  rule open { set job.due_at = event.at + 1h }
}
on rearm for job(event.job) {
  rule again { set job.due_at = event.at + 1h }
}
on set_n for job(event.job) {
  rule n { set job.n = event.n }
}
on run for job(event.job) {
  rule run { set job.status = running }
}
on pause for job(event.job) {
  rule pause { set job.status = paused }
}
on finish for job(event.job) {
  rule finish { set job.status = done }
}
on show_job for job(event.job) {
  rule shown { show hits = job.hits  show lets = job.lets }
}
// idle in done and dropped; in waiting it reads `n` (an error where it overflows)
on deadline expire {
  rule expired when job.status is live { set job.status = dropped }
  rule waited_long when job.status == waiting and (job.n ?? 0) + 1 > 2 { set job.hits = job.hits + 1 }
}
// never idle: its `else` acts where its guard fails
on deadline recount {
  rule late when job.status == done { set job.hits = job.hits + 10 } else { set job.hits = job.hits + 100 }
}
// never idle: its `let` is computed first, whatever the status (an error where it overflows)
on deadline weigh {
  let m = (job.n ?? 0) + 1
  rule weighed when job.status == running { set job.lets = job.lets + m }
}
// its guard reads a field before the status: never idle (an error where it overflows)
on deadline tidy {
  rule tidied when (job.n ?? 0) + 1 > 1 and not (job.status is live) and job.status != done {
    set job.hits = job.hits + 1000
  }
}
"#;
    let (compiled, walked) = one_file(POLICY);
    let mut all = String::new();
    // each job, in a world of its own (a firing that fails fails every later event), taken
    // to a status (with `n` set or not) before its deadlines, ticked past each of them,
    // re-armed and ticked again, then shown
    let moves: [&[&str]; 5] = [
        &[],
        &["run"],
        &["run", "pause"],
        &["run", "finish"],
        &["finish"],
    ];
    for moves in moves {
        for n in [None, Some(1), Some(5), Some(i64::MAX)] {
            let at = |h: u32, m: u32| format!(r#""at":"2026-01-01T{h:02}:{m:02}:00Z""#);
            let job = r#""job":"A1""#;
            let mut lines = vec![format!(r#"{{"type":"start",{},{job}}}"#, at(0, 0))];
            if let Some(n) = n {
                lines.push(format!(r#"{{"type":"set_n",{},{job},"n":{n}}}"#, at(0, 1)));
            }
            for (k, m) in (2..).zip(moves) {
                lines.push(format!(r#"{{"type":"{m}",{},{job}}}"#, at(0, k)));
            }
            for h in 1..=4 {
                lines.push(format!(r#"{{"type":"tick",{}}}"#, at(h, 5)));
            }
            lines.push(format!(r#"{{"type":"rearm",{},{job}}}"#, at(4, 10)));
            lines.push(format!(r#"{{"type":"tick",{}}}"#, at(9, 0)));
            lines.push(format!(r#"{{"type":"show_job",{},{job}}}"#, at(9, 1)));
            let (a, b) = (records(&compiled, &lines), records(&walked, &lines));
            if let Some(d) = first_difference(&a, &b) {
                panic!("{moves:?}, n {n:?}: {d}");
            }
            all.extend(a.iter().map(|r| format!("{r}\n")));
        }
    }
    // the streams reach each kind of firing
    for seen in [
        r#""error":"#,
        // expired, and its deadlines fired once dropped (`expire` skipped, once re-armed)
        r#""status":"dropped","messages":[],"hits":2200,"#,
        // `expire` skipped where done; `recount` ran its `else` twice
        r#""status":"done","messages":[],"hits":20,"#,
        // `waited_long` and `tidied` acted twice
        r#""status":"waiting","messages":[],"hits":2202,"#,
    ] {
        assert!(all.contains(seen), "no {seen} in\n{all}");
    }
}

/// Negated conditions (`not`, alone or around `and`s and `or`s) answer as the tree walker's
/// do, on every kind of test (comparisons of each kind, `in`, `matches`, `is set`, status
/// tags, counts, bools held or computed, derived flags, `erase when`), with values set and
/// not; and as expected.
#[test]
fn negated_conditions_give_the_same_answers_both_ways() {
    const HEAD: &str = r#"
statuses {
  open: open
  closed: final
}
case team key id: text {
  size: count = 0
}
participants members in team {
  name: text
  level: count = 0
  code: text? sensitive erase when not (team.status is open and level < 9)
  idle = not (level > 0 and code is set)
}
event ask { name: text, n: count?, tag: text?, flag: bool?, tags: list<text> }
"#;
    const ASK: &str = r#"
on ask {
  let found = [m in members where m.name == event.name and not m.idle]
  let quiet = [m in members where m.name == event.name and not (m.team.status is open)]
  let coded = [m in members where m.name == event.name and not (m.code is unset)]
  rule small when event.n is set and not (event.n > 2 or event.n <= 0) {
    show not_over_two = true
  }
  rule neither when not (event.n == 2 or event.tag is unset) {
    show neither = true
  }
  rule unlisted when not (event.tag in event.tags) and not not (event.flag ?? true) {
    show unlisted = true
  }
  rule no_x when event.tag is set and not (event.tag matches /^x/) {
    show no_x = true
  }
  rule no_senior when not any(m in found: m.level >= 3) {
    show no_senior = true
  }
  rule none_found when not (count(found) >= 1) {
    show none_found = true
  } else when not (count(found) != 1) {
    show one_found = true
  }
  rule member for m in found when not (m.team.status == closed) and not m.idle {
    show open_member = m.name
  }
  rule quiet when not (count(quiet) == 0) {
    show quiet = count(quiet)
  }
  rule coded when not not (count(coded) > 0) {
    show coded = count(coded)
  }
  rule checked when not (event.flag ?? false) {
    show unflagged = true
  }
}
"#;
    let engines = one_file(&[HEAD, TEAMS, ASK].concat());
    let at = r#""at":"2026-11-28T10:00:00+08:00""#;
    let lines = team_lines(&[
        (
            "t1",
            &[("ann", 3, true), ("bob", 0, true), ("cy", 1, false)],
        ),
        ("t2", &[("ann", 9, true), ("dee", 2, true)]),
    ]);
    let asks = |lines: &mut Vec<String>| {
        for name in ["ann", "bob", "cy", "dee", "nobody"] {
            for rest in [
                r#""n":1,"tag":"x1","flag":false,"tags":["x1"]"#,
                r#""n":2,"tag":"y","flag":true,"tags":["x1"]"#,
                r#""n":3,"tags":[]"#,
                r#""tag":"y","flag":false,"tags":[]"#,
                r#""n":5,"tag":"z","tags":["z"]"#,
            ] {
                lines.push(format!(r#"{{"type":"ask",{at},"name":"{name}",{rest}}}"#));
            }
        }
    };
    let (a, first_ask) = asks_around_closing(&engines, lines, asks);
    // what each ask shows (after the outcome of its case, if any), by name
    let shown = |i: usize| -> Vec<&str> {
        let r = a[i].rsplit_once(r#""messages":[]"#).map_or("", |(_, r)| r);
        r.split(r#",""#)
            .filter_map(|kv| kv.split_once(r#"":"#).map(|(k, _)| k))
            .collect()
    };
    // `ann` (found in t1: level 3, a code; in t2 her code was erased at once: level 9)
    for (i, want) in [
        "not_over_two neither one_found coded unflagged",
        "not_over_two unlisted no_x one_found coded",
        "unlisted one_found coded unflagged",
        "neither no_x one_found coded unflagged",
        "neither no_x one_found coded unflagged",
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(
            shown(first_ask + i).join(" "),
            *want,
            "{}",
            a[first_ask + i]
        );
        assert!(a[first_ask + i].contains(r#""open_member":"ann""#));
    }
    // `cy` holds no code: idle, found nowhere
    assert_eq!(
        shown(first_ask + 10).join(" "),
        "not_over_two neither no_senior none_found unflagged"
    );
    // with t2 closed, `ann` of t2 is quiet; `dee`'s code was erased, so she is idle
    assert_eq!(
        shown(first_ask + 26).join(" "),
        "not_over_two neither one_found quiet coded unflagged"
    );
    assert_eq!(
        shown(first_ask + 41).join(" "),
        "not_over_two neither no_senior none_found quiet unflagged"
    );
}
