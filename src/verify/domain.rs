//! The small domains `docket verify` draws event fields from, generated from the policy's
//! declarations: formats give a few values matching their patterns, enumerations all their
//! members, text the examples of the policy's patterns and one that matches none, lists a few
//! short lists of their items. A field whose values cannot be bounded this way is an error
//! naming it.

use super::sample::example;
use super::Bounds;
use crate::program::{FormatId, Program, RecordId};
use crate::value::Ty;
use serde_json::{Map, Value as Json};

/// The most values one field may take, and the most events of one type per instant.
pub(super) const MAX_FIELD_VALUES: usize = 256;
pub(super) const MAX_EVENTS_OF_TYPE: usize = 4096;

/// Why a domain could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}` of event `{event}` cannot be bounded: {why}")]
pub struct Unbounded {
    /// The event type.
    pub event: String,
    /// The field (`personnel`, or `personnel.role` inside a record).
    pub field: String,
    /// Why, and what to do.
    pub why: String,
}

/// Every event of every type the exploration may send, as JSON fields (without `type` and
/// `at`), by event type.
pub(super) fn events(
    prog: &Program,
    bounds: &Bounds,
) -> Result<Vec<Vec<Map<String, Json>>>, Unbounded> {
    let mut out = Vec::new();
    for ev in &prog.events {
        let fields = prog
            .record(ev.record)
            .map_or(&[][..], |r| r.fields.as_slice());
        let mut maps = vec![Map::new()];
        for f in fields {
            let fail = |why: String| Unbounded {
                event: ev.name.clone(),
                field: f.name.clone(),
                why,
            };
            let values = values(prog, bounds, &f.ty, 0).map_err(|(path, why)| Unbounded {
                event: ev.name.clone(),
                field: path.map_or(f.name.clone(), |p| format!("{}.{p}", f.name)),
                why,
            })?;
            if maps.len() * values.len() > MAX_EVENTS_OF_TYPE {
                return Err(fail(format!(
                    "with it, an instant has {} `{}` events to try, more than {MAX_EVENTS_OF_TYPE}: give smaller bounds (`--keys`, `--values`, `--list-len`)",
                    maps.len() * values.len(),
                    ev.name
                )));
            }
            maps = product(maps, &f.name, &values);
        }
        out.push(maps);
    }
    Ok(out)
}

/// Each of `maps` with each of `values` as its field `name`.
fn product(maps: Vec<Map<String, Json>>, name: &str, values: &[Json]) -> Vec<Map<String, Json>> {
    maps.into_iter()
        .flat_map(|m| {
            values.iter().map(move |v| {
                let mut m = m.clone();
                m.insert(name.to_string(), v.clone());
                m
            })
        })
        .collect()
}

/// An error inside a value: the record field it is in (if any), and why.
type Fail = (Option<String>, String);

/// The values of type `ty`; `item` numbers the person of a list of records, whose text
/// fields all take their `item`-th value (the items of a list are people, each with their
/// own phone and certificate, say).
fn values(prog: &Program, bounds: &Bounds, ty: &Ty, item: usize) -> Result<Vec<Json>, Fail> {
    let vals = match ty {
        Ty::Bool => vec![Json::Bool(false), Json::Bool(true)],
        Ty::Count => (0..=2u64).map(Json::from).collect(),
        Ty::Format(f) => format_values(prog, bounds, *f)
            .map_err(|why| (None, why))?
            .into_iter()
            .map(Json::String)
            .collect(),
        Ty::Text => text_values(prog).into_iter().map(Json::String).collect(),
        Ty::Enum(e) => prog
            .enum_def(*e)
            .map(|d| d.values.iter().map(|v| Json::String(v.clone())).collect())
            .unwrap_or_default(),
        Ty::Opt(inner) => {
            let mut out = vec![Json::Null];
            out.extend(values(prog, bounds, inner, item)?);
            out
        }
        Ty::Record(r) => record(prog, bounds, *r, item)?,
        Ty::List(inner) => lists(prog, bounds, inner, false)?,
        Ty::Set(inner) => lists(prog, bounds, inner, true)?,
        Ty::Duration | Ty::Period | Ty::Instant | Ty::Date => {
            return Err((
                None,
                "a duration, period, instant or date in an event has no small domain: give the event a count, an enumeration or a format instead, or leave it out of what `docket verify` explores".into(),
            ))
        }
        Ty::Case(_) | Ty::Part(_) | Ty::Unknown => {
            return Err((None, "it holds no value an event can send".into()))
        }
    };
    if vals.len() > MAX_FIELD_VALUES {
        return Err((
            None,
            format!(
                "it takes {} values within the bounds, more than {MAX_FIELD_VALUES}: give smaller bounds (`--values`, `--list-len`)",
                vals.len()
            ),
        ));
    }
    Ok(vals)
}

