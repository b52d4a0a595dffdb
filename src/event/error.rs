//! Why an input line is not a valid event.

/// A reason an input line is not a valid event.
///
/// Values of sensitive fields never appear in a message, not even in part; other values are
/// echoed as JSON strings of at most 40 characters. Texts other than paths are `Box<str>`,
/// which keeps `(Header, EventError)` small enough to return by value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// `{"type": "tick",` (the line ends inside the object)
    #[error("not valid JSON: {0}")]
    Json(String),
    /// `["tick", "2026-11-28T10:00:00+08:00"]`
    #[error("an event must be a JSON object, not {found}")]
    NotObject {
        /// What the line is instead, e.g. `an array`.
        found: &'static str,
    },
    /// `{"type": "tick"}` (no `at`), or an `sms_sent` without `code`
    #[error("field `{field}` is missing")]
    MissingField {
        /// The path of the missing field, e.g. `personnel[1].phone`.
        field: String,
    },
    /// `{"type": "tick", "type": "tick", "at": "2026-11-28T10:00:00+08:00"}`
    #[error("field `{field}` is given more than once")]
    DuplicateField {
        /// The path of the repeated field.
        field: String,
    },
    /// `{"type": "sms_snet", …}`
    #[error("unknown event type `{name}`{}", suggest(.suggestion))]
    UnknownType {
        /// The type as given (at most 40 characters of it).
        name: String,
        /// The declared event type it is closest to.
        suggestion: Option<Box<str>>,
    },
    /// `"cod": "004213"` in a `validation_attempt`
    #[error("field `{field}` is not a field of `{of}`{}", suggest(.suggestion))]
    UnknownField {
        /// The path of the unknown member (its name shortened to 40 characters).
        field: String,
        /// The event type, or the path of the nested object, that has no such field.
        of: String,
        /// The declared field it is closest to.
        suggestion: Option<Box<str>>,
    },
    /// `"phone": 13800138000`
    #[error("field `{field}` must be {expected}, not {found}{}", kind_hint(.expected, .found))]
    WrongKind {
        /// The path of the field.
        field: String,
        /// What the field's type needs, e.g. `a string`.
        expected: &'static str,
        /// What was given, e.g. `a number`.
        found: &'static str,
    },
    /// `"at": "2026-11-28T10:00:00"`
    #[error("field `{field}`: expected a time with an offset{}; add an offset, e.g. `+08:00`", got_text(.got))]
    MissingOffset {
        /// The path of the field.
        field: String,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
    },
    /// `"at": "28/11/2026 10:00"` or `"at": "2026-13-01T00:00:00Z"`
    #[error("field `{field}`: expected an RFC 3339 time such as `2026-11-28T10:00:00+08:00`{}{}", got_text(.got), because(.reason))]
    BadTime {
        /// The path of the field.
        field: String,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
        /// Why a well-shaped time is still wrong (e.g. month 13); never for a sensitive field.
        reason: Option<Box<str>>,
    },
    /// `"phone": "12345"`
    #[error("field `{field}`: expected {expected}{}", got_text(.got))]
    BadFormat {
        /// The path of the field.
        field: String,
        /// The format's description, or "the format `…`" when it has none.
        expected: Box<str>,
        /// The value as given (before trimming or case changes), or `None` for a sensitive field.
        got: Option<Box<str>>,
    },
    /// `"role": "ownr"`
    #[error("field `{field}`: expected {expected}{}{}", got_text(.got), suggest(.suggestion))]
    BadEnum {
        /// The path of the field.
        field: String,
        /// The values (when few) or the enumeration's name.
        expected: Box<str>,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
        /// The closest value; never for a sensitive field.
        suggestion: Option<Box<str>>,
    },
    /// `"grace": "5x"` for a duration field
    #[error("field `{field}`: expected a duration such as `24h` or `1h30m`{}{}", got_text(.got), because(.reason))]
    BadDuration {
        /// The path of the field.
        field: String,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
        /// What is wrong with it; never for a sensitive field.
        reason: Option<Box<str>>,
    },
    /// `"attempts": -1`
    #[error("field `{field}` must not be negative{}", got_text(.got))]
    NegativeCount {
        /// The path of the field.
        field: String,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
    },
    /// `"attempts": 1.5`
    #[error("field `{field}` must be a whole number{}", got_text(.got))]
    NotWholeNumber {
        /// The path of the field.
        field: String,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
    },
    /// `"attempts": 10000000000000000000`
    #[error("field `{field}` must be at most {}{}", i64::MAX, got_text(.got))]
    TooLarge {
        /// The path of the field.
        field: String,
        /// The value as echoed, or `None` for a sensitive field.
        got: Option<Box<str>>,
    },
    /// A policy declaring an event field of a type that input cannot give (a case or a
    /// participant); the checker refuses such policies, so this names a checker bug
    #[error("field `{field}` cannot be given in an event")]
    NotAnInput {
        /// The path of the field.
        field: String,
    },
}

impl EventError {
    /// The path of the offending field (`code`, `personnel[1].phone`, `type`, `at`), if the
    /// error is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            EventError::Json(_) | EventError::NotObject { .. } => None,
            EventError::UnknownType { .. } => Some("type"),
            EventError::MissingField { field }
            | EventError::DuplicateField { field }
            | EventError::UnknownField { field, .. }
            | EventError::WrongKind { field, .. }
            | EventError::MissingOffset { field, .. }
            | EventError::BadTime { field, .. }
            | EventError::BadFormat { field, .. }
            | EventError::BadEnum { field, .. }
            | EventError::BadDuration { field, .. }
            | EventError::NegativeCount { field, .. }
            | EventError::NotWholeNumber { field, .. }
            | EventError::TooLarge { field, .. }
            | EventError::NotAnInput { field } => Some(field),
        }
    }
}

fn got_text(value: &Option<Box<str>>) -> String {
    match value {
        Some(v) => format!(", got {v}"),
        None => " (the value is not shown: the field is sensitive)".to_string(),
    }
}

fn suggest(suggestion: &Option<Box<str>>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    }
}

fn because(reason: &Option<Box<str>>) -> String {
    match reason {
        Some(r) => format!(": {r}"),
        None => String::new(),
    }
}

fn kind_hint(expected: &str, found: &str) -> &'static str {
    if expected == "a string" && found == "a number" {
        // Numbers lose leading zeros (`004213`), and phone numbers are not quantities.
        "; write it as a string, in quotes"
    } else {
        ""
    }
}
