//! `--clock wall`: the service fires deadlines itself. The writer publishes when the world's
//! next deadline is due; this task waits for that wall-clock instant and then posts the
//! writer a `tick` event at the time it is, which fires it (and any other deadline due by
//! then) and is journaled like any event: the journal alone still says what happened when,
//! and a replay makes the same world.

use super::writer::Job;
use crate::Line;
use jiff::Timestamp;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// The longest sleep between looks at the wall clock (a clock set forward is noticed within
/// it); a tick is posted at most this long after its deadline.
const LOOK: Duration = Duration::from_secs(1);

/// Posts ticks as deadlines come due, until the service stops.
pub(crate) async fn ticks(
    jobs: mpsc::Sender<Job>,
    mut due: watch::Receiver<Option<Timestamp>>,
    mut stopping: watch::Receiver<bool>,
) {
    loop {
        if *stopping.borrow() {
            return;
        }
        let next = *due.borrow_and_update();
        let now = Timestamp::now();
        let wait = match next {
            Some(at) if at <= now => None,
            Some(at) => Some(now.duration_until(at).try_into().unwrap_or(LOOK).min(LOOK)),
            None => Some(Duration::from_secs(3600)),
        };
        if let Some(wait) = wait {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                changed = due.changed() => if changed.is_err() { return },
                _ = stopping.changed() => {}
            }
            continue;
        }
        if !tick(&jobs, now).await {
            // refused or not committed: said on stderr; try again a little later
            tokio::select! {
                () = tokio::time::sleep(LOOK) => {}
                _ = stopping.changed() => {}
            }
        }
    }
}

/// The line of a tick at `now`, to the nanosecond as the clock gives it (a tick rounded
/// down could fall before the deadline it is meant to fire).
pub(crate) fn tick_line(now: Timestamp) -> String {
    format!(r#"{{"type":"tick","at":"{now}"}}"#)
}

/// Posts one tick at `now` and waits for its commit; `false` when it was not kept.
async fn tick(jobs: &mpsc::Sender<Job>, now: Timestamp) -> bool {
    let (reply, answer) = oneshot::channel();
    let lines = vec![Line::Text(1, tick_line(now))];
    if jobs.send(Job::Events { lines, reply }).await.is_err() {
        return false;
    }
    match answer.await {
        Ok(Ok(records)) if records.iter().all(|r| !r.is_error()) => true,
        Ok(Ok(records)) => {
            for r in records {
                crate::report(&format!(
                    "docket serve: the wall clock's tick was refused: {}",
                    r.to_json()
                ));
            }
            false
        }
        Ok(Err(e)) => {
            crate::report(&format!("docket serve: the wall clock's tick: {e}"));
            false
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_is_at_the_instant_it_is() {
        let now: Timestamp = "2026-12-04T10:11:12.987654Z".parse().expect("an instant");
        assert_eq!(
            tick_line(now),
            r#"{"type":"tick","at":"2026-12-04T10:11:12.987654Z"}"#
        );
    }
}
