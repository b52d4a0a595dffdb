//! A realistic, deterministic stream of ICP events: many filings, each living its own life,
//! interleaved in time, with ticks as time passes.
//!
//! Filing `i` is ordered at 08:00 on 2026-11-28 + 2 s·i (+ up to 1 s), so that about 43 000
//! filings are inside their 24 h window at once when the stream is long. Its life, drawn from
//! a hash of `i` (no random state: the same `i` always gives the same events):
//!
//! - scenario: 50 % `first_filing/website` and 10 % each `modify/entity_and_service` and
//!   `add_service/website` (two people; one time in ten the same person holds both roles),
//!   20 % `first_filing/app` (one person), 5 % `cancel/website` (the website administrator;
//!   40 % of them report a new phone before the first SMS: `phone_updated`), 5 %
//!   `remove_provider/none` (`no_validation_required`, nothing more);
//! - 30 to 60 min after the order, MIIT sends every required person a code (from no sender,
//!   `12381` or `106…12381`); 3 % of filings also get an SMS from an unknown sender;
//! - fate: 75 % complete (every person validates), 10 % abandoned (the window expires:
//!   `validation_window_expired`), 5 % rejected (the last person fails five times, and the
//!   application is canceled when the window ends), 10 % canceled by the applicant;
//! - each person, before validating: 70 % fail 1 to 4 times (a wrong code, or the wrong
//!   certificate digits), 55 % ask for a resend (then a new SMS; a quarter of them twice);
//!   after validating, 40 % try once more (`record_not_found_or_complete`);
//! - noise, per filing: 30 % try before any SMS came, 40 % type an unknown phone, 20 % ask for
//!   a resend with an unknown phone;
//! - a `tick` every 5 minutes, from the first order until 25 h after the last event, so that
//!   every window ends inside the stream.
//!
//! Every event is accepted (the benchmarks check it); the counts per event type and per message
//! are printed when the stream is checked.

use super::{attempt, cancel, ms, order, phone_change, resend, sms, stamp, tick, HOUR, MINUTE};
use std::collections::BTreeMap;

/// The lines of a stream, and how many events of each type it holds.
pub struct Stream {
    /// One JSON event per line, in time order.
    pub lines: Vec<String>,
    /// How many filings it orders.
    pub filings: usize,
    /// Events per `type`.
    pub by_type: BTreeMap<&'static str, usize>,
}

/// One event before the stream is put in time order.
struct Ev {
    at: i64,
    filing: usize,
    n: u32,
    ty: &'static str,
    line: String,
}

/// SplitMix64: a good, cheap hash of (filing, purpose).
fn mix(i: usize, salt: u64) -> u64 {
    let mut z = (i as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xD1B5_4A32_D192_ED03))
        .wrapping_add(0x632B_E59B_D9B3_E7E5);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Person {
    phone: String,
    cert: String,
    code: String,
}

/// The events of one filing's life.
struct Life {
    i: usize,
    id: String,
    salt: u64,
    at: i64,
    events: Vec<Ev>,
}

impl Life {
    /// A fresh draw in 0..n.
    fn roll(&mut self, n: u64) -> u64 {
        self.salt += 1;
        mix(self.i, self.salt) % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.roll(100) < percent
    }

    fn code(&mut self) -> String {
        format!("{:06}", self.roll(1_000_000))
    }

    /// Moves the clock 1 to 10 minutes on.
    fn later(&mut self) -> String {
        self.at += MINUTE + self.roll(9 * MINUTE as u64) as i64;
        stamp(self.at)
    }

    fn push(&mut self, ty: &'static str, line: String) {
        let n = self.events.len() as u32;
        self.events.push(Ev {
            at: self.at,
            filing: self.i,
            n,
            ty,
            line,
        });
    }

