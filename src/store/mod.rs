//! A durable world: a journal of accepted events (the audit trail and the source of truth)
//! and the cases as the journal left them, in a database behind a small [`Backend`] trait.
//!
//! Every write happens in a transaction that holds the store's write lock: it first catches
//! up with what other processes committed (from the journal), then evaluates, then writes the
//! journal rows and the cases those events changed. Sensitive values are sealed with the
//! store's key when an event is parsed, so neither the journal nor the cases hold them in
//! clear.

use crate::engine::{Engine, WorldError};
use crate::outcome::{push_json_str, Record};
use crate::persist::{case_json, encode_case, MAGIC};
use crate::seal::{is_sealed, SealKey, Sealing};
use crate::value::CaseId;
use crate::world::{CaseData, World};
use serde_json::Value as J;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

mod postgres;
mod sqlite;

/// What a store's `meta` table says it is: refused unless it says this.
pub(crate) const FORMAT: &str = "docket-store";
/// The version of the store's layout this build reads and writes.
/// 2: cases in binary form (`persist::encode_case`); 1 held them as JSON text, read still
/// and rewritten when a run first opens the store.
pub(crate) const FORMAT_VERSION: i64 = 2;

/// Why a store could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or used (the driver's message, with what was done).
    #[error("cannot {doing}: {message}")]
    Database {
        /// What docket was doing.
        doing: String,
        /// The database's own message.
        message: String,
    },
    /// The file or database is not a docket store.
    #[error("`{0}` is not a docket store (it holds other data, or is damaged); give a new path to start a store there")]
    Foreign(String),
    /// The store was written by a newer docket.
    #[error("the store `{spec}` has layout version {found}; this docket reads version {FORMAT_VERSION}: use a newer docket")]
    Newer {
        /// The store.
        spec: String,
        /// Its layout version.
        found: i64,
    },
    /// The key given does not seal as the store's key does.
    #[error(
        "the key does not match the store `{0}`: its sensitive values were sealed with another key"
    )]
    WrongKey(String),
    /// Something the store holds is not what this docket writes (a hand edit, damage).
    #[error("the store is damaged: {0}")]
    Damaged(String),
    /// A case the store holds does not load under the policy.
    #[error("the store's cases do not load: {0}")]
    World(#[from] WorldError),
    /// The policy changed in a way that is refused, or a migration failed.
    #[error("{0}")]
    Policy(String),
    /// A request that cannot be done (e.g. rewinding past a policy change).
    #[error("{0}")]
    Refused(String),
}

impl StoreError {
    pub(crate) fn db(doing: &str, e: impl std::fmt::Display) -> StoreError {
        StoreError::Database {
            doing: doing.to_string(),
            message: e.to_string(),
        }
    }
}

type R<T> = Result<T, StoreError>;

/// What a journal row records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An accepted event.
    Event,
    /// The policy version changed from here on (the first row of every store is one).
    Policy,
    /// The world was set back to what it was after an earlier row.
    Rewind,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Event => "event",
            Kind::Policy => "policy",
            Kind::Rewind => "rewind",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "event" => Kind::Event,
            "policy" => Kind::Policy,
            "rewind" => Kind::Rewind,
            _ => return None,
        })
    }
}

/// One journal row.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub seq: i64,
    pub kind: Kind,
    /// The policy (an id in the store's `policies`) in force.
    pub policy: i64,
    /// The event's `at` (events), or the clock at the time (others).
    pub at: Option<String>,
    /// The event as a JSON line, sensitive values sealed (events).
    pub line: Option<String>,
    /// The output record (events), or a note (policy changes, rewinds).
    pub record: Option<String>,
    /// The cases it changed, `[[type, key], …]` as JSON.
    pub cases: String,
    /// When it was recorded (wall clock, for the audit trail only: nothing decides by it).
    pub recorded: String,
    /// For a rewind: the row whose world was restored.
    pub target: Option<i64>,
}

/// One stored case.
pub(crate) struct CaseRow {
    pub ty: String,
    pub key: String,
    /// The case in binary form (`persist::encode_case`; a store of layout 1: its JSON).
    pub data: Vec<u8>,
}

/// One stored case as a back end reads it, borrowed.
pub(crate) struct CaseRef<'a> {
    pub ty: &'a str,
    pub key: &'a str,
    pub data: &'a [u8],
}

/// A store's bookkeeping.
#[derive(Clone, Debug, Default)]
pub(crate) struct Meta {
    pub format: String,
    pub version: i64,
    pub key_check: String,
    /// The policy in force (`policies.id`).
    pub policy: Option<i64>,
    /// The world's clock (RFC 3339), as the journal left it.
    pub clock: Option<String>,
    /// What the last batch's writer recorded of its input, to resume it after a crash
    /// ([`Store::run_batch_marked`]); opaque to the store.
    pub input: Option<String>,
}

