//! The pools scripts draw from: filing ids, people, codes, senders, and bad values of every
//! field. Chosen so that no code or certificate is a substring of a phone, a sender or a
//! timestamp: the differential test looks for secrets in the engine's output.

/// Filing ids orders use; byte order is not numeric order ("F-4" < "F1" < "F10" < "F2" < "a3").
pub const FILING_IDS: [&str; 8] = ["F1", "F2", "F10", "a3", "F-4", "Z_9", "F3", "b_2"];
/// Well-formed ids no order ever uses.
pub const UNKNOWN_IDS: [&str; 3] = ["F9", "G7", "unknown-1"];
/// The people orders list: (phone, certificate digits).
pub const PEOPLE: [(&str, &str); 5] = [
    ("13800000001", "12345X"),
    ("13900000002", "678905"),
    ("15000000003", "24681X"),
    ("18600000004", "97531X"),
    ("17700000005", "864207"),
];
/// People who are in no order.
pub const STRANGERS: [(&str, &str); 2] = [("13700000006", "13579X"), ("15900000007", "246802")];
/// Every well-formed certificate of the pools (wrong certificates are picked from these).
pub const CERTS: [&str; 7] = [
    "12345X", "678905", "24681X", "97531X", "864207", "13579X", "246802",
];
/// Verification codes.
pub const CODES: [&str; 8] = [
    "000111", "004213", "731946", "582014", "269370", "415263", "908172", "350698",
];
/// MIIT senders of the long form: `106` + 10 digits + `12381`.
pub const MIIT_LONG: [&str; 2] = ["106000000000012381", "106595000123412381"];
/// Senders that are no MIIT number.
pub const BAD_SENDERS: [&str; 5] = [
    "10690012381",
    "95555",
    "1061234567890123810",
    "12382",
    "106123456789012382",
];
/// Ill-formatted phones.
pub const BAD_PHONES: [&str; 5] = [
    "1380000000",
    "23800000001",
    "138000000012",
    "1380000000a",
    "+8613800000001",
];
/// Ill-formatted certificate digits.
pub const BAD_CERTS: [&str; 5] = ["12345", "12345Y", "1234567", "X12345", "12 45X"];
/// Ill-formatted codes.
pub const BAD_CODES: [&str; 4] = ["12a456", "12345", "1234567", " 00011"];
/// Ill-formatted filing ids (the last is longer than 64 characters).
pub const BAD_IDS: [&str; 4] = [
    "",
    "F 1",
    "F1!",
    "F_123456789_123456789_123456789_123456789_123456789_123456789_1234",
];
/// `at` values that are no RFC 3339 time with an offset.
pub const BAD_ATS: [&str; 6] = [
    "2026-11-28T10:00:00",
    "20261128T100000Z",
    "2026-11-28T10:00:00+0800",
    "yesterday",
    "2026-11-31T10:00:00+08:00",
    "2026-11-28T25:00:00Z",
];
/// Event types the policy does not know.
pub const UNKNOWN_TYPES: [&str; 5] = ["Tick", "sms", "validation", "order_cancelled", ""];

/// The roles table (contract §1): scenario, variant, required roles.
pub const ROWS: [(&str, &str, &[&str]); 14] = [
    (
        "first_filing",
        "website",
        &["entity_leader", "website_admin"],
    ),
    ("first_filing", "website_and_app", &["entity_leader"]),
    ("first_filing", "app", &["entity_leader"]),
    (
        "add_service",
        "website",
        &["entity_leader", "website_admin"],
    ),
    ("add_service", "website_and_app", &["entity_leader"]),
    ("add_service", "app", &["entity_leader"]),
    ("add_provider", "all", &["entity_leader", "website_admin"]),
    ("modify", "entity", &["entity_leader"]),
    ("modify", "service", &["website_admin"]),
    (
        "modify",
        "entity_and_service",
        &["entity_leader", "website_admin"],
    ),
    ("cancel", "entity", &["entity_leader"]),
    ("cancel", "website", &["website_admin"]),
    ("cancel", "app", &["website_admin"]),
    ("remove_provider", "none", &[]),
];

/// Every phone of the pools.
pub fn all_phones() -> impl Iterator<Item = &'static str> {
    PEOPLE.iter().chain(STRANGERS.iter()).map(|p| p.0)
}

pub fn nth<T: Copy>(xs: &[T], k: impl Into<usize>) -> T {
    xs[k.into() % xs.len()]
}
