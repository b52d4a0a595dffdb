//! Abstract ICP event scripts: small enums with indices, and a proptest strategy over them.
//!
//! Shrinking works on the script; what a failing test prints is its rendering (the `Debug` of
//! [`Script`] is the event stream, one JSON line per line: see `render.rs`). Indices pick
//! among what exists when the step is rendered (filings, pending people, codes sent), so
//! removing a step while shrinking leaves the later ones meaningful.

use proptest::prelude::*;

/// A stream of events, abstractly. Its `Debug` is the rendered stream.
#[derive(Clone)]
pub struct Script {
    /// The steps, in order. A step renders one line; a repeated attempt or resend several,
    /// and [`Who::Pending`] may send an SMS first.
    pub steps: Vec<Step>,
}

/// One event: how much time passes before it, how its `at` is written, and what it is.
#[derive(Clone, Debug)]
pub struct Step {
    /// Time passing before the event.
    pub gap: Gap,
    /// The offset its `at` is written in.
    pub zone: Zone,
    /// The event.
    pub action: Action,
}

/// How much time passes before an event.
#[derive(Clone, Copy, Debug)]
pub enum Gap {
    /// None.
    Same,
    /// Some seconds.
    Seconds(u16),
    /// Some minutes.
    Minutes(u16),
    /// Some hours.
    Hours(u8),
    /// To one of the windows' ends still ahead, exactly or one second off.
    Deadline {
        /// Which of the windows ahead.
        pick: u8,
        /// Seconds from the window's end: -1, 0 or 1.
        delta: i8,
    },
    /// This event goes back before the clock by this many seconds (the clock stays put).
    Back(u16),
}

/// How an instant is written (RFC 3339, with an offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// `+08:00`, the seed's users.
    Beijing,
    /// `Z`.
    Utc,
    /// `+00:00`.
    UtcNumeric,
    /// `-05:00`.
    NewYork,
    /// `+05:45`.
    Kathmandu,
    /// `+08:00` with a space instead of `T`.
    Spaced,
    /// `t` and `z` lower case.
    Lowercase,
    /// `+08:00`, with milliseconds (`.000`).
    Millis,
    /// `-00:00`: UTC, the local offset unknown.
    UnknownLocal,
}

/// What an event is.
#[derive(Clone, Debug)]
pub enum Action {
    /// `tick`.
    Tick,
    /// `order_submitted`.
    Order(Order),
    /// `sms_sent`.
    Sms {
        /// The filing ([`pick_filing`]).
        filing: u8,
        /// To whom.
        to: Recipient,
        /// Which code.
        code: SmsCode,
        /// From whom.
        sender: Sender,
    },
    /// `validation_attempt`, `times` times in a row (at the same instant).
    Attempt {
        /// By whom.
        who: Who,
        /// With which code.
        code: CodeChoice,
        /// With which certificate digits.
        cert: CertChoice,
        /// How many identical lines.
        times: u8,
    },
    /// `resend_request`, `times` times in a row.
    Resend {
        /// By whom.
        who: Who,
        /// With which certificate digits.
        cert: CertChoice,
        /// How many identical lines.
        times: u8,
    },
    /// `phone_change`.
    PhoneChange {
        /// The filing ([`pick_filing`]).
        filing: u8,
        /// For which role.
        role: RoleChoice,
        /// The new phone, from the pools.
        new_phone: u8,
    },
    /// `order_canceled`.
    Cancel {
        /// The filing ([`pick_filing`]).
        filing: u8,
    },
    /// A line that is bad input whatever the world.
    Bad(Bad),
}

/// An `order_submitted`.
#[derive(Clone, Debug)]
pub struct Order {
    /// Its filing id.
    pub id: OrderId,
    /// Its row of the roles table.
    pub row: u8,
    /// The entity leader, from [`PEOPLE`].
    pub leader: u8,
    /// The website administrator.
    pub admin: Admin,
    /// Which roles are listed, in which order.
    pub listing: Listing,
    /// Whether a final `X` of a certificate is written `x`.
    pub lower_x: bool,
    /// What is wrong with it, if anything.
    pub flaw: Option<Flaw>,
}

