//! The engine beside the hand-written reference model (`icp-reference`), event type by event
//! type, in the same run: how much does running the ICP policy as data cost over plain Rust?
//!
//! **Per event** (criterion groups `json_line` and `decoded`): a warm world of 100 filings, built
//! by a realistic prefix of 348 events (two-person and one-person filings; some awaiting
//! their first SMS, some partly validated, some with a failure or a resend behind them, some
//! under review), then one case per event type and path:
//!
//! | case | event | path (checked) |
//! |---|---|---|
//! | `order_submitted` | a new two-person filing | `order_submitted` |
//! | `sms_sent` | a code sent to a pending person | no message, status unchanged |
//! | `attempt_right_code` | the first of two people validates | `validation_complete_waiting` |
//! | `attempt_completes` | the second of two people validates | `validation_complete` |
//! | `attempt_wrong_code` | a wrong code from a pending person | `validation_failed` |
//! | `attempt_unknown_phone` | a phone nobody has | `record_not_found_or_complete` |
//! | `resend_request` | a pending person asks for a resend | `resend_success` |
//! | `phone_change` | a new phone in a `cancel` filing | `phone_updated` |
//! | `order_canceled` | the applicant cancels an open filing | `order_canceled` |
//! | `tick_quiet` | time passes, no window ends | no outcome |
//! | `tick_expiring_one` | time passes, exactly one window ends | `validation_window_expired` |
//!
//! Each case is a pool of such events (e.g. a wrong code from each pending person, three
//! times over; a new code for each pending person): a timed pass applies the pool in order to
//! its own copy of the warm world, so that mutating events are measured honestly (every step
//! takes its case's path on a world of ~100 filings), and copying the world, which is not
//! timed, happens once per pass rather than once per event. Before timing, a whole pass is
//! replayed untimed through both systems: every step must take the case's path, and the engine
//! and the model must say the same (filing, status, message ids, required roles).
//!
//! Two levels: `json_line` is a JSON line in and a JSON record out, each system as a streaming
//! loop runs it: the engine as `docket run` does (`Engine::run_line`, `Record::write_json`
//! into one reused buffer, then `Record::recycle`), the model by `Model::run_line` into one
//! reused buffer; `decoded` is an event already decoded in memory
//! (`Engine::apply`, i.e. `evaluate` + `commit`, vs `Model::apply`), outcomes dropped inside
//! the timing.
//!
//! **Mixed stream** (group `stream`, `Throughput::Elements`): a deterministic stream of
//! 100 000 filings' lives, ~970 000 events (the mix is documented in `support/stream.rs` and its
//! counts are printed), run line by line through a fresh, empty world per pass; `events/s` is
//! the criterion throughput. `engine_decoded` and `reference_decoded` run the same stream
//! decoded beforehand (untimed, once): `Engine::apply` against `Model::apply`, as the
//! `decoded` group does per event type. `DOCKET_STREAM_FILINGS=20000` picks another size (the default is
//! 2 000 when criterion does not measure: `cargo test --benches`, `-- --test`, `-- --list`).
//!
//! Run with `cargo bench --bench compare` (about 3 minutes; `cargo bench --bench compare --
//! stream` for the stream alone). At the end, a table on stderr gives each case's time per event,
//! engine and reference, and their ratio: the medians of the time per iteration of the samples
//! criterion took (the timing routine records what it returns to criterion; see
//! `support::Recorder`), so the table and criterion's report come from the same measurements.
//! A ratio of 2.5× means the engine takes 2.5 times as long as the reference model. When the
//! stream was timed, its two ratios are measured once more from six pairs of passes, each
//! pair a pass of either side back to back (`paired`): criterion samples one side for
//! seconds and then the other, and a shared machine's load can change in between by more
//! than the gap to a bound; the last line gives the median pair's ratio and the range.
//!
//! On a machine too noisy for time, `DOCKET_COUNT_POOL=<case>` runs one pass of that case's
//! pool through each side, untimed, for a count of instructions (see `count_pool`).

mod support;

use criterion::{Criterion, SamplingMode, Throughput};
use docket::{Engine, World};
use icp_reference::Model;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;
use support::{
    attempt, bench_pool, cancel, check_steps, ids, order, phone_change, resend, show_ns,
    show_ratio, sms, stamp, summarize_engine, summarize_json, summarize_model, tick, time_steps,
    Pass, Recorder, Summary, DAY,
};

