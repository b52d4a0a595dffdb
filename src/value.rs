//! Runtime values and the types the checker gives them.

use jiff::{SignedDuration, Timestamp};

/// Index of a case in a world (or in a transaction's new cases, past the world's end).
pub type CaseId = u32;

/// A participant: its case and its position in that case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartRef {
    pub case: CaseId,
    pub idx: u32,
}

/// A value as rules see it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    /// An optional value that is not set (`code` before any SMS).
    Unset,
    Bool(bool),
    Count(i64),
    Duration(SignedDuration),
    Instant(Timestamp),
    Text(String),
    /// A member of an enumeration (a status, a role, a table key value): `(enum, index)`.
    Enum(u16, u16),
    /// A list, in order.
    List(Vec<Value>),
    /// A set: sorted, no duplicates.
    Set(Vec<Value>),
    /// A record's fields, in declaration order.
    Record(Vec<Value>),
    Case(CaseId),
    Part(PartRef),
}

impl Value {
    /// Builds a set from any values: sorts and removes duplicates.
    pub fn set_of(mut items: Vec<Value>) -> Value {
        items.sort();
        items.dedup();
        Value::Set(items)
    }

    /// The elements of a list or set.
    pub fn elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) => Some(v),
            _ => None,
        }
    }
}

/// A static type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Bool,
    Count,
    Duration,
    Instant,
    Text,
    /// Text that matched a declared format.
    Format(u16),
    Enum(u16),
    Set(Box<Ty>),
    List(Box<Ty>),
    Record(u16),
    Opt(Box<Ty>),
    Case,
    Part,
    /// The type of `unset` and of `[]` elements before context is known.
    Unknown,
}

impl Ty {
    pub fn opt(self) -> Ty {
        match self {
            Ty::Opt(_) => self,
            t => Ty::Opt(Box::new(t)),
        }
    }

    pub fn is_opt(&self) -> bool {
        matches!(self, Ty::Opt(_))
    }

    /// The type without its optional marker.
    pub fn strip_opt(&self) -> &Ty {
        match self {
            Ty::Opt(t) => t,
            t => t,
        }
    }

    pub fn is_textual(&self) -> bool {
        matches!(self, Ty::Text | Ty::Format(_))
    }

    /// The element type of a list or set.
    pub fn element(&self) -> Option<&Ty> {
        match self {
            Ty::Set(t) | Ty::List(t) => Some(t),
            _ => None,
        }
    }
}