/// A database holding a store. Each call runs inside the transaction [`Backend::begin`]
/// opened; nothing is visible to others before [`Backend::commit`].
pub(crate) trait Backend: Send {
    /// Opens a transaction; `write` takes the store's write lock (waiting for it) and makes
    /// the whole transaction see every commit before it.
    fn begin(&mut self, write: bool) -> R<()>;
    fn commit(&mut self) -> R<()>;
    fn rollback(&mut self);
    /// The store's bookkeeping; `None` when the database holds no docket store and nothing
    /// else either (a new store); [`StoreError::Foreign`] when it holds something else.
    fn meta(&mut self) -> R<Option<Meta>>;
    /// Creates the tables of a new store.
    fn create(&mut self, key_check: &str) -> R<()>;
    fn set_meta(&mut self, name: &str, value: &str) -> R<()>;
    /// The largest sequence number in the journal (0 when empty).
    fn last_seq(&mut self) -> R<i64>;
    /// The journal rows after `after`, in order: every one (`limit` `None`), or the first
    /// `limit`.
    fn journal(&mut self, after: i64, limit: Option<i64>, f: &mut dyn FnMut(Row) -> R<()>)
        -> R<()>;
    fn append(&mut self, row: &Row) -> R<()>;
    fn put_case(&mut self, case: &CaseRow, seq: i64) -> R<()>;
    fn clear_cases(&mut self) -> R<()>;
    /// Every stored case.
    fn cases(&mut self, f: &mut dyn FnMut(CaseRef<'_>) -> R<()>) -> R<()>;
    /// About how many cases there are, when that is cheap to tell (0: unknown).
    fn cases_hint(&mut self) -> R<usize> {
        Ok(0)
    }
    /// Brings the tables of a store of layout `from` to this build's (the bookkeeping and
    /// the cases' data are the caller's).
    fn upgrade(&mut self, from: i64) -> R<()>;
    /// A policy's version and files.
    fn policy(&mut self, id: i64) -> R<Option<(String, String)>>;
    /// Adds a policy version (its files as JSON `[[name, text], …]`); returns its id.
    fn add_policy(&mut self, version: &str, files: &str) -> R<i64>;
}

/// A durable world: see the module documentation.
pub struct Store {
    db: Box<dyn Backend>,
    spec: String,
    key: SealKey,
    /// The policy in force, as the store numbers it.
    policy: i64,
    /// The last journal row the world in memory reflects.
    seq: i64,
    /// Policies loaded from the store, by id (replays of older versions).
    engines: HashMap<i64, Arc<Engine>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("spec", &self.spec)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// The `[[type, key], …]` list of a row's cases.
/// The case `id` of `world` as a store row (`None`: there is no such case).
fn case_row(engine: &Engine, world: &World, id: CaseId) -> Option<CaseRow> {
    let c = world.cases.get(id as usize)?;
    let mut data = Vec::with_capacity(256);
    encode_case(engine.program(), c, &mut data)?;
    let ty = engine.case_names().get(c.ty.index()).copied().unwrap_or("");
    Some(CaseRow {
        ty: ty.to_string(),
        key: c.key.to_string(),
        data,
    })
}

fn cases_list(engine: &Engine, world: &World, ids: &BTreeSet<CaseId>) -> String {
    let mut out = String::with_capacity(2 + 32 * ids.len());
    out.push('[');
    for (i, c) in ids
        .iter()
        .filter_map(|id| world.cases.get(*id as usize))
        .enumerate()
    {
        if i > 0 {
            out.push(',');
        }
        let ty = engine.case_names().get(c.ty.index()).copied().unwrap_or("");
        out.push('[');
        push_json_str(&mut out, ty);
        out.push(',');
        push_json_str(&mut out, c.key.as_str());
        out.push(']');
    }
    out.push(']');
    out
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// How many journal rows [`Store::journal`] reads at a time.
const JOURNAL_PAGE: i64 = 1024;

/// Which journal rows [`Store::journal`] writes: those after `since`, touching the case
/// `key` (of type `case_type`, when given) if `key` is given, at most `limit` of them.
#[derive(Clone, Copy, Debug, Default)]
pub struct JournalQuery<'a> {
    /// Rows after this one (a cursor: the last row a reader has seen).
    pub since: i64,
    /// Only rows that changed a case with this key…
    pub key: Option<&'a str>,
    /// …of this case type (any type when `None`).
    pub case_type: Option<&'a str>,
    /// At most this many rows (`None`: every one).
    pub limit: Option<usize>,
}

impl JournalQuery<'_> {
    /// Whether a row that changed `cases` (`[[type, key], …]`) is selected.
    fn touches(&self, cases: &J) -> bool {
        let Some(key) = self.key else {
            return true;
        };
        cases.as_array().is_some_and(|list| {
            list.iter().any(|c| {
                c.get(1).and_then(J::as_str) == Some(key)
                    && self
                        .case_type
                        .is_none_or(|ty| c.get(0).and_then(J::as_str) == Some(ty))
            })
        })
    }
}

/// A journal row as `docket journal` shows it, the policy's version `version`, sensitive
/// values masked.
fn journal_line(row: Row, version: &str, cases: J) -> J {
    let mut obj = serde_json::Map::new();
    obj.insert("seq".into(), J::from(row.seq));
    obj.insert("kind".into(), J::from(row.kind.name()));
    obj.insert("policy".into(), J::from(version));
    obj.insert("recorded".into(), J::from(row.recorded));
    if let Some(at) = row.at {
        obj.insert("at".into(), J::from(at));
    }
    if let Some(line) = &row.line {
        let mut event: J = serde_json::from_str(line).unwrap_or(J::Null);
        redact(&mut event);
        obj.insert("event".into(), event);
    }
    if let Some(record) = &row.record {
        let mut record: J = serde_json::from_str(record).unwrap_or(J::Null);
        redact(&mut record);
        let name = if row.kind == Kind::Event {
            "record"
        } else {
            "note"
        };
        obj.insert(name.into(), record);
    }
    if let Some(t) = row.target {
        obj.insert("to".into(), J::from(t));
    }
    obj.insert("cases".into(), cases);
    J::Object(obj)
}

/// The files of a policy as a store keeps them (`[[name, text], …]`).
fn files_json(engine: &Engine) -> String {
    engine.policy_json()["files"].to_string()
}

impl Store {
    /// `spec` as messages show it: a PostgreSQL URL without its password.
    pub fn shown_spec(spec: &str) -> String {
        if is_postgres(spec) {
            postgres::redact_url(spec)
        } else {
            spec.to_string()
        }
    }

    /// Opens the store `spec` (`sqlite:PATH` or a path, or `postgres://…`) with `key`,
    /// creating it if it does not exist, and loads its world under `engine`'s policy.
    pub fn open(spec: &str, engine: &Engine, key: SealKey) -> Result<(Store, World), StoreError> {
        let db = connect(spec, true)?;
        let mut store = Store {
            db,
            spec: Store::shown_spec(spec),
            key,
            policy: 0,
            seq: 0,
            engines: HashMap::new(),
        };
        store.db.begin(true)?;
        match store.open_in_tx(engine) {
            Ok(world) => {
                store.db.commit()?;
                Ok((store, world))
            }
            Err(e) => {
                store.db.rollback();
                Err(e)
            }
        }
    }

    /// Whether `spec` names an existing docket store: `false` when there is none yet (no
    /// file, or an empty database); an error when it holds something else or is damaged.
    /// Needs no key.
    pub fn exists(spec: &str) -> Result<bool, StoreError> {
        let mut db = match connect(spec, false) {
            Ok(db) => db,
            Err(StoreError::Refused(_)) => return Ok(false),
            Err(e) => return Err(e),
        };
        db.begin(false)?;
        let meta = db.meta();
        db.rollback();
        match meta? {
            None => Ok(false),
            Some(meta) if meta.format != FORMAT => Err(StoreError::Foreign(spec.to_string())),
            Some(meta) if meta.version > FORMAT_VERSION => Err(StoreError::Newer {
                spec: spec.to_string(),
                found: meta.version,
            }),
            Some(_) => Ok(true),
        }
    }

    /// Opens an existing store `spec` with `key` without loading its world, for reading its
    /// journal, checking it or rewinding it under the policies it keeps.
    pub fn attach(spec: &str, key: SealKey) -> Result<Store, StoreError> {
        let db = connect(spec, false)?;
        let spec = Store::shown_spec(spec);
        let mut store = Store {
            db,
            spec: spec.clone(),
            key,
            policy: 0,
            seq: 0,
            engines: HashMap::new(),
        };
        store.db.begin(false)?;
        let result = store.db.meta().and_then(|meta| match meta {
            None => Err(StoreError::Refused(format!(
                "there is no store at `{spec}`: `docket run --store {spec}` creates one"
            ))),
            Some(meta) => {
                store.check_meta(&meta)?;
                store.policy = meta.policy.unwrap_or(0);
                store.seq = store.db.last_seq()?;
                Ok(())
            }
        });
        store.db.rollback();
        result.map(|()| store)
    }

    fn open_in_tx(&mut self, engine: &Engine) -> R<World> {
        let meta = match self.db.meta()? {
            Some(meta) => meta,
            None => {
                self.db.create(&self.key.check_value())?;
                self.db
                    .meta()?
                    .ok_or_else(|| StoreError::Damaged("the new store has no bookkeeping".into()))?
            }
        };
        self.check_meta(&meta)?;
        self.seq = self.db.last_seq()?;
        let from = meta.version;
        if from < FORMAT_VERSION {
            self.db.upgrade(from)?;
        }
        let world = self.open_policy(engine, meta)?;
        if from < FORMAT_VERSION {
            // every case in this build's form (a changed policy has rewritten them already)
            self.db.clear_cases()?;
            let all: BTreeSet<CaseId> = (0..world.cases.len() as CaseId).collect();
            self.write_cases(engine, &world, &all)?;
            self.db
                .set_meta("format_version", &FORMAT_VERSION.to_string())?;
        }
        Ok(world)
    }

    /// Refuses a store of another format, a newer layout, or another key.
    fn check_meta(&self, meta: &Meta) -> R<()> {
        if meta.format != FORMAT {
            return Err(StoreError::Foreign(self.spec.clone()));
        }
        if meta.version > FORMAT_VERSION {
            return Err(StoreError::Newer {
                spec: self.spec.clone(),
                found: meta.version,
            });
        }
        if meta.key_check != self.key.check_value() {
            return Err(StoreError::WrongKey(self.spec.clone()));
        }
        Ok(())
    }

    fn open_policy(&mut self, engine: &Engine, meta: Meta) -> R<World> {
        match meta.policy {
            None => {
                // a new store: its first row names the policy
                self.policy = self.db.add_policy(engine.version(), &files_json(engine))?;
                self.append_note(Kind::Policy, None, "the store's first policy", None)?;
                self.db.set_meta("policy", &self.policy.to_string())?;
                Ok(World::new())
            }
            Some(id) => {
                self.policy = id;
                let (version, _) = self.db.policy(id)?.ok_or_else(|| {
                    StoreError::Damaged(format!("the policy in force (number {id}) is missing"))
                })?;
                if version == engine.version() {
                    self.load_cases(engine, meta.clock.as_deref())
                } else {
                    let (world, _) = self.change_policy(engine, meta.clock.as_deref(), false)?;
                    Ok(world)
                }
            }
        }
    }

    /// Moves the store from the policy in force to `engine`'s: its cases migrated (what the
    /// policy declares, and compatible changes), the change journaled with its plan. Refused,
    /// with every problem, when the change would lose or misread data. With `dry_run`, only
    /// the plan. Runs inside the caller's write transaction.
    fn change_policy(
        &mut self,
        engine: &Engine,
        clock: Option<&str>,
        dry_run: bool,
    ) -> R<(World, String)> {
        let old = self.engine_for(self.policy)?;
        let world = self.load_cases(&old, clock)?;
        let (world, plan) = engine.migrate_world(&old, &world).map_err(|e| {
            StoreError::Policy(format!(
                "the store `{}` was run with another version of the policy ({}…), and this one ({}…) cannot take its cases as they are:\n{e}",
                Store::shown_spec(&self.spec),
                &old.version()[..12],
                &engine.version()[..12],
            ))
        })?;
        let report = if plan.is_empty() {
            "no stored data changes".to_string()
        } else {
            plan.to_string()
        };
        if dry_run {
            return Ok((world, report));
        }
        self.policy = self.db.add_policy(engine.version(), &files_json(engine))?;
        let at = world.clock.map(|c| c.to_string());
        self.append_note(
            Kind::Policy,
            at,
            &format!(
                "the policy changed from version {}: {report}",
                old.version()
            ),
            None,
        )?;
        self.db.set_meta("policy", &self.policy.to_string())?;
        self.db.clear_cases()?;
        let all: BTreeSet<CaseId> = (0..world.cases.len() as CaseId).collect();
        self.write_cases(engine, &world, &all)?;
        let mut world = world;
        engine.adopt(&mut world);
        Ok((world, report))
    }

    /// What moving an existing store to `engine`'s policy changes (`dry_run`: nothing is
    /// written), or done: the report, one line per change. Nothing to do when the store runs
    /// this version already.
    pub fn migrate(&mut self, engine: &Engine, dry_run: bool) -> Result<String, StoreError> {
        self.db.begin(true)?;
        let result = (|| {
            let meta = self.db.meta()?.unwrap_or_default();
            self.policy = meta.policy.unwrap_or(self.policy);
            let current = self.engine_for(self.policy)?;
            if current.version() == engine.version() {
                return Ok("the store runs this version of the policy already".to_string());
            }
            self.seq = self.db.last_seq()?;
            self.change_policy(engine, meta.clock.as_deref(), dry_run)
                .map(|(_, report)| report)
        })();
        match result {
            Ok(report) if !dry_run => {
                self.db.commit()?;
                Ok(report)
            }
            Ok(report) => {
                self.db.rollback();
                Ok(report)
            }
            Err(e) => {
                self.db.rollback();
                Err(e)
            }
        }
    }

    /// The stored cases, loaded and checked under `engine`.
    fn load_cases(&mut self, engine: &Engine, clock: Option<&str>) -> R<World> {
        let clock = clock
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.parse::<jiff::Timestamp>()
                    .map_err(|_| StoreError::Damaged("the clock is not an instant".into()))
            })
            .transpose()?;
        let key = self.key.clone();
        let expected = self.db.cases_hint()?;
        let db = &mut self.db;
        let mut world = crate::persist::build(
            engine.program(),
            clock,
            Some(&key),
            expected,
            |loader, add| {
                let mut i = 0;
                let mut last_ty: Option<(String, crate::program::CaseTypeId)> = None;
                db.cases(&mut |row| {
                    let case = if row.data.first() == Some(&MAGIC) {
                        let ty = match &last_ty {
                            Some((name, ty)) if name == row.ty => *ty,
                            _ => {
                                let ty = loader.case_type(i, Some(row.ty))?;
                                last_ty = Some((row.ty.to_string(), ty));
                                ty
                            }
                        };
                        loader.binary(i, ty, row.data)?
                    } else {
                        // a store of layout 1
                        let data: J = serde_json::from_slice(row.data).map_err(|_| {
                            StoreError::Damaged(format!("case {}: its data is damaged", i + 1))
                        })?;
                        loader.json(i, &data)?
                    };
                    add(i, case)?;
                    i += 1;
                    Ok(())
                })
            },
        )?;
        engine.adopt(&mut world);
        Ok(world)
    }

