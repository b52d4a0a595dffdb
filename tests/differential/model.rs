//! An independent reference model of the ICP contract (`shared/icp-contract.md`), written in
//! plain Rust from the contract's words alone, used only to test the engine differentially.
//!
//! Everything the shipped policy keeps in `rules/icp/` is hard-coded here on purpose: this is
//! a second opinion, not a second engine. Where the contract is silent, a `// reading:`
//! comment says what the model chose.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use regex_lite::Regex;
use serde_json::{Map, Value};

/// One output line reduced to what the differential test compares.
#[derive(Debug, PartialEq)]
pub struct Normalized {
    /// The 1-based line number.
    pub seq: usize,
    /// Whether the line was rejected as bad input.
    pub error: bool,
    /// The outcomes, in output order (empty on an error line).
    pub outcomes: Vec<NOutcome>,
}

/// One outcome reduced to filing, status, message ids and required roles.
#[derive(Debug, PartialEq)]
pub struct NOutcome {
    /// The filing id, `None` for an answer about a person.
    pub filing: Option<String>,
    /// The filing's status after the event, `None` for an answer about a person.
    pub status: Option<String>,
    /// The message ids, in order.
    pub messages: Vec<String>,
    /// Present on `order_submitted` outcomes only.
    pub required_roles: Option<Vec<String>>,
}

/// Reads one output line of the engine (contract section 3) into a [`Normalized`].
///
/// Panics with the line when it does not have the contract's shape: a malformed output line
/// is itself a finding.
pub fn normalize(json_line: &str) -> Normalized {
    let v: Value = serde_json::from_str(json_line)
        .unwrap_or_else(|e| panic!("engine output is not JSON ({e}): {json_line}"));
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("engine output is not an object: {json_line}"));
    let seq = obj
        .get("seq")
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("engine output has no numeric `seq`: {json_line}"))
        as usize;
    if let Some(err) = obj.get("error") {
        assert!(
            err.is_string(),
            "engine output `error` is not a string: {json_line}"
        );
        assert!(
            !obj.contains_key("outcomes"),
            "engine output has both `error` and `outcomes`: {json_line}"
        );
        return Normalized {
            seq,
            error: true,
            outcomes: Vec::new(),
        };
    }
    let outcomes = obj
        .get("outcomes")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("engine output has neither `error` nor `outcomes`: {json_line}"));
    let opt_str = |o: &Map<String, Value>, key: &str| -> Option<String> {
        match o.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) => None,
            other => panic!("outcome `{key}` is neither string nor null ({other:?}): {json_line}"),
        }
    };
    let outcomes = outcomes
        .iter()
        .map(|o| {
            let o = o
                .as_object()
                .unwrap_or_else(|| panic!("outcome is not an object: {json_line}"));
            let messages = o
                .get("messages")
                .and_then(Value::as_array)
                .unwrap_or_else(|| panic!("outcome has no `messages` list: {json_line}"))
                .iter()
                .map(|m| {
                    m.get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_else(|| panic!("message without string `id`: {json_line}"))
                        .to_string()
                })
                .collect();
            let required_roles = o.get("required_roles").map(|r| {
                r.as_array()
                    .unwrap_or_else(|| panic!("`required_roles` is not a list: {json_line}"))
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .unwrap_or_else(|| panic!("role is not a string: {json_line}"))
                            .to_string()
                    })
                    .collect()
            });
            NOutcome {
                filing: opt_str(o, "filing"),
                status: opt_str(o, "status"),
                messages,
                required_roles,
            }
        })
        .collect();
    Normalized {
        seq,
        error: false,
        outcomes,
    }
}

/// One filing as [`Model::view`] shows it.
#[derive(Clone, Debug)]
pub struct FilingView {
    /// The filing id.
    pub id: String,
    /// Its status name.
    pub status: &'static str,
    /// When its window ends, once it opened.
    pub window_end: Option<Timestamp>,
    /// Its required people.
    pub people: Vec<PersonView>,
}

