//! The checker: resolves every name of the rule files against the declarations and tables,
//! types every expression, and builds a [`Program`]. All problems are collected, not the first.

mod collections;
mod decls;
mod erase;
mod error;
mod expr;
mod fields;
mod guards;
mod help;
mod invariants;
pub(crate) mod ir;
mod migrate;
mod names;
mod ops;
mod rules;
mod templates;
#[cfg(test)]
mod tests;

use crate::ast::{self, Ident, TypeExpr, TypeKind};
use crate::diag::{did_you_mean, Code, Diagnostic};
use crate::program::*;
use crate::span::{Source, Span};
use crate::tables::{Message, Pattern, RequirementTable, Table};
use crate::value::{Ty, Value};
pub(crate) use error::{
    At, CheckError, Declared, EmitSite, Foreign, Hint, KeyOf, NeedsZone, Reader, Step, Taker,
    TypeOwner, Unassignable,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Builds the `Unknown` error with a "did you mean" over `candidates`.
pub(crate) fn unknown<'a>(
    kind: &'static str,
    id: &Ident,
    candidates: impl IntoIterator<Item = &'a str>,
) -> CheckError {
    // hidden names (the empty name of an implicit binding) are never suggested
    let cands: Vec<&str> = candidates.into_iter().filter(|c| !c.is_empty()).collect();
    // the best by (distance, name), whatever the order of the candidates (some come from
    // maps): `did_you_mean` keeps the first of equally close names, so offer them sorted
    let mut sorted = cands.clone();
    sorted.sort_unstable();
    let suggestion = did_you_mean(&id.name, sorted).map(str::to_string);
    let hint = match (Foreign::of(&id.name), &suggestion) {
        (Some(word), None) => Some(Box::new(Hint::Foreign(word))),
        _ if suggestion.is_none() && !cands.is_empty() && cands.len() <= 8 => Some(Box::new(
            Hint::OneOf(cands.iter().map(|c| c.to_string()).collect()),
        )),
        _ => None,
    };
    CheckError::Unknown {
        kind,
        name: id.name.clone(),
        span: id.span,
        suggestion,
        hint,
    }
}

/// A value a rule file can name through a limits table: `limits.validation_window`.
#[derive(Debug, Clone)]
pub(crate) enum LimitRef {
    Value(Value, Ty),
    Pattern(PatternId),
}

/// A `statuses` block: the case type it names (if any), its enumeration, and its tags
/// (each with the statuses that carry it).
pub(crate) type StatusBlock = (Option<String>, EnumId, Vec<(String, Vec<bool>)>);

/// Everything declared, gathered before rules are checked.
pub(crate) struct Env {
    pub enums: Vec<EnumDef>,
    pub formats: Vec<FormatDef>,
    pub format_index: HashMap<String, FormatId>,
    pub patterns: Vec<Pattern>,
    pub records: Vec<RecordDef>,
    pub events: Vec<EventDef>,
    pub event_index: HashMap<String, EventId>,
    pub messages: Vec<Message>,
    pub message_index: HashMap<String, MessageId>,
    pub message_sources: Vec<usize>,
    /// Each message's texts as templates, by message index.
    pub templates: Vec<templates::MessageTemplate>,
    pub requirements: Vec<RequirementTable>,
    /// The file of each requirements table.
    pub requirement_sources: Vec<usize>,
    /// Each statuses block's enumeration, file, and the name of each status.
    pub status_sites: Vec<(EnumId, usize, Vec<Span>)>,
    /// The file and name of each deadline, by deadline index.
    pub deadline_sites: Vec<(usize, Span)>,
    pub calendars: Vec<crate::calendar::Calendar>,
    /// The policy's time zone, and where its limit is (file, span).
    pub zone: Option<(jiff::tz::TimeZone, usize, Span)>,
    /// requirement table name → (table index, enum of `of`, enum of each key column)
    pub req_index: HashMap<String, (TableId, EnumId, Vec<EnumId>)>,
    /// limits table name → limit name → value
    pub limits: HashMap<String, HashMap<String, LimitRef>>,
    /// enum type name (`role`, `status`, `roles.scenario`) → enum
    pub type_names: HashMap<String, EnumId>,
    /// The case types, in declaration order.
    pub cases: Vec<CaseDef>,
    /// The statuses blocks: (the case type it names, if any; its enum; its tags).
    pub status_blocks: Vec<StatusBlock>,
    pub deadlines: Vec<DeadlineDef>,
    pub deadline_index: HashMap<String, DeadlineId>,
    pub emitted: Vec<bool>,
    pub errors: Vec<(usize, CheckError)>,
    pub warnings: Vec<Diagnostic>,
    /// The policy's files, to say where something was first declared.
    pub sources: Vec<Source>,
    /// Types declared with an error already reported (a format whose pattern does not
    /// compile): their uses are typed as unknown, without a follow-on error.
    pub broken_types: HashSet<String>,
    /// The names values are shown under, one share each: every `show` of a name holds the
    /// same, so that an answer finds a name again by its share, without reading it.
    pub show_names: HashMap<String, Arc<str>>,
}

