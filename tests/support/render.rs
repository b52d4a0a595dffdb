//! Rendering a [`Script`] to JSON lines, deterministically, steered by the reference model:
//! the model says which filings exist, who is pending with which code, when windows end.

use super::lines::{bad_line, order_line, quote, stamp, start, Obj};
use super::pools::{all_phones, nth, BAD_SENDERS, CERTS, CODES, MIIT_LONG, STRANGERS, UNKNOWN_IDS};
use super::script::{
    Action, CertChoice, CodeChoice, Gap, Recipient, RoleChoice, Script, Sender, SmsCode, Step, Who,
    Zone,
};
use icp_reference::{Catalogue, FilingView, MessageText, Model};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// How to render a script.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOpts {
    /// Added to every instant.
    pub shift: SignedDuration,
    /// Writes every instant in this offset instead of each step's.
    pub zone: Option<Zone>,
}

/// A rendered script: the lines, and what the reference model made of them.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    /// The JSON lines.
    pub lines: Vec<String>,
    /// The instant each line's `at` names, when it names one.
    pub instants: Vec<Option<Timestamp>>,
    /// The model's output record of each line.
    pub model: Vec<String>,
    /// Whether the model accepted each line.
    pub accepted: Vec<bool>,
}

/// The limits of `rules/icp/limits.yaml` as the ICP messages read them: counts in decimal,
/// durations in words (`24h` → `24 hours`, `60m` → `1 hour`). Written here, independently of
/// the engine, so that the model checks the engine's rendering too.
fn limit_texts() -> HashMap<String, String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/icp/limits.yaml");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path} is no YAML: {e}"));
    let limits = doc
        .get("limits")
        .and_then(|m| m.as_mapping())
        .unwrap_or_else(|| panic!("{path} has no `limits` mapping"));
    let mut out = HashMap::new();
    for (name, limit) in limits {
        let name = name.as_str().unwrap_or_default().to_string();
        if let Some(n) = limit.get("count").and_then(|c| c.as_i64()) {
            out.insert(name, n.to_string());
        } else if let Some(d) = limit.get("duration").and_then(|d| d.as_str()) {
            out.insert(name, duration_words(d));
        }
    }
    out
}

/// `24h` → `24 hours`, `90m` → `1 hour and 30 minutes`: hours, minutes, seconds.
fn duration_words(d: &str) -> String {
    let mut secs = 0u64;
    let mut digits = String::new();
    for c in d.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits
            .parse()
            .unwrap_or_else(|_| panic!("bad duration {d}"));
        digits.clear();
        secs += n * match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => panic!("bad duration {d}"),
        };
    }
    let parts: Vec<String> = [
        (secs / 3_600, "hour"),
        (secs / 60 % 60, "minute"),
        (secs % 60, "second"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, unit)| format!("{n} {unit}{}", if n == 1 { "" } else { "s" }))
    .collect();
    match parts.as_slice() {
        [] => "0 seconds".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A message text of the ICP table with its `{limits.<name>}` placeholders written in (the
/// only placeholders the ICP messages hold) and `{{`/`}}` read as braces.
fn fill(text: &str, limits: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if after.starts_with("{{") || after.starts_with("}}") {
            out.push_str(&after[..1]);
            rest = &after[2..];
            continue;
        }
        let end = after
            .find('}')
            .unwrap_or_else(|| panic!("an unclosed placeholder in {text:?}"));
        let name = after[1..end]
            .strip_prefix("limits.")
            .unwrap_or_else(|| panic!("the model reads only `{{limits.<name>}}`: {text:?}"));
        out.push_str(
            limits
                .get(name)
                .unwrap_or_else(|| panic!("no count or duration limit `{name}`")),
        );
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The message texts of `rules/icp/messages.yaml`, for the model.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let limits = limit_texts();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/icp/messages.yaml");
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        let doc: serde_yaml::Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path} is no YAML: {e}"));
        let messages = doc
            .get("messages")
            .and_then(|m| m.as_mapping())
            .unwrap_or_else(|| panic!("{path} has no `messages` mapping"));
        Catalogue::new(messages.iter().map(|(id, m)| {
            let id = id
                .as_str()
                .unwrap_or_else(|| panic!("{path}: a message id is no string"))
                .to_string();
            let field = |key: &str| {
                let text = m
                    .get(key)
                    .and_then(|v| v.as_str())
                    .unwrap_or_else(|| panic!("{path}: message `{id}` has no `{key}` text"));
                fill(text, &limits)
            };
            let texts = MessageText {
                text: field("text"),
                result: field("result"),
                next_step: field("next_step"),
            };
            (id, texts)
        }))
    })
}

