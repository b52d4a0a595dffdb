//! The values rules show (`show name = …`), as outcomes carry them: the rule's value itself,
//! with what it takes to write it out (enumeration names, the policy's time zone) shared
//! with the policy. An outcome is made without writing its values as JSON; a program that
//! reads them back as Rust values never pays for the JSON at all.

use crate::program::Program;
use crate::value::{Text, Value};
use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// What writing a shown value needs of its policy, shared by every value the policy shows.
#[derive(Debug, Default)]
pub(crate) struct ValueNames {
    /// Each enumeration's member names (`[enum][member]`).
    enums: Vec<Box<[Box<str>]>>,
    /// The policy's time zone: instants are written with its offset.
    zone: Option<jiff::tz::TimeZone>,
}

impl ValueNames {
    pub(crate) fn of(program: &Program) -> ValueNames {
        ValueNames {
            enums: program
                .enums
                .iter()
                .map(|e| e.values.iter().map(|v| Box::from(v.as_str())).collect())
                .collect(),
            zone: program.zone.clone(),
        }
    }

    fn enum_name(&self, e: crate::ids::EnumId, i: crate::ids::MemberId) -> &str {
        self.enums
            .get(e.index())
            .and_then(|names| names.get(i.index()))
            .map_or("", |n| n)
    }
}

/// A value a rule showed. It reads as a Rust value ([`Shown::as_str`], [`Shown::as_count`],
/// [`Shown::items`], …) and writes as the JSON of an output record ([`Shown::to_json`], or
/// serde): text, enumeration values, durations, dates and instants as strings, counts as
/// numbers, lists, sets and records as arrays, an unset value as `null`. A case is shown by
/// its key.
pub struct Shown {
    /// Never a case or a participant: a case is replaced by its key (a participant by unset)
    /// when the outcome is made, as the world may change after.
    value: Value,
    /// Held only when writing the value needs them (it holds an enumeration value or an
    /// instant): most shown values are texts, counts and bools, and sharing the names with
    /// each of them would cost two atomic operations a value (a decision's tenth).
    names: Option<Arc<ValueNames>>,
}

impl Clone for Shown {
    fn clone(&self) -> Shown {
        Shown {
            value: self.value.clone(),
            names: self.names.clone(),
        }
    }

    /// Written over in place, field by field.
    fn clone_from(&mut self, source: &Shown) {
        match (&mut self.value, &source.value) {
            (Value::Text(to), Value::Text(from)) => to.clone_from(from),
            (to, from) => *to = from.clone(),
        }
        self.names.clone_from(&source.names);
    }
}

/// The names of a value that needs none.
static NO_NAMES: ValueNames = ValueNames {
    enums: Vec::new(),
    zone: None,
};

/// Whether writing `v` reads the policy's names (an enumeration value's, the time zone).
fn needs_names(v: &Value) -> bool {
    match v {
        Value::Enum(..) | Value::Instant(_) => true,
        Value::List(items) | Value::Set(items) | Value::Record(items) => {
            items.iter().any(needs_names)
        }
        _ => false,
    }
}

impl Shown {
    /// `value` as shown when it is a value that needs no names to be written and holds no
    /// case (a text, a count, a bool…): made once for a value that never changes.
    pub(crate) fn constant(value: &Value) -> Option<Shown> {
        let plain = !needs_names(value) && without_cases(value.clone(), &|_| None) == *value;
        plain.then(|| Shown {
            value: value.clone(),
            names: None,
        })
    }

    /// `value` as shown: `case_key` gives the key of a case it holds.
    pub(crate) fn new(
        value: Value,
        names: &Arc<ValueNames>,
        case_key: &dyn Fn(u32) -> Option<Text>,
    ) -> Shown {
        let value = without_cases(value, case_key);
        let names = needs_names(&value).then(|| Arc::clone(names));
        Shown { value, names }
    }

