//! The `docket` command line: argument parsing, I/O and rendering around the library's `Engine`.
#![forbid(unsafe_code)]

mod cli;

use clap::{Args, Parser, Subcommand};
use docket::{Engine, LoadError, Record, RecordBody, Scenario, World};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod serve;
mod store_cli;

/// Every line was accepted (`run`), or the policy has no error (`check`).
const EXIT_OK: u8 = 0;
/// Some input line was an error (`run`), or the policy has an error (`check`).
const EXIT_REFUSED: u8 = 1;
/// The rules, the state file, the input file or the arguments are unusable.
/// (Clap also exits with 2 on a usage error.)
const EXIT_UNUSABLE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "docket",
    version,
    about = "A rules-as-data policy engine: runs JSON-lines event streams through a policy",
    long_about = "A rules-as-data policy engine. A policy is a directory of YAML tables and \
                  `.docket` rule files; `docket run` evaluates a stream of JSON events against \
                  it on the virtual clock the events carry. Without `--rules`, the shipped ICP \
                  SMS-validation policy (built into this binary) is used.",
    after_help = "\
Example:
  docket run examples/stream.jsonl           # the built-in ICP policy
  docket check rules/icp                     # load a policy directory and report its problems
  docket test tests/scenarios/icp            # check scenario files against the policy
  docket diff rules/icp my-icp examples/stream.jsonl   # what an edit changes, grouped
  docket doc rules/icp -o icp.html           # a reviewer's document of a policy"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Run(RunArgs),
    Check(CheckArgs),
    Test(TestArgs),
    Journal(JournalArgs),
    #[command(subcommand)]
    Store(StoreCommand),
    Diff(cli::diff::DiffArgs),
    Doc(cli::doc::DocArgs),
    Fmt(cli::fmt::FmtArgs),
    Migrate(MigrateArgs),
    Schema(cli::schema::SchemaArgs),
    Serve(serve::ServeArgs),
    Verify(cli::verify::VerifyArgs),
    Scenarios(cli::scenarios::ScenariosArgs),
}

/// Move a store to another version of its policy, or show what that would change.
///
/// Compatible changes (a new field with a default or optional, a new status, case type or
/// deadline, changed rules, messages or limits) apply; a change that would lose or misread
/// stored data (a field removed, renamed or retyped, a status or case type removed) is
/// refused with each affected field and how many cases hold a value, unless the new policy
/// declares the migration (`migrate filing { rename a to b }`, see the README). The change is
/// journaled with its plan. `docket run --store` applies an allowed change by itself.
///
/// Exit status: 0 when done (or, with `--dry-run`, when it could be done), 2 when the change
/// is refused or the store or the rules are unusable.
#[derive(Args)]
#[command(after_help = "\
Example:
  docket migrate --store world.db --rules my-icp --dry-run   # what would change
  docket migrate --store world.db --rules my-icp             # do it")]
struct MigrateArgs {
    /// The store: `PATH` or `sqlite:PATH` (SQLite), or `postgres://…`
    #[arg(long, value_name = "STORE")]
    store: String,

    /// The new version of the policy
    #[arg(long, value_name = "DIR")]
    rules: PathBuf,

    /// The file holding the store's key; default: `$DOCKET_STORE_KEY`, or `PATH.key`
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,

    /// Show what would change; write nothing
    #[arg(long)]
    dry_run: bool,
}

/// Print a store's journal as JSON lines: one object per row, oldest first.
///
/// Each row: `seq`, `kind` (`event`, `policy` for a change of policy version, `rewind`),
/// `policy` (the version in force: a SHA-256 of the policy's files), `recorded` (when it was
/// written), `at`, the `event` (every sensitive value shown as `<sensitive>`), its output
/// `record` (or a `note`), and the `cases` it changed (`[[type, key], …]`).
///
/// Exit status: 0, or 2 when the store is unusable.
#[derive(Args)]
#[command(after_help = "\
Example:
  docket journal --store world.db --case F-1001
  docket journal --store world.db --since 1200     # rows 1201 and later")]
