//! Properties of the engine running the shipped ICP policy, over random event streams: what
//! must not change an outcome (how time is written, quiet ticks, error lines, saving and
//! loading the world) and what must always hold (closed filings stay closed, at most two
//! resends per person). The reference model only steers the generator (and tells when the
//! next window ends); the verdicts are the engine's. Case counts: a fifth locally, all under CI
//! (`tests/support/scale.rs`: `DOCKET_PROPTEST_SCALE`, or `PROPTEST_CASES`); seed:
//! `PROPTEST_RNG_SEED`.

#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
mod support;

use docket::{Engine, World};
use icp_reference::{FilingView, Model};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::test_runner::TestCaseResult;
use serde_json::Value;
use std::collections::BTreeMap;
use support::lines::{bad_line, quote, stamp, start, Obj};
use support::oracle::{self, listing, Out};
use support::pools::CODES;
use support::render::{self, RenderOpts};
use support::runner::{self, fail};
use support::script::{self, Bad, Zone};

/// Steps per stream, at most.
const STEPS: usize = 40;
/// Streams per property.
const CASES: u32 = 1200;

/// A stream with extra lines inserted: the lines, and for each the `seq` it runs with (an
/// original line keeps its own, so its record can be compared byte for byte).
struct Spliced {
    lines: Vec<String>,
    seqs: Vec<usize>,
    /// Whether each line is an inserted one.
    inserted: Vec<bool>,
}

impl Spliced {
    /// `base` with `extra` (position, line) inserted, each before the original line at its
    /// position (in the order given, for equal positions).
    fn new(base: &[String], mut extra: Vec<(usize, String)>) -> Spliced {
        extra.sort_by_key(|e| e.0);
        let mut s = Spliced {
            lines: Vec::new(),
            seqs: Vec::new(),
            inserted: Vec::new(),
        };
        let mut extra = extra.into_iter().peekable();
        for i in 0..=base.len() {
            while let Some((_, line)) = extra.next_if(|e| e.0 <= i) {
                s.lines.push(line);
                s.seqs.push(10_000 + s.lines.len());
                s.inserted.push(true);
            }
            if let Some(line) = base.get(i) {
                s.lines.push(line.clone());
                s.seqs.push(i + 1);
                s.inserted.push(false);
            }
        }
        s
    }

    fn run(&self, engine: &Engine) -> Vec<Out> {
        let mut world = World::new();
        self.lines
            .iter()
            .zip(&self.seqs)
            .map(|(line, seq)| oracle::run_one(engine, &mut world, *seq, line))
            .collect()
    }

    /// Compares the original lines' records with `base` (byte for byte; an error's text only
    /// when `error_texts`: it may quote the clock); checks each inserted line's record with
    /// `inserted`.
    fn compare(
        &self,
        got: &[Out],
        base: &[Out],
        error_texts: bool,
        inserted: impl Fn(&Out) -> Result<(), String>,
    ) -> TestCaseResult {
        let mut originals = base.iter();
        for (i, out) in got.iter().enumerate() {
            let why = if self.inserted[i] {
                inserted(out).err()
            } else {
                let want = originals.next().map_or("", |o| o.json.as_str());
                let same = out.json == want
                    || (!error_texts && out.error && errors_alike(&out.json, want));
                (!same).then(|| format!("its record changed; it was\n  {want}"))
            };
            if let Some(why) = why {
                return Err(fail(format!(
                    "line {} of the changed stream ({}): {why}\n  record: {}\nthe changed stream:\n{}",
                    i + 1,
                    if self.inserted[i] { "inserted" } else { "original" },
                    out.json,
                    listing(&self.lines)
                )));
            }
        }
        Ok(())
    }
}

/// Whether two records are errors for the same `seq`, `type` and `at`.
fn errors_alike(a: &str, b: &str) -> bool {
    let (a, b) = (oracle::parse(a), oracle::parse(b));
    a.get("error").is_some()
        && b.get("error").is_some()
        && ["seq", "type", "at"].iter().all(|k| a.get(k) == b.get(k))
}

/// The model's state before each line of `lines` (and after the last).
fn model_states(lines: &[String]) -> Vec<Model> {
    let mut model = Model::new();
    let mut states = vec![model.clone()];
    for (i, line) in lines.iter().enumerate() {
        model.run_line(i + 1, line, &mut String::new());
        states.push(model.clone());
    }
    states
}

