//! `docket run --explain`: each output record with the trace of its evaluation.

use crate::engine::Engine;
use crate::eval::Trace;
use crate::outcome::Record;
use crate::seal::{SealKey, Sealing};
use crate::world::World;

/// An output record and the trace of the evaluation that made it (see
/// [`Engine::explain_line`]).
#[derive(Clone, Debug)]
pub struct Explained {
    /// The record, as [`Engine::run_line`] gives it.
    pub record: Record,
    /// The trace, one JSON object: `fired`, `rules`, `rows` (see the README, "Why did this
    /// happen").
    pub trace: String,
}

impl Explained {
    /// The record as one line of JSON with a last member `trace`, without a newline.
    pub fn to_json(&self) -> String {
        let mut out = self.record.to_json();
        out.reserve(self.trace.len() + 10);
        if out.ends_with('}') {
            out.pop();
            out.push_str(",\"trace\":");
            out.push_str(&self.trace);
            out.push('}');
        }
        out
    }
}

impl Engine {
    /// Runs one input line as [`Engine::run_line`] does, recording into `trace` (cleared
    /// first) what its evaluation did: the deadlines fired, every rule run with its branch
    /// and guard values, the table rows looked up. A refused line's trace holds what ran up
    /// to the error.
    pub fn run_line_traced(
        &self,
        world: &mut World,
        seq: usize,
        line: &str,
        trace: &mut Trace,
    ) -> Record {
        trace.clear();
        self.run_line_inner(world, seq, line, Sealing::Clear, Some(trace), None)
    }

    /// A trace as one JSON object, deterministic (in the order of evaluation): values of
    /// fields declared `sensitive`, and values computed from them, show as `(sensitive)`.
    pub fn trace_json(&self, trace: &Trace) -> String {
        trace.to_json(self.program())
    }

    /// Runs one input line and explains it: the record and its trace (`docket run
    /// --explain`).
    pub fn explain_line(&self, world: &mut World, seq: usize, line: &str) -> Explained {
        self.explain_with(world, seq, line, Sealing::Clear)
    }

    /// [`Engine::explain_line`] on a world whose sensitive values are sealed with `key`, as
    /// [`Engine::run_line_sealed`] runs a line (`docket run --state … --explain`).
    pub fn explain_line_sealed(
        &self,
        world: &mut World,
        seq: usize,
        line: &str,
        key: &SealKey,
    ) -> Explained {
        self.explain_with(world, seq, line, Sealing::Seal(key))
    }

    fn explain_with(
        &self,
        world: &mut World,
        seq: usize,
        line: &str,
        sealing: Sealing,
    ) -> Explained {
        let mut trace = Trace::with_room();
        let record = self.run_line_inner(world, seq, line, sealing, Some(&mut trace), None);
        Explained {
            record,
            trace: self.trace_json(&trace),
        }
    }
}