    /// Appends a row that is no event (a policy change, a rewind) at the current clock.
    fn append_note(
        &mut self,
        kind: Kind,
        at: Option<String>,
        note: &str,
        target: Option<i64>,
    ) -> R<()> {
        self.seq += 1;
        self.db.append(&Row {
            seq: self.seq,
            kind,
            policy: self.policy,
            at,
            line: None,
            record: Some(J::from(note).to_string()),
            cases: "[]".into(),
            recorded: now(),
            target,
        })
    }

    /// The last journal row the world reflects.
    pub fn seq(&self) -> i64 {
        self.seq
    }

    /// The mark the last [`Store::run_batch_marked`] recorded (`None`: none yet).
    pub fn input_mark(&mut self) -> Result<Option<String>, StoreError> {
        self.db.begin(false)?;
        let meta = self.db.meta();
        self.db.rollback();
        Ok(meta?.and_then(|m| m.input))
    }

    /// Runs a batch of input lines (`(line number, text)`) in one transaction: catches up
    /// with other writers, evaluates each line, journals the accepted ones with the cases
    /// they changed, and commits. The records (one per line, in order) are returned only once
    /// the batch is durable. On an error nothing of the batch is kept, and `world` must be
    /// dropped (it may hold part of the batch).
    pub fn run_batch(
        &mut self,
        engine: &Engine,
        world: &mut World,
        lines: &[(usize, &str)],
    ) -> Result<Vec<Record>, StoreError> {
        self.run_batch_marked(engine, world, lines, None)
    }

