//! Problems in a table file, one variant per kind, each at a span of that file.

use crate::diag::{Code, Diagnostic};
use crate::span::Span;

/// A problem in a table file. The doc line on each variant shows an input that causes it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TableError {
    /// `rows: [a, b` — the file is not well-formed YAML.
    #[error("invalid YAML: {message}")]
    Syntax {
        /// What is wrong, in words for the author.
        message: String,
        /// How to fix it, where known.
        help: Option<String>,
        /// Where the YAML reader stopped.
        span: Span,
    },
    /// A file that is empty or holds only comments.
    #[error("the table file is empty")]
    Empty {
        /// The start of the file.
        span: Span,
    },
    /// `- kind: limits` — a list (or a lone value) at the top of the file.
    #[error("a table file must be a mapping with a `kind` key, not {found}")]
    NotAMapping {
        /// What the file holds instead: "a list", "a string", ….
        found: &'static str,
        /// The top-level value.
        span: Span,
    },
    /// `limits: {}` without a `kind:` line.
    #[error("missing `kind`")]
    MissingKind {
        /// The start of the file.
        span: Span,
    },
    /// `kind: nonsense`
    #[error("unknown table kind `{kind}`; expected `requirements`, `limits` or `messages`")]
    UnknownKind {
        /// The kind as written.
        kind: String,
        /// The closest known kind.
        suggestion: Option<String>,
        /// The value of `kind`.
        span: Span,
    },
    /// `reslt: "…"` in a message.
    #[error("unknown field `{field}` in {owner}")]
    UnknownField {
        /// The field as written.
        field: String,
        /// What it is in: "message `validation_failed`", "the table file", ….
        owner: String,
        /// The closest known field.
        suggestion: Option<String>,
        /// What the owner may hold: "a message has `text`, `result` and `next_step`".
        expected: String,
        /// The field's key.
        span: Span,
    },
    /// A message without a `next_step:` line.
    #[error("missing field `{field}` in {owner}")]
    MissingField {
        /// The missing field.
        field: String,
        /// What it is missing from.
        owner: String,
        /// What the owner must hold.
        expected: String,
        /// The owner's name, or its first line.
        span: Span,
    },
    /// `text:` twice in one message.
    #[error("field `{field}` appears twice in {owner}")]
    DuplicateField {
        /// The repeated field.
        field: String,
        /// What it is in.
        owner: String,
        /// The line of its first appearance.
        first_line: usize,
        /// The second appearance.
        span: Span,
    },
    /// `text: [a, b]` in a message.
    #[error("{what} must be {expected}, not {found}")]
    WrongType {
        /// What has the wrong type: "`text` of message `validation_failed`".
        what: String,
        /// What it must be: "a string".
        expected: &'static str,
        /// What it is: "a list", "empty", ….
        found: &'static str,
        /// The value.
        span: Span,
    },
    /// `values: [Entity-Leader]`
    #[error("`{name}` is not a valid {what}")]
    InvalidName {
        /// What kind of name: "role name", "column name", "message id", ….
        what: String,
        /// The name as written.
        name: String,
        /// The name.
        span: Span,
    },
    /// `{ scenario: first_filing, varient: website, required: [] }`
    #[error("unknown column `{column}` in row {row}")]
    UnknownColumn {
        /// The column as written.
        column: String,
        /// The 1-based row number in `rows`.
        row: usize,
        /// The closest known column.
        suggestion: Option<String>,
        /// The columns a row has: "`scenario`, `variant` and `required`".
        expected: String,
        /// The column's key.
        span: Span,
    },
    /// `{ scenario: first_filing, required: [] }` when `keys: [scenario, variant]`.
    #[error("missing column `{column}` in row {row}")]
    MissingColumn {
        /// The missing column.
        column: String,
        /// The 1-based row number in `rows`.
        row: usize,
        /// The columns a row has.
        expected: String,
        /// The row.
        span: Span,
    },
    /// `keys: []`
    #[error("`keys` must list at least one column")]
    NoKeys {
        /// The value of `keys`.
        span: Span,
    },
    /// `keys: [scenario, required]`
    #[error("`required` cannot be a key column")]
    ReservedColumn {
        /// The entry in `keys`.
        span: Span,
    },
    /// `required: [website_admn]` in a table with `of: role`.
    #[error("unknown {of} `{value}`")]
    UnknownValue {
        /// The type of the values, from `of`.
        of: String,
        /// The value as written.
        value: String,
        /// The closest known value.
        suggestion: Option<String>,
        /// The known values, from `values`.
        known: Vec<String>,
        /// The value.
        span: Span,
    },
    /// `required: [owner, owner]`
    #[error("{what} `{value}` is listed twice in `{list}`")]
    RepeatedValue {
        /// What the entry is: "role", "column".
        what: String,
        /// The entry.
        value: String,
        /// The list: "required", "values", "keys".
        list: &'static str,
        /// The second entry.
        span: Span,
    },
    /// Two rows `{ scenario: cancel, variant: app, … }`.
    #[error("duplicate row for {keys}")]
    DuplicateRow {
        /// The row's keys: "`scenario: cancel`, `variant: app`".
        keys: String,
        /// The line of the first row with these keys.
        first_line: usize,
        /// The second row.
        span: Span,
    },
    /// `validation_window:` twice under `limits:`.
    #[error("duplicate {what} `{name}`")]
    DuplicateName {
        /// "limit" or "message id".
        what: &'static str,
        /// The repeated name.
        name: String,
        /// The line of its first appearance.
        first_line: usize,
        /// The second appearance.
        span: Span,
    },
    /// `max_resends: { note: "…" }`
    #[error("limit `{name}` has no value")]
    NoLimitValue {
        /// The limit.
        name: String,
        /// The limit's name.
        span: Span,
    },
    /// `five: { count: 5, text: "five" }`
    #[error("limit `{name}` has both `{first}` and `{second}`")]
    SeveralLimitValues {
        /// The limit.
        name: String,
        /// The first value field.
        first: &'static str,
        /// The next value field.
        second: &'static str,
        /// The second field's key.
        span: Span,
    },
    /// `validation_window: { duration: 24x }`
    #[error("invalid duration `{value}` for limit `{name}`: {reason}")]
    BadDuration {
        /// The limit.
        name: String,
        /// The duration as written.
        value: String,
        /// What is wrong with it.
        reason: String,
        /// The duration.
        span: Span,
    },
    /// `max_failed_attempts: { count: -1 }`
    #[error("`count` of limit `{name}` must be a non-negative whole number, not `{value}`")]
    BadCount {
        /// The limit.
        name: String,
        /// The count as written.
        value: String,
        /// The count.
        span: Span,
    },
    /// `answer_period: { period: 1 moth }`, `zone: { zone: Europe/Pariss }`,
    /// `- { date: 2026-13-01 }`, `working_days: [funday]`
    #[error("invalid {what}: {reason}")]
    BadValue {
        /// What the value is: "period of limit `x`", "date", "weekday"…
        what: String,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        reason: String,
        /// How to write it.
        help: &'static str,
        /// The value.
        span: Span,
    },
    /// `text: "failed {limits.max_failed_attempts times"`
    #[error("`{{` without a closing `}}` in {what}")]
    UnclosedPlaceholder {
        /// The text: "`text` of message `validation_failed`".
        what: String,
        /// The `{`.
        span: Span,
    },
    /// `text: "a } alone"`
    #[error("`}}` without an opening `{{` in {what}")]
    StrayBrace {
        /// The text: "`text` of message `validation_failed`".
        what: String,
        /// The `}`.
        span: Span,
    },
    /// `text: "a {} b"`
    #[error("empty placeholder in {what}")]
    EmptyPlaceholder {
        /// The text: "`text` of message `validation_failed`".
        what: String,
        /// The placeholder.
        span: Span,
    },
    /// `columns: [text]` in a messages table.
    #[error("`{name}` is a column of every message already")]
    StandardColumn {
        /// The column.
        name: String,
        /// The entry in `columns`.
        span: Span,
    },
    /// `code_format: { pattern: '^[0-9{6}$' }`
    #[error("invalid pattern for limit `{name}`: {error}")]
    BadPattern {
        /// The limit.
        name: String,
        /// The regex compiler's explanation.
        error: String,
        /// The pattern.
        span: Span,
    },
}

