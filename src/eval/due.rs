//! The deadlines due at an event's instant, in the order they fire, sorted a chunk at a time.
//!
//! Deadlines due at one instant fire in order of case key, which the world's queue (in
//! instant, case id order) does not keep. Applying, the deadlines due are taken out of the
//! queue, a few one by one, more in one piece ([`crate::World::take_due`]), and copied into
//! a buffer to be sorted; when more than a chunk's worth are taken, a chunk at a time, each
//! chunk ending with a whole instant: a tick that fires a million deadlines holds a chunk
//! of them twice, not all of them (the peak memory of a large tick).

use crate::world::{Queued, World};
use std::collections::{btree_set, BTreeSet};
use std::iter::Peekable;

/// How many deadlines a chunk holds at least, unless fewer are left; more when the
/// deadlines at its last instant go on.
#[cfg(not(debug_assertions))]
const CHUNK: usize = 1 << 12;
// small in debug builds (the tests' builds), so that the ticks the tests apply fire their
// deadlines over many chunks, chunks ending inside a group of one instant's deadlines too
#[cfg(debug_assertions)]
const CHUNK: usize = 2;

/// The deadlines due, in firing order: (instant, case key, case id, slot).
pub(super) struct Due {
    /// The next chunk, sorted: the next due at `at`.
    chunk: Vec<Queued>,
    at: usize,
    /// Those not yet in `chunk`, in queue order, taken out of the world's queue (applying),
    /// when more than a chunk were taken (boxed: most ticks take a few, and move this
    /// small); `None`: `chunk` holds every one.
    rest: Option<Box<Peekable<btree_set::IntoIter<Queued>>>>,
}

impl Due {
    /// The deadlines of `chunk` (in queue order) and of `taken` (applying, more than a few
    /// taken out of the world's queue in one piece), in firing order.
    #[inline]
    pub(super) fn new(
        world: &World,
        mut chunk: Vec<Queued>,
        taken: Option<BTreeSet<Queued>>,
    ) -> Due {
        let rest = match taken {
            Some(taken) if taken.len() > CHUNK && chunk.is_empty() => {
                Some(Box::new(taken.into_iter().peekable()))
            }
            Some(taken) => {
                chunk.extend(taken);
                None
            }
            None => None,
        };
        let mut due = Due { chunk, at: 0, rest };
        if due.rest.is_some() {
            due.refill(world);
        } else {
            sort(world, &mut due.chunk);
        }
        due
    }

    /// How many are left.
    pub(super) fn len(&self) -> usize {
        let rest = self.rest.as_ref().map_or(0, |r| r.len());
        (self.chunk.len() - self.at.min(self.chunk.len())) + rest
    }

    /// The next, read with `world`'s case keys (those of the world the deadlines were taken
    /// from: a case's key never changes).
    #[inline]
    pub(super) fn peek(&mut self, world: &World) -> Option<Queued> {
        if self.at >= self.chunk.len() {
            if self.rest.as_ref().is_none_or(|r| r.len() == 0) {
                return None;
            }
            self.refill(world);
        }
        self.chunk.get(self.at).copied()
    }

    /// Passes the next (after a [`Due::peek`] that found one).
    #[inline]
    pub(super) fn advance(&mut self) {
        self.at += 1;
    }

    /// The next chunk from `rest`, sorted, in place of the one used up.
    #[cold]
    fn refill(&mut self, world: &World) {
        self.chunk.clear();
        self.at = 0;
        let Some(rest) = self.rest.as_mut() else {
            return;
        };
        if rest.len() <= CHUNK {
            self.chunk.extend(rest);
        } else {
            self.chunk.extend(rest.by_ref().take(CHUNK));
            // a chunk ends with a whole instant: the sort orders one instant's deadlines
            if let Some(&(t, _, _)) = self.chunk.last() {
                while let Some(next) = rest.next_if(|(u, _, _)| *u == t) {
                    self.chunk.push(next);
                }
            }
        }
        sort(world, &mut self.chunk);
    }

    /// Those left, in queue order within each part, and the chunk's buffer to reuse.
    pub(super) fn into_rest(mut self) -> (impl Iterator<Item = Queued>, Vec<Queued>) {
        let left: Vec<Queued> = self.chunk.drain(self.at.min(self.chunk.len())..).collect();
        (
            left.into_iter().chain(self.rest.into_iter().flatten()),
            self.chunk,
        )
    }

    /// The chunk's buffer to reuse, once every one has been passed.
    #[inline]
    pub(super) fn into_buffer(self) -> Vec<Queued> {
        self.chunk
    }
}

/// Sorts deadlines in queue order into firing order: the queue is in (instant, case id)
/// order, so only firings at one instant move, and the sort (adaptive) looks no key up for
/// the others.
fn sort(world: &World, chunk: &mut [Queued]) {
    let key = |case| world.cases.get(case as usize).map(|c| c.key.as_str());
    chunk.sort_by(|x, y| {
        (x.0.cmp(&y.0))
            .then_with(|| key(x.1).cmp(&key(y.1)))
            .then((x.1, x.2).cmp(&(y.1, y.2)))
    });
}
