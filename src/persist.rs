//! Saving and loading a world as JSON, checked against the policy on the way in.

use crate::engine::WorldError;
use crate::program::{FieldDef, Program};
use crate::seal::{is_sealed, SealKey};
use crate::value::{Text, Ty, Value};
use crate::world::{CaseData, DeadlineState, Parts, World};
use serde_json::{json, Map, Value as J};

/// The format version written in every saved world.
const VERSION: u64 = 1;

/// The world as JSON text; `policy` (its version and files) lets a later policy migrate it.
pub(crate) fn save(prog: &Program, world: &World, policy: J) -> String {
    let cases: Vec<J> = world
        .cases
        .iter()
        .filter_map(|c| case_json(prog, c))
        .collect();
    let doc = json!({
        "docket_world": VERSION,
        "policy": policy,
        "clock": world.clock.map(|t| t.to_string()),
        "cases": cases,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// One case as a saved world holds it (sensitive values as the world holds them).
pub(crate) fn case_json(prog: &Program, c: &CaseData) -> Option<J> {
    let def = prog.case_def(c.ty)?;
    let deadlines: Map<String, J> = def
        .deadlines
        .iter()
        .filter_map(|d| prog.deadlines.get(*d as usize))
        .zip(&c.deadlines)
        .map(|(d, st)| {
            (
                d.name.clone(),
                json!({ "at": st.at.map(|t| t.to_string()), "fired": st.fired.map(|t| t.to_string()) }),
            )
        })
        .collect();
    Some(json!({
        "type": def.name,
        "key": c.key.as_str(),
        "status": prog.enums[def.status_enum as usize].values.get(c.status as usize),
        "fields": fields_json(prog, &def.fields, &c.fields),
        "participants": c.parts.iter().map(|p| fields_json(prog, &def.parts.fields, p)).collect::<Vec<_>>(),
        "deadlines": deadlines,
    }))
}

fn fields_json(prog: &Program, defs: &[FieldDef], values: &[Value]) -> J {
    let mut m = Map::new();
    for (d, v) in defs.iter().zip(values) {
        if matches!(d.kind, crate::program::FieldKind::Stored { .. }) {
            m.insert(d.name.clone(), prog.value_json(v, &|_| None));
        }
    }
    J::Object(m)
}

fn bad(msg: impl Into<String>) -> WorldError {
    WorldError(msg.into())
}

pub(crate) fn load(prog: &Program, text: &str, key: Option<&SealKey>) -> Result<World, WorldError> {
    let doc: J = serde_json::from_str(text)
        .map_err(|e| bad(format!("the state file is not valid JSON: {e}")))?;
    if doc.get("docket_world").and_then(J::as_u64) != Some(VERSION) {
        return Err(bad(format!(
            "the state file is not a docket world of version {VERSION}"
        )));
    }
    if let Some(k) = doc.as_object().and_then(|o| {
        o.keys()
            .find(|k| !["docket_world", "policy", "clock", "cases"].contains(&k.as_str()))
    }) {
        return Err(bad(format!("unknown member `{}`", short(k))));
    }
    let clock = match doc.get("clock") {
        Some(J::String(s)) => Some(
            s.parse()
                .map_err(|_| bad("`clock`: expected an RFC 3339 instant"))?,
        ),
        None | Some(J::Null) => None,
        Some(other) => {
            return Err(bad(format!(
                "`clock`: expected an RFC 3339 instant, found {}",
                kind_of(other)
            )))
        }
    };
    let cases = doc
        .get("cases")
        .and_then(J::as_array)
        .ok_or_else(|| bad("`cases` is missing"))?;
    let mut loader = Loader::new(prog, clock, key);
    for (i, c) in cases.iter().enumerate() {
        loader.add(i, c)?;
    }
    loader.finish()
}

/// Builds a world from saved cases, checking each against the policy.
pub(crate) struct Loader<'p> {
    prog: &'p Program,
    world: World,
    /// Seals sensitive values found in clear (a world saved before it had a key).
    key: Option<&'p SealKey>,
}

impl<'p> Loader<'p> {
    /// An empty world whose clock is `clock`.
    pub(crate) fn new(
        prog: &'p Program,
        clock: Option<jiff::Timestamp>,
        key: Option<&'p SealKey>,
    ) -> Loader<'p> {
        let mut world = World::new();
        world.clock = clock;
        Loader { prog, world, key }
    }

    /// Adds the saved case `c`, the `i`th (from 0, for errors).
    pub(crate) fn add(&mut self, i: usize, c: &J) -> Result<(), WorldError> {
        let (prog, world, seal) = (self.prog, &mut self.world, self.key);
        let at = |what: &str| format!("case {}: {what}", i + 1);
        // (a world saved before case types had names holds cases of the first type)
        let ty = match c.get("type") {
            None => 0,
            Some(t) => {
                let name = t.as_str().unwrap_or_default();
                prog.cases
                    .iter()
                    .position(|d| d.name == name)
                    .ok_or_else(|| bad(at(&format!("unknown case type `{name}`"))))?
                    as u16
            }
        };
        let Some(def) = prog.case_def(ty) else {
            return Err(bad(at("the policy declares no case type")));
        };
        if let Some(obj) = c.as_object() {
            const KEYS: [&str; 6] = [
                "type",
                "key",
                "status",
                "fields",
                "participants",
                "deadlines",
            ];
            if let Some(k) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
                return Err(bad(at(&format!("unknown member `{}`", short(k)))));
            }
        } else {
            return Err(bad(at("expected an object")));
        }
        let statuses = &prog.enums[def.status_enum as usize].values;
        let key = c
            .get("key")
            .and_then(J::as_str)
            .ok_or_else(|| bad(at("`key` is missing")))?
            .to_string();
        // a key that breaks its format could never have been routed to
        if let Some(f) = def.key_format.and_then(|f| prog.formats.get(f as usize)) {
            if !f.pattern.is_match(&key) {
                return Err(bad(at(&format!(
                    "`key` does not match the format `{}` (the value is not shown)",
                    f.name
                ))));
            }
        }
        let status_name = c.get("status").and_then(J::as_str).unwrap_or_default();
        let status = statuses
            .iter()
            .position(|s| s == status_name)
            .ok_or_else(|| bad(at(&format!("unknown status `{}`", short(status_name)))))?
            as u16;
        let fields = read_fields(prog, &def.fields, c.get("fields"), &at("fields"), seal)?;
        let mut parts = Parts::new(def.parts.fields.len());
        let listed = match c.get("participants") {
            Some(J::Array(items)) => items.as_slice(),
            None if def.parts.name.is_empty() => &[],
            None => return Err(bad(at("`participants` is missing"))),
            Some(_) => return Err(bad(at("`participants`: expected an array"))),
        };
        for (pi, p) in listed.iter().enumerate() {
            parts.push(read_fields(
                prog,
                &def.parts.fields,
                Some(p),
                &at(&format!("participant {}", pi + 1)),
                seal,
            )?);
        }
        // Only whether a deadline fired is kept: when it is due is recomputed from the fields,
        // so a hand-edited file or a changed limit cannot leave a stale deadline behind.
        let mut deadlines = vec![DeadlineState::default(); def.deadlines.len()];
        let own: Vec<_> = def
            .deadlines
            .iter()
            .filter_map(|g| prog.deadlines.get(*g as usize))
            .collect();
        if let Some(states) = c.get("deadlines") {
            let Some(states) = states.as_object() else {
                return Err(bad(at("`deadlines`: expected an object")));
            };
            if let Some(k) = states.keys().find(|k| !own.iter().any(|d| d.name == **k)) {
                return Err(bad(at(&format!("unknown deadline `{}`", short(k)))));
            }
        }
        let own = own.into_iter();
        for (d, def) in own.enumerate() {
            if let Some(J::String(fired)) = c
                .get("deadlines")
                .and_then(|x| x.get(&def.name))
                .and_then(|st| st.get("fired"))
            {
                let fired: jiff::Timestamp = fired.parse().map_err(|_| {
                    bad(at(&format!(
                        "deadline `{}`: `fired` is not an RFC 3339 instant",
                        def.name
                    )))
                })?;
                // a deadline fires at an event: never after the world's clock
                if world.clock.is_none_or(|clock| fired > clock) {
                    return Err(bad(at(&format!(
                        "deadline `{}` fired after the world's clock",
                        def.name
                    ))));
                }
                deadlines[d].fired = Some(fired);
            }
        }
        let key = Text::from(key);
        if world.find(ty, &key).is_some() {
            return Err(bad(at(&format!("case `{}` appears twice", short(&key)))));
        }
        if world.by_key.len() <= ty as usize {
            world.by_key.resize_with(ty as usize + 1, Default::default);
        }
        world.by_key[ty as usize].insert(key.clone(), world.cases.len() as u32);
        world.cases.push(CaseData {
            ty,
            key,
            status,
            fields: fields.into(),
            parts,
            deadlines: deadlines.into(),
        });

        Ok(())
    }

    /// The world, its indexes built and its deadlines computed.
    pub(crate) fn finish(self) -> Result<World, WorldError> {
        let (prog, mut world) = (self.prog, self.world);
        world.ensure_indexes(prog);
        for id in 0..world.cases.len() {
            let times = crate::eval::deadline_times(prog, &world, id as u32)
                .map_err(|e| bad(format!("case {}: {e}", id + 1)))?;
            for (state, at) in world.cases[id].deadlines.iter_mut().zip(times) {
                state.at = at;
            }
        }
        world.rebuild_queue();
        Ok(world)
    }
}