    /// [`Store::run_batch`], also recording `mark` (when given) in the same transaction: a
    /// note of the writer's about its input (e.g. which lines this batch consumed), read back
    /// with [`Store::input_mark`], so that a writer stopped between the commit and telling
    /// its caller can tell which lines are already in.
    pub fn run_batch_marked(
        &mut self,
        engine: &Engine,
        world: &mut World,
        lines: &[(usize, &str)],
        mark: Option<&str>,
    ) -> Result<Vec<Record>, StoreError> {
        self.db.begin(true)?;
        let result = self.run_in_tx(engine, world, lines).and_then(|records| {
            if let Some(mark) = mark {
                self.db.set_meta("input", mark)?;
            }
            Ok(records)
        });
        match result {
            Ok(records) => {
                self.db.commit()?;
                Ok(records)
            }
            Err(e) => {
                self.db.rollback();
                Err(e)
            }
        }
    }

    fn run_in_tx(
        &mut self,
        engine: &Engine,
        world: &mut World,
        lines: &[(usize, &str)],
    ) -> R<Vec<Record>> {
        self.catch_up(engine, world)?;
        let mut records = Vec::with_capacity(lines.len());
        let mut changed = BTreeSet::new();
        let recorded = now();
        for (n, line) in lines {
            let (record, accepted) =
                engine.run_line_with(world, *n, line, Sealing::Seal(&self.key));
            if let Some(accepted) = accepted {
                self.seq += 1;
                let ids: BTreeSet<CaseId> = accepted.changed.iter().copied().collect();
                let mut kept = record.clone();
                kept.seq = self.seq as usize;
                self.db.append(&Row {
                    seq: self.seq,
                    kind: Kind::Event,
                    policy: self.policy,
                    at: record.at.clone(),
                    line: Some(accepted.line),
                    record: Some(kept.to_json()),
                    cases: cases_list(engine, world, &ids),
                    recorded: recorded.clone(),
                    target: None,
                })?;
                changed.extend(ids);
            }
            records.push(record);
        }
        self.write_cases(engine, world, &changed)?;
        Ok(records)
    }

