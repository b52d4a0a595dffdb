//! Properties of the shipped GDPR data-subject-request policy (`rules/gdpr-dsar`) over random
//! receipt times: a due day is a working day; due days never go back as receipts go forward;
//! shifting a stream by whole weeks shifts every due instant by as many weeks (on a policy
//! whose periods are counted in days and whose calendar has no holidays: a month or a
//! holiday does not move with a week). Case counts: a fifth locally, all under CI
//! (`tests/support/scale.rs`: `DOCKET_PROPTEST_SCALE`, or `PROPTEST_CASES`); seed:
//! `PROPTEST_RNG_SEED`.

#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
mod support;

use docket::{Engine, Source, World};
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use std::sync::OnceLock;
use support::runner;

const ZONE: &str = "Europe/Dublin";

fn dir() -> String {
    format!("{}/rules/gdpr-dsar", env!("CARGO_MANIFEST_DIR"))
}

fn shipped() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| match Engine::load(dir()) {
        Ok(e) => e,
        Err(e) => panic!("rules/gdpr-dsar does not load:\n{}", e.render()),
    })
}

/// The shipped policy's files, each edited by `edit` (file name, text) → text.
fn edited(edit: impl Fn(&str, &str) -> String) -> Engine {
    let paths = docket::policy_files(dir()).expect("rules/gdpr-dsar");
    let sources = paths
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            let text = std::fs::read_to_string(p).expect("readable");
            Source::new(name.to_string(), edit(&name, &text))
        })
        .collect();
    match Engine::from_sources(sources) {
        Ok(e) => e,
        Err(e) => panic!("the edited policy does not load:\n{}", e.render()),
    }
}

/// The holidays of the shipped calendar table.
fn holidays() -> Vec<Date> {
    let text = std::fs::read_to_string(format!("{}/holidays.yaml", dir())).expect("holidays");
    text.split("date:")
        .skip(1)
        .filter_map(|rest| rest.trim_start().get(..10)?.parse().ok())
        .collect()
}

fn request(id: usize, at: Timestamp, subject: usize) -> String {
    format!(
        r#"{{"type":"request_received","at":"{at}","request":"R{id}","subject":"s{subject}@example.org","kind":"objection","channel":"web"}}"#
    )
}

/// The `due` of each line's outcome for the request it opened, in order.
fn dues(engine: &Engine, lines: &[String]) -> Vec<Timestamp> {
    let mut world = World::new();
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let record: serde_json::Value =
                serde_json::from_str(&engine.run_line(&mut world, i + 1, l).to_json())
                    .expect("json");
            let id = format!("R{i}");
            let outcome = record["outcomes"]
                .as_array()
                .and_then(|os| os.iter().find(|o| o["request"] == id.as_str()))
                .unwrap_or_else(|| panic!("no outcome for {id}: {record}"));
            outcome["due"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no due: {record}"))
        })
        .collect()
}

/// Receipt instants from December 2026 to the end of 2027, in order (a minute apart at
/// least, so the stream runs forward), spread over every time of day.
fn receipts(max: usize) -> impl Strategy<Value = Vec<Timestamp>> {
    let start: Timestamp = "2026-12-01T00:00:00Z".parse().expect("start");
    prop::collection::vec(0i64..(400 * 24 * 60), 1..max).prop_map(move |mut minutes| {
        minutes.sort_unstable();
        minutes.dedup();
        minutes
            .into_iter()
            .map(|m| start.checked_add(m.minutes()).expect("in range"))
            .collect()
    })
}

fn run(
    name: &str,
    cases: u32,
    strategy: impl Strategy<Value = Vec<Timestamp>>,
    check: impl Fn(&[Timestamp]) -> Result<(), TestCaseError>,
) {
    let mut runner = TestRunner::new(runner::config(name, cases));
    if let Err(e) = runner.run(&strategy, |ts| check(&ts)) {
        panic!("{name}: {e}");
    }
}

#[test]
fn a_due_day_is_a_working_day_and_due_days_never_go_back() {
    let zone = TimeZone::get(ZONE).expect("zone");
    let holidays = holidays();
    assert!(holidays.len() >= 10, "the calendar lists its holidays");
    run("dsar_due_day", 300, receipts(30), |ts| {
        let lines: Vec<String> = ts
            .iter()
            .enumerate()
            .map(|(i, t)| request(i, *t, i))
            .collect();
        let dues = dues(shipped(), &lines);
        let mut last: Option<Date> = None;
        for (t, due) in ts.iter().zip(&dues) {
            let local = due.to_zoned(zone.clone());
            prop_assert_eq!(
                local.time(),
                jiff::civil::time(0, 0, 0, 0),
                "due at midnight"
            );
            // the due day is the day before the due instant
            let day = local.date().yesterday().expect("a day");
            prop_assert!(
                !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday),
                "received {t}: due day {day} is a weekend"
            );
            prop_assert!(
                !holidays.contains(&day),
                "received {t}: due day {day} is a holiday"
            );
            // one month at least: never before the same date a month later
            let received = t.to_zoned(zone.clone()).date();
            let month_later = received.checked_add(1.month()).expect("date");
            prop_assert!(day >= month_later, "received {received}: due day {day}");
            if let Some(l) = last {
                prop_assert!(day >= l, "due days went back: {l} then {day}");
            }
            last = Some(day);
        }
        Ok(())
    });
}

#[test]
fn shifting_a_stream_by_whole_weeks_shifts_every_due_instant_by_as_many() {
    // periods in days, no holidays: a week shift commutes with the calendar
    let engine = edited(|name, text| match name {
        "limits.yaml" => text
            .replace("period: 1 month", "period: 30 days")
            .replace("period: 2 months", "period: 61 days"),
        "holidays.yaml" => {
            let head: Vec<&str> = text
                .lines()
                .take_while(|l| !l.starts_with("holidays"))
                .collect();
            format!("{}\nholidays: []\n", head.join("\n"))
        }
        _ => text.to_string(),
    });
    let zone = TimeZone::get(ZONE).expect("zone");
    let strategy = (receipts(12), 1i64..80);
    let mut runner = TestRunner::new(runner::config("dsar_week_shift", 200));
    let result = runner.run(&strategy, |(ts, weeks)| {
        // the same local date and time, `weeks` weeks later (across summer time too)
        let shift = |t: &Timestamp| -> Timestamp {
            let local: DateTime = t.to_zoned(zone.clone()).datetime();
            (local + (weeks * 7).days())
                .to_zoned(zone.clone())
                .expect("a local time")
                .timestamp()
        };
        let lines: Vec<String> = ts
            .iter()
            .enumerate()
            .map(|(i, t)| request(i, *t, i))
            .collect();
        let shifted: Vec<String> = ts
            .iter()
            .enumerate()
            .map(|(i, t)| request(i, shift(t), i))
            .collect();
        let (a, b) = (dues(&engine, &lines), dues(&engine, &shifted));
        for (x, y) in a.iter().zip(&b) {
            let (x, y) = (x.to_zoned(zone.clone()), y.to_zoned(zone.clone()));
            prop_assert_eq!(
                x.date().checked_add((weeks * 7).days()).expect("date"),
                y.date(),
                "shifted by {} weeks",
                weeks
            );
            prop_assert_eq!(x.time(), y.time());
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("dsar_week_shift: {e}");
    }
}
