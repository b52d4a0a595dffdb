//! What an event produced: outcomes per case, and the output record of one input line.

use crate::shown::Shown;
use crate::value::Text;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::sync::Arc;

/// A message from the policy's messages table, as shown to the user. In JSON, its keys come
/// in this order: `id`, `text`, `result`, `next_step`, then the table's extra columns in the
/// order its `columns:` declares them.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageOut {
    /// The message as JSON, written once when it is made (when the policy is loaded, for a
    /// message without placeholders).
    json: Box<str>,
    /// The message id (a key of the messages table).
    pub id: String,
    /// The text shown to the user.
    pub text: String,
    /// What happened, in the user's terms.
    pub result: String,
    /// What the user should do next.
    pub next_step: String,
    /// The table's extra columns (`columns: [audience]`): name and text, in declared order.
    pub columns: Vec<(String, String)>,
}

impl Serialize for MessageOut {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4 + self.columns.len()))?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("text", &self.text)?;
        m.serialize_entry("result", &self.result)?;
        m.serialize_entry("next_step", &self.next_step)?;
        for (k, v) in &self.columns {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// What one event did to (or answered about) one case, or about nobody (`case: None`).
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The policy's name for its case type, used as the JSON key (e.g. `filing`).
    pub case_name: Name,
    /// The case's key, or `None` for an answer about a person rather than a case (held
    /// without an allocation when short: a tick may answer about a million cases).
    pub case: Option<Text>,
    /// The case's status after the event.
    pub status: Option<Name>,
    /// The messages the rules emitted for this case, in order (shared with the policy:
    /// an outcome does not copy their texts).
    pub messages: Messages,
    /// Values the rules chose to show (`show name = …`), in order.
    pub shows: Vec<(Arc<str>, Shown)>,
}

/// The outcomes of one event, in order: a slice (it derefs to `[Outcome]`). Most events
/// have one outcome, and it is held without a buffer of its own: applying such an event
/// allocates nothing for its answer.
#[derive(Clone, Default)]
pub struct Outcomes(Several);

#[derive(Clone, Default)]
enum Several {
    #[default]
    None,
    One(Outcome),
    // INVARIANT: never fewer than two (`Outcomes::push`, `From<Vec<Outcome>>`).
    More(Vec<Outcome>),
}

impl Outcomes {
    /// No outcomes.
    pub fn new() -> Outcomes {
        Outcomes(Several::None)
    }

    /// Appends `o` (a buffer is made for the second).
    #[inline]
    pub fn push(&mut self, o: Outcome) {
        match &mut self.0 {
            Several::None => self.0 = Several::One(o),
            Several::More(v) => v.push(o),
            Several::One(_) => self.push_second(o),
        }
    }

    /// [`Outcomes::push`] of a second outcome, which makes the buffer (out of line: most
    /// events have one).
    #[cold]
    #[inline(never)]
    fn push_second(&mut self, o: Outcome) {
        if let Several::One(first) = std::mem::take(&mut self.0) {
            self.0 = Several::More(vec![first, o]);
        }
    }

    /// Empties it.
    pub fn clear(&mut self) {
        self.0 = Several::None;
    }

    /// The outcomes, as a slice.
    pub fn as_slice(&self) -> &[Outcome] {
        match &self.0 {
            Several::None => &[],
            Several::One(o) => std::slice::from_ref(o),
            Several::More(v) => v,
        }
    }

    /// The outcomes, as a vector (made for one outcome).
    pub fn into_vec(self) -> Vec<Outcome> {
        match self.0 {
            Several::None => Vec::new(),
            Several::One(o) => vec![o],
            Several::More(v) => v,
        }
    }

    /// The outcomes, and the buffer that held them when there were several (for
    /// [`crate::eval`] to keep).
    pub(crate) fn into_parts(self) -> (Option<Outcome>, Option<Vec<Outcome>>) {
        match self.0 {
            Several::None => (None, None),
            Several::One(o) => (Some(o), None),
            Several::More(v) => (None, Some(v)),
        }
    }
}

impl std::ops::Deref for Outcomes {
    type Target = [Outcome];

    fn deref(&self) -> &[Outcome] {
        self.as_slice()
    }
}

impl std::ops::DerefMut for Outcomes {
    fn deref_mut(&mut self) -> &mut [Outcome] {
        match &mut self.0 {
            Several::None => &mut [],
            Several::One(o) => std::slice::from_mut(o),
            Several::More(v) => v,
        }
    }
}