impl TableError {
    /// Where in the file the problem is.
    pub fn span(&self) -> Span {
        use TableError::*;
        match self {
            Syntax { span, .. }
            | Empty { span }
            | NotAMapping { span, .. }
            | MissingKind { span }
            | UnknownKind { span, .. }
            | UnknownField { span, .. }
            | MissingField { span, .. }
            | DuplicateField { span, .. }
            | WrongType { span, .. }
            | InvalidName { span, .. }
            | UnknownColumn { span, .. }
            | MissingColumn { span, .. }
            | NoKeys { span }
            | ReservedColumn { span }
            | UnknownValue { span, .. }
            | RepeatedValue { span, .. }
            | DuplicateRow { span, .. }
            | DuplicateName { span, .. }
            | NoLimitValue { span, .. }
            | SeveralLimitValues { span, .. }
            | BadDuration { span, .. }
            | BadValue { span, .. }
            | BadCount { span, .. }
            | BadPattern { span, .. }
            | UnclosedPlaceholder { span, .. }
            | StrayBrace { span, .. }
            | EmptyPlaceholder { span, .. }
            | StandardColumn { span, .. } => *span,
        }
    }

    /// The problem's stable code.
    pub fn code(&self) -> Code {
        use TableError::*;
        match self {
            Syntax { .. } => Code::TableSyntax,
            Empty { .. } | NotAMapping { .. } | MissingKind { .. } | UnknownKind { .. } => {
                Code::TableKind
            }
            UnknownField { .. } | UnknownColumn { .. } => Code::TableUnknownKey,
            MissingField { .. } | MissingColumn { .. } => Code::TableMissingKey,
            DuplicateField { .. }
            | RepeatedValue { .. }
            | DuplicateRow { .. }
            | DuplicateName { .. } => Code::TableDuplicate,
            WrongType { .. } | InvalidName { .. } => Code::TableWrongType,
            UnknownValue { .. } => Code::TableUnknownValue,
            NoLimitValue { .. }
            | SeveralLimitValues { .. }
            | BadDuration { .. }
            | BadCount { .. }
            | BadValue { .. }
            | BadPattern { .. } => Code::TableBadLimit,
            UnclosedPlaceholder { .. } | StrayBrace { .. } | EmptyPlaceholder { .. } => {
                Code::TableBadBraces
            }
            NoKeys { .. } | ReservedColumn { .. } | StandardColumn { .. } => Code::TableShape,
        }
    }