    /// Makes this `value` as [`Shown::new`] would, keeping the names it holds when they are
    /// `names` (sharing them again and letting go of the old would be two atomic counts).
    pub(crate) fn set(
        &mut self,
        value: Value,
        names: &Arc<ValueNames>,
        case_key: &dyn Fn(u32) -> Option<Text>,
    ) {
        self.value = without_cases(value, case_key);
        if !needs_names(&self.value) {
            self.names = None;
        } else if !self.names.as_ref().is_some_and(|n| Arc::ptr_eq(n, names)) {
            self.names = Some(Arc::clone(names));
        }
    }

    /// A value that holds no case, enumeration value or instant (for tests).
    #[cfg(test)]
    pub(crate) fn plain(value: Value) -> Shown {
        Shown { value, names: None }
    }

    /// A text, or the name of an enumeration value (a status, a role…).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Text(t) => Some(t.as_str()),
            Value::Enum(e, i) => Some(self.names().enum_name(*e, *i)),
            _ => None,
        }
    }

    /// The names writing the value takes.
    fn names(&self) -> &ValueNames {
        self.names.as_deref().unwrap_or(&NO_NAMES)
    }

    /// A count.
    pub fn as_count(&self) -> Option<i64> {
        match self.value {
            Value::Count(n) => Some(n),
            _ => None,
        }
    }

    /// A bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// An instant.
    pub fn as_instant(&self) -> Option<jiff::Timestamp> {
        match self.value {
            Value::Instant(t) => Some(t),
            _ => None,
        }
    }

    /// Whether it is an optional value that is not set (`null` in JSON).
    pub fn is_unset(&self) -> bool {
        matches!(self.value, Value::Unset)
    }

    /// The items of a list or set (in order; a set's sorted), or the fields of a record (in
    /// declared order); `None` for any other value.
    pub fn items(&self) -> Option<impl ExactSizeIterator<Item = Shown> + '_> {
        match &self.value {
            Value::List(items) | Value::Set(items) | Value::Record(items) => {
                Some(items.iter().map(|v| Shown {
                    value: v.clone(),
                    names: needs_names(v).then(|| self.names.clone()).flatten(),
                }))
            }
            _ => None,
        }
    }

    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        json(&self.value, self.names())
    }

    /// Writes the value as JSON to `out`, as [`Shown::to_json`] would serialize.
    pub(crate) fn write_json(&self, out: &mut String) {
        write_json(&self.value, self.names(), out)
    }
}

fn json(v: &Value, names: &ValueNames) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::List(items) | Value::Set(items) | Value::Record(items) => {
            J::Array(items.iter().map(|v| json(v, names)).collect())
        }
        Value::Count(n) => J::from(*n),
        Value::Bool(b) => J::Bool(*b),
        _ => scalar_text(v, names).map_or(J::Null, J::String),
    }
}

fn write_json(v: &Value, names: &ValueNames, out: &mut String) {
    use crate::outcome::push_json_str;
    match v {
        Value::List(items) | Value::Set(items) | Value::Record(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(v, names, out);
            }
            out.push(']');
        }
        Value::Count(n) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{n}");
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Text(t) => push_json_str(out, t.as_str()),
        Value::Enum(e, i) => push_json_str(out, names.enum_name(*e, *i)),
        _ => match scalar_text(v, names) {
            Some(s) => push_json_str(out, &s),
            None => out.push_str("null"),
        },
    }
}

/// A value written as a JSON string, as a string; `None` for `null` (unset, and a case or
/// participant, which a shown value never holds).
fn scalar_text(v: &Value, names: &ValueNames) -> Option<String> {
    Some(match v {
        Value::Duration(d) => crate::duration::format_duration(*d),
        Value::Instant(t) => crate::text::instant_text(*t, names.zone.as_ref()),
        Value::Date(d) => d.to_string(),
        Value::Period(p) => p.format(),
        Value::Text(s) => s.to_string(),
        Value::Enum(e, i) => names.enum_name(*e, *i).to_string(),
        _ => return None,
    })
}

/// A value serialized as [`json`] builds it, without building it.
struct Ser<'a>(&'a Value, &'a ValueNames);

