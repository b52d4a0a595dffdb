//! Cases in a compact binary form, as a store keeps them: written and read case by case, with
//! no intermediate JSON value. The form follows the policy's declarations (fields in order,
//! participants, deadlines), so it is read with the policy that wrote it; every value carries
//! a tag and is checked against its field's type on the way in, like a saved world's JSON.
//!
//! A case: the byte [`MAGIC`], its key, its status, its stored fields in declaration order,
//! the number of its participants and their stored fields, then for each of its deadlines
//! when it last fired. Numbers are LEB128 varints (signed ones zigzagged); texts are a length
//! and UTF-8 bytes.

use super::{bad, Loader};
use crate::engine::WorldError;
use crate::program::{CaseTypeId, FieldDef, FieldKind, MemberId, Program};
use crate::seal::is_sealed;
use crate::value::{Ty, Value};
use crate::world::{CaseData, DeadlineState, Parts};

/// The first byte of a case in this form (a case saved as JSON starts with `{`).
pub(crate) const MAGIC: u8 = 0xD1;

const UNSET: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const COUNT: u8 = 3;
const DURATION: u8 = 4;
const INSTANT: u8 = 5;
const DATE: u8 = 6;
const PERIOD: u8 = 7;
const TEXT: u8 = 8;
const ENUM: u8 = 9;
const LIST: u8 = 10;
const SET: u8 = 11;
const RECORD: u8 = 12;

/// The case `c` in binary form, appended to `out`; `None` if the policy has no such case type.
pub(crate) fn encode_case(prog: &Program, c: &CaseData, out: &mut Vec<u8>) -> Option<()> {
    let def = prog.case_def(c.ty)?;
    out.push(MAGIC);
    text(out, &c.key);
    uint(out, c.status.index() as u64);
    fields(out, &def.fields, &c.fields);
    uint(out, c.parts.len() as u64);
    for p in c.parts.iter() {
        fields(out, &def.parts.fields, p);
    }
    for st in c.deadlines.iter() {
        match st.fired {
            None => out.push(UNSET),
            Some(t) => {
                out.push(INSTANT);
                instant(out, &t);
            }
        }
    }
    Some(())
}

fn fields(out: &mut Vec<u8>, defs: &[FieldDef], values: &[Value]) {
    for (d, v) in defs.iter().zip(values) {
        if matches!(d.kind, FieldKind::Stored { .. }) {
            value(out, v);
        }
    }
}

fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Unset | Value::Case(_) | Value::Part(_) => out.push(UNSET),
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Count(n) => {
            out.push(COUNT);
            sint(out, *n);
        }
        Value::Duration(d) => {
            out.push(DURATION);
            sint(out, d.as_secs());
            sint(out, i64::from(d.subsec_nanos()));
        }
        Value::Instant(t) => {
            out.push(INSTANT);
            instant(out, t);
        }
        Value::Date(d) => {
            out.push(DATE);
            sint(out, i64::from(d.year()));
            sint(out, i64::from(d.month()));
            sint(out, i64::from(d.day()));
        }
        Value::Period(p) => {
            out.push(PERIOD);
            sint(out, i64::from(p.months));
            sint(out, i64::from(p.days));
        }
        Value::Text(t) => {
            out.push(TEXT);
            text(out, t);
        }
        Value::Enum(_, i) => {
            out.push(ENUM);
            uint(out, i.index() as u64);
        }
        Value::List(items) | Value::Set(items) | Value::Record(items) => {
            out.push(match v {
                Value::List(_) => LIST,
                Value::Set(_) => SET,
                _ => RECORD,
            });
            uint(out, items.len() as u64);
            for x in items.iter() {
                value(out, x);
            }
        }
    }
}

fn uint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn sint(out: &mut Vec<u8>, n: i64) {
    uint(out, ((n << 1) ^ (n >> 63)) as u64);
}

fn instant(out: &mut Vec<u8>, t: &jiff::Timestamp) {
    sint(out, t.as_second());
    sint(out, i64::from(t.subsec_nanosecond()));
}