// ── (a) How time is written ──────────────────────────────────────────────────

/// Shifting every instant by the same amount, and writing them in another offset, changes no
/// outcome (records compared without `at`, errors by being errors).
#[test]
fn shifting_time_changes_no_outcome() {
    let engine = Engine::icp();
    let ten_years: i64 = 10 * 366 * 86_400;
    let strategy = (
        script::script(STEPS),
        -ten_years..=ten_years,
        prop::option::of(script::zone()),
    );
    runner::check("time shift", CASES, strategy, |(s, shift, zone)| {
        let base = render::render(&s, &RenderOpts::default());
        let opts = RenderOpts {
            shift: SignedDuration::from_secs(shift),
            zone,
        };
        let moved = render::render(&s, &opts);
        if base.lines.len() != moved.lines.len() {
            return Err(fail("the shifted rendering has another number of lines"));
        }
        let (a, b) = (
            oracle::run_engine(&engine, &base.lines),
            oracle::run_engine(&engine, &moved.lines),
        );
        for (i, (a, b)) in a.iter().zip(&b).enumerate() {
            if oracle::masked(&a.json) != oracle::masked(&b.json) {
                return Err(fail(format!(
                    "line {}: the outcome changed\n  before: {}\n  after:  {}\nthe shifted stream:\n{}",
                    i + 1,
                    a.json,
                    b.json,
                    listing(&moved.lines)
                )));
            }
        }
        Ok(())
    });
}

// ── (b) Quiet ticks ──────────────────────────────────────────────────────────

/// The latest time a tick before line `pos` may have and change nothing: before the next
/// window's end, and no later than any later line that the clock would not already refuse.
/// The earliest is the clock. `None` when the stream has no time at all.
fn quiet_range(
    state: &Model,
    instants: &[Option<Timestamp>],
    pos: usize,
) -> Option<(Timestamp, Timestamp)> {
    let clock = state.clock();
    let later = instants[pos..]
        .iter()
        .flatten()
        .filter(|t| match clock {
            Some(c) => **t >= c,
            None => true,
        })
        .min()
        .copied();
    let deadline = state
        .next_deadline()
        .map(|d| d - SignedDuration::from_secs(1));
    let hi = [later, deadline].into_iter().flatten().min();
    match (clock, hi) {
        (Some(c), Some(hi)) => Some((c, hi)),
        (Some(c), None) => Some((c, c + SignedDuration::from_hours(72))),
        (None, Some(hi)) => Some((hi - SignedDuration::from_hours(24), hi)),
        (None, None) => None,
    }
}

/// Ticks that cross no window's end change no outcome of the other lines, and answer nothing.
#[test]
fn quiet_ticks_change_no_outcome() {
    let engine = Engine::icp();
    let ticks = prop::collection::vec((any::<u16>(), any::<u16>(), script::zone()), 1..=6);
    runner::check(
        "quiet ticks",
        CASES,
        (script::script(STEPS), ticks),
        |(s, ticks)| {
            let r = render::render(&s, &RenderOpts::default());
            let states = model_states(&r.lines);
            let mut extra = Vec::new();
            let mut ticks: Vec<(usize, u16, Zone)> = ticks
                .into_iter()
                .map(|(pos, frac, zone)| (usize::from(pos) % (r.lines.len() + 1), frac, zone))
                .collect();
            // Ticks at one position come in time order.
            ticks.sort_by_key(|t| (t.0, t.1));
            // An inserted tick moves the clock too: a later one may not go back before it.
            let mut floor: Option<Timestamp> = None;
            for (pos, frac, zone) in ticks {
                let Some((lo, hi)) = quiet_range(&states[pos], &r.instants, pos) else {
                    continue;
                };
                let lo = floor.map_or(lo, |f| f.max(lo));
                if hi < lo {
                    return Err(fail(format!(
                        "no quiet time before line {}: clock {lo}, limit {hi}",
                        pos + 1
                    )));
                }
                let span = hi.duration_since(lo).as_secs();
                let t =
                    lo + SignedDuration::from_secs(span * i64::from(frac) / i64::from(u16::MAX));
                floor = Some(t);
                extra.push((pos, Obj::event("tick", &quote(&stamp(t, zone))).done()));
            }
            let spliced = Spliced::new(&r.lines, extra);
            let base = oracle::run_engine(&engine, &r.lines);
            spliced.compare(&spliced.run(&engine), &base, false, |out| {
                let quiet =
                    !out.error && oracle::parse(&out.json)["outcomes"] == Value::Array(vec![]);
                if quiet {
                    Ok(())
                } else {
                    Err("the tick is not quiet".into())
                }
            })
        },
    );
}

