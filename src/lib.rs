//! docket: a rules-as-data policy engine.
//!
//! A policy is a directory of YAML tables (requirements, limits, messages) and rule files
//! written in the docket language (`grammar/docket.pest`). The [`Engine`] loads and checks a
//! policy, then evaluates a stream of events against a [`World`] of cases, deterministically,
//! on the virtual clock the events carry.
//!
//! ```
//! use docket::{Engine, World};
//! let engine = Engine::icp();
//! let mut world = World::new();
//! let line = r#"{"type":"order_submitted","at":"2026-11-28T10:00:00+08:00","filing":"F1",
//!   "scenario":"first_filing","variant":"app",
//!   "personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X"}]}"#;
//! let record = engine.run_line(&mut world, 1, &line.replace('\n', ""));
//! assert!(!record.is_error());
//! assert!(record.to_json().contains(r#""status":"awaiting_sync""#));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ast;
mod check;
mod diag;
mod dsl;
mod duration;
mod engine;
mod eval;
mod event;
mod outcome;
mod persist;
mod program;
mod span;
mod tables;
mod value;
mod world;

pub use diag::{Diagnostic, Severity};
pub use engine::{Engine, LoadError, WorldError};
pub use eval::{EvalError, Step};
pub use event::{Event, EventError};
pub use outcome::{MessageOut, Outcome, Record, RecordBody};
pub use span::{Source, Span};
pub use world::World;
