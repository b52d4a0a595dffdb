//! Reading one input line, after serde_json (`json.rs`): the field formats by hand, into a
//! compact event ([`Ev`]) that the world applies, or into an owned [`Event`].

use crate::json::{Field, Obj, Raw};
use crate::time::parse_at;
use crate::vocab::{self, role_bit, ROLES};
use crate::{Bad, Event, EventKind, Personnel, Role};
use jiff::Timestamp;

/// The required people of an order, in the order `personnel` lists them: (role set, phone,
/// cert); the second slot is used when two people are required.
pub(crate) type People = [(u8, u64, u32); 2];

/// One event in compact form: checked formats, phones, certificates and codes as numbers.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ev<'a> {
    Order {
        filing: &'a str,
        /// The roles-table row.
        pair: u8,
        /// The required people.
        people: People,
        /// How many of `people` are used.
        len: u8,
    },
    Sms {
        filing: &'a str,
        phone: u64,
        code: u32,
        /// Absent, `null` or an MIIT number.
        miit: bool,
    },
    Attempt {
        phone: u64,
        code: u32,
        cert: u32,
    },
    Resend {
        phone: u64,
        cert: u32,
    },
    PhoneChange {
        filing: &'a str,
        role: Role,
        new_phone: u64,
    },
    Cancel {
        filing: &'a str,
    },
    Tick,
}

pub(crate) fn bad(s: &str) -> Bad {
    Bad(s.to_string())
}

fn filing(s: &str) -> Result<&str, Bad> {
    if vocab::is_filing(s) {
        Ok(s)
    } else {
        Err(bad(
            "field `filing`: expected 1 to 64 characters of A-Z a-z 0-9 _ -",
        ))
    }
}

fn phone(s: &str, field: &str) -> Result<u64, Bad> {
    vocab::phone(s).ok_or_else(|| Bad(format!("field `{field}`: expected 11 digits, the first 1")))
}

// reading: error texts never echo a value (a code or certificate digits must never appear;
// other values are not echoed either, so that nothing close to a secret can leak).
fn cert(s: &str, field: &str) -> Result<u32, Bad> {
    vocab::cert(s).ok_or_else(|| {
        Bad(format!(
            "field `{field}`: expected five digits, then a digit or X"
        ))
    })
}

fn code(s: &str) -> Result<u32, Bad> {
    vocab::code(s).ok_or_else(|| bad("field `code`: expected six digits"))
}

fn role(s: &str, field: &str) -> Result<Role, Bad> {
    Role::from_name(s).ok_or_else(|| {
        Bad(format!(
            "field `{field}`: expected `entity_leader` or `website_admin`"
        ))
    })
}

/// Reading 1, world-free: the required people of an order, from its (role, phone, cert)
/// entries (every one already format-checked).
fn order_people(
    pair: u8,
    entries: impl Iterator<Item = Result<(Role, u64, u32), Bad>>,
) -> Result<(People, u8), Bad> {
    let required = vocab::required(pair);
    let mut people = [(0u8, 0u64, 0u32); 2];
    let mut len = 0usize;
    let mut seen = 0u8;
    for entry in entries {
        let (r, p, c) = entry?;
        let bit = role_bit(r);
        // reading: a role that is not required is ignored entirely (formats aside).
        if required & bit == 0 {
            continue;
        }
        if seen & bit != 0 {
            return Err(Bad(format!(
                "field `personnel`: the required role `{}` is listed more than once",
                r.name()
            )));
        }
        seen |= bit;
        match people[..len].iter_mut().find(|(_, q, _)| *q == p) {
            // Same phone and certificate: one person holding both roles.
            Some(person) if person.2 == c => person.0 |= bit,
            Some(_) => {
                return Err(bad(
                    "field `personnel`: one phone is listed with two different certificates",
                ))
            }
            None => {
                people[len] = (bit, p, c);
                len += 1;
            }
        }
    }
    if let Some(r) = ROLES.iter().find(|r| required & role_bit(**r) & !seen != 0) {
        return Err(Bad(format!(
            "field `personnel`: the required role `{}` is missing",
            r.name()
        )));
    }
    Ok((people, len as u8))
}

fn pair(scenario: &str, variant: &str) -> Result<u8, Bad> {
    vocab::pair(scenario, variant)
        .ok_or_else(|| bad("fields `scenario`, `variant`: no such row in the roles table"))
}

