//! The writer thread of `docket serve`: the one owner of the store and its world. HTTP
//! handlers send it [`Job`]s; it takes whatever is queued as one batch (group commit, as
//! `docket run --store` does), and answers each job only once its batch is committed.
//!
//! Reads (a case, the journal) go through this thread too, after the writes it took with
//! them: a read then sees exactly what was committed, never a world half through a batch,
//! and the store (whose API is synchronous and holds one connection) needs no second
//! connection. A read is cheap next to a commit, so this costs little throughput.

use super::metrics::Metrics;
use crate::store_cli::{run_batch, BATCH};
use crate::Line;
use docket::{Engine, Record, SealKey, Store, World};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};

/// A request to the writer thread, with where to send its answer.
pub(crate) enum Job {
    /// Lines of one request body, as `docket run` reads them: journaled when accepted. The
    /// answer: one record per line, in order, once every accepted line is committed.
    Events {
        lines: Vec<Line>,
        reply: oneshot::Sender<Result<Vec<Record>, String>>,
    },
    /// What one line would do, nothing kept.
    Evaluate {
        line: String,
        reply: oneshot::Sender<Record>,
    },
    /// A case as JSON, sensitive values masked; `None`: there is no such case.
    Case {
        case_type: String,
        key: String,
        reply: oneshot::Sender<Option<String>>,
    },
    /// The open deadlines due before `before` (all without it), at most `limit`: JSON.
    Due {
        before: Option<jiff::Timestamp>,
        limit: usize,
        reply: oneshot::Sender<String>,
    },
}

impl Job {
    /// How many lines the job adds to a batch.
    fn lines(&self) -> usize {
        match self {
            Job::Events { lines, .. } => lines.len(),
            _ => 0,
        }
    }
}

/// What the writer thread owns.
pub(crate) struct Writer {
    pub engine: Arc<Engine>,
    pub spec: String,
    pub key: SealKey,
    pub store: Store,
    pub world: World,
    /// The last journal row committed, for the long polls of the journal feed.
    pub committed: watch::Sender<i64>,
    /// When the world's next deadline is due, for `--clock wall`.
    pub due: watch::Sender<Option<jiff::Timestamp>>,
    pub metrics: Arc<Metrics>,
}

impl Writer {
    /// Serves jobs until every sender is dropped (the server has stopped and its requests
    /// are answered): what was taken is committed and answered before it returns. `Err`
    /// when the store failed and could not be opened again.
    pub(crate) fn run(mut self, mut jobs: mpsc::Receiver<Job>) -> Result<(), String> {
        let mut taken = Vec::new();
        while let Some(first) = jobs.blocking_recv() {
            let mut lines = first.lines();
            taken.push(first);
            // group commit: whatever else is queued already, up to a batch of lines
            while lines < BATCH {
                match jobs.try_recv() {
                    Ok(job) => {
                        lines += job.lines();
                        taken.push(job);
                    }
                    Err(_) => break,
                }
            }
            self.serve(&mut taken)?;
        }
        Ok(())
    }

    /// Answers the jobs taken: the writes first, as one batch, then the reads.
    fn serve(&mut self, taken: &mut Vec<Job>) -> Result<(), String> {
        let mut writes = Vec::new();
        let mut reads = Vec::new();
        for job in taken.drain(..) {
            match job {
                Job::Events { lines, reply } => writes.push((lines, reply)),
                other => reads.push(other),
            }
        }
        let wrote = !writes.is_empty();
        let mut failed = self.write(writes);
        if !wrote && !reads.is_empty() {
            // another process may have written to the store (a second service on one
            // PostgreSQL store): reads see its commits too (a batch catches up by itself)
            if let Err(e) = self.store.refresh(&self.engine, &mut self.world) {
                failed = Some(format!("cannot read the store: {e}"));
            }
        }
        // the world may be part way through what failed: it is read afresh before the reads
        let reopened = match failed {
            Some(e) => self.reopen(&e),
            None => Ok(()),
        };
        if reopened.is_ok() {
            for job in reads {
                self.read(job);
            }
        }
        self.publish();
        reopened
    }

