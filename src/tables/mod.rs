//! YAML tables: the policy's vocabulary (who must act, limits, message texts), loaded and
//! checked into typed tables.
//!
//! A table file's kind is its top-level `kind:` key (`requirements`, `limits` or
//! `messages`) and its name is the file stem (`rules/icp/roles.yaml` is table `roles`).
//! Loading collects every problem in the file, each at its line, before giving up.

mod calendar;
mod comments;
mod decode;
mod error;
mod limits;
mod messages;
mod pattern;
mod requirements;
mod template;
pub(crate) mod yaml;

use std::collections::HashMap;

use crate::diag::{did_you_mean, Diagnostic};
use crate::span::{Source, Span};

pub use comments::{comment_above, header_comment};
pub use error::TableError;
pub use pattern::Pattern;

use decode::Cx;
use yaml::Value;

/// The kinds of table, as written after `kind:`.
const KINDS: [&str; 4] = ["requirements", "limits", "messages", "calendar"];

/// A loaded table of any kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Table {
    /// `kind: requirements`
    Requirements(RequirementTable),
    /// `kind: limits`
    Limits(LimitsTable),
    /// `kind: messages`
    Messages(MessagesTable),
    /// `kind: calendar`
    Calendar(crate::calendar::Calendar),
}

/// `kind: requirements`: for each combination of key columns, the set of values (of the
/// type named by `of`) that it requires.
#[derive(Clone, Debug, PartialEq)]
pub struct RequirementTable {
    /// The table's name: its file's stem.
    pub name: String,
    /// The key columns, in order (`[scenario, variant]`).
    pub keys: Vec<String>,
    /// The name of the type of the required values (`role`).
    pub of: String,
    /// The vocabulary of that type, in the order written.
    pub values: Vec<String>,
    /// The rows, in the order written.
    pub rows: Vec<ReqRow>,
    /// The rows by their joined keys (see [`joined`]).
    index: RowIndex,
}

/// Rows by joined key, hashed by [`KeyHasher`].
type RowIndex = HashMap<String, usize, std::hash::BuildHasherDefault<KeyHasher>>;

/// A fast hash of short keys (FxHash's: a rotate, a xor and a multiply a word). A table's
/// keys are the policy's own names, fixed at load, and a lookup only reads: the map cannot
/// be flooded through its input, so it needs no keyed hash (a role lookup spent a third of
/// its time in SipHash).
#[derive(Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl KeyHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// One row of a [`RequirementTable`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReqRow {
    /// The cell of each key column, in the order of [`RequirementTable::keys`].
    pub keys: Vec<String>,
    /// The required values, as indices into [`RequirementTable::values`], sorted, no repeats.
    pub required: Vec<usize>,
    /// The row in its file.
    pub span: Span,
}

impl RequirementTable {
    /// The distinct cells of key column number `key`, in order of first appearance
    /// (empty if there is no such column).
    pub fn column_values(&self, key: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for row in &self.rows {
            if let Some(cell) = row.keys.get(key) {
                if !out.contains(cell) {
                    out.push(cell.clone());
                }
            }
        }
        out
    }

    /// The position in `rows` of the row whose key cells (in the order of
    /// [`RequirementTable::keys`]) are `joined`, each after a [`RequirementTable::SEPARATOR`]
    /// but the first.
    pub fn lookup_joined(&self, joined: &str) -> Option<usize> {
        self.index.get(joined).copied()
    }

    /// What separates the key cells of a joined key.
    pub const SEPARATOR: char = '\u{1f}';
}

/// Key cells joined into one map key. Cells are names (`[a-z_][a-z0-9_]*`), so the
/// separator cannot occur in them.
fn joined<S: AsRef<str>>(keys: &[S]) -> String {
    let mut out = String::new();
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push(RequirementTable::SEPARATOR);
        }
        out.push_str(k.as_ref());
    }
    out
}

/// `kind: limits`: named, typed values.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitsTable {
    /// The table's name: its file's stem.
    pub name: String,
    /// The limits, in the order written.
    pub limits: Vec<Limit>,
}

/// One named limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    /// The limit's name.
    pub name: String,
    /// Its value.
    pub value: LimitValue,
    /// `note: "…"`: where the value comes from, for readers; the rules never read it.
    pub note: Option<String>,
    /// The limit's name in its file.
    pub span: Span,
}

/// The value of a limit.
#[derive(Clone, Debug, PartialEq)]
pub enum LimitValue {
    /// `count: 5`, never negative.
    Count(i64),
    /// `duration: 24h`, never negative.
    Duration(jiff::SignedDuration),
    /// `pattern: '^[0-9]{6}$'`
    Pattern(Pattern),
    /// `text: "…"`
    Text(String),
    /// `period: 1 month`: a calendar period.
    Period(crate::calendar::Period),
    /// `zone: Europe/Paris`: the policy's time zone (from the time-zone database).
    Zone(String, jiff::tz::TimeZone),
}

