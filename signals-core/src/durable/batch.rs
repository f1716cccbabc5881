//! Running one claimed batch: every event's handler concurrently (a batch
//! never holds two events of one key), leases renewed while they run,
//! outcomes written back (deleted, retried later, or dead).

use futures_util::FutureExt;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use std::fmt::Display;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use tokio::time::Instant;

use crate::durable::dialect::Dialect;
use crate::durable::event::Delivery;
use crate::durable::pause::{Pause, earliest};
use crate::durable::report::RunReport;
use crate::durable::stop::Stop;
use crate::durable::worker::Worker;
use crate::error::panic_message;

/// What became of one delivery.
enum Outcome {
    Done(i64),
    Failed {
        id: i64,
        attempt: u32,
        error: String,
    },
    GaveUp {
        id: i64,
        error: String,
    },
}

/// The leases of a batch: when they run out, as far as this worker knows.
struct Lease {
    expires: Instant,
}

impl<DB: Dialect> Worker<DB> {
    /// Runs `batch` to the end (shutdown does not cut it short: the events
    /// in hand are finished). `claimed_at` is when the claim was sent, the
    /// earliest its leases can have started. Returns when the earliest
    /// retry this batch scheduled becomes due.
    pub(crate) async fn run_batch<H, F, E, S>(
        &self,
        batch: Vec<Delivery>,
        claimed_at: Instant,
        handler: &H,
        stop: &mut Stop<'_, S>,
        report: &mut RunReport,
    ) -> Option<Instant>
    where
        H: Fn(Delivery) -> F,
        F: Future<Output = Result<(), E>>,
        E: Display,
        S: Future<Output = ()>,
    {
        let lease_len = self.config.lease;
        let mut lease = Lease {
            expires: claimed_at + lease_len,
        };
        let mut outcomes = Vec::new();
        let mut running_ids = Vec::new();
        let mut running = FuturesUnordered::new();
        for delivery in batch {
            if delivery.attempt > self.config.max_attempts {
                // Only a lease that expired (its worker died or lost the
                // database) gets an event past its last attempt.
                outcomes.push(Outcome::GaveUp {
                    id: delivery.id,
                    error: format!(
                        "attempt {} exceeds max_attempts {}: earlier leases expired without an outcome",
                        delivery.attempt, self.config.max_attempts
                    ),
                });
                continue;
            }
            running_ids.push(delivery.id);
            running.push(call(handler, delivery));
        }

        let third = lease_len / 3;
        let mut renew = tokio::time::interval_at(claimed_at + third, third);
        let mut next_due = None;
        while !running.is_empty() {
            tokio::select! {
                Some(outcome) = running.next() => {
                    let id = match &outcome {
                        Outcome::Done(id) | Outcome::Failed { id, .. } | Outcome::GaveUp { id, .. } => *id,
                    };
                    running_ids.retain(|r| *r != id);
                    outcomes.push(outcome);
                }
                _ = renew.tick() => {
                    next_due = earliest(next_due, self.record(&mut outcomes, &lease, report).await);
                    self.renew(&running_ids, &mut lease, report).await;
                }
                () = stop.wait() => {}
            }
        }
        earliest(next_due, self.record(&mut outcomes, &lease, report).await)
    }

    /// Writes `outcomes` back, retrying database errors until the lease
    /// runs out; returns when the earliest retry is due.
    async fn record(
        &self,
        outcomes: &mut Vec<Outcome>,
        lease: &Lease,
        report: &mut RunReport,
    ) -> Option<Instant> {
        let mut done = Vec::new();
        let mut next_due = None;
        for outcome in outcomes.drain(..) {
            match outcome {
                Outcome::Done(id) => done.push(id),
                Outcome::Failed { id, attempt, error } if attempt < self.config.max_attempts => {
                    let delay = self.config.backoff.delay(attempt);
                    let kept = self
                        .persist(lease, report, || {
                            DB::retry(self.outbox.pool(), &self.id, id, delay, &error)
                        })
                        .await;
                    self.tally(kept, report, |r| r.retried += 1);
                    next_due = earliest(next_due, Some(Instant::now() + delay));
                }
                Outcome::Failed { id, error, .. } | Outcome::GaveUp { id, error } => {
                    let kept = self
                        .persist(lease, report, || {
                            DB::bury(self.outbox.pool(), &self.id, id, &error)
                        })
                        .await;
                    self.tally(kept, report, |r| r.dead += 1);
                }
            }
        }
        if !done.is_empty() {
            let wanted = done.len() as u64;
            match self
                .persist(lease, report, || {
                    DB::ack(self.outbox.pool(), &self.id, &done)
                })
                .await
            {
                Some(acked) => {
                    report.delivered += acked;
                    report.lost_leases += wanted - acked.min(wanted);
                }
                None => report.abandoned += wanted,
            }
        }
        next_due
    }

    /// Counts one recorded outcome: `count` when the row was still ours,
    /// else a lost lease (or an abandoned outcome when the database never
    /// answered).
    fn tally(
        &self,
        kept: Option<bool>,
        report: &mut RunReport,
        count: impl FnOnce(&mut RunReport),
    ) {
        match kept {
            Some(true) => count(report),
            Some(false) => report.lost_leases += 1,
            None => report.abandoned += 1,
        }
    }

    /// Runs `write` until it succeeds or the lease is over (then the event
    /// will be delivered again, which at-least-once allows); `None` then.
    async fn persist<T, W, Fut>(&self, lease: &Lease, report: &mut RunReport, write: W) -> Option<T>
    where
        W: Fn() -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        let mut pause = Pause::new();
        loop {
            match write().await {
                Ok(value) => return Some(value),
                Err(e) => report.db_error(&e),
            }
            let wait = pause.take();
            if Instant::now() + wait >= lease.expires {
                return None;
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Renews the leases of the events still running. A failure is only
    /// counted: the next tick tries again, and the lease may still cover.
    async fn renew(&self, ids: &[i64], lease: &mut Lease, report: &mut RunReport) {
        if ids.is_empty() {
            return;
        }
        let sent = Instant::now();
        match DB::extend(self.outbox.pool(), &self.id, ids, self.config.lease).await {
            Ok(_) => lease.expires = sent + self.config.lease,
            Err(e) => report.db_error(&e),
        }
    }
}

/// Calls the handler, turning an error or a panic into a failed outcome.
async fn call<H, F, E>(handler: &H, delivery: Delivery) -> Outcome
where
    H: Fn(Delivery) -> F,
    F: Future<Output = Result<(), E>>,
    E: Display,
{
    let (id, attempt) = (delivery.id, delivery.attempt);
    // The handler is called inside the guarded future so that a panic in
    // the call itself (before any await) is caught too.
    let result = AssertUnwindSafe(async move { handler(delivery).await })
        .catch_unwind()
        .await;
    match result {
        Ok(Ok(())) => Outcome::Done(id),
        Ok(Err(e)) => Outcome::Failed {
            id,
            attempt,
            error: e.to_string(),
        },
        Err(panic) => Outcome::Failed {
            id,
            attempt,
            error: format!("handler panicked: {}", panic_message(&*panic)),
        },
    }
}