impl From<Vec<Outcome>> for Outcomes {
    fn from(mut v: Vec<Outcome>) -> Outcomes {
        Outcomes(match v.len() {
            0 => Several::None,
            1 => match v.pop() {
                Some(o) => Several::One(o),
                None => Several::None,
            },
            _ => Several::More(v),
        })
    }
}

impl From<Outcomes> for Vec<Outcome> {
    fn from(o: Outcomes) -> Vec<Outcome> {
        o.into_vec()
    }
}

impl FromIterator<Outcome> for Outcomes {
    fn from_iter<I: IntoIterator<Item = Outcome>>(items: I) -> Outcomes {
        let mut out = Outcomes::new();
        for o in items {
            out.push(o);
        }
        out
    }
}

/// The outcomes of an [`Outcomes`], in order, by value.
pub struct OutcomesIter(Either);

enum Either {
    One(std::option::IntoIter<Outcome>),
    More(std::vec::IntoIter<Outcome>),
}

impl Iterator for OutcomesIter {
    type Item = Outcome;

    fn next(&mut self) -> Option<Outcome> {
        match &mut self.0 {
            Either::One(o) => o.next(),
            Either::More(v) => v.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            Either::One(o) => o.size_hint(),
            Either::More(v) => v.size_hint(),
        }
    }
}

impl ExactSizeIterator for OutcomesIter {}

impl DoubleEndedIterator for OutcomesIter {
    fn next_back(&mut self) -> Option<Outcome> {
        match &mut self.0 {
            Either::One(o) => o.next_back(),
            Either::More(v) => v.next_back(),
        }
    }
}

impl IntoIterator for Outcomes {
    type Item = Outcome;
    type IntoIter = OutcomesIter;

    fn into_iter(self) -> OutcomesIter {
        OutcomesIter(match self.0 {
            Several::None => Either::One(None.into_iter()),
            Several::One(o) => Either::One(Some(o).into_iter()),
            Several::More(v) => Either::More(v.into_iter()),
        })
    }
}

impl<'a> IntoIterator for &'a Outcomes {
    type Item = &'a Outcome;
    type IntoIter = std::slice::Iter<'a, Outcome>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl PartialEq for Outcomes {
    fn eq(&self, other: &Outcomes) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl PartialEq<Vec<Outcome>> for Outcomes {
    fn eq(&self, other: &Vec<Outcome>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl std::fmt::Debug for Outcomes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl Serialize for Outcomes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.as_slice())
    }
}

/// The messages of an [`Outcome`], in order: a slice of shared messages (it derefs to
/// `[Arc<MessageOut>]`). Most outcomes hold one, and a tick may make a million of them, so
/// one message is held without a buffer of its own, and an outcome without messages or with
/// one takes no allocation for them.
#[derive(Clone, Default)]
pub struct Messages(Option<Held>);

#[derive(Clone)]
enum Held {
    One(Arc<MessageOut>),
    // boxed so that `Messages` is two words, not four: more than one message is rare
    #[allow(clippy::box_collection)]
    More(Box<Vec<Arc<MessageOut>>>),
}

// what the box is for: `Messages` is two words, not three (a million outcomes, 8 MB less)
const _: () = assert!(std::mem::size_of::<Messages>() == 16);
// a tick may answer about a million cases at once: an outcome is 80 bytes, not 104
const _: () = assert!(std::mem::size_of::<Outcome>() == 80);

impl Messages {
    /// No messages.
    pub const fn new() -> Messages {
        Messages(None)
    }

    /// Adds `message` after the others.
    pub fn push(&mut self, message: Arc<MessageOut>) {
        match &mut self.0 {
            None => self.0 = Some(Held::One(message)),
            Some(Held::More(v)) => v.push(message),
            Some(Held::One(_)) => {
                if let Some(Held::One(first)) = self.0.take() {
                    self.0 = Some(Held::More(Box::new(vec![first, message])));
                }
            }
        }
    }

    /// Removes every message, keeping a buffer for more than one.
    pub fn clear(&mut self) {
        match &mut self.0 {
            Some(Held::More(v)) => v.clear(),
            _ => self.0 = None,
        }
    }

    /// How many messages its buffer holds (0: it has none, holding one message or none).
    pub(crate) fn capacity(&self) -> usize {
        match &self.0 {
            Some(Held::More(v)) => v.capacity(),
            _ => 0,
        }
    }
}

