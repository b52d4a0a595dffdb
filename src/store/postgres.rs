//! The PostgreSQL back end: a store in the current schema of a database (`postgres://…`),
//! one writer at a time under an advisory lock, readers on a snapshot.
//!
//! The lock: a writing transaction runs at READ COMMITTED and its first statement is
//! `pg_advisory_xact_lock`, which waits for the writer before it and is released only when
//! the transaction ends. PostgreSQL makes a commit visible before it releases the committing
//! transaction's locks, and at READ COMMITTED every later statement takes a fresh snapshot,
//! so every statement after the lock sees every commit made before the lock was granted
//! (REPEATABLE READ would be wrong here: its snapshot is taken by the first statement — the
//! lock call itself — before the wait). Every docket write holds the lock, so nothing changes
//! the store between two statements of a writer: the transaction sees one state, as if it
//! ran alone. An advisory lock needs no table, so it serialises the creation of a store in an
//! empty database too. Readers use a READ ONLY REPEATABLE READ transaction: one snapshot for
//! every statement (the journal, then the cases), without waiting for writers.
//!
//! Writes are buffered: journal rows and cases are sent as arrays in one `INSERT … SELECT
//! FROM unnest(…)` each, before the next read and at commit, so a batch of a thousand events
//! costs a handful of round trips rather than a thousand.

use super::{Backend, CaseRef, CaseRow, Kind, Meta, Row, StoreError, FORMAT, FORMAT_VERSION, R};
use postgres::types::ToSql;
use postgres::{Client, Config, NoTls, Statement};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

/// The advisory lock's first key (`docket` in ASCII, as an `int4`); the second is a hash of
/// the schema, so stores in two schemas of one database do not wait for each other.
const LOCK_CLASS: i32 = 0x646f_636b;

/// How long a writer waits for another's lock, and a connection for the server, before
/// giving up.
const LOCK_TIMEOUT: &str = "120s";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The tables of a store, as SQLite's (`sqlite.rs`) but for `ord`, which stands for SQLite's
/// `rowid`: the cases load in the order they were first written.
const SCHEMA: &str = "
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE policies (
    id BIGINT PRIMARY KEY,
    version TEXT NOT NULL,
    files TEXT NOT NULL
);
CREATE TABLE journal (
    seq BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    policy BIGINT NOT NULL REFERENCES policies(id),
    at TEXT,
    line TEXT,
    record TEXT,
    cases TEXT NOT NULL,
    recorded TEXT NOT NULL,
    target BIGINT
);
CREATE TABLE cases (
    type TEXT NOT NULL,
    key TEXT NOT NULL,
    data BYTEA NOT NULL,
    seq BIGINT NOT NULL,
    ord BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (type, key)
);
";

const APPEND: &str =
    "INSERT INTO journal (seq, kind, policy, at, line, record, cases, recorded, target) \
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], \
                          $6::text[], $7::text[], $8::text[], $9::bigint[])";

const PUT_CASES: &str = "INSERT INTO cases (type, key, data, seq) \
     SELECT t, k, d, s FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bigint[]) \
         WITH ORDINALITY AS u(t, k, d, s, n) ORDER BY n \
     ON CONFLICT (type, key) DO UPDATE SET data = excluded.data, seq = excluded.seq";

const JOURNAL: &str = "SELECT seq, kind, policy, at, line, record, cases, recorded, target \
     FROM journal WHERE seq > $1 ORDER BY seq LIMIT $2";

/// Our tables, and every other ordinary table, view or foreign table of the schema.
const TABLES: &str = "SELECT c.relname::text FROM pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')";

pub(crate) struct Postgres {
    client: Client,
    spec: String,
    /// Prepared statements, by their text (prepared once the tables exist).
    prepared: HashMap<&'static str, Statement>,
    /// Journal rows written but not yet sent.
    rows: Vec<Row>,
    /// Cases written but not yet sent, in order, one entry per case (the last write wins).
    cases: Vec<(CaseRow, i64)>,
    case_at: HashMap<(String, String), usize>,
}