    /// Runs the lines of every request in order, in transactions of at most [`BATCH`]
    /// lines, and answers each request once all of its lines are committed. On a store
    /// error, the requests not wholly committed are told so, and the error is returned.
    #[expect(
        clippy::type_complexity,
        reason = "a request's lines and its reply, as the job held them"
    )]
    fn write(
        &mut self,
        writes: Vec<(Vec<Line>, oneshot::Sender<Result<Vec<Record>, String>>)>,
    ) -> Option<String> {
        let mut all: Vec<Line> = Vec::with_capacity(writes.iter().map(|w| w.0.len()).sum());
        let mut ends = Vec::with_capacity(writes.len());
        let mut replies = Vec::with_capacity(writes.len());
        for (lines, reply) in writes {
            all.extend(lines);
            ends.push(all.len());
            replies.push(reply);
        }
        let mut records: Vec<Record> = Vec::with_capacity(all.len());
        let mut failed = None;
        for chunk in all.chunks(BATCH) {
            let started = std::time::Instant::now();
            match run_batch(&self.engine, &mut self.store, &mut self.world, chunk, None) {
                Ok(done) => {
                    let refused = done.iter().filter(|r| r.is_error()).count() as u64;
                    let accepted = done.len() as u64 - refused;
                    let (seq, cases) = (self.store.seq(), self.world.len());
                    let took = started.elapsed();
                    self.metrics.commit(accepted, refused, took, seq, cases);
                    records.extend(done);
                }
                Err(e) => {
                    self.metrics.failed_commit();
                    failed = Some(e.to_string());
                    break;
                }
            }
        }
        // the next deadline is published before anyone is answered: the wall clock's ticker,
        // answered, looks at it at once, and a stale instant would make it tick again
        self.publish();
        let mut start = 0;
        let mut done = records.into_iter();
        for (end, reply) in ends.into_iter().zip(replies) {
            let n = end - start;
            let kept = done.len().min(n);
            let answer = if kept == n {
                Ok(done.by_ref().take(n).collect())
            } else {
                let _ = done.by_ref().take(kept).count();
                Err(format!(
                    "cannot write to the store: {} (of the {n} lines, the first {kept} were kept: `GET /v1/journal` shows them)",
                    failed.as_deref().unwrap_or("it stopped")
                ))
            };
            // a client gone away loses only its own copy of the answer
            let _ = reply.send(answer);
            start = end;
        }
        failed
    }

    fn read(&mut self, job: Job) {
        match job {
            Job::Events { .. } => {}
            Job::Evaluate { line, reply } => {
                let record = self
                    .engine
                    .evaluate_line_sealed(&self.world, 1, &line, &self.key);
                let _ = reply.send(record);
            }
            Job::Case {
                case_type,
                key,
                reply,
            } => {
                let _ = reply.send(self.engine.case_json(&self.world, &case_type, &key));
            }
            Job::Due {
                before,
                limit,
                reply,
            } => {
                let _ = reply.send(self.engine.due(&self.world, before, limit).to_json());
            }
        }
    }

    /// Tells the long polls of a new last row; only when it is new (a read must not wake
    /// them, or a poll would wake itself with its own read).
    fn publish(&self) {
        self.due.send_if_modified(|due| {
            let next = self.world.next_deadline();
            let new = *due != next;
            *due = next;
            new
        });
        let seq = self.store.seq();
        self.committed.send_if_modified(|last| {
            let new = *last != seq;
            *last = seq;
            new
        });
    }

    /// After a failed batch the world may hold part of it: it is read from the store again.
    fn reopen(&mut self, error: &str) -> Result<(), String> {
        crate::report(&format!(
            "docket serve: a batch failed ({error}); opening the store again"
        ));
        let (store, world) = Store::open(&self.spec, &self.engine, self.key.clone())
            .map_err(|e| format!("cannot open the store again: {e}"))?;
        self.store = store;
        self.world = world;
        self.publish();
        Ok(())
    }
}