    /// Writes the cases `ids` as `world` holds them, and the clock.
    fn write_cases(&mut self, engine: &Engine, world: &World, ids: &BTreeSet<CaseId>) -> R<()> {
        for id in ids {
            if let Some(case) = case_row(engine, world, *id) {
                self.db.put_case(&case, self.seq)?;
            }
        }
        self.write_clock(world)
    }

    fn write_clock(&mut self, world: &World) -> R<()> {
        match world.clock {
            Some(clock) => self.db.set_meta("clock", &clock.to_string()),
            None => Ok(()),
        }
    }

    /// Brings `world` up to what other processes committed to the store since this one
    /// last read or wrote it (one cheap query when nothing was). On an error, `world` must
    /// be dropped, as after a failed batch.
    pub fn refresh(&mut self, engine: &Engine, world: &mut World) -> Result<(), StoreError> {
        self.db.begin(false)?;
        let result = self.catch_up(engine, world);
        self.db.rollback();
        result
    }

    /// Brings `world` up to what other processes committed since it was loaded.
    fn catch_up(&mut self, engine: &Engine, world: &mut World) -> R<()> {
        let last = self.db.last_seq()?;
        if last == self.seq {
            return Ok(());
        }
        let mut rows = Vec::new();
        self.db.journal(self.seq, None, &mut |row| {
            rows.push(row);
            Ok(())
        })?;
        let simple = rows
            .iter()
            .all(|r| r.kind == Kind::Event && r.policy == self.policy);
        if simple {
            for row in rows {
                self.replay_event(engine, world, &row)?;
                self.seq = row.seq;
            }
            return Ok(());
        }
        // another process changed the policy or rewound the world: read it afresh
        let meta = self.db.meta()?.unwrap_or_default();
        let policy = meta.policy.unwrap_or(self.policy);
        let version = self.db.policy(policy)?.map(|p| p.0).unwrap_or_default();
        if version != engine.version() {
            return Err(StoreError::Policy(format!(
                "another process moved the store `{}` to another version of the policy ({}…): run again with those rules",
                self.spec,
                &version[..12.min(version.len())]
            )));
        }
        self.policy = policy;
        *world = self.load_cases(engine, meta.clock.as_deref())?;
        self.seq = last;
        Ok(())
    }