struct JournalArgs {
    /// The store: `PATH` or `sqlite:PATH` (SQLite), or `postgres://…`
    #[arg(long, value_name = "STORE")]
    store: String,

    /// The file holding the store's key (64 hex digits); default: `$DOCKET_STORE_KEY`, or
    /// `PATH.key` beside an SQLite store
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,

    /// Only the rows that changed the case with this key
    #[arg(long, value_name = "KEY")]
    case: Option<String>,

    /// Only the rows after this one
    #[arg(long, value_name = "SEQ", default_value_t = 0)]
    since: i64,
}

/// Inspect or repair a store.
#[derive(Subcommand)]
enum StoreCommand {
    Check(StoreArgs),
    Rewind(RewindArgs),
}

/// Replay the journal from its first row and compare it with the stored cases.
///
/// Each event is replayed under the policy version that decided it; its record must be the
/// journaled one, and the cases the replay builds must be the stored ones.
///
/// Exit status: 0 when they agree, 1 on any difference (each printed), 2 when the store is
/// unusable.
#[derive(Args)]
#[command(after_help = "\
Example:
  docket store check --store world.db")]
struct StoreArgs {
    /// The store: `PATH` or `sqlite:PATH` (SQLite), or `postgres://…`
    #[arg(long, value_name = "STORE")]
    store: String,

    /// The file holding the store's key; default: `$DOCKET_STORE_KEY`, or `PATH.key`
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
}

/// Set the world back to what it was after a journal row (e.g. before a mistyped event).
///
/// The journal keeps every row; the rewind is journaled itself, and a replay of the journal
/// gives the rewound world. A rewind cannot cross a change of policy version.
///
/// Exit status: 0 when done, 2 when the store is unusable or the row is out of range.
#[derive(Args)]
#[command(after_help = "\
Example:
  docket journal --store world.db --since 1195     # find the bad event
  docket store rewind --store world.db --to 1199   # undo row 1200 and later")]
struct RewindArgs {
    #[command(flatten)]
    store: StoreArgs,

    /// The last journal row to keep in the world
    #[arg(long, value_name = "SEQ")]
    to: i64,
}

/// Evaluate a stream of JSON events (one per line) and print one JSON record per event.
///
/// Each input line gives one output line, in order and flushed at once:
/// `{"seq":N,"type":…,"at":…,"outcomes":[…]}`, or `{"seq":N,…,"error":"line N: …"}` when the
/// line is refused (an erroneous line changes nothing; the following lines are still
/// evaluated). `seq` is the 1-based line number of the input; a blank line is an error
/// record too (one JSON object per line, always). `\r\n` line endings are accepted; a line
/// that is not UTF-8 is an error record.
///
/// Exit status: 0 when every line was accepted, 1 when some line was an error, 2 when the
/// rules, the state file, the input file or the arguments are unusable (a message on stderr).
/// If standard output is closed early (`| head`), docket stops quietly and does not save the
/// state.
#[derive(Args)]
#[command(after_help = "\
Example:
  docket run examples/stream.jsonl
  docket run --rules rules/icp --state world.json - < today.jsonl
  printf '%s\\n' '{\"type\":\"tick\",\"at\":\"2026-11-29T10:00:00+08:00\"}' | docket run")]
struct RunArgs {
    /// The policy directory (`*.yaml` tables and `*.docket` rule files); default: the
    /// built-in ICP policy
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,

    /// Keep the world in a durable store: `PATH` or `sqlite:PATH` (SQLite, created if
    /// missing), or `postgres://…`. Every accepted event is journaled, and a record is
    /// printed only once its event is committed (in batches of up to 1024 lines already
    /// read in). Several runs may share a store
    #[arg(long, value_name = "STORE", conflicts_with = "state")]
    store: Option<String>,

    /// The file holding the key (64 hex digits) that seals sensitive values in the store or
    /// the state file; default: `$DOCKET_STORE_KEY`, or `PATH.key` beside an SQLite store or
    /// a state file (made with it)
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,

