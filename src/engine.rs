//! The engine: loads and checks a policy, then evaluates events against worlds.

use crate::check::{self, Parsed};
use crate::diag::{self, Diagnostic};
use crate::eval::{self, EvalError, Step, Trace};
use crate::event::{self, Event, EventBuilder, EventError, Header, Shapes};
use crate::migrate::{MigrationError, MigrationPlan};
use crate::outcome::{Outcomes, Record, RecordBody};
use crate::program::Program;
use crate::seal::{SealKey, Sealing};
use crate::span::Source;
use crate::tables;
use crate::value::CaseId;
use crate::world::World;
use std::path::Path;

/// The shipped ICP policy, embedded at build time from `rules/icp/`.
const BUILTIN_ICP: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_icp.rs"));

/// A checked policy, ready to evaluate events. Immutable; `Send + Sync`.
#[derive(Debug)]
pub struct Engine {
    program: Program,
    warnings: Vec<Diagnostic>,
    /// Identifies the policy (a hash of its files), so that a world, an event or a step is
    /// only used with its own.
    fingerprint: u64,
    /// The shape of each event type, shared by the events parsed or built here.
    shapes: Shapes,
    /// [`Engine::version`].
    version: String,
}

/// What a journal keeps of an accepted event.
pub(crate) struct Accepted {
    /// The event as a JSON line (sensitive values as parsed: sealed under a key).
    pub line: String,
    /// The cases it changed or created.
    pub changed: Vec<CaseId>,
}

/// Why a policy could not be loaded: every problem found, in every file.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct LoadError {
    /// The problems, in file and position order.
    pub diagnostics: Vec<Diagnostic>,
    /// The files they point into.
    pub sources: Vec<Source>,
}

impl LoadError {
    /// The problems rendered for a terminal: file:line:col, the source line underlined, help.
    pub fn render(&self) -> String {
        diag::render_all(&self.diagnostics, &self.sources)
    }

    /// The problems as JSON lines, one object per diagnostic (see the README's
    /// "Diagnostics in your editor").
    pub fn render_json(&self) -> String {
        diag::render_json_lines(&self.diagnostics, &self.sources)
    }

    fn io(path: &Path, e: std::io::Error) -> LoadError {
        LoadError {
            diagnostics: vec![Diagnostic::error(
                crate::diag::Code::Unreadable,
                0,
                crate::span::Span::default(),
                format!("cannot read `{}`: {e}", path.display()),
            )],
            sources: vec![Source::new(path.display().to_string(), "")],
        }
    }
}

// `WorldError` lives beside the code that loads worlds; it stays importable from here
// (`crate::engine::WorldError`) for the modules that name it so.
pub use crate::persist::WorldError;

