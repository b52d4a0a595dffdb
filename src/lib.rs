//! docket: a rules-as-data policy engine.
//!
//! A policy is a directory of YAML tables (requirements, limits, messages) and rule files
//! written in the docket language (`grammar/docket.pest`). The [`Engine`] loads and checks a
//! policy, then evaluates a stream of events against a [`World`] of cases, deterministically,
//! on the virtual clock the events carry.
//!
//! ```
//! use docket::{Engine, Source, World};
//!
//! // A tiny policy: requests that must be approved within 2 days.
//! let engine = Engine::from_sources(vec![
//!     Source::new("limits.yaml", "kind: limits\nlimits:\n  window: { duration: 2d }\n"),
//!     Source::new("messages.yaml", "kind: messages\nmessages:\n  \
//!         approved: { text: \"Your request is approved.\", result: \"approved\", next_step: \"none\" }\n  \
//!         expired: { text: \"Your request expired.\", result: \"expired\", next_step: \"submit it again\" }\n"),
//!     Source::new("approvals.docket", r#"
//!         statuses { pending: open  approved: final  expired: final }
//!         case request key id: text { submitted_at: instant? }
//!         event submit { request: text }
//!         event approve { request: text }
//!         deadline due = request.submitted_at + limits.window
//!         on submit for new request(event.request) {
//!           rule start { set request.submitted_at = event.at }
//!         }
//!         on approve for request(event.request) {
//!           rule approve when request.status is open {
//!             set request.status = approved
//!             emit approved
//!           }
//!         }
//!         on deadline due {
//!           rule expire when request.status is open {
//!             set request.status = expired
//!             emit expired
//!           }
//!         }
//!     "#),
//! ])
//! .map_err(|e| e.render())?;
//!
//! let mut world = World::new();
//! let lines = [
//!     r#"{"type":"submit","at":"2026-11-28T10:00:00+08:00","request":"R1"}"#,
//!     r#"{"type":"submit","at":"2026-11-28T11:00:00+08:00","request":"R2"}"#,
//!     r#"{"type":"approve","at":"2026-11-29T09:00:00+08:00","request":"R1"}"#,
//!     r#"{"type":"approve","at":"2026-12-01T09:00:00+08:00","request":"R2"}"#,
//! ];
//! let out: Vec<String> = lines
//!     .iter()
//!     .enumerate()
//!     .map(|(i, line)| engine.run_line(&mut world, i + 1, line).to_json())
//!     .collect();
//! assert!(out[2].contains(r#""request":"R1","status":"approved""#));
//! // R2's window ended before the last event: it expired first, and the approval changed nothing.
//! assert!(out[3].contains(r#""request":"R2","status":"expired""#));
//! assert!(out[3].contains(r#""id":"expired""#));
//! # Ok::<(), String>(())
//! ```
// One `unsafe` block, in `value.rs`, allowed where it is and argued sound there.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod ast;
mod calendar;
mod check;
mod coverage;
mod diag;
pub mod diff;
pub mod doc;
mod dsl;
mod due;
mod duration;
mod engine;
mod eval;
mod event;
mod explain;
pub mod fmt;
mod ids;
mod invariants;
mod migrate;
mod outcome;
mod persist;
mod policy_files;
mod program;
mod read;
mod redact;
mod scenario;
pub mod schema;
mod seal;
mod service;
mod shown;
mod sites;
mod span;
mod store;
mod tables;
#[cfg(test)]
mod test_support;
mod text;
mod value;
pub mod verify;
mod world;

pub use coverage::{Coverage, Measure};
pub use diag::{Code, Diagnostic, Severity};
pub use due::{Due, DueList};
pub use engine::{Engine, LoadError};
pub use eval::{EvalError, Step, Trace};
pub use event::{Event, EventBuilder, EventError};
pub use explain::Explained;
pub use invariants::Violation;
pub use migrate::{
    Change, ChangeKind, ChangeWhat, MigrationError, MigrationPlan, MigrationProblem, Problem,
    Subject,
};
pub use outcome::{
    MessageOut, Messages, Name, Outcome, Outcomes, OutcomesIter, Record, RecordBody,
};
pub use persist::WorldError;
pub use policy_files::policy_files;
pub use scenario::{Failure, Report, Scenario, ScenarioError};
pub use seal::SealKey;
pub use shown::Shown;
pub use span::{Source, Span};
pub use store::{JournalQuery, Store, StoreError};
pub use value::Text;
pub use world::World;
