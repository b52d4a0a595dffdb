//! The checker's errors: what went wrong, as typed fields; [`CheckError::message`] and
//! [`CheckError::into_diagnostic`] are the one place they become text.

use super::expr::{assignable, describe};
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
        hint: Option<String>,
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
    /// `when p.failures >= limits.validation_window` (a count compared with a duration),
    /// and other type errors not yet given a variant of their own
    Type {
        message: String,
        span: Span,
        help: Option<String>,
    },
    /// `set p.pending = true` where `pending` is derived
    ReadOnly { message: String, span: Span },
    /// `enum role { a }` twice, two `format code = …`, two cases named `filing`
    DeclaredTwice {
        /// What is declared: `format`, `event`, `value`…
        kind: &'static str,
        name: String,
        span: Span,
        /// Where the first one is: `line 12`, or `rules/x.docket:12` in another file.
        first: Option<String>,
    },
    /// two `statuses` blocks, two `on sms_sent` handlers, a message in two tables
    Duplicate {
        message: String,
        span: Span,
        /// Where the first one is: `line 12`, or `rules/x.docket:12` in another file.
        first: Option<String>,
        help: Option<String>,
    },
    /// `show code = event.code` where `code` is sensitive
    Sensitive { message: String, span: Span },
    /// `date_of(event.at)` in a policy whose limits declare no `zone`
    NoZone { what: String, span: Span },
    /// anything else the policy cannot mean, e.g. no `case` declared
    Invalid {
        message: String,
        span: Span,
        help: Option<String>,
    },
    /// `text: "failed {limits.max_failed_attempts +} times"`: a placeholder of a message
    /// table that is no expression
    Placeholder {
        message: String,
        span: Span,
        /// What was found instead, shown under the caret.
        label: Option<String>,
        help: Option<String>,
    },
    /// `text: "… {required} …"` emitted by a rule of a handler without `let required`: a
    /// problem of a message placeholder in the scope of one `emit`, which `site` names
    AtEmit {
        error: Box<CheckError>,
        site: String,
    },
    /// No input triggers it: an invariant of the checker failed (the parser gave it a
    /// limit with no name, say). Its text says it is a bug of docket, not of the policy.
    Internal { what: &'static str, span: Span },
}

impl CheckError {
    /// Moves the error's place (a placeholder's problem, from its own text into its file).
    pub(super) fn relocate(&mut self, to: impl Fn(Span) -> Span) {
        match self {
            CheckError::Unknown { span, .. }
            | CheckError::Mismatch { span, .. }
            | CheckError::Incomparable { span, .. }
            | CheckError::NotIn { span, .. }
            | CheckError::Unordered { span, .. }
            | CheckError::NeverUnset { span, .. }
            | CheckError::NoArithmetic { span, .. }
            | CheckError::Type { span, .. }
            | CheckError::ReadOnly { span, .. }
            | CheckError::DeclaredTwice { span, .. }
            | CheckError::Duplicate { span, .. }
            | CheckError::Sensitive { span, .. }
            | CheckError::Invalid { span, .. }
            | CheckError::NoZone { span, .. }
            | CheckError::Placeholder { span, .. }
            | CheckError::Internal { span, .. } => *span = to(*span),
            CheckError::AtEmit { error, .. } => error.relocate(to),
        }
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
            | CheckError::Type { .. } => Code::TypeMismatch,
            CheckError::ReadOnly { .. } => Code::ReadOnly,
            CheckError::DeclaredTwice { .. } | CheckError::Duplicate { .. } => Code::Duplicate,
            CheckError::Sensitive { .. } => Code::SensitiveShown,
            CheckError::NoZone { .. } => Code::NoZone,
            CheckError::Invalid { .. } => Code::Invalid,
            CheckError::Placeholder { .. } => Code::Placeholder,
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
                format!("{what} needs the policy's time zone, and it declares none")
            }
            CheckError::Type { message, .. }
            | CheckError::ReadOnly { message, .. }
            | CheckError::Duplicate { message, .. }
            | CheckError::Sensitive { message, .. }
            | CheckError::Invalid { message, .. }
            | CheckError::Placeholder { message, .. } => message.clone(),
            CheckError::AtEmit { error, .. } => error.message(env),
            CheckError::Internal { what, .. } => format!(
                "internal error: {what}; this is a bug of docket, not a mistake in the policy: please report it"
            ),
        }
    }

    /// The error's help line, if it has one.
    fn help(&self) -> Option<String> {
        let fixed = |s: &str| Some(s.to_string());
        match self {
            CheckError::Unknown {
                suggestion, hint, ..
            } => match suggestion {
                Some(s) => Some(format!("did you mean `{s}`?")),
                None => hint.clone(),
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
            CheckError::ReadOnly { .. } => {
                fixed("only stored fields of the case and its participants can be set")
            }
            CheckError::NoZone { .. } => fixed(
                "declare it in a limits table, e.g. `zone: { zone: Europe/Paris }`: dates are counted there",
            ),
            CheckError::Sensitive { .. } => fixed(
                "sensitive values, and values computed from them, may steer rules (in `when`, filters and `for`), never be shown: remove it from the output",
            ),
            CheckError::Type { help, .. }
            | CheckError::Duplicate { help, .. }
            | CheckError::Invalid { help, .. }
            | CheckError::Placeholder { help, .. } => help.clone(),
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
            CheckError::DeclaredTwice { first, .. } | CheckError::Duplicate { first, .. } => {
                d.label = first.map(|f| format!("the first is at {f}"));
                d
            }
            CheckError::Placeholder { label, .. } => {
                d.label = label;
                d
            }
            CheckError::AtEmit { error, site } => {
                let mut d = error.into_diagnostic(source, env);
                d.label = Some(site);
                d
            }
            _ => d,
        }
    }

    /// Where the error is.
    fn span(&self) -> Span {
        match self {
            CheckError::Unknown { span, .. }
            | CheckError::Mismatch { span, .. }
            | CheckError::Incomparable { span, .. }
            | CheckError::NotIn { span, .. }
            | CheckError::Unordered { span, .. }
            | CheckError::NeverUnset { span, .. }
            | CheckError::NoArithmetic { span, .. }
            | CheckError::Type { span, .. }
            | CheckError::ReadOnly { span, .. }
            | CheckError::DeclaredTwice { span, .. }
            | CheckError::Duplicate { span, .. }
            | CheckError::Sensitive { span, .. }
            | CheckError::Invalid { span, .. }
            | CheckError::NoZone { span, .. }
            | CheckError::Placeholder { span, .. }
            | CheckError::Internal { span, .. } => *span,
            CheckError::AtEmit { error, .. } => error.span(),
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