    /// The replacement for the span that a "did you mean" suggests.
    pub fn replacement(&self) -> Option<String> {
        use TableError::*;
        match self {
            UnknownKind { suggestion, .. }
            | UnknownField { suggestion, .. }
            | UnknownColumn { suggestion, .. }
            | UnknownValue { suggestion, .. } => suggestion.clone(),
            _ => None,
        }
    }

    /// A short note printed under the underlined text.
    pub fn label(&self) -> Option<String> {
        use TableError::*;
        Some(match self {
            UnknownValue { .. } => "not in `values`".to_string(),
            DuplicateRow { first_line, .. } => format!("same keys as the row on line {first_line}"),
            DuplicateName { first_line, .. } | DuplicateField { first_line, .. } => {
                format!("first defined on line {first_line}")
            }
            _ => return None,
        })
    }

    /// How to fix the problem.
    pub fn help(&self) -> Option<String> {
        use TableError::*;
        const KINDS: &str =
            "`kind: requirements`, `kind: limits`, `kind: messages` or `kind: calendar`";
        const NAMES: &str =
            "a name is lowercase letters, digits and `_`, starting with a letter or `_`, e.g. `owner`";
        const LIMIT_VALUES: &str =
            "a limit has exactly one of `duration: 24h`, `period: 1 month`, `count: 5`, `pattern: '^…$'`, `text: \"…\"` or `zone: Europe/Paris`, and may have a `note`";
        let did_you_mean = |s: &Option<String>| match s {
            Some(s) => format!("did you mean `{s}`? "),
            None => String::new(),
        };
        Some(match self {
            Syntax { help, .. } => return help.clone(),
            Empty { .. } | NotAMapping { .. } => format!("start the file with {KINDS}"),
            MissingKind { .. } => format!("add {KINDS} at the top of the file"),
            UnknownKind { suggestion, .. } => {
                return suggestion.as_ref().map(|s| format!("did you mean `{s}`?"))
            }
            UnknownField {
                suggestion,
                expected,
                ..
            }
            | UnknownColumn {
                suggestion,
                expected,
                ..
            } => format!("{}{expected}", did_you_mean(suggestion)),
            MissingField {
                field, expected, ..
            }
            | MissingColumn {
                column: field,
                expected,
                ..
            } => {
                format!("add `{field}: …`; {expected}")
            }
            DuplicateField { .. } => "keep one of them".to_string(),
            WrongType {
                expected, found, ..
            } => return wrong_type_help(expected, found),
            InvalidName { .. } => NAMES.to_string(),
            NoKeys { .. } => "list the key columns, e.g. `keys: [scenario, variant]`".to_string(),
            ReservedColumn { .. } => {
                "`required` holds each row's required values; give the key column another name"
                    .to_string()
            }
            UnknownValue {
                value,
                suggestion,
                known,
                ..
            } => {
                let list = if known.is_empty() {
                    "`values` is empty".to_string()
                } else {
                    format!("`values` lists {}", list_and(known))
                };
                match suggestion {
                    Some(s) => format!("did you mean `{s}`? {list}"),
                    None => format!("{list}; add `{value}` to `values` if it is new"),
                }
            }
            RepeatedValue { .. } => "remove one of them".to_string(),
            DuplicateRow { .. } => "merge the two rows or remove one".to_string(),
            DuplicateName { .. } => {
                "rename or remove one of them (YAML alone would silently keep only the last)"
                    .to_string()
            }
            NoLimitValue { .. } | SeveralLimitValues { .. } => LIMIT_VALUES.to_string(),
            BadValue { help, .. } => help.to_string(),
            BadDuration { .. } => {
                "write a duration like `24h`, `30m`, `90s`, `2d` or `1h30m`".to_string()
            }
            BadCount { .. } => {
                "write a whole number such as `5` (at most 9223372036854775807)".to_string()
            }
            BadPattern { .. } => {
                "write a regular expression, in single quotes, e.g. `pattern: '^[0-9]{6}$'`"
                    .to_string()
            }
            UnclosedPlaceholder { .. } => {
                "close the placeholder with `}`, or write `{{` for a literal `{`".to_string()
            }
            StrayBrace { .. } => "write `}}` for a literal `}`".to_string(),
            EmptyPlaceholder { .. } => {
                "write an expression between the braces, e.g. `{limits.<name>}`, or `{{}}` for a literal `{}`"
                    .to_string()
            }
            StandardColumn { .. } => {
                "every message has `text`, `result` and `next_step`: `columns` lists the extra ones, e.g. `columns: [audience]`"
                    .to_string()
            }
        })
    }

