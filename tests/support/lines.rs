//! Writing single event lines: instants in an offset, JSON objects key by key, orders, and
//! bad lines of every kind.

use super::pools::*;
use super::script::{Admin, Bad, Flaw, Listing, Order, OrderId, Zone};
use icp_reference::FilingView;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

/// Where the rendered stream's clock starts.
const START: &str = "2026-11-28T01:00:00Z";

/// The instant rendering starts at.
pub fn start() -> Timestamp {
    START
        .parse()
        .unwrap_or_else(|e| panic!("{START} is no timestamp: {e}"))
}

/// `t` written in `zone`.
pub fn stamp(t: Timestamp, zone: Zone) -> String {
    let utc = |format: &str| t.strftime(format).to_string();
    let seconds = match zone {
        Zone::Utc => return utc("%Y-%m-%dT%H:%M:%SZ"),
        // RFC 3339 5.6: `T` and `Z` may be lower case; `-00:00` is UTC with no local offset.
        Zone::Lowercase => return utc("%Y-%m-%dt%H:%M:%Sz"),
        Zone::UnknownLocal => return utc("%Y-%m-%dT%H:%M:%S-00:00"),
        Zone::Beijing | Zone::Spaced | Zone::Millis => 8 * 3600,
        Zone::UtcNumeric => 0,
        Zone::NewYork => -5 * 3600,
        Zone::Kathmandu => 5 * 3600 + 45 * 60,
    };
    let format = match zone {
        Zone::Spaced => "%Y-%m-%d %H:%M:%S%:z",
        Zone::Millis => "%Y-%m-%dT%H:%M:%S.000%:z",
        _ => "%Y-%m-%dT%H:%M:%S%:z",
    };
    let offset =
        Offset::from_seconds(seconds).unwrap_or_else(|e| panic!("offset {seconds} s: {e}"));
    t.to_zoned(TimeZone::fixed(offset))
        .strftime(format)
        .to_string()
}

/// A JSON object written key by key, in order (so that `type` and `at` come first).
pub struct Obj(String);

impl Obj {
    /// `{"type":…,"at":…` with `at` already written as JSON.
    pub fn event(ty: &str, at: &str) -> Obj {
        Obj(String::from("{")).str("type", ty).raw("at", at)
    }

    /// Adds a string field.
    pub fn str(self, key: &str, value: &str) -> Obj {
        let v = serde_json::Value::String(value.into()).to_string();
        self.raw(key, &v)
    }

    /// Adds a field given as JSON text.
    pub fn raw(mut self, key: &str, json: &str) -> Obj {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0
            .push_str(&serde_json::Value::String(key.into()).to_string());
        self.0.push(':');
        self.0.push_str(json);
        self
    }

