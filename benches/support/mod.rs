//! What the benchmarks share: event lines, the reference model with the policy's message
//! texts, the timing of steps on working copies of a world, a recorder of the timings
//! criterion asked for (for the summary tables), and readings of memory.
//!
//! Each bench binary includes this module (`mod support;`) and uses part of it.
#![allow(dead_code)]

pub mod counting;
pub mod stream;

use icp_reference::{Catalogue, MessageText, Model};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

// ── Paths and the reference model ───────────────────────────────────────────

/// The top of the docket package (where `rules/` and `target/` are).
/// Criterion as the benches use it: `samples` samples of about `measure` each, after half a
/// second of warm-up; the command line may override.
pub fn config(samples: usize, measure: Duration) -> criterion::Criterion {
    criterion::Criterion::default()
        .sample_size(samples)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(measure)
        .configure_from_args()
}

pub fn package_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped ICP policy's directory.
pub fn icp_dir() -> PathBuf {
    package_dir().join("rules").join("icp")
}

/// The message texts of `rules/icp/messages.yaml`, for the reference model to write the same
/// records as the engine.
pub fn catalogue() -> Catalogue {
    let path = icp_dir().join("messages.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is no YAML: {e}", path.display()));
    let messages = yaml
        .get("messages")
        .and_then(|m| m.as_mapping())
        .unwrap_or_else(|| panic!("{} has no `messages` mapping", path.display()));
    let field = |m: &serde_yaml::Value, k: &str| -> String {
        m.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("a message of {} has no `{k}`", path.display()))
            .to_string()
    };
    Catalogue::new(messages.iter().map(|(id, m)| {
        let id = id.as_str().expect("message ids are strings").to_string();
        let texts = MessageText {
            text: field(m, "text"),
            result: field(m, "result"),
            next_step: field(m, "next_step"),
        };
        (id, texts)
    }))
}

/// An empty reference model writing the policy's message texts, as the engine does.
pub fn model() -> Model {
    Model::with_catalogue(catalogue())
}

// ── Times and event lines ───────────────────────────────────────────────────

/// Milliseconds since the Unix epoch of an RFC 3339 time.
pub fn ms(rfc3339: &str) -> i64 {
    rfc3339
        .parse::<jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
        .as_millisecond()
}

/// An instant as the seed's users write it (UTC+08:00), with milliseconds when it has some.
pub fn stamp(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .expect("a time in range")
        .display_with_offset(jiff::tz::offset(8))
        .to_string()
}