    /// The input is what a run on this store stopped by a crash had not printed yet: its
    /// first lines that the store already committed (the unprinted end of that run's last
    /// batch) are skipped instead of run again. Each batch records the digests of its lines
    /// in the store for this
    #[arg(long, requires = "store")]
    resume: bool,

    /// Load the world (every case seen so far) from FILE if it exists, and save it back after
    /// the run, atomically (FILE.tmp, fsync, rename), so a stream can be fed in several runs.
    /// The file holds verification codes: it is created readable by its owner only
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,

    /// Each record also carries a `trace`: the deadlines fired, every rule run (for which
    /// item, by which branch, with the values of its guard's parts) and every table row
    /// looked up. Sensitive values show as `(sensitive)`
    #[arg(long, conflicts_with = "store")]
    explain: bool,

    /// After each accepted event, check the policy's invariants: each case for which one
    /// does not hold is printed after the event's record, as
    /// `{"seq":N,"violation":{"invariant":…,"place":…,"filing":KEY,"message":…}}`, and the
    /// exit status is 1. What `docket verify` prints as a counterexample reproduces this way
    #[arg(long, conflicts_with_all = ["store", "explain"])]
    invariants: bool,

    /// The events, one JSON object per line; `-` or absent: standard input
    #[arg(value_name = "FILE")]
    input: Option<PathBuf>,
}

/// Load a policy, report every problem (errors and warnings, on stderr), and print a summary.
///
/// With `--format json`, every problem is printed on stdout instead, as one JSON object per
/// line (file, range, severity, code, message, label, help, suggestions), and nothing else.
///
/// Exit status: 0 when the policy has no error (warnings allowed), 1 when it has one,
/// 2 when the arguments are unusable.
#[derive(Args)]
#[command(after_help = "\
Example:
  docket check rules/icp      # prints `rules/icp: ok (0 warnings)`, or the problems
  docket check                # checks the built-in ICP policy
  docket check --format json rules/icp   # one JSON object per problem, for an editor")]
struct CheckArgs {
    /// The policy directory; default: the built-in ICP policy
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,

    /// How problems are printed: `text` (on stderr, with a summary on stdout) or `json`
    /// (JSON lines on stdout)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// How `docket check` prints problems.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Run scenario files (event streams with the expected outcomes) against a policy.
///
/// A scenario file is YAML: a `title` and `steps`, each an `event` (or a `raw` input line) with
/// what must happen: `messages: [ids…]` (every message id of the step's outcomes, in order)
/// or `error: "text"` (the step is refused, its error contains the text); optionally
/// `status: {CASE: status}`, `outcomes: N`, and `NAME: {CASE: value}` for a value the rules
/// `show`. Every unmet expectation is reported with its file, step and line.
///
/// A folder is searched with its subfolders for `*.yaml` and `*.yml` files, which run in
/// path order; a file given by name runs whatever its name.
///
/// Exit status: 0 when every scenario passed, 1 when some expectation failed, 2 when the rules
/// or a scenario file are unusable, a PATH does not exist, or no scenario file was found.
#[derive(Args)]
#[command(after_help = "\
Example:
  docket test tests/scenarios/icp                      # every *.yaml file under the folder
  docket test --rules my-policy tests/scenarios/icp/r5_wrong_cert_counts.yaml")]
struct TestArgs {
    /// The policy directory; default: the built-in ICP policy
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,

    /// Report which rules and branches ran, which table rows were looked up, which
    /// messages were emitted, which deadlines fired and which statuses were reached, per
    /// policy file, with every item not covered (file:line)
    #[arg(long)]
    coverage: bool,

    /// How to print the coverage: `text` (a table) or `json` (implies `--coverage`; the
    /// scenario results go to stderr, and stdout holds one JSON object)
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    format: String,

    /// Fail (exit status 1) when a coverage measure is below N percent, 0 to 100 (implies
    /// `--coverage`)
    #[arg(long, value_name = "N", value_parser = percentage)]
    min_coverage: Option<f64>,

