//! What the outbox holds, as data: counts per queue and dead events.

use std::time::SystemTime;

/// How many events of one queue wait, run and lie dead.
///
/// Delivered events are deleted when acknowledged, so they are not counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueStats {
    /// The queue.
    pub queue: String,
    /// Waiting for a worker (including failed events waiting for a retry,
    /// and events waiting behind an earlier event of their key).
    pub pending: u64,
    /// Claimed by a worker whose lease has not been released (a lease that
    /// expired is counted here until another worker takes the event).
    pub in_flight: u64,
    /// Failed on every attempt; kept until requeued or purged.
    pub dead: u64,
}

impl QueueStats {
    /// Zero counts for `queue`.
    pub fn empty(queue: impl Into<String>) -> Self {
        QueueStats {
            queue: queue.into(),
            ..QueueStats::default()
        }
    }
}

/// An event that failed on every attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeadEvent {
    /// Its id (see [`Delivery::id`](crate::durable::Delivery::id)).
    pub id: i64,
    /// Its queue.
    pub queue: String,
    /// Its ordering key.
    pub key: String,
    /// What happened.
    pub topic: String,
    /// Who failed to handle it.
    pub receiver: String,
    /// Its data.
    pub payload: String,
    /// How many deliveries it had.
    pub attempts: u32,
    /// The last failure, as the handler's error displayed it.
    pub last_error: Option<String>,
    /// When it was declared dead.
    pub died_at: SystemTime,
}
