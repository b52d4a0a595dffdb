//! The contract's vocabulary (§1), hard-coded: roles, the roles table, statuses, message ids,
//! limits, and the field formats of §2 as compact values.

use crate::Role;

/// Validation window: 24 h from the filing's first verification SMS (reading 2).
pub(crate) const WINDOW_SECS: i64 = 24 * 60 * 60;
/// Failed attempts by one person that reject the application (reading 6).
pub(crate) const MAX_FAILURES: u32 = 5;
/// Resends granted per person, per filing (reading 7).
pub(crate) const MAX_RESENDS: u32 = 2;

/// Bit of a role in a role set; the roles table's order is bit order.
pub(crate) const fn role_bit(r: Role) -> u8 {
    match r {
        Role::EntityLeader => 1,
        Role::WebsiteAdmin => 2,
    }
}

/// All roles, in the roles table's order.
pub(crate) const ROLES: [Role; 2] = [Role::EntityLeader, Role::WebsiteAdmin];

impl Role {
    /// The role's name, as events and outputs write it.
    pub fn name(self) -> &'static str {
        match self {
            Role::EntityLeader => "entity_leader",
            Role::WebsiteAdmin => "website_admin",
        }
    }

    /// The role of a name, if it is one.
    pub fn from_name(s: &str) -> Option<Role> {
        match s {
            "entity_leader" => Some(Role::EntityLeader),
            "website_admin" => Some(Role::WebsiteAdmin),
            _ => None,
        }
    }
}

const EL: u8 = role_bit(Role::EntityLeader);
const WA: u8 = role_bit(Role::WebsiteAdmin);

/// The roles table: (scenario, variant, required role set).
pub(crate) const PAIRS: [(&str, &str, u8); 14] = [
    ("first_filing", "website", EL | WA),
    ("first_filing", "website_and_app", EL),
    ("first_filing", "app", EL),
    ("add_service", "website", EL | WA),
    ("add_service", "website_and_app", EL),
    ("add_service", "app", EL),
    ("add_provider", "all", EL | WA),
    ("modify", "entity", EL),
    ("modify", "service", WA),
    ("modify", "entity_and_service", EL | WA),
    ("cancel", "entity", EL),
    ("cancel", "website", WA),
    ("cancel", "app", WA),
    ("remove_provider", "none", 0),
];

/// The row of the roles table for (scenario, variant).
pub(crate) fn pair(scenario: &str, variant: &str) -> Option<u8> {
    PAIRS
        .iter()
        .position(|(s, v, _)| *s == scenario && *v == variant)
        .map(|i| i as u8)
}

/// The required role set of a row.
pub(crate) fn required(pair: u8) -> u8 {
    PAIRS[usize::from(pair)].2
}

/// Whether a row is a `cancel` scenario (reading 9).
pub(crate) fn is_cancel(pair: u8) -> bool {
    PAIRS[usize::from(pair)].0 == "cancel"
}

/// A filing's status (contract §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    AwaitingSync,
    AwaitingValidation,
    PartiallyValidated,
    UnderReview,
    Rejected,
    Canceled,
    NoValidationRequired,
}

impl Status {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Status::AwaitingSync => "awaiting_sync",
            Status::AwaitingValidation => "awaiting_validation",
            Status::PartiallyValidated => "partially_validated",
            Status::UnderReview => "under_review",
            Status::Rejected => "rejected",
            Status::Canceled => "canceled",
            Status::NoValidationRequired => "no_validation_required",
        }
    }
    /// Open for validation.
    pub(crate) fn is_open(self) -> bool {
        matches!(
            self,
            Status::AwaitingValidation | Status::PartiallyValidated
        )
    }
    /// Final: nothing changes any more.
    pub(crate) fn is_final(self) -> bool {
        matches!(
            self,
            Status::UnderReview | Status::Canceled | Status::NoValidationRequired
        )
    }
    /// Awaiting sync or open: its unvalidated people can still validate some day.
    pub(crate) fn is_live(self) -> bool {
        matches!(
            self,
            Status::AwaitingSync | Status::AwaitingValidation | Status::PartiallyValidated
        )
    }
}

/// The message ids the model emits, in the contract's table order.
pub const MESSAGE_IDS: [&str; 17] = [
    "order_submitted",
    "validation_complete",
    "validation_complete_waiting",
    "validation_failed",
    "record_not_found_or_complete",
    "application_rejected",
    "validation_window_expired",
    "application_canceled",
    "resend_success",
    "resend_no_pending",
    "resend_record_not_found",
    "resend_limit_reached",
    "unrecognized_sender",
    "phone_updated",
    "phone_change_requires_resubmission",
    "order_canceled",
    "no_validation_required",
];

/// A message, as an index into [`MESSAGE_IDS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Msg {
    OrderSubmitted,
    ValidationComplete,
    ValidationCompleteWaiting,
    ValidationFailed,
    RecordNotFoundOrComplete,
    ApplicationRejected,
    ValidationWindowExpired,
    ApplicationCanceled,
    ResendSuccess,
    ResendNoPending,
    ResendRecordNotFound,
    ResendLimitReached,
    UnrecognizedSender,
    PhoneUpdated,
    PhoneChangeRequiresResubmission,
    OrderCanceled,
    NoValidationRequired,
}

impl Msg {
    pub(crate) fn id(self) -> &'static str {
        MESSAGE_IDS[self as usize]
    }
}

// ---------------------------------------------------------------------------------------------
// Field formats (§2), checked by hand and kept as compact values.

/// `filing`: 1–64 characters of `A-Z a-z 0-9 _ -`.
pub(crate) fn is_filing(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `phone`: 11 ASCII digits, the first `1`; kept as its number.
pub(crate) fn phone(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 11 || b[0] != b'1' {
        return None;
    }
    digits(b)
}

/// `cert_last6`: five digits, then a digit or `X` (`x` read as `X`); kept as
/// `first five digits * 11 + last` where `X` counts 10.
pub(crate) fn cert(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 6 {
        return None;
    }
    let head = digits(&b[..5])? as u32;
    let last = match b[5] {
        d @ b'0'..=b'9' => u32::from(d - b'0'),
        b'X' | b'x' => 10,
        _ => return None,
    };
    Some(head * 11 + last)
}

/// `code`: exactly six digits (leading zeros significant: the length is fixed).
pub(crate) fn code(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 6 {
        return None;
    }
    digits(b).map(|n| n as u32)
}

/// An MIIT sender: `12381`, or `106` + 10 digits + `12381`.
pub(crate) fn is_miit_sender(s: &str) -> bool {
    let b = s.as_bytes();
    b == b"12381"
        || (b.len() == 18
            && b.starts_with(b"106")
            && b.ends_with(b"12381")
            && b[3..13].iter().all(u8::is_ascii_digit))
}

fn digits(b: &[u8]) -> Option<u64> {
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    Some(n)
}

/// A phone number written back.
pub(crate) fn phone_text(p: u64) -> String {
    format!("{p:011}")
}

/// Certificate digits written back (`X` upper case).
pub(crate) fn cert_text(c: u32) -> String {
    let (head, last) = (c / 11, c % 11);
    if last == 10 {
        format!("{head:05}X")
    } else {
        format!("{head:05}{last}")
    }
}

/// A code written back.
pub(crate) fn code_text(c: u32) -> String {
    format!("{c:06}")
}
