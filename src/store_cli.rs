//! The store's commands: `run --store`, `journal`, `store check`, `store rewind`, and how a
//! store's key is found.

use crate::{next_line, report, write_record, Line, Stop, EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE};
use docket::{Engine, Record, SealKey, Store, World};
use std::fs;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// How many events one transaction takes at most (group commit): a batch is the lines that
/// are already read in, up to this many, so a slow producer is answered line by line.
pub(crate) const BATCH: usize = 1024;

/// The environment variable that may hold a store's key (64 hex digits).
const KEY_VAR: &str = "DOCKET_STORE_KEY";

/// Whether `spec` names a PostgreSQL store.
fn is_server(spec: &str) -> bool {
    spec.starts_with("postgres://") || spec.starts_with("postgresql://")
}

/// The file of an SQLite store `spec`.
fn sqlite_path(spec: &str) -> Option<&Path> {
    (!is_server(spec)).then(|| Path::new(spec.strip_prefix("sqlite:").unwrap_or(spec)))
}

/// The store's key: from `--key FILE`, else `$DOCKET_STORE_KEY`, else (SQLite) the file
/// `PATH.key` beside the store, made with a fresh key when neither exists yet.
pub(crate) fn store_key(
    spec: &str,
    key_file: Option<&Path>,
    create: bool,
) -> Result<SealKey, String> {
    // what the store is, before its key: a foreign file is not "a store missing its key"
    let exists =
        Store::exists(spec).map_err(|e| format!("error: cannot open the store `{spec}`: {e}"))?;
    if !exists && !create {
        return Err(format!(
            "error: there is no store at `{spec}`: `docket run --store {spec}` creates one"
        ));
    }
    if key_file.is_some() || std::env::var_os(KEY_VAR).is_some() {
        return resolve_key(key_file);
    }
    let Some(store) = sqlite_path(spec) else {
        return Err(format!(
            "error: a PostgreSQL store needs its key: give `--key FILE` or set `{KEY_VAR}`\n  = help: the key seals sensitive values; make one with `head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'`"
        ));
    };
    let path = key_path(store);
    if path.exists() {
        return resolve_key(Some(&path));
    }
    if exists {
        return Err(format!(
            "error: the key file `{}` of the store is missing: give `--key FILE` or set `{KEY_VAR}`",
            path.display()
        ));
    }
    let key = SealKey::generate().map_err(|e| format!("error: cannot make a key: {e}"))?;
    write_private(&path, &(key.to_hex() + "\n"))
        .map_err(|e| format!("error: cannot write the key file `{}`: {e}", path.display()))?;
    Ok(key)
}

/// The key in `key_file`, else in `$DOCKET_STORE_KEY`.
fn resolve_key(key_file: Option<&Path>) -> Result<SealKey, String> {
    if let Some(path) = key_file {
        let text = fs::read_to_string(path)
            .map_err(|e| format!("error: cannot read the key file `{}`: {e}", path.display()))?;
        return SealKey::from_hex(&text).ok_or_else(|| {
            format!(
                "error: the key file `{}` does not hold a key (64 hex digits)",
                path.display()
            )
        });
    }
    let text = std::env::var(KEY_VAR).unwrap_or_default();
    SealKey::from_hex(&text)
        .ok_or_else(|| format!("error: `{KEY_VAR}` does not hold a key (64 hex digits)"))
}

/// `PATH.key` beside `path`.
pub(crate) fn key_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".key");
    path.with_file_name(name)
}