    /// The problem as a diagnostic in source number `source`.
    pub fn to_diagnostic(&self, source: usize) -> Diagnostic {
        let mut d = Diagnostic::error(self.code(), source, self.span(), self.to_string());
        d.label = self.label();
        d.help = self.help();
        d.replacement = self.replacement();
        d
    }
}

/// How to fix a value of the wrong type, where a hint helps beyond the message.
fn wrong_type_help(expected: &str, found: &str) -> Option<String> {
    Some(
        match (expected, found) {
            ("a string", "a number" | "true or false") => "put it in quotes to make it a string",
            ("a string", "empty") => "write the text after the `:`, in quotes",
            ("a string", _) => "write a single string in quotes, e.g. `\"…\"`",
            ("a list", _) => "write a list in brackets, e.g. `[a, b]`, or `[]` for none",
            ("a whole number", _) => "write a whole number such as `5`",
            ("a name", _) => {
                "a name is lowercase letters, digits and `_`, starting with a letter or `_`"
            }
            (e, _) if e.starts_with("a duration") => {
                "write a duration like `24h`, `30m`, `90s`, `2d` or `1h30m`"
            }
            _ => return None,
        }
        .to_string(),
    )
}

/// "`a`", "`a` and `b`", "`a`, `b` and `c`".
pub(crate) fn list_and<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{}`", s.as_ref())).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}
