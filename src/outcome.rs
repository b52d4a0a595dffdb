//! What an event produced: outcomes per case, and the output record of one input line.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// A message from the policy's messages table, as shown to the user.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageOut {
    /// The message id (a key of the messages table).
    pub id: String,
    /// The text shown to the user.
    pub text: String,
    /// What happened, in the user's terms.
    pub result: String,
    /// What the user should do next.
    pub next_step: String,
}

/// What one event did to (or answered about) one case, or about nobody (`case: None`).
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The policy's name for its case type, used as the JSON key (e.g. `filing`).
    pub case_name: String,
    /// The case's key, or `None` for an answer about a person rather than a case.
    pub case: Option<String>,
    /// The case's status after the event.
    pub status: Option<String>,
    /// The messages the rules emitted for this case, in order.
    pub messages: Vec<MessageOut>,
    /// Values the rules chose to show (`show name = …`), in order.
    pub shows: Vec<(String, serde_json::Value)>,
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3 + self.shows.len()))?;
        m.serialize_entry(&self.case_name, &self.case)?;
        m.serialize_entry("status", &self.status)?;
        m.serialize_entry("messages", &self.messages)?;
        for (k, v) in &self.shows {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The output record of one input line: its outcomes, or the error that refused it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    /// The 1-based line number.
    pub seq: usize,
    /// The event's `type`, when the line had one.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
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
    Outcomes(Vec<Outcome>),
    /// The line was refused (`line N: …`); the world is unchanged.
    #[serde(rename = "error")]
    Error(String),
}

impl Record {
    /// Whether the line was refused.
    pub fn is_error(&self) -> bool {
        matches!(self.body, RecordBody::Error(_))
    }

    /// One line of JSON, without a newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(
                r#"{{"seq":{},"error":"internal: cannot write the record: {e}"}}"#,
                self.seq
            )
        })
    }
}
