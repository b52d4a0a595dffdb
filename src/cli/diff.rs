//! `docket diff OLD NEW [STREAM | SCENARIOS]`: replays events under two versions of a policy
//! and reports every output record that changed, grouped by what changed.

use super::lines::JsonLines;
use crate::{plural, report, scenario_files, EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE};
use clap::Args;
use docket::diff::{Change, Diff, DiffReport, Group, Input, Line};
use docket::{Engine, Scenario};
use serde_json::{json, Map, Value};
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Replay events under two versions of a policy and report every output record that changed.
///
/// Each stream of events runs under OLD and under NEW, each from an empty world, and the two
/// records of every event are compared. A change is any difference: a message id emitted or
/// no longer emitted (with the rules that emit it), a message's text, a case's status, a
/// shown value, an error appearing, disappearing or changing (its values — ids, numbers,
/// times — masked, so that one reason is one group). Changes are grouped by what changed,
/// with a count and the first example (where it is, its event type and time, and both
/// records; never the input line, which may hold codes). An event with several changes
/// counts in each of their groups.
///
/// The events: a JSON-lines file (`-` or absent: standard input), a scenario file
/// (`*.yaml`, `*.yml`: its steps' events), or a folder searched with its subfolders for
/// scenario files (each replayed in a world of its own, in path order, as `docket test` finds
/// them). Expectations in scenario files are not checked.
///
/// Exit status: 0 when no record changed, 1 when some did, 2 when a policy does not load, the
/// input is missing or unreadable, or a scenario file is broken (a message on stderr).
#[derive(Args)]
#[command(after_help = "\
Example:
  docket diff rules/icp my-icp examples/stream.jsonl     # what the edit changes on a stream
  docket diff rules/icp my-icp tests/scenarios/icp       # ... on every scenario's events
  docket diff --json rules/icp my-icp - < today.jsonl    # one JSON object per group, then a summary")]
pub struct DiffArgs {
    /// The policy as it is: a directory of `*.yaml` tables and `*.docket` rule files
    #[arg(value_name = "OLD")]
    old: PathBuf,

    /// The policy as it would be
    #[arg(value_name = "NEW")]
    new: PathBuf,

    /// The events: a JSON-lines file (`-` or absent: standard input), a scenario file, or a
    /// folder of scenario files
    #[arg(value_name = "STREAM|SCENARIOS")]
    input: Option<PathBuf>,

    /// Print one JSON object per group, then `{"summary":{…}}`, instead of the report
    #[arg(long)]
    json: bool,

    /// Replay the events of a store's journal instead (`PATH`, `sqlite:PATH` or
    /// `postgres://…`), in journal order, from an empty world
    #[arg(long, value_name = "STORE", conflicts_with = "input")]
    store: Option<String>,

    /// The store's key file; default: `$DOCKET_STORE_KEY`, or `PATH.key`
    #[arg(long, value_name = "FILE", requires = "store")]
    key: Option<PathBuf>,
}

/// Runs `docket diff`; returns the exit status.
pub fn diff(args: &DiffArgs) -> u8 {
    match run(args) {
        Ok(report) => {
            let text = if args.json {
                render_json(&report)
            } else {
                render_human(&report)
            };
            let mut out = BufWriter::new(io::stdout().lock());
            // A closed stdout (`| head`) is not an error of the diff.
            let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
            if report.changed == 0 {
                EXIT_OK
            } else {
                EXIT_REFUSED
            }
        }
        Err(message) => {
            report(&message);
            EXIT_UNUSABLE
        }
    }
}

/// Loads both policies, finds the events and replays them; an error is the message for
/// stderr (the run is unusable).
fn run(args: &DiffArgs) -> Result<DiffReport, String> {
    let old = load("OLD", &args.old)?;
    let new = load("NEW", &args.new)?;
    let mut diff = Diff::new(&old, &new);
    if let Some(spec) = &args.store {
        replay_store(&mut diff, spec, args.key.as_deref())?;
        return Ok(diff.finish());
    }
    match args.input.as_deref() {
        None => replay_lines(&mut diff, "stdin", io::stdin().lock())?,
        Some(p) if p == Path::new("-") => replay_lines(&mut diff, "stdin", io::stdin().lock())?,
        Some(p) if p.is_dir() || is_scenario_file(p) => {
            let files = scenario_files(&[p.to_path_buf()]).map_err(|(message, _)| message)?;
            // Every file is parsed before any is replayed: a broken one stops the diff at once.
            let scenarios = files
                .iter()
                .map(|f| parse_scenario(f))
                .collect::<Result<Vec<_>, _>>()?;
            for s in &scenarios {
                let inputs = s.inputs().map(|(file_line, line)| {
                    Ok::<_, String>(Input {
                        line: Line::Text(line.to_string()),
                        file_line: Some(file_line),
                    })
                });
                diff.replay(&s.name, inputs)?;
            }
        }
        Some(p) => {
            let file = File::open(p)
                .map_err(|e| format!("error: cannot read the input `{}`: {e}", p.display()))?;
            replay_lines(&mut diff, &p.display().to_string(), file)?;
        }
    }
    Ok(diff.finish())
}

