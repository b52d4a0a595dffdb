//! A seeded generator of ICP event streams (JSON lines) that hits the contract's corners often:
//! few filings over few phones, certificates and codes, windows ending, runs of failures, bad
//! fields, malformed lines.
//!
//! It steers by a [`Model`] of its own (which filings are open, who has a code pending, when
//! windows end) so that most events are plausible. The model's verdicts only shape the stream;
//! they are not what the differential test compares against (that is a fresh model).

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use serde_json::{json, Map, Value};

use super::model::{FilingView, Model};

/// SplitMix64: small, fast, good enough to spread test cases, and fully deterministic.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (the same seed always gives the same numbers).
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }
    /// True with probability `pct`%.
    pub fn pct(&mut self, pct: u32) -> bool {
        self.below(100) < pct as usize
    }
    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

// Byte order and numeric order differ here ("F10" < "F2"; "F-4" first, "a3" last).
const FILINGS: [&str; 5] = ["F1", "F2", "F10", "a3", "F-4"];
// Pools chosen so that no code or certificate is a substring of a phone or a timestamp (the
// test looks for leaked secrets in the output).
const PHONES: [&str; 4] = ["13800000001", "13900000002", "15000000003", "18600000004"];
const CERTS: [&str; 3] = ["12345X", "678905", "24681x"];
const CODES: [&str; 4] = ["000111", "004213", "731946", "582014"];

const BAD_FILINGS: [&str; 4] = ["", "F 1", "F1!", "F9"];
const BAD_PHONES: [&str; 5] = [
    "1380000000",
    "23800000001",
    "138000000012",
    "1380000000a",
    "+8613800000001",
];
const BAD_CERTS: [&str; 5] = ["12345", "12345Y", "1234567", "X12345", "12 45X"];
const BAD_CODES: [&str; 4] = ["12a456", "12345", "1234567", " 00011"];

const GOOD_SENDERS: [&str; 3] = ["12381", "106123456789012381", "106000000000012381"];
const BAD_SENDERS: [&str; 5] = [
    "10690012381",
    "95555",
    "1061234567890123810",
    "12382",
    "106123456789012382",
];

/// (scenario, variant) pairs of the roles table.
const PAIRS: [(&str, &str); 14] = [
    ("first_filing", "website"),
    ("first_filing", "website_and_app"),
    ("first_filing", "app"),
    ("add_service", "website"),
    ("add_service", "website_and_app"),
    ("add_service", "app"),
    ("add_provider", "all"),
    ("modify", "entity"),
    ("modify", "service"),
    ("modify", "entity_and_service"),
    ("cancel", "entity"),
    ("cancel", "website"),
    ("cancel", "app"),
    ("remove_provider", "none"),
];
const BAD_PAIRS: [(&str, &str); 4] = [
    ("renew", "website"),
    ("cancel", "all"),
    ("first_filing", "none"),
    ("remove_provider", "website"),
];
const ROLES: [&str; 2] = ["entity_leader", "website_admin"];

fn is_live(status: &str) -> bool {
    matches!(
        status,
        "awaiting_sync" | "awaiting_validation" | "partially_validated"
    )
}

/// A stream generator.
pub struct Gen {
    rng: Rng,
    now: Timestamp,
    /// The world as the steering model sees it.
    view: Vec<FilingView>,
    /// The phone and certificate of the last attempt, to repeat (failures come in runs).
    last_attempt: Option<(String, String)>,
    /// How many more events are forced to be validation attempts.
    burst: usize,
}

impl Gen {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Gen {
        Gen {
            rng: Rng::new(seed),
            now: "2026-11-28T01:00:00Z".parse().expect("start time"),
            view: Vec::new(),
            last_attempt: None,
            burst: 0,
        }
    }

    /// A whole stream of `n` lines.
    pub fn stream(seed: u64, n: usize) -> Vec<String> {
        let mut g = Gen::new(seed);
        let mut m = Model::new();
        (0..n)
            .map(|_| {
                let line = g.line();
                m.step(&line);
                g.view = m.view();
                line
            })
            .collect()
    }