impl std::ops::Deref for Messages {
    type Target = [Arc<MessageOut>];

    fn deref(&self) -> &[Arc<MessageOut>] {
        match &self.0 {
            None => &[],
            Some(Held::One(m)) => std::slice::from_ref(m),
            Some(Held::More(v)) => v,
        }
    }
}

impl<'a> IntoIterator for &'a Messages {
    type Item = &'a Arc<MessageOut>;
    type IntoIter = std::slice::Iter<'a, Arc<MessageOut>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl From<Vec<Arc<MessageOut>>> for Messages {
    fn from(v: Vec<Arc<MessageOut>>) -> Messages {
        v.into_iter().collect()
    }
}

impl FromIterator<Arc<MessageOut>> for Messages {
    fn from_iter<I: IntoIterator<Item = Arc<MessageOut>>>(items: I) -> Messages {
        let mut m = Messages::new();
        for item in items {
            m.push(item);
        }
        m
    }
}

impl PartialEq for Messages {
    fn eq(&self, other: &Messages) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Messages {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// A name of the policy's (a case type's, a status's) as an [`Outcome`] holds it: one word,
/// copied without a reference count (it derefs to `str`). It is compared, ordered and hashed
/// as its string.
///
/// Names are interned for the life of the process: each distinct name is kept once, the
/// first time a policy (or a caller) makes it, and never freed. A policy's names are its
/// vocabulary (case types, statuses), so loading policies again and again keeps no more
/// than the distinct names they use; make names from such a vocabulary, not from unbounded
/// input. In exchange an outcome takes and lets go of its two names without an atomic
/// operation each (about 4 ns apiece on the machines we measure on, docs/performance.md).
#[derive(Clone, Copy)]
pub struct Name(&'static Spelled);

/// A name, and the name written as a JSON string once, when it is made: every outcome
/// writes its case type's name and its status's.
struct Spelled {
    name: Box<str>,
    json: Box<str>,
}

impl Name {
    /// The one interned name spelled `name`, made the first time it is asked for.
    fn new(name: &str) -> Name {
        use std::collections::HashMap;
        use std::sync::{LazyLock, Mutex, PoisonError};
        static NAMES: LazyLock<Mutex<HashMap<&'static str, &'static Spelled>>> =
            LazyLock::new(Mutex::default);
        // (a panic elsewhere while the lock was held left the map whole: each insert is one
        // call, after the name was made)
        let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(spelled) = names.get(name) {
            return Name(spelled);
        }
        let mut json = String::with_capacity(name.len() + 2);
        push_json_str(&mut json, name);
        let spelled: &'static Spelled = Box::leak(Box::new(Spelled {
            name: name.into(),
            json: json.into(),
        }));
        names.insert(&spelled.name, spelled);
        Name(spelled)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0.name
    }

    /// The name as a JSON string (quoted, escaped).
    fn json(&self) -> &str {
        &self.0.json
    }

    /// Whether the two are the one interned name: whether they are equal.
    pub(crate) fn same(&self, other: &Name) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl std::ops::Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        // (interned: one name per spelling)
        self.same(other)
    }
}

