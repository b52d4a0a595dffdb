//! Gathering declarations before rules are checked: tables, statuses, formats, the case and
//! its participants, events.

use super::{expr, unknown, At, CheckError, Env, LimitRef, Taker, TypeOwner};
use crate::ast::{self, Ident};
use crate::program::*;
use crate::span::Span;
use crate::tables::{LimitValue, Pattern, Table};
use crate::value::{Ty, Value};
use std::collections::HashMap;

/// The names of the built-in types.
const BUILTIN_TYPES: [&str; 7] = [
    "bool", "count", "duration", "instant", "date", "period", "text",
];

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
) -> EnumId {
    let clash = if name == "status" {
        Some(CheckError::StatusTypeInTable {
            table: table.to_string(),
            span,
            first: statuses.map(|(source, span)| At { source, span }),
        })
    } else if BUILTIN_TYPES.contains(&name.as_str()) {
        Some(CheckError::BuiltinTypeInTable {
            table: table.to_string(),
            name: name.clone(),
            span,
        })
    } else if let Some((first_table, s, sp)) = declared.get(&name) {
        Some(CheckError::TypeInTwoTables {
            name: name.clone(),
            first_table: first_table.to_string(),
            table: table.to_string(),
            span,
            first: Some(At {
                source: *s,
                span: *sp,
            }),
        })
    } else {
        None
    };
    match clash {
        Some(e) => {
            env.err(source, e);
            env.enums.push(EnumDef { name, values });
            EnumId::at(env.enums.len() - 1)
        }
        None => {
            declared.insert(name.clone(), (table.to_string(), source, span));
            env.add_enum(name, values)
        }
    }
}

pub(super) fn gather_tables(env: &mut Env, tables: Vec<(usize, Table)>, files: &[ast::File]) {
    let statuses = files
        .iter()
        .find_map(|f| f.statuses.first().map(|d| (f.source, d.span)));
    let mut declared: HashMap<String, (String, usize, Span)> = HashMap::new();
    for (source, table) in tables {
        match table {
            Table::Requirements(t) => {
                let idx = TableId::at(env.requirements.len());
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
                env.requirement_sources.push(source);
            }
            Table::Limits(t) => {
                let mut map = HashMap::new();
                for l in &t.limits {
                    let r = match &l.value {
                        LimitValue::Count(n) => LimitRef::Value(Value::Count(*n), Ty::Count),
                        LimitValue::Duration(d) => {
                            LimitRef::Value(Value::Duration(*d), Ty::Duration)
                        }
                        LimitValue::Text(s) => LimitRef::Value(Value::text(s), Ty::Text),
                        LimitValue::Period(p) => LimitRef::Value(Value::Period(*p), Ty::Period),
                        LimitValue::Zone(name, zone) => {
                            match &env.zone {
                                Some((_, s, span)) => {
                                    let first = Some(At {
                                        source: *s,
                                        span: *span,
                                    });
                                    env.err(
                                        source,
                                        CheckError::SecondZone {
                                            limit: l.name.clone(),
                                            span: l.span,
                                            first,
                                        },
                                    );
                                }
                                None => env.zone = Some((zone.clone(), source, l.span)),
                            }
                            // read as text: the zone's name
                            LimitRef::Value(Value::text(name), Ty::Text)
                        }
                        LimitValue::Pattern(p) => {
                            env.patterns.push(p.clone());
                            LimitRef::Pattern(PatternId::at(env.patterns.len() - 1))
                        }
                    };
                    map.insert(l.name.clone(), r);
                }
                env.limits.insert(t.name.clone(), map);
            }
            Table::Calendar(c) => {
                env.calendars.push(c);
            }
            Table::Messages(t) => {
                for m in t.messages {
                    if let Some(&i) = env.message_index.get(&m.id) {
                        let first = Some(At {
                            source: env.message_sources[i.index()],
                            span: env.messages[i.index()].span,
                        });
                        env.err(
                            source,
                            CheckError::MessageInTwoTables {
                                id: m.id.clone(),
                                span: m.span,
                                first,
                            },
                        );
                        continue;
                    }
                    env.message_sources.push(source);
                    env.message_index
                        .insert(m.id.clone(), MessageId::at(env.messages.len()));
                    env.messages.push(m);
                }
            }
        }
    }
    env.emitted = vec![false; env.messages.len()];
}