/// One required person as [`Model::view`] shows them.
#[derive(Clone, Debug)]
pub struct PersonView {
    /// Their current phone.
    pub phone: String,
    /// Their certificate digits (final `X` upper case).
    pub cert: String,
    /// Whether they validated.
    pub validated: bool,
    /// Their latest code, if one was sent since the order or the last phone change.
    pub code: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Vocabulary (contract section 1), hard-coded.

const ENTITY_LEADER: &str = "entity_leader";
const WEBSITE_ADMIN: &str = "website_admin";
/// All roles, in the roles table's order.
const ROLES: [&str; 2] = [ENTITY_LEADER, WEBSITE_ADMIN];

/// The roles table: (scenario, variant) → required roles, in the table's role order.
const ROLES_TABLE: &[(&str, &str, &[&str])] = &[
    ("first_filing", "website", &[ENTITY_LEADER, WEBSITE_ADMIN]),
    ("first_filing", "website_and_app", &[ENTITY_LEADER]),
    ("first_filing", "app", &[ENTITY_LEADER]),
    ("add_service", "website", &[ENTITY_LEADER, WEBSITE_ADMIN]),
    ("add_service", "website_and_app", &[ENTITY_LEADER]),
    ("add_service", "app", &[ENTITY_LEADER]),
    ("add_provider", "all", &[ENTITY_LEADER, WEBSITE_ADMIN]),
    ("modify", "entity", &[ENTITY_LEADER]),
    ("modify", "service", &[WEBSITE_ADMIN]),
    (
        "modify",
        "entity_and_service",
        &[ENTITY_LEADER, WEBSITE_ADMIN],
    ),
    ("cancel", "entity", &[ENTITY_LEADER]),
    ("cancel", "website", &[WEBSITE_ADMIN]),
    ("cancel", "app", &[WEBSITE_ADMIN]),
    ("remove_provider", "none", &[]),
];

// reading: the contract does not say which comes first for an `sms_sent` from a non-MIIT
// sender that would also be bad input as an MIIT SMS (final or rejected filing, a phone that is
// no required person, a person who already validated): the `unrecognized_sender` answer
// (`true`) or the error (`false`). Section 2 lists those SMSs as bad input without exception
// and says bad input "is an error, not a decision", so the error comes first. (The model
// first said `true`; the differential test found the engine says `false`; see the report.)
const SENDER_BEFORE_STATE_ERRORS: bool = false;

const WINDOW_SECS: i64 = 24 * 60 * 60;
const MAX_FAILURES: u32 = 5;
const MAX_RESENDS: u32 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    AwaitingSync,
    AwaitingValidation,
    PartiallyValidated,
    UnderReview,
    Rejected,
    Canceled,
    NoValidationRequired,
}

impl Status {
    fn name(self) -> &'static str {
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
    fn is_open(self) -> bool {
        matches!(
            self,
            Status::AwaitingValidation | Status::PartiallyValidated
        )
    }
    fn is_final(self) -> bool {
        matches!(
            self,
            Status::UnderReview | Status::Canceled | Status::NoValidationRequired
        )
    }
}

/// One validation record: a required person of a filing (holding one or both roles).
#[derive(Clone, Debug)]
struct Person {
    roles: Vec<&'static str>,
    phone: String,
    /// Normalised: a final `x` is stored as `X`.
    cert: String,
    validated: bool,
    /// The latest code sent; `None` before any SMS or after a phone change.
    code: Option<String>,
    failures: u32,
    resends: u32,
}

#[derive(Clone, Debug)]
struct Filing {
    scenario: &'static str,
    status: Status,
    people: Vec<Person>,
    /// Set by the first accepted MIIT `sms_sent` (unless it would be out of range).
    window_end: Option<Timestamp>,
}

#[derive(Clone, Debug, Default)]
struct World {
    /// Keyed by filing id; a `BTreeMap` so that iteration is in order of filing id.
    // reading: "order of filing id" is the byte-wise order of the id strings.
    filings: BTreeMap<String, Filing>,
    /// The `at` of the last accepted event.
    clock: Option<Timestamp>,
}

/// An outcome as the model produces it.
type Out = NOutcome;

