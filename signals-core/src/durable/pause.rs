//! When a worker looks again: after a database error, a pause short at
//! first (a dropped connection is usually back at once), doubling, capped,
//! so a worker neither hammers a restarting server nor sleeps long after it
//! is back; when idle, at its poll interval or at the next retry it
//! scheduled itself, whichever comes first.

use std::time::Duration;

use tokio::time::Instant;

const FIRST: Duration = Duration::from_millis(50);
const LONGEST: Duration = Duration::from_secs(2);

/// The next pause after a database error.
pub(crate) struct Pause {
    next: Duration,
}

impl Pause {
    pub(crate) fn new() -> Self {
        Pause { next: FIRST }
    }

    /// The pause to take now; the one after is twice as long.
    pub(crate) fn take(&mut self) -> Duration {
        let now = self.next;
        self.next = (self.next * 2).min(LONGEST);
        now
    }

    /// The database answered: start short again.
    pub(crate) fn reset(&mut self) {
        self.next = FIRST;
    }
}

/// The earlier of two optional deadlines.
pub(crate) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// How long an idle worker waits: until `next_due` if sooner than `poll`.
pub(crate) fn wait_until(next_due: Option<Instant>, poll: Duration) -> Duration {
    next_due.map_or(poll, |due| {
        due.saturating_duration_since(Instant::now()).min(poll)
    })
}
