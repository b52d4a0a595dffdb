//! What a migration does ([`MigrationPlan`]) and why one is refused ([`MigrationError`]):
//! data, rendered once by `Display`. Neither ever holds a value of a case, only names and
//! counts.

use std::fmt;

/// What a change or a problem is about, in one case type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The case type itself.
    CaseType,
    /// The key of its cases.
    Key,
    /// A stored field of its cases.
    Field(String),
    /// A stored field of its participants: (the participants' name, the field).
    ParticipantField(String, String),
    /// Its participants, by name.
    Participants(String),
    /// One of its statuses.
    Status(String),
    /// One of its deadlines.
    Deadline(String),
}

impl Subject {
    /// Whether its count is of participants (else of cases).
    pub fn counts_participants(&self) -> bool {
        matches!(
            self,
            Subject::ParticipantField(..) | Subject::Participants(_)
        )
    }

    fn render(&self, case_type: &str) -> String {
        match self {
            Subject::CaseType => format!("case type `{case_type}`"),
            Subject::Key => format!("the key of `{case_type}`"),
            Subject::Field(f) => format!("field `{case_type}.{f}`"),
            Subject::ParticipantField(p, f) => format!("field `{case_type}.{p}.{f}`"),
            Subject::Participants(p) => format!("participants `{p}` of `{case_type}`"),
            Subject::Status(s) => format!("status `{s}` of `{case_type}`"),
            Subject::Deadline(d) => format!("deadline `{d}` of `{case_type}`"),
        }
    }
}

/// "3 cases", "1 participant".
fn counted(n: usize, participants: bool) -> String {
    let (one, many) = if participants {
        ("participant", "participants")
    } else {
        ("case", "cases")
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whether a change applies by itself or because the policy declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// Applied automatically: no value is lost or read differently.
    Compatible,
    /// Applied as a `migrate` block of the new policy says.
    Declared,
}

/// What changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeWhat {
    /// A case type the old policy did not have.
    NewCaseType,
    /// `migrate filing from application`: the cases of the old type, under a new name.
    CaseTypeRenamed {
        /// Its name in the old policy.
        from: String,
    },
    /// `migrate drop loan`: the cases of the old type are discarded.
    CaseTypeDropped,
    /// A new stored field, at its default (or unset, if optional).
    NewField {
        /// Whether it is optional (else it has a default).
        optional: bool,
    },
    /// `rename a to b`: the values of the old field.
    FieldRenamed {
        /// Its name in the old policy.
        from: String,
    },
    /// `drop a`: the old field's values are discarded.
    FieldDropped,
    /// `set a = …`: computed on each migrated case (or participant).
    FieldComputed {
        /// The expression as written.
        expr: String,
    },
    /// A type that reads every old value (`T` → `T?`, a format → `text`, more enumeration
    /// values).
    TypeWidened {
        /// The old type.
        from: String,
        /// The new type.
        to: String,
    },
    /// A type whose values were each checked, and all fit (a format's pattern changed, an
    /// enumeration lost values none holds, `T?` → `T` where every value is set).
    ValuesChecked {
        /// The old type.
        from: String,
        /// The new type.
        to: String,
    },
    /// Every key was checked against a new key format, and all fit.
    KeysChecked {
        /// The format.
        format: String,
    },
    /// A status the old policy did not have.
    NewStatus,
    /// `status a -> b`: the cases in the old status are put in status `to`.
    StatusMapped {
        /// The new status.
        to: String,
    },
    /// A deadline the old policy did not have, computed for every case.
    NewDeadline {
        /// How many cases it is already past: it fires for them at the next event.
        overdue: usize,
    },
    /// A deadline the new policy no longer has.
    DeadlineRemoved,
    /// Participants the old policy's case type did not have.
    NewParticipants,
    /// An `erase when` condition that holds for values the old policy kept: they are erased.
    Erased,
}

