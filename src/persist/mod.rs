//! Saving and loading a world as JSON, checked against the policy on the way in.

use crate::program::{CaseTypeId, FieldDef, MemberId, Program};
use crate::seal::{is_sealed, SealKey};
use crate::value::{Text, Ty, Value};
use crate::world::{CaseData, DeadlineState, Parts, World};
use serde_json::{json, Map, Value as J};

mod binary;
mod stream;
pub(crate) use binary::{encode_case, MAGIC};
pub(crate) use stream::{load_saved, open, write};

/// Why a saved world could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WorldError(pub(crate) String);

/// The format version written in every saved world.
const VERSION: u64 = 1;

/// The world as JSON text; `policy` (its version and files) lets a later policy migrate it.
pub(crate) fn save(prog: &Program, world: &World, policy: J) -> String {
    let mut out = Vec::new();
    // writing to memory cannot fail
    let _ = stream::write(prog, world, &policy, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// One case as a saved world holds it (sensitive values as the world holds them).
pub(crate) fn case_json(prog: &Program, c: &CaseData) -> Option<J> {
    let def = prog.case_def(c.ty)?;
    let deadlines: Map<String, J> = def
        .deadlines
        .iter()
        .filter_map(|d| prog.deadline(*d))
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
        "status": prog.enums[def.status_enum.index()].values.get(c.status.index()),
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

/// The world saved as `text`, checked against the policy; sensitive values in clear are
/// sealed with `key`.
pub(crate) fn load(prog: &Program, text: &str, key: Option<&SealKey>) -> Result<World, WorldError> {
    let header = stream::header(text)?;
    build(prog, header.clock, key, 0, |loader, add| {
        stream::cases(text, loader, add)
    })
}

/// Reads saved cases, checking each against its case type's declarations.
pub(crate) struct Loader<'p> {
    prog: &'p Program,
    /// Seals sensitive values found in clear (a world saved before it had a key).
    key: Option<&'p SealKey>,
}

/// How many cases go to the thread that admits them at a time.
const BATCH: usize = 512;

/// The most cases a size hint reserves room for (a hint read from a damaged store must not
/// exhaust the memory).
const MAX_HINT: usize = 1 << 24;

/// Builds a world whose clock is `clock` from saved cases, on two threads: `read` reads
/// each case (with the [`Loader`] it is given) and hands it to its callback, while a second
/// thread admits each into the world and indexes it; the deadlines are then computed on
/// both. The first error stops it: the reader's, or the builder's for an earlier case.
/// `expected` is about how many cases there are (0: unknown): room for them is made at once.
pub(crate) fn build<E: From<WorldError>>(
    prog: &Program,
    clock: Option<jiff::Timestamp>,
    key: Option<&SealKey>,
    expected: usize,
    read: impl FnOnce(&Loader<'_>, &mut dyn FnMut(usize, CaseData) -> Result<(), E>) -> Result<(), E>,
) -> Result<World, E> {
    let loader = Loader { prog, key };
    let (built, read) = std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(usize, CaseData)>>(8);
        let builder = s.spawn(move || {
            let mut b = Builder::new(prog, clock, expected.min(MAX_HINT));
            for batch in rx {
                for (i, c) in batch {
                    b.admit(i, c)?;
                }
            }
            Ok::<_, WorldError>(b.world)
        });
        let mut batch = Vec::with_capacity(BATCH);
        let read = read(&loader, &mut |i, c| {
            batch.push((i, c));
            if batch.len() >= BATCH {
                // a builder that stopped has said why: its error is taken below
                if tx
                    .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                    .is_err()
                {
                    return Err(bad("stopped").into());
                }
            }
            Ok(())
        });
        if read.is_ok() && !batch.is_empty() {
            let _ = tx.send(batch);
        }
        drop(tx);
        let built = builder
            .join()
            .unwrap_or_else(|_| Err(bad("internal: the thread that builds the world failed")));
        (built, read)
    });
    let world = built?;
    read?;
    finish(prog, world).map_err(E::from)
}

impl Loader<'_> {
    /// The case type named `name` (`None`: a world saved before case types had names, whose
    /// cases are of the first type).
    pub(crate) fn case_type(&self, i: usize, name: Option<&str>) -> Result<CaseTypeId, WorldError> {
        let Some(name) = name else {
            return Ok(CaseTypeId::FIRST);
        };
        let ty = self
            .prog
            .cases
            .iter()
            .position(|d| d.name == name)
            .ok_or_else(|| {
                bad(format!(
                    "case {}: unknown case type `{}`",
                    i + 1,
                    short(name)
                ))
            })?;
        Ok(CaseTypeId::at(ty))
    }

    /// The saved case `c` (JSON), the `i`th (from 0, for errors).
    pub(crate) fn json(&self, i: usize, c: &J) -> Result<CaseData, WorldError> {
        let (prog, seal) = (self.prog, self.key);
        let at = |what: &str| format!("case {}: {what}", i + 1);
        let Some(obj) = c.as_object() else {
            return Err(bad(at("expected an object")));
        };
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
        let ty = match c.get("type") {
            None => self.case_type(i, None)?,
            Some(t) => self.case_type(i, Some(t.as_str().unwrap_or_default()))?,
        };
        let Some(def) = prog.case_def(ty) else {
            return Err(bad(at("the policy declares no case type")));
        };
        let statuses = &prog.enums[def.status_enum.index()].values;
        let key = c
            .get("key")
            .and_then(J::as_str)
            .ok_or_else(|| bad(at("`key` is missing")))?;
        let status_name = c.get("status").and_then(J::as_str).unwrap_or_default();
        let status = statuses
            .iter()
            .position(|s| s == status_name)
            .map(MemberId::at)
            .ok_or_else(|| bad(at(&format!("unknown status `{}`", short(status_name)))))?;
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
            .filter_map(|g| prog.deadline(*g))
            .collect();
        if let Some(states) = c.get("deadlines") {
            let Some(states) = states.as_object() else {
                return Err(bad(at("`deadlines`: expected an object")));
            };
            if let Some(k) = states.keys().find(|k| !own.iter().any(|d| d.name == **k)) {
                return Err(bad(at(&format!("unknown deadline `{}`", short(k)))));
            }
        }
        for (d, def) in own.into_iter().enumerate() {
            if let Some(J::String(fired)) = c
                .get("deadlines")
                .and_then(|x| x.get(&def.name))
                .and_then(|st| st.get("fired"))
            {
                deadlines[d].fired = Some(fired.parse().map_err(|_| {
                    bad(at(&format!(
                        "deadline `{}`: `fired` is not an RFC 3339 instant",
                        def.name
                    )))
                })?);
            }
        }
        Ok(CaseData {
            ty,
            key: Text::from(key),
            status,
            fields: fields.into(),
            parts,
            deadlines: deadlines.into(),
        })
    }
}