/// Samples per benchmark (per-event groups).
const SAMPLES: usize = 20;
/// Samples of the stream benchmarks (one pass of the stream each).
const STREAM_SAMPLES: usize = 10;

/// How many filings the warm world holds.
const FILINGS: usize = 100;
const NOW: &str = "2026-11-28T12:00:00+08:00";

// ── The warm world ──────────────────────────────────────────────────────────

#[derive(Clone)]
struct Person {
    role: &'static str,
    phone: String,
    cert: String,
    code: Option<String>,
    validated: bool,
}

#[derive(Clone)]
struct Filing {
    id: String,
    /// `cancel/website`: only the website administrator validates; phone changes allowed.
    cancel_scenario: bool,
    people: Vec<Person>,
    /// Whether its window opened (first SMS sent).
    synced: bool,
}

impl Filing {
    fn done(&self) -> bool {
        self.people.iter().all(|p| p.validated)
    }
}

/// The prefix: 100 filings `P000`…`P099`, in time order, with what it leaves them in.
///
/// `i % 10 == 9`: `cancel/website` (administrator only); `i % 10 == 8`: `first_filing/app`
/// (leader only); otherwise `first_filing/website` (leader and administrator). Every filing
/// but P090–P094 (still awaiting sync) gets its first SMS at 09:00 + i seconds, so windows end
/// one second apart, P000's first. P040–P059: the leader validated. P060–P069: everybody
/// pending failed once. P070–P079: everybody pending had a resend and a new code. P095–P099:
/// everybody validated (under review).
fn prefix() -> (Vec<String>, Vec<Filing>) {
    let base = support::ms("2026-11-28T08:00:00+08:00");
    let mut timed: Vec<(i64, usize, String)> = Vec::new();
    let mut push = |at: i64, line: String| {
        let n = timed.len();
        timed.push((at, n, line));
    };
    let mut filings = Vec::new();
    for i in 0..FILINGS {
        let id = format!("P{i:03}");
        let leader = Person {
            role: "entity_leader",
            phone: format!("13{i:09}"),
            cert: format!("{:05}X", 10_000 + i),
            code: None,
            validated: false,
        };
        let admin = Person {
            role: "website_admin",
            phone: format!("15{i:09}"),
            cert: format!("{:05}7", 20_000 + i),
            code: None,
            validated: false,
        };
        let (scenario, variant, listed, people) = match i % 10 {
            9 => (
                "cancel",
                "website",
                vec![&leader, &admin],
                vec![admin.clone()],
            ),
            8 => ("first_filing", "app", vec![&leader], vec![leader.clone()]),
            _ => (
                "first_filing",
                "website",
                vec![&leader, &admin],
                vec![leader.clone(), admin.clone()],
            ),
        };
        let personnel: Vec<(&str, &str, &str)> = listed
            .iter()
            .map(|p| (p.role, p.phone.as_str(), p.cert.as_str()))
            .collect();
        push(
            base + 1_000 * i as i64,
            order(
                &stamp(base + 1_000 * i as i64),
                &id,
                scenario,
                variant,
                &personnel,
            ),
        );
        filings.push(Filing {
            id,
            cancel_scenario: scenario == "cancel",
            people,
            synced: false,
        });
    }
    let hour = support::HOUR;
    for (i, f) in filings.iter_mut().enumerate() {
        if (90..95).contains(&i) {
            continue;
        }
        let at = base + hour + 1_000 * i as i64;
        f.synced = true;
        for (k, p) in f.people.iter_mut().enumerate() {
            let code = format!("{:06}", 300_000 + 10 * i + k);
            push(at, sms(&stamp(at), &f.id, &p.phone, &code, Some("12381")));
            p.code = Some(code);
        }
        let two = f.people.len() == 2;
        if (40..60).contains(&i) && two {
            let at = base + 2 * hour + 1_000 * i as i64;
            let p = &mut f.people[0];
            push(
                at,
                attempt(
                    &stamp(at),
                    &p.phone,
                    p.code.as_deref().unwrap_or_default(),
                    &p.cert,
                ),
            );
            p.validated = true;
        }
        if (60..70).contains(&i) {
            let at = base + 2 * hour + 30 * support::MINUTE + 1_000 * i as i64;
            for p in &f.people {
                push(at, attempt(&stamp(at), &p.phone, "999999", &p.cert));
            }
        }
        if (70..80).contains(&i) {
            let at = base + 2 * hour + 40 * support::MINUTE + 1_000 * i as i64;
            for (k, p) in f.people.iter_mut().enumerate() {
                push(at, resend(&stamp(at), &p.phone, &p.cert));
                let code = format!("{:06}", 400_000 + 10 * i + k);
                push(
                    at + 60_000,
                    sms(&stamp(at + 60_000), &f.id, &p.phone, &code, None),
                );
                p.code = Some(code);
            }
        }
        if i >= 95 {
            let at = base + 2 * hour + 50 * support::MINUTE + 1_000 * i as i64;
            for p in f.people.iter_mut() {
                let code = p.code.clone().unwrap_or_default();
                push(at, attempt(&stamp(at), &p.phone, &code, &p.cert));
                p.validated = true;
            }
        }
    }
    timed.sort_by_key(|(at, n, _)| (*at, *n));
    (timed.into_iter().map(|(_, _, l)| l).collect(), filings)
}