pub const MINUTE: i64 = 60_000;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// `order_submitted`; `people` are `(role, phone, cert_last6)`.
pub fn order(
    at: &str,
    filing: &str,
    scenario: &str,
    variant: &str,
    people: &[(&str, &str, &str)],
) -> String {
    let personnel: Vec<String> = people
        .iter()
        .map(|(role, phone, cert)| {
            format!(r#"{{"role":"{role}","phone":"{phone}","cert_last6":"{cert}"}}"#)
        })
        .collect();
    format!(
        r#"{{"type":"order_submitted","at":"{at}","filing":"{filing}","scenario":"{scenario}","variant":"{variant}","personnel":[{}]}}"#,
        personnel.join(",")
    )
}

/// `sms_sent`, from `sender` when given.
pub fn sms(at: &str, filing: &str, phone: &str, code: &str, sender: Option<&str>) -> String {
    match sender {
        Some(s) => format!(
            r#"{{"type":"sms_sent","at":"{at}","filing":"{filing}","phone":"{phone}","code":"{code}","sender":"{s}"}}"#
        ),
        None => format!(
            r#"{{"type":"sms_sent","at":"{at}","filing":"{filing}","phone":"{phone}","code":"{code}"}}"#
        ),
    }
}

/// `validation_attempt`.
pub fn attempt(at: &str, phone: &str, code: &str, cert: &str) -> String {
    format!(
        r#"{{"type":"validation_attempt","at":"{at}","phone":"{phone}","code":"{code}","cert_last6":"{cert}"}}"#
    )
}

/// `resend_request`.
pub fn resend(at: &str, phone: &str, cert: &str) -> String {
    format!(r#"{{"type":"resend_request","at":"{at}","phone":"{phone}","cert_last6":"{cert}"}}"#)
}

/// `phone_change`.
pub fn phone_change(at: &str, filing: &str, role: &str, new_phone: &str) -> String {
    format!(
        r#"{{"type":"phone_change","at":"{at}","filing":"{filing}","role":"{role}","new_phone":"{new_phone}"}}"#
    )
}

/// `order_canceled`.
pub fn cancel(at: &str, filing: &str) -> String {
    format!(r#"{{"type":"order_canceled","at":"{at}","filing":"{filing}"}}"#)
}

/// `tick`.
pub fn tick(at: &str) -> String {
    format!(r#"{{"type":"tick","at":"{at}"}}"#)
}

// ── Reading outputs ─────────────────────────────────────────────────────────

/// What a record says about one filing (or person), for checking paths and comparing the
/// engine with the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Said {
    /// The filing, `None` for an answer about a person.
    pub filing: Option<String>,
    /// Its status after the event.
    pub status: Option<String>,
    /// The message ids, in order.
    pub ids: Vec<String>,
    /// On `order_submitted`: the required roles.
    pub required_roles: Option<Vec<String>>,
}

/// A record's outcomes, or its error.
pub type Summary = Result<Vec<Said>, String>;

/// The summary of a JSON output record (engine or model).
pub fn summarize_json(record: &str) -> Summary {
    let v: serde_json::Value = serde_json::from_str(record)
        .unwrap_or_else(|e| panic!("output is no JSON ({e}): {record}"));
    if let Some(e) = v.get("error") {
        return Err(e.as_str().unwrap_or_default().to_string());
    }
    let outcomes = v
        .get("outcomes")
        .and_then(|o| o.as_array())
        .unwrap_or_else(|| panic!("a record without outcomes: {record}"));
    let text =
        |o: &serde_json::Value, k: &str| o.get(k).and_then(|x| x.as_str()).map(str::to_string);
    Ok(outcomes
        .iter()
        .map(|o| Said {
            filing: text(o, "filing"),
            status: text(o, "status"),
            ids: o
                .get("messages")
                .and_then(|m| m.as_array())
                .map(|ms| ms.iter().filter_map(|m| text(m, "id")).collect())
                .unwrap_or_default(),
            required_roles: o.get("required_roles").map(strings),
        })
        .collect())
}

/// The strings of a JSON array (nothing for anything else).
fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|xs| {
            xs.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The summary of the engine's outcomes (written against what the fields deref to, so that it
/// keeps compiling while their types are tuned).
pub fn summarize_engine<E: std::fmt::Display>(r: Result<docket::Outcomes, E>) -> Summary {
    r.map(|os| {
        os.into_iter()
            .map(|o| Said {
                filing: o.case.as_deref().map(str::to_string),
                status: o.status.as_deref().map(str::to_string),
                ids: o.messages.iter().map(|m| m.id.to_string()).collect(),
                required_roles: o
                    .shows
                    .iter()
                    .find(|(k, _)| &**k == "required_roles")
                    .map(|(_, v)| strings(&v.to_json())),
            })
            .collect()
    })
    .map_err(|e| e.to_string())
}

/// The summary of the model's outcomes.
pub fn summarize_model(r: Result<Vec<icp_reference::Outcome>, icp_reference::Bad>) -> Summary {
    r.map(|os| {
        os.into_iter()
            .map(|o| Said {
                filing: o.filing,
                status: o.status.map(str::to_string),
                ids: o.messages.iter().map(|m| m.to_string()).collect(),
                required_roles: o
                    .required_roles
                    .map(|rs| rs.iter().map(|r| r.to_string()).collect()),
            })
            .collect()
    })
    .map_err(|e| e.0)
}

/// The message ids of every outcome, in order; panics on an error.
pub fn ids(summary: &Summary) -> Vec<&str> {
    match summary {
        Ok(os) => os
            .iter()
            .flat_map(|o| o.ids.iter().map(String::as_str))
            .collect(),
        Err(e) => panic!("refused: {e}"),
    }
}

// ── Timing steps on working copies ──────────────────────────────────────────

/// A working copy of a world and how many steps it has taken. Kept between criterion's calls,
/// so that a big world is copied only when its pool of events is used up.
pub struct Pass<W> {
    world: Option<W>,
    done: u64,
}

impl<W> Default for Pass<W> {
    fn default() -> Self {
        Pass {
            world: None,
            done: 0,
        }
    }
}

/// Times `iters` steps. Step `j` of a pass applies `pool[j % pool.len()]` to the pass's working
/// copy; a pass lasts `budget` steps (the pool is built so that every one of them takes the
/// path the benchmark is named after), then `fresh` makes a new copy. Making and dropping
/// copies is not timed; each step's output is dropped inside the timing.
/// Registers benchmark `name` in `group`: each sample applies `pool` in order with `step`
/// to working copies from `fresh` (see [`time_steps`]), continuing `pass`; the times go to
/// `rec` under `"{group}/{name}"`.
#[allow(
    clippy::too_many_arguments,
    reason = "one call site shape, six callers"
)]
pub fn bench_pool<W, E, O>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rec: &Recorder,
    group_name: &str,
    name: &str,
    mut pass: Pass<W>,
    budget: u64,
    fresh: impl Fn() -> W,
    pool: &[E],
    mut step: impl FnMut(&mut W, &E) -> O,
) {
    let id = format!("{group_name}/{name}");
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let took = time_steps(iters, &mut pass, budget, &fresh, pool, &mut step);
            rec.record(&id, iters, took)
        })
    });
}

