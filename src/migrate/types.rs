//! How a stored value of one policy's type reads under another policy's type: whether it
//! is the same value, a value that always fits, one to check, or a different kind of value.

use crate::program::{MemberId, Program};
use crate::value::{Ty, Value};

/// How the values of an old type read as a new type, from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Compat {
    /// The very same values, with the same meaning: copied as they are.
    Same,
    /// Every old value is a new one (`T` → `T?`, a format → `text`, an enumeration that
    /// gained values): converted, never refused.
    Widened,
    /// Some old values may not be new ones (a format whose pattern changed, an enumeration
    /// that lost values, `text` → a format, `T?` → `T`): each value is checked.
    Checked,
    /// Another kind of value (`text` → `count`, one format → another): refused.
    Changed,
}

impl Compat {
    /// The worse of the two.
    pub fn or_worse(self, other: Compat) -> Compat {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    fn rank(self) -> u8 {
        match self {
            Compat::Same => 0,
            Compat::Widened => 1,
            Compat::Checked => 2,
            Compat::Changed => 3,
        }
    }
}

/// Why one value does not read as the new type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Misfit {
    /// It is unset, and the new type is not optional.
    Unset,
    /// It is a value the new type does not hold (the value is never shown).
    Value,
}

/// The two policies a value moves between.
#[derive(Clone, Copy)]
pub(super) struct Progs<'a> {
    pub old: &'a Program,
    pub new: &'a Program,
}