    /// Moves the clock on; returns the time of the next event.
    fn advance(&mut self) -> Timestamp {
        let r = &mut self.rng;
        let secs = match r.below(100) {
            0..=44 => r.range(0, 120),
            45..=79 => r.range(60, 1800),
            80..=87 => r.range(1800, 3 * 3600),
            88..=90 => r.range(6 * 3600, 30 * 3600),
            91..=96 => {
                // An earlier time, once: the next events go on from the real clock.
                let back = r.range(1, 7200);
                return self.now - SignedDuration::from_secs(back);
            }
            _ => {
                // Land exactly on (or just around) a window's end.
                let ends: Vec<Timestamp> = self.view.iter().filter_map(|f| f.window_end).collect();
                if ends.is_empty() {
                    r.range(0, 600)
                } else {
                    let end = *r.pick(&ends);
                    let delta = *r.pick(&[0, 0, 0, -1, 1]);
                    let target = end + SignedDuration::from_secs(delta);
                    target.duration_since(self.now).as_secs().max(0)
                }
            }
        };
        self.now += SignedDuration::from_secs(secs);
        self.now
    }

    /// `t` written with one of a few offsets, or (rarely) something that is no timestamp.
    fn at(&mut self, t: Timestamp) -> Value {
        let r = &mut self.rng;
        match r.below(200) {
            0 => return json!("2026-11-28 10:00:00"),
            1 => return json!("2026-11-28T10:00:00"),
            2 => return json!(1764295200),
            3 => return json!("yesterday"),
            _ => {}
        }
        let offset_hours = *r.pick(&[8, 8, 8, 8, 0, -5]);
        if offset_hours == 0 && r.pct(50) {
            return json!(t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
        let tz = TimeZone::fixed(jiff::tz::offset(offset_hours));
        json!(t.to_zoned(tz).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
    }

    /// A filing id: mostly a live one, sometimes a final, unknown or ill-formatted one.
    fn filing_id(&mut self) -> String {
        if self.rng.pct(3) {
            return self.rng.pick(&BAD_FILINGS).to_string();
        }
        let live: Vec<String> = self
            .view
            .iter()
            .filter(|f| is_live(f.status))
            .map(|f| f.id.clone())
            .collect();
        if !live.is_empty() && self.rng.pct(80) {
            return self.rng.pick(&live).clone();
        }
        if !self.view.is_empty() && self.rng.pct(85) {
            let i = self.rng.below(self.view.len());
            return self.view[i].id.clone();
        }
        self.rng.pick(&FILINGS).to_string()
    }

    fn phone(&mut self) -> String {
        if self.rng.pct(3) {
            self.rng.pick(&BAD_PHONES).to_string()
        } else {
            self.rng.pick(&PHONES).to_string()
        }
    }

    fn cert(&mut self) -> String {
        if self.rng.pct(3) {
            self.rng.pick(&BAD_CERTS).to_string()
        } else {
            let c = self.rng.pick(&CERTS).to_string();
            self.flip_x(c)
        }
    }

    /// Sometimes writes a final `X` as `x` or the other way round.
    fn flip_x(&mut self, c: String) -> String {
        if self.rng.pct(30) {
            if let Some(s) = c.strip_suffix('X') {
                return format!("{s}x");
            }
            if let Some(s) = c.strip_suffix('x') {
                return format!("{s}X");
            }
        }
        c
    }

    fn code(&mut self) -> String {
        if self.rng.pct(3) {
            self.rng.pick(&BAD_CODES).to_string()
        } else {
            self.rng.pick(&CODES).to_string()
        }
    }

    /// The required people of every filing: (phone, cert, code if pending).
    fn people(&self) -> Vec<(String, String, Option<String>)> {
        self.view
            .iter()
            .flat_map(|f| {
                let open = matches!(f.status, "awaiting_validation" | "partially_validated");
                f.people.iter().map(move |p| {
                    let pending = open && !p.validated;
                    (
                        p.phone.clone(),
                        p.cert.clone(),
                        p.code.clone().filter(|_| pending),
                    )
                })
            })
            .collect()
    }

    /// A phone, certificate and (pending) code of somebody, mostly with something pending.
    fn somebody(&mut self) -> (String, String, Option<String>) {
        let people = self.people();
        let pending: Vec<_> = people.iter().filter(|p| p.2.is_some()).cloned().collect();
        let (p, c, code) = if !pending.is_empty() && self.rng.pct(70) {
            self.rng.pick(&pending).clone()
        } else if !people.is_empty() && self.rng.pct(80) {
            self.rng.pick(&people).clone()
        } else {
            return (self.phone(), self.cert(), None);
        };
        let c = if self.rng.pct(8) {
            self.cert()
        } else {
            self.flip_x(c)
        };
        let p = if self.rng.pct(4) { self.phone() } else { p };
        (p, c, code)
    }

    /// One input line.
    pub fn line(&mut self) -> String {
        let t = self.advance();
        let live = self.view.iter().filter(|f| is_live(f.status)).count();
        let r = if self.burst > 0 {
            self.burst -= 1;
            50
        } else if live < 2 && self.view.len() < FILINGS.len() && self.rng.pct(50) {
            // Keep a couple of filings going.
            2
        } else {
            match self.rng.below(100) {
                // No fresh filing id left: most orders would only be duplicates.
                r @ 2..=13 if self.view.len() >= FILINGS.len() && self.rng.pct(75) => r + 12,
                r => r,
            }
        };
        if r < 1 {
            if self.rng.pct(30) {
                // A key given twice (json! cannot write that).
                let at = t.strftime("%Y-%m-%dT%H:%M:%SZ");
                return format!(r#"{{"type":"tick","at":"{at}","at":"{at}"}}"#);
            }
            return self
                .rng
                .pick(&[
                    "{",
                    "not json",
                    "[]",
                    "{\"type\":\"tick\",\"at\":\"2026-11-28T10:00:00+08:00\"",
                    "null",
                    "{\"type\":\"tick\" \"at\":1}",
                    "",
                ])
                .to_string();
        }
        let at = self.at(t);
        let mut ev: Map<String, Value> = Map::new();
        ev.insert("at".into(), at);
        match r {
            1 => {
                let ty = *self
                    .rng
                    .pick(&["Tick", "sms", "validation", "order_cancelled"]);
                ev.insert("type".into(), json!(ty));
            }
            2..=13 => self.order(&mut ev),
            14..=37 => self.sms(&mut ev),
            38..=67 => self.attempt(&mut ev),
            68..=79 => {
                ev.insert("type".into(), json!("resend_request"));
                let (p, c, _) = self.somebody();
                ev.insert("phone".into(), json!(p));
                ev.insert("cert_last6".into(), json!(c));
            }
            80..=85 => {
                ev.insert("type".into(), json!("phone_change"));
                let f = self.filing_id();
                ev.insert("filing".into(), json!(f));
                let role = if self.rng.pct(4) {
                    "owner"
                } else {
                    self.rng.pick(&ROLES)
                };
                ev.insert("role".into(), json!(role));
                let p = self.phone();
                ev.insert("new_phone".into(), json!(p));
            }
            86..=88 => {
                ev.insert("type".into(), json!("order_canceled"));
                let f = self.filing_id();
                ev.insert("filing".into(), json!(f));
            }
            _ => {
                ev.insert("type".into(), json!("tick"));
            }
        }
        self.damage(&mut ev);
        Value::Object(ev).to_string()
    }

    /// Occasionally drops a field or adds one the event does not have.
    fn damage(&mut self, ev: &mut Map<String, Value>) {
        if self.rng.pct(2) && !ev.is_empty() {
            let keys: Vec<String> = ev.keys().cloned().collect();
            let k = self.rng.pick(&keys).clone();
            ev.remove(&k);
        }
        if self.rng.pct(2) {
            let k = *self.rng.pick(&["note", "filing", "sender", "phone"]);
            if !ev.contains_key(k) {
                let v = match k {
                    "filing" => json!("F1"),
                    "sender" => json!("12381"),
                    "phone" => json!(PHONES[0]),
                    _ => json!("x"),
                };
                ev.insert(k.into(), v);
            }
        }
    }

    fn order(&mut self, ev: &mut Map<String, Value>) {
        ev.insert("type".into(), json!("order_submitted"));
        // Mostly a fresh id, sometimes a duplicate or a bad one.
        let fresh: Vec<&str> = FILINGS
            .iter()
            .copied()
            .filter(|f| !self.view.iter().any(|v| v.id == *f))
            .collect();
        let id = if !fresh.is_empty() && self.rng.pct(85) {
            fresh[0].to_string()
        } else {
            self.filing_id()
        };
        let (scenario, variant) = if self.rng.pct(5) {
            *self.rng.pick(&BAD_PAIRS)
        } else {
            *self.rng.pick(&PAIRS)
        };
        ev.insert("filing".into(), json!(id));
        ev.insert("scenario".into(), json!(scenario));
        ev.insert("variant".into(), json!(variant));
        // Personnel: both roles mostly; often one person holding both.
        let (p1, c1) = (self.phone(), self.cert());
        let mut people = vec![("entity_leader", p1.clone(), c1.clone())];
        let (p2, c2) = match self.rng.below(10) {
            0..=2 => (p1.clone(), self.flip_x(c1.clone())),
            3 => (p1.clone(), self.cert()),
            _ => (self.phone(), self.cert()),
        };
        people.push(("website_admin", p2, c2));
        match self.rng.below(25) {
            0 => {
                people.remove(self.rng.below(2));
            }
            1 => {
                let dup = people[self.rng.below(2)].clone();
                people.push(dup);
            }
            2 => people.push(("owner", self.phone(), self.cert())),
            3 => people.clear(),
            4 | 5 => people.reverse(),
            _ => {}
        }
        let mut list: Vec<Value> = people
            .iter()
            .map(|(r, p, c)| json!({"role": r, "phone": p, "cert_last6": c}))
            .collect();
        if self.rng.pct(3) && !list.is_empty() {
            let i = self.rng.below(list.len());
            if let Some(o) = list[i].as_object_mut() {
                if self.rng.pct(50) {
                    o.remove("cert_last6");
                } else {
                    o.insert("name".into(), json!("Li"));
                }
            }
        }
        ev.insert("personnel".into(), Value::Array(list));
    }

    fn sms(&mut self, ev: &mut Map<String, Value>) {
        ev.insert("type".into(), json!("sms_sent"));
        let id = self.filing_id();
        let people: Vec<(String, bool)> = self
            .view
            .iter()
            .find(|f| f.id == id)
            .map(|f| {
                f.people
                    .iter()
                    .map(|p| (p.phone.clone(), p.validated))
                    .collect()
            })
            .unwrap_or_default();
        let waiting: Vec<String> = people
            .iter()
            .filter(|p| !p.1)
            .map(|p| p.0.clone())
            .collect();
        let phone = if !waiting.is_empty() && self.rng.pct(85) {
            self.rng.pick(&waiting).clone()
        } else if !people.is_empty() && self.rng.pct(50) {
            self.rng.pick(&people).0.clone()
        } else {
            self.phone()
        };
        let code = self.code();
        ev.insert("filing".into(), json!(id));
        ev.insert("phone".into(), json!(phone));
        ev.insert("code".into(), json!(code));
        match self.rng.below(100) {
            0..=59 => {}
            60..=86 => {
                let s = *self.rng.pick(&GOOD_SENDERS);
                ev.insert("sender".into(), json!(s));
            }
            _ => {
                let s = *self.rng.pick(&BAD_SENDERS);
                ev.insert("sender".into(), json!(s));
            }
        }
    }

    fn attempt(&mut self, ev: &mut Map<String, Value>) {
        ev.insert("type".into(), json!("validation_attempt"));
        let sticky = self.burst > 0 || self.rng.pct(20);
        let (phone, cert, pending) = match self.last_attempt.clone() {
            Some((p, c)) if sticky => (p, c, None),
            _ => self.somebody(),
        };
        if self.burst == 0 && self.rng.pct(7) {
            // A run of attempts by the same person, mostly failing.
            self.burst = self.rng.range(3, 6) as usize;
        }
        self.last_attempt = Some((phone.clone(), cert.clone()));
        let code = match pending {
            Some(c) if self.burst == 0 && self.rng.pct(55) => c,
            _ => self.code(),
        };
        ev.insert("phone".into(), json!(phone));
        ev.insert("code".into(), json!(code));
        ev.insert("cert_last6".into(), json!(cert));
    }
}