/// The `statuses` blocks: each becomes an enumeration (`status` for the unnamed block,
/// `<case>.status` for a case type's own), assigned to case types by [`gather_case`].
pub(super) fn gather_statuses(env: &mut Env, files: &[ast::File]) {
    let mut seen: Vec<(Option<String>, usize, Span)> = Vec::new();
    for f in files {
        for decl in &f.statuses {
            let for_case = decl.case.as_ref().map(|c| c.name.clone());
            if let Some((_, s, span)) = seen.iter().find(|(c, _, _)| *c == for_case) {
                let first = Some(At {
                    source: *s,
                    span: *span,
                });
                env.err(
                    f.source,
                    CheckError::SecondStatuses {
                        case: for_case.clone(),
                        span: decl.span,
                        first,
                    },
                );
                continue;
            }
            seen.push((for_case.clone(), f.source, decl.span));
            let (names, tags) = status_items(env, f.source, decl);
            let enum_name = match &for_case {
                Some(c) => format!("{c}.status"),
                None => "status".into(),
            };
            let e = env.add_enum(enum_name, names);
            // each status where it is first named, in the enumeration's order
            let mut spans: Vec<(&str, Span)> = Vec::new();
            for item in &decl.items {
                if !spans.iter().any(|(n, _)| *n == item.name.name) {
                    spans.push((&item.name.name, item.name.span));
                }
            }
            let spans = spans.into_iter().map(|(_, s)| s).collect();
            env.status_sites.push((e, f.source, spans));
            env.status_blocks.push((for_case, e, tags));
        }
    }
}

