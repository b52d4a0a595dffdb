//! The checker: resolves every name of the rule files against the declarations and tables,
//! types every expression, and builds a [`Program`]. All problems are collected, not the first.

mod expr;
mod fields;
mod ir;
mod names;
mod ops;
mod rules;
#[cfg(test)]
mod tests;

use crate::ast::{self, Ident, TypeExpr, TypeKind};
use crate::diag::{did_you_mean, Diagnostic};
use crate::program::*;
use crate::span::{Source, Span};
use crate::tables::{LimitValue, Message, Pattern, RequirementTable, Table};
use crate::value::{Ty, Value};
use std::collections::{HashMap, HashSet};

/// A problem found while checking a policy. Rendered through [`Diagnostic`].
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// `emit validaton_failed` when the messages table has `validation_failed`
    #[error("unknown {kind} `{name}`")]
    Unknown {
        kind: &'static str,
        name: String,
        span: Span,
        suggestion: Option<String>,
        hint: Option<String>,
    },
    /// `when p.failures >= limits.validation_window` (a count compared with a duration)
    #[error("{message}")]
    Type {
        message: String,
        span: Span,
        help: Option<String>,
    },
    /// `set p.pending = true` where `pending` is derived
    #[error("{message}")]
    ReadOnly { message: String, span: Span },
    /// two `statuses` blocks, two `on sms_sent` handlers, a status declared twice
    #[error("{message}")]
    Duplicate {
        message: String,
        span: Span,
        /// Where the first one is: `line 12`, or `rules/x.docket:12` in another file.
        first: Option<String>,
        help: Option<String>,
    },
    /// `show code = event.code` where `code` is sensitive
    #[error("{message}")]
    Sensitive { message: String, span: Span },
    /// anything else the policy cannot mean, e.g. no `case` declared
    #[error("{message}")]
    Invalid {
        message: String,
        span: Span,
        help: Option<String>,
    },
}