pub fn time_steps<W, E, O>(
    iters: u64,
    pass: &mut Pass<W>,
    budget: u64,
    fresh: impl Fn() -> W,
    pool: &[E],
    mut step: impl FnMut(&mut W, &E) -> O,
) -> Duration {
    assert!(budget > 0 && !pool.is_empty());
    let len = pool.len() as u64;
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        if pass.world.is_none() || pass.done >= budget {
            pass.world = None;
            pass.world = Some(fresh());
            pass.done = 0;
        }
        let world = pass.world.as_mut().expect("a working copy");
        let n = left.min(budget - pass.done);
        let first = pass.done;
        let started = Instant::now();
        for j in first..first + n {
            let event = &pool[(j % len) as usize];
            drop(black_box(step(world, black_box(event))));
        }
        total += started.elapsed();
        pass.done += n;
        left -= n;
    }
    total
}

/// Replays the first `limit` steps of a pass (all of them if `limit >= budget`) on a fresh
/// copy, untimed, handing each step's output to `check` with the step's number; returns the
/// pass, to be timed from where the check left it (so a big world is not copied twice).
pub fn check_steps<W, E, O>(
    budget: u64,
    limit: u64,
    fresh: impl Fn() -> W,
    pool: &[E],
    mut step: impl FnMut(&mut W, &E) -> O,
    mut check: impl FnMut(u64, O),
) -> Pass<W> {
    let mut world = fresh();
    let done = budget.min(limit);
    for j in 0..done {
        let out = step(&mut world, &pool[(j % pool.len() as u64) as usize]);
        check(j, out);
    }
    Pass {
        world: Some(world),
        done,
    }
}

// ── What criterion measured, for the summary tables ─────────────────────────