// ── (c) Error lines ──────────────────────────────────────────────────────────

/// An error line to insert.
#[derive(Clone, Copy, Debug)]
enum Insert {
    /// Bad whatever the world.
    Bad(Bad),
    /// The next line (or a tick), but before the clock.
    Backwards(u16),
    /// A tick with an unknown field, hours past the clock (past windows' ends, maybe).
    Future(u8),
    /// Canceling a final filing.
    CancelFinal(u8),
    /// An SMS to a closed (rejected or final) filing.
    SmsToClosed(u8),
    /// An SMS to a phone that is no required person of the filing.
    SmsToNobody(u8),
}

fn insert() -> impl Strategy<Value = Insert> {
    prop_oneof![
        4 => script::bad().prop_map(Insert::Bad),
        3 => any::<u16>().prop_map(Insert::Backwards),
        2 => any::<u8>().prop_map(Insert::Future),
        1 => any::<u8>().prop_map(Insert::CancelFinal),
        1 => any::<u8>().prop_map(Insert::SmsToClosed),
        1 => any::<u8>().prop_map(Insert::SmsToNobody),
    ]
}

/// A phone in no pool: nobody ever has it.
const NOBODY: &str = "13600000008";

/// The line of `insert` in the world `state`, before `next` (the original line that follows).
fn error_line(insert: Insert, state: &Model, next: Option<&String>) -> String {
    let view = state.view();
    let clock = state.clock();
    let at = quote(&stamp(clock.unwrap_or_else(start), Zone::Beijing));
    let unknown = |k: u8| bad_line(Bad::UnknownFiling(k), &at, &view).0;
    let pick = |k: u8, ok: &dyn Fn(&FilingView) -> bool| {
        let fs: Vec<&FilingView> = view.iter().filter(|f| ok(f)).collect();
        (!fs.is_empty()).then(|| fs[usize::from(k) % fs.len()])
    };
    let is_final = |f: &FilingView| {
        matches!(
            f.status,
            "under_review" | "canceled" | "no_validation_required"
        )
    };
    match insert {
        Insert::Bad(bad) => bad_line(bad, &at, &view).0,
        Insert::Backwards(s) => {
            let Some(clock) = clock else {
                return bad_line(Bad::Junk(0), &at, &view).0;
            };
            let t = clock - SignedDuration::from_secs(1 + i64::from(s) % 7200);
            let at = Value::String(stamp(t, Zone::Beijing));
            match next.and_then(|l| serde_json::from_str::<Value>(l).ok()) {
                Some(Value::Object(mut ev)) if ev.contains_key("type") => {
                    ev.insert("at".into(), at);
                    Value::Object(ev).to_string()
                }
                _ => Obj::event("tick", &at.to_string()).done(),
            }
        }
        Insert::Future(h) => {
            let t = clock.unwrap_or_else(start) + SignedDuration::from_hours(1 + i64::from(h % 72));
            Obj::event("tick", &quote(&stamp(t, Zone::Utc)))
                .str("note", "later")
                .done()
        }
        Insert::CancelFinal(k) => match pick(k, &is_final) {
            Some(f) => Obj::event("order_canceled", &at)
                .str("filing", &f.id)
                .done(),
            None => unknown(k),
        },
        Insert::SmsToClosed(k) => {
            let closed = |f: &FilingView| is_final(f) || f.status == "rejected";
            match pick(k, &closed) {
                Some(f) => {
                    let phone = f.people.first().map_or(NOBODY, |p| p.phone.as_str());
                    Obj::event("sms_sent", &at)
                        .str("filing", &f.id)
                        .str("phone", phone)
                        .str("code", CODES[1])
                        .done()
                }
                None => unknown(k),
            }
        }
        Insert::SmsToNobody(k) => match view.get(usize::from(k) % view.len().max(1)) {
            Some(f) => Obj::event("sms_sent", &at)
                .str("filing", &f.id)
                .str("phone", NOBODY)
                .str("code", CODES[2])
                .done(),
            None => unknown(k),
        },
    }
}

