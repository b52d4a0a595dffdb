//! The world and the state machine: filings, an index from phone to the records that can still
//! validate, a deadline queue, and the handlers of contract §4.
//!
//! An event is checked against the world as it will be once the expiries its time triggers
//! are applied (a filing whose window ended at or before `at` counts as canceled), and only
//! then is anything changed: no copy of the world is made, and an error changes nothing.

use crate::decode::Ev;
use crate::hash::FxMap;
use crate::vocab::{self, is_cancel, Msg, Status, MAX_FAILURES, MAX_RESENDS, WINDOW_SECS};
use crate::Bad;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;

/// A code slot with no code.
const NO_CODE: u32 = u32::MAX;

/// One validation record: a required person of a filing, holding one or both roles.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Person {
    /// Role set (`vocab::role_bit`).
    pub roles: u8,
    pub phone: u64,
    /// `vocab::cert`'s number.
    pub cert: u32,
    /// The latest code, or `NO_CODE`.
    pub code: u32,
    pub validated: bool,
    pub failures: u32,
    pub resends: u32,
}

impl Person {
    pub(crate) fn code(&self) -> Option<u32> {
        (self.code != NO_CODE).then_some(self.code)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Filing {
    pub id: Box<str>,
    /// The roles-table row.
    pub pair: u8,
    pub status: Status,
    pub window_end: Option<Timestamp>,
    pub people: [Person; 2],
    pub len: u8,
}

impl Filing {
    pub(crate) fn people(&self) -> &[Person] {
        &self.people[..usize::from(self.len)]
    }

    /// The status once the expiries due at `at` are applied (reading 3).
    fn status_at(&self, at: Timestamp) -> Status {
        match self.window_end {
            Some(end)
                if end <= at && (self.status.is_open() || self.status == Status::Rejected) =>
            {
                Status::Canceled
            }
            _ => self.status,
        }
    }
}

/// A record: (filing index, person index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rec {
    pub filing: u32,
    pub person: u8,
}

/// One outcome in compact form.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Out {
    /// The filing index, or `None` for an answer about a person.
    pub filing: Option<u32>,
    pub status: Status,
    pub msgs: [Msg; 2],
    pub len: u8,
    /// On order outcomes: the required role set.
    pub roles: Option<u8>,
}

