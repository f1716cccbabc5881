//! How a worker claims, retries and waits: [`WorkerConfig`] and [`Backoff`].

use std::time::Duration;

use crate::durable::error::Error;

/// The delay before retrying a failed event: `initial`, doubled after every
/// failed attempt, never more than `max`. No jitter: retries of different
/// events are already spread by when they failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first failure.
    pub initial: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Backoff {
    /// A backoff from `initial` doubling up to `max`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Backoff { initial, max }
    }

    /// The delay after the `attempt`-th failed attempt (from 1).
    ///
    /// ```
    /// use std::time::Duration;
    /// use signals_core::durable::Backoff;
    ///
    /// let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(5));
    /// let delays: Vec<_> = (1..=4).map(|a| b.delay(a).as_secs()).collect();
    /// assert_eq!(delays, [1, 2, 4, 5]);
    /// ```
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.max)
            .min(self.max)
    }
}

impl Default for Backoff {
    /// 1 second, doubling up to 5 minutes.
    fn default() -> Self {
        Backoff::new(Duration::from_secs(1), Duration::from_secs(300))
    }
}

/// What a [`Worker`](crate::durable::Worker) serves and how.
///
/// ```
/// use std::time::Duration;
/// use signals_core::durable::WorkerConfig;
///
/// let config = WorkerConfig::new("mail")
///     .queue("billing")
///     .batch(16)
///     .lease(Duration::from_secs(60))
///     .max_attempts(8);
/// assert_eq!(config.queues(), ["mail", "billing"]);
/// ```
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    pub(crate) queues: Vec<String>,
    pub(crate) batch: u32,
    pub(crate) lease: Duration,
    pub(crate) max_attempts: u32,
    pub(crate) backoff: Backoff,
    pub(crate) poll_interval: Option<Duration>,
    pub(crate) worker_id: Option<String>,
}

/// The most events a worker may hold: they run concurrently in its task,
/// and their leases are renewed together.
pub(crate) const MAX_BATCH: u32 = 1000;

/// The shortest lease: the lease is renewed every third of it, so shorter
/// leases would spend more time renewing than working.
pub(crate) const MIN_LEASE: Duration = Duration::from_millis(300);

impl WorkerConfig {
    /// A worker of `queue`, with the defaults: batches of 32, a 30 s lease,
    /// 5 attempts, [`Backoff::default`], the backend's poll interval.
    pub fn new(queue: impl Into<String>) -> Self {
        WorkerConfig {
            queues: vec![queue.into()],
            batch: 32,
            lease: Duration::from_secs(30),
            max_attempts: 5,
            backoff: Backoff::default(),
            poll_interval: None,
            worker_id: None,
        }
    }

    /// Serves `queue` too.
    #[must_use]
    pub fn queue(mut self, queue: impl Into<String>) -> Self {
        self.queues.push(queue.into());
        self
    }

    /// Holds at most `batch` events at once (1 to 1000), claimed together
    /// and run concurrently (they always have different keys).
    #[must_use]
    pub fn batch(mut self, batch: u32) -> Self {
        self.batch = batch;
        self
    }

    /// How long a claim lasts without renewal (at least 300 ms). A running
    /// worker renews it every third of that; a worker that dies or loses the
    /// database for longer than this gets its events taken over by another.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How many deliveries an event gets before it is dead (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// The delay between failed attempts of one event.
    #[must_use]
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// How long an idle worker waits before looking again on its own. On
    /// PostgreSQL notifications wake it earlier and this is only the
    /// fallback (default 5 s: lost notifications, expired leases, other
    /// workers' retries); on SQLite it is the wake-up (default 100 ms).
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = Some(interval);
        self
    }

    /// Names the worker in its leases (default: process id plus a counter
    /// and the start time, unique across machines for practical purposes).
    #[must_use]
    pub fn worker_id(mut self, id: impl Into<String>) -> Self {
        self.worker_id = Some(id.into());
        self
    }

    /// The queues served, in the order given.
    pub fn queues(&self) -> &[String] {
        &self.queues
    }

    /// Refuses settings that cannot work, naming the setting.
    pub(crate) fn check(&self) -> Result<(), Error> {
        let invalid = |field, reason| Err(Error::InvalidConfig { field, reason });
        if self.queues.iter().any(String::is_empty) {
            return invalid("queues", "must not contain an empty queue name");
        }
        if self.batch == 0 || self.batch > MAX_BATCH {
            return invalid("batch", "must be between 1 and 1000");
        }
        if self.lease < MIN_LEASE {
            return invalid("lease", "must be at least 300 ms");
        }
        if self.max_attempts == 0 {
            return invalid("max_attempts", "must be at least 1");
        }
        if self.backoff.initial > self.backoff.max {
            return invalid("backoff", "must have `initial` no larger than `max`");
        }
        if self.poll_interval.is_some_and(|p| p.is_zero()) {
            return invalid(
                "poll_interval",
                "must not be zero (that would poll without pause)",
            );
        }
        if self.worker_id.as_ref().is_some_and(String::is_empty) {
            return invalid("worker_id", "must not be empty");
        }
        Ok(())
    }
}
