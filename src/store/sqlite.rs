//! The SQLite back end: a store in one file, written in WAL mode, one writer at a time
//! (`BEGIN IMMEDIATE` takes the write lock; others wait for it).

use super::{Backend, CaseRef, CaseRow, Kind, Meta, Row, StoreError, FORMAT, FORMAT_VERSION, R};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a writer waits for another's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

/// WAL pages after which a writer checkpoints itself (SQLite's default is 1000): only when
/// its [`Checkpointer`] falls behind, as the checkpointer copies the WAL after each commit.
const SELF_CHECKPOINT_PAGES: i64 = 8000;

pub(crate) struct Sqlite {
    conn: Connection,
    spec: String,
    path: PathBuf,
    /// Started at the first write: copies committed pages from the WAL into the database.
    checkpointer: Option<Checkpointer>,
}

/// Copies the WAL into the database file on a thread and connection of its own, after each
/// commit of the writer's, so that a commit does not wait for it (a checkpoint costs about as
/// much as the commit's own WAL writes). `PASSIVE`: it never blocks a writer or a reader, and
/// what it could not copy is copied the next time. A crash in the middle of one loses nothing:
/// the WAL still holds every committed page.
struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path) -> Checkpointer {
        // one pending wake-up is enough: commits while a checkpoint runs are coalesced
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        let path = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("docket-checkpoint".into())
            .spawn(move || {
                let Ok(conn) = Connection::open_with_flags(
                    &path,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                ) else {
                    return;
                };
                if conn.pragma_update(None, "synchronous", "FULL").is_err() {
                    return;
                }
                while woken.recv().is_ok() {
                    // a failed checkpoint is retried after the next commit, and the writer
                    // checkpoints itself past SELF_CHECKPOINT_PAGES
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .ok();
        Checkpointer {
            wake: thread.as_ref().map(|_| wake),
            thread,
        }
    }

    fn poke(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // closing the channel ends the thread once its checkpoint in hand is done
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn db(doing: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::db(doing, e)
}

impl Sqlite {
    /// Opens the store in `path`; a missing file is created when `create` says so.
    pub(crate) fn open(path: &str, spec: &str, create: bool) -> R<Sqlite> {
        let p = std::path::Path::new(path);
        if !create && !p.exists() {
            return Err(StoreError::Refused(format!(
                "there is no store at `{spec}`: `docket run --store {spec}` creates one"
            )));
        }
        if let Ok(meta) = std::fs::metadata(p) {
            if meta.is_dir() {
                return Err(StoreError::Foreign(spec.to_string()));
            }
            // a file that is not an SQLite database is refused before SQLite touches it
            if meta.len() > 0 {
                let mut head = [0u8; 16];
                use std::io::Read;
                let read = std::fs::File::open(p)
                    .and_then(|mut f| f.read_exact(&mut head))
                    .is_ok();
                if !read || &head != b"SQLite format 3\0" {
                    return Err(StoreError::Foreign(spec.to_string()));
                }
            }
        } else if p
            .parent()
            .is_some_and(|d| !d.as_os_str().is_empty() && !d.is_dir())
        {
            return Err(StoreError::db(
                "create the store",
                format!("the directory of `{path}` does not exist"),
            ));
        }
        let conn = Connection::open_with_flags(
            p,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db("open the store"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // the store holds cases and their (sealed) values: its owner's only
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600));
        }
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(db("open the store"))?;
        // FULL: a commit is on disk when it returns.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(db("open the store"))?;
        // WAL (readers do not block the writer) is set once, in a new database: it changes
        // the file, and a file that is not ours is left as it was.
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| foreign_or(spec, "open the store", e))?;
        if tables == 0 && create {
            to_wal(&conn).map_err(|e| foreign_or(spec, "open the store", e))?;
        }
        Ok(Sqlite {
            conn,
            spec: spec.to_string(),
            path: p.to_path_buf(),
            checkpointer: None,
        })
    }

    fn exec(&self, sql: &str, doing: &'static str) -> R<()> {
        self.conn.execute_batch(sql).map_err(db(doing))
    }
}

/// Switches a new database to WAL. The switch reads the file and then writes it, and when
/// another process switches the same new file at the same moment, SQLite answers "database
/// is locked" at once instead of calling the busy handler (waiting there could deadlock the
/// two): the switch is tried again, a few milliseconds later, until [`BUSY_TIMEOUT`]. A file
/// another process switched already is left as it is (the switch is then a no-op).
fn to_wal(conn: &Connection) -> rusqlite::Result<()> {
    const PAUSE: Duration = Duration::from_millis(5);
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(PAUSE);
            }
            done => return done,
        }
    }
}

