//! `docket serve`: the engine as an HTTP service on its store. One writer thread owns the
//! store and the world ([`writer`]); the HTTP side ([`http`]) parses requests on tokio and
//! sends the writer jobs.

mod accept;
mod auth;
mod http;
pub(crate) mod metrics;
mod readers;
mod wall;
mod writer;

use crate::store_cli::{key_path, store_key};
use crate::{load_engine, report, EXIT_OK, EXIT_UNUSABLE};
use clap::Args;
use docket::Store;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// Serve a store over HTTP: post events, read cases and the journal, long-poll the feed.
///
/// Endpoints (JSON in and out; records as `docket run --store` prints them):
/// `POST /v1/events` (one JSON event, or JSON lines), `POST /v1/evaluate` (what an event
/// would do, nothing kept), `GET /v1/cases/{type}/{key}`, `GET /v1/cases/{type}/{key}/journal`,
/// `GET /v1/journal?since=SEQ&wait=SECONDS&limit=N`, `GET /v1/due?before=INSTANT&limit=N`,
/// `GET /v1/policy`, `GET /metrics` (Prometheus), `GET /v1/openapi.json`, `GET /healthz`, and
/// `GET /` (a read-only operator page).
///
/// Every request but `/healthz`, `/v1/openapi.json` and the page needs `Authorization: Bearer TOKEN`, the token read from
/// `--token-file` or `$DOCKET_SERVE_TOKEN`; without one the service only starts with
/// `--no-auth` on a loopback address. The address listened on is printed on stderr
/// (`docket serve: listening on http://ADDR`). SIGTERM or SIGINT: stop accepting, answer
/// and commit what is in flight, exit 0.
///
/// Exit status: 0 when stopped by a signal, 2 when the rules, the store, the token or the
/// address are unusable, or the store failed while serving.
#[derive(Args)]
#[command(after_help = "\
Example:
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' > token
  docket serve --store world.db --token-file token
  curl -H \"Authorization: Bearer $(cat token)\" --data-binary @examples/stream.jsonl \\
       http://127.0.0.1:8080/v1/events")]
pub(crate) struct ServeArgs {
    /// The store: `PATH` or `sqlite:PATH` (SQLite, created if missing), or `postgres://…`
    #[arg(long, value_name = "STORE")]
    store: String,

    /// The policy directory; default: the built-in ICP policy
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,

    /// The file holding the store's key; default: `$DOCKET_STORE_KEY`, or `PATH.key`
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,

    /// The address to listen on (port 0: any free port; the one taken is printed)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,

    /// The file holding the bearer token clients must send; default: `$DOCKET_SERVE_TOKEN`
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,

    /// Serve without a token (only on a loopback address)
    #[arg(long, conflicts_with = "token_file")]
    no_auth: bool,

    /// Where time comes from: `events` (only the events' `at`, ticks included), or `wall`:
    /// the service also posts itself a `tick` at the wall-clock time each time a deadline
    /// comes due, journaled like any event
    #[arg(long, value_enum, value_name = "CLOCK", default_value_t = Clock::Events)]
    clock: Clock,
}

/// Where `docket serve` takes time from.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Clock {
    /// From the events alone.
    Events,
    /// From the events, and ticks of the service's own at each deadline's instant.
    Wall,
}

/// How many requests may wait for the writer before handlers wait to hand theirs over.
const QUEUE: usize = 4096;

/// `docket serve`.
pub(crate) fn serve(args: &ServeArgs) -> u8 {
    match start(args) {
        Ok(code) => code,
        Err(message) => {
            report(&message);
            EXIT_UNUSABLE
        }
    }
}