fn out(filing: &str, status: Status, messages: &[&str]) -> Out {
    NOutcome {
        filing: Some(filing.to_string()),
        status: Some(status.name().to_string()),
        messages: messages.iter().map(|m| m.to_string()).collect(),
        required_roles: None,
    }
}

fn person_out(message: &str) -> Out {
    NOutcome {
        filing: None,
        status: None,
        messages: vec![message.to_string()],
        required_roles: None,
    }
}

/// Bad input: the event changes nothing. The text is only for debugging the model.
type Bad = String;

struct Formats {
    filing: Regex,
    phone: Regex,
    cert: Regex,
    code: Regex,
    sender: Regex,
    at: Regex,
}

impl Formats {
    fn new() -> Formats {
        let re = |s: &str| Regex::new(s).expect("model regex");
        Formats {
            filing: re(r"^[A-Za-z0-9_-]{1,64}$"),
            phone: re(r"^1[0-9]{10}$"),
            cert: re(r"^[0-9]{5}[0-9Xx]$"),
            code: re(r"^[0-9]{6}$"),
            sender: re(r"^(12381|106[0-9]{10}12381)$"),
            // reading: `at` is RFC 3339 date-time: `T` (or `t`) separator, seconds required,
            // optional fraction, and an offset (`Z` or ±hh:mm). Space-separated or offset-less
            // forms are errors.
            at: re(
                r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$",
            ),
        }
    }
}

/// The reference model: one world, fed one input line at a time.
pub struct Model {
    world: World,
    seq: usize,
    fmt: Formats,
    /// Why the last line was an error (for debugging and reports).
    pub last_error: Option<String>,
}

impl Default for Model {
    fn default() -> Self {
        Self::new()
    }
}

/// The fields of one event object, consumed as they are read so that leftovers are detected.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn str(&self, key: &str) -> Result<&'a str, Bad> {
        match self.obj.get(key) {
            None => Err(format!("missing field `{key}`")),
            Some(Value::String(s)) => Ok(s),
            Some(v) => Err(format!("field `{key}`: not a string: {v}")),
        }
    }
    fn matching(&self, key: &str, re: &Regex) -> Result<&'a str, Bad> {
        let s = self.str(key)?;
        if re.is_match(s) {
            Ok(s)
        } else {
            Err(format!("field `{key}`: ill-formatted {s:?}"))
        }
    }
    /// Errors on any key outside `allowed` (plus `type` and `at`).
    // reading: an unknown field on an event (or on a personnel entry) is an error.
    fn only(&self, allowed: &[&str]) -> Result<(), Bad> {
        for k in self.obj.keys() {
            if k != "type" && k != "at" && !allowed.contains(&k.as_str()) {
                return Err(format!("unknown field `{k}`"));
            }
        }
        Ok(())
    }
}

/// Parses one JSON value, rejecting an object that names a key twice.
// reading: a key given twice (`{"type":"tick","type":"tick"}`) makes the line ambiguous, so it
// is bad input like malformed JSON (RFC 8259: names SHOULD be unique; parsers disagree on
// which one wins).
fn parse_strict(line: &str) -> Result<Value, Bad> {
    struct Strict(Value);
    impl<'de> serde::Deserialize<'de> for Strict {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
            d.deserialize_any(StrictVisitor).map(Strict)
        }
    }
    struct StrictVisitor;
    impl<'de> serde::de::Visitor<'de> for StrictVisitor {
        type Value = Value;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
            let mut v = Vec::new();
            while let Some(Strict(x)) = a.next_element()? {
                v.push(x);
            }
            Ok(Value::Array(v))
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
            let mut m = Map::new();
            while let Some((k, Strict(v))) = a.next_entry::<String, Strict>()? {
                if m.contains_key(&k) {
                    return Err(serde::de::Error::custom(format!("key `{k}` given twice")));
                }
                m.insert(k, v);
            }
            Ok(Value::Object(m))
        }
    }
    serde_json::from_str::<Strict>(line)
        .map(|s| s.0)
        .map_err(|e| format!("malformed JSON: {e}"))
}

fn norm_cert(c: &str) -> String {
    c.to_ascii_uppercase()
}

