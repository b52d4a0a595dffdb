//! A hand-written reference model of the ICP SMS-validation contract
//! (the process and readings of `rules/icp/README.md`): a plain state machine, no DSL, no tables.
//!
//! It is docket's oracle (the differential and property tests compare the engine running
//! `rules/icp` with it, event by event) and its performance baseline (the benchmarks put the
//! engine beside it in the same run). It is written from the contract's words alone; where the
//! contract is silent it follows the readings of `rules/icp/README.md`, each marked
//! `// reading:`. Message texts are not behaviour: they come in as a [`Catalogue`].
//!
//! Built for speed: filings are found by id through a hash map, people by phone through an
//! index of the records that can still validate, expiries come from a queue ordered by window
//! end then filing id, and an event is checked against the world as its time leaves it before
//! anything changes, so that no copy of the world is ever made. Output is written by hand.

use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::Arc;

mod decode;
mod hash;
mod json;
mod time;
mod vocab;
mod world;
mod write;

#[cfg(test)]
mod tests;

pub use vocab::MESSAGE_IDS;
use world::{Out, World};

/// Why an input line is bad input (contract §2). The text is for reports and debugging only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bad(pub String);

/// The texts of the messages, by id: what the output shows beside each message id.
#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    texts: HashMap<String, MessageText>,
}

/// The texts of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageText {
    /// What the user is shown.
    pub text: String,
    /// What happened.
    pub result: String,
    /// What to do next.
    pub next_step: String,
}

impl Catalogue {
    /// A catalogue of the given messages.
    pub fn new(entries: impl IntoIterator<Item = (String, MessageText)>) -> Catalogue {
        Catalogue {
            texts: entries.into_iter().collect(),
        }
    }
}

/// One decoded event (contract §2), owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub kind: EventKind,
}

/// The role of a person in a filing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// `entity_leader`
    EntityLeader,
    /// `website_admin`
    WebsiteAdmin,
}

/// One `personnel` entry of an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Personnel {
    /// Its role.
    pub role: Role,
    /// Its phone.
    pub phone: String,
    /// Its certificate digits, a final `x` read as `X`.
    pub cert: String,
}

/// The event types of contract §2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// `order_submitted`
    Order {
        /// `filing`
        filing: String,
        /// `scenario`
        scenario: String,
        /// `variant`
        variant: String,
        /// `personnel`
        personnel: Vec<Personnel>,
    },
    /// `sms_sent`
    Sms {
        /// `filing`
        filing: String,
        /// `phone`
        phone: String,
        /// `code`
        code: String,
        /// `sender`, absent (or `null`) when MIIT's
        sender: Option<String>,
    },
    /// `validation_attempt`
    Attempt {
        /// `phone`
        phone: String,
        /// `code`
        code: String,
        /// `cert_last6`, a final `x` read as `X`
        cert: String,
    },
    /// `resend_request`
    Resend {
        /// `phone`
        phone: String,
        /// `cert_last6`, a final `x` read as `X`
        cert: String,
    },
    /// `phone_change`
    PhoneChange {
        /// `filing`
        filing: String,
        /// `role`
        role: Role,
        /// `new_phone`
        new_phone: String,
    },
    /// `order_canceled`
    Cancel {
        /// `filing`
        filing: String,
    },
    /// `tick`
    Tick,
}

/// What an accepted event did to, or answered about, one filing (or a person: `filing: None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The filing id; `None` for an answer about a person.
    pub filing: Option<String>,
    /// The status name after the event; `None` for an answer about a person.
    pub status: Option<&'static str>,
    /// The message ids, in order.
    pub messages: Vec<&'static str>,
    /// On `order_submitted` outcomes only: the required roles, in the roles table's order.
    pub required_roles: Option<Vec<&'static str>>,
}

/// The reference model: one world of filings and a virtual clock. Cloning copies the world.
#[derive(Clone, Debug, Default)]
pub struct Model {
    world: World,
    /// Each message's JSON object by `Msg` index; empty: `{"id":…}` only.
    frags: Arc<Vec<String>>,
    /// Outcomes of the current event, reused across events.
    outs: Vec<Out>,
}

impl Model {
    /// A model with an empty world; messages are written with their `id` only.
    pub fn new() -> Model {
        Model::default()
    }

    /// A model with an empty world whose output shows the catalogue's texts with each id.
    /// A message the catalogue lacks is written with its `id` only.
    pub fn with_catalogue(catalogue: Catalogue) -> Model {
        Model {
            frags: Arc::new(write::render_catalogue(&catalogue)),
            ..Model::default()
        }
    }