/// The message of a driver error: the server's own words for a server error.
fn message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => match d.detail() {
            Some(detail) => format!("{} ({detail})", d.message()),
            None => d.message().to_string(),
        },
        None => e.to_string(),
    }
}

fn db(doing: &'static str) -> impl Fn(postgres::Error) -> StoreError {
    move |e| StoreError::db(doing, message(&e))
}

/// `spec` as it may be shown: the password of the URL (`user:secret@`, `?password=…`)
/// replaced by `***`.
pub(crate) fn redact_url(spec: &str) -> String {
    let Some((scheme, rest)) = spec.split_once("://") else {
        return spec.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

impl Postgres {
    /// Connects to the database `spec` names (`postgres://user@host:port/db`).
    pub(crate) fn open(spec: &str) -> R<Postgres> {
        let shown = redact_url(spec);
        let doing = format!("connect to the PostgreSQL server at `{shown}`");
        let mut config = Config::from_str(spec).map_err(|e| StoreError::Database {
            doing: doing.clone(),
            message: format!("the URL is not usable: {}", message(&e)),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("docket");
        }
        let mut client = config.connect(NoTls).map_err(|e| StoreError::Database {
            doing: doing.clone(),
            message: message(&e),
        })?;
        client
            .batch_execute(&format!("SET lock_timeout = '{LOCK_TIMEOUT}'"))
            .map_err(|e| StoreError::Database {
                doing,
                message: message(&e),
            })?;
        Ok(Postgres {
            client,
            spec: shown,
            prepared: HashMap::new(),
            rows: Vec::new(),
            cases: Vec::new(),
            case_at: HashMap::new(),
        })
    }

    /// The statement `sql`, prepared on first use.
    fn statement(&mut self, sql: &'static str, doing: &'static str) -> R<Statement> {
        if let Some(st) = self.prepared.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(sql).map_err(db(doing))?;
        self.prepared.insert(sql, st.clone());
        Ok(st)
    }

    /// Sends the buffered journal rows and cases.
    fn flush(&mut self) -> R<()> {
        if !self.rows.is_empty() {
            let rows = std::mem::take(&mut self.rows);
            let st = self.statement(APPEND, "write the journal")?;
            let seq: Vec<i64> = rows.iter().map(|r| r.seq).collect();
            let kind: Vec<&str> = rows.iter().map(|r| r.kind.name()).collect();
            let policy: Vec<i64> = rows.iter().map(|r| r.policy).collect();
            let at: Vec<Option<&str>> = rows.iter().map(|r| r.at.as_deref()).collect();
            let line: Vec<Option<&str>> = rows.iter().map(|r| r.line.as_deref()).collect();
            let record: Vec<Option<&str>> = rows.iter().map(|r| r.record.as_deref()).collect();
            let cases: Vec<&str> = rows.iter().map(|r| r.cases.as_str()).collect();
            let recorded: Vec<&str> = rows.iter().map(|r| r.recorded.as_str()).collect();
            let target: Vec<Option<i64>> = rows.iter().map(|r| r.target).collect();
            self.client
                .execute(
                    &st,
                    &[
                        &seq, &kind, &policy, &at, &line, &record, &cases, &recorded, &target,
                    ],
                )
                .map_err(db("write the journal"))?;
        }
        if !self.cases.is_empty() {
            let cases = std::mem::take(&mut self.cases);
            self.case_at.clear();
            let st = self.statement(PUT_CASES, "write the cases")?;
            let ty: Vec<&str> = cases.iter().map(|(c, _)| c.ty.as_str()).collect();
            let key: Vec<&str> = cases.iter().map(|(c, _)| c.key.as_str()).collect();
            let data: Vec<&[u8]> = cases.iter().map(|(c, _)| c.data.as_slice()).collect();
            let seq: Vec<i64> = cases.iter().map(|(_, s)| *s).collect();
            self.client
                .execute(&st, &[&ty, &key, &data, &seq])
                .map_err(db("write the cases"))?;
        }
        Ok(())
    }

    fn forget_writes(&mut self) {
        self.rows.clear();
        self.cases.clear();
        self.case_at.clear();
    }
}

impl Backend for Postgres {
    fn begin(&mut self, write: bool) -> R<()> {
        self.forget_writes();
        if write {
            // the lock first, then every statement at READ COMMITTED: see the module docs
            let locked = self.client.batch_execute(&format!(
                "BEGIN ISOLATION LEVEL READ COMMITTED; \
                 SELECT pg_advisory_xact_lock({LOCK_CLASS}, hashtext(coalesce(current_schema(), '')))"
            ));
            locked.map_err(|e| {
                let _ = self.client.batch_execute("ROLLBACK");
                StoreError::db("take the store's write lock", message(&e))
            })
        } else {
            self.client
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .map_err(db("start a transaction"))
        }
    }

    fn commit(&mut self) -> R<()> {
        if let Err(e) = self.flush() {
            self.rollback();
            return Err(e);
        }
        self.client.batch_execute("COMMIT").map_err(db("commit"))
    }

    fn rollback(&mut self) {
        self.forget_writes();
        let _ = self.client.batch_execute("ROLLBACK");
    }

    fn meta(&mut self) -> R<Option<Meta>> {
        self.flush()?;
        let tables: Vec<String> = self
            .client
            .query(TABLES, &[])
            .map_err(db("read the store"))?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if tables.is_empty() {
            return Ok(None);
        }
        if !["meta", "policies", "journal", "cases"]
            .iter()
            .all(|t| tables.iter().any(|x| x == t))
        {
            return Err(StoreError::Foreign(self.spec.clone()));
        }
        let st = self.statement(
            "SELECT name, value FROM meta",
            "read the store's bookkeeping",
        )?;
        let rows = self
            .client
            .query(&st, &[])
            .map_err(db("read the store's bookkeeping"))?;
        let mut meta = Meta::default();
        for row in rows {
            let name: String = row.try_get(0).map_err(db("read the store's bookkeeping"))?;
            let value: String = row.try_get(1).map_err(db("read the store's bookkeeping"))?;
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
        self.client
            .batch_execute(SCHEMA)
            .map_err(db("create the store"))?;
        self.set_meta("format", FORMAT)?;
        self.set_meta("format_version", &FORMAT_VERSION.to_string())?;
        self.set_meta("key_check", key_check)
    }

    fn set_meta(&mut self, name: &str, value: &str) -> R<()> {
        self.flush()?;
        let st = self.statement(
            "INSERT INTO meta (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            "write the store's bookkeeping",
        )?;
        self.client
            .execute(&st, &[&name, &value])
            .map(|_| ())
            .map_err(db("write the store's bookkeeping"))
    }

    fn last_seq(&mut self) -> R<i64> {
        self.flush()?;
        let st = self.statement(
            "SELECT coalesce(max(seq), 0)::bigint FROM journal",
            "read the journal",
        )?;
        self.client
            .query_one(&st, &[])
            .and_then(|r| r.try_get(0))
            .map_err(db("read the journal"))
    }

    fn journal(
        &mut self,
        after: i64,
        limit: Option<i64>,
        f: &mut dyn FnMut(Row) -> R<()>,
    ) -> R<()> {
        self.flush()?;
        let st = self.statement(JOURNAL, "read the journal")?;
        let mut rows = self
            .client
            .query_raw(&st, [&after as &dyn ToSql, &limit]) // `LIMIT NULL`: all
            .map_err(db("read the journal"))?;
        use postgres::fallible_iterator::FallibleIterator;
        while let Some(r) = rows.next().map_err(db("read the journal"))? {
            let get = db("read the journal");
            let kind: String = r.try_get(1).map_err(&get)?;
            f(Row {
                seq: r.try_get(0).map_err(&get)?,
                kind: Kind::parse(&kind).ok_or_else(|| {
                    StoreError::Damaged(format!("a journal row has the unknown kind `{kind}`"))
                })?,
                policy: r.try_get(2).map_err(&get)?,
                at: r.try_get(3).map_err(&get)?,
                line: r.try_get(4).map_err(&get)?,
                record: r.try_get(5).map_err(&get)?,
                cases: r.try_get(6).map_err(&get)?,
                recorded: r.try_get(7).map_err(&get)?,
                target: r.try_get(8).map_err(&get)?,
            })?;
        }
        Ok(())
    }

    fn append(&mut self, row: &Row) -> R<()> {
        self.rows.push(row.clone());
        Ok(())
    }

    fn put_case(&mut self, case: &CaseRow, seq: i64) -> R<()> {
        // one row per case in a statement: ON CONFLICT may not update a row twice
        let id = (case.ty.clone(), case.key.clone());
        let row = CaseRow {
            ty: case.ty.clone(),
            key: case.key.clone(),
            data: case.data.clone(),
        };
        match self.case_at.get(&id) {
            Some(&i) => self.cases[i] = (row, seq),
            None => {
                self.case_at.insert(id, self.cases.len());
                self.cases.push((row, seq));
            }
        }
        Ok(())
    }

    fn clear_cases(&mut self) -> R<()> {
        self.cases.clear();
        self.case_at.clear();
        self.flush()?;
        self.client
            .batch_execute("DELETE FROM cases")
            .map_err(db("clear the cases"))
    }

    fn upgrade(&mut self, from: i64) -> R<()> {
        if from < 2 {
            self.flush()?;
            self.client
                .batch_execute(
                    "ALTER TABLE cases ALTER COLUMN data TYPE BYTEA USING convert_to(data, 'UTF8')",
                )
                .map_err(db("upgrade the store"))?;
        }
        Ok(())
    }

    fn cases(&mut self, f: &mut dyn FnMut(CaseRef<'_>) -> R<()>) -> R<()> {
        self.flush()?;
        let st = self.statement(
            "SELECT type, key, data FROM cases ORDER BY ord",
            "read the cases",
        )?;
        let params: [i64; 0] = [];
        let mut rows = self
            .client
            .query_raw(&st, params)
            .map_err(db("read the cases"))?;
        use postgres::fallible_iterator::FallibleIterator;
        while let Some(r) = rows.next().map_err(db("read the cases"))? {
            let get = db("read the cases");
            // bytes, or the text of a store of layout 1 that no run has upgraded yet
            let data: &[u8] = match r.try_get::<_, &[u8]>(2) {
                Ok(d) => d,
                Err(_) => r.try_get::<_, &str>(2).map_err(&get)?.as_bytes(),
            };
            f(CaseRef {
                ty: r.try_get(0).map_err(&get)?,
                key: r.try_get(1).map_err(&get)?,
                data,
            })?;
        }
        Ok(())
    }

    fn policy(&mut self, id: i64) -> R<Option<(String, String)>> {
        self.flush()?;
        let st = self.statement(
            "SELECT version, files FROM policies WHERE id = $1",
            "read a policy",
        )?;
        let row = self
            .client
            .query_opt(&st, &[&id])
            .map_err(db("read a policy"))?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .transpose()
            .map_err(db("read a policy"))
    }

    fn add_policy(&mut self, version: &str, files: &str) -> R<i64> {
        self.flush()?;
        // numbered as SQLite numbers them (1, 2, …), without gaps: writers hold the lock
        let st = self.statement(
            "INSERT INTO policies (id, version, files) \
             SELECT coalesce(max(id), 0) + 1, $1, $2 FROM policies RETURNING id",
            "record the policy",
        )?;
        self.client
            .query_one(&st, &[&version, &files])
            .and_then(|r| r.try_get(0))
            .map_err(db("record the policy"))
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_never_shown() {
        assert_eq!(
            redact_url("postgres://ann:s3cret@db.example:5432/docket"),
            "postgres://ann:***@db.example:5432/docket"
        );
        assert_eq!(
            redact_url("postgresql://ann@127.0.0.1/docket?password=s3cret&sslmode=disable"),
            "postgresql://ann@127.0.0.1/docket?password=***&sslmode=disable"
        );
        assert_eq!(redact_url("postgres://a:b:c@h/d"), "postgres://a:***@h/d");
        assert_eq!(redact_url("postgres://h/d"), "postgres://h/d");
        assert_eq!(redact_url("postgres://p%40ss@h"), "postgres://p%40ss@h");
    }
}