/// Creates `path` readable by its owner only, with `text`.
fn write_private(path: &Path, text: &str) -> io::Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// `docket run --store`: each batch of lines is journaled and committed before its records
/// are printed.
pub(crate) fn run_store(
    engine: &Engine,
    spec: &str,
    key_file: Option<&Path>,
    mut input: BufReader<impl Read>,
) -> u8 {
    let key = match store_key(spec, key_file, true) {
        Ok(k) => k,
        Err(msg) => {
            report(&msg);
            return EXIT_UNUSABLE;
        }
    };
    let created = sqlite_path(spec).filter(|p| !p.exists());
    let shown = Store::shown_spec(spec);
    let (mut store, mut world) = match Store::open(spec, engine, key) {
        Ok(s) => s,
        Err(e) => {
            // a store this run would have created is not left behind half made
            if let Some(p) = created {
                for suffix in ["", "-wal", "-shm"] {
                    let mut name = p.as_os_str().to_os_string();
                    name.push(suffix);
                    let _ = fs::remove_file(name);
                }
                let _ = fs::remove_file(key_path(p));
            }
            report(&format!("error: cannot open the store `{shown}`: {e}"));
            return EXIT_UNUSABLE;
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let mut buf = Vec::new();
    let mut seq = 0usize;
    let mut any_error = false;
    let mut batch: Vec<Line> = Vec::new();
    loop {
        batch.clear();
        let mut ended = false;
        // the first line of a batch may wait; the others are those already read in
        loop {
            match next_line(&mut input, &mut buf, &mut seq) {
                Ok(Some(line)) => batch.push(line),
                Ok(None) => {
                    ended = true;
                    break;
                }
                Err(Stop::Unusable(msg)) => {
                    report(&msg.replace(
                        "the state was not saved",
                        "the lines before it are in the store",
                    ));
                    return EXIT_UNUSABLE;
                }
                Err(Stop::BrokenPipe { .. }) => return EXIT_UNUSABLE,
            }
            if batch.len() >= BATCH || !input.buffer().contains(&b'\n') {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        match run_batch(engine, &mut store, &mut world, &batch) {
            Ok(records) => {
                for record in records {
                    any_error |= record.is_error();
                    match write_record(&mut out, &record, any_error) {
                        Ok(()) => {}
                        // the batch is durable: a reader gone away loses only its own copy
                        Err(Stop::BrokenPipe { any_error }) => {
                            return if any_error { EXIT_REFUSED } else { EXIT_OK }
                        }
                        Err(Stop::Unusable(msg)) => {
                            report(
                                &msg.replace(
                                    "the state was not saved",
                                    "the events are in the store",
                                ),
                            );
                            return EXIT_UNUSABLE;
                        }
                    }
                }
            }
            Err(e) => {
                report(&format!(
                    "error: cannot write to the store `{shown}`: {e} (the {} lines from line {} on were not kept; every line printed before is)",
                    batch.len(),
                    seq + 1 - batch.len()
                ));
                return EXIT_UNUSABLE;
            }
        }
        if ended {
            break;
        }
    }
    if any_error {
        EXIT_REFUSED
    } else {
        EXIT_OK
    }
}

/// One batch through the store: the refused lines' records kept in their places.
fn run_batch(
    engine: &Engine,
    store: &mut Store,
    world: &mut World,
    batch: &[Line],
) -> Result<Vec<Record>, docket::StoreError> {
    let lines: Vec<(usize, &str)> = batch
        .iter()
        .filter_map(|l| match l {
            Line::Text(n, t) => Some((*n, t.as_str())),
            Line::Refused(_) => None,
        })
        .collect();
    let mut ran = store.run_batch(engine, world, &lines)?.into_iter();
    let mut records = Vec::with_capacity(batch.len());
    for l in batch {
        records.push(match l {
            Line::Refused(r) => r.clone(),
            // INVARIANT: `run_batch` gives one record per line it was given, in order
            Line::Text(..) => ran.next().ok_or_else(|| {
                docket::StoreError::Refused("the store gave fewer records than lines".into())
            })?,
        });
    }
    Ok(records)
}

/// Attaches to an existing store, or reports why not.
fn attach(spec: &str, key_file: Option<&Path>) -> Result<Store, u8> {
    let key = store_key(spec, key_file, false).map_err(|msg| {
        report(&msg);
        EXIT_UNUSABLE
    })?;
    Store::attach(spec, key).map_err(|e| {
        let spec = Store::shown_spec(spec);
        report(&format!("error: cannot open the store `{spec}`: {e}"));
        EXIT_UNUSABLE
    })
}

/// `docket journal`.
pub(crate) fn journal(args: &crate::JournalArgs) -> u8 {
    let mut store = match attach(&args.store, args.key.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let result = store.journal(args.since, args.case.as_deref(), &mut |line| {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")
    });
    let flushed = out.flush();
    match (result, flushed) {
        (Ok(()), _) => EXIT_OK,
        (Err(docket::StoreError::Database { message, .. }), _)
            if message.contains("Broken pipe") =>
        {
            EXIT_OK
        }
        (Err(e), _) => {
            report(&format!(
                "error: cannot read the store `{}`: {e}",
                Store::shown_spec(&args.store)
            ));
            EXIT_UNUSABLE
        }
    }
}

/// `docket store check`.
pub(crate) fn check(args: &crate::StoreArgs) -> u8 {
    let mut store = match attach(&args.store, args.key.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match store.check() {
        Ok(differences) if differences.is_empty() => {
            let mut out = io::stdout().lock();
            let _ = writeln!(
                out,
                "{}: ok ({} journal rows replayed; the cases agree)",
                Store::shown_spec(&args.store),
                store.seq()
            );
            EXIT_OK
        }
        Ok(differences) => {
            let mut out = io::stdout().lock();
            for d in &differences {
                let _ = writeln!(out, "{d}");
            }
            let _ = writeln!(
                out,
                "{}: {} difference(s) between the journal and the cases",
                Store::shown_spec(&args.store),
                differences.len()
            );
            EXIT_REFUSED
        }
        Err(e) => {
            report(&format!(
                "error: cannot check the store `{}`: {e}",
                Store::shown_spec(&args.store)
            ));
            EXIT_UNUSABLE
        }
    }
}

/// `docket store rewind`.
pub(crate) fn rewind(args: &crate::RewindArgs) -> u8 {
    let mut store = match attach(&args.store.store, args.store.key.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match store.rewind(args.to) {
        Ok(world) => {
            let mut out = io::stdout().lock();
            let _ = writeln!(
                out,
                "{}: the world is as it was after row {} ({} cases, clock {}); journaled as row {}",
                Store::shown_spec(&args.store.store),
                args.to,
                world.len(),
                world
                    .clock()
                    .map_or_else(|| "not started".to_string(), |c| c.to_string()),
                store.seq()
            );
            EXIT_OK
        }
        Err(e) => {
            report(&format!(
                "error: cannot rewind the store `{}`: {e}",
                Store::shown_spec(&args.store.store)
            ));
            EXIT_UNUSABLE
        }
    }
}

/// The key of a state file: from `--key FILE`, else `$DOCKET_STORE_KEY`, else `FILE.key`
/// beside it, made with a fresh key when missing — unless the state file already holds
/// sealed values, which only their own key can match.
pub(crate) fn state_key(state: &Path, key_file: Option<&Path>) -> Result<SealKey, String> {
    if key_file.is_some() || std::env::var_os(KEY_VAR).is_some() {
        return resolve_key(key_file);
    }
    let path = key_path(state);
    if path.exists() {
        return resolve_key(Some(&path));
    }
    let sealed = fs::read(state)
        .map(|bytes| bytes.windows(8).any(|w| w == b"\"sealed:"))
        .unwrap_or(false);
    if sealed {
        return Err(format!(
            "error: the key file `{}` of the state file is missing: its sensitive values were sealed with it; give `--key FILE` or set `{KEY_VAR}`",
            path.display()
        ));
    }
    let key = SealKey::generate().map_err(|e| format!("error: cannot make a key: {e}"))?;
    write_private(&path, &(key.to_hex() + "\n"))
        .map_err(|e| format!("error: cannot write the key file `{}`: {e}", path.display()))?;
    Ok(key)
}