    /// Scenario files, or folders searched with their subfolders for them (`*.yaml`, `*.yml`)
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
}

/// `--min-coverage`: a number from 0 to 100.
fn percentage(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err("expected a percentage from 0 to 100, like `90` or `99.5`".into()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => run(&args),
        Command::Check(args) => check(&args),
        Command::Test(args) => test(&args),
        Command::Journal(args) => store_cli::journal(&args),
        Command::Store(StoreCommand::Check(args)) => store_cli::check(&args),
        Command::Store(StoreCommand::Rewind(args)) => store_cli::rewind(&args),
        Command::Diff(args) => cli::diff::diff(&args),
        Command::Doc(args) => cli::doc::doc(&args),
        Command::Fmt(args) => cli::fmt::fmt(&args),
        Command::Migrate(args) => store_cli::migrate(&args),
        Command::Schema(args) => cli::schema::schema(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::Verify(args) => cli::verify::verify(&args),
        Command::Scenarios(args) => cli::scenarios::scenarios(&args),
    };
    ExitCode::from(code)
}

/// Writes to stderr, ignoring a closed stderr (`eprintln!` would panic).
fn report(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = err.write_all(b"\n");
    }
}

fn load_engine(rules: Option<&Path>) -> Result<Engine, LoadError> {
    match rules {
        Some(dir) => Engine::load(dir),
        None => Engine::builtin_icp(),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

// ── docket test ─────────────────────────────────────────────────────────────

fn test(args: &TestArgs) -> u8 {
    let files = match scenario_files(&args.paths) {
        Ok(files) => files,
        Err((message, code)) => {
            report(&message);
            return code;
        }
    };
    let engine = match load_engine(args.rules.as_deref()) {
        Ok(e) => e,
        Err(e) => {
            report(&e.render());
            return EXIT_UNUSABLE;
        }
    };
    let json = args.format == "json";
    let covering = args.coverage || args.min_coverage.is_some() || json;
    let mut coverage = covering.then(|| docket::Coverage::new(&engine));
    // with JSON coverage, stdout holds the JSON alone
    let mut out: Box<dyn Write> = if json {
        Box::new(io::stderr().lock())
    } else {
        Box::new(io::stdout().lock())
    };
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        let name = file.display().to_string();
        let text = match fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                report(&format!("error: cannot read `{name}`: {e}"));
                return EXIT_UNUSABLE;
            }
        };
        let scenario = match Scenario::parse(&name, &text) {
            Ok(s) => s,
            Err(e) => {
                report(&e.render());
                return EXIT_UNUSABLE;
            }
        };
        let result = match coverage.as_mut() {
            Some(cov) => scenario.run_covered(&engine, cov),
            None => scenario.run(&engine),
        };
        if result.failures.is_empty() {
            passed += 1;
            let _ = writeln!(out, "ok      {name}");
        } else {
            failed += 1;
            let _ = writeln!(out, "FAILED  {name}  ({})", scenario.title);
            for f in &result.failures {
                let _ = writeln!(
                    out,
                    "        {name}:{}: step {}: {}",
                    f.line, f.step, f.message
                );
            }
        }
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    let _ = out.flush();
    drop(out);
    let mut below_min = false;
    if let Some(cov) = &coverage {
        below_min = cli::coverage::report(cov, json, args.min_coverage);
    }
    if failed > 0 || below_min {
        EXIT_REFUSED
    } else {
        EXIT_OK
    }
}

/// What a folder is searched for.
const SCENARIO_EXTENSIONS: [&str; 2] = ["yaml", "yml"];

/// The scenario files `paths` name: a file as given; for a folder, every `*.yaml` and
/// `*.yml` file in it or its subfolders, in path order. Symbolic links to folders are not
/// followed (a link up the tree would never end). Finding no file is a failure: a test run
/// that tests nothing must not pass. The error is a message and an exit status.
fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, (String, u8)> {
    let unusable = |path: &Path, e: io::Error| {
        let message = if e.kind() == io::ErrorKind::NotFound {
            format!(
                "error: `{}` does not exist: give scenario files, or folders of them (`*.yaml`)",
                path.display()
            )
        } else {
            format!("error: cannot read `{}`: {e}", path.display())
        };
        (message, EXIT_UNUSABLE)
    };
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for path in paths {
        match fs::metadata(path) {
            Err(e) => return Err(unusable(path, e)),
            Ok(meta) if meta.is_dir() => {
                let mut found = Vec::new();
                let mut pending = vec![path.clone()];
                while let Some(dir) = pending.pop() {
                    let entries = fs::read_dir(&dir).map_err(|e| unusable(&dir, e))?;
                    for entry in entries {
                        let entry = entry.map_err(|e| unusable(&dir, e))?;
                        let found_path = entry.path();
                        let kind = entry.file_type().map_err(|e| unusable(&found_path, e))?;
                        let named = found_path
                            .extension()
                            .is_some_and(|x| SCENARIO_EXTENSIONS.iter().any(|s| x == *s));
                        if kind.is_dir() {
                            pending.push(found_path);
                        } else if named && found_path.is_file() {
                            found.push(found_path);
                        }
                    }
                }
                found.sort();
                files.extend(found);
                folders.push(format!("`{}`", path.display()));
            }
            Ok(_) => files.push(path.clone()),
        }
    }
    if files.is_empty() {
        let (searched, theirs) = match folders.as_slice() {
            [one] => (one.clone(), "its"),
            many => (many.join(", "), "their"),
        };
        return Err((
            format!(
                "error: no scenario file found: searched {searched} and {theirs} subfolders for `*.yaml` and `*.yml` files\n  = help: check the folder's name, or give the scenario files themselves"
            ),
            EXIT_UNUSABLE,
        ));
    }
    Ok(files)
}

// ── docket check ────────────────────────────────────────────────────────────

fn check(args: &CheckArgs) -> u8 {
    let name = args.dir.as_ref().map_or_else(
        || "built-in ICP policy".to_string(),
        |d| d.display().to_string(),
    );
    if let Some(dir) = args.dir.as_deref().filter(|d| !d.is_dir()) {
        report(&format!(
            "error: `{}` is not a directory: give the folder of a policy's `*.yaml` and `*.docket` files\n",
            dir.display()
        ));
        return EXIT_UNUSABLE;
    }
    if args.format == Format::Json {
        let (text, code) = match load_engine(args.dir.as_deref()) {
            Err(e) => (e.render_json(), EXIT_REFUSED),
            Ok(engine) => (engine.render_warnings_json(), EXIT_OK),
        };
        let mut out = io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
        return code;
    }
    match load_engine(args.dir.as_deref()) {
        Err(e) => {
            // The rendering ends with its own summary line (`error: N problems in the policy`).
            report(&e.render());
            EXIT_REFUSED
        }
        Ok(engine) => {
            let warnings = engine.warnings().len();
            if warnings > 0 {
                report(&engine.render_warnings());
            }
            let mut out = io::stdout().lock();
            let _ = writeln!(out, "{name}: ok ({})", plural(warnings, "warning"));
            let _ = out.flush();
            EXIT_OK
        }
    }
}

// ── docket run ──────────────────────────────────────────────────────────────

/// Why a run stopped before the end of its input.
enum Stop {
    /// Standard output was closed: stop quietly, with whether some line was an error so far.
    BrokenPipe { any_error: bool },
    /// Something unusable, with the message for stderr.
    Unusable(String),
}

fn run(args: &RunArgs) -> u8 {
    let engine = match load_engine(args.rules.as_deref()) {
        Ok(e) => e,
        Err(e) => {
            report(&e.render());
            return EXIT_UNUSABLE;
        }
    };
    if !engine.warnings().is_empty() {
        report(&engine.render_warnings());
    }

    if let Some(spec) = &args.store {
        let input = match open_input(args.input.as_deref()) {
            Ok(i) => i,
            Err(code) => return code,
        };
        return store_cli::run_store(&engine, spec, args.key.as_deref(), args.resume, input);
    }

    // Held until the state is saved: a second run on the same state waits for this one
    // (each loads what the other saved, so neither loses the other's events).
    let _lock = match &args.state {
        Some(path) => match check_state_dir(path).and_then(|()| lock_state(path)) {
            Ok(lock) => {
                remove_stale_temps(path);
                Some(lock)
            }
            Err(msg) => {
                report(&msg);
                return EXIT_UNUSABLE;
            }
        },
        None => None,
    };
    let key = match &args.state {
        Some(path) => match store_cli::state_key(path, args.key.as_deref()) {
            Ok(k) => Some(k),
            Err(msg) => {
                report(&msg);
                return EXIT_UNUSABLE;
            }
        },
        None => None,
    };
    let world = match (&args.state, &key) {
        (Some(path), Some(key)) => match load_state(&engine, path, key) {
            Ok(w) => w,
            Err(msg) => {
                report(&msg);
                return EXIT_UNUSABLE;
            }
        },
        _ => World::new(),
    };
    // never freed: the process ends with this command, and freeing a world of a million
    // cases one by one would take a second
    let mut world = std::mem::ManuallyDrop::new(world);

    let input = match open_input(args.input.as_deref()) {
        Ok(i) => i,
        Err(code) => return code,
    };

    let stdout = io::stdout().lock();
    let mut out = BufWriter::new(stdout);
    let any_error = match run_stream(
        &engine,
        &mut world,
        BufReader::new(input),
        &mut out,
        key.as_ref(),
        Options {
            explain: args.explain,
            invariants: args.invariants,
        },
    ) {
        Ok(any_error) => any_error,
        Err(Stop::BrokenPipe { any_error }) => {
            return if any_error { EXIT_REFUSED } else { EXIT_OK }
        }
        Err(Stop::Unusable(msg)) => {
            report(&msg);
            return EXIT_UNUSABLE;
        }
    };

    if let Some(path) = &args.state {
        if let Err(e) = save_atomically(path, &mut |out| engine.write_world(&world, out)) {
            report(&format!(
                "error: cannot save the state to `{}`: {e}",
                path.display()
            ));
            return EXIT_UNUSABLE;
        }
    }
    if any_error {
        EXIT_REFUSED
    } else {
        EXIT_OK
    }
}

/// The input named on the command line (`-` or none: standard input); an error is reported.
fn open_input(path: Option<&Path>) -> Result<Box<dyn Read>, u8> {
    match path {
        None => Ok(Box::new(io::stdin().lock())),
        Some(p) if p == Path::new("-") => Ok(Box::new(io::stdin().lock())),
        Some(p) => File::open(p)
            .map(|f| Box::new(f) as Box<dyn Read>)
            .map_err(|e| {
                report(&format!(
                    "error: cannot read the input `{}`: {e}",
                    p.display()
                ));
                EXIT_UNUSABLE
            }),
    }
}

/// What `docket run` adds to each record.
#[derive(Clone, Copy)]
struct Options {
    /// Each record carries its trace.
    explain: bool,
    /// The invariants are checked after each accepted event.
    invariants: bool,
}

/// Runs every line of `input`, printing one record per line; returns whether some
/// line was an error (or, with `invariants`, broke an invariant).
fn run_stream(
    engine: &Engine,
    world: &mut World,
    mut input: BufReader<impl Read>,
    out: &mut impl Write,
    key: Option<&docket::SealKey>,
    Options {
        explain,
        invariants,
    }: Options,
) -> Result<bool, Stop> {
    let mut any_error = false;
    let mut buf = Vec::new();
    let mut text = String::new();
    let mut seq = 0usize;
    loop {
        // Records go out whenever the next line has not been read in yet: a program that
        // sends a line and waits for its record gets it; a file's records are written in
        // blocks, not one write each.
        if input.buffer().is_empty() {
            flush(out, any_error)?;
        }
        let Some(item) = next_line(&mut input, &mut buf, &mut seq)? else {
            break;
        };
        // only when asked: a world is copied before each line
        let before = invariants.then(|| world.clone());
        let record = match item {
            Line::Text(n, line) if explain => {
                let explained = match key {
                    Some(key) => engine.explain_line_sealed(world, n, &line, key),
                    None => engine.explain_line(world, n, &line),
                };
                any_error |= explained.record.is_error();
                write_json(out, explained.to_json(), any_error)?;
                continue;
            }
            Line::Text(n, line) => match key {
                Some(key) => engine.run_line_sealed(world, n, &line, key),
                None => engine.run_line(world, n, &line),
            },
            Line::Refused(record) => record,
        };
        any_error |= record.is_error();
        text.clear();
        record.write_json(&mut text);
        write_line(out, &text, any_error)?;
        if let (Some(before), false) = (&before, record.is_error()) {
            for v in engine.invariant_violations(Some(before), world) {
                any_error = true;
                let json = serde_json::json!({ "seq": seq, "violation": v.to_json() });
                write_json(out, json.to_string(), any_error)?;
            }
        }
        record.recycle();
    }
    flush(out, any_error)?;
    Ok(any_error)
}

/// One input line: its text, or the error record of a line that is not one.
enum Line {
    /// The line number and the text.
    Text(usize, String),
    Refused(Record),
}

/// Reads the next input line (numbering it in `seq`): `None` at the end of the input.
fn next_line(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    seq: &mut usize,
) -> Result<Option<Line>, Stop> {
    buf.clear();
    let len = match read_line_bounded(input, buf, MAX_LINE) {
        Ok(None) => return Ok(None),
        Ok(Some(len)) => len,
        Err(e) => {
            return Err(Stop::Unusable(format!(
                "error: cannot read the input after line {seq}: {e} (the state was not saved)"
            )))
        }
    };
    *seq += 1;
    let seq = *seq;
    let refused = |message: String| {
        Line::Refused(Record {
            seq,
            event_type: None,
            at: None,
            body: RecordBody::Error(message),
        })
    };
    if len > MAX_LINE {
        // refused without being held whole: nothing of it is echoed
        return Ok(Some(refused(format!(
            "line {seq}: the line is {len} bytes long; a line is at most {MAX_LINE} bytes"
        ))));
    }
    let mut bytes = buf.as_slice();
    bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if seq == 1 {
        // A byte-order mark some editors write; JSON does not allow it.
        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    }
    Ok(Some(match std::str::from_utf8(bytes) {
        Ok(line) => Line::Text(seq, line.to_string()),
        Err(e) => refused(format!(
            "line {seq}: not valid UTF-8 (byte {} of the line)",
            e.valid_up_to() + 1
        )),
    }))
}

/// The longest input line `run` reads, in bytes: a longer one is an error record, read past
/// without being held.
const MAX_LINE: usize = 1 << 20;

/// Reads one line into `buf` (its newline included, and no more than `max + 1` bytes of
/// it); returns the line's whole length in bytes without its newline, or `None` at the end
/// of the input.
fn read_line_bounded(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<usize>> {
    let mut len = 0usize;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok((len > 0).then_some(len));
        }
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        // keep at most `max + 1` bytes: enough to tell the line is too long
        let room = (max + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        len += take - usize::from(done);
        input.consume(take);
        if done {
            return Ok(Some(len));
        }
    }
}

/// Writes one record and its newline, flushed.
fn write_record(out: &mut impl Write, record: &Record, any_error: bool) -> Result<(), Stop> {
    write_line(out, &record.to_json(), any_error)?;
    flush(out, any_error)
}

/// Writes one line of JSON and its newline (into `out`'s buffer: see [`flush`]).
fn write_json(out: &mut impl Write, json: String, any_error: bool) -> Result<(), Stop> {
    write_line(out, &json, any_error)
}

/// Writes `line` and a newline.
fn write_line(out: &mut impl Write, line: &str, any_error: bool) -> Result<(), Stop> {
    (out.write_all(line.as_bytes()))
        .and_then(|()| out.write_all(b"\n"))
        .map_err(|e| output_error(e, any_error))
}

/// Writes out what `out` holds.
fn flush(out: &mut impl Write, any_error: bool) -> Result<(), Stop> {
    out.flush().map_err(|e| output_error(e, any_error))
}

/// Why `docket run` stops on an output error: a closed pipe ends it quietly.
fn output_error(e: io::Error, any_error: bool) -> Stop {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Stop::BrokenPipe { any_error }
    } else {
        Stop::Unusable(format!(
            "error: cannot write the output: {e} (the state was not saved)"
        ))
    }
}

