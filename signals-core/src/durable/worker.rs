//! [`Worker`]: claims events of its queues, runs a handler on each, and
//! records the outcome; survives database outages; stops gracefully.

use std::fmt::Display;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use crate::durable::config::WorkerConfig;
use crate::durable::dialect::{Claim, Dialect};
use crate::durable::error::Error;
use crate::durable::event::Delivery;
use crate::durable::in_hand::{InHand, Outcome, call};
use crate::durable::outbox::Outbox;
use crate::durable::pause::{Pause, earliest, wait_until};
use crate::durable::report::RunReport;
use crate::durable::stop::Stop;

/// A worker: one claim loop over some queues of one outbox. Run as many as
/// you like, in one process or many, on one machine or many (SQLite: one
/// machine); they share the work, and per key never run two events at once.
///
/// ```
/// # #[cfg(feature = "durable-sqlite")]
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use signals_core::durable::{self, Delivery, Event, Outbox, WorkerConfig};
/// use sqlx::sqlite::SqlitePoolOptions;
///
/// let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await?;
/// let outbox = Outbox::new(pool);
/// outbox.install().await?;
/// let mut tx = outbox.pool().begin().await?;
/// let event = Event::json("mail", "shop::ORDER_PAID", "shop::receipt", &42)?.with_key("order-42");
/// durable::enqueue(&mut tx, &[event]).await?;
/// tx.commit().await?;
///
/// let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
/// let done_tx = std::sync::Mutex::new(Some(done_tx));
/// let worker = outbox.worker(WorkerConfig::new("mail").poll_interval(Duration::from_millis(10)))?;
/// let report = worker
///     .run(
///         |delivery: Delivery| {
///             let order: u32 = delivery.json().unwrap();
///             assert_eq!((order, delivery.attempt), (42, 1));
///             done_tx.lock().unwrap().take().map(|tx| tx.send(()));
///             async { Ok::<(), std::convert::Infallible>(()) }
///         },
///         async { done_rx.await.ok(); }, // shut down once it has run
///     )
///     .await?;
/// assert_eq!(report.delivered, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub struct Worker<DB: Dialect> {
    pub(crate) outbox: Outbox<DB>,
    pub(crate) config: WorkerConfig,
    pub(crate) id: String,
}