/// One case: a pool of lines, run `rounds` times over per pass, each taking the same path.
struct Case {
    name: &'static str,
    lines: Vec<String>,
    rounds: u64,
    /// The message ids of each step's outcomes, in order.
    ids: &'static [&'static str],
    /// How many outcomes each step has.
    outcomes: usize,
}

impl Case {
    fn budget(&self) -> u64 {
        self.lines.len() as u64 * self.rounds
    }
}

fn cases(filings: &[Filing]) -> Vec<Case> {
    let open = |f: &&Filing| f.synced && !f.done();
    let pending: Vec<(&Filing, &Person)> = filings
        .iter()
        .filter(open)
        .flat_map(|f| {
            f.people
                .iter()
                .filter(|p| !p.validated)
                .map(move |p| (f, p))
        })
        .collect();
    let two_fresh: Vec<&Filing> = filings
        .iter()
        .filter(open)
        .filter(|f| f.people.len() == 2 && !f.people[0].validated)
        .collect();
    let two_half: Vec<&Filing> = filings
        .iter()
        .filter(open)
        .filter(|f| f.people.len() == 2 && f.people[0].validated)
        .collect();
    let code = |p: &Person| p.code.clone().unwrap_or_default();
    vec![
        Case {
            name: "order_submitted",
            lines: (0..100)
                .map(|j| {
                    order(
                        NOW,
                        &format!("N{j:03}"),
                        "first_filing",
                        "website",
                        &[
                            ("entity_leader", &format!("14{j:09}"), "31415X"),
                            ("website_admin", &format!("19{j:09}"), "271828"),
                        ],
                    )
                })
                .collect(),
            rounds: 1,
            ids: &["order_submitted"],
            outcomes: 1,
        },
        Case {
            name: "sms_sent",
            lines: pending
                .iter()
                .enumerate()
                .map(|(j, (f, p))| sms(NOW, &f.id, &p.phone, &format!("{:06}", 500_000 + j), None))
                .collect(),
            rounds: 4,
            ids: &[],
            outcomes: 1,
        },
        Case {
            name: "attempt_right_code",
            lines: two_fresh
                .iter()
                .map(|f| {
                    let p = &f.people[0];
                    attempt(NOW, &p.phone, &code(p), &p.cert)
                })
                .collect(),
            rounds: 1,
            ids: &["validation_complete_waiting"],
            outcomes: 1,
        },
        Case {
            name: "attempt_completes",
            lines: two_half
                .iter()
                .map(|f| {
                    let p = &f.people[1];
                    attempt(NOW, &p.phone, &code(p), &p.cert)
                })
                .collect(),
            rounds: 1,
            ids: &["validation_complete"],
            outcomes: 1,
        },
        Case {
            // At most one failure before the prefix ends, three more here: never the fifth.
            name: "attempt_wrong_code",
            lines: pending
                .iter()
                .map(|(_, p)| attempt(NOW, &p.phone, "000000", &p.cert))
                .collect(),
            rounds: 3,
            ids: &["validation_failed"],
            outcomes: 1,
        },
        Case {
            name: "attempt_unknown_phone",
            lines: (0..100)
                .map(|j| attempt(NOW, &format!("17{j:09}"), "123456", "12345X"))
                .collect(),
            rounds: 100,
            ids: &["record_not_found_or_complete"],
            outcomes: 1,
        },
        Case {
            // At most one resend before, one here: never past the limit of two.
            name: "resend_request",
            lines: pending
                .iter()
                .map(|(_, p)| resend(NOW, &p.phone, &p.cert))
                .collect(),
            rounds: 1,
            ids: &["resend_success"],
            outcomes: 1,
        },
        Case {
            name: "phone_change",
            lines: (0..10)
                .flat_map(|r| {
                    filings
                        .iter()
                        .filter(|f| f.cancel_scenario && !f.done())
                        .map(move |f| {
                            phone_change(
                                NOW,
                                &f.id,
                                "website_admin",
                                &format!("16{r}{:08}", f.id[1..].parse::<u32>().unwrap_or(0)),
                            )
                        })
                })
                .collect(),
            rounds: 10,
            ids: &["phone_updated"],
            outcomes: 1,
        },
        Case {
            name: "order_canceled",
            lines: filings
                .iter()
                .filter(|f| !f.done())
                .map(|f| cancel(NOW, &f.id))
                .collect(),
            rounds: 1,
            ids: &["order_canceled"],
            outcomes: 1,
        },
        Case {
            name: "tick_quiet",
            lines: vec![tick(NOW)],
            rounds: 10_000,
            ids: &[],
            outcomes: 0,
        },
        Case {
            // Windows end one second apart, in filing order: each tick ends exactly one.
            name: "tick_expiring_one",
            lines: filings
                .iter()
                .enumerate()
                .filter(|(_, f)| open(f))
                .map(|(i, _)| {
                    let first_sms = support::ms("2026-11-28T09:00:00+08:00") + 1_000 * i as i64;
                    tick(&stamp(first_sms + DAY))
                })
                .collect(),
            rounds: 1,
            ids: &["validation_window_expired"],
            outcomes: 1,
        },
    ]
}