    /// Applies a journaled event to `world`; it must be accepted again, with the same record.
    fn replay_event(&self, engine: &Engine, world: &mut World, row: &Row) -> R<Record> {
        let line = row.line.as_deref().unwrap_or_default();
        let (record, accepted) =
            engine.run_line_with(world, row.seq as usize, line, Sealing::Sealed);
        if accepted.is_none() {
            return Err(StoreError::Damaged(format!(
                "journal row {}: the event is refused on replay: {}",
                row.seq,
                record.to_json()
            )));
        }
        Ok(record)
    }

    /// The policy numbered `id`, loaded from the files the store keeps.
    fn engine_for(&mut self, id: i64) -> R<Arc<Engine>> {
        if !self.engines.contains_key(&id) {
            let (_, files) = self
                .db
                .policy(id)?
                .ok_or_else(|| StoreError::Damaged(format!("policy number {id} is missing")))?;
            let files: Vec<(String, String)> = serde_json::from_str(&files).map_err(|_| {
                StoreError::Damaged(format!("the files of policy number {id} are not readable"))
            })?;
            let engine = Engine::from_sources(
                files
                    .into_iter()
                    .map(|(n, t)| crate::span::Source::new(n, t))
                    .collect(),
            )
            .map_err(|e| {
                StoreError::Damaged(format!(
                    "policy number {id} no longer loads:\n{}",
                    e.render()
                ))
            })?;
            self.engines.insert(id, Arc::new(engine));
        }
        self.engines
            .get(&id)
            .cloned()
            .ok_or_else(|| StoreError::Damaged(format!("policy number {id} is missing")))
    }

    /// Calls `f` with each event the journal holds and its rewinds left in force, in order:
    /// its row number and its line (sensitive values sealed: read it back with
    /// [`Engine::run_sealed_line`]). Stops at the first error `f` returns.
    pub fn events(
        &mut self,
        f: &mut dyn FnMut(i64, &str) -> Result<(), String>,
    ) -> Result<(), StoreError> {
        self.db.begin(false)?;
        let result = self.events_in_tx(f);
        self.db.rollback();
        result
    }

    fn events_in_tx(&mut self, f: &mut dyn FnMut(i64, &str) -> Result<(), String>) -> R<()> {
        // a rewind at row w to row t undoes the rows between them
        let mut undone: Vec<(i64, i64)> = Vec::new();
        self.db.journal(0, None, &mut |row| {
            if row.kind == Kind::Rewind {
                undone.push((row.target.unwrap_or(0), row.seq));
            }
            Ok(())
        })?;
        self.db.journal(0, None, &mut |row| {
            let kept = !undone.iter().any(|(t, w)| *t < row.seq && row.seq < *w);
            match (&row.line, row.kind) {
                (Some(line), Kind::Event) if kept => f(row.seq, line).map_err(StoreError::Refused),
                _ => Ok(()),
            }
        })
    }

