//! The checker's errors: what went wrong, as typed fields; [`CheckError::message`] and
//! [`CheckError::into_diagnostic`] are the one place they become text.

use super::expr::{assignable, describe};
use super::fields::{MAX_DERIVED_DEPTH, MAX_DERIVED_STEPS};
use super::Env;
use crate::diag::{Code, Diagnostic};
use crate::program::Arith;
use crate::span::Span;
use crate::value::Ty;

/// A problem found while checking a policy. Rendered through [`Diagnostic`].
#[derive(Debug)]
pub enum CheckError {
    /// `emit validaton_failed` when the messages table has `validation_failed`
    Unknown {
        kind: &'static str,
        name: String,
        span: Span,
        suggestion: Option<String>,
        /// Boxed: most unknown names have none, and the error stays small.
        hint: Option<Box<Hint>>,
    },
    /// `rule r when p.failures { … }`: a count where a bool is expected
    Mismatch { expected: Ty, found: Ty, span: Span },
    /// `when event.phone == limits.max_failed_attempts`: values that are never equal
    Incomparable { left: Ty, right: Ty, span: Span },
    /// `when event.code in p.failures`: `in` needs a list or a set of the value's type
    NotIn {
        item: Ty,
        collection: Ty,
        span: Span,
    },
    /// `when p.failures < event.at`: only counts, durations, instants and dates have an
    /// order, each against its own kind
    Unordered {
        left: Ty,
        right: Ty,
        span: Span,
        /// When an operand may be unset: its text and the whole comparison's, to show how
        /// to check it first.
        optional: Option<(String, String)>,
    },
    /// `p.failures ?? 0` where `failures` is never unset
    NeverUnset { ty: Ty, span: Span },
    /// `event.at * 2`: an arithmetic operator on values it does not apply to
    NoArithmetic {
        op: Arith,
        left: Ty,
        right: Ty,
        span: Span,
    },
    /// `enum role { a }` twice, two `format code = …`, two cases named `filing`
    DeclaredTwice {
        /// What is declared: `format`, `event`, `value`…
        kind: &'static str,
        name: String,
        span: Span,
        /// Where the first one is (rendered `line 12`, or `rules/x.docket:12` in another
        /// file).
        first: Option<At>,
    },
    /// `date_of(event.at)` in a policy whose limits declare no `zone`
    NoZone { what: NeedsZone, span: Span },
    // ---- E011: values of the wrong type -------------------------------------------------
    /// `pin: count sensitive`: only text can be sealed
    Unsealable { field: String, ty: Ty, span: Span },
    /// `format code = /…/ at most limits.validation_window characters`: a length bound that
    /// is no count
    LengthNotCount { limit: String, span: Span },
    /// `case filing key id: count { … }`
    CaseKeyType { span: Span },
    /// `rule r for p in event.code { … }`
    ForOverValue { found: Ty, span: Span },
    /// `show people = filing.people`: cases, participants and records are no values
    NotShowable { ty: Ty, span: Span },
    /// `when event.code == limits.code_format`: a pattern limit read as a value
    PatternAsValue { limit: String, span: Span },
    /// `format code = limits.max_failed_attempts`: a limit that is no pattern
    NotAPattern { limit: String, span: Span },
    /// `when open`, where `open` is a value of two enumerations
    AmbiguousValue {
        name: String,
        /// The enumerations that have it.
        enums: Vec<String>,
        span: Span,
    },
    /// `event.contact.phone` where `contact` is optional
    FieldOfOptional { ty: Ty, field: String, span: Span },
    /// `event.at.year`: a value without fields
    NoField { ty: Ty, field: String, span: Span },
    /// `set filing.phones = event.numbers` where `numbers` is an optional list
    OptionalListIntoSet { found: Ty, to: Ty, span: Span },
    /// `let p = /^[0-9]+$/`
    PatternOutsideMatches { span: Span },
    /// `["a", 2]`
    MixedList { expected: Ty, found: Ty, span: Span },
    /// `-p.failures`
    Negate { ty: Ty, span: Span },
    /// `"reached by {filing.people}"`: a value that has no text
    NotText { ty: Ty, span: Span },
    /// `event.at is set`, where `at` is never unset
    NeverUnsetTest {
        ty: Ty,
        /// `is set` (else `is unset`).
        set: bool,
        span: Span,
    },
    /// `event.code is final`: a status tag tested on what is no status
    NotTagged { tag: String, ty: Ty, span: Span },
    /// `words(event.code)`
    WordsNotEnum { ty: Ty, span: Span },
    /// `count(event.at)`, `all p in event.code …`
    NotACollection { ty: Ty, span: Span },
    /// `deadlines[filing.ground]` where the table has two key columns
    LookupArity {
        table: String,
        columns: Vec<String>,
        found: usize,
        span: Span,
    },
    /// `text: "… {event.note} …"` where `note` is optional
    MessageMaybeUnset {
        /// The placeholder's text, if on one line.
        quote: Option<String>,
        span: Span,
    },
    /// `event.count matches /^[0-9]+$/`
    MatchesNotText { ty: Ty, span: Span },
    /// `event.code matches "abc"`
    MatchesWhat { span: Span },

