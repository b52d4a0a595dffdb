//! `Debug` for the public types that hold the values of cases: a summary that never shows
//! a field's value, since any of them may be declared `sensitive` (verification codes,
//! certificate digits). `Event`'s, which knows its sensitive fields, is in `event/shape.rs`.

use crate::eval::Step;
use crate::world::World;
use std::fmt;

/// How many cases, the clock, and how many steps were committed. (Read through the
/// world's accessors where it has them, so that this stays apart from how it stores cases.)
impl fmt::Debug for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("World")
            .field("cases", &self.len())
            .field("clock", &self.clock())
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// The outcomes (which hold no sensitive value: the checker refuses one in `show` and in
/// messages), the event's time, and how many cases would change.
impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Step")
            .field("at", &self.at)
            .field("generation", &self.generation)
            .field("changed_cases", &self.changed.len())
            .field("outcomes", &self.outcomes)
            .finish_non_exhaustive()
    }
}
