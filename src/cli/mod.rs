//! Subcommands of the command line that live in modules of their own, and what they share.

pub mod coverage;
pub mod diff;
pub mod doc;
pub mod fmt;
pub mod lines;
pub mod scenarios;
pub mod schema;
pub mod verify;