impl EventKind {
    /// The compact form of an owned event: every world-free check of §2.
    pub(crate) fn compact(&self) -> Result<Ev<'_>, Bad> {
        Ok(match self {
            EventKind::Order {
                filing: f,
                scenario,
                variant,
                personnel,
            } => {
                let pair = pair(scenario, variant)?;
                let entries = personnel.iter().map(|p| {
                    Ok((
                        p.role,
                        phone(&p.phone, "personnel.phone")?,
                        cert(&p.cert, "personnel.cert_last6")?,
                    ))
                });
                let (people, len) = order_people(pair, entries)?;
                Ev::Order {
                    filing: filing(f)?,
                    pair,
                    people,
                    len,
                }
            }
            EventKind::Sms {
                filing: f,
                phone: p,
                code: c,
                sender,
            } => Ev::Sms {
                filing: filing(f)?,
                phone: phone(p, "phone")?,
                code: code(c)?,
                miit: sender.as_deref().map_or(true, vocab::is_miit_sender),
            },
            EventKind::Attempt {
                phone: p,
                code: c,
                cert: ce,
            } => Ev::Attempt {
                phone: phone(p, "phone")?,
                code: code(c)?,
                cert: cert(ce, "cert_last6")?,
            },
            EventKind::Resend { phone: p, cert: c } => Ev::Resend {
                phone: phone(p, "phone")?,
                cert: cert(c, "cert_last6")?,
            },
            EventKind::PhoneChange {
                filing: f,
                role,
                new_phone,
            } => Ev::PhoneChange {
                filing: filing(f)?,
                role: *role,
                new_phone: phone(new_phone, "new_phone")?,
            },
            EventKind::Cancel { filing: f } => Ev::Cancel { filing: filing(f)? },
            EventKind::Tick => Ev::Tick,
        })
    }
}

/// A line read far enough to apply: its `type` (a declared one), `at` and compact event.
pub(crate) struct Line<'a> {
    pub ty: &'static str,
    pub at_text: &'a str,
    pub at: Timestamp,
    pub ev: Ev<'a>,
}

/// The type names, in §2's order.
const TYPES: [&str; 7] = [
    "order_submitted",
    "sms_sent",
    "validation_attempt",
    "resend_request",
    "phone_change",
    "order_canceled",
    "tick",
];

/// Which members each type allows, as a bit set over `Raw`'s optional fields.
const F_FILING: u16 = 1;
const F_SCENARIO: u16 = 2;
const F_VARIANT: u16 = 4;
const F_PERSONNEL: u16 = 8;
const F_PHONE: u16 = 16;
const F_CODE: u16 = 32;
const F_SENDER: u16 = 64;
const F_CERT: u16 = 128;
const F_ROLE: u16 = 256;
const F_NEW_PHONE: u16 = 512;

impl<'a> Raw<'a> {
    fn present(&self) -> u16 {
        let mut m = 0;
        for (f, bit) in [
            (&self.filing, F_FILING),
            (&self.scenario, F_SCENARIO),
            (&self.variant, F_VARIANT),
            (&self.personnel, F_PERSONNEL),
            (&self.phone, F_PHONE),
            (&self.code, F_CODE),
            (&self.sender, F_SENDER),
            (&self.cert_last6, F_CERT),
            (&self.role, F_ROLE),
            (&self.new_phone, F_NEW_PHONE),
        ] {
            if f.is_some() {
                m |= bit;
            }
        }
        m
    }
}

/// The string of a required member.
fn text<'r>(f: &'r Option<Field<'_>>, name: &str) -> Result<&'r str, Bad> {
    match f {
        Some(Field::Str(s)) => Ok(s),
        None => Err(Bad(format!("field `{name}` is missing"))),
        Some(_) => Err(Bad(format!("field `{name}` must be a string"))),
    }
}

