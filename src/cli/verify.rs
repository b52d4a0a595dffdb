//! `docket verify [DIR]`: every event sequence up to a bound, each world checked against the
//! policy's invariants; the shortest counterexample, or what the exploration never reached.

use crate::{load_engine, report, Format, EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE};
use clap::Args;
use docket::verify::{verify as explore, Bounds, Report};
use serde_json::json;
use std::path::PathBuf;

/// Prove a policy's invariants over every sequence of events up to a bound.
///
/// Every sequence of up to `--depth` events is explored breadth-first, over small domains
/// generated from the policy's declarations: each format takes `--values` values matching
/// its pattern (case keys, phones, codes…), each enumeration all its members, lists up to
/// `--list-len` items; the first event is at `--start`, each next one at the clock or a second
/// before, at, or after a pending deadline, or midway to it. Equal worlds are explored once,
/// and so are worlds that differ only by a renaming of values no rule tells apart (case keys,
/// phones, codes; `--no-symmetry` explores each).
/// After every accepted event every `invariant` of the policy is checked. Each level is
/// expanded on `--jobs` threads and merged in order: the report is the same for any number.
///
/// On a violation, the shortest sequence that breaks an invariant is printed as JSON lines
/// (`docket run --rules DIR --invariants` replays it and prints the violation), then which
/// invariant broke, where. Otherwise, what no sequence reached: rules and branches never
/// taken, messages never emitted, statuses never reached, deadlines that never fire, guards
/// that always or never held.
///
/// Exit status: 0 when every invariant held within the bound, 1 on a violation, 2 when the
/// policy does not load, a field's values cannot be bounded, or `--max-states` was reached
/// before the depth.
#[derive(Args)]
#[command(after_help = "\
Example:
  docket verify rules/icp --depth 6                 # explore, report
  docket verify my-policy --format json             # one JSON object
  docket verify my-policy > cex.txt; grep '^{' cex.txt | docket run --rules my-policy --invariants")]
pub struct VerifyArgs {
    /// The policy directory; default: the built-in ICP policy
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,

    /// The most events in a sequence
    #[arg(long, default_value_t = 6)]
    depth: usize,

    /// The most distinct worlds kept (about 50 bytes each): past it, the exploration stops
    /// with exit status 2
    #[arg(long, default_value_t = 5_000_000)]
    max_states: usize,

    /// How many keys each case type's key format takes: how many cases of a type a
    /// sequence can open
    #[arg(long, default_value_t = 1)]
    keys: usize,

    /// How many values each other format takes (phones, codes, addresses…)
    #[arg(long, default_value_t = 2)]
    values: usize,

    /// The most items of a list or set in an event
    #[arg(long, default_value_t = 2)]
    list_len: usize,

    /// The instant of the first event (RFC 3339)
    #[arg(long, value_name = "INSTANT")]
    start: Option<String>,

    /// Explore every renaming of interchangeable values (case keys, phones, codes that no
    /// rule tells apart), not one of each
    #[arg(long)]
    no_symmetry: bool,

    /// How many threads expand each level; default: the cores available (at most 8). The
    /// states, the verdict, the counterexample and what was never reached are the same for
    /// any number; the counts of events evaluated and of steps known from another world
    /// may differ
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,

    /// `text` (a summary and the counterexample or unreached items) or `json` (one object)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn verify(args: &VerifyArgs) -> u8 {
    let engine = match load_engine(args.dir.as_deref()) {
        Ok(e) => e,
        Err(e) => {
            report(&e.render());
            return EXIT_UNUSABLE;
        }
    };
    let mut bounds = Bounds {
        depth: args.depth,
        max_states: args.max_states.max(1),
        keys: args.keys.max(1),
        values: args.values.max(1),
        list_len: args.list_len,
        symmetry: !args.no_symmetry,
        jobs: args
            .jobs
            .unwrap_or_else(docket::verify::default_jobs)
            .max(1),
        ..Bounds::default()
    };
    if let Some(start) = &args.start {
        match start.parse() {
            Ok(t) => bounds.start = t,
            Err(e) => {
                report(&format!(
                    "error: `--start {start}` is no instant: {e}\n  = help: write it as RFC 3339, e.g. `2027-01-29T10:00:00Z`"
                ));
                return EXIT_UNUSABLE;
            }
        }
    }
    let r = match explore(&engine, &bounds) {
        Ok(r) => r,
        Err(e) => {
            report(&format!(
                "error: {e}\n  = help: `docket verify` explores events whose every field takes a few values; change the field's type, or the bounds"
            ));
            return EXIT_UNUSABLE;
        }
    };
    match args.format {
        Format::Json => println!("{}", to_json(&r, &bounds)),
        Format::Text => print!("{}", to_text(&r, &bounds)),
    }
    if r.violation.is_some() {
        EXIT_REFUSED
    } else if r.capped {
        report(&format!(
            "error: stopped at --max-states {} with every sequence of {} events explored, not {}\n  = help: raise --max-states, or lower --depth, --values or --list-len",
            bounds.max_states, r.depth, bounds.depth
        ));
        EXIT_UNUSABLE
    } else {
        EXIT_OK
    }
}

fn rate(r: &Report) -> f64 {
    if r.seconds > 0.0 {
        r.states as f64 / r.seconds
    } else {
        0.0
    }
}

fn to_text(r: &Report, b: &Bounds) -> String {
    let mut out = format!(
        "explored {} states ({} events evaluated, {} known from another world) to depth {} of {} in {:.2} s ({:.0} states/s)\n",
        r.states,
        r.transitions,
        r.reused,
        r.depth,
        b.depth,
        r.seconds,
        rate(r)
    );
    if !r.symmetric.is_empty() {
        let each: Vec<String> = r
            .symmetric
            .iter()
            .map(|(f, n)| format!("{n} of `{f}`"))
            .collect();
        out.push_str(&format!(
            "interchangeable values, each world kept once up to their renaming: {}\n",
            each.join(", ")
        ));
    }
    match &r.violation {
        Some(cex) => {
            out.push_str(&format!(
                "invariant violated after {} events; the events (docket run --invariants replays them):\n",
                cex.lines.len()
            ));
            for l in &cex.lines {
                out.push_str(l);
                out.push('\n');
            }
            for v in &cex.violations {
                out.push_str(&format!(
                    "violated: invariant `{}` ({}) for {} {}: {}\n",
                    v.invariant, v.place, v.case_type, v.case, v.message
                ));
            }
        }
        None => {
            out.push_str("every invariant holds within the bound\n");
            if !r.unreached.is_empty() {
                out.push_str(&format!("never reached ({}):\n", r.unreached.len()));
                for u in &r.unreached {
                    out.push_str(&format!("  {}: {}\n", u.place, u.what));
                }
            }
        }
    }
    out
}

fn to_json(r: &Report, b: &Bounds) -> serde_json::Value {
    json!({
        "states": r.states,
        "transitions": r.transitions,
        "reused": r.reused,
        "depth": r.depth,
        "max_depth": b.depth,
        "capped": r.capped,
        "seconds": r.seconds,
        "states_per_second": rate(r),
        "symmetric": r.symmetric.iter().map(|(f, n)| json!({"format": f, "values": n})).collect::<Vec<_>>(),
        "violation": r.violation.as_ref().map(|c| json!({
            "events": c.lines.iter().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap_or_default()).collect::<Vec<_>>(),
            "violated": c.violations.iter().map(|v| v.to_json()).collect::<Vec<_>>(),
        })),
        "unreached": r.unreached.iter().map(|u| json!({"kind": u.kind, "at": u.place, "item": u.what})).collect::<Vec<_>>(),
    })
}