impl CheckError {
    fn into_diagnostic(self, source: usize) -> Diagnostic {
        let message = self.to_string();
        match self {
            CheckError::Unknown {
                span,
                suggestion,
                hint,
                ..
            } => {
                let d = Diagnostic::error(source, span, message);
                match (suggestion, hint) {
                    (Some(s), _) => d.with_help(format!("did you mean `{s}`?")),
                    (None, Some(h)) => d.with_help(h),
                    (None, None) => d,
                }
            }
            CheckError::Type { span, help, .. } | CheckError::Invalid { span, help, .. } => {
                let d = Diagnostic::error(source, span, message);
                match help {
                    Some(h) => d.with_help(h),
                    None => d,
                }
            }
            CheckError::ReadOnly { span, .. } => Diagnostic::error(source, span, message)
                .with_help("only stored fields of the case and its participants can be set"),
            CheckError::Duplicate {
                span, first, help, ..
            } => {
                let mut d = Diagnostic::error(source, span, message);
                d.label = first.map(|f| format!("the first is at {f}"));
                d.help = help;
                d
            }
            CheckError::Sensitive { span, .. } => Diagnostic::error(source, span, message)
                .with_help(
                    "sensitive values may be compared, never shown: remove it from the output",
                ),
        }
    }
}

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
    let hint = if suggestion.is_none() && !cands.is_empty() && cands.len() <= 8 {
        Some(format!(
            "expected one of {}",
            cands
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        None
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
    Pattern(u16),
}

/// Everything declared, gathered before rules are checked.
pub(crate) struct Env {
    pub enums: Vec<EnumDef>,
    pub formats: Vec<FormatDef>,
    pub format_index: HashMap<String, u16>,
    pub patterns: Vec<Pattern>,
    pub records: Vec<RecordDef>,
    pub events: Vec<EventDef>,
    pub event_index: HashMap<String, u16>,
    pub messages: Vec<Message>,
    pub message_index: HashMap<String, u16>,
    pub message_sources: Vec<usize>,
    pub requirements: Vec<RequirementTable>,
    /// requirement table name → (table index, enum of `of`, enum of each key column)
    pub req_index: HashMap<String, (u16, u16, Vec<u16>)>,
    /// limits table name → limit name → value
    pub limits: HashMap<String, HashMap<String, LimitRef>>,
    /// enum type name (`role`, `status`, `roles.scenario`) → enum
    pub type_names: HashMap<String, u16>,
    pub case: CaseDef,
    pub parts: PartsDef,
    pub deadlines: Vec<DeadlineDef>,
    pub deadline_index: HashMap<String, u16>,
    pub emitted: Vec<bool>,
    pub errors: Vec<(usize, CheckError)>,
    pub warnings: Vec<Diagnostic>,
    /// The policy's files, to say where something was first declared.
    pub sources: Vec<Source>,
    /// Types declared with an error already reported (a format whose pattern does not
    /// compile): their uses are typed as unknown, without a follow-on error.
    pub broken_types: HashSet<String>,
}

impl Env {
    /// Records a type error.
    pub fn type_error(&mut self, source: usize, span: Span, message: String, help: Option<String>) {
        self.err(
            source,
            CheckError::Type {
                message,
                span,
                help,
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

    /// The `status` enum.
    pub fn status_enum(&self) -> u16 {
        self.case.status_enum
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
        let mut names: Vec<String> = ["bool", "count", "duration", "instant", "text"]
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

    fn record(&mut self, source: usize, fields: &[ast::RecordField]) -> u16 {
        let mut defs: Vec<RecordFieldDef> = Vec::new();
        for f in fields {
            if defs.iter().any(|d| d.name == f.name.name) {
                let first = fields
                    .iter()
                    .find(|x| x.name.name == f.name.name)
                    .and_then(|x| self.place(source, source, x.name.span));
                self.err(
                    source,
                    CheckError::Duplicate {
                        message: format!("field `{}` is declared twice", f.name.name),
                        span: f.name.span,
                        first,
                        help: None,
                    },
                );
                continue;
            }
            let ty = self.resolve_type(source, &f.ty);
            defs.push(RecordFieldDef {
                name: f.name.name.clone(),
                ty,
                sensitive: f.sensitive,
            });
        }
        self.records.push(RecordDef { fields: defs });
        (self.records.len() - 1) as u16
    }

    pub fn add_enum(&mut self, name: String, values: Vec<String>) -> u16 {
        self.enums.push(EnumDef {
            name: name.clone(),
            values,
        });
        let id = (self.enums.len() - 1) as u16;
        self.type_names.insert(name, id);
        id
    }
}

/// A loaded, not yet checked policy: rule files and tables.
pub(crate) struct Parsed {
    pub sources: Vec<Source>,
    pub files: Vec<ast::File>,
    pub tables: Vec<(usize, Table)>,
}

/// Checks a parsed policy. On success, returns the program and any warnings.
pub(crate) fn check(parsed: Parsed) -> Result<(Program, Vec<Diagnostic>), Vec<Diagnostic>> {
    let Parsed {
        sources,
        files,
        tables,
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
        requirements: Vec::new(),
        req_index: HashMap::new(),
        limits: HashMap::new(),
        type_names: HashMap::new(),
        case: CaseDef {
            name: String::new(),
            key_name: String::new(),
            key_format: None,
            status_enum: 0,
            tags: Vec::new(),
            fields: Vec::new(),
        },
        parts: PartsDef {
            name: String::new(),
            fields: Vec::new(),
            indexed: Vec::new(),
        },
        deadlines: Vec::new(),
        deadline_index: HashMap::new(),
        emitted: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        sources,
        broken_types: HashSet::new(),
    };
    let first_rule_source = files.first().map(|f| f.source).unwrap_or(0);
    gather_tables(&mut env, tables, &files);
    gather_statuses(&mut env, &files, first_rule_source);
    gather_formats(&mut env, &files);
    gather_case(&mut env, &files, first_rule_source);
    gather_events(&mut env, &files);
    fields::check_fields_and_deadlines(&mut env, &files);
    let (event_handlers, deadline_handlers) = rules::check_handlers(&mut env, &files);

    for (i, used) in env.emitted.iter().enumerate() {
        if !used {
            let m = &env.messages[i];
            let d = Diagnostic::warning(
                env.message_sources[i],
                m.span,
                format!("no rule emits message `{}`", m.id),
            )
            .with_help("emit it from a rule, or remove it from the table");
            env.warnings.push(d);
        }
    }

    if !env.errors.is_empty() {
        let mut out: Vec<Diagnostic> = env
            .errors
            .into_iter()
            .map(|(s, e)| e.into_diagnostic(s))
            .collect();
        out.sort_by_key(|d| (d.source, d.span.start));
        // one mistake checked from two places (a field read by two rules) is reported once
        out.dedup();
        return Err(out);
    }
    let program = Program {
        sources: env.sources,
        enums: env.enums,
        formats: env.formats,
        records: env.records,
        events: env.events,
        event_index: env.event_index,
        messages: env.messages,
        requirements: env.requirements,
        patterns: env.patterns,
        case: env.case,
        parts: env.parts,
        deadlines: env.deadlines,
        event_handlers,
        deadline_handlers,
    };
    Ok((program, env.warnings))
}

/// The names of the built-in types.
const BUILTIN_TYPES: [&str; 5] = ["bool", "count", "duration", "instant", "text"];

/// Where `key:` is written at the top level of a YAML file (its line), to point at it: a
/// table keeps no place for its keys.
fn top_level_key_span(text: &str, key: &str) -> Span {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if line.strip_prefix(key).is_some_and(|r| r.starts_with(':')) {
            return Span::new(start, start + line.trim_end().len());
        }
        start += line.len();
    }
    Span::default()
}

/// The type names a requirements table declares (its `of`, and `<table>.<column>` for each
/// key column) must be new: a type name means one enumeration. A clash is reported, and
/// the clashing enumeration is still made (so that rules raise no follow-on errors) but not
/// named.
fn declare_type(
    env: &mut Env,
    declared: &mut HashMap<String, (String, usize, Span)>,
    statuses: Option<(usize, Span)>,
    (source, table, span): (usize, &str, Span),
    name: String,
    values: Vec<String>,
) -> u16 {
    let clash = if name == "status" {
        Some(CheckError::Duplicate {
            message: format!(
                "table `{table}` declares the type `status`, which is the type of the statuses"
            ),
            span,
            first: statuses.and_then(|(s, sp)| env.place(source, s, sp)),
            help: Some("give the type of its values another name in `of`".into()),
        })
    } else if BUILTIN_TYPES.contains(&name.as_str()) {
        Some(CheckError::Invalid {
            message: format!("table `{table}` declares the type `{name}`, which is built in"),
            span,
            help: Some("give the type of its values another name in `of`".into()),
        })
    } else if let Some((first_table, s, sp)) = declared.get(&name) {
        Some(CheckError::Duplicate {
            message: format!("tables `{first_table}` and `{table}` both declare the type `{name}`"),
            span,
            first: env.place(source, *s, *sp),
            help: Some(
                "a type name means one set of values: give one of them another name in `of`, or merge the tables"
                    .into(),
            ),
        })
    } else {
        None
    };
    match clash {
        Some(e) => {
            env.err(source, e);
            env.enums.push(EnumDef { name, values });
            (env.enums.len() - 1) as u16
        }
        None => {
            declared.insert(name.clone(), (table.to_string(), source, span));
            env.add_enum(name, values)
        }
    }
}

fn gather_tables(env: &mut Env, tables: Vec<(usize, Table)>, files: &[ast::File]) {
    let statuses = files
        .iter()
        .find_map(|f| f.statuses.first().map(|d| (f.source, d.span)));
    let mut declared: HashMap<String, (String, usize, Span)> = HashMap::new();
    for (source, table) in tables {
        match table {
            Table::Requirements(t) => {
                let idx = env.requirements.len() as u16;
                let text = env.sources.get(source).map(|s| s.text.as_str());
                let of_span = text.map_or(Span::default(), |t| top_level_key_span(t, "of"));
                let keys_span = text.map_or(Span::default(), |t| top_level_key_span(t, "keys"));
                let of = declare_type(
                    env,
                    &mut declared,
                    statuses,
                    (source, &t.name, of_span),
                    t.of.clone(),
                    t.values.clone(),
                );
                let mut key_enums = Vec::new();
                for (k, key) in t.keys.iter().enumerate() {
                    key_enums.push(declare_type(
                        env,
                        &mut declared,
                        statuses,
                        (source, &t.name, keys_span),
                        format!("{}.{}", t.name, key),
                        t.column_values(k),
                    ));
                }
                env.req_index.insert(t.name.clone(), (idx, of, key_enums));
                env.requirements.push(t);
            }
            Table::Limits(t) => {
                let mut map = HashMap::new();
                for l in &t.limits {
                    let r = match &l.value {
                        LimitValue::Count(n) => LimitRef::Value(Value::Count(*n), Ty::Count),
                        LimitValue::Duration(d) => {
                            LimitRef::Value(Value::Duration(*d), Ty::Duration)
                        }
                        LimitValue::Text(s) => LimitRef::Value(Value::Text(s.clone()), Ty::Text),
                        LimitValue::Pattern(p) => {
                            env.patterns.push(p.clone());
                            LimitRef::Pattern((env.patterns.len() - 1) as u16)
                        }
                    };
                    map.insert(l.name.clone(), r);
                }
                env.limits.insert(t.name.clone(), map);
            }
            Table::Messages(t) => {
                for m in t.messages {
                    if let Some(&i) = env.message_index.get(&m.id) {
                        let first = env.place(
                            source,
                            env.message_sources[i as usize],
                            env.messages[i as usize].span,
                        );
                        env.err(
                            source,
                            CheckError::Duplicate {
                                message: format!("message `{}` is defined in two tables", m.id),
                                span: m.span,
                                first,
                                help: None,
                            },
                        );
                        continue;
                    }
                    env.message_sources.push(source);
                    env.message_index
                        .insert(m.id.clone(), env.messages.len() as u16);
                    env.messages.push(m);
                }
            }
        }
    }
    env.emitted = vec![false; env.messages.len()];
}

fn gather_statuses(env: &mut Env, files: &[ast::File], fallback_source: usize) {
    let mut decls = files
        .iter()
        .flat_map(|f| f.statuses.iter().map(move |d| (f.source, d)));
    let Some((source, decl)) = decls.next() else {
        env.err(
            fallback_source,
            CheckError::Invalid {
                message: "the policy declares no statuses".into(),
                span: Span::default(),
                help: Some(
                    "add a block like `statuses { open  closed: final }`; the first status is the initial one"
                        .into(),
                ),
            },
        );
        env.case.status_enum = env.add_enum("status".into(), vec!["initial".into()]);
        return;
    };
    for (s, extra) in decls {
        let first = env.place(s, source, decl.span);
        env.err(
            s,
            CheckError::Duplicate {
                message: "a second `statuses` block".into(),
                span: extra.span,
                first,
                help: Some(
                    "list every status in one block: the first status listed is the initial one"
                        .into(),
                ),
            },
        );
    }
    let mut names: Vec<String> = Vec::new();
    let mut tags: Vec<(String, Vec<bool>)> = Vec::new();
    for item in &decl.items {
        if names.contains(&item.name.name) {
            let first = decl
                .items
                .iter()
                .find(|i| i.name.name == item.name.name)
                .and_then(|i| env.place(source, source, i.name.span));
            env.err(
                source,
                CheckError::Duplicate {
                    message: format!("status `{}` is declared twice", item.name.name),
                    span: item.name.span,
                    first,
                    help: None,
                },
            );
            continue;
        }
        let idx = names.len();
        names.push(item.name.name.clone());
        for t in &item.tags {
            match tags.iter_mut().find(|(n, _)| *n == t.name) {
                Some((_, v)) => {
                    v.resize(idx + 1, false);
                    v[idx] = true;
                }
                None => {
                    let mut v = vec![false; idx + 1];
                    v[idx] = true;
                    tags.push((t.name.clone(), v));
                }
            }
        }
    }
    for (_, v) in &mut tags {
        v.resize(names.len(), false);
    }
    if names.is_empty() {
        env.err(
            source,
            CheckError::Invalid {
                message: "the `statuses` block is empty".into(),
                span: decl.span,
                help: Some(
                    "list the statuses a case can have; the first is the initial one".into(),
                ),
            },
        );
        names.push("initial".into());
    }
    env.case.status_enum = env.add_enum("status".into(), names);
    env.case.tags = tags;
}

fn gather_formats(env: &mut Env, files: &[ast::File]) {
    for f in files {
        for d in &f.formats {
            if env.format_index.contains_key(&d.name.name) {
                let first = first_declared(
                    files,
                    |f| f.formats.iter().map(|x| &x.name).collect(),
                    &d.name.name,
                )
                .and_then(|(s, span)| env.place(f.source, s, span));
                env.err(
                    f.source,
                    CheckError::Duplicate {
                        message: format!("format `{}` is declared twice", d.name.name),
                        span: d.name.span,
                        first,
                        help: None,
                    },
                );
                continue;
            }
            // a type name means one type: a format may not take the name of another
            let name = d.name.name.as_str();
            if env.type_names.contains_key(name) || BUILTIN_TYPES.contains(&name) {
                let by = match env.requirements.iter().find(|t| t.of == name) {
                    Some(t) => format!("table `{}`", t.name),
                    None if name == "status" => "the `statuses` block".into(),
                    None => "the language".into(),
                };
                env.err(
                    f.source,
                    CheckError::Invalid {
                        message: format!("the type `{name}` is declared by {by} already"),
                        span: d.name.span,
                        help: Some("give the format another name".into()),
                    },
                );
                continue;
            }
            let pattern = match &d.pattern {
                ast::PatternSrc::Regex(src, span) => match Pattern::new(src) {
                    Ok(p) => p,
                    Err(e) => {
                        env.err(f.source, expr::bad_pattern(&e, *span));
                        env.broken_types.insert(d.name.name.clone());
                        continue;
                    }
                },
                ast::PatternSrc::Limit(path) => match expr::limit_pattern(env, path) {
                    Ok(idx) => env.patterns[idx as usize].clone(),
                    Err(e) => {
                        env.err(f.source, e);
                        env.broken_types.insert(d.name.name.clone());
                        continue;
                    }
                },
            };
            let mut def = FormatDef {
                name: d.name.name.clone(),
                pattern,
                uppercase: false,
                lowercase: false,
                trim: false,
                description: d.description.clone().unwrap_or_default(),
            };
            for t in &d.transforms {
                match t.name.as_str() {
                    "uppercase" => def.uppercase = true,
                    "lowercase" => def.lowercase = true,
                    _ => def.trim = true,
                }
            }
            env.format_index
                .insert(def.name.clone(), env.formats.len() as u16);
            env.formats.push(def);
        }
    }
}

fn gather_case(env: &mut Env, files: &[ast::File], fallback_source: usize) {
    let mut cases = files
        .iter()
        .flat_map(|f| f.cases.iter().map(move |d| (f.source, d)));
    match cases.next() {
        Some((source, c)) => {
            env.case.name = c.name.name.clone();
            env.case.key_name = c.key.name.clone();
            match env.resolve_type(source, &c.key_type) {
                Ty::Format(f) => env.case.key_format = Some(f),
                Ty::Text | Ty::Unknown => {}
                _ => env.err(
                    source,
                    CheckError::Type {
                        message: "a case key must be text or a format".into(),
                        span: c.key_type.span,
                        help: None,
                    },
                ),
            }
        }
        None => env.err(
            fallback_source,
            CheckError::Invalid {
                message: "the policy declares no case".into(),
                span: Span::default(),
                help: Some(
                    "declare what events are about, e.g. `case filing key id: filing_id { … }`"
                        .into(),
                ),
            },
        ),
    }
    for (s, extra) in cases {
        env.err(
            s,
            CheckError::Duplicate {
                message: format!(
                    "a second case `{}`: a policy has one case type",
                    extra.name.name
                ),
                span: extra.name.span,
                first: None,
                help: None,
            },
        );
    }
    let mut parts = files
        .iter()
        .flat_map(|f| f.participants.iter().map(move |d| (f.source, d)));
    if let Some((source, p)) = parts.next() {
        env.parts.name = p.name.name.clone();
        if p.case.name != env.case.name {
            let e = unknown("case", &p.case, [env.case.name.as_str()]);
            env.err(source, e);
        }
    }
    for (s, extra) in parts {
        env.err(
            s,
            CheckError::Duplicate {
                message: format!(
                    "a second participants block `{}`: a case has one kind of participant",
                    extra.name.name
                ),
                span: extra.name.span,
                first: None,
                help: None,
            },
        );
    }
}

fn gather_events(env: &mut Env, files: &[ast::File]) {
    for f in files {
        for e in &f.events {
            if env.event_index.contains_key(&e.name.name) {
                let first = first_declared(
                    files,
                    |f| f.events.iter().map(|x| &x.name).collect(),
                    &e.name.name,
                )
                .and_then(|(s, span)| env.place(f.source, s, span));
                env.err(
                    f.source,
                    CheckError::Duplicate {
                        message: format!("event `{}` is declared twice", e.name.name),
                        span: e.name.span,
                        first,
                        help: None,
                    },
                );
                continue;
            }
            for reserved in ["type", "at"] {
                if let Some(field) = e.fields.iter().find(|x| x.name.name == reserved) {
                    env.err(
                        f.source,
                        CheckError::Invalid {
                            message: format!("`{reserved}` is a field of every event already"),
                            span: field.name.span,
                            help: Some("remove it: every event carries `type` and `at`".into()),
                        },
                    );
                }
            }
            let fields: Vec<ast::RecordField> = e
                .fields
                .iter()
                .filter(|x| x.name.name != "type" && x.name.name != "at")
                .cloned()
                .collect();
            let record = env.record(f.source, &fields);
            env.event_index
                .insert(e.name.name.clone(), env.events.len() as u16);
            env.events.push(EventDef {
                name: e.name.name.clone(),
                record,
            });
        }
    }
}

/// The file and span of the first declaration named `name`, among the names `pick` lists.
pub(crate) fn first_declared(
    files: &[ast::File],
    pick: impl Fn(&ast::File) -> Vec<&Ident>,
    name: &str,
) -> Option<(usize, Span)> {
    files.iter().find_map(|f| {
        pick(f)
            .into_iter()
            .find(|i| i.name == name)
            .map(|i| (f.source, i.span))
    })
}