/// `kind: messages`: the texts of the messages the policy can emit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessagesTable {
    /// The table's name: its file's stem.
    pub name: String,
    /// The extra columns every message of the table has (`columns: [audience]`), in the
    /// order declared: the order they take in the output, after the standard ones.
    pub columns: Vec<String>,
    /// The messages, in the order written.
    pub messages: Vec<Message>,
}

/// One message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The message id.
    pub id: String,
    /// The text shown to the user.
    pub text: MessageText,
    /// What happened, in the user's terms.
    pub result: MessageText,
    /// What the user should do next.
    pub next_step: MessageText,
    /// The table's extra columns, in the order of [`MessagesTable::columns`].
    pub extra: Vec<(String, MessageText)>,
    /// The id in its file.
    pub span: Span,
}

impl Message {
    /// Every column with its name: `text`, `result`, `next_step`, then the extra ones; the
    /// order of the output.
    pub fn columns(&self) -> impl Iterator<Item = (&str, &MessageText)> {
        [
            ("text", &self.text),
            ("result", &self.result),
            ("next_step", &self.next_step),
        ]
        .into_iter()
        .chain(self.extra.iter().map(|(n, t)| (n.as_str(), t)))
    }
}

/// One text of a message: literal text and `{…}` placeholders, in order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MessageText {
    /// The pieces, in order; two texts are never next to each other.
    pub pieces: Vec<Piece>,
}

/// A piece of a [`MessageText`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Literal text, with `{{` and `}}` read as `{` and `}`.
    Text(String),
    /// `{expr}`: the expression's source, and where it is in the file.
    Placeholder {
        /// The text between the braces.
        source: String,
        /// Where `source` is in the file: exactly, or (`exact` false, when the YAML string
        /// does not hold it verbatim, e.g. a block scalar it could not be found in) the
        /// whole value.
        span: Span,
        /// Whether `span` covers exactly `source`.
        exact: bool,
    },
}

impl MessageText {
    /// The text, if it has no placeholder.
    #[cfg(test)]
    pub fn plain(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [] => Some(""),
            [Piece::Text(s)] => Some(s),
            _ => None,
        }
    }
}

/// Loads one table file. `source` is the index of `src` in the caller's source list (the
/// diagnostics point into it); the table's name is the stem of `src.name`. On failure,
/// every problem found in the file, in file order.
pub fn load_table(source: usize, src: &Source) -> Result<Table, Vec<Diagnostic>> {
    load(src).map_err(|errors| errors.iter().map(|e| e.to_diagnostic(source)).collect())
}

/// [`load_table`], with the problems as [`TableError`]s.
fn load(src: &Source) -> Result<Table, Vec<TableError>> {
    let root = yaml::parse(&src.text).map_err(|e| {
        vec![TableError::Syntax {
            message: e.message,
            help: e.help,
            span: e.span,
        }]
    })?;
    let entries = match &root.value {
        Value::Map(entries) => entries,
        Value::Null => {
            return Err(vec![TableError::Empty {
                span: Span::default(),
            }])
        }
        other => {
            return Err(vec![TableError::NotAMapping {
                found: other.describe(),
                span: root.span,
            }])
        }
    };
    let Some((_, kind_node)) = entries
        .iter()
        .find(|(k, _)| k.value == Value::Str("kind".to_string()))
    else {
        return Err(vec![TableError::MissingKind {
            span: Span::default(),
        }]);
    };
    let mut cx = Cx::new(src);
    let Some(kind) = cx.string(kind_node, || "`kind`".to_string()) else {
        return Err(cx.errors);
    };
    let name = table_name(&src.name);
    let table = match kind {
        "requirements" => requirements::decode(entries, name, &mut cx).map(Table::Requirements),
        "limits" => limits::decode(entries, name, &mut cx).map(Table::Limits),
        "messages" => messages::decode(entries, name, &mut cx).map(Table::Messages),
        "calendar" => calendar::decode(entries, name, &mut cx).map(Table::Calendar),
        _ => {
            return Err(vec![TableError::UnknownKind {
                kind: kind.to_string(),
                suggestion: did_you_mean(kind, KINDS).map(str::to_string),
                span: kind_node.span,
            }])
        }
    };
    let mut errors = cx.errors;
    match table {
        Some(table) if errors.is_empty() => Ok(table),
        _ => {
            errors.sort_by_key(|e| e.span().start);
            Err(errors)
        }
    }
}

/// Whether a policy file is a table (`*.yaml`, `*.yml`); any other file holds rules.
pub(crate) fn is_table_file(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// A table's name, the one place it is decided: the stem of its file name, up to the last
/// dot (`rules/icp/roles.yaml` → `roles`, `a.b.yaml` → `a.b`).
pub(crate) fn table_name(path: &str) -> String {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    match file.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => file.to_string(),
    }
}

/// The `kind:` a table file declares, read from its text line by line: for a file that
/// failed to load, so that only what such a table could have declared goes unreported.
pub(crate) fn declared_kind(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let kind = l.strip_prefix("kind:")?.trim();
        let kind = kind.split('#').next().unwrap_or(kind).trim();
        (!kind.is_empty()).then(|| kind.trim_matches(['"', '\'']).to_string())
    })
}

#[cfg(test)]
mod tests;
