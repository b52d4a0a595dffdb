//! Shared support of the property-based tests: ICP event scripts, their rendering to JSON
//! lines, the engine/model comparison, and a reproducible proptest runner.

pub mod lines;
pub mod oracle;
pub mod pools;
pub mod render;
pub mod runner;
pub mod scale;
pub mod script;
pub mod tempdir;
