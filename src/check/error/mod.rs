//! The checker's errors: what went wrong, as typed fields. They become text in one place:
//! [`CheckError::message`] (in `message.rs`) and the help (in `help.rs`), put together with
//! the place and label by [`CheckError::into_diagnostic`].

mod help;
mod message;
mod parts;

pub use parts::*;

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
    /// `invariant i for filing = all(p in filing.people: p.code matches /^9/) else "…"`:
    /// whether it holds would tell something of a code
    SensitiveInvariant { invariant: String, span: Span },
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

/// `match`es an error on its span: `$span` bound to the span of every variant but
/// `AtEmit`, whose inner error `$inner` is given to `$nested`. The one list of the variants
/// that carry a place.
macro_rules! on_span {
    ($e:expr, $span:ident => $own:expr, $inner:ident => $nested:expr) => {
        match $e {
            CheckError::AtEmit { error: $inner, .. } => $nested,
            CheckError::Unknown { span: $span, .. }
            | CheckError::Mismatch { span: $span, .. }
            | CheckError::Incomparable { span: $span, .. }
            | CheckError::NotIn { span: $span, .. }
            | CheckError::Unordered { span: $span, .. }
            | CheckError::NeverUnset { span: $span, .. }
            | CheckError::NoArithmetic { span: $span, .. }
            | CheckError::DeclaredTwice { span: $span, .. }
            | CheckError::NoZone { span: $span, .. }
            | CheckError::Unsealable { span: $span, .. }
            | CheckError::LengthNotCount { span: $span, .. }
            | CheckError::CaseKeyType { span: $span, .. }
            | CheckError::ForOverValue { span: $span, .. }
            | CheckError::NotShowable { span: $span, .. }
            | CheckError::PatternAsValue { span: $span, .. }
            | CheckError::NotAPattern { span: $span, .. }
            | CheckError::AmbiguousValue { span: $span, .. }
            | CheckError::FieldOfOptional { span: $span, .. }
            | CheckError::NoField { span: $span, .. }
            | CheckError::OptionalListIntoSet { span: $span, .. }
            | CheckError::PatternOutsideMatches { span: $span, .. }
            | CheckError::MixedList { span: $span, .. }
            | CheckError::Negate { span: $span, .. }
            | CheckError::NotText { span: $span, .. }
            | CheckError::NeverUnsetTest { span: $span, .. }
            | CheckError::NotTagged { span: $span, .. }
            | CheckError::WordsNotEnum { span: $span, .. }
            | CheckError::NotACollection { span: $span, .. }
            | CheckError::LookupArity { span: $span, .. }
            | CheckError::MessageMaybeUnset { span: $span, .. }
            | CheckError::MatchesNotText { span: $span, .. }
            | CheckError::MatchesWhat { span: $span, .. }
            | CheckError::NotAssignable { span: $span, .. }
            | CheckError::StatusTypeInTable { span: $span, .. }
            | CheckError::TypeInTwoTables { span: $span, .. }
            | CheckError::SecondZone { span: $span, .. }
            | CheckError::MessageInTwoTables { span: $span, .. }
            | CheckError::SecondStatuses { span: $span, .. }
            | CheckError::SecondParticipants { span: $span, .. }
            | CheckError::SecondHandler { span: $span, .. }
            | CheckError::LetTwice { span: $span, .. }
            | CheckError::RuleTwice { span: $span, .. }
            | CheckError::SensitiveShown { span: $span, .. }
            | CheckError::SensitiveDeadline { span: $span, .. }
            | CheckError::SensitiveInvariant { span: $span, .. }
            | CheckError::SensitiveInMessage { span: $span, .. }
            | CheckError::BuiltinTypeInTable { span: $span, .. }
            | CheckError::EmptyStatuses { span: $span, .. }
            | CheckError::EnumNameTaken { span: $span, .. }
            | CheckError::FormatNameTaken { span: $span, .. }
            | CheckError::EmptyEnum { span: $span, .. }
            | CheckError::EmptyFormat { span: $span, .. }
            | CheckError::NameTaken { span: $span, .. }
            | CheckError::CaseWithoutStatuses { span: $span, .. }
            | CheckError::EventFieldBuiltIn { span: $span, .. }
            | CheckError::FieldNamesParticipants { span: $span, .. }
            | CheckError::BuiltInField { span: $span, .. }
            | CheckError::ReadsOtherCases { span: $span, .. }
            | CheckError::DeadlineOfTwoCases { span: $span, .. }
            | CheckError::DefaultNotLiteral { span: $span, .. }
            | CheckError::DerivedTooLong { span: $span, .. }
            | CheckError::DerivedTooDeep { span: $span, .. }
            | CheckError::DerivedCycle { span: $span, .. }
            | CheckError::DerivedTooEarly { span: $span, .. }
            | CheckError::RoutedDeadline { span: $span, .. }
            | CheckError::NewOrNew { span: $span, .. }
            | CheckError::SensitiveKey { span: $span, .. }
            | CheckError::SensitiveIntoPlain { span: $span, .. }
            | CheckError::SensitiveStatus { span: $span, .. }
            | CheckError::MissingOnCreate { span: $span, .. }
            | CheckError::ElseWithoutWhen { span: $span, .. }
            | CheckError::ShowReservedKey { span: $span, .. }
            | CheckError::RejectAtDeadline { span: $span, .. }
            | CheckError::AddWithoutRoute { span: $span, .. }
            | CheckError::AddMissingField { span: $span, .. }
            | CheckError::NoEvent { span: $span, .. }
            | CheckError::EventAlone { span: $span, .. }
            | CheckError::NotRouted { span: $span, .. }
            | CheckError::LetOrder { span: $span, .. }
            | CheckError::BadPattern { span: $span, .. }
            | CheckError::LimitPath { span: $span, .. }
            | CheckError::Arity { span: $span, .. }
            | CheckError::NoCalendarName { span: $span, .. }
            | CheckError::WholeWorld { span: $span, .. }
            | CheckError::LookupUnindexed { span: $span, .. }
            | CheckError::StillDeclared { span: $span, .. }
            | CheckError::PartStatus { span: $span, .. }
            | CheckError::MigrateDerived { span: $span, .. }
            | CheckError::EraseNotOptional { span: $span, .. }
            | CheckError::EraseNotSensitive { span: $span, .. }
            | CheckError::PlaceholderSyntax { span: $span, .. }
            | CheckError::Internal { span: $span, .. } => $own,
        }
    };
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
            | CheckError::SensitiveInvariant { .. }
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
                    None => format!("in the scope of `emit {}` at {at}", site.emitted),
                });
                d
            }
            _ => d,
        }
    }

    /// Where the error is.
    fn span(&self) -> Span {
        on_span!(self, span => *span, error => error.span())
    }

    /// Where the error is, to move it.
    fn span_mut(&mut self) -> &mut Span {
        on_span!(self, span => span, error => error.span_mut())
    }
}
