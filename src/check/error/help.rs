//! The help line of each checker error: how to fix it, worded in one place.

use super::message::quoted;
use super::*;
use crate::check::expr::assignable;
use crate::check::help::mismatch;

impl CheckError {
    /// The error's help line, if it has one.
    pub(in crate::check) fn help(&self) -> Option<String> {
        let fixed = |s: &str| Some(s.to_string());
        match self {
            CheckError::Unknown {
                name,
                suggestion,
                hint,
                ..
            } => match suggestion {
                Some(s) => Some(format!("did you mean `{s}`?")),
                None => hint.as_ref().map(|h| h.text(name)),
            },
            CheckError::Mismatch {
                expected, found, ..
            } => Some(if found.is_opt() && assignable(found.strip_opt(), expected) {
                "check it first with `is set`, or give a fallback with `??`".to_string()
            } else {
                mismatch(expected, found)
            }),
            CheckError::Incomparable { left, right, .. } => {
                match (left.strip_opt(), right.strip_opt()) {
                    (Ty::Format(_), Ty::Format(_)) => fixed(
                        "values of two different formats are never equal: compare values of one format",
                    ),
                    (Ty::Set(_), Ty::List(_)) | (Ty::List(_), Ty::Set(_)) => fixed(
                        "a set never equals a list: make the list a set first, with `[] + <list>`",
                    ),
                    _ => None,
                }
            }
            CheckError::NotIn { collection, .. } => fixed(if collection.is_opt() {
                "the collection may be unset: check it first with `is set`, or give a fallback with `??`"
            } else {
                "`x in xs` looks for a value in a list or a set of values of its type"
            }),
            CheckError::Unordered {
                left,
                right,
                optional,
                ..
            } => Some(unordered_help(left, right, optional.as_ref())),
            CheckError::NeverUnset { .. } => fixed("remove `??` and its fallback"),
            CheckError::NoArithmetic { .. } => fixed(
                "`+`, `-` and `*` work on counts; `+` and `-` on an instant or a date and a duration or period, on two instants (a duration), and on two sets or lists of one type",
            ),
            CheckError::DeclaredTwice { .. } => {
                fixed("remove one of them, or give it another name")
            }
            CheckError::NoZone { .. } => fixed(
                "declare it in a limits table, e.g. `zone: { zone: Europe/Paris }`: dates are counted there",
            ),
            CheckError::Unsealable { .. } => fixed(
                "only text may be sensitive: a sensitive value is kept sealed (a keyed hash) in stores and state files, and compared by equality only; declare it as text with a format, e.g. `format pin = /^[0-9]{4}$/ \"four digits\"`, or drop `sensitive`",
            ),
            CheckError::LengthNotCount { .. } => {
                fixed("a format's length bound is a number of characters: a `count` limit")
            }
            CheckError::CaseKeyType { .. } => {
                fixed("declare the key as `text`, or as a format (`key id: filing_id`)")
            }
            CheckError::ForOverValue { .. } => None,
            CheckError::NotShowable { ty: t, .. } => {
                fixed(if matches!(t.strip_opt(), Ty::List(_) | Ty::Set(_)) {
                    "show how many there are with `count(…)`, or a field of one of them"
                } else {
                    "show one of its fields instead"
                })
            }
            CheckError::PatternAsValue { limit, .. } => {
                Some(format!("write `value matches {limit}`"))
            }
            CheckError::NotAPattern { .. } => {
                fixed("a format needs a `/regex/` or a `pattern:` limit")
            }
            CheckError::AmbiguousValue { .. } => {
                fixed("compare it with a field of the type you mean, e.g. `x.status == …`")
            }
            CheckError::FieldOfOptional { .. } => fixed("check it first with `is set`"),
            CheckError::NoField { .. } => fixed(
                "only a case, a participant, a record or an event has fields: remove `.` and what follows",
            ),
            CheckError::OptionalListIntoSet { .. } => {
                fixed("check it first with `is set`: it then becomes a set when stored")
            }
            CheckError::PatternOutsideMatches { .. } => fixed("write `value matches /pattern/`"),
            CheckError::MixedList {
                expected, found, ..
            } => Some(mismatch(expected, found)),
            CheckError::Negate { .. } => fixed("counts are never negative"),
            CheckError::NotText { .. } => fixed("name one of its fields instead"),
            CheckError::NeverUnsetTest { .. } => {
                fixed("declare the field with `?` if it can be missing")
            }
            CheckError::NotTagged { .. } => fixed("use `==` to compare values"),
            CheckError::WordsNotEnum { .. } => fixed(
                "`words` is for names of enumeration values (statuses, roles, `enum`s); text reads as it is",
            ),
            CheckError::NotACollection { .. } => fixed(
                "this goes over a collection: give a list or a set, e.g. a participants block (`filing.people`) or a `[x in xs where …]`",
            ),
            CheckError::LookupArity { table, columns, .. } => {
                let placeholders: Vec<String> = columns.iter().map(|c| format!("<{c}>")).collect();
                Some(format!(
                    "give one key per column, in order: `{table}[{}]`",
                    placeholders.join(", ")
                ))
            }
            CheckError::MessageMaybeUnset { quote, .. } => Some(format!(
                "give a fallback with `??`, or emit the message from a rule whose `when` checks that {} is set",
                quoted(quote, "this value")
            )),
            CheckError::MatchesNotText { ty: t, .. } => {
                if t.strip_opt().is_textual() {
                    fixed("check it first with `is set`")
                } else {
                    None
                }
            }
            CheckError::MatchesWhat { .. } => None,
            CheckError::NotAssignable { .. } => {
                fixed("only stored fields of the case and its participants can be set")
            }
            CheckError::StatusTypeInTable { .. } | CheckError::BuiltinTypeInTable { .. } => {
                fixed("give the type of its values another name in `of`")
            }
            CheckError::TypeInTwoTables { .. } => fixed(
                "a type name means one set of values: give one of them another name in `of`, or merge the tables",
            ),
            CheckError::SecondZone { .. } => fixed("keep one `zone` limit"),
            CheckError::MessageInTwoTables { .. } => {
                fixed("keep it in one table: an `emit` must name one message")
            }
            CheckError::SecondStatuses { .. } => fixed(
                "list every status in one block: the first status listed is the initial one",
            ),
            CheckError::SecondParticipants { .. } => {
                fixed("give the participants block another name")
            }
            CheckError::SecondHandler { trigger, .. } => Some(format!(
                "move its rules into the first `{trigger}` handler: one handler per trigger keeps the order of rules plain"
            )),
            CheckError::LetTwice { .. } => fixed("give the second one another name"),
            CheckError::RuleTwice { .. } => None,
            CheckError::SensitiveShown { .. }
            | CheckError::SensitiveDeadline { .. }
            | CheckError::SensitiveInvariant { .. }
            | CheckError::SensitiveInMessage { .. } => fixed(
                "sensitive values, and values computed from them, may steer rules (in `when`, filters and `for`), never be shown: remove it from the output",
            ),
            CheckError::EmptyStatuses { .. } => {
                fixed("list the statuses a case can have; the first is the initial one")
            }
            CheckError::EnumNameTaken { .. } => fixed("give the enumeration another name"),
            CheckError::FormatNameTaken { .. } => fixed("give the format another name"),
            CheckError::EmptyEnum { name, .. } => {
                Some(format!("list its values: `enum {name} {{ a  b }}`"))
            }
            CheckError::EmptyFormat { .. } => {
                fixed("give the longest value's length in characters")
            }
            CheckError::NameTaken { by, .. } => match by {
                Taker::AllCases { case } => Some(format!(
                    "give every case of `{case}` a name of its own, e.g. `in {case}s`"
                )),
                Taker::Participants => fixed("give the participants another name"),
            },
            CheckError::CaseWithoutStatuses { .. } => fixed(
                "add a block like `statuses { open  closed: final }`; the first status is the initial one",
            ),
            CheckError::EventFieldBuiltIn { .. } => {
                fixed("remove it: every event carries `type` and `at`")
            }
            CheckError::FieldNamesParticipants { .. } => fixed("rename the field"),
            CheckError::BuiltInField { .. } => {
                fixed("rename the field, or remove it and use the built-in one")
            }
            CheckError::ReadsOtherCases { reader, .. } => fixed(match reader {
                Reader::Deadline(_) => {
                    "compute a deadline from its own case and participants; store what it needs of other cases in a field, set by a rule"
                }
                Reader::Migrated(_) => {
                    "a migrated value is computed from its own case and participants"
                }
            }),
            CheckError::DeadlineOfTwoCases {
                deadline, example, ..
            } => Some(format!(
                "compute it from one case, e.g. `deadline {deadline} = {example}.<field> + …`"
            )),
            CheckError::DefaultNotLiteral { .. } => {
                fixed("write the value itself, e.g. `= 0`, `= false`, `= []`")
            }
            CheckError::DerivedTooLong { .. } => fixed(
                "derived fields that read other derived fields are evaluated anew at each read: store it in a field set by a rule, or simplify it",
            ),
            CheckError::DerivedTooDeep { .. } => fixed(
                "each read evaluates the whole chain anew: store one of them in a field set by a rule, or read stored fields directly",
            ),
            CheckError::DerivedCycle { .. } => fixed(
                "a derived field may not depend on itself: store one of the fields in the loop in a field set by a rule",
            ),
            CheckError::DerivedTooEarly { .. } => fixed(
                "a derived field reads the derived fields declared before it, and those of its case; move it up, or store the value in a field set by a rule",
            ),
            CheckError::RoutedDeadline { .. } => fixed("remove the `for …(…)` clause"),
            CheckError::NewOrNew { case, .. } => Some(format!(
                "write `for new {case}(…)` to refuse an existing one, or `for {case}(…) or new` to find or create it"
            )),
            CheckError::SensitiveKey { of, .. } => fixed(match of {
                KeyOf::Route { .. } => "route the event by a field that is not sensitive",
                KeyOf::Lookup { .. } => "look the table up by values that are not sensitive",
            }),
            CheckError::SensitiveIntoPlain { field, .. } => Some(format!(
                "declare the field sensitive (`{field}: <type> sensitive`), so that it is never shown either"
            )),
            CheckError::SensitiveStatus { example, .. } => Some(format!(
                "set a status written out, in a rule whose `when` reads the sensitive value, e.g. `rule r when … {{ set {example}.status = … }}`"
            )),
            CheckError::MissingOnCreate { field, case, .. } => Some(format!(
                "add `set {case}.{field} = …` to a rule, or give the field a default"
            )),
            CheckError::ElseWithoutWhen { .. } => fixed("give the rule a `when` condition first"),
            CheckError::ShowReservedKey { case, .. } => Some(format!(
                "an outcome has `{case}`, `status` and `messages`: give the value another name"
            )),
            CheckError::RejectAtDeadline { .. } => fixed(
                "a refused deadline would fire again with every later event: guard its rules with `when` instead",
            ),
            CheckError::AddWithoutRoute { case, .. } => {
                Some(format!("route the handler with `for {case}(…)`"))
            }
            CheckError::AddMissingField { field, .. } => Some(format!(
                "add `{field}: …` between the parentheses, or give the field a default"
            )),
            CheckError::NoEvent { .. } => fixed(
                "deadlines and declarations run without an event; use `now` for the time",
            ),
            CheckError::EventAlone { .. } => {
                fixed("`event` alone is no value: read one of its fields")
            }
            CheckError::NotRouted { name, routed, .. } => Some(match routed {
                Some(other) => format!(
                    "this handler is routed to a `{other}`; reach a `{name}` through a lookup or a field"
                ),
                None => format!(
                    "route the handler to a case with `for {name}(event.<key field>)`, or reach it through a participant (`p.{name}`)"
                ),
            }),
            CheckError::LetOrder { name, itself, .. } => Some(if *itself {
                "a `let` reads only the event, the world and the `let`s above it".to_string()
            } else {
                format!(
                    "move `let {name} = …` above the line that uses it: a `let` sees only the `let`s above it"
                )
            }),
            CheckError::BadPattern { .. } => {
                fixed("write a regular expression between slashes, e.g. `/^[0-9]{6}$/`")
            }
            CheckError::LimitPath { .. } => {
                fixed("a limit is read whole: its table, a dot, and its name")
            }
            CheckError::Arity { usage, .. } => Some(format!("write it as {usage}")),
            CheckError::NoCalendarName { usage, .. } => Some(format!(
                "write it as {usage}, naming a `kind: calendar` table by its file's stem"
            )),
            CheckError::WholeWorld {
                name,
                case,
                of_cases,
                ..
            } => Some(if *of_cases {
                format!(
                    "look cases up by a field, e.g. `[c in {name} where c.<field> == event.<field>]`"
                )
            } else {
                format!(
                    "look participants up by a field, e.g. `[p in {name} where p.phone == event.phone]`, or use `{case}.{name}` for one case's"
                )
            }),
            CheckError::LookupUnindexed { var, .. } => Some(format!(
                "start the condition with `{var}.<field> == …` so the lookup is served by an index"
            )),
            CheckError::StillDeclared { name, .. } => Some(format!(
                "a migration names what the old policy had and this one has not: remove `{name}` from this policy, or the step"
            )),
            CheckError::PartStatus { case, from, to, .. } => Some(format!(
                "map statuses in the block of the case type: `migrate {case} {{ status {from} -> {to} }}`"
            )),
            CheckError::MigrateDerived { .. } => {
                fixed("a migration moves or computes stored fields only")
            }
            CheckError::EraseNotOptional { field, .. } => Some(format!(
                "declare it optional, with `?` after its type: `{field}: <type>? sensitive erase when …`"
            )),
            CheckError::EraseNotSensitive { field, .. } => Some(format!(
                "declare it sensitive (`{field}: <type>? sensitive erase when …`), or remove `erase when …`"
            )),
            CheckError::PlaceholderSyntax { error, .. } => Some(
                error.to_diagnostic(0).help.unwrap_or_else(|| {
                    "a placeholder holds an expression of the rule language, e.g. `{limits.<name>}` or `{<case>.<field>}`; write `{{` for a literal `{`".into()
                }),
            ),
            CheckError::AtEmit { error, .. } => error.help(),
            CheckError::Internal { .. } => None,
        }
    }
}