impl Serialize for Ser<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Ser(v, names) = *self;
        match v {
            Value::List(items) | Value::Set(items) | Value::Record(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items.iter() {
                    seq.serialize_element(&Ser(v, names))?;
                }
                seq.end()
            }
            Value::Count(n) => s.serialize_i64(*n),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Text(t) => s.serialize_str(t.as_str()),
            Value::Enum(e, i) => s.serialize_str(names.enum_name(*e, *i)),
            _ => match scalar_text(v, names) {
                Some(text) => s.serialize_str(&text),
                None => s.serialize_unit(),
            },
        }
    }
}

/// `value` with every case replaced by its key and every participant by unset; copied only
/// where it holds one.
fn without_cases(value: Value, case_key: &dyn Fn(u32) -> Option<Text>) -> Value {
    fn holds_case(v: &Value) -> bool {
        match v {
            Value::Case(_) | Value::Part(_) => true,
            Value::List(items) | Value::Set(items) | Value::Record(items) => {
                items.iter().any(holds_case)
            }
            _ => false,
        }
    }
    if !holds_case(&value) {
        return value;
    }
    match value {
        Value::Case(id) => case_key(id).map_or(Value::Unset, Value::Text),
        Value::Part(_) => Value::Unset,
        Value::List(items) => Value::List(
            items
                .iter()
                .map(|v| without_cases(v.clone(), case_key))
                .collect(),
        ),
        // the keys of a set of cases are sorted as a set of texts
        Value::Set(items) => Value::set_of(
            items
                .iter()
                .map(|v| without_cases(v.clone(), case_key))
                .collect(),
        ),
        Value::Record(items) => Value::Record(
            items
                .iter()
                .map(|v| without_cases(v.clone(), case_key))
                .collect(),
        ),
        other => other,
    }
}

impl Serialize for Shown {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Ser(&self.value, self.names()).serialize(s)
    }
}

/// Two shown values are equal when they are the same value (whatever policy showed them).
impl PartialEq for Shown {
    fn eq(&self, other: &Shown) -> bool {
        self.to_json() == other.to_json()
    }
}

/// A shown value equals the JSON it is written as.
impl PartialEq<serde_json::Value> for Shown {
    fn eq(&self, other: &serde_json::Value) -> bool {
        self.to_json() == *other
    }
}

/// As its JSON (a shown value is never sensitive: the checker refuses to show one).
impl fmt::Debug for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_json(&mut out);
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{EnumId, MemberId};

    /// [`Shown::set`] over any shown value gives what [`Shown::new`] gives, holding the
    /// names it is given exactly when the value needs them.
    #[test]
    fn a_value_set_over_another_is_the_value_made_afresh() {
        let names = |members: [&str; 2], zone: &str| {
            Arc::new(ValueNames {
                enums: vec![members.into_iter().map(Box::from).collect()],
                zone: Some(jiff::tz::TimeZone::get(zone).expect("a zone")),
            })
        };
        let ours = names(["low", "high"], "Asia/Shanghai");
        let theirs = names(["small", "large"], "Europe/Paris");
        let member = |i: usize| Value::Enum(EnumId::at(0), MemberId::at(i));
        let at: jiff::Timestamp = "2026-11-28T10:00:00Z".parse().expect("an instant");
        let values = [
            Value::text("word"),
            Value::Count(3),
            Value::Unset,
            member(1),
            Value::Instant(at),
            Value::List(vec![member(0), Value::Count(1)].into()),
            Value::Case(0),
            Value::List(vec![Value::Case(1), Value::text("x")].into()),
        ];
        let key = |id: u32| Some(Text::from(format!("case-{id}")));
        for old in &values {
            for old_names in [&ours, &theirs] {
                for value in &values {
                    let fresh = Shown::new(value.clone(), &ours, &key);
                    let mut set = Shown::new(old.clone(), old_names, &key);
                    set.set(value.clone(), &ours, &key);
                    assert_eq!(set.to_json(), fresh.to_json(), "{value:?} over {old:?}");
                    assert_eq!(set.names.is_some(), fresh.names.is_some(), "{value:?}");
                    assert!(set.names.as_ref().is_none_or(|n| Arc::ptr_eq(n, &ours)));
                }
            }
        }
    }
}