impl Env {
    /// The one share of show name `name`.
    pub fn show_name(&mut self, name: &str) -> Arc<str> {
        if let Some(shared) = self.show_names.get(name) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = name.into();
        self.show_names.insert(name.to_owned(), Arc::clone(&shared));
        shared
    }

    /// Reports a second declaration of `id` (a `kind` of thing), pointing at the first one.
    pub fn declared_twice(
        &mut self,
        source: usize,
        kind: &'static str,
        id: &Ident,
        first: Option<(usize, Span)>,
    ) {
        let first = first.map(|(source, span)| At { source, span });
        self.err(
            source,
            CheckError::DeclaredTwice {
                kind,
                name: id.name.clone(),
                span: id.span,
                first,
            },
        );
    }

    pub fn err(&mut self, source: usize, e: CheckError) {
        self.errors.push((source, e));
    }

    /// The text of `span` in file `source`, if it is one line (to quote it in a help).
    pub fn snippet(&self, source: usize, span: Span) -> Option<&str> {
        let text = self.sources.get(source)?.text.get(span.start..span.end)?;
        (!text.contains('\n')).then_some(text)
    }

    /// How an error names the expression at `span`: its one-line text in backticks, or
    /// `otherwise`.
    pub fn quote(&self, source: usize, span: Span, otherwise: &str) -> String {
        match self.snippet(source, span) {
            Some(text) => format!("`{text}`"),
            None => otherwise.into(),
        }
    }

    /// Where `span` of file `source` is, as seen from file `from`: `line 12` in the same
    /// file, `rules/x.docket:12` in another. For "first declared at …".
    pub fn place(&self, from: usize, source: usize, span: Span) -> Option<String> {
        let src = self.sources.get(source)?;
        let (line, _) = src.line_col(span.start);
        Some(if from == source {
            format!("line {line}")
        } else {
            format!("{}:{line}", src.name)
        })
    }

    /// Reports that `what` needs the policy's time zone, when it declares none (at the
    /// first place only: one missing line, one report).
    pub fn require_zone(&mut self, source: usize, span: Span, what: NeedsZone) {
        let reported = self
            .errors
            .iter()
            .any(|(_, e)| matches!(e, CheckError::NoZone { .. }));
        if self.zone.is_none() && !reported {
            self.err(source, CheckError::NoZone { what, span });
        }
    }

    /// The case type named `name`.
    pub fn case_ty(&self, name: &str) -> Option<CaseTypeId> {
        self.cases
            .iter()
            .position(|c| c.name == name)
            .map(CaseTypeId::at)
    }

    /// The case type whose participants are called `name` (`people` → `filing`).
    pub fn parts_ty(&self, name: &str) -> Option<CaseTypeId> {
        self.cases
            .iter()
            .position(|c| !c.parts.name.is_empty() && c.parts.name == name)
            .map(CaseTypeId::at)
    }