/// Renders a script to JSON lines.
pub fn render(script: &Script, opts: &RenderOpts) -> Rendered {
    let mut r = Renderer {
        opts: *opts,
        model: Model::with_catalogue(catalogue().clone()),
        now: start() + opts.shift,
        sms_sent: 0,
        sent: HashMap::new(),
        out: Rendered::default(),
    };
    for step in &script.steps {
        r.step(step);
    }
    r.out
}

impl Script {
    /// The rendered lines, with the default options.
    pub fn lines(&self) -> Vec<String> {
        render(self, &RenderOpts::default()).lines
    }
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, line) in self.lines().iter().enumerate() {
            writeln!(f, "{:>3} {line}", i + 1)?;
        }
        Ok(())
    }
}

fn is_live(status: &str) -> bool {
    matches!(
        status,
        "awaiting_sync" | "awaiting_validation" | "partially_validated"
    )
}

fn is_open(status: &str) -> bool {
    matches!(status, "awaiting_validation" | "partially_validated")
}

/// A filing of the world: mostly (`k < 224`) a live one when there is one, otherwise any.
pub fn pick_filing(view: &[FilingView], k: u8) -> Option<&FilingView> {
    let live: Vec<&FilingView> = view.iter().filter(|f| is_live(f.status)).collect();
    if k < 224 && !live.is_empty() {
        Some(live[usize::from(k) % live.len()])
    } else if view.is_empty() {
        None
    } else {
        Some(&view[usize::from(k) % view.len()])
    }
}

struct Renderer {
    opts: RenderOpts,
    model: Model,
    now: Timestamp,
    /// How many SMSs were rendered (for [`SmsCode::Next`]).
    sms_sent: usize,
    /// The codes accepted for each phone, in order.
    sent: HashMap<String, Vec<String>>,
    out: Rendered,
}

impl Renderer {
    fn emit(&mut self, line: String, at: Option<Timestamp>) -> bool {
        let seq = self.out.lines.len() + 1;
        let mut record = String::new();
        let ok = self.model.run_line(seq, &line, &mut record);
        self.out.lines.push(line);
        self.out.instants.push(at);
        self.out.model.push(record);
        self.out.accepted.push(ok);
        ok
    }

    /// The instant of the next event, moving the clock on.
    fn time(&mut self, gap: Gap) -> Timestamp {
        let secs = |s: i64| SignedDuration::from_secs(s);
        match gap {
            Gap::Same => {}
            Gap::Seconds(s) => self.now += secs(i64::from(s)),
            Gap::Minutes(m) => self.now += secs(60 * i64::from(m)),
            Gap::Hours(h) => self.now += secs(3600 * i64::from(h)),
            Gap::Deadline { pick, delta } => {
                let mut ends: Vec<Timestamp> = self
                    .model
                    .view()
                    .iter()
                    .filter_map(|f| f.window_end)
                    .filter(|end| *end + secs(1) >= self.now)
                    .collect();
                ends.sort();
                ends.dedup();
                if !ends.is_empty() {
                    let target = nth(&ends, pick) + secs(i64::from(delta));
                    self.now = self.now.max(target);
                }
            }
            Gap::Back(s) => {
                let clock = self.model.clock().unwrap_or(self.now);
                return clock - secs(i64::from(s));
            }
        }
        self.now
    }