/// "file is not a database" and the like mean a foreign file, not a broken connection.
fn foreign_or(spec: &str, doing: &'static str, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) | Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
            StoreError::Foreign(spec.to_string())
        }
        _ => StoreError::db(doing, e),
    }
}

const SCHEMA: &str = "
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE policies (
    id INTEGER PRIMARY KEY,
    version TEXT NOT NULL,
    files TEXT NOT NULL
);
CREATE TABLE journal (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    policy INTEGER NOT NULL REFERENCES policies(id),
    at TEXT,
    line TEXT,
    record TEXT,
    cases TEXT NOT NULL,
    recorded TEXT NOT NULL,
    target INTEGER
);
CREATE TABLE cases (
    type TEXT NOT NULL,
    key TEXT NOT NULL,
    data BLOB NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (type, key)
);
";

/// Column `i` of `r`, a text.
fn row_text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> R<&'r str> {
    r.get_ref(i)
        .and_then(|v| v.as_str().map_err(Into::into))
        .map_err(db("read the cases"))
}

impl Backend for Sqlite {
    fn begin(&mut self, write: bool) -> R<()> {
        if write && self.checkpointer.is_none() {
            self.conn
                .pragma_update(None, "wal_autocheckpoint", SELF_CHECKPOINT_PAGES)
                .map_err(|e| foreign_or(&self.spec, "start a transaction", e))?;
            self.checkpointer = Some(Checkpointer::start(&self.path));
        }
        let sql = if write {
            "BEGIN IMMEDIATE"
        } else {
            "BEGIN DEFERRED"
        };
        self.conn
            .execute_batch(sql)
            .map_err(|e| foreign_or(&self.spec, "start a transaction", e))
    }