impl Progs<'_> {
    /// How values of `from` (an old type) read as `to` (a new type).
    pub fn compat(&self, from: &Ty, to: &Ty) -> Compat {
        let (old, new) = (self.old, self.new);
        match (from, to) {
            (Ty::Opt(a), Ty::Opt(b)) => self.compat(a, b),
            (a, Ty::Opt(b)) => self.compat(a, b).or_worse(Compat::Widened),
            (Ty::Opt(a), b) => self.compat(a, b).or_worse(Compat::Checked),
            (Ty::Bool, Ty::Bool)
            | (Ty::Count, Ty::Count)
            | (Ty::Duration, Ty::Duration)
            | (Ty::Instant, Ty::Instant)
            | (Ty::Date, Ty::Date)
            | (Ty::Period, Ty::Period)
            | (Ty::Text, Ty::Text) => Compat::Same,
            (Ty::Format(_), Ty::Text) => Compat::Widened,
            (Ty::Text, Ty::Format(_)) => Compat::Checked,
            (Ty::Format(a), Ty::Format(b)) => match (old.format(*a), new.format(*b)) {
                (Some(x), Some(y)) if x.name == y.name => {
                    let same = x.pattern.source == y.pattern.source
                        && (x.uppercase, x.lowercase, x.trim) == (y.uppercase, y.lowercase, y.trim);
                    if same {
                        Compat::Same
                    } else {
                        Compat::Checked
                    }
                }
                _ => Compat::Changed,
            },
            (Ty::Enum(a), Ty::Enum(b)) => match (old.enum_def(*a), new.enum_def(*b)) {
                (Some(x), Some(y)) if x.name == y.name => {
                    if a == b && y.values.starts_with(&x.values) {
                        Compat::Same
                    } else if x.values.iter().all(|v| y.values.contains(v)) {
                        Compat::Widened
                    } else {
                        Compat::Checked
                    }
                }
                _ => Compat::Changed,
            },
            (Ty::List(a), Ty::List(b)) => self.compat(a, b),
            (Ty::Set(a), Ty::Set(b)) => match self.compat(a, b) {
                // the order of a set's items may change with the enumeration's order
                Compat::Same => Compat::Same,
                c => c.or_worse(Compat::Widened),
            },
            (Ty::Record(a), Ty::Record(b)) => match (old.record(*a), new.record(*b)) {
                (Some(x), Some(y))
                    if x.fields.len() == y.fields.len()
                        && x.fields
                            .iter()
                            .zip(&y.fields)
                            .all(|(f, g)| f.name == g.name) =>
                {
                    x.fields
                        .iter()
                        .zip(&y.fields)
                        .fold(Compat::Same, |worst, (f, g)| {
                            worst.or_worse(self.compat(&f.ty, &g.ty))
                        })
                }
                _ => Compat::Changed,
            },
            _ => Compat::Changed,
        }
    }

    /// The old value `v` of type `from` as a value of the new type `to`. Call only when
    /// [`Progs::compat`] is not `Changed`; `Same` values are better cloned.
    pub fn convert(&self, from: &Ty, to: &Ty, v: &Value) -> Result<Value, Misfit> {
        let (old, new) = (self.old, self.new);
        Ok(match (from, to, v) {
            (_, Ty::Opt(_), Value::Unset) => Value::Unset,
            (_, _, Value::Unset) => return Err(Misfit::Unset),
            (Ty::Opt(a), b, v) => self.convert(a, b, v)?,
            (a, Ty::Opt(b), v) => self.convert(a, b, v)?,
            (_, Ty::Format(f), Value::Text(t)) => {
                let def = new.format(*f).ok_or(Misfit::Value)?;
                if !def.pattern.is_match(t) {
                    return Err(Misfit::Value);
                }
                Value::Text(t.clone())
            }
            (Ty::Enum(_), Ty::Enum(b), Value::Enum(e, i)) => {
                let name = old.enum_name(*e, *i);
                let values = &new.enum_def(*b).ok_or(Misfit::Value)?.values;
                let at = values.iter().position(|x| x == name).ok_or(Misfit::Value)?;
                Value::Enum(*b, MemberId::at(at))
            }
            (Ty::List(a), Ty::List(b), Value::List(items)) => Value::list(
                items
                    .iter()
                    .map(|x| self.convert(a, b, x))
                    .collect::<Result<_, _>>()?,
            ),
            (Ty::Set(a), Ty::Set(b), Value::Set(items)) => Value::set_of(
                items
                    .iter()
                    .map(|x| self.convert(a, b, x))
                    .collect::<Result<_, _>>()?,
            ),
            (Ty::Record(a), Ty::Record(b), Value::Record(items)) => {
                let (Some(x), Some(y)) = (old.record(*a), new.record(*b)) else {
                    return Err(Misfit::Value);
                };
                Value::record(
                    x.fields
                        .iter()
                        .zip(&y.fields)
                        .zip(items.iter())
                        .map(|((f, g), item)| self.convert(&f.ty, &g.ty, item))
                        .collect::<Result<_, _>>()?,
                )
            }
            // the same kind of value on both sides (compat says so): as it is
            (_, _, v) => v.clone(),
        })
    }
}

/// A type as a policy author writes it: `instant?`, `set<role>`, `code`.
pub(super) fn ty_name(prog: &Program, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "bool".into(),
        Ty::Count => "count".into(),
        Ty::Duration => "duration".into(),
        Ty::Instant => "instant".into(),
        Ty::Date => "date".into(),
        Ty::Period => "period".into(),
        Ty::Text => "text".into(),
        Ty::Format(f) => prog
            .format(*f)
            .map_or("a format".into(), |d| d.name.clone()),
        Ty::Enum(e) => prog
            .enum_def(*e)
            .map_or("an enumeration".into(), |d| d.name.clone()),
        Ty::Set(t) => format!("set<{}>", ty_name(prog, t)),
        Ty::List(t) => format!("list<{}>", ty_name(prog, t)),
        Ty::Record(r) => {
            let fields = prog.record(*r).map_or(Vec::new(), |d| {
                d.fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name, ty_name(prog, &f.ty)))
                    .collect()
            });
            format!("{{{}}}", fields.join(", "))
        }
        Ty::Opt(t) => format!("{}?", ty_name(prog, t)),
        Ty::Case(c) => prog
            .case_def(*c)
            .map_or("a case".into(), |d| d.name.clone()),
        Ty::Part(c) => prog
            .case_def(*c)
            .map_or("a participant".into(), |d| d.parts.name.clone()),
        Ty::Unknown => "a value".into(),
    }
}