    fn sms(&mut self, p: &mut Person) {
        let at = self.later();
        p.code = self.code();
        let sender = match self.roll(10) {
            0..=6 => None,
            7 | 8 => Some("12381".to_string()),
            _ => Some(format!("106{:010}12381", self.roll(10_000_000_000))),
        };
        let line = sms(&at, &self.id, &p.phone, &p.code, sender.as_deref());
        self.push("sms_sent", line);
    }

    /// A failed attempt: a wrong code, or the right code with the wrong certificate digits.
    fn fail(&mut self, p: &Person) {
        let at = self.later();
        let line = if self.roll(3) < 2 {
            let current: u64 = p.code.parse().expect("six digits");
            let wrong = (current + 1 + self.roll(999_998)) % 1_000_000;
            attempt(&at, &p.phone, &format!("{wrong:06}"), &p.cert)
        } else {
            let first = (p.cert.as_bytes()[0] - b'0' + 1) % 10;
            let cert = format!("{first}{}", &p.cert[1..]);
            attempt(&at, &p.phone, &p.code, &cert)
        };
        self.push("validation_attempt", line);
    }

    /// What one person does while the window is open.
    fn person(&mut self, p: &mut Person, validate: bool) {
        if self.chance(70) {
            for _ in 0..1 + self.roll(4) {
                self.fail(p);
            }
        }
        if self.chance(55) {
            let times = if self.chance(25) { 2 } else { 1 };
            for _ in 0..times {
                let at = self.later();
                self.push("resend_request", resend(&at, &p.phone, &p.cert));
                self.sms(p);
            }
        }
        if validate {
            let at = self.later();
            let cert = if p.cert.ends_with('X') && self.chance(20) {
                p.cert.to_lowercase()
            } else {
                p.cert.clone()
            };
            self.push("validation_attempt", attempt(&at, &p.phone, &p.code, &cert));
            if self.chance(40) {
                let at = self.later();
                self.push(
                    "validation_attempt",
                    attempt(&at, &p.phone, &p.code, &p.cert),
                );
            }
        }
    }
}

fn cert(h: u64) -> String {
    let digits = h % 100_000;
    if (h / 100_000).is_multiple_of(10) {
        format!("{digits:05}X")
    } else {
        format!("{digits:05}{}", h / 1_000_000 % 10)
    }
}