/// Reads a line into its compact event (everything that needs no world).
pub(crate) fn read_line<'r>(raw: &'r Raw<'_>) -> Result<Line<'r>, Bad> {
    let ti = TYPES
        .iter()
        .position(|t| *t == raw.ty)
        .ok_or_else(|| bad("field `type`: unknown event type"))?;
    let at = parse_at(&raw.at)
        .ok_or_else(|| bad("field `at`: expected an RFC 3339 time with an offset"))?;
    let allowed = match ti {
        0 => F_FILING | F_SCENARIO | F_VARIANT | F_PERSONNEL,
        1 => F_FILING | F_PHONE | F_CODE | F_SENDER,
        2 => F_PHONE | F_CODE | F_CERT,
        3 => F_PHONE | F_CERT,
        4 => F_FILING | F_ROLE | F_NEW_PHONE,
        5 => F_FILING,
        _ => 0,
    };
    if raw.present() & !allowed != 0 {
        return Err(bad("a field that is no field of this event type"));
    }
    let ev = match ti {
        0 => {
            let f = filing(text(&raw.filing, "filing")?)?;
            let pair = pair(
                text(&raw.scenario, "scenario")?,
                text(&raw.variant, "variant")?,
            )?;
            let list = match &raw.personnel {
                Some(Field::List(l)) => l,
                None => return Err(bad("field `personnel` is missing")),
                Some(_) => return Err(bad("field `personnel` must be a list")),
            };
            // reading: every entry is format-checked, required or not.
            let entries = list.iter().map(|Obj(p)| {
                Ok((
                    role(&p.role, "personnel.role")?,
                    phone(&p.phone, "personnel.phone")?,
                    cert(&p.cert_last6, "personnel.cert_last6")?,
                ))
            });
            let (people, len) = order_people(pair, entries)?;
            Ev::Order {
                filing: f,
                pair,
                people,
                len,
            }
        }
        1 => Ev::Sms {
            filing: filing(text(&raw.filing, "filing")?)?,
            phone: phone(text(&raw.phone, "phone")?, "phone")?,
            code: code(text(&raw.code, "code")?)?,
            // reading: `"sender": null` is taken as absent, an MIIT SMS.
            miit: match &raw.sender {
                None | Some(Field::Null) => true,
                Some(Field::Str(s)) => vocab::is_miit_sender(s),
                Some(Field::List(_)) => return Err(bad("field `sender` must be a string")),
            },
        },
        2 => Ev::Attempt {
            phone: phone(text(&raw.phone, "phone")?, "phone")?,
            code: code(text(&raw.code, "code")?)?,
            cert: cert(text(&raw.cert_last6, "cert_last6")?, "cert_last6")?,
        },
        3 => Ev::Resend {
            phone: phone(text(&raw.phone, "phone")?, "phone")?,
            cert: cert(text(&raw.cert_last6, "cert_last6")?, "cert_last6")?,
        },
        4 => Ev::PhoneChange {
            filing: filing(text(&raw.filing, "filing")?)?,
            role: role(text(&raw.role, "role")?, "role")?,
            new_phone: phone(text(&raw.new_phone, "new_phone")?, "new_phone")?,
        },
        5 => Ev::Cancel {
            filing: filing(text(&raw.filing, "filing")?)?,
        },
        _ => Ev::Tick,
    };
    Ok(Line {
        ty: TYPES[ti],
        at_text: &raw.at,
        at,
        ev,
    })
}

/// The owned event of a line read.
pub(crate) fn owned(raw: &Raw<'_>, line: &Line<'_>) -> Event {
    let s = |f: &Option<Field<'_>>| match f {
        Some(Field::Str(s)) => s.to_string(),
        _ => String::new(),
    };
    let kind = match line.ev {
        Ev::Order { .. } => EventKind::Order {
            filing: s(&raw.filing),
            scenario: s(&raw.scenario),
            variant: s(&raw.variant),
            personnel: match &raw.personnel {
                Some(Field::List(l)) => l
                    .iter()
                    .map(|Obj(p)| Personnel {
                        role: Role::from_name(&p.role).unwrap_or(Role::EntityLeader),
                        phone: p.phone.to_string(),
                        cert: p.cert_last6.to_ascii_uppercase(),
                    })
                    .collect(),
                _ => Vec::new(),
            },
        },
        Ev::Sms { .. } => EventKind::Sms {
            filing: s(&raw.filing),
            phone: s(&raw.phone),
            code: s(&raw.code),
            sender: match &raw.sender {
                Some(Field::Str(x)) => Some(x.to_string()),
                _ => None,
            },
        },
        Ev::Attempt { .. } => EventKind::Attempt {
            phone: s(&raw.phone),
            code: s(&raw.code),
            cert: s(&raw.cert_last6).to_ascii_uppercase(),
        },
        Ev::Resend { .. } => EventKind::Resend {
            phone: s(&raw.phone),
            cert: s(&raw.cert_last6).to_ascii_uppercase(),
        },
        Ev::PhoneChange { role, .. } => EventKind::PhoneChange {
            filing: s(&raw.filing),
            role,
            new_phone: s(&raw.new_phone),
        },
        Ev::Cancel { .. } => EventKind::Cancel {
            filing: s(&raw.filing),
        },
        Ev::Tick => EventKind::Tick,
    };
    Event { at: line.at, kind }
}