impl Eq for Name {}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Name {
    // as `str` hashes: a map keyed by names finds a `&str` (`Borrow`)
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name::new(s)
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name::new(&s)
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl MessageOut {
    /// A message with its texts.
    pub fn new(id: String, text: String, result: String, next_step: String) -> MessageOut {
        MessageOut::with_columns(id, text, result, next_step, Vec::new())
    }

    /// A message with its texts and the texts of its table's extra columns, in order.
    pub fn with_columns(
        id: String,
        text: String,
        result: String,
        next_step: String,
        columns: Vec<(String, String)>,
    ) -> MessageOut {
        let mut json = String::with_capacity(
            48 + id.len()
                + text.len()
                + result.len()
                + next_step.len()
                + columns
                    .iter()
                    .map(|(k, v)| 6 + k.len() + v.len())
                    .sum::<usize>(),
        );
        json.push_str("{\"id\":");
        push_json_str(&mut json, &id);
        json.push_str(",\"text\":");
        push_json_str(&mut json, &text);
        json.push_str(",\"result\":");
        push_json_str(&mut json, &result);
        json.push_str(",\"next_step\":");
        push_json_str(&mut json, &next_step);
        for (k, v) in &columns {
            json.push(',');
            push_json_str(&mut json, k);
            json.push(':');
            push_json_str(&mut json, v);
        }
        json.push('}');
        MessageOut {
            json: json.into(),
            id,
            text,
            result,
            next_step,
            columns,
        }
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3 + self.shows.len()))?;
        // a stateless policy (no case type) answers without naming a case
        if !self.case_name.is_empty() {
            m.serialize_entry(&*self.case_name, &self.case)?;
            m.serialize_entry("status", &self.status)?;
        }
        m.serialize_entry("messages", &self.messages)?;
        for (k, v) in &self.shows {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Outcome {
    fn write_json(&self, out: &mut String) {
        out.push('{');
        // a stateless policy (no case type) answers without naming a case
        if !self.case_name.is_empty() {
            out.push_str(self.case_name.json());
            out.push(':');
            push_opt_json_str(out, self.case.as_deref());
            out.push_str(",\"status\":");
            out.push_str(self.status.as_ref().map_or("null", Name::json));
            out.push(',');
        }
        out.push_str("\"messages\":[");
        for (i, m) in self.messages.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&m.json);
        }
        out.push(']');
        for (k, v) in &self.shows {
            out.push(',');
            push_json_str(out, k);
            out.push(':');
            v.write_json(out);
        }
        out.push('}');
    }
}

/// Appends `n` in decimal (without the formatting machinery: once a record).
fn push_decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

fn push_opt_json_str(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => push_json_str(out, s),
        None => out.push_str("null"),
    }
}

/// Appends `s` as a JSON string, escaped exactly as serde_json escapes it: `"`, `\\` and
/// control characters only (`\n`-style where JSON has a short form, `\u00XX` otherwise).
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    if is_clean(s.as_bytes()) {
        // most strings need no escape: copied whole
        out.push_str(s);
    } else {
        push_escaped(out, s);
    }
    out.push('"');
}

/// Whether no byte of `b` needs an escape: read eight bytes at a time, the last word the
/// one ending at the end (it may overlap the word before: those bytes are checked twice).
fn is_clean(b: &[u8]) -> bool {
    let n = b.len();
    if n < 8 {
        return (b.iter()).all(|&c| c >= 0x20 && c != b'"' && c != b'\\');
    }
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let mut at = 0;
    while at + 8 < n {
        if needs_escape(word(at)) {
            return false;
        }
        at += 8;
    }
    !needs_escape(word(n - 8))
}

/// `s` escaped, without its quotes.
#[inline(never)]
fn push_escaped(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if short.is_empty() {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// Whether any of the eight bytes of `w` is a control character, `"` or `\\` (a bit trick:
/// a byte below `n` has its top bit set after subtracting `n` from it, if it was not set).
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |v: u64, n: u64| v.wrapping_sub(ONES * n) & !v & HIGH;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    below(w, 0x20) | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) != 0
}

/// The output record of one input line: its outcomes, or the error that refused it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    /// The 1-based line number.
    pub seq: usize,
    /// The event's `type`, when the line had one.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub event_type: Option<Text>,
    /// The event's `at`, exactly as given, when the line had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The outcomes, or the error.
    #[serde(flatten)]
    pub body: RecordBody,
}

/// Either the outcomes of an accepted event or the error of a refused one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum RecordBody {
    /// The event was applied: what it did, case by case.
    #[serde(rename = "outcomes")]
    Outcomes(Outcomes),
    /// The line was refused (`line N: …`); the world is unchanged.
    #[serde(rename = "error")]
    Error(String),
}

impl Record {
    /// Gives the buffers of the record's outcomes back to this thread's evaluator, which
    /// reuses them for the next event's outcomes, and its `at` text to the next line read:
    /// optional, for a program that runs many lines and is done with each record once
    /// written.
    pub fn recycle(self) {
        if let Some(at) = self.at {
            crate::event::give_at(at);
        }
        if let RecordBody::Outcomes(outcomes) = self.body {
            crate::eval::recycle(outcomes);
        }
    }

    /// Whether the line was refused.
    pub fn is_error(&self) -> bool {
        matches!(self.body, RecordBody::Error(_))
    }

    /// One line of JSON, without a newline.
    ///
    /// The same text as serializing the record with serde_json, written directly: message
    /// texts were written as JSON once, when the policy was loaded.
    pub fn to_json(&self) -> String {
        // Sized up front: growing the buffer through every power of two costs more than
        // the writing when the messages are long.
        let mut out = String::with_capacity(self.estimated_len());
        self.write_json(&mut out);
        out
    }