/// The statuses of one block, and which statuses carry each tag.
fn status_items(
    env: &mut Env,
    source: usize,
    decl: &ast::StatusesDecl,
) -> (Vec<String>, Vec<(String, Vec<bool>)>) {
    let mut names: Vec<String> = Vec::new();
    let mut tags: Vec<(String, Vec<bool>)> = Vec::new();
    for item in &decl.items {
        if names.contains(&item.name.name) {
            let first = decl.items.iter().find(|i| i.name.name == item.name.name);
            env.declared_twice(
                source,
                "status",
                &item.name,
                first.map(|i| (source, i.name.span)),
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
        env.err(source, CheckError::EmptyStatuses { span: decl.span });
        names.push("initial".into());
    }
    (names, tags)
}

/// `enum ground { … }`: a type of named values, declared in the rules.
pub(super) fn gather_enums(env: &mut Env, files: &[ast::File]) {
    for f in files {
        for d in &f.enums {
            let name = d.name.name.as_str();
            if env.type_names.contains_key(name) || BUILTIN_TYPES.contains(&name) {
                env.err(
                    f.source,
                    CheckError::EnumNameTaken {
                        name: name.to_string(),
                        span: d.name.span,
                    },
                );
                continue;
            }
            let mut values: Vec<String> = Vec::new();
            for v in &d.values {
                if values.contains(&v.name) {
                    let first = d.values.iter().find(|x| x.name == v.name);
                    env.declared_twice(f.source, "value", v, first.map(|x| (f.source, x.span)));
                    continue;
                }
                values.push(v.name.clone());
            }
            if values.is_empty() {
                env.err(
                    f.source,
                    CheckError::EmptyEnum {
                        name: name.to_string(),
                        span: d.name.span,
                    },
                );
                continue;
            }
            env.add_enum(name.to_string(), values);
        }
    }
}

pub(super) fn gather_formats(env: &mut Env, files: &[ast::File]) {
    for f in files {
        for d in &f.formats {
            if env.format_index.contains_key(&d.name.name) {
                declared_twice(env, files, f.source, "format", &d.name, |f| {
                    f.formats.iter().map(|x| &x.name).collect()
                });
                continue;
            }
            // a type name means one type: a format may not take the name of another
            let name = d.name.name.as_str();
            if env.type_names.contains_key(name) || BUILTIN_TYPES.contains(&name) {
                let by = match env.requirements.iter().find(|t| t.of == name) {
                    Some(t) => TypeOwner::Table(t.name.clone()),
                    None if name == "status" => TypeOwner::Statuses,
                    None => TypeOwner::Language,
                };
                env.err(
                    f.source,
                    CheckError::FormatNameTaken {
                        name: name.to_string(),
                        by,
                        span: d.name.span,
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
                    Ok(idx) => env.patterns[idx.index()].clone(),
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
                max_chars: None,
                description: d.description.clone().unwrap_or_default(),
            };
            match &d.max_chars {
                None => {}
                Some(ast::LenSrc::Number(0, span)) => {
                    env.err(f.source, CheckError::EmptyFormat { span: *span })
                }
                Some(ast::LenSrc::Number(n, _)) => def.max_chars = usize::try_from(*n).ok(),
                Some(ast::LenSrc::Limit(path)) => match expr::resolve_limit(env, path) {
                    Ok(super::LimitRef::Value(crate::value::Value::Count(n), _)) => {
                        def.max_chars = usize::try_from(n).ok()
                    }
                    Ok(_) => env.err(
                        f.source,
                        CheckError::LengthNotCount {
                            limit: expr::path_text(path),
                            span: expr::span_of(path),
                        },
                    ),
                    Err(e) => env.err(f.source, e),
                },
            }
            for t in &d.transforms {
                match t.name.as_str() {
                    "uppercase" => def.uppercase = true,
                    "lowercase" => def.lowercase = true,
                    _ => def.trim = true,
                }
            }
            env.format_index
                .insert(def.name.clone(), FormatId::at(env.formats.len()));
            env.formats.push(def);
        }
    }
}

/// The case types, their statuses and their participants.
pub(super) fn gather_case(env: &mut Env, files: &[ast::File], fallback_source: usize) {
    for f in files {
        for c in &f.cases {
            if env.case_ty(&c.name.name).is_some() {
                declared_twice(env, files, f.source, "case", &c.name, |f| {
                    f.cases.iter().map(|x| &x.name).collect()
                });
                continue;
            }
            let mut def = CaseDef::empty();
            def.name = c.name.name.clone();
            def.key_name = c.key.name.clone();
            def.all_name = c.all.as_ref().map(|a| a.name.clone());
            if let Some(all) = &c.all {
                let taken = env.cases.iter().any(|other| {
                    other.all_name.as_deref() == Some(all.name.as_str()) || other.name == all.name
                }) || all.name == def.name;
                if taken {
                    env.err(
                        f.source,
                        CheckError::NameTaken {
                            name: all.name.clone(),
                            by: Taker::AllCases {
                                case: def.name.clone(),
                            },
                            span: all.span,
                        },
                    );
                    def.all_name = None;
                }
            }
            match env.resolve_type(f.source, &c.key_type) {
                Ty::Format(fmt) => def.key_format = Some(fmt),
                Ty::Text | Ty::Unknown => {}
                _ => env.err(
                    f.source,
                    CheckError::CaseKeyType {
                        span: c.key_type.span,
                    },
                ),
            }
            let own = env
                .status_blocks
                .iter()
                .find(|(for_case, _, _)| for_case.as_deref() == Some(def.name.as_str()))
                .or_else(|| {
                    env.status_blocks
                        .iter()
                        .find(|(for_case, _, _)| for_case.is_none())
                });
            match own {
                Some((_, e, tags)) => {
                    def.status_enum = *e;
                    def.tags = tags.clone();
                }
                None => {
                    env.err(
                        f.source,
                        CheckError::CaseWithoutStatuses {
                            case: def.name.clone(),
                            span: c.name.span,
                        },
                    );
                    def.status_enum =
                        env.add_enum(format!("{}.status", def.name), vec!["initial".into()]);
                }
            }
            env.cases.push(def);
        }
    }
    // A policy without a case type is stateless: its handlers route nowhere and answer
    // with what they `show` and `emit` (a table lookup, a limits check).
    let _ = fallback_source;
    // a statuses block for a case type that does not exist
    for f in files {
        for decl in &f.statuses {
            if let Some(c) = &decl.case {
                if env.case_ty(&c.name).is_none() {
                    let e = unknown("case", c, env.case_names());
                    env.err(f.source, e);
                }
            }
        }
    }
    // status names are types only once: the unnamed block is `status`
    let all_names: Vec<String> = env.cases.iter().map(|c| c.name.clone()).collect();
    for f in files {
        for p in &f.participants {
            let Some(ty) = env.case_ty(&p.case.name) else {
                let e = unknown("case", &p.case, all_names.iter().map(String::as_str));
                env.err(f.source, e);
                continue;
            };
            let taken = env.parts_ty(&p.name.name).is_some()
                || env.case_ty(&p.name.name).is_some()
                || env
                    .cases
                    .iter()
                    .any(|c| c.all_name.as_deref() == Some(p.name.name.as_str()));
            let def = &mut env.cases[ty.index()];
            if !def.parts.name.is_empty() {
                let e = CheckError::SecondParticipants {
                    name: p.name.name.clone(),
                    case: def.name.clone(),
                    span: p.name.span,
                };
                env.err(f.source, e);
                continue;
            }
            if taken {
                env.err(
                    f.source,
                    CheckError::NameTaken {
                        name: p.name.name.clone(),
                        by: Taker::Participants,
                        span: p.name.span,
                    },
                );
                continue;
            }
            def.parts.name = p.name.name.clone();
        }
    }
}

pub(super) fn gather_events(env: &mut Env, files: &[ast::File]) {
    for f in files {
        for e in &f.events {
            if env.event_index.contains_key(&e.name.name) {
                declared_twice(env, files, f.source, "event", &e.name, |f| {
                    f.events.iter().map(|x| &x.name).collect()
                });
                continue;
            }
            for reserved in ["type", "at"] {
                if let Some(field) = e.fields.iter().find(|x| x.name.name == reserved) {
                    env.err(
                        f.source,
                        CheckError::EventFieldBuiltIn {
                            field: reserved.to_string(),
                            span: field.name.span,
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
                .insert(e.name.name.clone(), EventId::at(env.events.len()));
            env.events.push(EventDef {
                name: e.name.name.clone(),
                record,
            });
        }
    }
}

/// Reports a second declaration of `id`, pointing at the first, which `pick` finds among each
/// file's declarations.
pub(crate) fn declared_twice(
    env: &mut Env,
    files: &[ast::File],
    source: usize,
    kind: &'static str,
    id: &Ident,
    pick: impl Fn(&ast::File) -> Vec<&Ident>,
) {
    let first = first_declared(files, pick, &id.name);
    env.declared_twice(source, kind, id, first);
}

/// The file and span of the first declaration named `name`, among the names `pick` lists.
fn first_declared(
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