    fn step(&mut self, step: &Step) {
        let t = self.time(step.gap);
        let at = quote(&stamp(t, self.opts.zone.unwrap_or(step.zone)));
        let view = self.model.view();
        match &step.action {
            Action::Tick => {
                self.emit(Obj::event("tick", &at).done(), Some(t));
            }
            Action::Order(order) => {
                let line = order_line(order, &at, &view);
                self.emit(line, Some(t));
            }
            &Action::Sms {
                filing,
                to,
                code,
                sender,
            } => self.sms(&view, &at, t, (filing, to, code, sender)),
            &Action::Attempt {
                who,
                code,
                cert,
                times,
            } => {
                let view = self.ensure_pending(view, who, &at, t);
                let (phone, right_cert, latest) = person(&view, who);
                let code = self.code(&phone, latest, code);
                let line = Obj::event("validation_attempt", &at)
                    .str("phone", &phone)
                    .str("code", &code)
                    .str("cert_last6", &cert_of(&right_cert, cert))
                    .done();
                for _ in 0..times.max(1) {
                    self.emit(line.clone(), Some(t));
                }
            }
            &Action::Resend { who, cert, times } => {
                let view = self.ensure_pending(view, who, &at, t);
                let (phone, right_cert, _) = person(&view, who);
                let line = Obj::event("resend_request", &at)
                    .str("phone", &phone)
                    .str("cert_last6", &cert_of(&right_cert, cert))
                    .done();
                for _ in 0..times.max(1) {
                    self.emit(line.clone(), Some(t));
                }
            }
            &Action::PhoneChange {
                filing,
                role,
                new_phone,
            } => {
                let id = filing_id(&view, filing);
                let role = match role {
                    RoleChoice::Leader => "entity_leader",
                    RoleChoice::Admin => "website_admin",
                    RoleChoice::Unknown => "owner",
                };
                let phones: Vec<&str> = all_phones().collect();
                let line = Obj::event("phone_change", &at)
                    .str("filing", &id)
                    .str("role", role)
                    .str("new_phone", nth(&phones, new_phone))
                    .done();
                self.emit(line, Some(t));
            }
            &Action::Cancel { filing } => {
                let id = filing_id(&view, filing);
                let line = Obj::event("order_canceled", &at).str("filing", &id).done();
                self.emit(line, Some(t));
            }
            &Action::Bad(bad) => {
                let (line, names_time) = bad_line(bad, &at, &view);
                self.emit(line, names_time.then_some(t));
            }
        }
    }

    /// For [`Who::Pending`] when nobody is pending: an SMS to a person who is waiting for one.
    fn ensure_pending(
        &mut self,
        view: Vec<FilingView>,
        who: Who,
        at: &str,
        t: Timestamp,
    ) -> Vec<FilingView> {
        let Who::Pending(k) = who else {
            return view;
        };
        let pending = |f: &FilingView| {
            is_open(f.status) && f.people.iter().any(|p| !p.validated && p.code.is_some())
        };
        if view.iter().any(pending) {
            return view;
        }
        let waiting: Vec<(&str, &str)> = view
            .iter()
            .filter(|f| is_live(f.status))
            .flat_map(|f| {
                f.people
                    .iter()
                    .filter(|p| !p.validated)
                    .map(|p| (f.id.as_str(), p.phone.as_str()))
            })
            .collect();
        if waiting.is_empty() {
            return view;
        }
        let (id, phone) = nth(&waiting, k);
        let code = CODES[self.sms_sent % CODES.len()];
        self.sms_sent += 1;
        let line = Obj::event("sms_sent", at)
            .str("filing", id)
            .str("phone", phone)
            .str("code", code)
            .done();
        let phone = phone.to_string();
        if self.emit(line, Some(t)) {
            self.sent.entry(phone).or_default().push(code.to_string());
        }
        self.model.view()
    }