/// The warm world, in both systems.
struct Warm {
    seq: usize,
    world: World,
    model: Model,
}

fn warm(engine: &Engine, prefix: &[String]) -> Warm {
    let mut world = World::new();
    let mut model = support::model();
    let mut out = String::new();
    for (n, line) in prefix.iter().enumerate() {
        let e = engine.run_line(&mut world, n + 1, line).to_json();
        out.clear();
        model.run_line(n + 1, line, &mut out);
        let (se, sm) = (summarize_json(&e), summarize_json(&out));
        assert!(
            se.is_ok(),
            "prefix line {} refused by the engine: {e}",
            n + 1
        );
        assert_eq!(
            se,
            sm,
            "engine and model disagree on prefix line {}: {line}\nengine: {e}\nmodel:  {out}",
            n + 1
        );
    }
    assert_eq!(world.len(), FILINGS);
    assert_eq!(model.len(), FILINGS);
    eprintln!(
        "warm world: {FILINGS} filings from a prefix of {} events, engine and model agreeing",
        prefix.len()
    );
    Warm {
        seq: prefix.len() + 1,
        world,
        model,
    }
}

/// Checks one step's summaries: the case's path, and the engine agreeing with the model.
fn check_step(case: &Case, level: &str, j: u64, engine: &Summary, model: &Summary) {
    let what = format!("{level} `{}`, step {j}", case.name);
    assert!(engine.is_ok(), "{what}: the engine refused it: {engine:?}");
    assert_eq!(engine, model, "{what}: the engine and the model disagree");
    let outcomes = engine.as_ref().map(Vec::len).unwrap_or_default();
    assert_eq!(outcomes, case.outcomes, "{what}: outcomes {engine:?}");
    assert_eq!(
        ids(engine),
        case.ids,
        "{what}: not the path the case is named after"
    );
}

/// One line run as `docket run` runs it: its record written into `buf` (emptied first), then
/// its buffers given back to the thread. Whether the line was refused.
fn stream_line(
    engine: &Engine,
    world: &mut World,
    seq: usize,
    line: &str,
    buf: &mut String,
) -> bool {
    buf.clear();
    let record = engine.run_line(world, seq, line);
    record.write_json(buf);
    let refused = record.is_error();
    record.recycle();
    refused
}