    fn commit(&mut self) -> R<()> {
        self.exec("COMMIT", "commit")?;
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.poke();
        }
        Ok(())
    }

    fn rollback(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }

    fn meta(&mut self) -> R<Option<Meta>> {
        let tables: Vec<String> = {
            let mut st = self
                .conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
                .map_err(|e| foreign_or(&self.spec, "read the store", e))?;
            let rows = st
                .query_map([], |r| r.get(0))
                .map_err(|e| foreign_or(&self.spec, "read the store", e))?;
            rows.collect::<Result<_, _>>()
                .map_err(|e| foreign_or(&self.spec, "read the store", e))?
        };
        if tables.is_empty() {
            return Ok(None);
        }
        if !["meta", "policies", "journal", "cases"]
            .iter()
            .all(|t| tables.iter().any(|x| x == t))
        {
            return Err(StoreError::Foreign(self.spec.clone()));
        }
        let mut meta = Meta::default();
        let mut st = self
            .conn
            .prepare("SELECT name, value FROM meta")
            .map_err(db("read the store's bookkeeping"))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(db("read the store's bookkeeping"))?;
        for row in rows {
            let (name, value) = row.map_err(db("read the store's bookkeeping"))?;
            match name.as_str() {
                "format" => meta.format = value,
                "format_version" => {
                    meta.version = value.parse().map_err(|_| {
                        StoreError::Damaged("the layout version is not a number".into())
                    })?
                }
                "key_check" => meta.key_check = value,
                "policy" => {
                    meta.policy = Some(value.parse().map_err(|_| {
                        StoreError::Damaged("the policy in force is not a number".into())
                    })?)
                }
                "clock" => meta.clock = Some(value).filter(|v| !v.is_empty()),
                "input" => meta.input = Some(value),
                _ => {}
            }
        }
        Ok(Some(meta))
    }

    fn create(&mut self, key_check: &str) -> R<()> {
        self.exec(SCHEMA, "create the store")?;
        self.set_meta("format", FORMAT)?;
        self.set_meta("format_version", &FORMAT_VERSION.to_string())?;
        self.set_meta("key_check", key_check)
    }

    fn set_meta(&mut self, name: &str, value: &str) -> R<()> {
        self.conn
            .prepare_cached("INSERT INTO meta (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
            .and_then(|mut st| st.execute(params![name, value]))
            .map(|_| ())
            .map_err(db("write the store's bookkeeping"))
    }

    fn last_seq(&mut self) -> R<i64> {
        self.conn
            .query_row("SELECT coalesce(max(seq), 0) FROM journal", [], |r| {
                r.get(0)
            })
            .map_err(db("read the journal"))
    }

    fn journal(
        &mut self,
        after: i64,
        limit: Option<i64>,
        f: &mut dyn FnMut(Row) -> R<()>,
    ) -> R<()> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT seq, kind, policy, at, line, record, cases, recorded, target \
                 FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(db("read the journal"))?;
        // a negative limit: no limit
        let mut rows = st
            .query(params![after, limit.unwrap_or(-1)])
            .map_err(db("read the journal"))?;
        while let Some(r) = rows.next().map_err(db("read the journal"))? {
            let kind: String = r.get(1).map_err(db("read the journal"))?;
            let row = Row {
                seq: r.get(0).map_err(db("read the journal"))?,
                kind: Kind::parse(&kind).ok_or_else(|| {
                    StoreError::Damaged(format!("a journal row has the unknown kind `{kind}`"))
                })?,
                policy: r.get(2).map_err(db("read the journal"))?,
                at: r.get(3).map_err(db("read the journal"))?,
                line: r.get(4).map_err(db("read the journal"))?,
                record: r.get(5).map_err(db("read the journal"))?,
                cases: r.get(6).map_err(db("read the journal"))?,
                recorded: r.get(7).map_err(db("read the journal"))?,
                target: r.get(8).map_err(db("read the journal"))?,
            };
            f(row)?;
        }
        Ok(())
    }

    fn append(&mut self, row: &Row) -> R<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO journal (seq, kind, policy, at, line, record, cases, recorded, target) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    row.seq,
                    row.kind.name(),
                    row.policy,
                    row.at,
                    row.line,
                    row.record,
                    row.cases,
                    row.recorded,
                    row.target
                ])
            })
            .map(|_| ())
            .map_err(db("write the journal"))
    }

    fn put_case(&mut self, case: &CaseRow, seq: i64) -> R<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO cases (type, key, data, seq) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (type, key) DO UPDATE SET data = excluded.data, seq = excluded.seq",
            )
            .and_then(|mut st| st.execute(params![case.ty, case.key, case.data, seq]))
            .map(|_| ())
            .map_err(db("write a case"))
    }

    fn clear_cases(&mut self) -> R<()> {
        self.exec("DELETE FROM cases", "clear the cases")
    }

    fn cases(&mut self, f: &mut dyn FnMut(CaseRef<'_>) -> R<()>) -> R<()> {
        let mut st = self
            .conn
            .prepare_cached("SELECT type, key, data FROM cases ORDER BY rowid")
            .map_err(db("read the cases"))?;
        let mut rows = st.query([]).map_err(db("read the cases"))?;
        while let Some(r) = rows.next().map_err(db("read the cases"))? {
            let data = match r.get_ref(2).map_err(db("read the cases"))? {
                ValueRef::Blob(b) => b,
                ValueRef::Text(t) => t,
                _ => return Err(StoreError::Damaged("a case's data is not data".into())),
            };
            f(CaseRef {
                ty: row_text(r, 0)?,
                key: row_text(r, 1)?,
                data,
            })?;
        }
        Ok(())
    }

    fn cases_hint(&mut self) -> R<usize> {
        // rows are never deleted one by one: the last rowid is about their number
        self.conn
            .query_row("SELECT coalesce(max(rowid), 0) FROM cases", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(db("read the cases"))
    }

    fn upgrade(&mut self, _from: i64) -> R<()> {
        // layout 1 differs in the cases' data only, which an SQLite column takes either way
        Ok(())
    }

    fn policy(&mut self, id: i64) -> R<Option<(String, String)>> {
        self.conn
            .query_row(
                "SELECT version, files FROM policies WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db("read a policy"))
    }

    fn add_policy(&mut self, version: &str, files: &str) -> R<i64> {
        self.conn
            .execute(
                "INSERT INTO policies (version, files) VALUES (?1, ?2)",
                params![version, files],
            )
            .map_err(db("record the policy"))?;
        Ok(self.conn.last_insert_rowid())
    }
}
