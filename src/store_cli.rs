//! The store's commands: `run --store`, `journal`, `store check`, `store rewind`, and how a
//! store's key is found.

use crate::{next_line, report, write_record, Line, Stop, EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE};
use docket::{Engine, Record, SealKey, Store, World};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
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
    let given = key_file.is_some() || std::env::var_os(KEY_VAR).is_some();
    let Some(store) = sqlite_path(spec) else {
        // a server is asked nothing before its key is known (opening it says the rest)
        if given {
            return resolve_key(key_file);
        }
        return Err(format!(
            "error: a PostgreSQL store needs its key: give `--key FILE` or set `{KEY_VAR}`\n  = help: the key seals sensitive values; make one with `head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'`"
        ));
    };
    // what the file is, before its key: a foreign file is not "a store missing its key"
    let exists =
        Store::exists(spec).map_err(|e| format!("error: cannot open the store `{spec}`: {e}"))?;
    if !exists && !create {
        return Err(format!(
            "error: there is no store at `{spec}`: `docket run --store {spec}` creates one"
        ));
    }
    if given {
        return resolve_key(key_file);
    }
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
    match write_private(&path, &(key.to_hex() + "\n")) {
        Ok(()) => Ok(key),
        // another run made the store's key first: it is the one
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => resolve_key(Some(&path)),
        Err(e) => Err(format!(
            "error: cannot write the key file `{}`: {e}",
            path.display()
        )),
    }
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

/// Creates `path` readable by its owner only, with `text`, whole or not at all (a crash
/// must not leave an empty key file): written to `path.tmp.<pid>`, synced, then linked to
/// `path` (which fails with `AlreadyExists` if another process made it first).
fn write_private(path: &Path, text: &str) -> io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp.{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let _ = fs::remove_file(&tmp);
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let result = opts
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| fs::hard_link(&tmp, path));
    let _ = fs::remove_file(&tmp);
    result
}

/// How many bytes of input a run reads ahead: a batch takes the lines already read in, so the
/// buffer must hold a whole batch of typical lines (a few hundred bytes each).
const READ_AHEAD: usize = 1 << 20;