fn bench_json(c: &mut Criterion, rec: &Recorder, engine: &Engine, w: &Warm, cases: &[Case]) {
    let mut group = c.benchmark_group("json_line");
    let seq = w.seq;
    let fresh_engine = || w.world.clone();
    let fresh_model = || (w.model.clone(), String::with_capacity(4096));
    for case in cases {
        let budget = case.budget();
        let mut records = Vec::new();
        check_steps(
            budget,
            budget,
            fresh_engine,
            &case.lines,
            |w, l| engine.run_line(w, seq, l).to_json(),
            |_, o| records.push(o),
        );
        let mut same_bytes = 0;
        check_steps(
            budget,
            budget,
            fresh_model,
            &case.lines,
            |(m, buf), l| {
                buf.clear();
                m.run_line(seq, l, buf);
                buf.clone()
            },
            |j, model| {
                let engine = &records[j as usize];
                same_bytes += usize::from(*engine == model);
                let (se, sm) = (summarize_json(engine), summarize_json(&model));
                check_step(case, "json_line", j, &se, &sm)
            },
        );
        if same_bytes < records.len() {
            eprintln!(
                "note: `{}`: {} of {} engine records are not byte-identical to the model's (they say the same)",
                case.name,
                records.len() - same_bytes,
                records.len()
            );
        }

        bench_pool(
            &mut group,
            rec,
            "json_line",
            &format!("{}/engine", case.name),
            Pass::default(),
            budget,
            || (w.world.clone(), String::with_capacity(4096)),
            &case.lines,
            |(w, buf): &mut (World, String), l| stream_line(engine, w, seq, l, buf),
        );
        bench_pool(
            &mut group,
            rec,
            "json_line",
            &format!("{}/reference", case.name),
            Pass::default(),
            budget,
            fresh_model,
            &case.lines,
            |(m, buf): &mut (Model, String), l| {
                buf.clear();
                m.run_line(seq, l, buf)
            },
        );
    }
    group.finish();
}