fn read_fields(
    prog: &Program,
    defs: &[FieldDef],
    obj: Option<&J>,
    at: &str,
    key: Option<&SealKey>,
) -> Result<Vec<Value>, WorldError> {
    let obj = obj
        .and_then(J::as_object)
        .ok_or_else(|| bad(format!("{at}: expected an object")))?;
    defs.iter()
        .map(|d| match d.kind {
            crate::program::FieldKind::Stored { .. } => {
                let given = obj.get(&d.name);
                if given.is_none() && !d.ty.is_opt() {
                    return Err(bad(format!("{at}: field `{}` is missing", d.name)));
                }
                let mut value = from_json(prog, &d.ty, given.unwrap_or(&J::Null))
                    .map_err(|m| bad(format!("{at}: field `{}`: {m}", d.name)))?;
                // a sensitive value saved in clear is sealed as it comes in
                if let (Some(key), true, Value::Text(t)) = (key, d.sensitive, &value) {
                    if !is_sealed(t) {
                        value = Value::text(key.seal(t));
                    }
                }
                // a field that is not optional holds a value
                if value == Value::Unset && !d.ty.is_opt() {
                    return Err(bad(format!("{at}: field `{}` is missing", d.name)));
                }
                Ok(value)
            }
            crate::program::FieldKind::Derived(_) => Ok(Value::Unset),
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|values| {
            // a member that is no stored field: a field renamed or removed since, or a typo
            match obj.keys().find(|k| {
                !defs.iter().any(|d| {
                    d.name == **k && matches!(d.kind, crate::program::FieldKind::Stored { .. })
                })
            }) {
                Some(k) => Err(bad(format!("{at}: unknown field `{}`", short(k)))),
                None => Ok(values),
            }
        })
}

/// What kind of JSON value `j` is, for errors that must not echo it (a state file holds
/// verification codes).
fn kind_of(j: &J) -> &'static str {
    match j {
        J::Null => "null",
        J::Bool(_) => "true or false",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    }
}