/// The filing id of an order.
#[derive(Clone, Copy, Debug)]
pub enum OrderId {
    /// One not used yet (a duplicate once all are used).
    Fresh(u8),
    /// One already used: a duplicate.
    Existing(u8),
}

/// Who the website administrator of an order is.
#[derive(Clone, Copy, Debug)]
pub enum Admin {
    /// The entity leader: one person holding both roles.
    Leader,
    /// One of [`PEOPLE`].
    Person(u8),
}

/// Which roles an order lists.
#[derive(Clone, Copy, Debug)]
pub enum Listing {
    /// Both, required or not.
    Both,
    /// Both, the website administrator first.
    Reversed,
    /// Only the required ones.
    RequiredOnly,
}

/// What makes an order bad input (or, for a role that is not required, not).
#[derive(Clone, Copy, Debug)]
pub enum Flaw {
    /// The first required role is left out.
    MissingRole,
    /// The first required role is listed twice.
    RoleTwice,
    /// The administrator has the leader's phone and other certificate digits.
    TwoCerts,
    /// An unknown role is listed.
    UnknownRole,
    /// An unknown scenario.
    UnknownScenario,
    /// A variant the scenario does not have.
    UnknownVariant,
    /// An ill-formatted phone.
    BadPhone(u8),
    /// Ill-formatted certificate digits.
    BadCert(u8),
    /// A personnel entry with a field too many.
    ExtraKey,
    /// `personnel` is no list.
    NotAList,
}

/// The recipient of an SMS.
#[derive(Clone, Copy, Debug)]
pub enum Recipient {
    /// A required person of the filing who has not validated (anyone, when all have).
    Waiting(u8),
    /// A required person of the filing, validated or not.
    Required(u8),
    /// Any phone of the pools.
    AnyPhone(u8),
}

/// The code of an SMS.
#[derive(Clone, Copy, Debug)]
pub enum SmsCode {
    /// The next code of [`CODES`], in turn.
    Next,
    /// A given code of [`CODES`].
    Pool(u8),
}

/// The sender of an SMS.
#[derive(Clone, Copy, Debug)]
pub enum Sender {
    /// No `sender` field.
    Absent,
    /// `"sender": null`.
    Null,
    /// `12381`.
    Miit,
    /// `106` + 10 digits + `12381`.
    MiitLong(u8),
    /// Not an MIIT number.
    Other(u8),
}

/// Who makes an attempt or a resend request.
#[derive(Clone, Copy, Debug)]
pub enum Who {
    /// A person with something pending. When nobody has, an SMS goes first to a person of a
    /// live filing who has not validated, if there is one (anybody, if not).
    Pending(u8),
    /// A required person of any filing.
    Anyone(u8),
    /// Somebody in no order.
    Stranger(u8),
}

/// The code entered in an attempt.
#[derive(Clone, Copy, Debug)]
pub enum CodeChoice {
    /// The person's latest code.
    Latest,
    /// An earlier code sent to that phone.
    Old,
    /// A code of [`CODES`].
    Pool(u8),
}

/// The certificate digits entered.
#[derive(Clone, Copy, Debug)]
pub enum CertChoice {
    /// The person's.
    Right,
    /// The person's, a final `X` written `x`.
    OtherCase,
    /// Somebody else's.
    Wrong(u8),
}

/// The role of a phone change.
#[derive(Clone, Copy, Debug)]
pub enum RoleChoice {
    /// `entity_leader`.
    Leader,
    /// `website_admin`.
    Admin,
    /// A role the policy does not know.
    Unknown,
}