    /// Writes the journal rows `query` selects as JSON lines, in order, each event with
    /// every sensitive value shown as `<sensitive>`. The journal is read a page of rows at a
    /// time (each page in a read transaction of its own), so that a long journal is never
    /// held in memory; returns the last row written (`None`: none was).
    pub fn journal(
        &mut self,
        query: JournalQuery<'_>,
        out: &mut dyn FnMut(String) -> std::io::Result<()>,
    ) -> Result<Option<i64>, StoreError> {
        let mut versions: HashMap<i64, String> = HashMap::new();
        let (mut after, mut left, mut last) = (query.since, query.limit, None);
        while left != Some(0) {
            let mut rows = Vec::with_capacity(JOURNAL_PAGE as usize);
            self.db.begin(false)?;
            let read = self.db.journal(after, Some(JOURNAL_PAGE), &mut |row| {
                rows.push(row);
                Ok(())
            });
            let read = read.and_then(|()| {
                for row in &rows {
                    if let std::collections::hash_map::Entry::Vacant(v) = versions.entry(row.policy)
                    {
                        v.insert(self.db.policy(row.policy)?.map(|p| p.0).unwrap_or_default());
                    }
                }
                Ok(())
            });
            self.db.rollback();
            read?;
            let Some(end) = rows.last().map(|r| r.seq) else {
                break;
            };
            for row in rows {
                if left == Some(0) {
                    break;
                }
                let cases: J = serde_json::from_str(&row.cases).unwrap_or(J::Null);
                if !query.touches(&cases) {
                    continue;
                }
                let version = versions.get(&row.policy).map_or("", String::as_str);
                let seq = row.seq;
                out(journal_line(row, version, cases).to_string())
                    .map_err(|e| StoreError::db("write the journal", e))?;
                last = Some(seq);
                left = left.map(|n| n - 1);
            }
            after = end;
        }
        Ok(last)
    }

    /// The world the journal describes up to row `upto` (all of it when `None`), replayed
    /// from the first row under the policy that decided each event; each replayed record is
    /// compared with the journaled one and every difference passed to `differ`.
    /// Called inside an open transaction, which reads the journal.
    fn replay(&mut self, upto: Option<i64>, differ: &mut dyn FnMut(String)) -> R<(World, i64)> {
        let mut rows = Vec::new();
        self.db.journal(0, None, &mut |row| {
            if upto.is_none_or(|u| row.seq <= u) {
                rows.push(row);
            }
            Ok(())
        })?;
        // what the rewinds left: each drops the rows after its target
        let mut effective: Vec<Row> = Vec::new();
        for row in rows {
            match row.kind {
                Kind::Rewind => {
                    let target = row.target.unwrap_or(0);
                    effective.retain(|r| r.seq <= target);
                }
                _ => effective.push(row),
            }
        }
        let mut world = World::new();
        let mut policy = None;
        for row in &effective {
            match row.kind {
                Kind::Policy => {
                    if let Some(before) = policy.filter(|p| *p != row.policy) {
                        // the world carried over as the change did it
                        let (old, new) = (self.engine_for(before)?, self.engine_for(row.policy)?);
                        world = new
                            .migrate_world(&old, &world)
                            .map_err(|e| {
                                StoreError::Damaged(format!(
                                    "journal row {}: the change of policy no longer migrates the replayed world:\n{e}",
                                    row.seq
                                ))
                            })?
                            .0;
                    }
                    policy = Some(row.policy);
                }
                Kind::Event => {
                    let engine = self.engine_for(row.policy)?;
                    let line = row.line.as_deref().unwrap_or_default();
                    let (record, accepted) =
                        engine.run_line_with(&mut world, row.seq as usize, line, Sealing::Sealed);
                    let stored = row.record.as_deref().unwrap_or_default();
                    let replayed = record.to_json();
                    if accepted.is_none() || replayed != stored {
                        differ(format!(
                            "journal row {}: the replayed record differs from the journaled one\n  journaled: {}\n  replayed:  {}",
                            row.seq, stored, replayed
                        ));
                    }
                }
                Kind::Rewind => {}
            }
        }
        Ok((world, policy.unwrap_or(self.policy)))
    }

    /// Replays the journal and compares it with the stored cases: every difference, or
    /// none. Nothing is written.
    pub fn check(&mut self) -> Result<Vec<String>, StoreError> {
        let mut differences = Vec::new();
        // the journal, the cases and the clock from one snapshot, so that a writer
        // committing meanwhile does not show up as a difference
        self.db.begin(false)?;
        let read = self.read_for_check(&mut differences);
        self.db.rollback();
        let (world, policy, stored, meta) = read?;
        let engine = self.engine_for(policy)?;
        let mut replayed: HashMap<(String, String), &CaseData> = HashMap::new();
        for c in &world.cases {
            let ty = engine.case_names().get(c.ty.index()).copied().unwrap_or("");
            replayed.insert((ty.to_string(), c.key.to_string()), c);
        }
        let clock = world.clock.map(|c| c.to_string());
        for row in stored {
            let name = format!("{} `{}`", row.ty, row.key);
            match replayed.remove(&(row.ty.clone(), row.key.clone())) {
                None => differences.push(format!("{name} is stored but the journal never made it")),
                Some(expected) => {
                    let same = if row.data.first() == Some(&MAGIC) {
                        let mut data = Vec::new();
                        encode_case(engine.program(), expected, &mut data);
                        data == row.data
                    } else {
                        // a store of layout 1, not run since
                        let data: J = serde_json::from_slice(&row.data).unwrap_or(J::Null);
                        case_json(engine.program(), expected) == Some(data)
                    };
                    if !same {
                        differences.push(format!("{name} differs from the replay of the journal"));
                    }
                }
            }
        }
        let mut missing: Vec<_> = replayed.into_keys().collect();
        missing.sort();
        for (ty, key) in missing {
            differences.push(format!("{ty} `{key}` is missing from the stored cases"));
        }
        if meta.clock != clock {
            differences.push(format!(
                "the stored clock ({}) is not the journal's ({})",
                meta.clock.as_deref().unwrap_or("none"),
                clock.as_deref().unwrap_or("none")
            ));
        }
        Ok(differences)
    }