/// One change a migration makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Applied automatically, or declared.
    pub kind: ChangeKind,
    /// The case type of the new policy (of the old one, for a dropped case type).
    pub case_type: String,
    /// What it is about.
    pub subject: Subject,
    /// What changed.
    pub what: ChangeWhat,
    /// How many cases (participants, for their fields) it touches.
    pub count: usize,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            ChangeKind::Compatible => "compatible",
            ChangeKind::Declared => "declared",
        };
        let what = match &self.what {
            ChangeWhat::NewCaseType => "new".to_string(),
            ChangeWhat::CaseTypeRenamed { from } => format!("renamed from `{from}`"),
            ChangeWhat::CaseTypeDropped => "dropped, with its cases".into(),
            ChangeWhat::NewField { optional: true } => "new, optional: unset".into(),
            ChangeWhat::NewField { optional: false } => "new, at its default".into(),
            ChangeWhat::FieldRenamed { from } => format!("renamed from `{from}`"),
            ChangeWhat::FieldDropped => "dropped, with its values".into(),
            ChangeWhat::FieldComputed { expr } => format!("computed as `{expr}`"),
            ChangeWhat::TypeWidened { from, to } => format!("widened from `{from}` to `{to}`"),
            ChangeWhat::ValuesChecked { from, to } => {
                format!("changed from `{from}` to `{to}`, every value checked and fits")
            }
            ChangeWhat::KeysChecked { format } => {
                format!("format `{format}` checked, every key fits")
            }
            ChangeWhat::NewStatus => "new".into(),
            ChangeWhat::StatusMapped { to } => format!("mapped to `{to}`"),
            ChangeWhat::NewDeadline { overdue: 0 } => "new".into(),
            ChangeWhat::NewDeadline { overdue } => format!(
                "new; already past for {}, it fires for them at the next event",
                counted(*overdue, false)
            ),
            ChangeWhat::DeadlineRemoved => "removed".into(),
            ChangeWhat::NewParticipants => "new".into(),
            ChangeWhat::Erased => "erased where its `erase when` condition holds".into(),
        };
        write!(
            f,
            "{kind}: {}: {what} ({})",
            self.subject.render(&self.case_type),
            counted(self.count, self.subject.counts_participants())
        )
    }
}

/// What opening a world built under an older policy does: every change, with how many
/// cases each touches. Its `Display` is one line per change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrationPlan {
    pub(crate) changes: Vec<Change>,
}

impl MigrationPlan {
    /// The changes, by case type of the new policy, then dropped case types.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Whether nothing changes in the data (the rules and tables may still differ).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

impl fmt::Display for MigrationPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return writeln!(f, "no change to the stored data");
        }
        for c in &self.changes {
            writeln!(f, "{c}")?;
        }
        Ok(())
    }
}

/// What is wrong with one change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The world was built by another policy than the old one given.
    NotTheOldPolicy,
    /// The new policy has no case type for the old one's cases.
    CaseTypeRemoved,
    /// An old stored field the new policy does not have.
    FieldRemoved {
        /// A new field of the same type that may be its new name.
        renamed_to: Option<String>,
    },
    /// A stored field whose type reads the old values as other kinds of values.
    TypeChanged {
        /// The old type.
        from: String,
        /// The new type.
        to: String,
    },
    /// Values that the field's new type does not hold (`count` of them; never shown).
    ValuesDoNotFit {
        /// The old type.
        from: String,
        /// The new type.
        to: String,
    },
    /// A field no longer optional, unset in `count` cases.
    NoLongerOptional {
        /// The old type.
        from: String,
        /// The new type.
        to: String,
    },
    /// A new stored field without a default, not optional, not computed.
    NoDefault {
        /// Its type.
        ty: String,
    },
    /// An old status the new policy does not have.
    StatusRemoved,
    /// Participants the new policy's case type does not have.
    ParticipantsRemoved,
    /// Keys that do not match the new key format (never shown).
    KeyDoesNotFit {
        /// The format.
        format: String,
    },
    /// A `set` failed to compute a value for `count` cases.
    SetFailed {
        /// The expression as written.
        expr: String,
        /// Why, for the first of them (left out when the expression reads a sensitive value).
        reason: Option<String>,
    },
    /// A `set` gave no value for a field that is not optional.
    SetLeftUnset {
        /// The expression as written.
        expr: String,
    },
    /// A deadline could not be computed for `count` cases.
    DeadlineFailed {
        /// Why, for the first of them.
        reason: String,
    },
    /// A `migrate` step names something the old policy does not have, and its effect is
    /// not there either: most likely a misspelt name.
    UnknownOldName {
        /// What it should name: `field`, `case type`, `status`.
        kind: &'static str,
        /// The name as written.
        name: String,
        /// A close name of the old policy.
        suggestion: Option<String>,
        /// Where the step is written.
        place: String,
    },
}