    /// The case type `ty` (an empty one if there is no such type, after an error).
    pub fn case_def(&self, ty: CaseTypeId) -> &CaseDef {
        static NONE: std::sync::OnceLock<CaseDef> = std::sync::OnceLock::new();
        self.cases
            .get(ty.index())
            .unwrap_or_else(|| NONE.get_or_init(CaseDef::empty))
    }

    /// The names of the case types, for "did you mean".
    pub fn case_names(&self) -> Vec<&str> {
        self.cases.iter().map(|c| c.name.as_str()).collect()
    }

    /// Resolves a type as written.
    pub fn resolve_type(&mut self, source: usize, t: &TypeExpr) -> Ty {
        let base = match &t.kind {
            TypeKind::Named(path) => self.resolve_named_type(source, path),
            TypeKind::Set(inner) => Ty::Set(Box::new(self.resolve_type(source, inner))),
            TypeKind::List(inner) => Ty::List(Box::new(self.resolve_type(source, inner))),
            TypeKind::Record(fields) => {
                let r = self.record(source, fields);
                Ty::Record(r)
            }
        };
        if t.optional {
            base.opt()
        } else {
            base
        }
    }

    fn resolve_named_type(&mut self, source: usize, path: &[Ident]) -> Ty {
        let text = path
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(".");
        let span = match (path.first(), path.last()) {
            (Some(a), Some(b)) => Span::new(a.span.start, b.span.end),
            _ => Span::default(),
        };
        match text.as_str() {
            "bool" => return Ty::Bool,
            "count" => return Ty::Count,
            "duration" => return Ty::Duration,
            "instant" => return Ty::Instant,
            "date" => return Ty::Date,
            "period" => return Ty::Period,
            "text" => return Ty::Text,
            _ => {}
        }
        if let Some(f) = self.format_index.get(&text) {
            return Ty::Format(*f);
        }
        if let Some(e) = self.type_names.get(&text) {
            return Ty::Enum(*e);
        }
        if self.broken_types.contains(&text) {
            return Ty::Unknown;
        }
        let mut names: Vec<String> = [
            "bool", "count", "duration", "instant", "date", "period", "text",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        names.extend(self.format_index.keys().cloned());
        names.extend(self.type_names.keys().cloned());
        names.sort();
        let id = Ident { name: text, span };
        let e = unknown("type", &id, names.iter().map(String::as_str));
        self.err(source, e);
        Ty::Unknown
    }

    /// A sensitive value is sealed as its event is read (a keyed hash, kept as text), so only
    /// a text or a format, optional or not, may be declared `sensitive`.
    pub fn sealable(&mut self, source: usize, name: &Ident, span: Span, ty: &Ty) {
        if matches!(ty.strip_opt(), Ty::Text | Ty::Format(_) | Ty::Unknown) {
            return;
        }
        let e = CheckError::Unsealable {
            field: name.name.clone(),
            ty: ty.strip_opt().clone(),
            span,
        };
        self.err(source, e);
    }

    fn record(&mut self, source: usize, fields: &[ast::RecordField]) -> RecordId {
        let mut defs: Vec<RecordFieldDef> = Vec::new();
        for f in fields {
            if defs.iter().any(|d| d.name == f.name.name) {
                let first = fields.iter().find(|x| x.name.name == f.name.name);
                self.declared_twice(
                    source,
                    "field",
                    &f.name,
                    first.map(|x| (source, x.name.span)),
                );
                continue;
            }
            let ty = self.resolve_type(source, &f.ty);
            if f.sensitive {
                self.sealable(source, &f.name, f.ty.span, &ty);
            }
            defs.push(RecordFieldDef {
                name: f.name.name.clone(),
                ty,
                sensitive: f.sensitive,
            });
        }
        self.records.push(RecordDef { fields: defs });
        RecordId::at(self.records.len() - 1)
    }

    pub fn add_enum(&mut self, name: String, values: Vec<String>) -> EnumId {
        self.enums.push(EnumDef {
            name: name.clone(),
            values,
        });
        let id = EnumId::at(self.enums.len() - 1);
        self.type_names.insert(name, id);
        id
    }
}

/// A loaded, not yet checked policy: rule files and tables.
pub(crate) struct Parsed {
    pub sources: Vec<Source>,
    pub files: Vec<ast::File>,
    pub tables: Vec<(usize, Table)>,
    /// Tables that failed to load: their names (file stems) and kinds, when the `kind:` line
    /// could be read. Rules are still checked, but names a broken table would have declared
    /// are not reported as unknown.
    pub broken_tables: Vec<(String, Option<String>)>,
}

/// Whether an error may only be a consequence of a table that failed to load.
fn follows_from_broken_table(e: &CheckError, broken: &[(String, Option<String>)]) -> bool {
    let e = match e {
        CheckError::AtEmit { error, .. } => error,
        e => e,
    };
    // the zone is a limit: a broken limits table may have declared it
    if matches!(e, CheckError::NoZone { .. }) {
        return broken
            .iter()
            .any(|(_, kind)| kind.as_deref().is_none_or(|k| k == "limits"));
    }
    let CheckError::Unknown { kind, name, .. } = e else {
        return false;
    };
    broken.iter().any(|(table, table_kind)| {
        let is = |k: &str| table_kind.as_deref().is_none_or(|t| t == k);
        (*kind == "name" && name == table)
            || (is("messages") && *kind == "message id")
            || (is("limits") && matches!(*kind, "limit" | "limits table"))
            || (is("calendar") && *kind == "calendar table")
            || (is("requirements") && matches!(*kind, "table" | "type" | "value"))
    })
}

/// Checks a parsed policy. On success, returns the program and any warnings.
pub(crate) fn check(parsed: Parsed) -> Result<(Program, Vec<Diagnostic>), Vec<Diagnostic>> {
    let Parsed {
        sources,
        files,
        tables,
        broken_tables,
    } = parsed;
    let mut env = Env {
        enums: Vec::new(),
        formats: Vec::new(),
        format_index: HashMap::new(),
        patterns: Vec::new(),
        records: Vec::new(),
        events: Vec::new(),
        event_index: HashMap::new(),
        messages: Vec::new(),
        message_index: HashMap::new(),
        message_sources: Vec::new(),
        templates: Vec::new(),
        requirements: Vec::new(),
        requirement_sources: Vec::new(),
        status_sites: Vec::new(),
        deadline_sites: Vec::new(),
        calendars: Vec::new(),
        zone: None,
        req_index: HashMap::new(),
        limits: HashMap::new(),
        type_names: HashMap::new(),
        cases: Vec::new(),
        status_blocks: Vec::new(),
        deadlines: Vec::new(),
        deadline_index: HashMap::new(),
        emitted: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        sources,
        broken_types: HashSet::new(),
        show_names: HashMap::new(),
    };
    let first_rule_source = files.first().map(|f| f.source).unwrap_or(0);
    decls::gather_tables(&mut env, tables, &files);
    decls::gather_statuses(&mut env, &files);
    decls::gather_enums(&mut env, &files);
    decls::gather_formats(&mut env, &files);
    decls::gather_case(&mut env, &files, first_rule_source);
    decls::gather_events(&mut env, &files);
    templates::parse_messages(&mut env);
    fields::check_fields_and_deadlines(&mut env, &files);
    let (event_handlers, deadline_handlers) = rules::check_handlers(&mut env, &files);
    let (migrations, dropped_cases) = migrate::check_migrations(&mut env, &files);
    let invariants = invariants::check_invariants(&mut env, &files);

    for (i, used) in env.emitted.iter().enumerate() {
        if !used {
            let m = &env.messages[i];
            let d = Diagnostic::warning(
                Code::UnusedMessage,
                env.message_sources[i],
                m.span,
                format!("no rule emits message `{}`", m.id),
            )
            .with_help("emit it from a rule, or remove it from the table");
            env.warnings.push(d);
        }
    }

    if !broken_tables.is_empty() {
        env.errors
            .retain(|(_, e)| !follows_from_broken_table(e, &broken_tables));
        // the policy is not usable anyway: its tables are broken
        return Err(finish_errors(&mut env));
    }
    if !env.errors.is_empty() {
        return Err(finish_errors(&mut env));
    }
    let shared = crate::program::SharedOut {
        messages: templates::shared_messages(&env),
        statuses: env
            .cases
            .iter()
            .map(|c| {
                env.enums[c.status_enum.index()]
                    .values
                    .iter()
                    .map(|s| s.as_str().into())
                    .collect()
            })
            .collect(),
        case_names: env.cases.iter().map(|c| c.name.as_str().into()).collect(),
        names: Default::default(),
        singletons: (0..env.enums.len())
            .map(EnumId::at)
            .zip(&env.enums)
            .map(|(e, def)| {
                (0..def.values.len())
                    .map(|i| Value::Set(vec![Value::Enum(e, MemberId::at(i))].into()))
                    .collect()
            })
            .collect(),
        requirement_sets: env
            .requirements
            .iter()
            .map(|t| {
                let Some(of) = env
                    .enums
                    .iter()
                    .position(|e| e.name == t.of)
                    .map(EnumId::at)
                else {
                    return Vec::new();
                };
                t.rows
                    .iter()
                    .map(|row| {
                        Value::set_of(
                            row.required
                                .iter()
                                .map(|i| Value::Enum(of, MemberId::at(*i)))
                                .collect(),
                        )
                    })
                    .collect()
            })
            .collect(),
    };
    let sites = sites(&env);
    let mut program = Program {
        sites,
        shared,
        sources: env.sources,
        enums: env.enums,
        formats: env.formats,
        records: env.records,
        events: env.events,
        event_index: env.event_index,
        requirements: env.requirements,
        calendars: env.calendars,
        zone: env.zone.map(|(z, _, _)| z),
        patterns: env.patterns,
        cases: env.cases,
        deadlines: env.deadlines,
        event_handlers,
        deadline_handlers,
        migrations,
        dropped_cases,
        invariants,
        compiled: false,
        reads_unwritten: false,
        id: crate::program::new_program_id(),
    };
    program.shared.names = std::sync::Arc::new(crate::shown::ValueNames::of(&program));
    program.compile(true);
    program.prepare_trace();
    Ok((program, env.warnings))
}

/// Where the policy's messages, table rows, statuses and deadlines are written.
fn sites(env: &Env) -> crate::sites::Sites {
    use crate::sites::Site;
    let at = |source: usize, span: Span| Site::at(&env.sources, source, span.start);
    crate::sites::Sites {
        messages: env
            .messages
            .iter()
            .zip(&env.message_sources)
            .map(|(m, s)| at(*s, m.span))
            .collect(),
        rows: env
            .requirements
            .iter()
            .zip(&env.requirement_sources)
            .map(|(t, s)| t.rows.iter().map(|r| at(*s, r.span)).collect())
            .collect(),
        statuses: env
            .cases
            .iter()
            .map(|c| {
                env.status_sites
                    .iter()
                    .find(|(e, _, _)| *e == c.status_enum)
                    .map(|(_, s, spans)| spans.iter().map(|sp| at(*s, *sp)).collect())
                    .unwrap_or_default()
            })
            .collect(),
        deadlines: env
            .deadline_sites
            .iter()
            .map(|(s, sp)| at(*s, *sp))
            .collect(),
    }
}

/// The errors as diagnostics, in file and position order, each reported once.
fn finish_errors(env: &mut Env) -> Vec<Diagnostic> {
    let errors = std::mem::take(&mut env.errors);
    let mut out: Vec<Diagnostic> = errors
        .into_iter()
        .map(|(s, e)| e.into_diagnostic(s, env))
        .collect();
    out.sort_by_key(|d| (d.source, d.span.start));
    // one mistake checked from two places (a field read by two rules) is reported once
    out.dedup();
    out
}
