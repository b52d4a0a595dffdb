//! The one-line message of each checker error: the one place each kind becomes text.

use super::*;
use crate::check::expr::describe;
use crate::check::fields::{MAX_DERIVED_DEPTH, MAX_DERIVED_STEPS};

impl CheckError {
    /// The error's one-line message: the one place each kind of error becomes text. Types
    /// are named through `env` (`a \`role\``, `a set of counts`).
    pub fn message(&self, env: &Env) -> String {
        let ty = |t: &Ty| describe(env, t);
        match self {
            CheckError::Unknown { kind, name, .. } => format!("unknown {kind} `{name}`"),
            CheckError::Mismatch {
                expected, found, ..
            } => format!("expected {}, found {}", ty(expected), ty(found)),
            CheckError::Incomparable { left, right, .. } => {
                match (left.strip_opt(), right.strip_opt()) {
                    (l @ Ty::Format(_), r @ Ty::Format(_)) => {
                        format!("{} is never {}", ty(l), ty(r))
                    }
                    _ => format!("cannot compare {} with {}", ty(left), ty(right)),
                }
            }
            CheckError::NotIn {
                item, collection, ..
            } => format!("cannot look for {} in {}", ty(item), ty(collection)),
            CheckError::Unordered { left, right, .. } => {
                format!("cannot order {} against {}", ty(left), ty(right))
            }
            CheckError::NeverUnset { ty: t, .. } => {
                format!("{} is never unset, so `??` has nothing to do", ty(t))
            }
            CheckError::NoArithmetic {
                op, left, right, ..
            } => format!(
                "cannot apply `{}` to {} and {}",
                op.symbol(),
                ty(left),
                ty(right)
            ),
            CheckError::DeclaredTwice { kind, name, .. } => {
                format!("{kind} `{name}` is declared twice")
            }
            CheckError::NoZone { what, .. } => {
                let what = match what {
                    NeedsZone::Function(f) => format!("`{f}`"),
                    NeedsZone::PeriodOnInstant => "adding a period to an instant".into(),
                };
                format!("{what} needs the policy's time zone, and it declares none")
            }
            CheckError::Unsealable { field, ty: t, .. } => format!(
                "field `{field}` is declared sensitive, but {} cannot be sealed",
                ty(t)
            ),
            CheckError::LengthNotCount { limit, .. } => format!("`{limit}` is not a count"),
            CheckError::NotAPattern { limit, .. } => format!("`{limit}` is not a pattern"),
            CheckError::CaseKeyType { .. } => "a case key must be text or a format".into(),
            CheckError::ForOverValue { found, .. } => {
                format!("`for` runs over a list or a set, not {}", ty(found))
            }
            CheckError::NotShowable { ty: t, .. } => format!("{} cannot be shown", ty(t)),
            CheckError::PatternAsValue { limit, .. } => {
                format!("`{limit}` is a pattern: use it after `matches`")
            }
            CheckError::AmbiguousValue { name, enums, .. } => {
                let kinds: Vec<String> = enums.iter().map(|e| format!("`{e}`")).collect();
                format!("`{name}` is a value of {}", kinds.join(" and "))
            }
            CheckError::FieldOfOptional { ty: t, field, .. } => {
                format!("{} may be unset: `.{field}` cannot be read from it", ty(t))
            }
            CheckError::NoField { ty: t, field, .. } => {
                format!("{} has no field `{field}`", ty(t))
            }
            CheckError::OptionalListIntoSet { found, to, .. } => {
                format!("{} cannot be stored in {}", ty(found), ty(to))
            }
            CheckError::PatternOutsideMatches { .. } => {
                "a pattern can only follow `matches`".into()
            }
            CheckError::MixedList {
                expected, found, ..
            } => format!(
                "a list holds values of one type: expected {}, found {}",
                ty(expected),
                ty(found)
            ),
            CheckError::Negate { ty: t, .. } => format!("cannot negate {}", ty(t)),
            CheckError::NotText { ty: t, .. } => {
                format!("{} cannot be written into text", ty(t))
            }
            CheckError::NeverUnsetTest { ty: t, set, .. } => format!(
                "{} is never unset, so `is {}` is always {set}",
                ty(t),
                if *set { "set" } else { "unset" }
            ),
            CheckError::NotTagged { tag, ty: t, .. } => {
                format!("`is {tag}` tests a status tag, but this is {}", ty(t))
            }
            CheckError::WordsNotEnum { ty: t, .. } => {
                format!("`words` reads a value of an enumeration, not {}", ty(t))
            }
            CheckError::NotACollection { ty: t, .. } => {
                format!("expected a list or a set, found {}", ty(t))
            }
            CheckError::LookupArity {
                table,
                columns,
                found,
                ..
            } => format!(
                "table `{table}` is looked up by {} key{}, not {found}",
                columns.len(),
                if columns.len() == 1 { "" } else { "s" }
            ),
            CheckError::MessageMaybeUnset { quote, .. } => format!(
                "{} may be unset, and a message never shows an unset value",
                quoted(quote, "this value")
            ),
            CheckError::MatchesNotText { ty: t, .. } => {
                format!("only text can match a pattern, not {}", ty(t))
            }
            CheckError::MatchesWhat { .. } => {
                "`matches` takes a `/pattern/` or a pattern limit".into()
            }
            CheckError::NotAssignable { name, why, .. } => match why {
                Unassignable::NotAField => {
                    format!("`{name}` is not a field: write `set <case or participant>.{name} = …`")
                }
                Unassignable::Event => {
                    "events are read-only: rules cannot change what happened".into()
                }
                Unassignable::Limit => {
                    format!("`{name}` is a limit: limits change in their table, not in rules")
                }
                Unassignable::Key { case } => {
                    format!("`{name}` is the key of `{case}` and never changes")
                }
                Unassignable::Derived => {
                    format!("`{name}` is derived (computed from other fields) and cannot be set")
                }
                Unassignable::DerivedGiven => format!("`{name}` is derived and cannot be given"),
                Unassignable::NoFields { ty: t } => format!("{} has no fields to set", ty(t)),
            },
            CheckError::StatusTypeInTable { table, .. } => format!(
                "table `{table}` declares the type `status`, which is the type of the statuses"
            ),
            CheckError::TypeInTwoTables {
                name,
                first_table,
                table,
                ..
            } => format!("tables `{first_table}` and `{table}` both declare the type `{name}`"),
            CheckError::SecondZone { limit, .. } => {
                format!("limit `{limit}` is a second time zone: a policy counts its dates in one")
            }
            CheckError::MessageInTwoTables { id, .. } => {
                format!("message `{id}` is defined in two tables")
            }
            CheckError::SecondStatuses { case, .. } => match case {
                Some(c) => format!("a second `statuses {c}` block"),
                None => "a second `statuses` block".into(),
            },
            CheckError::SecondParticipants { name, case, .. } => format!(
                "a second participants block `{name}` for `{case}`: a case type has one kind of participant"
            ),
            CheckError::SecondHandler { trigger, .. } => format!("a second `{trigger}` handler"),
            CheckError::LetTwice { name, .. } => format!("`let {name}` twice in one handler"),
            CheckError::RuleTwice { name, .. } => {
                format!("two rules named `{name}` in one handler")
            }
            CheckError::SensitiveShown { name, computed, .. } => format!(
                "`show {name}` would put {} in the output",
                if *computed {
                    "a value computed from a sensitive value"
                } else {
                    "a sensitive value"
                }
            ),
            CheckError::SensitiveInvariant { invariant, .. } => format!(
                "invariant `{invariant}` is computed from a sensitive value, which a report of whether it holds would show"
            ),
            CheckError::SensitiveDeadline { deadline, .. } => format!(
                "deadline `{deadline}` is computed from a sensitive value, which its firing time would show"
            ),
            CheckError::SensitiveInMessage {
                quote, computed, ..
            } => format!(
                "{} {} and cannot be written into a message",
                quoted(quote, "this value"),
                if *computed {
                    "is computed from a sensitive value"
                } else {
                    "is sensitive"
                }
            ),
            CheckError::BuiltinTypeInTable { table, name, .. } => {
                format!("table `{table}` declares the type `{name}`, which is built in")
            }
            CheckError::EmptyStatuses { .. } => "the `statuses` block is empty".into(),
            CheckError::EnumNameTaken { name, .. } => {
                format!("the type `{name}` is declared already")
            }
            CheckError::FormatNameTaken { name, by, .. } => {
                let by = match by {
                    TypeOwner::Table(t) => format!("table `{t}`"),
                    TypeOwner::Statuses => "the `statuses` block".into(),
                    TypeOwner::Language => "the language".into(),
                };
                format!("the type `{name}` is declared by {by} already")
            }
            CheckError::EmptyEnum { name, .. } => {
                format!("the enumeration `{name}` has no values")
            }
            CheckError::EmptyFormat { .. } => {
                "a format of at most 0 characters accepts no value".into()
            }
            CheckError::NameTaken { name, .. } => format!("the name `{name}` is taken already"),
            CheckError::CaseWithoutStatuses { case, .. } => {
                format!("case `{case}` has no statuses")
            }
            CheckError::EventFieldBuiltIn { field, .. } => {
                format!("`{field}` is a field of every event already")
            }
            CheckError::FieldNamesParticipants { name, .. } => {
                format!("`{name}` names the participants already")
            }
            CheckError::BuiltInField { name, .. } => {
                format!("`{name}` is a built-in field already")
            }
            CheckError::ReadsOtherCases { reader, .. } => match reader {
                Reader::Deadline(d) => {
                    format!("deadline `{d}` reads other cases, through a world-wide lookup")
                }
                Reader::Migrated(f) => {
                    format!("the value of `{f}` reads other cases, through a world-wide lookup")
                }
            },
            CheckError::DeadlineOfTwoCases { deadline, .. } => {
                format!("deadline `{deadline}` must read the fields of one case type")
            }
            CheckError::DefaultNotLiteral { .. } => "a default must be a literal value".into(),
            CheckError::DerivedTooLong { field, .. } => format!(
                "`{field}` expands to more than {MAX_DERIVED_STEPS} steps when evaluated"
            ),
            CheckError::DerivedTooDeep { field, depth, .. } => format!(
                "`{field}` is derived through a chain of {depth} derived fields, more than {MAX_DERIVED_DEPTH}"
            ),
            CheckError::DerivedCycle { field, .. } => {
                format!("`{field}` reads itself, through other derived fields")
            }
            CheckError::DerivedTooEarly { field, .. } => {
                format!("`{field}` is a derived field this one cannot read yet")
            }
            CheckError::RoutedDeadline { .. } => {
                "a deadline handler is routed already: to the case whose deadline it is".into()
            }
            CheckError::NewOrNew { .. } => {
                "`for new … or new` says twice that the case may be created".into()
            }
            CheckError::SensitiveKey { quote, of, .. } => {
                let what = quoted(quote, "this key");
                match of {
                    KeyOf::Route { case } => format!(
                        "{what} is sensitive and cannot be the key of a `{case}`: the key is shown in every outcome"
                    ),
                    KeyOf::Lookup { table } => format!(
                        "{what} is sensitive and cannot look up `{table}`: a key without a row is shown in the error"
                    ),
                }
            }
            CheckError::SensitiveIntoPlain {
                field, computed, ..
            } => format!(
                "{} cannot be stored in `{field}`, which is not sensitive",
                sensitive_value(*computed)
            ),
            CheckError::SensitiveStatus { computed, .. } => format!(
                "{} cannot be a status: every outcome shows the status",
                sensitive_value(*computed)
            ),
            CheckError::MissingOnCreate { field, case, .. } => format!(
                "field `{field}` of a new `{case}` has no default, and this handler never sets it"
            ),
            CheckError::ElseWithoutWhen { .. } => {
                "`else when` follows a rule without `when`".into()
            }
            CheckError::ShowReservedKey { name, .. } => {
                format!("`show {name}` would repeat a key every outcome has already")
            }
            CheckError::RejectAtDeadline { .. } => {
                "`reject` refuses an event, and a deadline fires without one".into()
            }
            CheckError::AddWithoutRoute { case, .. } => format!(
                "`add` puts participants into the routed `{case}`, and this handler has none"
            ),
            CheckError::AddMissingField { parts, field, .. } => {
                format!("`add {parts}` must give `{field}`: it has no default")
            }
            CheckError::NoEvent { .. } => "there is no event here".into(),
            CheckError::EventAlone { .. } => "name a field of the event, like `event.at`".into(),
            CheckError::NotRouted { name, .. } => format!("no `{name}` is routed here"),
            CheckError::LetOrder { name, itself, .. } => {
                if *itself {
                    format!("`let {name}` reads itself")
                } else {
                    format!("`{name}` is used before its `let`")
                }
            }
            CheckError::BadPattern { error, .. } => format!("invalid pattern: {error}"),
            CheckError::LimitPath { table, .. } => format!("write a limit as `{table}.<name>`"),
            CheckError::Arity {
                function,
                want,
                found,
                ..
            } => format!(
                "`{function}` takes {want} argument{}, not {found}",
                if *want == 1 { "" } else { "s" }
            ),
            CheckError::NoCalendarName { .. } => "expected the name of a calendar table".into(),
            CheckError::WholeWorld {
                name,
                case,
                of_cases,
                ..
            } => {
                if *of_cases {
                    format!("`{name}` alone is every `{case}` of the world")
                } else {
                    format!("`{name}` alone is every participant of every case")
                }
            }
            CheckError::LookupUnindexed { all, .. } => {
                format!("a lookup over all `{all}` must fix a stored field")
            }
            CheckError::StillDeclared {
                name, what, step, ..
            } => {
                let what = match what {
                    Declared::CaseType => "a case type",
                    Declared::Field => "a field",
                    Declared::PartField => "a participant field",
                    Declared::Status => "a status",
                };
                let step = match step {
                    Step::Drop => "drop",
                    Step::From => "from",
                    Step::Rename => "rename",
                    Step::Status => "status",
                };
                format!("`{name}` is still {what} of this policy: this `{step}` would never apply")
            }
            CheckError::PartStatus { .. } => "participants have no status".into(),
            CheckError::MigrateDerived { field, .. } => {
                format!("`{field}` is a derived field: it is computed, not stored")
            }
            CheckError::EraseNotOptional { field, .. } => format!(
                "`{field}` cannot be erased: it is not optional, and an erased field is unset"
            ),
            CheckError::EraseNotSensitive { field, .. } => {
                format!("`{field}` is not sensitive: only a sensitive field is erased")
            }
            CheckError::PlaceholderSyntax {
                placeholder, error, ..
            } => format!("in placeholder `{{{placeholder}}}`: {error}"),
            CheckError::AtEmit { error, .. } => error.message(env),
            CheckError::Internal { what, .. } => format!(
                "internal error: {what}; this is a bug of docket, not a mistake in the policy: please report it"
            ),
        }
    }
}

/// A value quoted as written (`` `event.code` ``), or `otherwise` when it spans lines.
pub(super) fn quoted(quote: &Option<String>, otherwise: &str) -> String {
    match quote {
        Some(text) => format!("`{text}`"),
        None => otherwise.into(),
    }
}

/// How an error names a sensitive value: itself, or computed from one.
pub(super) fn sensitive_value(computed: bool) -> &'static str {
    if computed {
        "a value computed from a sensitive value"
    } else {
        "a sensitive value"
    }
}