/// An erroneous line inserted anywhere is an error and changes no later outcome.
#[test]
fn an_error_line_changes_nothing() {
    let engine = Engine::icp();
    let inserts = prop::collection::vec((any::<u16>(), insert()), 1..=4);
    runner::check(
        "error lines",
        CASES,
        (script::script(STEPS), inserts),
        |(s, inserts)| {
            let r = render::render(&s, &RenderOpts::default());
            let states = model_states(&r.lines);
            let extra = inserts
                .into_iter()
                .map(|(pos, insert)| {
                    let pos = usize::from(pos) % (r.lines.len() + 1);
                    (pos, error_line(insert, &states[pos], r.lines.get(pos)))
                })
                .collect();
            let spliced = Spliced::new(&r.lines, extra);
            let base = oracle::run_engine(&engine, &r.lines);
            spliced.compare(&spliced.run(&engine), &base, true, |out| {
                if out.error {
                    Ok(())
                } else {
                    Err("the inserted line is not an error".into())
                }
            })
        },
    );
}

// ── (d) Invariants of the output ─────────────────────────────────────────────

/// A required person of a filing, as the input and output show them.
struct Person {
    roles: Vec<String>,
    phone: String,
    cert: String,
    resends: u32,
}

/// The statuses a filing may go to from `from` (itself included).
fn may_follow(from: &str, to: &str) -> bool {
    from == to
        || match from {
            "awaiting_sync" => matches!(to, "awaiting_validation" | "canceled"),
            "awaiting_validation" => matches!(
                to,
                "partially_validated" | "under_review" | "rejected" | "canceled"
            ),
            "partially_validated" => matches!(to, "under_review" | "rejected" | "canceled"),
            "rejected" => to == "canceled",
            _ => false,
        }
}

