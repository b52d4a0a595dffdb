//! A hand-written reference model of the ICP SMS-validation contract
//! (`shared/icp-contract.md`): a plain state machine, no DSL, no tables.
//!
//! It is docket's oracle (the differential and property tests compare the engine running
//! `rules/icp` with it, event by event) and its performance baseline (the benchmarks put the
//! engine beside it in the same run). It is written from the contract's words alone; where the
//! contract is silent it follows the readings of `rules/icp/README.md`, each marked
//! `// reading:`. Message texts are not behaviour: they come in as a [`Catalogue`].
//!
//! SKELETON: the bodies are being written; the API below is fixed.

use jiff::Timestamp;
use std::collections::HashMap;

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
    _todo: (),
}

impl Model {
    /// A model with an empty world; messages are written with their `id` only.
    pub fn new() -> Model {
        todo!()
    }

    /// A model with an empty world whose output shows the catalogue's texts with each id.
    pub fn with_catalogue(_catalogue: Catalogue) -> Model {
        todo!()
    }

    /// Decodes one input line (JSON, field formats); what needs the world is left to
    /// [`Model::apply`].
    pub fn decode(&self, _line: &str) -> Result<Event, Bad> {
        todo!()
    }

    /// Applies one decoded event: all or nothing (an error changes nothing, not even the
    /// clock or the expiries the event's time would trigger).
    pub fn apply(&mut self, _event: &Event) -> Result<Vec<Outcome>, Bad> {
        todo!()
    }

    /// Runs one input line and appends its output record (contract §3, one JSON object, no
    /// newline) to `out`; returns whether the line was accepted.
    pub fn run_line(&mut self, _seq: usize, _line: &str, _out: &mut String) -> bool {
        todo!()
    }

    /// The instant of the last accepted event.
    pub fn clock(&self) -> Option<Timestamp> {
        todo!()
    }

    /// The earliest window end still to be applied, if any.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        todo!()
    }

    /// How many filings the world holds.
    pub fn len(&self) -> usize {
        todo!()
    }

    /// Whether the world holds no filing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The filings, in order of filing id, for generators to steer by.
    pub fn view(&self) -> Vec<FilingView> {
        todo!()
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