/// Takes the lock of a state file (`FILE.lock` beside it), waiting while another run holds
/// it; released when the returned file is dropped, or the process ends.
fn lock_state(path: &Path) -> Result<File, String> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock_path = path.with_file_name(name);
    let mut opts = fs::OpenOptions::new();
    opts.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(&lock_path).map_err(|e| {
        format!(
            "error: cannot lock the state file: cannot open `{}`: {e}",
            lock_path.display()
        )
    })?;
    file.lock().map_err(|e| {
        format!(
            "error: cannot lock the state file `{}`: {e}",
            path.display()
        )
    })?;
    Ok(file)
}

/// The help line under every "cannot load the state file" error.
const STATE_HELP: &str =
    "  = help: `--state` takes a world saved by an earlier `docket run --state`; \
                          move the file away to start from an empty world";

/// The world saved in `path`, or a new one when the file does not exist.
fn load_state(engine: &Engine, path: &Path, key: &docket::SealKey) -> Result<World, String> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(World::new()),
        Err(e) => {
            return Err(format!(
                "error: cannot read the state file `{}`: {e}",
                path.display()
            ))
        }
    };
    let (world, plan) = engine
        .read_world_migrating(&mut BufReader::with_capacity(1 << 20, file), key)
        .map_err(|e| format!("error: cannot load `{}`: {e}\n{STATE_HELP}", path.display()))?;
    if let Some(plan) = plan.filter(|p| !p.is_empty()) {
        report(&format!(
            "note: `{}` was saved under another version of the policy; its cases were migrated:\n{plan}",
            path.display()
        ));
    }
    Ok(world)
}