impl Model {
    /// A model with an empty world.
    pub fn new() -> Model {
        Model {
            world: World::default(),
            seq: 0,
            fmt: Formats::new(),
            last_error: None,
        }
    }

    /// A view of the world, in order of filing id, for the generator to steer by.
    pub fn view(&self) -> Vec<FilingView> {
        self.world
            .filings
            .iter()
            .map(|(id, f)| FilingView {
                id: id.clone(),
                status: f.status.name(),
                window_end: f.window_end,
                people: f
                    .people
                    .iter()
                    .map(|p| PersonView {
                        phone: p.phone.clone(),
                        cert: p.cert.clone(),
                        validated: p.validated,
                        code: p.code.clone(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// Processes one input line; returns what the engine's output line should normalise to.
    pub fn step(&mut self, line: &str) -> Normalized {
        self.seq += 1;
        // reading: an erroneous event changes nothing at all: the event is evaluated on a
        // copy of the world (expiries included) and the copy is kept only if it is accepted,
        // so neither the clock nor expiries move on an error.
        let mut next = self.world.clone();
        self.last_error = None;
        match self.eval(&mut next, line) {
            Ok(outcomes) => {
                self.world = next;
                Normalized {
                    seq: self.seq,
                    error: false,
                    outcomes,
                }
            }
            Err(why) => {
                self.last_error = Some(why);
                Normalized {
                    seq: self.seq,
                    error: true,
                    outcomes: Vec::new(),
                }
            }
        }
    }

    fn eval(&self, w: &mut World, line: &str) -> Result<Vec<Out>, Bad> {
        // reading: a blank line is malformed JSON like any other.
        let v = parse_strict(line)?;
        let obj = v.as_object().ok_or("not a JSON object")?;
        let f = Fields { obj };
        let ty = f.str("type")?;
        let at_s = f.matching("at", &self.fmt.at)?;
        let at: Timestamp = at_s
            .to_ascii_uppercase()
            .parse()
            .map_err(|e| format!("field `at`: {e}"))?;
        // reading: "the previous event" is the last accepted one (the clock only advances on
        // accepted events); an equal `at` is fine.
        if let Some(clock) = w.clock {
            if at < clock {
                return Err("field `at`: earlier than the previous event".into());
            }
        }
        // Field shapes first (they do not depend on the world).
        let ev = self.parse_event(ty, &f)?;
        w.clock = Some(at);
        let mut outs = expire(w, at);
        outs.extend(self.apply(w, ev)?);
        Ok(outs)
    }

    fn parse_event<'a>(&self, ty: &str, f: &Fields<'a>) -> Result<Event<'a>, Bad> {
        let fm = &self.fmt;
        Ok(match ty {
            "order_submitted" => {
                f.only(&["filing", "scenario", "variant", "personnel"])?;
                let filing = f.matching("filing", &fm.filing)?;
                let scenario = f.str("scenario")?;
                let variant = f.str("variant")?;
                let personnel = match f.obj.get("personnel") {
                    None => return Err("missing field `personnel`".into()),
                    Some(Value::Array(a)) => a,
                    Some(_) => return Err("field `personnel`: not a list".into()),
                };
                let mut entries = Vec::new();
                for p in personnel {
                    let obj = p.as_object().ok_or("personnel entry: not an object")?;
                    let pf = Fields { obj };
                    // `type`/`at` inside an entry are unknown too.
                    for k in obj.keys() {
                        if !["role", "phone", "cert_last6"].contains(&k.as_str()) {
                            return Err(format!("personnel: unknown field `{k}`"));
                        }
                    }
                    let role = pf.str("role")?;
                    let role = ROLES
                        .iter()
                        .find(|r| **r == role)
                        .ok_or_else(|| format!("unknown role {role:?}"))?;
                    // reading: every personnel entry is format-checked, required or not; a
                    // non-required role is otherwise ignored (not compared with others).
                    let phone = pf.matching("phone", &fm.phone)?;
                    let cert = pf.matching("cert_last6", &fm.cert)?;
                    entries.push((*role, phone, norm_cert(cert)));
                }
                Event::Order {
                    filing,
                    scenario,
                    variant,
                    personnel: entries,
                }
            }
            "sms_sent" => {
                f.only(&["filing", "phone", "code", "sender"])?;
                let sender = match f.obj.get("sender") {
                    None => None,
                    // reading: `"sender": null` is ill-formatted, not absent.
                    Some(Value::String(s)) => Some(s.as_str()),
                    Some(v) => return Err(format!("field `sender`: not a string: {v}")),
                };
                Event::Sms {
                    filing: f.matching("filing", &fm.filing)?,
                    phone: f.matching("phone", &fm.phone)?,
                    code: f.matching("code", &fm.code)?,
                    sender,
                }
            }
            "validation_attempt" => {
                f.only(&["phone", "code", "cert_last6"])?;
                Event::Attempt {
                    phone: f.matching("phone", &fm.phone)?,
                    code: f.matching("code", &fm.code)?,
                    cert: norm_cert(f.matching("cert_last6", &fm.cert)?),
                }
            }
            "resend_request" => {
                f.only(&["phone", "cert_last6"])?;
                Event::Resend {
                    phone: f.matching("phone", &fm.phone)?,
                    cert: norm_cert(f.matching("cert_last6", &fm.cert)?),
                }
            }
            "phone_change" => {
                f.only(&["filing", "role", "new_phone"])?;
                let filing = f.matching("filing", &fm.filing)?;
                let role = f.str("role")?;
                let role = ROLES
                    .iter()
                    .find(|r| **r == role)
                    .ok_or_else(|| format!("unknown role {role:?}"))?;
                Event::PhoneChange {
                    filing,
                    role,
                    new_phone: f.matching("new_phone", &fm.phone)?,
                }
            }
            "order_canceled" => {
                f.only(&["filing"])?;
                Event::Cancel {
                    filing: f.matching("filing", &fm.filing)?,
                }
            }
            "tick" => {
                f.only(&[])?;
                Event::Tick
            }
            other => return Err(format!("unknown type {other:?}")),
        })
    }

    fn apply(&self, w: &mut World, ev: Event<'_>) -> Result<Vec<Out>, Bad> {
        match ev {
            Event::Order {
                filing,
                scenario,
                variant,
                personnel,
            } => order(w, filing, scenario, variant, &personnel),
            Event::Sms {
                filing,
                phone,
                code,
                sender,
            } => {
                let f = w
                    .filings
                    .get_mut(filing)
                    .ok_or_else(|| format!("unknown filing {filing:?}"))?;
                // The bad-input checks of section 2 for an SMS (filing state, phone, person).
                let state_error = if f.status.is_final() || f.status == Status::Rejected {
                    Some("sms for a final or rejected filing")
                } else {
                    match f.people.iter().find(|p| p.phone == phone) {
                        None => Some("sms for a phone that is no required person"),
                        Some(p) if p.validated => {
                            Some("sms for a person who has already validated")
                        }
                        Some(_) => None,
                    }
                };
                if sender.is_some_and(|s| !self.fmt.sender.is_match(s)) {
                    match state_error {
                        Some(e) if !SENDER_BEFORE_STATE_ERRORS => return Err(e.into()),
                        _ => return Ok(vec![out(filing, f.status, &["unrecognized_sender"])]),
                    }
                }
                if let Some(e) = state_error {
                    return Err(e.into());
                }
                let p = f
                    .people
                    .iter_mut()
                    .find(|p| p.phone == phone)
                    .expect("checked above");
                p.code = Some(code.to_string());
                if f.status == Status::AwaitingSync {
                    f.status = Status::AwaitingValidation;
                    f.window_end = at_plus_window(w.clock);
                }
                Ok(vec![out(filing, f.status, &[])])
            }
            Event::Attempt { phone, code, cert } => Ok(attempt(w, phone, code, &cert)),
            Event::Resend { phone, cert } => Ok(resend(w, phone, &cert)),
            Event::PhoneChange {
                filing,
                role,
                new_phone,
            } => {
                let f = w
                    .filings
                    .get_mut(filing)
                    .ok_or_else(|| format!("unknown filing {filing:?}"))?;
                let status = f.status;
                let scenario = f.scenario;
                let p = f
                    .people
                    .iter_mut()
                    .find(|p| p.roles.contains(&role))
                    .ok_or("phone_change for a role that is no required person")?;
                let allowed = scenario == "cancel"
                    && (status.is_open() || status == Status::AwaitingSync)
                    && !p.validated;
                if allowed {
                    // reading: the person keeps their failure and resend counts (same person,
                    // new number); the new number may equal the old one.
                    p.phone = new_phone.to_string();
                    p.code = None;
                    Ok(vec![out(filing, status, &["phone_updated"])])
                } else {
                    Ok(vec![out(
                        filing,
                        status,
                        &["phone_change_requires_resubmission"],
                    )])
                }
            }
            Event::Cancel { filing } => {
                let f = w
                    .filings
                    .get_mut(filing)
                    .ok_or_else(|| format!("unknown filing {filing:?}"))?;
                if f.status.is_final() {
                    return Err("cancel of a final filing".into());
                }
                f.status = Status::Canceled;
                Ok(vec![out(filing, f.status, &["order_canceled"])])
            }
            Event::Tick => Ok(Vec::new()),
        }
    }
}

/// The end of a window opened by an SMS at `clock`.
// reading: a window whose end would lie past the last representable instant never ends (no
// event can carry a time at or after it).
fn at_plus_window(clock: Option<Timestamp>) -> Option<Timestamp> {
    let at = clock.expect("clock is set before an event is applied");
    at.checked_add(SignedDuration::from_secs(WINDOW_SECS)).ok()
}

enum Event<'a> {
    Order {
        filing: &'a str,
        scenario: &'a str,
        variant: &'a str,
        personnel: Vec<(&'static str, &'a str, String)>,
    },
    Sms {
        filing: &'a str,
        phone: &'a str,
        code: &'a str,
        sender: Option<&'a str>,
    },
    Attempt {
        phone: &'a str,
        code: &'a str,
        cert: String,
    },
    Resend {
        phone: &'a str,
        cert: String,
    },
    PhoneChange {
        filing: &'a str,
        role: &'static str,
        new_phone: &'a str,
    },
    Cancel {
        filing: &'a str,
    },
    Tick,
}

/// Reading 3: closes every window that ended at or before `at`.
fn expire(w: &mut World, at: Timestamp) -> Vec<Out> {
    let mut due: Vec<(Timestamp, String)> = w
        .filings
        .iter()
        .filter(|(_, f)| f.status.is_open() || f.status == Status::Rejected)
        .filter_map(|(id, f)| {
            f.window_end
                .filter(|end| *end <= at)
                .map(|e| (e, id.clone()))
        })
        .collect();
    due.sort();
    due.into_iter()
        .map(|(_, id)| {
            let f = w.filings.get_mut(&id).expect("due filing exists");
            let msg = if f.status == Status::Rejected {
                "application_canceled"
            } else {
                "validation_window_expired"
            };
            f.status = Status::Canceled;
            out(&id, f.status, &[msg])
        })
        .collect()
}

fn order(
    w: &mut World,
    filing: &str,
    scenario: &str,
    variant: &str,
    personnel: &[(&'static str, &str, String)],
) -> Result<Vec<Out>, Bad> {
    if w.filings.contains_key(filing) {
        return Err(format!("duplicate filing {filing:?}"));
    }
    let (scenario, _, required) = ROLES_TABLE
        .iter()
        .find(|(s, v, _)| *s == scenario && *v == variant)
        .ok_or_else(|| format!("unknown scenario/variant {scenario:?}/{variant:?}"))?;
    let mut people: Vec<Person> = Vec::new();
    for role in required.iter() {
        let mut listed = personnel.iter().filter(|(r, _, _)| r == role);
        let (_, phone, cert) = listed
            .next()
            .ok_or_else(|| format!("missing required role {role}"))?;
        if listed.next().is_some() {
            return Err(format!("required role {role} listed twice"));
        }
        match people.iter_mut().find(|p| p.phone == *phone) {
            Some(p) if p.cert == *cert => p.roles.push(role),
            Some(_) => return Err("same phone, different certificate digits".into()),
            None => people.push(Person {
                roles: vec![role],
                phone: phone.to_string(),
                cert: cert.clone(),
                validated: false,
                code: None,
                failures: 0,
                resends: 0,
            }),
        }
    }
    let (status, msg) = if required.is_empty() {
        // reading: remove_provider answers `no_validation_required` alone (the filing is
        // final at once, so the "order submitted, wait for the SMS" notice does not apply).
        (Status::NoValidationRequired, "no_validation_required")
    } else {
        (Status::AwaitingSync, "order_submitted")
    };
    w.filings.insert(
        filing.to_string(),
        Filing {
            scenario,
            status,
            people,
            window_end: None,
        },
    );
    let mut o = out(filing, status, &[msg]);
    // reading: required_roles are listed in the roles table's order.
    o.required_roles = Some(required.iter().map(|r| r.to_string()).collect());
    Ok(vec![o])
}

/// Reading 4: the pending records with `phone`, as (filing id, person index), in filing order.
fn pending_with_phone(w: &World, phone: &str) -> Vec<(String, usize)> {
    let mut v = Vec::new();
    for (id, f) in &w.filings {
        if !f.status.is_open() {
            continue;
        }
        for (i, p) in f.people.iter().enumerate() {
            if p.phone == phone && !p.validated && p.code.is_some() {
                v.push((id.clone(), i));
            }
        }
    }
    v
}

/// Readings 5 and 6.
fn attempt(w: &mut World, phone: &str, code: &str, cert: &str) -> Vec<Out> {
    let pending = pending_with_phone(w, phone);
    if pending.is_empty() {
        return vec![person_out("record_not_found_or_complete")];
    }
    let matching: Vec<&(String, usize)> = pending
        .iter()
        .filter(|(id, i)| {
            let p = &w.filings[id].people[*i];
            p.code.as_deref() == Some(code) && p.cert == cert
        })
        .collect();
    let mut outs = Vec::new();
    if !matching.is_empty() {
        // reading: when several pending records of this phone match, each one is validated;
        // the non-matching ones do not change (no failure counted on them).
        for (id, i) in matching {
            let f = w.filings.get_mut(id).expect("pending filing exists");
            f.people[*i].validated = true;
            if f.people.iter().all(|p| p.validated) {
                f.status = Status::UnderReview;
                outs.push(out(id, f.status, &["validation_complete"]));
            } else {
                f.status = Status::PartiallyValidated;
                outs.push(out(id, f.status, &["validation_complete_waiting"]));
            }
        }
    } else {
        for (id, i) in &pending {
            let f = w.filings.get_mut(id).expect("pending filing exists");
            let p = &mut f.people[*i];
            p.failures += 1;
            if p.failures >= MAX_FAILURES {
                f.status = Status::Rejected;
                outs.push(out(
                    id,
                    f.status,
                    &["validation_failed", "application_rejected"],
                ));
            } else {
                outs.push(out(id, f.status, &["validation_failed"]));
            }
        }
    }
    outs
}

/// Reading 7.
fn resend(w: &mut World, phone: &str, cert: &str) -> Vec<Out> {
    // reading: "people" are the required people of every filing, whatever its status; a
    // non-required role listed in personnel is nobody.
    let known = w
        .filings
        .values()
        .any(|f| f.people.iter().any(|p| p.phone == phone && p.cert == cert));
    if !known {
        return vec![person_out("resend_record_not_found")];
    }
    let pending: Vec<(String, usize)> = pending_with_phone(w, phone)
        .into_iter()
        .filter(|(id, i)| w.filings[id].people[*i].cert == cert)
        .collect();
    if pending.is_empty() {
        return vec![person_out("resend_no_pending")];
    }
    pending
        .iter()
        .map(|(id, i)| {
            let f = w.filings.get_mut(id).expect("pending filing exists");
            let p = &mut f.people[*i];
            let msg = if p.resends < MAX_RESENDS {
                p.resends += 1;
                "resend_success"
            } else {
                "resend_limit_reached"
            };
            out(id, f.status, &[msg])
        })
        .collect()
}