/// Puts read cases into a world, checking what concerns the whole case and the world, and
/// indexing each as it comes.
struct Builder<'p> {
    prog: &'p Program,
    world: World,
    /// Cases expected: the key map of the first case type met is made this large.
    expected: usize,
}

impl<'p> Builder<'p> {
    fn new(prog: &'p Program, clock: Option<jiff::Timestamp>, expected: usize) -> Builder<'p> {
        let mut world = World::new();
        world.clock = clock;
        world.ensure_indexes(prog);
        world.cases.reserve(expected);
        Builder {
            prog,
            world,
            expected,
        }
    }

    /// Adds the case `c` (the `i`th, from 0), read and checked against its type's fields by
    /// a [`Loader`].
    fn admit(&mut self, i: usize, c: CaseData) -> Result<(), WorldError> {
        let (prog, world) = (self.prog, &mut self.world);
        let at = |what: &str| format!("case {}: {what}", i + 1);
        let Some(def) = prog.case_def(c.ty) else {
            return Err(bad(at("the policy declares no case type")));
        };
        // a key that breaks its format could never have been routed to
        if let Some(f) = def.key_format.and_then(|f| prog.format(f)) {
            if !f.pattern.is_match(&c.key) {
                return Err(bad(at(&format!(
                    "`key` does not match the format `{}` (the value is not shown)",
                    f.name
                ))));
            }
        }
        // a deadline fires at an event: never after the world's clock
        for (d, st) in def.deadlines.iter().zip(c.deadlines.iter()) {
            if let Some(fired) = st.fired {
                if world.clock.is_none_or(|clock| fired > clock) {
                    let name = prog.deadline(*d).map_or("", |d| &d.name);
                    return Err(bad(at(&format!(
                        "deadline `{name}` fired after the world's clock"
                    ))));
                }
            }
        }
        let id = world.cases.len() as u32;
        if self.expected > 0 {
            world.expect_keys(c.ty, std::mem::take(&mut self.expected));
        }
        if world.find(c.ty, c.key.bytes()).is_some() {
            return Err(bad(at(&format!("case `{}` appears twice", short(&c.key)))));
        }
        world.file_key(c.ty, c.key.bytes(), id);
        world.index_new(prog, id, &c);
        world.cases.push(c);
        Ok(())
    }
}

/// The world, its deadlines computed (on two threads) and scheduled.
fn finish(prog: &Program, mut world: World) -> Result<World, WorldError> {
    world.ensure_indexes(prog);
    let n = world.cases.len();
    let times = |ids: std::ops::Range<usize>, world: &World| {
        ids.map(|id| {
            crate::eval::deadline_times(prog, world, id as u32)
                .map_err(|e| bad(format!("case {}: {e}", id + 1)))
        })
        .collect::<Result<Vec<_>, _>>()
    };
    let (first, second) = std::thread::scope(|s| {
        let w = &world;
        let second = s.spawn(move || times(n / 2..n, w));
        let first = times(0..n / 2, w);
        (
            first,
            second
                .join()
                .unwrap_or_else(|_| Err(bad("internal: a thread computing deadlines failed"))),
        )
    });
    for (case, at) in world
        .cases
        .iter_mut()
        .zip(first?.into_iter().chain(second?))
    {
        for (state, at) in case.deadlines.iter_mut().zip(at) {
            state.at = at;
        }
    }
    world.rebuild_queue();
    Ok(world)
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
            if !prog.formats[f.index()].pattern.is_match(s) {
                return Err(format!(
                    "does not match the format `{}`",
                    prog.formats[f.index()].name
                ));
            }
            Value::text(s)
        }
        (Ty::Enum(e), J::String(s)) => {
            let i = prog.enums[e.index()]
                .values
                .iter()
                .position(|v| v == s)
                .ok_or_else(|| {
                    format!(
                        "not a `{}` value (the value is not shown)",
                        prog.enums[e.index()].name
                    )
                })?;
            Value::Enum(*e, MemberId::at(i))
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
            let defs = &prog.records[r.index()].fields;
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