/// The events of filing `i`, ordered at `at`.
fn life(i: usize, at: i64, out: &mut Vec<Ev>) {
    let mut l = Life {
        i,
        id: format!("S{i:07}"),
        salt: 100,
        at,
        events: Vec::with_capacity(16),
    };
    let (scenario, variant, required): (&str, &str, &[&str]) = match mix(i, 1) % 100 {
        0..=4 => ("remove_provider", "none", &[]),
        5..=9 => ("cancel", "website", &["website_admin"]),
        10..=59 => (
            "first_filing",
            "website",
            &["entity_leader", "website_admin"],
        ),
        60..=79 => ("first_filing", "app", &["entity_leader"]),
        80..=89 => (
            "modify",
            "entity_and_service",
            &["entity_leader", "website_admin"],
        ),
        _ => (
            "add_service",
            "website",
            &["entity_leader", "website_admin"],
        ),
    };
    let leader = (format!("13{i:09}"), cert(mix(i, 2)));
    let admin = if mix(i, 3).is_multiple_of(10) {
        leader.clone()
    } else {
        (format!("15{i:09}"), cert(mix(i, 4)))
    };
    let listed: Vec<(&str, &str, &str)> =
        if required == ["entity_leader"] && mix(i, 5).is_multiple_of(2) {
            vec![("entity_leader", &leader.0, &leader.1)]
        } else {
            vec![
                ("entity_leader", &leader.0, &leader.1),
                ("website_admin", &admin.0, &admin.1),
            ]
        };
    let line = order(&stamp(at), &l.id, scenario, variant, &listed);
    l.push("order_submitted", line);

    // The required people, one per (phone, certificate).
    let mut people: Vec<Person> = Vec::new();
    for role in required {
        let (phone, cert) = if *role == "entity_leader" {
            &leader
        } else {
            &admin
        };
        if !people.iter().any(|p| &p.phone == phone) {
            people.push(Person {
                phone: phone.clone(),
                cert: cert.clone(),
                code: String::new(),
            });
        }
    }
    if !people.is_empty() {
        if scenario == "cancel" && l.chance(40) {
            let at = l.later();
            let new_phone = format!("16{i:09}");
            let line = phone_change(&at, &l.id, "website_admin", &new_phone);
            l.push("phone_change", line);
            people[0].phone = new_phone;
        }
        if l.chance(30) {
            let at = l.later();
            let code = l.code();
            let p = &people[0];
            l.push("validation_attempt", attempt(&at, &p.phone, &code, &p.cert));
        }
        // MIIT syncs 30 to 60 minutes after the order.
        l.at = at + 30 * MINUTE + l.roll(30 * MINUTE as u64) as i64;
        for p in people.iter_mut() {
            l.sms(p);
        }
        if l.chance(3) {
            let at = l.later();
            let code = l.code();
            let line = sms(&at, &l.id, &people[0].phone, &code, Some("95555"));
            l.push("sms_sent", line);
        }
        if l.chance(40) {
            let at = l.later();
            let code = l.code();
            l.push(
                "validation_attempt",
                attempt(&at, &format!("17{i:09}"), &code, &people[0].cert),
            );
        }
        if l.chance(20) {
            let at = l.later();
            l.push(
                "resend_request",
                resend(&at, &format!("18{i:09}"), &people[0].cert),
            );
        }
        let last = people.len() - 1;
        match l.roll(100) {
            // complete
            0..=74 => {
                for p in people.iter_mut() {
                    l.person(p, true);
                }
            }
            // abandoned: the window expires
            75..=84 => {
                if l.chance(50) {
                    l.fail(&people[0]);
                }
            }
            // rejected: the last person fails five times
            85..=89 => {
                for p in people[..last].iter_mut() {
                    l.person(p, true);
                }
                for _ in 0..5 {
                    l.fail(&people[last]);
                }
                if l.chance(50) {
                    let at = l.later();
                    let p = &people[last];
                    l.push("resend_request", resend(&at, &p.phone, &p.cert));
                }
            }
            // canceled by the applicant
            _ => {
                if last > 0 {
                    l.person(&mut people[0], true);
                } else if l.chance(50) {
                    l.fail(&people[0]);
                }
                let at = l.later();
                let line = cancel(&at, &l.id);
                l.push("order_canceled", line);
                if l.chance(10) {
                    let at = l.later();
                    let p = &people[last];
                    l.push(
                        "validation_attempt",
                        attempt(&at, &p.phone, &p.code, &p.cert),
                    );
                }
            }
        }
    }
    out.append(&mut l.events);
}

/// The stream of `filings` filings' lives, with ticks.
pub fn mixed(filings: usize) -> Stream {
    let start = ms("2026-11-28T08:00:00+08:00");
    let mut events = Vec::with_capacity(filings * 10);
    for i in 0..filings {
        let at = start + 2_000 * i as i64 + (mix(i, 0) % 1_000) as i64;
        life(i, at, &mut events);
    }
    let end = events.iter().map(|e| e.at).max().unwrap_or(start) + 25 * HOUR;
    let mut t = start;
    let mut n = 0;
    while t <= end {
        events.push(Ev {
            at: t,
            filing: usize::MAX,
            n,
            ty: "tick",
            line: tick(&stamp(t)),
        });
        t += 5 * MINUTE;
        n += 1;
    }
    events.sort_by_key(|e| (e.at, e.filing, e.n));
    let mut by_type = BTreeMap::new();
    for e in &events {
        *by_type.entry(e.ty).or_insert(0) += 1;
    }
    Stream {
        lines: events.into_iter().map(|e| e.line).collect(),
        filings,
        by_type,
    }
}