/// A name from the file, cut short for an error.
fn short(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        s.chars().take(MAX).chain("…".chars()).collect()
    }
}

/// A value of type `ty` from a state file. Errors say what was expected, never the value.
fn from_json(prog: &Program, ty: &Ty, j: &J) -> Result<Value, String> {
    Ok(match (ty, j) {
        (Ty::Opt(_), J::Null) => Value::Unset,
        (Ty::Opt(t), j) => from_json(prog, t, j)?,
        (Ty::Bool, J::Bool(b)) => Value::Bool(*b),
        (Ty::Count, J::Number(n)) => {
            Value::Count(n.as_i64().filter(|n| *n >= 0).ok_or("expected a count")?)
        }
        (Ty::Duration, J::String(s)) => {
            Value::Duration(crate::duration::parse_duration(s).map_err(|_| "expected a duration")?)
        }
        (Ty::Instant, J::String(s)) => {
            Value::Instant(s.parse().map_err(|_| "expected an RFC 3339 instant")?)
        }
        (Ty::Date, J::String(s)) => Value::Date(s.parse().map_err(|_| "expected a date")?),
        (Ty::Period, J::String(s)) => {
            Value::Period(crate::calendar::Period::parse(s).map_err(|_| "expected a period")?)
        }
        (Ty::Text, J::String(s)) => Value::text(s),
        // a sensitive value, sealed: its format was checked before it was sealed
        (Ty::Format(_), J::String(s)) if is_sealed(s) => Value::text(s),
        (Ty::Format(f), J::String(s)) => {
            if !prog.formats[*f as usize].pattern.is_match(s) {
                return Err(format!(
                    "does not match the format `{}`",
                    prog.formats[*f as usize].name
                ));
            }
            Value::text(s)
        }
        (Ty::Enum(e), J::String(s)) => {
            let i = prog.enums[*e as usize]
                .values
                .iter()
                .position(|v| v == s)
                .ok_or_else(|| {
                    format!(
                        "not a `{}` value (the value is not shown)",
                        prog.enums[*e as usize].name
                    )
                })?;
            Value::Enum(*e, i as u16)
        }
        (Ty::List(t), J::Array(items)) => Value::List(
            items
                .iter()
                .map(|x| from_json(prog, t, x))
                .collect::<Result<_, _>>()?,
        ),
        (Ty::Set(t), J::Array(items)) => Value::set_of(
            items
                .iter()
                .map(|x| from_json(prog, t, x))
                .collect::<Result<_, _>>()?,
        ),
        (Ty::Record(r), J::Array(items)) => {
            let defs = &prog.records[*r as usize].fields;
            if defs.len() != items.len() {
                return Err("a record has the wrong number of fields".into());
            }
            Value::Record(
                defs.iter()
                    .zip(items)
                    .map(|(d, x)| from_json(prog, &d.ty, x))
                    .collect::<Result<_, _>>()?,
            )
        }
        _ => {
            return Err(format!(
                "{} does not fit here (the value is not shown)",
                kind_of(j)
            ))
        }
    })
}