/// The values format `f` takes, as written in events: a case key's format `bounds.keys`,
/// any other `bounds.values`, each an example of its pattern (as the format rewrites it)
/// that no format declared
/// before it takes (a code is never also a certificate's digits: a value stands for one
/// thing, which is what lets [`super::symmetry`] rename it).
pub(super) fn format_values(
    prog: &Program,
    bounds: &Bounds,
    f: FormatId,
) -> Result<Vec<String>, String> {
    let mut taken: Vec<String> = Vec::new();
    for (i, def) in prog.formats.iter().enumerate().take(f.index() + 1) {
        let is_key = prog.cases.iter().any(|c| c.key_format == FormatId::new(i));
        let n = if is_key { bounds.keys } else { bounds.values };
        let examples = |skip: &[String]| {
            // a few more examples than wanted, for those taken already
            (0..n + skip.len())
                .map_while(|k| {
                    // as the event will hold it (`uppercase`, `lowercase`)
                    example(&def.pattern.source, k)
                        .map(|s| def.transform(&s).into_owned())
                        .filter(|s| def.pattern.is_match(s))
                })
                .filter(|s| !skip.contains(s))
                .take(n)
                .collect::<Vec<String>>()
        };
        let mut out = examples(&taken);
        if out.is_empty() {
            // every example is another format's: shared, then
            out = examples(&[]);
        }
        if i == f.index() {
            if out.is_empty() {
                return Err(format!(
                    "no value of format `{}` could be generated from its pattern `{}` (write it with classes, counts and groups only)",
                    def.name, def.pattern.source
                ));
            }
            return Ok(out);
        }
        taken.extend(out);
    }
    Err("its format is not declared".into())
}

/// The values a `text` field takes: one that matches none of the policy's patterns (most
/// likely), and an example of each.
pub(super) fn text_values(prog: &Program) -> Vec<String> {
    let mut out = vec!["x".to_string()];
    for p in &prog.patterns {
        if let Some(s) = example(&p.source, 0).filter(|s| p.is_match(s)) {
            out.push(s);
        }
    }
    out.dedup();
    out
}

/// The records of one person (`item`): their text fields fixed, every combination of the
/// others.
fn record(prog: &Program, bounds: &Bounds, r: RecordId, item: usize) -> Result<Vec<Json>, Fail> {
    let fields = prog.record(r).map_or(&[][..], |r| r.fields.as_slice());
    let mut out = vec![Map::new()];
    for f in fields {
        let mut vals = values(prog, bounds, &f.ty, item).map_err(|(p, why)| {
            (
                Some(p.map_or(f.name.clone(), |p| format!("{}.{p}", f.name))),
                why,
            )
        })?;
        if matches!(f.ty.strip_opt(), Ty::Format(_) | Ty::Text) {
            // the person's own value: the same phone in an event and in a list of people
            vals.retain(|v| !v.is_null());
            if let Some(v) = vals.get(item % vals.len().max(1)).cloned() {
                vals = vec![v];
            }
        }
        out = product(out, &f.name, &vals);
        if out.len() > MAX_FIELD_VALUES {
            return Err((
                Some(f.name.clone()),
                format!("a record takes more than {MAX_FIELD_VALUES} values within the bounds"),
            ));
        }
    }
    Ok(out.into_iter().map(Json::Object).collect())
}

/// Lists (or sets) of up to `bounds.list_len` items: the `i`-th item drawn from the values
/// of persons 0 to `i` (a person may be listed twice, a new one comes in at each place; a
/// set has no repeats).
fn lists(prog: &Program, bounds: &Bounds, inner: &Ty, set: bool) -> Result<Vec<Json>, Fail> {
    let mut out: Vec<Vec<Json>> = vec![Vec::new()];
    let mut last: Vec<Vec<Json>> = vec![Vec::new()];
    for i in 0..bounds.list_len {
        let mut items = Vec::new();
        for person in 0..=i {
            for v in values(prog, bounds, inner, person)? {
                if !items.contains(&v) {
                    items.push(v);
                }
            }
        }
        let mut next = Vec::new();
        for l in &last {
            for it in &items {
                if set && l.contains(it) {
                    continue;
                }
                let mut l = l.clone();
                l.push(it.clone());
                next.push(l);
            }
        }
        if out.len() + next.len() > MAX_FIELD_VALUES {
            return Err((
                None,
                format!(
                    "its lists of up to {} items take more than {MAX_FIELD_VALUES} values: give a smaller `--list-len` or `--values`",
                    bounds.list_len
                ),
            ));
        }
        out.extend(next.iter().cloned());
        last = next;
    }
    Ok(out.into_iter().map(Json::Array).collect())
}