fn bench_decoded(c: &mut Criterion, rec: &Recorder, engine: &Engine, w: &Warm, cases: &[Case]) {
    let mut group = c.benchmark_group("decoded");
    let fresh_engine = || w.world.clone();
    let fresh_model = || w.model.clone();
    for case in cases {
        let budget = case.budget();
        let engine_events: Vec<_> = case
            .lines
            .iter()
            .map(|l| engine.parse_event(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        let model_events: Vec<_> = case
            .lines
            .iter()
            .map(|l| w.model.decode(l).unwrap_or_else(|e| panic!("{e:?}: {l}")))
            .collect();
        let mut said = Vec::new();
        check_steps(
            budget,
            budget,
            fresh_engine,
            &engine_events,
            |w, e| summarize_engine(engine.apply(w, e)),
            |_, s| said.push(s),
        );
        check_steps(
            budget,
            budget,
            fresh_model,
            &model_events,
            |m, e| summarize_model(m.apply(e)),
            |j, model| check_step(case, "decoded", j, &said[j as usize], &model),
        );

        bench_pool(
            &mut group,
            rec,
            "decoded",
            &format!("{}/engine", case.name),
            Pass::default(),
            budget,
            fresh_engine,
            &engine_events,
            |w, e| engine.apply(w, e),
        );
        bench_pool(
            &mut group,
            rec,
            "decoded",
            &format!("{}/reference", case.name),
            Pass::default(),
            budget,
            fresh_model,
            &model_events,
            |m: &mut Model, e| m.apply(e),
        );
    }
    group.finish();
}

// ── The mixed stream ────────────────────────────────────────────────────────

/// Runs the stream once through both systems: every line accepted, both saying the same.
/// Returns the count of each message id.
fn check_stream(engine: &Engine, lines: &[String]) -> BTreeMap<String, usize> {
    let mut same_bytes = 0;
    let mut world = World::new();
    let mut model = support::model();
    let mut out = String::new();
    let mut messages = BTreeMap::new();
    for (n, line) in lines.iter().enumerate() {
        let e = engine.run_line(&mut world, n + 1, line).to_json();
        out.clear();
        model.run_line(n + 1, line, &mut out);
        same_bytes += usize::from(e == out);
        let (se, sm) = (summarize_json(&e), summarize_json(&out));
        assert!(
            se.is_ok(),
            "stream line {} refused by the engine: {e}\n{line}",
            n + 1
        );
        assert_eq!(
            se,
            sm,
            "engine and model disagree on stream line {}: {line}\nengine: {e}\nmodel:  {out}",
            n + 1
        );
        for id in ids(&se) {
            *messages.entry(id.to_string()).or_insert(0) += 1;
        }
    }
    eprintln!(
        "mixed stream: {same_bytes} of {} engine records byte-identical to the model's",
        lines.len()
    );
    messages
}

/// The stream, checked (through both systems, ~10 s) on first use, so that a filter leaving the
/// stream benchmarks out does not pay for it.
struct Stream {
    lines: Vec<String>,
    checked: OnceCell<()>,
    /// The lines decoded by each side, made when first asked for (untimed).
    decoded: OnceCell<(Vec<docket::Event>, Vec<icp_reference::Event>)>,
}

impl Stream {
    fn new() -> Stream {
        let default = if support::measuring() { 100_000 } else { 2_000 };
        let filings = support::env_size("DOCKET_STREAM_FILINGS", default);
        let stream = support::stream::mixed(filings);
        let events = stream.lines.len();
        eprintln!(
            "mixed stream: {filings} filings, {events} events ({:.1} per filing)\n  events: {:?}",
            events as f64 / filings.max(1) as f64,
            stream.by_type
        );
        Stream {
            lines: stream.lines,
            checked: OnceCell::new(),
            decoded: OnceCell::new(),
        }
    }

    /// Every line decoded by the engine and by the model (checked first, as [`Stream::get`]).
    fn decoded(&self, engine: &Engine) -> &(Vec<docket::Event>, Vec<icp_reference::Event>) {
        let lines = self.get(engine);
        self.decoded.get_or_init(|| {
            let model = support::model();
            let decode = |l: &String| {
                let e = engine.parse_event(l).unwrap_or_else(|e| panic!("{e}: {l}"));
                let m = model.decode(l).unwrap_or_else(|e| panic!("{e:?}: {l}"));
                (e, m)
            };
            lines.iter().map(decode).unzip()
        })
    }

    fn get(&self, engine: &Engine) -> &[String] {
        self.checked.get_or_init(|| {
            let started = std::time::Instant::now();
            let messages = check_stream(engine, &self.lines);
            eprintln!(
                "\nmixed stream checked in {:.1?}: every line accepted, engine and model agree\n  messages: {messages:?}",
                started.elapsed()
            );
        });
        &self.lines
    }
}

fn bench_stream(c: &mut Criterion, rec: &Recorder, engine: &Engine, stream: &Stream) {
    let mut group = c.benchmark_group("stream");
    group
        .sample_size(STREAM_SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(stream.lines.len() as u64));
    group.bench_function("engine", |b| {
        b.iter_custom(|iters| {
            let lines = stream.get(engine);
            let n = lines.len() as u64;
            let mut pass = Pass::default();
            let mut seq = 0;
            let fresh = || (World::new(), String::with_capacity(4096));
            let took = time_steps(iters * n, &mut pass, n, fresh, lines, |(w, buf), l| {
                seq = seq % lines.len() + 1;
                stream_line(engine, w, seq, l, buf)
            });
            rec.record("stream/engine", iters, took)
        })
    });
    group.bench_function("reference", |b| {
        b.iter_custom(|iters| {
            let lines = stream.get(engine);
            let n = lines.len() as u64;
            let mut pass = Pass::default();
            let mut seq = 0;
            let fresh = || (support::model(), String::with_capacity(4096));
            let took = time_steps(iters * n, &mut pass, n, fresh, lines, |(m, buf), l| {
                seq = seq % lines.len() + 1;
                buf.clear();
                m.run_line(seq, l, buf)
            });
            rec.record("stream/reference", iters, took)
        })
    });
    // the same stream decoded beforehand: `Engine::apply` against `Model::apply`, outcomes
    // dropped inside the timing (as the `decoded` group's)
    group.bench_function("engine_decoded", |b| {
        b.iter_custom(|iters| {
            let events = &stream.decoded(engine).0;
            let n = events.len() as u64;
            let mut pass = Pass::default();
            let took = time_steps(iters * n, &mut pass, n, World::new, events, |w, e| {
                engine.apply(w, e)
            });
            rec.record("stream/engine_decoded", iters, took)
        })
    });
    group.bench_function("reference_decoded", |b| {
        b.iter_custom(|iters| {
            let events = &stream.decoded(engine).1;
            let n = events.len() as u64;
            let mut pass = Pass::default();
            let took = time_steps(iters * n, &mut pass, n, support::model, events, |m, e| {
                m.apply(e)
            });
            rec.record("stream/reference_decoded", iters, took)
        })
    });
    group.finish();
}

/// How many pairs of passes [`paired`] times.
const PAIRS: usize = 6;

/// The mixed stream's two ratios (JSON lines; decoded beforehand) again, from passes in
/// pairs: [`PAIRS`] times a pass of each side back to back (the engine first in one pair,
/// the model first in the next), each pair's ratio taken on its own. Criterion samples one
/// side for seconds, then the other, and on a shared machine the load can change in between
/// by more than the gap to a bound; two passes back to back see nearly the same load. Each
/// list holds the pairs' ratios, sorted.
fn paired(engine: &Engine, stream: &Stream) -> [Vec<f64>; 2] {
    let lines = stream.get(engine);
    let (events, model_events) = stream.decoded(engine);
    let json_engine = || {
        let (mut world, mut buf) = (World::new(), String::with_capacity(4096));
        let started = std::time::Instant::now();
        for (i, l) in lines.iter().enumerate() {
            black_box(stream_line(engine, &mut world, i + 1, l, &mut buf));
        }
        started.elapsed()
    };
    let json_model = || {
        let (mut model, mut buf) = (support::model(), String::with_capacity(4096));
        let started = std::time::Instant::now();
        for (i, l) in lines.iter().enumerate() {
            buf.clear();
            black_box(model.run_line(i + 1, l, &mut buf));
        }
        started.elapsed()
    };
    let decoded_engine = || {
        let mut world = World::new();
        let started = std::time::Instant::now();
        for e in events {
            drop(black_box(engine.apply(&mut world, e)));
        }
        started.elapsed()
    };
    let decoded_model = || {
        let mut model = support::model();
        let started = std::time::Instant::now();
        for e in model_events {
            drop(black_box(model.apply(e)));
        }
        started.elapsed()
    };
    let ratios = |engine: &dyn Fn() -> Duration, model: &dyn Fn() -> Duration| {
        let mut ratios: Vec<f64> = (0..PAIRS)
            .map(|i| {
                let (e, m) = if i % 2 == 0 {
                    let e = engine();
                    (e, model())
                } else {
                    let m = model();
                    (engine(), m)
                };
                e.as_secs_f64() / m.as_secs_f64().max(1e-9)
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios
    };
    [
        ratios(&json_engine, &json_model),
        ratios(&decoded_engine, &decoded_model),
    ]
}

// ── The table ───────────────────────────────────────────────────────────────

fn table(rec: &Recorder, cases: &[Case], stream_events: usize, pairs: Option<[Vec<f64>; 2]>) {
    let ns = |level: &str, case: &str, who: &str| rec.ns(&format!("{level}/{case}/{who}"), SAMPLES);
    eprintln!();
    rec.warn_if_unmeasured();
    eprintln!("engine vs reference model, time per event (median of criterion's samples); ratio = engine / reference");
    eprintln!(
        "{:<22} | {:>10} {:>10} {:>7} | {:>10} {:>10} {:>7}",
        "case", "json eng", "json ref", "ratio", "dec eng", "dec ref", "ratio"
    );
    eprintln!("{}", "-".repeat(86));
    for case in cases {
        let (je, jr) = (
            ns("json_line", case.name, "engine"),
            ns("json_line", case.name, "reference"),
        );
        let (de, dr) = (
            ns("decoded", case.name, "engine"),
            ns("decoded", case.name, "reference"),
        );
        eprintln!(
            "{:<22} | {:>10} {:>10} {:>7} | {:>10} {:>10} {:>7}",
            case.name,
            show_ns(je),
            show_ns(jr),
            show_ratio(je, jr),
            show_ns(de),
            show_ns(dr),
            show_ratio(de, dr)
        );
    }
    let per_second = |who: &str| {
        rec.ns(&format!("stream/{who}"), STREAM_SAMPLES)
            .map(|pass| stream_events as f64 / (pass / 1e9))
    };
    let (e, r) = (per_second("engine"), per_second("reference"));
    let show = |x: Option<f64>| x.map_or("—".into(), |x| format!("{:.0} events/s", x));
    eprintln!(
        "mixed stream ({stream_events} events): engine {}, reference {}, engine takes {} as long",
        show(e),
        show(r),
        show_ratio(r, e)
    );
    let (e, r) = (
        per_second("engine_decoded"),
        per_second("reference_decoded"),
    );
    eprintln!(
        "mixed stream decoded beforehand: engine {}, reference {}, engine takes {} as long",
        show(e),
        show(r),
        show_ratio(r, e)
    );
    if let Some([json, decoded]) = pairs {
        let show = |ratios: &[f64]| match ratios {
            [] => "—".to_string(),
            [low, .., high] => format!(
                "{:.2}× (range {low:.2}–{high:.2}×)",
                (ratios[(ratios.len() - 1) / 2] + ratios[ratios.len() / 2]) / 2.0
            ),
            [one] => format!("{one:.2}×"),
        };
        eprintln!(
            "mixed stream, {PAIRS} pairs of passes back to back (median pair): JSON {}, decoded {}",
            show(&json),
            show(&decoded)
        );
    }
}

fn main() {
    let mut c = support::config(SAMPLES, Duration::from_millis(1500));
    let rec = Recorder::default();
    let engine = Engine::icp();
    let (prefix, filings) = prefix();
    let w = warm(&engine, &prefix);
    let cases = cases(&filings);
    if let Ok(name) = std::env::var("DOCKET_COUNT_POOL") {
        return count_pool(&engine, &w, &cases, &name);
    }
    bench_json(&mut c, &rec, &engine, &w, &cases);
    bench_decoded(&mut c, &rec, &engine, &w, &cases);
    let stream = Stream::new();
    bench_stream(&mut c, &rec, &engine, &stream);
    c.final_summary();
    // the pairs when the stream was timed (its group selected)
    let timed = rec.ns("stream/engine", STREAM_SAMPLES).is_some();
    let pairs = (timed && support::measuring()).then(|| paired(&engine, &stream));
    table(&rec, &cases, stream.lines.len(), pairs);
}

/// `DOCKET_COUNT_POOL=<case>`: instead of timing, one pass of the case's pool through the
/// engine (`pool_engine`, JSON line in, record written into one buffer, as timed) and then
/// the model (`pool_model`), each in a function of its own, for a counter of instructions
/// to take apart: `valgrind --tool=callgrind --toggle-collect='compare::pool_engine'
/// --toggle-collect='compare::pool_model'` on the bench binary, then the two functions'
/// inclusive counts over the lines printed. Then the same pool decoded beforehand
/// (`pool_engine_decoded`, `pool_model_decoded`: `apply` on each side, as the `decoded`
/// group times it).
fn count_pool(engine: &Engine, w: &Warm, cases: &[Case], name: &str) {
    let Some(case) = cases.iter().find(|c| c.name == name) else {
        let names: Vec<&str> = cases.iter().map(|c| c.name).collect();
        eprintln!("no case `{name}`: one of {}", names.join(", "));
        std::process::exit(2);
    };
    let mut buf = String::with_capacity(4096);
    let mut world = w.world.clone();
    let refused = pool_engine(engine, &mut world, w.seq, &case.lines, &mut buf);
    let mut model = w.model.clone();
    pool_model(&mut model, w.seq, &case.lines, &mut buf);
    assert_eq!(refused, 0, "the engine refused lines of `{name}`");
    // then decoded beforehand, on fresh copies of the warm world
    let engine_events: Vec<_> = (case.lines.iter())
        .filter_map(|l| engine.parse_event(l).ok())
        .collect();
    let model_events: Vec<_> = (case.lines.iter())
        .filter_map(|l| w.model.decode(l).ok())
        .collect();
    let mut world = w.world.clone();
    let refused = pool_engine_decoded(engine, &mut world, &engine_events);
    let mut model = w.model.clone();
    pool_model_decoded(&mut model, &model_events);
    assert_eq!(refused, 0, "the engine refused events of `{name}`");
    println!("{name}: {} lines", case.lines.len());
}

#[inline(never)]
fn pool_engine_decoded(engine: &Engine, world: &mut World, events: &[docket::Event]) -> usize {
    (events.iter())
        .filter(|e| black_box(engine.apply(world, e)).is_err())
        .count()
}

#[inline(never)]
fn pool_model_decoded(model: &mut Model, events: &[icp_reference::Event]) {
    for e in events {
        drop(black_box(model.apply(e)));
    }
}

#[inline(never)]
fn pool_engine(
    engine: &Engine,
    world: &mut World,
    seq: usize,
    lines: &[String],
    buf: &mut String,
) -> usize {
    (lines.iter())
        .filter(|l| stream_line(engine, world, seq, l, buf))
        .count()
}

#[inline(never)]
fn pool_model(model: &mut Model, seq: usize, lines: &[String], buf: &mut String) {
    for l in lines {
        buf.clear();
        model.run_line(seq, l, buf);
    }
}
