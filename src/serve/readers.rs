//! Journal reads of `docket serve`, off the writer thread: each on a connection of its own
//! (SQLite in WAL mode and PostgreSQL both let readers run beside the writer), on tokio's
//! blocking threads, so that a long history read never holds up a commit. A read sees what
//! was committed when its page was read, never part of a batch.

use docket::{JournalQuery, SealKey, Store};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// How many journal reads run at once; more wait their turn.
const READERS: usize = 4;

/// Idle connections to the store, opened as needed up to [`READERS`].
pub(crate) struct Readers {
    spec: String,
    key: SealKey,
    idle: Mutex<Vec<Store>>,
    turns: Semaphore,
}

/// The journal rows to read: [`JournalQuery`], owned.
pub(crate) struct Rows {
    pub since: i64,
    /// `(type, key)`: only that case's rows.
    pub case: Option<(String, String)>,
    pub limit: usize,
}

impl Readers {
    pub(crate) fn new(spec: String, key: SealKey) -> Arc<Readers> {
        Arc::new(Readers {
            spec,
            key,
            idle: Mutex::new(Vec::new()),
            turns: Semaphore::new(READERS),
        })
    }

    /// The rows `rows` selects, as `docket journal` prints them.
    pub(crate) async fn journal(self: &Arc<Self>, rows: Rows) -> Result<Vec<String>, String> {
        let _turn = self
            .turns
            .acquire()
            .await
            .map_err(|_| "the service is stopping".to_string())?;
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || me.read(&rows))
            .await
            .map_err(|e| format!("the journal read stopped: {e}"))?
    }

    fn read(&self, rows: &Rows) -> Result<Vec<String>, String> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut store = match idle {
            Some(store) => store,
            None => Store::attach(&self.spec, self.key.clone())
                .map_err(|e| format!("cannot read the store: {e}"))?,
        };
        let query = JournalQuery {
            since: rows.since,
            key: rows.case.as_ref().map(|c| c.1.as_str()),
            case_type: rows.case.as_ref().map(|c| c.0.as_str()),
            limit: Some(rows.limit),
        };
        let mut lines = Vec::new();
        let read = store.journal(query, &mut |line| {
            lines.push(line);
            Ok(())
        });
        match read {
            Ok(_) => {
                // a connection that failed is dropped, not reused
                if let Ok(mut idle) = self.idle.lock() {
                    idle.push(store);
                }
                Ok(lines)
            }
            Err(e) => Err(format!("cannot read the store: {e}")),
        }
    }
}