    /// What [`Store::check`] compares, read inside one transaction: the journal's replay (its
    /// world and policy), the stored cases, and the bookkeeping.
    fn read_for_check(
        &mut self,
        differences: &mut Vec<String>,
    ) -> R<(World, i64, Vec<CaseRow>, Meta)> {
        self.seq = self.db.last_seq()?;
        let (world, policy) = self.replay(None, &mut |d| differences.push(d))?;
        let mut stored = Vec::new();
        self.db.cases(&mut |row| {
            stored.push(CaseRow {
                ty: row.ty.to_string(),
                key: row.key.to_string(),
                data: row.data.to_vec(),
            });
            Ok(())
        })?;
        let meta = self.db.meta()?.unwrap_or_default();
        Ok((world, policy, stored, meta))
    }

    /// Sets the world back to what it was after journal row `to` (its events replayed under
    /// `engine`), keeping every row as the audit trail and journaling the rewind itself.
    pub fn rewind(&mut self, to: i64) -> Result<World, StoreError> {
        self.db.begin(true)?;
        let result = self.rewind_in_tx(to);
        match result {
            Ok(world) => {
                self.db.commit()?;
                Ok(world)
            }
            Err(e) => {
                self.db.rollback();
                Err(e)
            }
        }
    }

    fn rewind_in_tx(&mut self, to: i64) -> R<World> {
        let meta = self.db.meta()?.unwrap_or_default();
        self.policy = meta.policy.unwrap_or(self.policy);
        let engine = self.engine_for(self.policy)?;
        let engine = engine.as_ref();
        let last = self.db.last_seq()?;
        self.seq = last;
        if to < 1 || to > last {
            return Err(StoreError::Refused(format!(
                "there is no journal row {to} to rewind to: the journal has rows 1 to {last}"
            )));
        }
        let mut later_policy = None;
        self.db.journal(to, None, &mut |row| {
            if row.kind == Kind::Policy && later_policy.is_none() {
                later_policy = Some(row.seq);
            }
            Ok(())
        })?;
        if let Some(p) = later_policy {
            return Err(StoreError::Refused(format!(
                "the policy changed at journal row {p}, after row {to}: a rewind cannot cross a change of policy"
            )));
        }
        let mut differences = Vec::new();
        let (world, _) = self.replay(Some(to), &mut |d| differences.push(d))?;
        if let Some(d) = differences.first() {
            return Err(StoreError::Damaged(d.clone()));
        }
        let mut world = world;
        engine.adopt(&mut world);
        self.db.clear_cases()?;
        let at = world.clock.map(|c| c.to_string());
        self.append_note(
            Kind::Rewind,
            at,
            &format!("the world set back to what it was after row {to}"),
            Some(to),
        )?;
        let all: BTreeSet<CaseId> = (0..world.cases.len() as CaseId).collect();
        self.write_cases(engine, &world, &all)?;
        if world.clock.is_none() {
            self.db.set_meta("clock", "")?;
        }
        Ok(world)
    }
}

/// Replaces every sealed value in `j` by `<sensitive>`.
fn redact(j: &mut J) {
    match j {
        J::String(s) if is_sealed(s) => *s = "<sensitive>".into(),
        J::Array(items) => items.iter_mut().for_each(redact),
        J::Object(m) => m.values_mut().for_each(redact),
        _ => {}
    }
}

/// Whether `spec` names a PostgreSQL store.
fn is_postgres(spec: &str) -> bool {
    spec.starts_with("postgres://") || spec.starts_with("postgresql://")
}

/// The back end a store spec names.
fn connect(spec: &str, create: bool) -> R<Box<dyn Backend>> {
    if is_postgres(spec) {
        // a database with no store is told apart once connected (`Backend::meta`)
        return Ok(Box::new(postgres::Postgres::open(spec)?));
    }
    let path = spec.strip_prefix("sqlite:").unwrap_or(spec);
    Ok(Box::new(sqlite::Sqlite::open(path, spec, create)?))
}