fn text(out: &mut Vec<u8>, s: &str) {
    uint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Reads bytes of one case; every error says what was expected, never a value.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

type Read<T> = Result<T, String>;

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Read<u8> {
        let b = *self.bytes.get(self.pos).ok_or("the data ends too soon")?;
        self.pos += 1;
        Ok(b)
    }

    fn uint(&mut self) -> Read<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(n);
            }
        }
        Err("a number is too long".into())
    }

    fn sint(&mut self) -> Read<i64> {
        let n = self.uint()?;
        Ok(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    fn small<T: TryFrom<i64>>(&mut self) -> Read<T> {
        T::try_from(self.sint()?).map_err(|_| "a number is out of range".into())
    }

    fn text(&mut self) -> Read<&'a str> {
        let len = usize::try_from(self.uint()?).map_err(|_| "a text is too long")?;
        let end = self
            .pos
            .checked_add(len)
            .filter(|e| *e <= self.bytes.len())
            .ok_or("the data ends too soon")?;
        let s =
            std::str::from_utf8(&self.bytes[self.pos..end]).map_err(|_| "a text is not UTF-8")?;
        self.pos = end;
        Ok(s)
    }

    fn instant(&mut self) -> Read<jiff::Timestamp> {
        let (secs, nanos) = (self.sint()?, self.small()?);
        jiff::Timestamp::new(secs, nanos).map_err(|_| "an instant is out of range".into())
    }

    /// A value of type `ty`, its tag read first.
    fn value(&mut self, prog: &Program, ty: &Ty) -> Read<Value> {
        let tag = self.byte()?;
        let ty = match (ty, tag) {
            (Ty::Opt(_), UNSET) => return Ok(Value::Unset),
            (Ty::Opt(t), _) => t,
            (t, _) => t,
        };
        Ok(match (ty, tag) {
            (Ty::Bool, FALSE) => Value::Bool(false),
            (Ty::Bool, TRUE) => Value::Bool(true),
            (Ty::Count, COUNT) => Value::Count(
                Some(self.sint()?)
                    .filter(|n| *n >= 0)
                    .ok_or("a count is negative")?,
            ),
            (Ty::Duration, DURATION) => {
                let secs = self.sint()?;
                let nanos: i32 = self.small()?;
                if secs.signum() * i64::from(nanos).signum() < 0
                    || nanos.unsigned_abs() >= 1_000_000_000
                {
                    return Err("a duration is out of range".into());
                }
                Value::Duration(jiff::SignedDuration::new(secs, nanos))
            }
            (Ty::Instant, INSTANT) => Value::Instant(self.instant()?),
            (Ty::Date, DATE) => {
                let (y, m, d) = (self.small()?, self.small()?, self.small()?);
                Value::Date(jiff::civil::Date::new(y, m, d).map_err(|_| "a date is out of range")?)
            }
            (Ty::Period, PERIOD) => {
                let p = crate::calendar::Period {
                    months: self.small()?,
                    days: self.small()?,
                };
                if !p.within_bounds() {
                    return Err("a period is out of range".into());
                }
                Value::Period(p)
            }
            (Ty::Text, TEXT) => Value::text(self.text()?),
            (Ty::Format(f), TEXT) => {
                let s = self.text()?;
                let format = &prog.formats[f.index()];
                // a sensitive value, sealed: its format was checked before it was sealed
                if !is_sealed(s) && !format.pattern.is_match(s) {
                    return Err(format!("does not match the format `{}`", format.name));
                }
                Value::text(s)
            }
            (Ty::Enum(e), ENUM) => {
                let i = self.uint()?;
                let def = &prog.enums[e.index()];
                if i >= def.values.len() as u64 {
                    return Err(format!(
                        "not a `{}` value (the value is not shown)",
                        def.name
                    ));
                }
                Value::Enum(*e, MemberId::at(i as usize))
            }
            (Ty::List(t), LIST) => Value::List(self.items(prog, t)?.into()),
            (Ty::Set(t), SET) => {
                let items = self.items(prog, t)?;
                // written sorted, without duplicates: sorted again only if it is not
                if items.windows(2).all(|w| w[0] < w[1]) {
                    Value::Set(items.into())
                } else {
                    Value::set_of(items)
                }
            }
            (Ty::Record(r), RECORD) => {
                let defs = &prog.records[r.index()].fields;
                if self.uint()? != defs.len() as u64 {
                    return Err("a record has the wrong number of fields".into());
                }
                Value::Record(
                    defs.iter()
                        .map(|d| self.value(prog, &d.ty))
                        .collect::<Read<Vec<_>>>()?
                        .into(),
                )
            }
            _ => {
                return Err("a value does not fit its field's type (the value is not shown)".into())
            }
        })
    }

    fn items(&mut self, prog: &Program, ty: &Ty) -> Read<Vec<Value>> {
        let n = self.uint()?;
        // each item takes a byte at least: a count beyond what is left is damage
        if n > (self.bytes.len() - self.pos) as u64 {
            return Err("the data ends too soon".into());
        }
        (0..n).map(|_| self.value(prog, ty)).collect()
    }

    /// The stored fields `defs`, each read and checked; derived fields are unset.
    fn fields(
        &mut self,
        prog: &Program,
        defs: &[FieldDef],
        out: &mut Vec<Value>,
        seal: Option<&crate::seal::SealKey>,
    ) -> Read<()> {
        for d in defs {
            let v = match d.kind {
                FieldKind::Stored { .. } => {
                    let mut v = self
                        .value(prog, &d.ty)
                        .map_err(|m| format!("field `{}`: {m}", d.name))?;
                    if v == Value::Unset && !d.ty.is_opt() {
                        return Err(format!("field `{}` is missing", d.name));
                    }
                    // a sensitive value in clear is sealed as it comes in
                    if let (Some(key), true, Value::Text(t)) = (seal, d.sensitive, &v) {
                        if !is_sealed(t) {
                            v = Value::text(key.seal(t));
                        }
                    }
                    v
                }
                FieldKind::Derived(_) => Value::Unset,
            };
            out.push(v);
        }
        Ok(())
    }
}