/// A line that is bad input, whatever the world it meets (see [`bad_line`]).
#[derive(Clone, Copy, Debug)]
pub enum Bad {
    /// Not a JSON object.
    Junk(u8),
    /// A key given twice.
    DuplicateKey,
    /// An unknown `type`.
    UnknownType(u8),
    /// A field the event does not have.
    UnknownField(u8),
    /// A field left out.
    MissingField(u8),
    /// An ill-formatted field.
    IllFormatted(u8),
    /// A filing id no order used.
    UnknownFiling(u8),
    /// An order for a filing id already used.
    DuplicateFiling(u8),
}

// ── Strategies ───────────────────────────────────────────────────────────────
// `prop_oneof!` shrinks towards its first arm: the simplest choice comes first.

/// Scripts of up to `max` steps; most begin with an order or two, so that fewer of the first
/// events meet an empty world.
pub fn script(max: usize) -> impl Strategy<Value = Script> {
    let first_orders = prop::collection::vec(
        (gap(), zone(), order()).prop_map(|(gap, zone, order)| Step {
            gap,
            zone,
            action: Action::Order(order),
        }),
        0..=2,
    );
    (
        first_orders,
        prop::collection::vec(step(), 1..=max.max(3) - 2),
    )
        .prop_map(|(mut steps, rest)| {
            steps.extend(rest);
            Script { steps }
        })
}

fn step() -> impl Strategy<Value = Step> {
    (gap(), zone(), action()).prop_map(|(gap, zone, action)| Step { gap, zone, action })
}

fn gap() -> impl Strategy<Value = Gap> {
    prop_oneof![
        10 => Just(Gap::Same),
        40 => (0u16..=120).prop_map(Gap::Seconds),
        30 => (1u16..=60).prop_map(Gap::Minutes),
        2 => (1u8..=30).prop_map(Gap::Hours),
        3 => (any::<u8>(), -1i8..=1).prop_map(|(pick, delta)| Gap::Deadline { pick, delta }),
        2 => (1u16..=7200).prop_map(Gap::Back),
    ]
}

/// An offset to write instants in.
pub fn zone() -> impl Strategy<Value = Zone> {
    prop_oneof![
        12 => Just(Zone::Beijing),
        3 => Just(Zone::Utc),
        1 => Just(Zone::UtcNumeric),
        2 => Just(Zone::NewYork),
        1 => Just(Zone::Kathmandu),
        1 => Just(Zone::Spaced),
        1 => Just(Zone::Lowercase),
        1 => Just(Zone::Millis),
        1 => Just(Zone::UnknownLocal),
    ]
}

fn failing_code() -> impl Strategy<Value = CodeChoice> {
    prop_oneof![
        1 => Just(CodeChoice::Latest),
        2 => Just(CodeChoice::Old),
        6 => any::<u8>().prop_map(CodeChoice::Pool),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => Just(Action::Tick),
        12 => order().prop_map(Action::Order),
        30 => (any::<u8>(), recipient(), sms_code(), sender())
            .prop_map(|(filing, to, code, sender)| Action::Sms { filing, to, code, sender }),
        20 => (who(), code_choice(), cert_choice())
            .prop_map(|(who, code, cert)| Action::Attempt { who, code, cert, times: 1 }),
        // A run of attempts by one person, mostly failing.
        6 => (who(), failing_code(), cert_choice(), 2u8..=6)
            .prop_map(|(who, code, cert, times)| Action::Attempt { who, code, cert, times }),
        10 => (who(), cert_choice(), prop_oneof![7 => Just(1u8), 3 => 2u8..=4])
            .prop_map(|(who, cert, times)| Action::Resend { who, cert, times }),
        5 => (any::<u8>(), role_choice(), any::<u8>())
            .prop_map(|(filing, role, new_phone)| Action::PhoneChange { filing, role, new_phone }),
        3 => any::<u8>().prop_map(|filing| Action::Cancel { filing }),
        6 => bad().prop_map(Action::Bad),
    ]
}