/// `docket run --store`: each batch of lines is journaled and committed before its records
/// are printed. With `resume`, the first lines of the input that the last batch of an
/// interrupted run already committed are skipped (see [`committed_prefix`]).
pub(crate) fn run_store(
    engine: &Engine,
    spec: &str,
    key_file: Option<&Path>,
    resume: bool,
    input: impl Read,
) -> u8 {
    let mut input = BufReader::with_capacity(READ_AHEAD, input);
    let key = match store_key(spec, key_file, true) {
        Ok(k) => k,
        Err(msg) => {
            report(&msg);
            return EXIT_UNUSABLE;
        }
    };
    let created = sqlite_path(spec).filter(|p| !p.exists());
    let shown = Store::shown_spec(spec);
    let (mut store, world) = match Store::open(spec, engine, key) {
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
    // never freed: the process ends with this command, and freeing a world of a million
    // cases one by one would take a second
    let mut world = std::mem::ManuallyDrop::new(world);
    let mut buf = Vec::new();
    let mut seq = 0usize;
    // lines read but not yet run, and the digests of the lines skipped as already committed
    let mut pending: VecDeque<(Line, u64)> = VecDeque::new();
    let mut unacked: Vec<u64> = Vec::new();
    if resume {
        let mark = match store.input_mark() {
            Ok(mark) => mark,
            Err(e) => {
                report(&format!("error: cannot read the store `{spec}`: {e}"));
                return EXIT_UNUSABLE;
            }
        };
        let marked = mark.as_deref().map(parse_mark).unwrap_or_default();
        let mut read = Vec::new();
        let skip = committed_prefix(&marked, || {
            match next_line(&mut input, &mut buf, &mut seq) {
                Ok(Some(line)) => {
                    let h = digest(&buf);
                    read.push((line, h));
                    Ok(Some(h))
                }
                Ok(None) => Ok(None),
                Err(stop) => Err(stop),
            }
        });
        match skip {
            Ok(skip) => {
                let rest = read.split_off(skip);
                unacked = read.iter().map(|(_, h)| *h).collect();
                pending.extend(rest);
                if skip > 0 {
                    report(&format!(
                        "docket: resuming: input lines 1 to {skip} were committed before the run that read them stopped; they are in the journal and are not run again"
                    ));
                }
            }
            Err(Stop::Unusable(msg)) => {
                report(&msg.replace("the state was not saved", "nothing was run"));
                return EXIT_UNUSABLE;
            }
            Err(Stop::BrokenPipe { .. }) => return EXIT_UNUSABLE,
        }
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let mut any_error = false;
    let mut batch: Vec<Line> = Vec::new();
    let mut digests: Vec<u64> = Vec::new();
    loop {
        batch.clear();
        digests.clear();
        let mut ended = false;
        // the first line of a batch may wait; the others are those already read in
        loop {
            let next = match pending.pop_front() {
                Some((line, h)) => Ok(Some((line, h))),
                None => next_line(&mut input, &mut buf, &mut seq)
                    .map(|line| line.map(|line| (line, digest(&buf)))),
            };
            match next {
                Ok(Some((line, h))) => {
                    batch.push(line);
                    digests.push(h);
                }
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
            if batch.len() >= BATCH || (pending.is_empty() && !input.buffer().contains(&b'\n')) {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        // every line not yet answered by a printed record: the skipped ones, then this batch
        let mark = make_mark(unacked.iter().chain(&digests));
        match run_batch(engine, &mut store, &mut world, &batch, Some(&mark)) {
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
                unacked.clear();
            }
            Err(e) => {
                report(&format!(
                    "error: cannot write to the store `{shown}`: {e} (the {} lines from line {} on were not kept; every line printed before is)",
                    batch.len(),
                    seq + 1 - batch.len() - pending.len()
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

/// The digest of one input line as `next_line` read it (its end of line left out): the first
/// 8 bytes of its SHA-256.
fn digest(raw: &[u8]) -> u64 {
    let line = raw.strip_suffix(b"\n").unwrap_or(raw);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let hash = Sha256::digest(line);
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    u64::from_be_bytes(first)
}

/// The version tag of an input mark.
const MARK_TAG: &str = "lines-v1:";

/// The input mark a batch records: the digests of the lines it ran (and of any line skipped
/// before it and not yet answered), in order, 16 hex digits each.
fn make_mark<'a>(digests: impl Iterator<Item = &'a u64>) -> String {
    let mut mark = String::from(MARK_TAG);
    for d in digests {
        mark.push_str(&format!("{d:016x}"));
    }
    mark
}

/// The digests an input mark holds; none when it is not one this docket writes.
fn parse_mark(mark: &str) -> Vec<u64> {
    let Some(hex) = mark.strip_prefix(MARK_TAG) else {
        return Vec::new();
    };
    if hex.len() % 16 != 0 || !hex.is_ascii() {
        return Vec::new();
    }
    let parsed: Option<Vec<u64>> = (0..hex.len() / 16)
        .map(|i| u64::from_str_radix(&hex[16 * i..16 * i + 16], 16).ok())
        .collect();
    parsed.unwrap_or_default()
}

/// How many first lines of the input were committed already, when the input is what a run
/// stopped by a crash had not printed yet: `marked` are the digests the last committed batch
/// recorded (its lines, and the lines before it not yet answered). Its records were being
/// printed when the run stopped, so the lines not printed yet start somewhere in it; the
/// input is taken to start with the longest end of `marked` that it starts with. `next`
/// gives the digest of the next input line (read, and kept by the caller); no more is read
/// than it takes to decide.
fn committed_prefix(
    marked: &[u64],
    mut next: impl FnMut() -> Result<Option<u64>, Stop>,
) -> Result<usize, Stop> {
    let k = marked.len();
    // where in `marked` the input may start: every start still matching the lines read
    let mut alive: Vec<usize> = (0..k).collect();
    let mut best = 0;
    let mut j = 0;
    while !alive.is_empty() {
        let Some(h) = next()? else { break };
        alive.retain(|&p| marked[p + j] == h);
        j += 1;
        // a start whose whole end of `marked` was read: the later ones are the longer ends
        if alive.iter().any(|&p| p + j == k) {
            best = j;
        }
        alive.retain(|&p| p + j < k);
    }
    Ok(best)
}

/// One batch through the store: the refused lines' records kept in their places (also
/// `docket serve`'s writer, which records no mark).
pub(crate) fn run_batch(
    engine: &Engine,
    store: &mut Store,
    world: &mut World,
    batch: &[Line],
    mark: Option<&str>,
) -> Result<Vec<Record>, docket::StoreError> {
    let lines: Vec<(usize, &str)> = batch
        .iter()
        .filter_map(|l| match l {
            Line::Text(n, t) => Some((*n, t.as_str())),
            Line::Refused(_) => None,
        })
        .collect();
    let mut ran = store
        .run_batch_marked(engine, world, &lines, mark)?
        .into_iter();
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
    let query = docket::JournalQuery {
        since: args.since,
        key: args.case.as_deref(),
        ..Default::default()
    };
    let result = store.journal(query, &mut |line| {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")
    });
    let flushed = out.flush();
    match (result, flushed) {
        (Ok(_), _) => EXIT_OK,
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
    if holds_sealed(state) {
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

/// Whether the file at `path` holds a sealed value (read a block at a time: a state file may
/// be far larger than the memory it is worth holding whole).
fn holds_sealed(path: &Path) -> bool {
    use std::io::BufRead;
    const NEEDLE: &[u8] = b"\"sealed:";
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    let mut input = std::io::BufReader::with_capacity(1 << 16, file);
    // the end of the previous block, where a needle may have begun
    let mut window: Vec<u8> = Vec::with_capacity((1 << 16) + NEEDLE.len());
    loop {
        let block = match input.fill_buf() {
            Ok(block) if !block.is_empty() => block,
            _ => return false,
        };
        window.extend_from_slice(block);
        if window.windows(NEEDLE.len()).any(|w| w == NEEDLE) {
            return true;
        }
        let read = block.len();
        input.consume(read);
        let keep = window.len().min(NEEDLE.len() - 1);
        window.drain(..window.len() - keep);
    }
}

/// `docket migrate`.
pub(crate) fn migrate(args: &crate::MigrateArgs) -> u8 {
    let engine = match Engine::load(&args.rules) {
        Ok(e) => e,
        Err(e) => {
            report(&e.render());
            return EXIT_UNUSABLE;
        }
    };
    let mut store = match attach(&args.store, args.key.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let shown = Store::shown_spec(&args.store);
    match store.migrate(&engine, args.dry_run) {
        Ok(plan) => {
            let mut out = io::stdout().lock();
            let verb = if args.dry_run {
                "would change"
            } else {
                "changed"
            };
            let _ = writeln!(out, "{shown}: moving to `{}` {verb}:", args.rules.display());
            for line in plan.lines() {
                let _ = writeln!(out, "  {line}");
            }
            EXIT_OK
        }
        Err(e) => {
            report(&format!("error: cannot migrate the store `{shown}`: {e}"));
            EXIT_UNUSABLE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::holds_sealed;

    #[test]
    fn a_sealed_value_is_found_across_the_blocks_read() {
        let path = std::env::temp_dir().join(format!("docket-sealed-{}", std::process::id()));
        let needle = b"\"sealed:0123\"";
        // at the start, straddling the first block's end, at the end, and nowhere
        for at in [0, (1 << 16) - 3, 3 << 16] {
            let mut bytes = vec![b' '; at];
            bytes.extend_from_slice(needle);
            std::fs::write(&path, &bytes).expect("write");
            assert!(holds_sealed(&path), "at {at}");
        }
        std::fs::write(&path, vec![b'x'; 200_000]).expect("write");
        assert!(!holds_sealed(&path));
        std::fs::remove_file(&path).expect("remove");
        assert!(!holds_sealed(&path), "a missing file holds nothing");
    }
}