    // ---- E012: what cannot be assigned ---------------------------------------------------
    /// `set p.pending = true` where `pending` is derived; `set event.code = …`
    NotAssignable {
        /// The name set (the field, or the limits table).
        name: String,
        why: Unassignable,
        span: Span,
    },

    // ---- E013: declared twice ------------------------------------------------------------
    /// a table with `of: status`, while the policy has a `statuses` block
    StatusTypeInTable {
        table: String,
        span: Span,
        /// Where the `statuses` block is.
        first: Option<At>,
    },
    /// two requirement tables with `of: ground`
    TypeInTwoTables {
        name: String,
        first_table: String,
        table: String,
        span: Span,
        first: Option<At>,
    },
    /// two limits of kind `zone`
    SecondZone {
        limit: String,
        span: Span,
        first: Option<At>,
    },
    /// message `validation_failed` in two messages tables
    MessageInTwoTables {
        id: String,
        span: Span,
        first: Option<At>,
    },
    /// two `statuses` blocks (of one case type, or unnamed)
    SecondStatuses {
        case: Option<String>,
        span: Span,
        first: Option<At>,
    },
    /// `participants people in filing { … }`, then `participants members in filing { … }`
    SecondParticipants {
        name: String,
        case: String,
        span: Span,
    },
    /// two `on sms_sent` handlers
    SecondHandler {
        /// `on sms_sent`, `on deadline expiry`.
        trigger: String,
        span: Span,
        first: Option<At>,
    },
    /// `let x = …` twice in one handler
    LetTwice {
        name: String,
        span: Span,
        first: Option<At>,
    },
    /// two `rule r` in one handler
    RuleTwice {
        name: String,
        span: Span,
        first: Option<At>,
    },

    // ---- E014: sensitive values shown ----------------------------------------------------
    /// `show code = event.code` where `code` is sensitive
    SensitiveShown {
        name: String,
        /// Computed from a sensitive value (else: the value itself).
        computed: bool,
        span: Span,
    },
    /// `deadline expiry = event.code_sent_at` where `code_sent_at` is sensitive
    SensitiveDeadline { deadline: String, span: Span },
    /// `text: "your code is {event.code}"` where `code` is sensitive
    SensitiveInMessage {
        /// The value's text, if on one line.
        quote: Option<String>,
        computed: bool,
        span: Span,
    },