fn order() -> impl Strategy<Value = Order> {
    let id = prop_oneof![
        12 => any::<u8>().prop_map(OrderId::Fresh),
        1 => any::<u8>().prop_map(OrderId::Existing),
    ];
    let admin = prop_oneof![3 => Just(Admin::Leader), 7 => (0u8..5).prop_map(Admin::Person)];
    let listing = prop_oneof![
        5 => Just(Listing::Both),
        3 => Just(Listing::RequiredOnly),
        2 => Just(Listing::Reversed),
    ];
    (
        id,
        0u8..14,
        0u8..5,
        admin,
        listing,
        any::<bool>(),
        prop::option::weighted(0.12, flaw()),
    )
        .prop_map(|(id, row, leader, admin, listing, lower_x, flaw)| Order {
            id,
            row,
            leader,
            admin,
            listing,
            lower_x,
            flaw,
        })
}

fn flaw() -> impl Strategy<Value = Flaw> {
    prop_oneof![
        Just(Flaw::MissingRole),
        Just(Flaw::RoleTwice),
        Just(Flaw::TwoCerts),
        Just(Flaw::UnknownRole),
        Just(Flaw::UnknownScenario),
        Just(Flaw::UnknownVariant),
        any::<u8>().prop_map(Flaw::BadPhone),
        any::<u8>().prop_map(Flaw::BadCert),
        Just(Flaw::ExtraKey),
        Just(Flaw::NotAList),
    ]
}

fn recipient() -> impl Strategy<Value = Recipient> {
    prop_oneof![
        16 => any::<u8>().prop_map(Recipient::Waiting),
        3 => any::<u8>().prop_map(Recipient::Required),
        2 => any::<u8>().prop_map(Recipient::AnyPhone),
    ]
}

fn sms_code() -> impl Strategy<Value = SmsCode> {
    prop_oneof![9 => Just(SmsCode::Next), 1 => any::<u8>().prop_map(SmsCode::Pool)]
}

fn sender() -> impl Strategy<Value = Sender> {
    prop_oneof![
        12 => Just(Sender::Absent),
        2 => Just(Sender::Null),
        4 => Just(Sender::Miit),
        3 => any::<u8>().prop_map(Sender::MiitLong),
        3 => any::<u8>().prop_map(Sender::Other),
    ]
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        14 => any::<u8>().prop_map(Who::Pending),
        5 => any::<u8>().prop_map(Who::Anyone),
        1 => any::<u8>().prop_map(Who::Stranger),
    ]
}

fn code_choice() -> impl Strategy<Value = CodeChoice> {
    prop_oneof![
        12 => Just(CodeChoice::Latest),
        3 => Just(CodeChoice::Old),
        5 => any::<u8>().prop_map(CodeChoice::Pool),
    ]
}

fn cert_choice() -> impl Strategy<Value = CertChoice> {
    prop_oneof![
        16 => Just(CertChoice::Right),
        3 => Just(CertChoice::OtherCase),
        3 => any::<u8>().prop_map(CertChoice::Wrong),
    ]
}

fn role_choice() -> impl Strategy<Value = RoleChoice> {
    prop_oneof![
        5 => Just(RoleChoice::Leader),
        5 => Just(RoleChoice::Admin),
        1 => Just(RoleChoice::Unknown),
    ]
}

/// A bad line.
pub fn bad() -> impl Strategy<Value = Bad> {
    prop_oneof![
        any::<u8>().prop_map(Bad::Junk),
        Just(Bad::DuplicateKey),
        any::<u8>().prop_map(Bad::UnknownType),
        any::<u8>().prop_map(Bad::UnknownField),
        any::<u8>().prop_map(Bad::MissingField),
        any::<u8>().prop_map(Bad::IllFormatted),
        any::<u8>().prop_map(Bad::UnknownFiling),
        any::<u8>().prop_map(Bad::DuplicateFiling),
    ]
}