    /// Appends [`Record::to_json`] to `out`, for a caller that reuses one buffer.
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"seq\":");
        push_decimal(out, self.seq);
        if let Some(t) = &self.event_type {
            out.push_str(",\"type\":");
            push_json_str(out, t);
        }
        if let Some(at) = &self.at {
            out.push_str(",\"at\":");
            push_json_str(out, at);
        }
        match &self.body {
            RecordBody::Error(e) => {
                out.push_str(",\"error\":");
                push_json_str(out, e);
            }
            RecordBody::Outcomes(outcomes) => {
                out.push_str(",\"outcomes\":[");
                for (i, o) in outcomes.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    o.write_json(out);
                }
                out.push(']');
            }
        }
        out.push('}');
    }

    /// About how long [`Record::to_json`] is, erring long.
    fn estimated_len(&self) -> usize {
        let head = 64 + self.at.as_ref().map_or(0, String::len);
        match &self.body {
            RecordBody::Error(e) => head + e.len() + e.len() / 8,
            RecordBody::Outcomes(outcomes) => {
                head + outcomes
                    .iter()
                    .map(|o| {
                        96 + o.case.as_ref().map_or(0, |k| k.len())
                            + o.shows.len() * 64
                            + o.messages.iter().map(|m| 1 + m.json.len()).sum::<usize>()
                    })
                    .sum::<usize>()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn a_number_is_written_as_display_writes_it() {
        let numbers = [
            0,
            1,
            9,
            10,
            99,
            100,
            12_345,
            1 << 40,
            usize::MAX - 1,
            usize::MAX,
        ];
        for n in numbers.into_iter().chain((0..2_000).map(|i| i * 7_919)) {
            let mut out = String::from("x");
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }

    #[test]
    fn outcomes_are_their_slice_and_hold_one_without_a_buffer() {
        let o = |key: &str| Outcome {
            case_name: Name::from("thing"),
            case: Some(key.into()),
            status: None,
            messages: Messages::new(),
            shows: Vec::new(),
        };
        let all: Vec<Outcome> = ["a", "b", "c"].into_iter().map(o).collect();
        let mut pushed = Outcomes::new();
        assert!(pushed.is_empty() && pushed.clone().into_vec().is_empty());
        for (i, x) in all.iter().enumerate() {
            pushed.push(x.clone());
            assert_eq!(pushed.as_slice(), &all[..=i]);
            assert_eq!(&*pushed, &all[..=i]);
            assert_eq!(pushed.clone().into_vec(), all[..=i].to_vec());
            assert_eq!(pushed.clone().into_iter().collect::<Vec<_>>(), all[..=i]);
            assert_eq!(pushed.clone().into_iter().rev().count(), i + 1);
            assert_eq!(pushed, Outcomes::from(all[..=i].to_vec()));
            assert_eq!(pushed, all[..=i].iter().cloned().collect::<Outcomes>());
            assert_eq!(format!("{pushed:?}"), format!("{:?}", &all[..=i]));
            assert_eq!(
                serde_json::to_string(&pushed).ok(),
                serde_json::to_string(&all[..=i]).ok()
            );
        }
        let one = Outcomes::from(vec![o("a")]);
        assert!(matches!(one.0, Several::One(_)));
        let mut more = pushed.clone();
        more[1].case = Some("B".into());
        assert_eq!(more.get(1).and_then(|x| x.case.as_deref()), Some("B"));
        more.clear();
        assert!(more.is_empty());
    }

    #[test]
    fn a_name_is_made_once_per_spelling() {
        let a = Name::from("in_progress");
        let b = Name::from(String::from("in_progress"));
        let c = Name::from("in progress \"quoted\"");
        assert!(a.same(&b) && a == b);
        assert!(!a.same(&c) && a != c);
        assert_eq!(a.as_str(), "in_progress");
        assert_eq!(a.json(), "\"in_progress\"");
        assert_eq!(c.json(), r#""in progress \"quoted\"""#);
        assert_eq!(Name::from("").json(), "\"\"");
        assert!(c < a && a.cmp(&b).is_eq());
    }

    #[test]
    fn messages_are_their_slice() {
        let m = |id: &str| {
            Arc::new(MessageOut::new(
                id.into(),
                "t".into(),
                "r".into(),
                "".into(),
            ))
        };
        let all = vec![m("a"), m("b"), m("c")];
        let mut pushed = Messages::new();
        assert!(pushed.is_empty());
        for (i, x) in all.iter().enumerate() {
            pushed.push(x.clone());
            assert_eq!(&*pushed, &all[..=i]);
        }
        assert_eq!(pushed, Messages::from(all.clone()));
        assert_eq!(
            serde_json::to_string(&pushed).ok(),
            serde_json::to_string(&all).ok()
        );
        assert_eq!(format!("{pushed:?}"), format!("{all:?}"));
        // one message held alone or in a buffer of more is the same; so is none
        let mut one = pushed.clone();
        one.clear();
        assert_eq!(one, Messages::new());
        one.push(all[0].clone());
        assert_eq!(one, all[..1].iter().cloned().collect());

        let name = Name::from("open");
        assert!(name == "open" && name.as_str() == "open" && format!("{name}") == "open");
        assert_eq!(
            serde_json::to_string(&name).ok().as_deref(),
            Some("\"open\"")
        );
    }

    fn record(body: RecordBody) -> Record {
        Record {
            seq: 7,
            event_type: Some("ty\"pe".into()),
            at: Some("2026-11-28T10:00:00+08:00".into()),
            body,
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let all: String = (0u8..0x80).map(char::from).chain("é€😀".chars()).collect();
        let long = format!("{all}{all} plain text of some length \" then more");
        for s in [
            "",
            "plain",
            "a\"b\\c",
            "\u{1f}\u{7f}\u{0}",
            &all,
            &long,
            "12345678\n",
            "1234567\u{80}",
        ] {
            let mut out = String::new();
            push_json_str(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn every_byte_is_escaped_where_serde_json_escapes_it_at_every_position() {
        // every length up to three words and a part: the short ones, the whole words and
        // the last word that overlaps the one before alike
        for (b, len) in (0u8..0x80).flat_map(|b| (1..=25).map(move |len| (b, len))) {
            for at in 0..len {
                let mut s = "x".repeat(len);
                s.replace_range(at..at + 1, &char::from(b).to_string());
                let mut out = String::new();
                push_json_str(&mut out, &s);
                assert_eq!(
                    out,
                    serde_json::to_string(&s).unwrap(),
                    "byte {b:#x} at {at} of {len}"
                );
            }
        }
    }

    #[test]
    fn to_json_writes_what_serde_json_writes() {
        let m = Arc::new(MessageOut::new(
            "id".into(),
            "Text \"quoted\"\n".into(),
            "r".into(),
            String::new(),
        ));
        let with_columns = Arc::new(MessageOut::with_columns(
            "id2".into(),
            "t".into(),
            "r".into(),
            "n".into(),
            vec![
                ("audience".into(), "applicant \"A\"".into()),
                ("channel".into(), "sms".into()),
            ],
        ));
        let outcome = |case: Option<&str>, shows| Outcome {
            // names a policy cannot declare, to show they are escaped (once, when made)
            case_name: "ca\"se".into(),
            case: case.map(Text::from),
            status: case.map(|_| "op\u{1}en".into()),
            messages: vec![m.clone(), with_columns.clone(), m.clone()].into(),
            shows,
        };
        let records = [
            record(RecordBody::Error("line 7: bad \"x\"".into())),
            record(RecordBody::Outcomes(Vec::new().into())),
            record(RecordBody::Outcomes(
                vec![
                    outcome(Some("K1"), Vec::new()),
                    outcome(
                        None,
                        vec![(
                            "n".into(),
                            crate::Shown::plain(Value::list(vec![
                                Value::Count(1),
                                Value::text("b"),
                            ])),
                        )],
                    ),
                ]
                .into(),
            )),
            Record {
                seq: 1,
                event_type: None,
                at: None,
                body: RecordBody::Error("no JSON".into()),
            },
        ];
        for r in &records {
            assert_eq!(r.to_json(), serde_json::to_string(r).unwrap());
            assert!(r.to_json().len() <= r.estimated_len(), "{}", r.to_json());
        }
        // extra columns come after the standard ones, in declared order
        assert!(records[2].to_json().contains(
            r#"{"id":"id2","text":"t","result":"r","next_step":"n","audience":"applicant \"A\"","channel":"sms"}"#
        ));
    }
}