    // ---- E016: declarations and rules the policy cannot mean -----------------------------
    /// a table with `of: count`
    BuiltinTypeInTable {
        table: String,
        name: String,
        span: Span,
    },
    /// `statuses { }`
    EmptyStatuses { span: Span },
    /// `enum role { a }` where `role` is the type of a table's values
    EnumNameTaken { name: String, span: Span },
    /// `format role = /…/` where `role` is the type of a table's values
    FormatNameTaken {
        name: String,
        by: TypeOwner,
        span: Span,
    },
    /// `enum ground { }`
    EmptyEnum { name: String, span: Span },
    /// `format code = /…/ at most 0 characters`
    EmptyFormat { span: Span },
    /// `case filing key id: text in people { … }`, where `people` names the participants
    NameTaken { name: String, by: Taker, span: Span },
    /// `case filing { … }` with no `statuses` block for it
    CaseWithoutStatuses { case: String, span: Span },
    /// `event sms_sent { at: instant }`
    EventFieldBuiltIn { field: String, span: Span },
    /// a case field named like its participants block
    FieldNamesParticipants { name: String, span: Span },
    /// `status: text` in a case
    BuiltInField { name: String, span: Span },
    /// `deadline d = [f in filings where …][0].at + 1d`, or a migrated value that looks
    /// other cases up
    ReadsOtherCases { reader: Reader, span: Span },
    /// `deadline d = filing.at + person.delay` over two case types
    DeadlineOfTwoCases {
        deadline: String,
        /// A case type to show in the help.
        example: String,
        span: Span,
    },
    /// `failures: count = limits.max`
    DefaultNotLiteral { span: Span },
    /// a derived field that expands past `MAX_DERIVED_STEPS` steps
    DerivedTooLong { field: String, span: Span },
    /// a chain of more than `MAX_DERIVED_DEPTH` derived fields
    DerivedTooDeep {
        field: String,
        depth: usize,
        span: Span,
    },
    /// `a = b + 1` and `b = a + 1`, both derived
    DerivedCycle { field: String, span: Span },
    /// `a = b + 1` where `b` is a derived field declared after `a`
    DerivedTooEarly { field: String, span: Span },
    /// `on deadline expiry for filing(event.id)`
    RoutedDeadline { span: Span },
    /// `for new filing(event.id) or new`
    NewOrNew { case: String, span: Span },
    /// `for filing(event.code)` where `code` is sensitive; `deadlines[event.code]`
    SensitiveKey {
        /// The key's text, if on one line.
        quote: Option<String>,
        of: KeyOf,
        span: Span,
    },
    /// `set filing.note = event.code` where `code` is sensitive and `note` is not
    SensitiveIntoPlain {
        field: String,
        computed: bool,
        span: Span,
    },
    /// `set filing.status = event.code`, `code` sensitive
    SensitiveStatus {
        computed: bool,
        /// A case type to show in the help.
        example: String,
        span: Span,
    },
    /// `for new filing(…)` whose rules never set `filing.amount`, which has no default
    MissingOnCreate {
        field: String,
        case: String,
        span: Span,
    },
    /// `rule r { … } else when …`
    ElseWithoutWhen { span: Span },
    /// `show status = …`
    ShowReservedKey {
        name: String,
        /// The case type an outcome names.
        case: String,
        span: Span,
    },
    /// `reject "…"` in a deadline handler
    RejectAtDeadline { span: Span },
    /// `add people(…)` in a handler routed to no `filing`
    AddWithoutRoute { case: String, span: Span },
    /// `add people(phone: event.phone)` where `name` has no default
    AddMissingField {
        parts: String,
        field: String,
        span: Span,
    },
    /// `event.at` in a deadline
    NoEvent { span: Span },
    /// `when event == …`
    EventAlone { span: Span },
    /// `filing.status` in a handler not routed to a `filing`
    NotRouted {
        name: String,
        /// The case type the handler is routed to, if any.
        routed: Option<String>,
        span: Span,
    },
    /// `let a = b + 1` before `let b = …`, or `let a = a + 1`
    LetOrder {
        name: String,
        /// It reads itself (else: a later `let`).
        itself: bool,
        span: Span,
    },
    /// `format code = /[0-9/`
    BadPattern {
        /// The regex compiler's explanation, first line.
        error: String,
        span: Span,
    },
    /// `limits.a.b`
    LimitPath { table: String, span: Span },
    /// `length(a, b)`
    Arity {
        function: String,
        want: usize,
        found: usize,
        usage: &'static str,
        span: Span,
    },
    /// `roll_forward(d, 3)`
    NoCalendarName { usage: &'static str, span: Span },
    /// `count(filings)`: every case of the world
    WholeWorld {
        /// What was named: the cases' collection or the participants'.
        name: String,
        case: String,
        of_cases: bool,
        span: Span,
    },
    /// `[f in filings where f.amount > 3]`: no stored field fixed first
    LookupUnindexed {
        all: String,
        var: String,
        span: Span,
    },
    /// `migrate filing { drop amount }` where `amount` is still declared
    StillDeclared {
        name: String,
        /// What it still is.
        what: Declared,
        /// The step that names it.
        step: Step,
        span: Span,
    },
    /// `migrate people in filing { status a -> b }`
    PartStatus {
        case: String,
        from: String,
        to: String,
        span: Span,
    },
    /// `migrate filing { set total = … }` where `total` is derived
    MigrateDerived { field: String, span: Span },
    /// `note: text sensitive erase when …` (not optional)
    EraseNotOptional { field: String, span: Span },
    /// `note: text? erase when …` (not sensitive)
    EraseNotSensitive { field: String, span: Span },

    // ---- E017 ------------------------------------------------------------------------------
    /// `text: "failed {limits.max_failed_attempts +} times"`: a placeholder of a message
    /// table that is no expression
    PlaceholderSyntax {
        /// The placeholder's text, between its braces.
        placeholder: String,
        error: Box<crate::dsl::ParseError>,
        span: Span,
    },
    /// `text: "… {required} …"` emitted by a rule of a handler without `let required`: a
    /// problem of a message placeholder in the scope of one `emit`, which `site` names
    AtEmit {
        error: Box<CheckError>,
        site: EmitSite,
    },
    /// No input triggers it: an invariant of the checker failed (the parser gave it a
    /// limit with no name, say). Its text says it is a bug of docket, not of the policy.
    Internal { what: &'static str, span: Span },
}

impl CheckError {
    /// Moves the error's place (a placeholder's problem, from its own text into its file).
    pub(super) fn relocate(&mut self, to: impl Fn(Span) -> Span) {
        let span = self.span_mut();
        *span = to(*span);
    }

    /// The stable code of the error's kind.
    pub fn code(&self) -> Code {
        match self {
            CheckError::Unknown { .. } => Code::UnknownName,
            CheckError::Mismatch { .. }
            | CheckError::Incomparable { .. }
            | CheckError::NotIn { .. }
            | CheckError::Unordered { .. }
            | CheckError::NeverUnset { .. }
            | CheckError::NoArithmetic { .. }
            | CheckError::Unsealable { .. }
            | CheckError::LengthNotCount { .. }
            | CheckError::CaseKeyType { .. }
            | CheckError::ForOverValue { .. }
            | CheckError::NotShowable { .. }
            | CheckError::PatternAsValue { .. }
            | CheckError::NotAPattern { .. }
            | CheckError::AmbiguousValue { .. }
            | CheckError::FieldOfOptional { .. }
            | CheckError::NoField { .. }
            | CheckError::OptionalListIntoSet { .. }
            | CheckError::PatternOutsideMatches { .. }
            | CheckError::MixedList { .. }
            | CheckError::Negate { .. }
            | CheckError::NotText { .. }
            | CheckError::NeverUnsetTest { .. }
            | CheckError::NotTagged { .. }
            | CheckError::WordsNotEnum { .. }
            | CheckError::NotACollection { .. }
            | CheckError::LookupArity { .. }
            | CheckError::MessageMaybeUnset { .. }
            | CheckError::MatchesNotText { .. }
            | CheckError::MatchesWhat { .. } => Code::TypeMismatch,
            CheckError::NotAssignable { .. } => Code::ReadOnly,
            CheckError::DeclaredTwice { .. }
            | CheckError::StatusTypeInTable { .. }
            | CheckError::TypeInTwoTables { .. }
            | CheckError::SecondZone { .. }
            | CheckError::MessageInTwoTables { .. }
            | CheckError::SecondStatuses { .. }
            | CheckError::SecondParticipants { .. }
            | CheckError::SecondHandler { .. }
            | CheckError::LetTwice { .. }
            | CheckError::RuleTwice { .. } => Code::Duplicate,
            CheckError::SensitiveShown { .. }
            | CheckError::SensitiveDeadline { .. }
            | CheckError::SensitiveInMessage { .. } => Code::SensitiveShown,
            CheckError::BuiltinTypeInTable { .. }
            | CheckError::EmptyStatuses { .. }
            | CheckError::EnumNameTaken { .. }
            | CheckError::FormatNameTaken { .. }
            | CheckError::EmptyEnum { .. }
            | CheckError::EmptyFormat { .. }
            | CheckError::NameTaken { .. }
            | CheckError::CaseWithoutStatuses { .. }
            | CheckError::EventFieldBuiltIn { .. }
            | CheckError::FieldNamesParticipants { .. }
            | CheckError::BuiltInField { .. }
            | CheckError::ReadsOtherCases { .. }
            | CheckError::DeadlineOfTwoCases { .. }
            | CheckError::DefaultNotLiteral { .. }
            | CheckError::DerivedTooLong { .. }
            | CheckError::DerivedTooDeep { .. }
            | CheckError::DerivedCycle { .. }
            | CheckError::DerivedTooEarly { .. }
            | CheckError::RoutedDeadline { .. }
            | CheckError::NewOrNew { .. }
            | CheckError::SensitiveKey { .. }
            | CheckError::SensitiveIntoPlain { .. }
            | CheckError::SensitiveStatus { .. }
            | CheckError::MissingOnCreate { .. }
            | CheckError::ElseWithoutWhen { .. }
            | CheckError::ShowReservedKey { .. }
            | CheckError::RejectAtDeadline { .. }
            | CheckError::AddWithoutRoute { .. }
            | CheckError::AddMissingField { .. }
            | CheckError::NoEvent { .. }
            | CheckError::EventAlone { .. }
            | CheckError::NotRouted { .. }
            | CheckError::LetOrder { .. }
            | CheckError::BadPattern { .. }
            | CheckError::LimitPath { .. }
            | CheckError::Arity { .. }
            | CheckError::NoCalendarName { .. }
            | CheckError::WholeWorld { .. }
            | CheckError::LookupUnindexed { .. }
            | CheckError::StillDeclared { .. }
            | CheckError::PartStatus { .. }
            | CheckError::MigrateDerived { .. }
            | CheckError::EraseNotOptional { .. }
            | CheckError::EraseNotSensitive { .. } => Code::Invalid,
            CheckError::PlaceholderSyntax { .. } => Code::Placeholder,
            CheckError::NoZone { .. } => Code::NoZone,
            CheckError::AtEmit { error, .. } => error.code(),
            CheckError::Internal { .. } => Code::Internal,
        }
    }

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

    /// The error's help line, if it has one.
    pub(super) fn help(&self) -> Option<String> {
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
                super::help::mismatch(expected, found)
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
            } => Some(super::help::mismatch(expected, found)),
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

    /// The error as a diagnostic of file `source`: its code, message, place, label and help.
    pub(super) fn into_diagnostic(self, source: usize, env: &Env) -> Diagnostic {
        let mut d = Diagnostic::error(self.code(), source, self.span(), self.message(env));
        d.help = self.help();
        match self {
            CheckError::Unknown {
                suggestion: Some(s),
                ..
            } => d.with_replacement(s),
            CheckError::DeclaredTwice { first, .. }
            | CheckError::StatusTypeInTable { first, .. }
            | CheckError::TypeInTwoTables { first, .. }
            | CheckError::SecondZone { first, .. }
            | CheckError::MessageInTwoTables { first, .. }
            | CheckError::SecondStatuses { first, .. }
            | CheckError::SecondHandler { first, .. }
            | CheckError::LetTwice { first, .. }
            | CheckError::RuleTwice { first, .. } => {
                d.label = first
                    .and_then(|at| at.named(source, env))
                    .map(|f| format!("the first is at {f}"));
                d
            }
            CheckError::PlaceholderSyntax { error, .. } => {
                d.label = error.to_diagnostic(source).label;
                d
            }
            CheckError::AtEmit { error, site } => {
                let mut d = error.into_diagnostic(source, env);
                d.label = site.at.named(source, env).map(|at| match site.rule {
                    Some(rule) => format!("in the scope of rule `{rule}`, which emits it at {at}"),
                    None => format!("in the scope of `emit {}` at {at}", site.message),
                });
                d
            }
            _ => d,
        }
    }

    /// Where the error is.
    fn span(&self) -> Span {
        match self {
            CheckError::AtEmit { error, .. } => error.span(),
            CheckError::Unknown { span, .. }
            | CheckError::Mismatch { span, .. }
            | CheckError::Incomparable { span, .. }
            | CheckError::NotIn { span, .. }
            | CheckError::Unordered { span, .. }
            | CheckError::NeverUnset { span, .. }
            | CheckError::NoArithmetic { span, .. }
            | CheckError::DeclaredTwice { span, .. }
            | CheckError::NoZone { span, .. }
            | CheckError::Unsealable { span, .. }
            | CheckError::LengthNotCount { span, .. }
            | CheckError::CaseKeyType { span, .. }
            | CheckError::ForOverValue { span, .. }
            | CheckError::NotShowable { span, .. }
            | CheckError::PatternAsValue { span, .. }
            | CheckError::NotAPattern { span, .. }
            | CheckError::AmbiguousValue { span, .. }
            | CheckError::FieldOfOptional { span, .. }
            | CheckError::NoField { span, .. }
            | CheckError::OptionalListIntoSet { span, .. }
            | CheckError::PatternOutsideMatches { span, .. }
            | CheckError::MixedList { span, .. }
            | CheckError::Negate { span, .. }
            | CheckError::NotText { span, .. }
            | CheckError::NeverUnsetTest { span, .. }
            | CheckError::NotTagged { span, .. }
            | CheckError::WordsNotEnum { span, .. }
            | CheckError::NotACollection { span, .. }
            | CheckError::LookupArity { span, .. }
            | CheckError::MessageMaybeUnset { span, .. }
            | CheckError::MatchesNotText { span, .. }
            | CheckError::MatchesWhat { span, .. }
            | CheckError::NotAssignable { span, .. }
            | CheckError::StatusTypeInTable { span, .. }
            | CheckError::TypeInTwoTables { span, .. }
            | CheckError::SecondZone { span, .. }
            | CheckError::MessageInTwoTables { span, .. }
            | CheckError::SecondStatuses { span, .. }
            | CheckError::SecondParticipants { span, .. }
            | CheckError::SecondHandler { span, .. }
            | CheckError::LetTwice { span, .. }
            | CheckError::RuleTwice { span, .. }
            | CheckError::SensitiveShown { span, .. }
            | CheckError::SensitiveDeadline { span, .. }
            | CheckError::SensitiveInMessage { span, .. }
            | CheckError::BuiltinTypeInTable { span, .. }
            | CheckError::EmptyStatuses { span, .. }
            | CheckError::EnumNameTaken { span, .. }
            | CheckError::FormatNameTaken { span, .. }
            | CheckError::EmptyEnum { span, .. }
            | CheckError::EmptyFormat { span, .. }
            | CheckError::NameTaken { span, .. }
            | CheckError::CaseWithoutStatuses { span, .. }
            | CheckError::EventFieldBuiltIn { span, .. }
            | CheckError::FieldNamesParticipants { span, .. }
            | CheckError::BuiltInField { span, .. }
            | CheckError::ReadsOtherCases { span, .. }
            | CheckError::DeadlineOfTwoCases { span, .. }
            | CheckError::DefaultNotLiteral { span, .. }
            | CheckError::DerivedTooLong { span, .. }
            | CheckError::DerivedTooDeep { span, .. }
            | CheckError::DerivedCycle { span, .. }
            | CheckError::DerivedTooEarly { span, .. }
            | CheckError::RoutedDeadline { span, .. }
            | CheckError::NewOrNew { span, .. }
            | CheckError::SensitiveKey { span, .. }
            | CheckError::SensitiveIntoPlain { span, .. }
            | CheckError::SensitiveStatus { span, .. }
            | CheckError::MissingOnCreate { span, .. }
            | CheckError::ElseWithoutWhen { span, .. }
            | CheckError::ShowReservedKey { span, .. }
            | CheckError::RejectAtDeadline { span, .. }
            | CheckError::AddWithoutRoute { span, .. }
            | CheckError::AddMissingField { span, .. }
            | CheckError::NoEvent { span, .. }
            | CheckError::EventAlone { span, .. }
            | CheckError::NotRouted { span, .. }
            | CheckError::LetOrder { span, .. }
            | CheckError::BadPattern { span, .. }
            | CheckError::LimitPath { span, .. }
            | CheckError::Arity { span, .. }
            | CheckError::NoCalendarName { span, .. }
            | CheckError::WholeWorld { span, .. }
            | CheckError::LookupUnindexed { span, .. }
            | CheckError::StillDeclared { span, .. }
            | CheckError::PartStatus { span, .. }
            | CheckError::MigrateDerived { span, .. }
            | CheckError::EraseNotOptional { span, .. }
            | CheckError::EraseNotSensitive { span, .. }
            | CheckError::PlaceholderSyntax { span, .. }
            | CheckError::Internal { span, .. } => *span,
        }
    }

    /// Where the error is, to move it: the one list of the variants' places.
    fn span_mut(&mut self) -> &mut Span {
        match self {
            CheckError::AtEmit { error, .. } => error.span_mut(),
            CheckError::Unknown { span, .. }
            | CheckError::Mismatch { span, .. }
            | CheckError::Incomparable { span, .. }
            | CheckError::NotIn { span, .. }
            | CheckError::Unordered { span, .. }
            | CheckError::NeverUnset { span, .. }
            | CheckError::NoArithmetic { span, .. }
            | CheckError::DeclaredTwice { span, .. }
            | CheckError::NoZone { span, .. }
            | CheckError::Unsealable { span, .. }
            | CheckError::LengthNotCount { span, .. }
            | CheckError::CaseKeyType { span, .. }
            | CheckError::ForOverValue { span, .. }
            | CheckError::NotShowable { span, .. }
            | CheckError::PatternAsValue { span, .. }
            | CheckError::NotAPattern { span, .. }
            | CheckError::AmbiguousValue { span, .. }
            | CheckError::FieldOfOptional { span, .. }
            | CheckError::NoField { span, .. }
            | CheckError::OptionalListIntoSet { span, .. }
            | CheckError::PatternOutsideMatches { span, .. }
            | CheckError::MixedList { span, .. }
            | CheckError::Negate { span, .. }
            | CheckError::NotText { span, .. }
            | CheckError::NeverUnsetTest { span, .. }
            | CheckError::NotTagged { span, .. }
            | CheckError::WordsNotEnum { span, .. }
            | CheckError::NotACollection { span, .. }
            | CheckError::LookupArity { span, .. }
            | CheckError::MessageMaybeUnset { span, .. }
            | CheckError::MatchesNotText { span, .. }
            | CheckError::MatchesWhat { span, .. }
            | CheckError::NotAssignable { span, .. }
            | CheckError::StatusTypeInTable { span, .. }
            | CheckError::TypeInTwoTables { span, .. }
            | CheckError::SecondZone { span, .. }
            | CheckError::MessageInTwoTables { span, .. }
            | CheckError::SecondStatuses { span, .. }
            | CheckError::SecondParticipants { span, .. }
            | CheckError::SecondHandler { span, .. }
            | CheckError::LetTwice { span, .. }
            | CheckError::RuleTwice { span, .. }
            | CheckError::SensitiveShown { span, .. }
            | CheckError::SensitiveDeadline { span, .. }
            | CheckError::SensitiveInMessage { span, .. }
            | CheckError::BuiltinTypeInTable { span, .. }
            | CheckError::EmptyStatuses { span, .. }
            | CheckError::EnumNameTaken { span, .. }
            | CheckError::FormatNameTaken { span, .. }
            | CheckError::EmptyEnum { span, .. }
            | CheckError::EmptyFormat { span, .. }
            | CheckError::NameTaken { span, .. }
            | CheckError::CaseWithoutStatuses { span, .. }
            | CheckError::EventFieldBuiltIn { span, .. }
            | CheckError::FieldNamesParticipants { span, .. }
            | CheckError::BuiltInField { span, .. }
            | CheckError::ReadsOtherCases { span, .. }
            | CheckError::DeadlineOfTwoCases { span, .. }
            | CheckError::DefaultNotLiteral { span, .. }
            | CheckError::DerivedTooLong { span, .. }
            | CheckError::DerivedTooDeep { span, .. }
            | CheckError::DerivedCycle { span, .. }
            | CheckError::DerivedTooEarly { span, .. }
            | CheckError::RoutedDeadline { span, .. }
            | CheckError::NewOrNew { span, .. }
            | CheckError::SensitiveKey { span, .. }
            | CheckError::SensitiveIntoPlain { span, .. }
            | CheckError::SensitiveStatus { span, .. }
            | CheckError::MissingOnCreate { span, .. }
            | CheckError::ElseWithoutWhen { span, .. }
            | CheckError::ShowReservedKey { span, .. }
            | CheckError::RejectAtDeadline { span, .. }
            | CheckError::AddWithoutRoute { span, .. }
            | CheckError::AddMissingField { span, .. }
            | CheckError::NoEvent { span, .. }
            | CheckError::EventAlone { span, .. }
            | CheckError::NotRouted { span, .. }
            | CheckError::LetOrder { span, .. }
            | CheckError::BadPattern { span, .. }
            | CheckError::LimitPath { span, .. }
            | CheckError::Arity { span, .. }
            | CheckError::NoCalendarName { span, .. }
            | CheckError::WholeWorld { span, .. }
            | CheckError::LookupUnindexed { span, .. }
            | CheckError::StillDeclared { span, .. }
            | CheckError::PartStatus { span, .. }
            | CheckError::MigrateDerived { span, .. }
            | CheckError::EraseNotOptional { span, .. }
            | CheckError::EraseNotSensitive { span, .. }
            | CheckError::PlaceholderSyntax { span, .. }
            | CheckError::Internal { span, .. } => span,
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
    /// The collection of all cases of a type (`case filing in filings`).
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

/// A value quoted as written (`` `event.code` ``), or `otherwise` when it spans lines.
fn quoted(quote: &Option<String>, otherwise: &str) -> String {
    match quote {
        Some(text) => format!("`{text}`"),
        None => otherwise.into(),
    }
}

/// How an error names a sensitive value: itself, or computed from one.
fn sensitive_value(computed: bool) -> &'static str {
    if computed {
        "a value computed from a sensitive value"
    } else {
        "a sensitive value"
    }
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

impl Hint {
    /// The hint as the help line of the unknown `name`.
    fn text(&self, name: &str) -> String {
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
    fn named(self, from: usize, env: &Env) -> Option<String> {
        env.place(from, self.source, self.span)
    }
}

/// The `emit` whose scope a message placeholder was checked in.
#[derive(Debug, Clone)]
pub struct EmitSite {
    /// The message emitted.
    pub message: String,
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