/// Replays a store's journal: its events are read in a thread of their own and handed over
/// in order, so the journal is never held whole.
fn replay_store(diff: &mut Diff<'_>, spec: &str, key: Option<&Path>) -> Result<(), String> {
    let key = crate::store_cli::store_key(spec, key, false)?;
    let mut store = docket::Store::attach(spec, key).map_err(|e| {
        format!(
            "error: cannot open the store `{}`: {e}",
            docket::Store::shown_spec(spec)
        )
    })?;
    let label = docket::Store::shown_spec(spec);
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Input>(4096);
        let reader = s.spawn(move || {
            store.events(&mut |_, line| {
                tx.send(Input {
                    line: Line::Sealed(line.to_string()),
                    file_line: None,
                })
                .map_err(|_| "the diff stopped".to_string())
            })
        });
        let replayed = diff.replay(&label, rx.into_iter().map(Ok::<_, String>));
        let read = reader
            .join()
            .map_err(|_| "error: the journal reader stopped".to_string())?;
        read.map_err(|e| format!("error: cannot read the store `{label}`: {e}"))?;
        replayed
    })
}

fn replay_lines(diff: &mut Diff<'_>, label: &str, input: impl Read) -> Result<(), String> {
    diff.replay(
        label,
        JsonLines::new(BufReader::with_capacity(1 << 16, input)),
    )
}

fn is_scenario_file(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "yaml" || x == "yml")
}

fn load(which: &str, dir: &Path) -> Result<Engine, String> {
    if !dir.is_dir() {
        return Err(format!(
            "error: {which} `{}` is not a directory: give the folder of a policy's `*.yaml` and `*.docket` files",
            dir.display()
        ));
    }
    Engine::load(dir).map_err(|e| {
        format!(
            "{}\nerror: {which}, the policy `{}`, does not load",
            e.render().trim_end(),
            dir.display()
        )
    })
}

fn parse_scenario(file: &Path) -> Result<Scenario, String> {
    let name = file.display().to_string();
    let text = fs::read_to_string(file).map_err(|e| format!("error: cannot read `{name}`: {e}"))?;
    Scenario::parse(&name, &text).map_err(|e| e.render())
}

/// Where a group's first example is: `FILE line N`, or `FILE step N (line L)`.
fn place(group: &Group) -> String {
    let e = &group.example;
    match e.file_line {
        Some(line) => format!("{} step {} (line {line})", e.source, e.seq),
        None => format!("{} line {}", e.source, e.seq),
    }
}

fn summary(report: &DiffReport) -> String {
    format!(
        "{} of {} changed in {}",
        report.changed,
        plural(report.events, "event"),
        plural(report.groups.len(), "group")
    )
}

/// The report for people: each group (count, what changed, the first example with both
/// records), then the summary line.
fn render_human(report: &DiffReport) -> String {
    let mut out = String::new();
    for group in &report.groups {
        let e = &group.example;
        let event = match (&e.event_type, &e.at) {
            (Some(t), Some(at)) => format!(": {t} at {at}"),
            (Some(t), None) => format!(": {t}"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "{}: {}\n  first at {}{event}\n  old: {}\n  new: {}\n\n",
            plural(group.count, "event"),
            group.title(),
            place(group),
            e.old,
            e.new
        ));
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// One JSON object per group, then `{"summary":{"events":M,"changed":N,"groups":K}}`.
fn render_json(report: &DiffReport) -> String {
    let mut out = String::new();
    for group in &report.groups {
        out.push_str(&group_json(group).to_string());
        out.push('\n');
    }
    let summary = json!({ "summary": {
        "events": report.events,
        "changed": report.changed,
        "groups": report.groups.len(),
    }});
    out.push_str(&summary.to_string());
    out.push('\n');
    out
}

fn group_json(group: &Group) -> Value {
    let mut g = Map::new();
    g.insert("group".into(), group.title().into());
    g.insert("change".into(), group.change.kind().into());
    let text = |s: &Option<String>| s.as_deref().map_or(Value::Null, Value::from);
    match &group.change {
        Change::NowRefused { error } | Change::NoLongerRefused { error } => {
            g.insert("error".into(), error.as_str().into());
        }
        Change::RefusedDifferently { old, new } => {
            g.insert("old".into(), old.as_str().into());
            g.insert("new".into(), new.as_str().into());
        }
        Change::MessageRemoved { message } | Change::MessageAdded { message } => {
            g.insert("message".into(), message.as_str().into());
        }
        Change::MessageText { message, columns } => {
            g.insert("message".into(), message.as_str().into());
            g.insert("columns".into(), columns.clone().into());
        }
        Change::MessageOrder { case_type } => {
            g.insert("case_type".into(), case_type.as_str().into());
        }
        Change::Status {
            case_type,
            old,
            new,
        } => {
            g.insert("case_type".into(), case_type.as_str().into());
            g.insert("old".into(), text(old));
            g.insert("new".into(), text(new));
        }
        Change::ShowAdded { name }
        | Change::ShowRemoved { name }
        | Change::ShowChanged { name } => {
            g.insert("name".into(), name.as_str().into());
        }
        Change::Other => {}
    }
    if group.change.message().is_some() {
        let rules: Vec<Value> = group
            .rules
            .iter()
            .map(|r| json!({ "rule": r.rule, "on": r.on }))
            .collect();
        g.insert("rules".into(), rules.into());
    }
    g.insert("count".into(), group.count.into());
    let e = &group.example;
    let record = |r: &str| serde_json::from_str::<Value>(r).unwrap_or_else(|_| r.into());
    let mut example = Map::new();
    example.insert("source".into(), e.source.as_str().into());
    match e.file_line {
        Some(line) => {
            example.insert("step".into(), e.seq.into());
            example.insert("line".into(), line.into());
        }
        None => {
            example.insert("line".into(), e.seq.into());
        }
    }
    example.insert("type".into(), text(&e.event_type));
    example.insert("at".into(), text(&e.at));
    example.insert("old".into(), record(&e.old));
    example.insert("new".into(), record(&e.new));
    g.insert("example".into(), example.into());
    g.into()
}