impl Loader<'_> {
    /// The case of type `ty` saved in binary form (`encode_case`), the `i`th (from 0).
    pub(crate) fn binary(
        &self,
        i: usize,
        ty: CaseTypeId,
        bytes: &[u8],
    ) -> Result<CaseData, WorldError> {
        self.read_binary(ty, bytes)
            .map_err(|m| bad(format!("case {}: {m}", i + 1)))
    }

    fn read_binary(&self, ty: CaseTypeId, bytes: &[u8]) -> Read<CaseData> {
        let prog = self.prog;
        let def = prog
            .case_def(ty)
            .ok_or("the policy declares no such case type")?;
        let mut r = Reader { bytes, pos: 0 };
        if r.byte()? != MAGIC {
            return Err("its data is not a docket case".into());
        }
        let key = r.text()?.into();
        let status = r.uint()?;
        if status >= prog.enums[def.status_enum.index()].values.len() as u64 {
            return Err("unknown status".into());
        }
        let mut fields = Vec::with_capacity(def.fields.len());
        r.fields(prog, &def.fields, &mut fields, self.key)?;
        let count = r.uint()?;
        if count > bytes.len() as u64 {
            return Err("the data ends too soon".into());
        }
        let stride = def.parts.fields.len();
        let mut values = Vec::with_capacity(stride * count as usize);
        for pi in 0..count {
            r.fields(prog, &def.parts.fields, &mut values, self.key)
                .map_err(|m| format!("participant {}: {m}", pi + 1))?;
        }
        let parts =
            Parts::from_flat(stride, count as usize, values).ok_or("participants damaged")?;
        let mut deadlines = vec![DeadlineState::default(); def.deadlines.len()];
        for st in deadlines.iter_mut() {
            st.fired = match r.byte()? {
                UNSET => None,
                INSTANT => Some(r.instant()?),
                _ => return Err("a deadline's state is damaged".into()),
            };
        }
        if r.pos != bytes.len() {
            return Err("its data goes on past its end".into());
        }
        Ok(CaseData {
            ty,
            key,
            status: MemberId::at(status as usize),
            fields: fields.into(),
            parts,
            deadlines: deadlines.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, World};

    /// Every state each case of the shipped examples passes through (ICP, GDPR), sealed as
    /// a store holds them, with the engine of each.
    fn examples() -> Vec<(Engine, Vec<CaseData>)> {
        let key = crate::SealKey::from_bytes([3; 32]);
        crate::test_support::shipped_examples()
            .into_iter()
            .map(|(engine, text)| {
                let mut world = World::new();
                let mut states = Vec::new();
                for (i, line) in text.lines().enumerate() {
                    engine.run_line_sealed(&mut world, i + 1, line, &key);
                    states.extend(world.cases.iter().cloned());
                }
                assert!(states.len() >= 10, "{} states", states.len());
                (engine, states)
            })
            .collect()
    }

    fn encoded(engine: &Engine, c: &CaseData) -> Vec<u8> {
        let mut out = Vec::new();
        encode_case(engine.program(), c, &mut out).expect("a case of the policy");
        out
    }

    #[test]
    fn every_case_reads_back_as_it_was_written() {
        for (engine, states) in examples() {
            let loader = Loader {
                prog: engine.program(),
                key: None,
            };
            for (i, c) in states.iter().enumerate() {
                let bytes = encoded(&engine, c);
                let back = loader.binary(i, c.ty, &bytes).expect("reads back");
                // what is due is recomputed on load, not stored
                let mut expected = c.clone();
                for st in expected.deadlines.iter_mut() {
                    st.at = None;
                }
                assert_eq!(back, expected);
                assert_eq!(encoded(&engine, &back), bytes);
            }
        }
    }

    /// Damage of any kind — cut short, any byte changed, bytes added — is an error that
    /// names the case and shows no value, or (a changed byte can make another valid case)
    /// a case that passes every check; never a panic.
    #[test]
    fn damaged_data_is_refused_without_a_panic_or_a_value() {
        for (engine, states) in examples() {
            let loader = Loader {
                prog: engine.program(),
                key: None,
            };
            let mut refused = 0;
            for (i, c) in states.iter().enumerate() {
                let bytes = encoded(&engine, c);
                let mut tries: Vec<Vec<u8>> =
                    (0..bytes.len()).map(|n| bytes[..n].to_vec()).collect();
                for at in 0..bytes.len() {
                    for b in [0x00, 0x01, 0x7f, 0x80, 0xff, bytes[at] ^ 0x01] {
                        let mut d = bytes.clone();
                        d[at] = b;
                        tries.push(d);
                    }
                }
                let mut longer = bytes.clone();
                longer.push(0);
                tries.push(longer);
                for d in tries {
                    match loader.binary(i, c.ty, &d) {
                        Ok(_) => {}
                        Err(e) => {
                            refused += 1;
                            let e = e.to_string();
                            assert!(e.starts_with(&format!("case {}: ", i + 1)), "{e}");
                            assert!(!e.contains("sealed:") && !e.contains("1380013800"), "{e}");
                        }
                    }
                }
            }
            assert!(refused > 100, "damage is noticed: {refused}");
        }
    }
}