/// One refused change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationProblem {
    /// The case type (of the old policy for a removed one, else of the new one).
    pub case_type: String,
    /// What it is about.
    pub subject: Subject,
    /// What is wrong.
    pub problem: Problem,
    /// How many cases (participants, for their fields) hold a value for it, or are
    /// affected.
    pub count: usize,
    /// How to declare the migration, or fix the policy.
    pub help: String,
}

impl fmt::Display for MigrationProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subject = self.subject.render(&self.case_type);
        let n = |participants: bool| counted(self.count, participants);
        let parts = self.subject.counts_participants();
        let hold = |n: String| {
            if self.count == 1 {
                format!("{n} holds")
            } else {
                format!("{n} hold")
            }
        };
        let line = match &self.problem {
            Problem::NotTheOldPolicy => {
                "this world was not built by the old policy given: migrate it from its own".into()
            }
            Problem::CaseTypeRemoved => {
                format!("{subject} was removed: the world holds {} of it", n(false))
            }
            Problem::FieldRemoved { renamed_to } => {
                let renamed = renamed_to
                    .as_ref()
                    .map(|r| format!(" (renamed to `{r}`?)"))
                    .unwrap_or_default();
                format!("{subject} was removed{renamed}: {} a value", hold(n(parts)))
            }
            Problem::TypeChanged { from, to } => format!(
                "{subject} changed type from `{from}` to `{to}`: {} a value",
                hold(n(parts))
            ),
            Problem::ValuesDoNotFit { from, to } => format!(
                "{subject} changed from `{from}` to `{to}`: {} a value that `{to}` does not hold (the values are not shown)",
                hold(n(parts))
            ),
            Problem::NoLongerOptional { from, to } => format!(
                "{subject} is no longer optional (`{from}` to `{to}`): {} no value",
                hold(n(parts))
            ),
            Problem::NoDefault { ty } => format!(
                "{subject} is new, of type `{ty}`, without a default and not optional: {} no value",
                hold(n(parts))
            ),
            Problem::StatusRemoved => format!(
                "{subject} was removed: {} {} in it",
                n(false),
                if self.count == 1 { "is" } else { "are" }
            ),
            Problem::ParticipantsRemoved => {
                format!("{subject} were removed: the world holds {}", n(true))
            }
            Problem::KeyDoesNotFit { format } => format!(
                "{subject} must now match the format `{format}`: {} a key that does not (the keys are not shown)",
                hold(n(false))
            ),
            Problem::SetFailed { expr, reason } => format!(
                "`set` of {subject} to `{expr}` failed for {}{}",
                n(parts),
                reason
                    .as_ref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
            Problem::SetLeftUnset { expr } => format!(
                "`set` of {subject} to `{expr}` gives no value for {}, and the field is not optional",
                n(parts)
            ),
            Problem::DeadlineFailed { reason } => {
                format!("{subject} cannot be computed for {}: {reason}", n(false))
            }
            Problem::UnknownOldName {
                kind, name, place, ..
            } => format!(
                "the migration at {place} names `{name}`, which is no {kind} of the old policy's `{}`",
                self.case_type
            ),
        };
        writeln!(f, "error: {line}")?;
        write!(f, "  = help: {}", self.help)
    }
}

/// Why a world could not be migrated: every refused change, not only the first.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct MigrationError {
    /// The refused changes, by case type.
    pub problems: Vec<MigrationProblem>,
}

impl fmt::Display for MigrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        let n = self.problems.len();
        write!(
            f,
            "error: {n} {} the world from being migrated",
            if n == 1 {
                "problem keeps"
            } else {
                "problems keep"
            }
        )
    }
}