fn start(args: &ServeArgs) -> Result<u8, String> {
    let engine = load_engine(args.rules.as_deref()).map_err(|e| e.render())?;
    if !engine.warnings().is_empty() {
        report(&engine.render_warnings());
    }
    let addrs: Vec<SocketAddr> = args
        .listen
        .to_socket_addrs()
        .map_err(|e| format!("error: cannot use the address `{}`: {e}", args.listen))?
        .collect();
    let token = auth::token(args.token_file.as_deref(), args.no_auth)?;
    if token.is_none() && !addrs.iter().all(|a| a.ip().is_loopback()) {
        return Err(format!(
            "error: `--no-auth` is only allowed on a loopback address, not `{}`\n  = help: give `--token-file FILE` or set `{}`",
            args.listen,
            auth::TOKEN_VAR
        ));
    }
    let key = store_key(&args.store, args.key.as_deref(), true)?;
    let created = sqlite_file(&args.store).filter(|p| !p.exists());
    let shown = Store::shown_spec(&args.store);
    let engine = Arc::new(engine);
    let (store, world) = Store::open(&args.store, &engine, key.clone()).map_err(|e| {
        if let Some(p) = &created {
            remove_store_files(p);
        }
        format!("error: cannot open the store `{shown}`: {e}")
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("error: cannot start the service: {e}"))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(addrs.as_slice()))
        .map_err(|e| format!("error: cannot listen on `{}`: {e}", args.listen))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("error: cannot listen on `{}`: {e}", args.listen))?;

    let (committed, committed_rx) = watch::channel(store.seq());
    let (due, due_rx) = watch::channel(world.next_deadline());
    let (jobs, jobs_rx) = mpsc::channel(QUEUE);
    let readers = readers::Readers::new(args.store.clone(), key.clone());
    let metrics = Arc::new(metrics::Metrics::default());
    metrics.state(store.seq(), world.len());
    let writer = writer::Writer {
        engine: Arc::clone(&engine),
        spec: args.store.clone(),
        key,
        store,
        world,
        committed,
        due,
        metrics: Arc::clone(&metrics),
    };
    // a writer that ends early (its store failed for good, or a bug) stops the service:
    // one that cannot write must not go on answering
    let writer_gone = Arc::new(tokio::sync::Notify::new());
    let gone = Gone(Arc::clone(&writer_gone));
    let writer = std::thread::Builder::new()
        .name("docket-writer".into())
        .spawn(move || {
            let _gone = gone;
            writer.run(jobs_rx)
        })
        .map_err(|e| format!("error: cannot start the writer thread: {e}"))?;

    let (stopping, stopping_rx) = watch::channel(false);
    if args.clock == Clock::Wall {
        runtime.spawn(wall::ticks(jobs.clone(), due_rx, stopping_rx.clone()));
    }
    let state = http::State {
        engine,
        jobs,
        readers,
        metrics,
        committed: committed_rx,
        stopping: stopping_rx,
        token,
        bodies: Arc::new(tokio::sync::Semaphore::new(http::BODY_BUDGET_KIB as usize)),
    };
    report(&format!(
        "docket serve: listening on http://{bound} (store `{shown}`)"
    ));
    // the readers' connections are closed here, outside the runtime: a PostgreSQL client
    // runs a runtime of its own to close, which cannot start inside another
    let kept_readers = Arc::clone(&state.readers);
    let served = runtime.block_on(accept::serve(listener, state, stopping, writer_gone));
    // the tasks still open (connections past the drain) are dropped with their senders of
    // jobs; the writer then ends once it has committed and answered what it was handed
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    drop(kept_readers);
    let written = writer
        .join()
        .unwrap_or_else(|_| Err("the writer thread stopped".into()));
    match (served, written) {
        (Ok(()), Ok(())) => {
            report("docket serve: stopped; every answered event is committed");
            Ok(EXIT_OK)
        }
        (Err(e), _) | (_, Err(e)) => Err(format!("error: the service stopped: {e}")),
    }
}

/// Tells the service, when dropped, that the writer thread has ended (returned or
/// panicked).
struct Gone(Arc<tokio::sync::Notify>);

impl Drop for Gone {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}

/// The file of an SQLite store `spec`.
fn sqlite_file(spec: &str) -> Option<PathBuf> {
    let server = spec.starts_with("postgres://") || spec.starts_with("postgresql://");
    (!server).then(|| PathBuf::from(spec.strip_prefix("sqlite:").unwrap_or(spec)))
}

/// Removes a store this command created and could not open, as `run --store` does.
fn remove_store_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
    let _ = std::fs::remove_file(key_path(path));
}