/// Refuses, before any line is evaluated, a state file that could not be saved: one whose
/// directory does not exist.
fn check_state_dir(path: &Path) -> Result<(), String> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if dir.is_dir() {
        Ok(())
    } else {
        Err(format!(
            "error: cannot save the state to `{}`: the directory `{}` does not exist",
            path.display(),
            dir.display()
        ))
    }
}

/// Removes the temporary files (`FILE.tmp.<pid>`) that runs stopped while saving `path` left
/// beside it. Called with the state's lock held: no other run is saving, so every such file
/// belongs to a run that died; each is the half-written copy of a world it never renamed.
fn remove_stale_temps(path: &Path) {
    let mut prefix = path.file_name().unwrap_or_default().to_os_string();
    prefix.push(".tmp.");
    let prefix = prefix.to_string_lossy().into_owned();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_pid = name
            .strip_prefix(&prefix)
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        if is_pid {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Replaces `path` with `text` so that a crash leaves either the old or the new file whole:
/// write `path.tmp.<pid>` beside it (a name no other process uses), fsync, rename over
/// `path`, fsync the directory.
fn save_atomically(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp.{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    // A stale temporary file would keep its own (perhaps wider) permissions: start afresh.
    let _ = fs::remove_file(&tmp);
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The world holds verification codes and certificate digits.
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = BufWriter::with_capacity(1 << 20, opts.open(&tmp)?);
        write(&mut f)?;
        let f = f.into_inner().map_err(io::IntoInnerError::into_error)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    // Make the rename itself durable; not every platform can open a directory, so best effort.
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