impl Engine {
    /// Loads every `*.yaml` table and `*.docket` rule file of a directory (in name order).
    pub fn load(dir: impl AsRef<Path>) -> Result<Engine, LoadError> {
        let dir = dir.as_ref();
        let paths = crate::policy_files(dir).map_err(|e| LoadError::io(dir, e))?;
        let mut sources = Vec::new();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(|e| LoadError::io(&p, e))?;
            sources.push(Source::new(p.display().to_string(), text));
        }
        Engine::from_sources(sources)
    }

    /// The same policy with its compiled code dropped: every expression evaluated by the
    /// tree walker, the reference the compiled code is tested against. The same outcomes,
    /// slower; for tests and for comparing the two.
    #[doc(hidden)]
    pub fn tree_walking(mut self) -> Engine {
        self.program.compile(false);
        self
    }

    /// Loads a policy from in-memory files; a name ending in `.yaml`/`.yml` is a table,
    /// anything else a rule file.
    pub fn from_sources(sources: Vec<Source>) -> Result<Engine, LoadError> {
        let mut diagnostics = Vec::new();
        let mut files = Vec::new();
        let mut tables = Vec::new();
        let mut broken_tables = Vec::new();
        let mut unparsed = false;
        // warnings of the rule files' text, whether or not they parse
        let mut bidi = Vec::new();
        let (sources, parsed, version) = crate::read::read_all(sources);
        for ((i, src), read) in sources.iter().enumerate().zip(parsed) {
            match read {
                crate::read::Read::Table(Ok(t)) => tables.push((i, t)),
                crate::read::Read::Table(Err(ds)) => {
                    diagnostics.extend(ds);
                    broken_tables.push((
                        tables::table_name(&src.name),
                        tables::declared_kind(&src.text),
                    ));
                }
                crate::read::Read::Rules(warnings, file) => {
                    bidi.extend(warnings);
                    match file {
                        Ok(f) => files.push(f),
                        Err(ds) => {
                            diagnostics.extend(ds);
                            unparsed = true;
                        }
                    }
                }
            }
        }
        if files.is_empty() && !unparsed {
            diagnostics.push(
                Diagnostic::error(
                    crate::diag::Code::NoRules,
                    0,
                    crate::span::Span::default(),
                    "the policy has no rule file",
                )
                .with_help("add a `.docket` file declaring the case, its events and rules"),
            );
        }
        // Rules are checked even when a table is broken (names it would declare are not
        // reported), but not when a rule file does not parse: its declarations are missing.
        if unparsed || files.is_empty() {
            if !bidi.is_empty() {
                diagnostics.extend(bidi);
                diagnostics.sort_by_key(|d| (d.source, d.span.start));
            }
            return Err(LoadError {
                diagnostics,
                sources,
            });
        }
        match check::check(Parsed {
            sources: sources.clone(),
            files,
            tables,
            broken_tables,
        }) {
            Ok((program, mut warnings)) => {
                bidi.extend(warnings);
                warnings = bidi;
                let fingerprint = u64::from_str_radix(&version[..16], 16).unwrap_or_default();
                Ok(Engine {
                    version,
                    shapes: Shapes::new(&program.events, &program.records, fingerprint),
                    fingerprint,
                    program,
                    warnings,
                })
            }
            Err(more) => {
                diagnostics.extend(more);
                diagnostics.extend(bidi);
                diagnostics.sort_by_key(|d| (d.source, d.span.start));
                Err(LoadError {
                    diagnostics,
                    sources,
                })
            }
        }
    }

    /// The shipped ICP SMS-validation policy, as built into this library.
    pub fn builtin_icp() -> Result<Engine, LoadError> {
        Engine::from_sources(
            BUILTIN_ICP
                .iter()
                .map(|(name, text)| Source::new(*name, *text))
                .collect(),
        )
    }

    /// The shipped ICP policy.
    ///
    /// # Panics
    /// Never in a released build: the test suite loads the shipped policy and fails if it has
    /// any problem. Use [`Engine::builtin_icp`] to handle the error yourself.
    pub fn icp() -> Engine {
        match Engine::builtin_icp() {
            Ok(e) => e,
            Err(e) => panic!("the built-in ICP policy does not load:\n{}", e.render()),
        }
    }

    /// The policy's name for its (first) case type (`filing`): the key naming the case in
    /// outcomes.
    pub fn case_name(&self) -> &str {
        self.program.cases.first().map_or("", |c| c.name.as_str())
    }

    /// The names of the policy's case types, in declaration order.
    pub fn case_names(&self) -> Vec<&str> {
        self.program.cases.iter().map(|c| c.name.as_str()).collect()
    }

    /// Warnings found while checking (e.g. a message that no rule emits).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The warnings rendered like errors.
    pub fn render_warnings(&self) -> String {
        diag::render_all(&self.warnings, &self.program.sources)
    }

    /// The warnings as JSON lines, like [`LoadError::render_json`].
    pub fn render_warnings_json(&self) -> String {
        diag::render_json_lines(&self.warnings, &self.program.sources)
    }

    /// Parses and validates one JSON event against the policy's declarations.
    pub fn parse_event(&self, json: &str) -> Result<Event, EventError> {
        event::parse_event(&self.program, &self.shapes, json, Sealing::Clear)
            .map(|(_, e)| e)
            .map_err(|(_, e)| e)
    }

    /// Starts an event of type `type_name` built from Rust values rather than JSON text;
    /// [`EventBuilder::build`] checks it exactly as [`Engine::parse_event`] checks a line.
    ///
    /// ```
    /// # use docket::{Engine, Source, World};
    /// # let engine = Engine::from_sources(vec![
    /// #     Source::new("m.yaml", "kind: messages\nmessages:\n  ok: { text: t, result: r, next_step: n }\n"),
    /// #     Source::new("p.docket", r#"
    /// #         format pin = /^[0-9]{4}$/ "four digits"
    /// #         statuses { open }
    /// #         case request key id: text { }
    /// #         event submit { request: text, pin: pin sensitive, urgent: bool?, items: list<{name: text, n: count}> }
    /// #         on submit for new request(event.request) { rule r { emit ok } }
    /// #     "#),
    /// # ])?;
    /// let event = engine
    ///     .event("submit")
    ///     .at("2026-11-28T09:00:00+08:00")
    ///     .text("request", "R1")
    ///     .text("pin", "0042")
    ///     .json("items", serde_json::json!([{ "name": "desk", "n": 2 }]))
    ///     .build()?;
    /// let outcomes = engine.apply(&mut World::new(), &event)?;
    /// assert_eq!(outcomes[0].case.as_deref(), Some("R1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn event<'a>(&'a self, type_name: &'a str) -> EventBuilder<'a> {
        event::builder(&self.program, &self.shapes, type_name)
    }

    /// Evaluates an event without changing the world: a pure function of (policy, world, event).
    /// [`Step::outcomes`] tells what it would do; [`Engine::commit`] makes it so.
    ///
    /// An event parsed or built by an engine of another policy is refused, as is a world
    /// built by one.
    pub fn evaluate(&self, world: &World, event: &Event) -> Result<Step, EvalError> {
        self.evaluate_traced(world, event, None)
    }

    /// [`Engine::evaluate`] into `step`, replacing what it held: the buffers of its previous
    /// outcomes are reused for the next ones, so that a program deciding many events in a
    /// row asks the allocator for nothing once they are warm (a decision that shows a text,
    /// an enumeration value or a table's row, and changes no case, allocates nothing). On an
    /// error `step` holds no outcome.
    ///
    /// ```
    /// # use docket::{Engine, Source, Step, World};
    /// # let engine = Engine::from_sources(vec![
    /// #     Source::new("m.yaml", "kind: messages\nmessages: {}\n"),
    /// #     Source::new("p.docket", r#"
    /// #         event check { failures: count }
    /// #         on check { rule verdict when event.failures >= 5 { show verdict = "rejected" }
    /// #                    else { show verdict = "ok" } }
    /// #     "#),
    /// # ])?;
    /// let world = World::new();
    /// let mut step = Step::default();
    /// for failures in [0, 7] {
    ///     let event = engine.event("check").at("2026-11-28T10:30:00+08:00")
    ///         .count("failures", failures).build()?;
    ///     engine.evaluate_into(&world, &event, &mut step)?;
    ///     let verdict = step.outcomes()[0].shows[0].1.as_str();
    ///     assert_eq!(verdict, Some(if failures < 5 { "ok" } else { "rejected" }));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate_into(
        &self,
        world: &World,
        event: &Event,
        step: &mut Step,
    ) -> Result<(), EvalError> {
        self.check_own(world, event)?;
        eval::evaluate_into(&self.program, world, event, self.fingerprint, step).map_err(|e| *e)
    }

    /// [`Engine::evaluate`], recording what it did into `trace` when given.
    pub(crate) fn evaluate_traced(
        &self,
        world: &World,
        event: &Event,
        trace: Option<&mut Trace>,
    ) -> Result<Step, EvalError> {
        self.check_own(world, event)?;
        eval::evaluate_traced(&self.program, world, event, self.fingerprint, trace).map_err(|e| *e)
    }

    /// Refuses an event parsed or built by an engine of another policy, and a world built by
    /// one.
    fn check_own(&self, world: &World, event: &Event) -> Result<(), EvalError> {
        if event.shape.policy != self.fingerprint {
            return Err(EvalError {
                field: None,
                message: format!(
                    "this `{}` event was made by another policy: parse or build it with this engine",
                    event.type_name()
                ),
            });
        }
        if world.policy.is_some_and(|p| p != self.fingerprint) {
            return Err(EvalError {
                field: None,
                message: "this world was built by another policy: load it with this engine's `load_world`".into(),
            });
        }
        Ok(())
    }

    /// Applies an event: all of its effects, or none of them on error.
    ///
    /// The same as [`Engine::evaluate`] then [`Engine::commit`], but written in place: an
    /// event costs what it changes, not what the cases it changes hold (a failed event's
    /// writes are undone).
    pub fn apply(&self, world: &mut World, event: &Event) -> Result<Outcomes, EvalError> {
        let mut outcomes = Outcomes::new();
        self.apply_traced(world, event, (None, false), &mut outcomes)
            .map(|_| outcomes)
    }

    /// [`Engine::apply`] into `out` (empty, and left empty on an error), recording what it
    /// did into `trace` when given; returns the cases the event changed or created, in
    /// order, when `changed` (else none).
    pub(crate) fn apply_traced(
        &self,
        world: &mut World,
        event: &Event,
        (trace, changed): (Option<&mut Trace>, bool),
        out: &mut Outcomes,
    ) -> Result<Vec<CaseId>, EvalError> {
        self.check_own(world, event)?;
        let applied = eval::apply_traced(&self.program, world, event, (trace, changed), out)
            .map_err(|e| *e)?;
        world.policy = Some(self.fingerprint);
        Ok(applied)
    }

    /// [`Engine::apply`] then undone: `seen` is given the world as the event left it, its
    /// outcomes and the cases it wrote; `world` is then as it was (see [`eval::probe`]).
    pub(crate) fn probe_traced<T>(
        &self,
        world: &mut World,
        event: &Event,
        trace: Option<&mut Trace>,
        seen: impl FnOnce(&World, Outcomes, &[CaseId]) -> T,
    ) -> Result<T, EvalError> {
        self.check_own(world, event)?;
        eval::probe(&self.program, world, event, self.fingerprint, trace, seen).map_err(|e| *e)
    }

    /// Commits a step computed by [`Engine::evaluate`]. The world must not have changed since:
    /// a step computed on an older state of it is refused, and the world is left as it is.
    pub fn commit(&self, world: &mut World, step: Step) -> Result<Outcomes, EvalError> {
        if step.policy != self.fingerprint {
            return Err(EvalError {
                field: None,
                message: "this step was computed by an engine of another policy: evaluate the event with this engine".into(),
            });
        }
        if step.generation != world.generation
            || world.policy.is_some_and(|p| p != self.fingerprint)
        {
            return Err(EvalError {
                field: None,
                message:
                    "this step was computed on another state of the world: evaluate the event again"
                        .into(),
            });
        }
        world.commit(&self.program, step.changed, step.at);
        world.policy = Some(self.fingerprint);
        Ok(step.outcomes)
    }

    /// The policy's invariants checked on `after`: every case for which one does not hold.
    /// `before` is the world before the last event, for the transition invariants (`change`);
    /// without it only the state invariants are checked.
    pub fn invariant_violations(
        &self,
        before: Option<&World>,
        after: &World,
    ) -> Vec<crate::Violation> {
        crate::invariants::violations(&self.program, before, after)
    }

    /// Whether the policy declares any invariant.
    pub fn has_invariants(&self) -> bool {
        !self.program.invariants.is_empty()
    }

    /// Runs one JSON-lines input line: parses, applies, and returns its output record.
    pub fn run_line(&self, world: &mut World, seq: usize, line: &str) -> Record {
        self.run_line_inner(world, seq, line, Sealing::Clear, None, None)
    }

    /// Runs one JSON-lines input line as [`Engine::run_line`] does, sealing every sensitive
    /// value with `key` as the event is parsed: the world then holds no sensitive value in
    /// clear (what `docket run --state` saves), and equal values still compare equal.
    pub fn run_line_sealed(
        &self,
        world: &mut World,
        seq: usize,
        line: &str,
        key: &SealKey,
    ) -> Record {
        self.run_line_inner(world, seq, line, Sealing::Seal(key), None, None)
    }

    /// Loads a saved world that may have been saved under another version of the policy (a
    /// saved world names its version and keeps its files): under the same version, as
    /// [`Engine::load_world_sealed`]; under another, loaded under that version and migrated
    /// to this one ([`Engine::migrate_world`]), with the plan of what changed. A change that
    /// would lose or misread data is refused, as a store refuses it.
    pub fn load_world_migrating(
        &self,
        text: &str,
        key: &SealKey,
    ) -> Result<(World, Option<MigrationPlan>), WorldError> {
        self.read_world_migrating(&mut text.as_bytes(), key)
    }

    /// [`Engine::load_world_migrating`] from a reader: a world saved by this docket is read a
    /// case at a time, so loading it takes little more memory than the world.
    pub fn read_world_migrating(
        &self,
        input: &mut dyn std::io::BufRead,
        key: &SealKey,
    ) -> Result<(World, Option<MigrationPlan>), WorldError> {
        let saved = crate::persist::open(input)?;
        let policy = saved.header.policy.clone().unwrap_or_default();
        let saved_version = policy["version"].as_str();
        if saved_version.is_none_or(|v| v == self.version) {
            let mut world = crate::persist::load_saved(&self.program, saved, Some(key))?;
            world.policy = Some(self.fingerprint);
            return Ok((world, None));
        }
        let files: Vec<(String, String)> = serde_json::from_value(policy["files"].clone())
            .map_err(|_| {
                WorldError(
                    "`policy`: the files of the policy that saved the world are not readable"
                        .into(),
                )
            })?;
        let old = Engine::from_sources(files.into_iter().map(|(n, t)| Source::new(n, t)).collect())
            .map_err(|e| {
                WorldError(format!(
                    "the policy that saved the world no longer loads:\n{}",
                    e.render()
                ))
            })?;
        let mut world = crate::persist::load_saved(&old.program, saved, Some(key))?;
        world.policy = Some(old.fingerprint);
        let (world, plan) = self.migrate_world(&old, &world).map_err(|e| {
            WorldError(format!(
                "the world was saved under another version of the policy, and this one cannot take its cases as they are:\n{e}"
            ))
        })?;
        Ok((world, Some(plan)))
    }

    /// Runs a line whose sensitive values are sealed already, as a store's journal holds it
    /// ([`crate::Store::events`]): each must be a sealed value.
    pub fn run_sealed_line(&self, world: &mut World, seq: usize, line: &str) -> Record {
        self.run_line_inner(world, seq, line, Sealing::Sealed, None, None)
    }

    /// Loads a world saved by [`Engine::save_world`] as [`Engine::load_world`] does, sealing
    /// with `key` any sensitive value saved in clear (by a docket without keys).
    pub fn load_world_sealed(&self, text: &str, key: &SealKey) -> Result<World, WorldError> {
        let mut world = crate::persist::load(&self.program, text, Some(key))?;
        world.policy = Some(self.fingerprint);
        Ok(world)
    }

    /// Runs one line with sensitive values taken as `sealing` says; for an accepted event,
    /// also what a journal keeps of it: the event as a line and the cases it changed.
    pub(crate) fn run_line_with(
        &self,
        world: &mut World,
        seq: usize,
        line: &str,
        sealing: Sealing,
    ) -> (Record, Option<Accepted>) {
        let mut accepted = None;
        let record = self.run_line_inner(world, seq, line, sealing, None, Some(&mut accepted));
        (record, accepted)
    }

    /// [`Engine::run_line_with`], recording into `trace` (when given) what the evaluation did;
    /// what a journal keeps of an accepted event is made only when `journal` asks for it, and
    /// written there. (The record is returned alone: moved out of a pair, a record of this
    /// size is copied by a call.)
    pub(crate) fn run_line_inner(
        &self,
        world: &mut World,
        seq: usize,
        line: &str,
        sealing: Sealing,
        trace: Option<&mut Trace>,
        journal: Option<&mut Option<Accepted>>,
    ) -> Record {
        let (header, e) = match event::parse_event(&self.program, &self.shapes, line, sealing) {
            Ok(parsed) => parsed,
            Err((header, e)) => return line_refused(seq, line, header, &e),
        };
        let mut outcomes = Outcomes::new();
        let applied = self.apply_traced(world, &e, (trace, journal.is_some()), &mut outcomes);
        let body = match applied {
            Ok(changed) => {
                if let Some(kept) = journal {
                    *kept = Some(Accepted {
                        line: event::to_line(&self.program, &e, header.at.as_deref()),
                        changed,
                    });
                }
                RecordBody::Outcomes(outcomes)
            }
            Err(e) => event_refused(seq, &e),
        };
        event::recycle(e);
        let Header { type_name, at } = header;
        Record {
            seq,
            event_type: type_name,
            at,
            body,
        }
    }

    /// The policy's version and files, as a saved world or a store keeps them.
    pub(crate) fn policy_json(&self) -> serde_json::Value {
        serde_json::json!({
            "version": self.version,
            "files": self.sources().iter().map(|s| {
                let name = s.name.rsplit(['/', '\\']).next().unwrap_or(&s.name);
                [name, s.text.as_str()]
            }).collect::<Vec<_>>(),
        })
    }

    /// Parses one line as [`Engine::run_line_with`] does, taking sensitive values as
    /// `sealing` says, without evaluating it.
    pub(crate) fn parse_line(
        &self,
        line: &str,
        sealing: Sealing,
    ) -> Result<(Header, Event), (Header, EventError)> {
        event::parse_event(&self.program, &self.shapes, line, sealing)
    }

    /// The checked program.
    pub(crate) fn program(&self) -> &Program {
        &self.program
    }

    /// Marks `world` as this policy's (a world loaded from a store).
    pub(crate) fn adopt(&self, world: &mut World) {
        world.policy = Some(self.fingerprint);
    }

    /// The policy's files, as loaded (names and texts).
    pub fn sources(&self) -> &[Source] {
        &self.program.sources
    }

    /// The policy's version: a SHA-256 of its files' names and texts, in hex. The same files
    /// loaded from another folder have the same version; any change to a file changes it.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Saves a world as JSON text.
    pub fn save_world(&self, world: &World) -> String {
        crate::persist::save(&self.program, world, self.policy_json())
    }

    /// Writes `world` as [`Engine::save_world`] makes it, case by case, to `out`: saving a
    /// large world takes no more memory than a case.
    pub fn write_world(&self, world: &World, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        crate::persist::write(&self.program, world, &self.policy_json(), out)
    }

    /// What opening a world built by `old` (an earlier version of this policy) under this
    /// policy would do: every change to its stored data, with how many cases each touches.
    /// Refused, with every problem, as [`Engine::migrate_world`] would refuse it.
    pub fn plan_migration(
        &self,
        old: &Engine,
        world: &World,
    ) -> Result<MigrationPlan, MigrationError> {
        self.migrate_world(old, world).map(|(_, plan)| plan)
    }

    /// Migrates a world built by `old` to a world of this policy: fields renamed, dropped,
    /// defaulted or computed and statuses mapped (as the two policies and this one's
    /// `migrate` blocks say), `erase when` conditions applied, deadlines recomputed. The
    /// world given is left as it is. A world of this very policy (the same files) is
    /// returned unchanged, with an empty plan.
    ///
    /// Refused when a change would lose or misread stored values and no `migrate` block
    /// declares it: the error names every such change, with how many cases hold a value
    /// for it and the declaration to write. It never shows a value of a case.
    pub fn migrate_world(
        &self,
        old: &Engine,
        world: &World,
    ) -> Result<(World, MigrationPlan), MigrationError> {
        if world.policy.is_some_and(|p| p != old.fingerprint) {
            return Err(MigrationError {
                problems: vec![crate::migrate::MigrationProblem {
                    case_type: String::new(),
                    subject: crate::migrate::Subject::CaseType,
                    problem: crate::migrate::Problem::NotTheOldPolicy,
                    count: world.len(),
                    help: "give the engine of the policy whose events built the world as `old`"
                        .into(),
                }],
            });
        }
        if old.fingerprint == self.fingerprint {
            let mut same = world.clone();
            same.policy = Some(self.fingerprint);
            return Ok((same, MigrationPlan::default()));
        }
        let (mut migrated, plan) = crate::migrate::migrate(&old.program, &self.program, world)?;
        migrated.policy = Some(self.fingerprint);
        Ok((migrated, plan))
    }

    /// Loads a world saved by [`Engine::save_world`], checking it against this policy.
    pub fn load_world(&self, text: &str) -> Result<World, WorldError> {
        let mut world = crate::persist::load(&self.program, text, None)?;
        world.policy = Some(self.fingerprint);
        Ok(world)
    }
}

/// The record of a line that is no event of the policy (a function of its own, out of the
/// way of the lines that are: `docket run` reads one line after another through
/// [`Engine::run_line`]). A blank line is refused as such (looked at only here: an event's
/// line is read once).
#[cold]
#[inline(never)]
fn line_refused(seq: usize, line: &str, header: Header, e: &EventError) -> Record {
    let (header, message) = if line.trim().is_empty() {
        let e = EventError::Json("the line is empty: write one JSON object per line".into());
        (Header::default(), e.to_string())
    } else {
        (header, e.to_string())
    };
    Record {
        seq,
        event_type: header.type_name,
        at: header.at,
        body: RecordBody::Error(format!("line {seq}: {message}")),
    }
}

/// The body of the record of an event the policy refused (as [`line_refused`]).
#[cold]
#[inline(never)]
fn event_refused(seq: usize, e: &EvalError) -> RecordBody {
    RecordBody::Error(format!("line {seq}: {e}"))
}