/// Checks the invariants on one stream's input and output.
fn invariants(lines: &[String], outs: &[Out]) -> Result<(), String> {
    let mut status: BTreeMap<String, String> = BTreeMap::new();
    let mut people: BTreeMap<String, Vec<Person>> = BTreeMap::new();
    for (i, (line, out)) in lines.iter().zip(outs).enumerate() {
        if out.error {
            continue;
        }
        let at_line = |why: String| format!("line {}: {why}\n  record: {}", i + 1, out.json);
        let ev = oracle::parse(line);
        let text = |k: &str| ev[k].as_str().unwrap_or_default().to_string();
        let record = oracle::parse(&out.json);
        for o in record["outcomes"].as_array().into_iter().flatten() {
            let (Some(id), Some(to)) = (o["filing"].as_str(), o["status"].as_str()) else {
                continue;
            };
            let messages: Vec<&str> = o["messages"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m["id"].as_str())
                .collect();
            match status.get(id) {
                None if matches!(to, "awaiting_sync" | "no_validation_required") => {}
                None => return Err(at_line(format!("filing {id} first shows up as {to}"))),
                Some(from) if !may_follow(from, to) => {
                    return Err(at_line(format!("filing {id} went from {from} to {to}")))
                }
                Some(_) => {}
            }
            status.insert(id.into(), to.into());
            if ev["type"] == "order_submitted" {
                let required: Vec<&str> = o["required_roles"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let mut ps: Vec<Person> = Vec::new();
                for x in ev["personnel"].as_array().into_iter().flatten() {
                    let role = x["role"].as_str().unwrap_or_default();
                    if !required.contains(&role) {
                        continue;
                    }
                    let phone = x["phone"].as_str().unwrap_or_default().to_string();
                    let cert = x["cert_last6"].as_str().unwrap_or_default().to_uppercase();
                    match ps.iter_mut().find(|p| p.phone == phone && p.cert == cert) {
                        Some(p) => p.roles.push(role.into()),
                        None => ps.push(Person {
                            roles: vec![role.into()],
                            phone,
                            cert,
                            resends: 0,
                        }),
                    }
                }
                people.insert(id.into(), ps);
            }
            if messages.contains(&"phone_updated") {
                let role = text("role");
                if let Some(p) = people
                    .get_mut(id)
                    .and_then(|ps| ps.iter_mut().find(|p| p.roles.contains(&role)))
                {
                    p.phone = text("new_phone");
                }
            }
            if messages.contains(&"resend_success") {
                let (phone, cert) = (text("phone"), text("cert_last6").to_uppercase());
                let Some(p) = people
                    .get_mut(id)
                    .and_then(|ps| ps.iter_mut().find(|p| p.phone == phone && p.cert == cert))
                else {
                    return Err(at_line(format!(
                        "a resend was granted in filing {id} to nobody of it"
                    )));
                };
                p.resends += 1;
                if p.resends > 2 {
                    return Err(at_line(format!(
                        "a third resend was granted to {phone} in filing {id}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// A rejected or closed filing never opens again (statuses only move forward), and no person
/// is granted more than two resends in one filing.
#[test]
fn closed_filings_stay_closed_and_resends_are_bounded() {
    let engine = Engine::icp();
    runner::check("invariants", CASES, script::script(60), |s| {
        let r = render::render(&s, &RenderOpts::default());
        let outs = oracle::run_engine(&engine, &r.lines);
        invariants(&r.lines, &outs).map_err(fail)
    });
}

#[test]
fn the_invariants_can_fail() {
    let order = r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"modify","variant":"entity","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345x"}]}"#;
    let resend = r#"{"type":"resend_request","at":"2026-11-28T09:00:00+08:00","phone":"13800000001","cert_last6":"12345X"}"#;
    let record = |seq: usize, ty: &str, filing: &str, status: &str, message: &str| Out {
        json: format!(
            r#"{{"seq":{seq},"type":"{ty}","at":"x","outcomes":[{{"filing":"{filing}","status":"{status}","messages":[{{"id":"{message}"}}],"required_roles":["entity_leader"]}}]}}"#
        ),
        error: false,
    };
    let lines: Vec<String> = [order, resend, resend, resend].map(String::from).to_vec();
    let ok = [
        record(
            1,
            "order_submitted",
            "F1",
            "awaiting_sync",
            "order_submitted",
        ),
        record(
            2,
            "resend_request",
            "F1",
            "awaiting_validation",
            "resend_success",
        ),
        record(
            3,
            "resend_request",
            "F1",
            "awaiting_validation",
            "resend_success",
        ),
    ];
    assert_eq!(invariants(&lines[..3], &ok), Ok(()));
    let mut third = ok.to_vec();
    third.push(record(
        4,
        "resend_request",
        "F1",
        "awaiting_validation",
        "resend_success",
    ));
    let err = invariants(&lines, &third).expect_err("a third resend");
    assert!(err.contains("third resend"), "{err}");
    let mut reopened = ok.to_vec();
    reopened[1] = record(2, "resend_request", "F1", "canceled", "order_canceled");
    let err = invariants(&lines[..3], &reopened).expect_err("canceled, then open");
    assert!(
        err.contains("from canceled to awaiting_validation"),
        "{err}"
    );
}

// ── (e) Saving and loading the world ─────────────────────────────────────────

/// Saving the world and loading it back (into another instance of the engine) between any two
/// events changes no outcome; saving what was loaded gives the same text.
#[test]
fn saving_and_loading_the_world_changes_nothing() {
    let engine = Engine::icp();
    let other = Engine::icp();
    let points = prop::collection::vec(any::<u16>(), 1..=5);
    runner::check(
        "save and load",
        CASES,
        (script::script(STEPS), points),
        |(s, points)| {
            let r = render::render(&s, &RenderOpts::default());
            let base = oracle::run_engine(&engine, &r.lines);
            let points: Vec<usize> = points
                .iter()
                .map(|p| usize::from(*p) % (r.lines.len() + 1))
                .collect();
            let mut world = World::new();
            for (i, line) in r.lines.iter().enumerate() {
                if points.contains(&i) {
                    let saved = engine.save_world(&world);
                    world = other.load_world(&saved).map_err(|e| {
                        fail(format!(
                            "before line {}: the saved world does not load: {e}\n{saved}",
                            i + 1
                        ))
                    })?;
                    if other.save_world(&world) != saved {
                        return Err(fail(format!(
                            "before line {}: saving the loaded world gives another text",
                            i + 1
                        )));
                    }
                }
                let out = oracle::run_one(&engine, &mut world, i + 1, line);
                if out != base[i] {
                    return Err(fail(format!(
                    "line {}: the outcome changed after saving and loading at {points:?}\n  before: {}\n  after:  {}",
                    i + 1,
                    base[i].json,
                    out.json
                )));
                }
            }
            Ok(())
        },
    );
}
