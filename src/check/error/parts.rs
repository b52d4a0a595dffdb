//! The typed parts of checker errors: why something cannot be, what it is still, where
//! something else is. Each is worded with its error, in `message.rs` or `help.rs`.

use crate::check::Env;
use crate::span::Span;
use crate::value::Ty;

/// Why the target of `set` (or a field given to `add`) cannot be assigned.
#[derive(Debug)]
pub enum Unassignable {
    /// `set amount = 3`: a bare name, no case or participant before it.
    NotAField,
    /// `set event.code = …`
    Event,
    /// `set limits.max = 3`
    Limit,
    /// `set filing.id = …`, the case's key.
    Key { case: String },
    /// `set filing.total = …`, a derived field.
    Derived,
    /// `add people(total: 3)`, a derived field given.
    DerivedGiven,
    /// `set event.at.year = …`: a value without fields.
    NoFields { ty: Ty },
}

/// Who declares a type name already (for a format of that name).
#[derive(Debug)]
pub enum TypeOwner {
    /// A requirements table, by its `of`.
    Table(String),
    /// The unnamed `statuses` block (`status`).
    Statuses,
    /// A built-in type.
    Language,
}

/// What a name taken already was wanted for.
#[derive(Debug)]
pub enum Taker {
    /// The collection of all cases of a type (`case filing key id: text in filings { … }`).
    AllCases { case: String },
    /// A participants block.
    Participants,
}

/// What reads other cases where it may not.
#[derive(Debug)]
pub enum Reader {
    /// A deadline, by name.
    Deadline(String),
    /// A migrated field's value, by the field's name.
    Migrated(String),
}

/// What a sensitive key would be the key of.
#[derive(Debug)]
pub enum KeyOf {
    /// The case a handler is routed to.
    Route { case: String },
    /// A requirements table looked up.
    Lookup { table: String },
}

/// What the help of an unknown name says when no name is close enough to suggest.
#[derive(Debug)]
pub enum Hint {
    /// `null`, `elif`, `len`: a word of another language, and how this one says it.
    Foreign(Foreign),
    /// The few names there are (at most 8), in the order given.
    OneOf(Vec<String>),
    /// A name in a message placeholder: what a placeholder can read.
    InPlaceholder,
    /// An unknown status tag: the tags there are, and how a tag is declared after a
    /// status (the first of the case type's statuses, for the example).
    StatusTag { tags: Vec<String>, status: String },
    /// An unknown event: how one is declared, then what else there is to say.
    DeclareEvent { also: Option<Box<Hint>> },
}

/// A word of another language for something this one writes otherwise.
#[derive(Debug, Clone, Copy)]
pub enum Foreign {
    /// `null`, `nil`, `none`, `undefined`
    Unset,
    /// `else_if`, `elif`, `elsif`
    ElseWhen,
    /// `len`, `length_of`, `size`
    Count,
}

impl Foreign {
    /// The word `name`, if it is one of another language.
    pub fn of(name: &str) -> Option<Foreign> {
        match name {
            "null" | "nil" | "none" | "undefined" => Some(Foreign::Unset),
            "else_if" | "elif" | "elsif" => Some(Foreign::ElseWhen),
            "len" | "length_of" | "size" => Some(Foreign::Count),
            _ => None,
        }
    }
}

/// What counts in calendar time, and so needs the policy's time zone.
#[derive(Debug)]
pub enum NeedsZone {
    /// A built-in function of dates: `date_of`, `roll_forward`…
    Function(String),
    /// `event.at + 1 month`
    PeriodOnInstant,
}

/// A place in the policy's files, named only when rendered (`line 12` in the same file,
/// `rules/x.docket:12` in another).
#[derive(Debug, Clone, Copy)]
pub struct At {
    pub source: usize,
    pub span: Span,
}

impl At {
    /// The place as seen from file `from`.
    pub(super) fn named(self, from: usize, env: &Env) -> Option<String> {
        env.place(from, self.source, self.span)
    }
}

/// The `emit` whose scope a message placeholder was checked in.
#[derive(Debug, Clone)]
pub struct EmitSite {
    /// The id of the message emitted (`validation_failed`).
    pub emitted: String,
    /// The emitting rule, if it has a name.
    pub rule: Option<String>,
    /// Where the `emit` is.
    pub at: At,
}

/// What a name a migration step names is still, in the new policy.
#[derive(Debug, Clone, Copy)]
pub enum Declared {
    CaseType,
    Field,
    PartField,
    Status,
}

/// A step of a migration that names what the old policy had.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// `migrate drop filing`, or `drop amount` in a block.
    Drop,
    /// `migrate filing from old_filing { … }`
    From,
    /// `rename a to b`
    Rename,
    /// `status a -> b`
    Status,
}
