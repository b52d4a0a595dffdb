//! `docket scenarios --boundaries DIR -o OUT`: scenario files at every limit of a policy,
//! with its current outputs as expectations, for the author to review and keep.

use crate::{load_engine, report, EXIT_OK, EXIT_UNUSABLE};
use clap::Args;
use docket::verify::{boundaries, scenario_yaml, Bounds};
use std::path::PathBuf;

/// Write scenario files at every boundary of a policy, for its author to review and keep.
///
/// With `--boundaries`: the shortest sequences of events (explored as `docket verify`
/// explores them) in which a counted field that a rule's guard compares with a number N
/// reaches N − 1, N and N + 1 (or, when N + 1 is out of reach, one more of the event that
/// brought it to N), and in which an event comes a second before, exactly at, and a second
/// after each deadline. Each becomes OUT/<boundary>.yaml, whose steps expect what the policy
/// does now (messages, statuses, errors): review them, then run them with `docket test`.
///
/// Exit status: 0 when written (boundaries out of reach are listed on stderr), 2 when the
/// policy does not load, a field cannot be bounded, or OUT cannot be written.
#[derive(Args)]
#[command(after_help = "\
Example:
  docket scenarios --boundaries rules/icp -o tests/scenarios/icp-boundaries
  docket test --rules rules/icp tests/scenarios/icp-boundaries")]
pub struct ScenariosArgs {
    /// Scenarios at the policy's limits and deadlines (the only kind there is yet)
    #[arg(long, required = true)]
    boundaries: bool,

    /// The policy directory; default: the built-in ICP policy
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,

    /// The folder to write the scenario files in (created if missing)
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: PathBuf,

    /// The most events in a scenario
    #[arg(long, default_value_t = 8)]
    depth: usize,

    /// The most items of a list or set in an event
    #[arg(long, default_value_t = 2)]
    list_len: usize,
}

pub fn scenarios(args: &ScenariosArgs) -> u8 {
    debug_assert!(args.boundaries);
    let engine = match load_engine(args.dir.as_deref()) {
        Ok(e) => e,
        Err(e) => {
            report(&e.render());
            return EXIT_UNUSABLE;
        }
    };
    let bounds = Bounds {
        depth: args.depth,
        list_len: args.list_len,
        ..Bounds::default()
    };
    let found = match boundaries(&engine, &bounds) {
        Ok(f) => f,
        Err(e) => {
            report(&format!("error: {e}"));
            return EXIT_UNUSABLE;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&args.output) {
        report(&format!(
            "error: cannot create `{}`: {e}",
            args.output.display()
        ));
        return EXIT_UNUSABLE;
    }
    for b in &found.found {
        let path = args.output.join(format!("{}.yaml", b.name));
        if let Err(e) = std::fs::write(&path, scenario_yaml(&engine, b)) {
            report(&format!("error: cannot write `{}`: {e}", path.display()));
            return EXIT_UNUSABLE;
        }
        println!("wrote {} ({} events)", path.display(), b.lines.len());
    }
    for m in &found.missed {
        report(&format!("not reached: {m}"));
    }
    EXIT_OK
}