    /// The object's text.
    pub fn done(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// `s` as a JSON string.
pub fn quote(s: &str) -> String {
    serde_json::Value::String(s.into()).to_string()
}

/// An `order_submitted` line for `order`, in the world `view` shows.
pub fn order_line(order: &Order, at: &str, view: &[FilingView]) -> String {
    let used = |id: &str| view.iter().any(|f| f.id == id);
    let id = match order.id {
        OrderId::Fresh(k) => {
            let fresh: Vec<&str> = FILING_IDS.iter().copied().filter(|id| !used(id)).collect();
            if fresh.is_empty() {
                nth(&FILING_IDS, k)
            } else {
                nth(&fresh, k)
            }
        }
        OrderId::Existing(k) if !view.is_empty() => view[usize::from(k) % view.len()].id.as_str(),
        OrderId::Existing(k) => nth(&FILING_IDS, k),
    };
    let (mut scenario, mut variant, required) = nth(&ROWS, order.row);
    let leader = nth(&PEOPLE, order.leader);
    let admin = match order.admin {
        Admin::Leader => leader,
        Admin::Person(k) => nth(&PEOPLE, k),
    };
    let case = |cert: &str| {
        if order.lower_x {
            cert.replace('X', "x")
        } else {
            cert.to_string()
        }
    };
    let entry =
        |role: &str, (phone, cert): (&str, &str)| (role.to_string(), phone.to_string(), case(cert));
    let mut entries = match order.listing {
        Listing::Both => vec![
            entry("entity_leader", leader),
            entry("website_admin", admin),
        ],
        Listing::Reversed => vec![
            entry("website_admin", admin),
            entry("entity_leader", leader),
        ],
        Listing::RequiredOnly => {
            let mut v = Vec::new();
            if required.contains(&"entity_leader") {
                v.push(entry("entity_leader", leader));
            }
            if required.contains(&"website_admin") {
                v.push(entry("website_admin", admin));
            }
            v
        }
    };
    let mut extra_key = false;
    let mut personnel = None;
    match order.flaw {
        None => {}
        Some(Flaw::MissingRole) => {
            if let Some(first) = required.first() {
                entries.retain(|e| e.0 != *first);
            }
        }
        Some(Flaw::RoleTwice) => {
            let role = required.first().copied().unwrap_or("entity_leader");
            if let Some(e) = entries.iter().find(|e| e.0 == role).cloned() {
                entries.push(e);
            }
        }
        Some(Flaw::TwoCerts) => {
            let other = CERTS
                .iter()
                .copied()
                .find(|c| *c != leader.1)
                .unwrap_or(CERTS[0]);
            entries.retain(|e| e.0 != "website_admin");
            entries.push(entry("website_admin", (leader.0, other)));
        }
        Some(Flaw::UnknownRole) => entries.push(entry("owner", admin)),
        Some(Flaw::UnknownScenario) => scenario = "renew",
        Some(Flaw::UnknownVariant) => {
            variant = if scenario == "remove_provider" {
                "all"
            } else {
                "none"
            }
        }
        Some(Flaw::BadPhone(k)) => match entries.first_mut() {
            Some(e) => e.1 = nth(&BAD_PHONES, k).into(),
            None => entries.push((
                "entity_leader".into(),
                nth(&BAD_PHONES, k).into(),
                case(leader.1),
            )),
        },
        Some(Flaw::BadCert(k)) => match entries.first_mut() {
            Some(e) => e.2 = nth(&BAD_CERTS, k).into(),
            None => entries.push((
                "entity_leader".into(),
                leader.0.into(),
                nth(&BAD_CERTS, k).into(),
            )),
        },
        Some(Flaw::ExtraKey) => {
            if entries.is_empty() {
                entries.push(entry("entity_leader", leader));
            }
            extra_key = true;
        }
        Some(Flaw::NotAList) => personnel = Some("{}".to_string()),
    }
    let personnel = personnel.unwrap_or_else(|| {
        let items: Vec<String> = entries
            .iter()
            .enumerate()
            .map(|(i, (role, phone, cert))| {
                let o = Obj(String::from("{"))
                    .str("role", role)
                    .str("phone", phone)
                    .str("cert_last6", cert);
                if extra_key && i == 0 {
                    o.str("name", "Li").done()
                } else {
                    o.done()
                }
            })
            .collect();
        format!("[{}]", items.join(","))
    });
    Obj::event("order_submitted", at)
        .str("filing", id)
        .str("scenario", scenario)
        .str("variant", variant)
        .raw("personnel", &personnel)
        .done()
}

/// A line that is bad input in the world `view` shows, with `at` (JSON) where it has a time;
/// and whether the line names that time.
pub fn bad_line(bad: Bad, at: &str, view: &[FilingView]) -> (String, bool) {
    let (phone, cert) = PEOPLE[0];
    let line = match bad {
        Bad::Junk(k) => {
            let lines = [
                "{".to_string(),
                "not json".to_string(),
                "[]".to_string(),
                "null".to_string(),
                String::new(),
                "   ".to_string(),
                format!(r#"{{"type":"tick","at":{at}"#),
                format!(r#"{{"type":"tick" "at":{at}}}"#),
                r#""tick""#.to_string(),
                format!(r#"{{"type":"tick","at":{at}}} {{}}"#),
            ];
            return (lines[usize::from(k) % lines.len()].clone(), false);
        }
        Bad::DuplicateKey => format!(r#"{{"type":"tick","at":{at},"at":{at}}}"#),
        Bad::UnknownType(k) => Obj::event(nth(&UNKNOWN_TYPES, k), at).done(),
        Bad::UnknownField(k) => match k % 3 {
            0 => Obj::event("tick", at).str("note", "x").done(),
            1 => Obj::event("resend_request", at)
                .str("phone", phone)
                .str("cert_last6", cert)
                .str("filing", FILING_IDS[0])
                .done(),
            _ => Obj::event("sms_sent", at)
                .str("filing", FILING_IDS[0])
                .str("phone", phone)
                .str("code", CODES[0])
                .str("sendr", "12381")
                .done(),
        },
        Bad::MissingField(k) => match k % 5 {
            0 => return (r#"{"type":"tick"}"#.to_string(), false),
            1 => format!(r#"{{"at":{at}}}"#),
            2 => Obj::event("validation_attempt", at)
                .str("phone", phone)
                .str("code", CODES[0])
                .done(),
            3 => Obj::event("sms_sent", at)
                .str("filing", FILING_IDS[0])
                .str("phone", phone)
                .done(),
            _ => Obj::event("order_submitted", at)
                .str("filing", "F9")
                .str("scenario", "modify")
                .str("variant", "entity")
                .done(),
        },
        Bad::IllFormatted(k) => {
            let k = usize::from(k);
            match k % 8 {
                0 => Obj::event("resend_request", at)
                    .str("phone", nth(&BAD_PHONES, k / 8))
                    .str("cert_last6", cert)
                    .done(),
                1 => Obj::event("resend_request", at)
                    .str("phone", phone)
                    .str("cert_last6", nth(&BAD_CERTS, k / 8))
                    .done(),
                2 => Obj::event("validation_attempt", at)
                    .str("phone", phone)
                    .str("code", nth(&BAD_CODES, k / 8))
                    .str("cert_last6", cert)
                    .done(),
                3 => Obj::event("order_canceled", at)
                    .str("filing", nth(&BAD_IDS, k / 8))
                    .done(),
                4 => {
                    let line = Obj::event("tick", &quote(nth(&BAD_ATS, k / 8))).done();
                    return (line, false);
                }
                5 => Obj::event("validation_attempt", at)
                    .str("phone", phone)
                    .raw("code", "731946")
                    .str("cert_last6", cert)
                    .done(),
                6 => Obj::event("sms_sent", at)
                    .str("filing", FILING_IDS[0])
                    .str("phone", phone)
                    .str("code", CODES[0])
                    .raw("sender", "12381")
                    .done(),
                _ => {
                    let line = r#"{"type":"tick","at":1764295200}"#.to_string();
                    return (line, false);
                }
            }
        }
        Bad::UnknownFiling(k) => {
            let id = nth(&UNKNOWN_IDS, k);
            match k % 3 {
                0 => Obj::event("order_canceled", at).str("filing", id).done(),
                1 => Obj::event("sms_sent", at)
                    .str("filing", id)
                    .str("phone", phone)
                    .str("code", CODES[0])
                    .done(),
                _ => Obj::event("phone_change", at)
                    .str("filing", id)
                    .str("role", "entity_leader")
                    .str("new_phone", STRANGERS[0].0)
                    .done(),
            }
        }
        Bad::DuplicateFiling(k) => match view.get(usize::from(k) % view.len().max(1)) {
            Some(f) => order_line(
                &Order {
                    id: OrderId::Existing(0),
                    row: 7,
                    leader: 0,
                    admin: Admin::Leader,
                    listing: Listing::Both,
                    lower_x: false,
                    flaw: None,
                },
                at,
                std::slice::from_ref(f),
            ),
            None => return bad_line(Bad::UnknownFiling(k), at, view),
        },
    };
    (line, true)
}