    /// Decodes one input line (JSON, field formats); what needs the world is left to
    /// [`Model::apply`]. Every check that needs no world is done here: formats, the fields
    /// each type allows, the roles-table row and the required people of an order.
    pub fn decode(&self, line: &str) -> Result<Event, Bad> {
        let raw = json::raw(line)?;
        let read = decode::read_line(&raw)?;
        Ok(decode::owned(&raw, &read))
    }

    /// Applies one decoded event: all or nothing (an error changes nothing, not even the
    /// clock or the expiries the event's time would trigger).
    pub fn apply(&mut self, event: &Event) -> Result<Vec<Outcome>, Bad> {
        let ev = event.kind.compact()?;
        self.outs.clear();
        self.world.apply(event.at, &ev, &mut self.outs)?;
        Ok(self
            .outs
            .iter()
            .map(|o| Outcome {
                filing: o
                    .filing
                    .map(|f| self.world.filings[f as usize].id.to_string()),
                status: o.filing.map(|_| o.status.name()),
                messages: o.msgs().iter().map(|m| m.id()).collect(),
                required_roles: o.roles.map(|set| {
                    vocab::ROLES
                        .iter()
                        .filter(|r| set & vocab::role_bit(**r) != 0)
                        .map(|r| r.name())
                        .collect()
                }),
            })
            .collect())
    }

    /// Runs one input line and appends its output record (contract §3, one JSON object, no
    /// newline) to `out`; returns whether the line was accepted.
    pub fn run_line(&mut self, seq: usize, line: &str, out: &mut String) -> bool {
        let raw = match json::raw(line) {
            Ok(raw) => raw,
            Err(why) => {
                let (ty, at) = json::header(line);
                write::head(out, seq, ty.as_deref(), at.as_deref());
                write::error(out, seq, &why.0);
                return false;
            }
        };
        let result = decode::read_line(&raw).and_then(|read| {
            self.outs.clear();
            self.world.apply(read.at, &read.ev, &mut self.outs)?;
            Ok(read)
        });
        match result {
            Ok(read) => {
                // An accepted `type` is a declared name and `at` passed the RFC 3339 shape:
                // neither needs escaping.
                out.push_str("{\"seq\":");
                write::number(out, seq);
                out.push_str(",\"type\":\"");
                out.push_str(read.ty);
                out.push_str("\",\"at\":\"");
                out.push_str(read.at_text);
                out.push('"');
                write::outcomes(out, &self.world, &self.frags, &self.outs);
                true
            }
            Err(why) => {
                write::head(out, seq, Some(&raw.ty), Some(&raw.at));
                write::error(out, seq, &why.0);
                false
            }
        }
    }

    /// The instant of the last accepted event.
    pub fn clock(&self) -> Option<Timestamp> {
        self.world.clock
    }

    /// The earliest window end still to be applied, if any: that of an open or rejected
    /// filing (the window of a filing already final changes nothing when it ends).
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.world.queue.first().map(|k| k.0)
    }

    /// How many filings the world holds.
    pub fn len(&self) -> usize {
        self.world.filings.len()
    }

    /// Whether the world holds no filing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The filings, in order of filing id, for generators to steer by.
    pub fn view(&self) -> Vec<FilingView> {
        let mut order: Vec<&world::Filing> = self.world.filings.iter().collect();
        order.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        order
            .into_iter()
            .map(|f| FilingView {
                id: f.id.to_string(),
                scenario: vocab::PAIRS[usize::from(f.pair)].0.to_string(),
                status: f.status.name(),
                window_end: f.window_end,
                people: f
                    .people()
                    .iter()
                    .map(|p| PersonView {
                        roles: vocab::ROLES
                            .iter()
                            .copied()
                            .filter(|r| p.roles & vocab::role_bit(*r) != 0)
                            .collect(),
                        phone: vocab::phone_text(p.phone),
                        cert: vocab::cert_text(p.cert),
                        validated: p.validated,
                        code: p.code().map(vocab::code_text),
                        failures: p.failures,
                        resends: p.resends,
                    })
                    .collect(),
            })
            .collect()
    }
}

/// One filing as [`Model::view`] shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilingView {
    /// The filing id.
    pub id: String,
    /// `scenario`.
    pub scenario: String,
    /// Its status name.
    pub status: &'static str,
    /// When its window ends, once it opened.
    pub window_end: Option<Timestamp>,
    /// Its required people.
    pub people: Vec<PersonView>,
}

/// One required person as [`Model::view`] shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonView {
    /// The roles they hold.
    pub roles: Vec<Role>,
    /// Their current phone.
    pub phone: String,
    /// Their certificate digits (a final `X` upper case).
    pub cert: String,
    /// Whether they validated.
    pub validated: bool,
    /// Their latest code, if one was sent since the order or the last phone change.
    pub code: Option<String>,
    /// Failed attempts counted.
    pub failures: u32,
    /// Resends granted.
    pub resends: u32,
}