/// The help of `cannot order … against …`.
fn unordered_help(left: &Ty, right: &Ty, optional: Option<&(String, String)>) -> String {
    let ordered = |t: &Ty| {
        matches!(
            t,
            Ty::Count | Ty::Duration | Ty::Instant | Ty::Date | Ty::Unknown
        )
    };
    let (l, r) = (left.strip_opt(), right.strip_opt());
    if (left.is_opt() || right.is_opt()) && ordered(l) && ordered(r) && l == r {
        match optional {
            Some((x, whole)) => format!(
                "an unset value has no order: check it first, as in `{x} is set and {whole}`, or give a fallback with `??`"
            ),
            None => "an unset value has no order: check `is set` first, or give a fallback with `??`"
                .into(),
        }
    } else if ordered(l) && ordered(r) {
        "compare counts with counts, durations with durations, instants with instants and dates with dates"
            .into()
    } else {
        "only counts, durations, instants and dates have an order".into()
    }
}

impl Hint {
    /// The hint as the help line of the unknown `name`.
    pub(super) fn text(&self, name: &str) -> String {
        let listed =
            |names: &[String]| -> Vec<String> { names.iter().map(|n| format!("`{n}`")).collect() };
        match self {
            Hint::Foreign(Foreign::Unset) => {
                "write `unset` for no value, and test for one with `x is unset`".into()
            }
            Hint::Foreign(Foreign::ElseWhen) => {
                "write `else when <condition>` for a further branch".into()
            }
            Hint::Foreign(Foreign::Count) => {
                "`count(xs)` counts a list or a set; `length(text)` counts characters".into()
            }
            Hint::OneOf(names) => format!("expected one of {}", listed(names).join(", ")),
            Hint::InPlaceholder => "a placeholder reads what the emitting rule reads: its handler's `let`s, its `for` variable, `event`, the routed case and the limits".into(),
            Hint::StatusTag { tags, status } => {
                let known = match tags.as_slice() {
                    [] => "no status has a tag yet".to_string(),
                    [one] => format!("the only tag is `{one}`"),
                    [rest @ .., last] => {
                        format!("the tags are {} and `{last}`", listed(rest).join(", "))
                    }
                };
                format!("{known}; a tag follows a status in `statuses`, e.g. `{status}: {name}`")
            }
            Hint::DeclareEvent { also } => format!(
                "declare it first: `event {name} {{ … }}`{}",
                also.as_ref()
                    .map(|h| format!("; {}", h.text(name)))
                    .unwrap_or_default()
            ),
        }
    }
}