/// The timings criterion asked for, by benchmark id: `(iterations, time)` per call of the
/// timing routine. Criterion first calls it to warm up, then once per sample; the summary
/// tables use the median time per iteration of the last `samples` calls, i.e. the same
/// measurements criterion analyses (its own report gives the confidence intervals).
#[derive(Default)]
pub struct Recorder {
    calls: RefCell<BTreeMap<String, Vec<(u64, Duration)>>>,
}

impl Recorder {
    /// Records one call of a timing routine and passes its time on to criterion.
    pub fn record(&self, id: &str, iters: u64, took: Duration) -> Duration {
        self.calls
            .borrow_mut()
            .entry(id.to_string())
            .or_default()
            .push((iters, took));
        took
    }

    /// Prints a warning when criterion did not measure (`--test`, `--profile-time`): the
    /// tables then hold single iterations.
    pub fn warn_if_unmeasured(&self) {
        if self.calls.borrow().values().all(|c| c.len() < 3) {
            eprintln!(
                "(criterion did not measure in this run — `--test`? — the times below are single iterations)"
            );
        }
    }

    /// How many times the timing routine of `id` ran (warm-up included).
    pub fn calls(&self, id: &str) -> usize {
        self.calls.borrow().get(id).map_or(0, Vec::len)
    }

    /// The median nanoseconds per iteration over the last `samples` calls, if `id` ran.
    pub fn ns(&self, id: &str, samples: usize) -> Option<f64> {
        let calls = self.calls.borrow();
        let calls = calls.get(id)?;
        let mut per: Vec<f64> = calls[calls.len().saturating_sub(samples)..]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, d)| d.as_nanos() as f64 / *n as f64)
            .collect();
        if per.is_empty() {
            return None;
        }
        per.sort_by(f64::total_cmp);
        Some(per[per.len() / 2])
    }
}

/// A time per event for the tables: `812 ns`, `4.31 µs`, `1.20 ms`; `—` when not measured.
pub fn show_ns(ns: Option<f64>) -> String {
    match ns {
        None => "—".into(),
        Some(ns) if ns < 1e3 => format!("{ns:.0} ns"),
        Some(ns) if ns < 1e6 => format!("{:.2} µs", ns / 1e3),
        Some(ns) => format!("{:.2} ms", ns / 1e6),
    }
}

/// `a / b` as `3.42×`; `—` when either is missing.
pub fn show_ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "—".into(),
    }
}

// ── Environment and memory ──────────────────────────────────────────────────

/// Whether criterion is to measure: `cargo bench` passes `--bench`; `cargo test --benches`
/// (or `--all-targets`) runs the bench binaries without it, and criterion then only checks
/// that each benchmark runs once, as it does with `--test` or `--list`. The benchmarks use
/// small default sizes when not measuring.
pub fn measuring() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test" || a == "--list")
}

/// A comma-separated list of numbers from the environment (`_` allowed as a separator).
pub fn env_sizes(var: &str, default: &[usize]) -> Vec<usize> {
    match std::env::var(var) {
        Ok(s) => s
            .split(',')
            .map(|x| {
                x.trim()
                    .replace('_', "")
                    .parse()
                    .unwrap_or_else(|_| panic!("{var}: comma-separated numbers, got {s:?}"))
            })
            .collect(),
        Err(_) => default.to_vec(),
    }
}

/// One number from the environment.
pub fn env_size(var: &str, default: usize) -> usize {
    env_sizes(var, &[default])[0]
}

/// A line `/proc/self/status` gives in kB (e.g. `VmRSS`, `VmHWM`), as MiB; `None` off Linux.
pub fn proc_status_mib(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The process's resident memory now and at its peak.
pub fn rss() -> String {
    match (proc_status_mib("VmRSS:"), proc_status_mib("VmHWM:")) {
        (Some(rss), Some(hwm)) => format!("RSS {rss:.0} MiB, peak RSS (VmHWM) {hwm:.0} MiB"),
        _ => "memory unknown (no /proc/self/status)".into(),
    }
}