impl Out {
    fn filing(f: u32, status: Status, msgs: &[Msg]) -> Out {
        let mut m = [Msg::OrderSubmitted; 2];
        m[..msgs.len()].copy_from_slice(msgs);
        Out {
            filing: Some(f),
            status,
            msgs: m,
            len: msgs.len() as u8,
            roles: None,
        }
    }
    fn person(msg: Msg) -> Out {
        Out {
            filing: None,
            status: Status::Canceled,
            msgs: [msg; 2],
            len: 1,
            roles: None,
        }
    }
    pub(crate) fn msgs(&self) -> &[Msg] {
        &self.msgs[..usize::from(self.len)]
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct World {
    pub clock: Option<Timestamp>,
    pub filings: Vec<Filing>,
    by_id: FxMap<Box<str>, u32>,
    /// Phone → the records of that phone that are not validated and whose filing is awaiting
    /// sync or open, in order of filing id. The pending records are those among them with a
    /// code whose filing is open (reading 4).
    live: FxMap<u64, Vec<Rec>>,
    /// (phone, cert) → how many records of any filing have them (reading 7: "somebody").
    known: FxMap<(u64, u32), u32>,
    /// (window end, filing id, filing index) of every open or rejected filing whose window
    /// opened: the expiries still to apply, in order (reading 3).
    pub queue: BTreeSet<(Timestamp, Box<str>, u32)>,
    /// Scratch list of records, reused across events.
    scratch: Vec<Rec>,
}

fn bad(s: &str) -> Bad {
    Bad(s.to_string())
}

impl World {
    pub(crate) fn filing_index(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// Applies one event at `at`, appending its outcomes to `outs`; all or nothing.
    pub(crate) fn apply(
        &mut self,
        at: Timestamp,
        ev: &Ev<'_>,
        outs: &mut Vec<Out>,
    ) -> Result<(), Bad> {
        // reading: "the previous event" is the last accepted one; an equal `at` is fine.
        if self.clock.is_some_and(|c| at < c) {
            return Err(bad("field `at`: earlier than the previous event"));
        }
        // reading: an erroneous event changes nothing, the clock and the expiries its time
        // would trigger included (they are applied by the next accepted event). So check
        // first, against the world as the expiries due at `at` will leave it.
        match *ev {
            Ev::Order { filing, .. } => {
                // reading: a canceled or final filing keeps its id: a new order with it is
                // refused.
                if self.by_id.contains_key(filing) {
                    return Err(bad("field `filing`: a filing with this id exists"));
                }
            }
            Ev::Sms {
                filing,
                phone,
                miit,
                ..
            } => {
                let f = self.known_filing(filing)?;
                let f = &self.filings[f as usize];
                let status = f.status_at(at);
                // reading: these checks come before the sender's: bad input is an error, not
                // a decision, whoever sent the SMS.
                if !status.is_live() {
                    return Err(bad("field `filing`: the filing takes no verification code"));
                }
                match f.people().iter().find(|p| p.phone == phone) {
                    None => return Err(bad("field `phone`: no required person of the filing")),
                    Some(p) if p.validated => {
                        return Err(bad("field `phone`: that person has already validated"))
                    }
                    Some(_) => {}
                }
                if status == Status::AwaitingSync && miit {
                    // reading: a window that would end past the last instant representable
                    // (the year 9999) is refused as out of range.
                    at.checked_add(SignedDuration::from_secs(WINDOW_SECS))
                        .map_err(|_| bad("field `at`: the window would end out of range"))?;
                }
            }
            Ev::PhoneChange { filing, role, .. } => {
                let f = self.known_filing(filing)?;
                let bit = vocab::role_bit(role);
                if !self.filings[f as usize]
                    .people()
                    .iter()
                    .any(|p| p.roles & bit != 0)
                {
                    return Err(bad("field `role`: no required person of the filing"));
                }
            }
            Ev::Cancel { filing } => {
                let f = self.known_filing(filing)?;
                if self.filings[f as usize].status_at(at).is_final() {
                    return Err(bad("field `filing`: the filing is final"));
                }
            }
            Ev::Attempt { .. } | Ev::Resend { .. } | Ev::Tick => {}
        }
        // Accepted: now change the world.
        self.clock = Some(at);
        self.expire(at, outs);
        match *ev {
            Ev::Order {
                filing,
                pair,
                people,
                len,
            } => self.order(filing, pair, &people[..usize::from(len)], outs),
            Ev::Sms {
                filing,
                phone,
                code,
                miit,
            } => self.sms(at, filing, phone, code, miit, outs),
            Ev::Attempt { phone, code, cert } => self.attempt(phone, code, cert, outs),
            Ev::Resend { phone, cert } => self.resend(phone, cert, outs),
            Ev::PhoneChange {
                filing,
                role,
                new_phone,
            } => self.phone_change(filing, vocab::role_bit(role), new_phone, outs),
            Ev::Cancel { filing } => {
                let f = self.by_id[filing];
                self.close(f, Status::Canceled);
                outs.push(Out::filing(f, Status::Canceled, &[Msg::OrderCanceled]));
            }
            Ev::Tick => {}
        }
        Ok(())
    }

    fn known_filing(&self, id: &str) -> Result<u32, Bad> {
        self.filing_index(id)
            .ok_or_else(|| bad("field `filing`: no filing with this id"))
    }

    /// Reading 3: closes every window that ended at or before `at`, in order of window end,
    /// then of filing id.
    fn expire(&mut self, at: Timestamp, outs: &mut Vec<Out>) {
        while let Some(first) = self.queue.first() {
            if first.0 > at {
                break;
            }
            let f = first.2;
            let msg = match self.filings[f as usize].status {
                Status::Rejected => Msg::ApplicationCanceled,
                _ => Msg::ValidationWindowExpired,
            };
            self.close(f, Status::Canceled);
            outs.push(Out::filing(f, Status::Canceled, &[msg]));
        }
    }

    /// Moves filing `f` to a status that is neither awaiting sync nor open: its records leave
    /// the live index and its window the queue.
    fn close(&mut self, f: u32, status: Status) {
        let filing = &mut self.filings[f as usize];
        let was_live = filing.status.is_live();
        let was_queued = filing.status.is_open() || filing.status == Status::Rejected;
        filing.status = status;
        if was_queued && !(status.is_open() || status == Status::Rejected) {
            if let Some(end) = filing.window_end {
                let key = (end, filing.id.clone(), f);
                self.queue.remove(&key);
            }
        }
        if was_live {
            let filing = &self.filings[f as usize];
            for (i, p) in filing.people().iter().enumerate() {
                if !p.validated {
                    unlive(
                        &mut self.live,
                        p.phone,
                        Rec {
                            filing: f,
                            person: i as u8,
                        },
                    );
                }
            }
        }
    }

    /// Reading 1 and 11.
    fn order(&mut self, id: &str, pair: u8, people: &[(u8, u64, u32)], outs: &mut Vec<Out>) {
        let f = self.filings.len() as u32;
        let mut filing = Filing {
            id: id.into(),
            pair,
            status: Status::AwaitingSync,
            window_end: None,
            people: [Person::default(); 2],
            len: people.len() as u8,
        };
        for (slot, &(roles, phone, cert)) in filing.people.iter_mut().zip(people) {
            *slot = Person {
                roles,
                phone,
                cert,
                code: NO_CODE,
                ..Person::default()
            };
            *self.known.entry((phone, cert)).or_insert(0) += 1;
        }
        let required = vocab::required(pair);
        // reading: remove_provider answers `no_validation_required` alone.
        let (status, msg) = if required == 0 {
            (Status::NoValidationRequired, Msg::NoValidationRequired)
        } else {
            (Status::AwaitingSync, Msg::OrderSubmitted)
        };
        filing.status = status;
        self.by_id.insert(filing.id.clone(), f);
        self.filings.push(filing);
        if status.is_live() {
            for (i, p) in people.iter().enumerate() {
                self.enlive(
                    p.1,
                    Rec {
                        filing: f,
                        person: i as u8,
                    },
                );
            }
        }
        let mut o = Out::filing(f, status, &[msg]);
        // reading: `required_roles` are listed in the roles table's order (`write.rs`).
        o.roles = Some(required);
        outs.push(o);
    }

    /// Readings 2, 4 and 8 (the checks are done).
    fn sms(
        &mut self,
        at: Timestamp,
        id: &str,
        phone: u64,
        code: u32,
        miit: bool,
        outs: &mut Vec<Out>,
    ) {
        let f = self.by_id[id];
        let filing = &mut self.filings[f as usize];
        // reading: an SMS from an unrecognized sender changes nothing (it opens no window
        // and delivers no code) and answers on the filing, with its unchanged status.
        if !miit {
            outs.push(Out::filing(f, filing.status, &[Msg::UnrecognizedSender]));
            return;
        }
        if filing.status == Status::AwaitingSync {
            let end = at + SignedDuration::from_secs(WINDOW_SECS);
            filing.status = Status::AwaitingValidation;
            filing.window_end = Some(end);
            self.queue.insert((end, filing.id.clone(), f));
        }
        let n = usize::from(filing.len);
        if let Some(p) = filing.people[..n].iter_mut().find(|p| p.phone == phone) {
            p.code = code;
        }
        outs.push(Out::filing(f, filing.status, &[]));
    }

    /// The pending records of `phone` (reading 4) into `self.scratch`, in order of filing id.
    fn pending(&mut self, phone: u64) {
        self.scratch.clear();
        if let Some(list) = self.live.get(&phone) {
            for r in list {
                let f = &self.filings[r.filing as usize];
                if f.status.is_open() && f.people[usize::from(r.person)].code != NO_CODE {
                    self.scratch.push(*r);
                }
            }
        }
    }

    /// Readings 5 and 6.
    // reading: a wrong code (an old one included) and a wrong certificate both count as a
    // failure, on every pending record of the phone; failures are per record, not reset by a
    // resend or by another person's success.
    fn attempt(&mut self, phone: u64, code: u32, cert: u32, outs: &mut Vec<Out>) {
        self.pending(phone);
        if self.scratch.is_empty() {
            outs.push(Out::person(Msg::RecordNotFoundOrComplete));
            return;
        }
        let matches = |w: &World, r: &Rec| {
            let p = &w.filings[r.filing as usize].people[usize::from(r.person)];
            p.code == code && p.cert == cert
        };
        let mut recs = std::mem::take(&mut self.scratch);
        if recs.iter().any(|r| matches(self, r)) {
            // reading: several pending records of this phone that match are each validated;
            // the others do not change.
            recs.retain(|r| matches(self, r));
            for r in &recs {
                let filing = &mut self.filings[r.filing as usize];
                filing.people[usize::from(r.person)].validated = true;
                unlive(&mut self.live, phone, *r);
                let filing = &mut self.filings[r.filing as usize];
                if filing.people().iter().all(|p| p.validated) {
                    self.close(r.filing, Status::UnderReview);
                    outs.push(Out::filing(
                        r.filing,
                        Status::UnderReview,
                        &[Msg::ValidationComplete],
                    ));
                } else {
                    filing.status = Status::PartiallyValidated;
                    outs.push(Out::filing(
                        r.filing,
                        Status::PartiallyValidated,
                        &[Msg::ValidationCompleteWaiting],
                    ));
                }
            }
        } else {
            for r in &recs {
                let filing = &mut self.filings[r.filing as usize];
                let p = &mut filing.people[usize::from(r.person)];
                p.failures += 1;
                if p.failures >= MAX_FAILURES {
                    self.close(r.filing, Status::Rejected);
                    outs.push(Out::filing(
                        r.filing,
                        Status::Rejected,
                        &[Msg::ValidationFailed, Msg::ApplicationRejected],
                    ));
                } else {
                    outs.push(Out::filing(
                        r.filing,
                        filing.status,
                        &[Msg::ValidationFailed],
                    ));
                }
            }
        }
        self.scratch = recs;
    }

    /// Reading 7.
    // reading: a person of an open filing who has not been sent a code yet is not pending
    // (reading 4), so their request gets `resend_no_pending`; "somebody" is a required person
    // of any filing, whatever its status (a role that is not required is nobody).
    fn resend(&mut self, phone: u64, cert: u32, outs: &mut Vec<Out>) {
        if !self.known.contains_key(&(phone, cert)) {
            outs.push(Out::person(Msg::ResendRecordNotFound));
            return;
        }
        self.pending(phone);
        let before = outs.len();
        for r in &self.scratch {
            let filing = &mut self.filings[r.filing as usize];
            let p = &mut filing.people[usize::from(r.person)];
            if p.cert != cert {
                continue;
            }
            // reading: a refused resend (`resend_limit_reached`) is not counted.
            let msg = if p.resends < MAX_RESENDS {
                p.resends += 1;
                Msg::ResendSuccess
            } else {
                Msg::ResendLimitReached
            };
            outs.push(Out::filing(r.filing, filing.status, &[msg]));
        }
        if outs.len() == before {
            outs.push(Out::person(Msg::ResendNoPending));
        }
    }

    /// Reading 9 (the role is known to be held).
    fn phone_change(&mut self, id: &str, bit: u8, new_phone: u64, outs: &mut Vec<Out>) {
        let f = self.by_id[id];
        let filing = &self.filings[f as usize];
        let status = filing.status;
        let i = filing
            .people()
            .iter()
            .position(|p| p.roles & bit != 0)
            .expect("checked: the role is held");
        let p = filing.people[i];
        if !(is_cancel(filing.pair) && status.is_live() && !p.validated) {
            outs.push(Out::filing(
                f,
                status,
                &[Msg::PhoneChangeRequiresResubmission],
            ));
            return;
        }
        // reading: a person holding two roles has one phone, changed for both; they keep their
        // failure and resend counts; the new number may be the old one.
        let rec = Rec {
            filing: f,
            person: i as u8,
        };
        unlive(&mut self.live, p.phone, rec);
        unknow(&mut self.known, (p.phone, p.cert));
        *self.known.entry((new_phone, p.cert)).or_insert(0) += 1;
        let person = &mut self.filings[f as usize].people[i];
        person.phone = new_phone;
        person.code = NO_CODE;
        self.enlive(new_phone, rec);
        outs.push(Out::filing(f, status, &[Msg::PhoneUpdated]));
    }

    /// Adds a record to the live index, keeping the phone's list in order of filing id.
    fn enlive(&mut self, phone: u64, rec: Rec) {
        let filings = &self.filings;
        let list = self.live.entry(phone).or_default();
        let id = &filings[rec.filing as usize].id;
        let at = list.partition_point(|r| filings[r.filing as usize].id < *id);
        list.insert(at, rec);
    }
}

fn unlive(live: &mut FxMap<u64, Vec<Rec>>, phone: u64, rec: Rec) {
    if let Some(list) = live.get_mut(&phone) {
        if let Some(i) = list.iter().position(|r| *r == rec) {
            list.remove(i);
        }
        if list.is_empty() {
            live.remove(&phone);
        }
    }
}

fn unknow(known: &mut FxMap<(u64, u32), u32>, key: (u64, u32)) {
    if let Some(n) = known.get_mut(&key) {
        *n -= 1;
        if *n == 0 {
            known.remove(&key);
        }
    }
}
