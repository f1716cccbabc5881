//! Writing back what happened to the events in hand: acknowledgements
//! (batched), retries, dead events, and lease renewals. A write that fails
//! is retried until the event's lease runs out; after that another worker
//! may already have it, and at-least-once delivery allows the repeat.

use std::future::Future;

use tokio::time::Instant;

use crate::durable::dialect::Dialect;
use crate::durable::in_hand::{Finished, InHand, Outcome};
use crate::durable::pause::{Pause, earliest};
use crate::durable::report::RunReport;
use crate::durable::worker::Worker;

impl<DB: Dialect> Worker<DB> {
    /// Writes `finished` back; returns when the earliest retry it scheduled
    /// is due.
    pub(crate) async fn record(
        &self,
        finished: Vec<Finished>,
        report: &mut RunReport,
    ) -> Option<Instant> {
        let pool = self.outbox.pool();
        let mut done = Vec::new();
        let mut done_lease: Option<Instant> = None;
        let mut next_due = None;
        for Finished {
            id,
            outcome,
            lease_expires,
        } in finished
        {
            match outcome {
                Outcome::Done => {
                    done.push(id);
                    done_lease = earliest(done_lease, Some(lease_expires));
                }
                Outcome::Failed { attempt, error } if attempt < self.config.max_attempts => {
                    let delay = self.config.backoff.delay(attempt);
                    let kept = persist(lease_expires, report, || {
                        DB::retry(pool, &self.id, id, delay, &error)
                    })
                    .await;
                    tally(kept, report, |r| r.retried += 1);
                    next_due = earliest(next_due, Some(Instant::now() + delay));
                }
                Outcome::Failed { error, .. } | Outcome::GaveUp { error } => {
                    let kept = persist(lease_expires, report, || {
                        DB::bury(pool, &self.id, id, &error)
                    })
                    .await;
                    tally(kept, report, |r| r.dead += 1);
                }
            }
        }
        if let Some(lease_expires) = done_lease {
            let wanted = done.len() as u64;
            match persist(lease_expires, report, || DB::ack(pool, &self.id, &done)).await {
                Some(acked) => {
                    report.delivered += acked;
                    report.lost_leases += wanted - acked.min(wanted);
                }
                None => report.abandoned += wanted,
            }
        }
        next_due
    }

    /// Renews the leases of the running events. A failure is only counted:
    /// the leases may still cover, and the next renewal tries again soon.
    pub(crate) async fn renew<Fut>(&self, in_hand: &mut InHand<Fut>, report: &mut RunReport)
    where
        Fut: Future<Output = (i64, Outcome)>,
    {
        let ids = in_hand.running_ids();
        let sent = Instant::now();
        let extend = DB::extend(self.outbox.pool(), &self.id, &ids, self.config.lease);
        match in_hand.drive(extend).await {
            Ok(_) => in_hand.renewed(&ids, sent + self.config.lease),
            Err(e) => report.db_error(&e),
        }
    }
}

/// Counts one written outcome: `count` when the row was still ours, a lost
/// lease when it was not, an abandoned outcome when the database never
/// answered.
fn tally(kept: Option<bool>, report: &mut RunReport, count: impl FnOnce(&mut RunReport)) {
    match kept {
        Some(true) => count(report),
        Some(false) => report.lost_leases += 1,
        None => report.abandoned += 1,
    }
}

/// Runs `write` until it succeeds, or `None` once the lease is over.
async fn persist<T, W, Fut>(lease_expires: Instant, report: &mut RunReport, write: W) -> Option<T>
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
        if Instant::now() + wait >= lease_expires {
            return None;
        }
        tokio::time::sleep(wait).await;
    }
}