    fn sms(
        &mut self,
        view: &[FilingView],
        at: &str,
        t: Timestamp,
        (filing, to, code, sender): (u8, Recipient, SmsCode, Sender),
    ) {
        let phones: Vec<&str> = all_phones().collect();
        let (id, phone) = match pick_filing(view, filing) {
            None => (
                nth(&UNKNOWN_IDS, filing).to_string(),
                nth(&phones, filing).to_string(),
            ),
            Some(f) => {
                let phone = match to {
                    Recipient::Waiting(k) | Recipient::Required(k) => {
                        let waiting_only = matches!(to, Recipient::Waiting(_))
                            && f.people.iter().any(|p| !p.validated);
                        let candidates: Vec<&str> = f
                            .people
                            .iter()
                            .filter(|p| !(waiting_only && p.validated))
                            .map(|p| p.phone.as_str())
                            .collect();
                        if candidates.is_empty() {
                            nth(&phones, k)
                        } else {
                            nth(&candidates, k)
                        }
                    }
                    Recipient::AnyPhone(k) => nth(&phones, k),
                };
                (f.id.clone(), phone.to_string())
            }
        };
        let code = match code {
            SmsCode::Next => CODES[self.sms_sent % CODES.len()],
            SmsCode::Pool(k) => nth(&CODES, k),
        };
        self.sms_sent += 1;
        let mut line = Obj::event("sms_sent", at)
            .str("filing", &id)
            .str("phone", &phone)
            .str("code", code);
        let miit = match sender {
            Sender::Absent => true,
            Sender::Null => {
                line = line.raw("sender", "null");
                true
            }
            Sender::Miit => {
                line = line.str("sender", "12381");
                true
            }
            Sender::MiitLong(k) => {
                line = line.str("sender", nth(&MIIT_LONG, k));
                true
            }
            Sender::Other(k) => {
                line = line.str("sender", nth(&BAD_SENDERS, k));
                false
            }
        };
        if self.emit(line.done(), Some(t)) && miit {
            self.sent.entry(phone).or_default().push(code.to_string());
        }
    }

    /// The code an attempt enters.
    fn code(&self, phone: &str, latest: Option<String>, choice: CodeChoice) -> String {
        let sent = self.sent.get(phone).map(Vec::as_slice).unwrap_or_default();
        match choice {
            CodeChoice::Latest => latest
                .or_else(|| sent.last().cloned())
                .unwrap_or_else(|| CODES[0].to_string()),
            CodeChoice::Old => {
                let latest = latest.or_else(|| sent.last().cloned());
                sent.iter()
                    .rev()
                    .find(|c| Some(*c) != latest.as_ref())
                    .cloned()
                    .unwrap_or_else(|| CODES[3].to_string())
            }
            CodeChoice::Pool(k) => nth(&CODES, k).to_string(),
        }
    }
}

/// The id of a filing of the world (an unknown one when there is none).
fn filing_id(view: &[FilingView], k: u8) -> String {
    pick_filing(view, k).map_or_else(|| nth(&UNKNOWN_IDS, k).to_string(), |f| f.id.clone())
}

/// A person's phone, certificate digits and latest code (if pending or at least sent).
fn person(view: &[FilingView], who: Who) -> (String, String, Option<String>) {
    let everyone = || {
        view.iter()
            .flat_map(|f| f.people.iter().map(move |p| (f, p)))
            .collect::<Vec<_>>()
    };
    let pending: Vec<_> = everyone()
        .into_iter()
        .filter(|(f, p)| is_open(f.status) && !p.validated && p.code.is_some())
        .collect();
    let all = everyone();
    let k = match who {
        Who::Pending(k) if !pending.is_empty() => {
            let (_, p) = nth(&pending, k);
            return (p.phone.clone(), p.cert.clone(), p.code.clone());
        }
        Who::Pending(k) | Who::Anyone(k) => k,
        Who::Stranger(k) => {
            let (phone, cert) = nth(&STRANGERS, k);
            return (phone.into(), cert.into(), None);
        }
    };
    if all.is_empty() {
        let (phone, cert) = nth(&STRANGERS, k);
        return (phone.into(), cert.into(), None);
    }
    let (_, p) = nth(&all, k);
    (p.phone.clone(), p.cert.clone(), p.code.clone())
}

fn cert_of(right: &str, choice: CertChoice) -> String {
    match choice {
        CertChoice::Right => right.to_string(),
        CertChoice::OtherCase => right.replace('X', "x"),
        CertChoice::Wrong(k) => {
            let others: Vec<&str> = CERTS.iter().copied().filter(|c| *c != right).collect();
            nth(&others, k).to_string()
        }
    }
}