impl<DB: Dialect> std::fmt::Debug for Worker<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("id", &self.id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<DB: Dialect> Worker<DB> {
    /// A worker of `outbox` configured by `config`; refuses a configuration
    /// that cannot work ([`Error::InvalidConfig`]).
    pub fn new(outbox: Outbox<DB>, config: WorkerConfig) -> Result<Self, Error> {
        config.check()?;
        let id = config.worker_id.clone().unwrap_or_else(default_id);
        Ok(Worker { outbox, config, id })
    }

    /// The name this worker's leases carry.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Delivers events to `handler` until `shutdown` resolves, then
    /// finishes the events in hand and returns what it did.
    ///
    /// `handler` gets each [`Delivery`] and returns `Ok(())` (the event is
    /// deleted) or an error (retried after [`Backoff`](crate::durable::Backoff)
    /// until `max_attempts`, then dead, with the error's text kept); a panic
    /// counts as an error. Up to `batch` events run concurrently, in this
    /// task (the handler need not be `'static` or `Send`; spawn CPU-heavy
    /// work elsewhere); events of one key never do. A slow event holds only
    /// its key: the worker goes on claiming others. A handler that never
    /// returns holds its key, and its worker's shutdown, for ever. Handlers
    /// that use the outbox's pool share it with the worker's own statements,
    /// which wait for a free connection while the handlers go on.
    ///
    /// Database errors never end the run: the worker pauses (50 ms doubling
    /// to 2 s) and carries on, and counts them in the [`RunReport`]. The run
    /// fails only at the start, with [`Error::NotInstalled`] when the tables
    /// are missing. Must run inside a tokio runtime (sqlx's).
    pub async fn run<H, F, E, S>(self, handler: H, shutdown: S) -> Result<RunReport, Error>
    where
        H: Fn(Delivery) -> F,
        F: Future<Output = Result<(), E>>,
        E: Display,
        S: Future<Output = ()>,
    {
        let shutdown = std::pin::pin!(shutdown);
        let mut stop = Stop::new(shutdown);
        let mut report = RunReport::default();
        if !self.wait_for_schema(&mut stop, &mut report).await? {
            return Ok(report);
        }
        let wakeups = DB::wakeups(self.outbox.pool(), &self.config.queues);
        let poll = self.config.poll_interval.unwrap_or(DB::DEFAULT_POLL);
        let lease = self.config.lease;
        let mut in_hand = InHand::new();
        let mut pause = Pause::new();
        // When to claim next, and the earliest retry this worker scheduled.
        let mut look_at = Instant::now();
        let mut next_due: Option<Instant> = None;
        loop {
            let finished = in_hand.take_finished();
            if !finished.is_empty() {
                let due = in_hand.drive(self.record(finished, &mut report)).await;
                next_due = earliest(next_due, due);
            }
            let room = self.config.batch as usize - in_hand.running();
            if !stop.fired() && room > 0 && look_at <= Instant::now() {
                let start = |delivery| call(&handler, delivery);
                match self.claim_into(room, &mut in_hand, &mut stop, start).await {
                    Some(Ok(got)) => {
                        pause.reset();
                        look_at = if got == room {
                            // There may be more: claim again once written back.
                            Instant::now()
                        } else {
                            next_due = next_due.filter(|due| *due > Instant::now());
                            Instant::now() + wait_until(next_due, poll)
                        };
                    }
                    Some(Err(e)) => {
                        report.db_error(&e);
                        look_at = Instant::now() + pause.take();
                    }
                    None => {}
                }
                continue;
            }
            if stop.fired() && in_hand.running() == 0 && !in_hand.has_finished() {
                return Ok(report);
            }
            let renew_at = in_hand.renew_at(lease);
            let claiming = !stop.fired() && room > 0;
            tokio::select! {
                biased;
                // A finished event may free the next event of its key: look
                // again as soon as its outcome is written.
                () = in_hand.next_finished() => look_at = Instant::now(),
                () = tokio::time::sleep_until(renew_at.unwrap_or(look_at)), if renew_at.is_some() => {
                    self.renew(&mut in_hand, &mut report).await;
                }
                () = wakeups.notified(), if claiming => look_at = Instant::now(),
                () = tokio::time::sleep_until(look_at), if claiming => {}
                () = stop.wait() => {}
            }
        }
    }

    /// Claims up to `room` events and starts them in `in_hand` (each with
    /// `start`); returns how many came, or `None` when shutdown came first.
    async fn claim_into<Fut, S>(
        &self,
        room: usize,
        in_hand: &mut InHand<Fut>,
        stop: &mut Stop<'_, S>,
        start: impl Fn(Delivery) -> Fut,
    ) -> Option<Result<usize, sqlx::Error>>
    where
        Fut: Future<Output = (i64, Outcome)>,
        S: Future<Output = ()>,
    {
        let claimed_at = Instant::now();
        let claim = Claim {
            queues: &self.config.queues,
            batch: u32::try_from(room).unwrap_or(u32::MAX),
            owner: &self.id,
            lease: self.config.lease,
        };
        let claimed = in_hand
            .drive(async {
                tokio::select! {
                    claimed = DB::claim(self.outbox.pool(), &claim) => Some(claimed),
                    // Leaving a claim unanswered is safe: whatever it took
                    // comes back when its lease expires.
                    () = stop.wait() => None,
                }
            })
            .await?;
        let batch = match claimed {
            Ok(batch) => batch,
            Err(e) => return Some(Err(e)),
        };
        let got = batch.len();
        let expires = claimed_at + self.config.lease;
        for delivery in batch {
            if delivery.attempt > self.config.max_attempts {
                // Only expired leases (a worker died, or lost the database)
                // bring an event this far.
                let error = format!(
                    "attempt {} exceeds max_attempts {}: earlier leases expired without an outcome",
                    delivery.attempt, self.config.max_attempts
                );
                in_hand.settle(delivery.id, Outcome::GaveUp { error }, expires);
            } else {
                in_hand.start(delivery.id, expires, start(delivery));
            }
        }
        Some(Ok(got))
    }

    /// Checks that the tables exist before the first claim, so a missing
    /// `install` is an error rather than a worker retrying for ever. Waits
    /// out database errors; `false` when shutdown came first.
    async fn wait_for_schema<S: Future<Output = ()>>(
        &self,
        stop: &mut Stop<'_, S>,
        report: &mut RunReport,
    ) -> Result<bool, Error> {
        let mut pause = Pause::new();
        loop {
            match DB::schema_version(self.outbox.pool()).await {
                Ok(Some(_)) => return Ok(true),
                Ok(None) => return Err(Error::NotInstalled),
                Err(e) => report.db_error(&e),
            }
            tokio::select! {
                () = tokio::time::sleep(pause.take()) => {}
                () = stop.wait() => return Ok(false),
            }
        }
    }
}

impl<DB: Dialect> Outbox<DB> {
    /// A worker on this outbox (see [`Worker::new`]).
    pub fn worker(&self, config: WorkerConfig) -> Result<Worker<DB>, Error> {
        Worker::new(self.clone(), config)
    }
}

/// Process id, a per-process counter and the start time in nanoseconds: no
/// two live workers share it in practice, even across machines.
fn default_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("worker-{}-{n}-{nanos:x}", std::process::id())
}
