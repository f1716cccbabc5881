//! The events a worker holds: their handlers running concurrently (they
//! always have different keys), their leases, and the outcomes not yet
//! written back. A slow handler holds only its own key: the worker keeps
//! claiming other events while it runs, up to its batch size.

use std::fmt::Display;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::time::Instant;

use crate::durable::event::Delivery;
use crate::error::panic_message;

/// What became of one delivery.
pub(crate) enum Outcome {
    /// The handler succeeded: delete the event.
    Done,
    /// The handler failed on attempt `attempt`: retry later or bury.
    Failed { attempt: u32, error: String },
    /// Delivered past `max_attempts` (earlier leases expired): bury.
    GaveUp { error: String },
}

/// An outcome to write back, with the lease that still covers it.
pub(crate) struct Finished {
    pub id: i64,
    pub outcome: Outcome,
    pub lease_expires: Instant,
}

/// The events in hand.
pub(crate) struct InHand<Fut> {
    running: FuturesUnordered<Fut>,
    /// Running events and when their lease runs out, as far as we know.
    leases: Vec<(i64, Instant)>,
    finished: Vec<Finished>,
}

impl<Fut: Future<Output = (i64, Outcome)>> InHand<Fut> {
    pub(crate) fn new() -> Self {
        InHand {
            running: FuturesUnordered::new(),
            leases: Vec::new(),
            finished: Vec::new(),
        }
    }

    /// How many handlers are running.
    pub(crate) fn running(&self) -> usize {
        self.running.len()
    }

    /// Starts `call` for event `id`, leased until `lease_expires`.
    pub(crate) fn start(&mut self, id: i64, lease_expires: Instant, call: Fut) {
        self.leases.push((id, lease_expires));
        self.running.push(call);
    }

    /// Records an outcome decided without running the handler.
    pub(crate) fn settle(&mut self, id: i64, outcome: Outcome, lease_expires: Instant) {
        self.finished.push(Finished {
            id,
            outcome,
            lease_expires,
        });
    }

    /// Waits for the next handler to finish, then collects every other
    /// one that has finished too, so their outcomes are written together.
    /// Never resolves while nothing runs.
    pub(crate) async fn next_finished(&mut self) {
        let Some((id, outcome)) = self.running.next().await else {
            return std::future::pending().await;
        };
        self.finish(id, outcome);
        while let Some(Some((id, outcome))) = self.running.next().now_or_never() {
            self.finish(id, outcome);
        }
    }

    /// Awaits `work` (the worker's own database calls) while the running
    /// handlers keep making progress. Handlers live in the worker's task,
    /// so anything the worker awaits without them would stall them, and a
    /// handler holding a pool connection would then starve the worker of
    /// the connection it waits for.
    pub(crate) async fn drive<T>(&mut self, work: impl Future<Output = T>) -> T {
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                biased;
                value = &mut work => return value,
                Some((id, outcome)) = self.running.next() => self.finish(id, outcome),
            }
        }
    }

    fn finish(&mut self, id: i64, outcome: Outcome) {
        let at = self.leases.iter().position(|(i, _)| *i == id);
        let (_, lease_expires) = self
            .leases
            .swap_remove(at.expect("a running event has a lease"));
        self.settle(id, outcome, lease_expires);
    }

    /// Whether outcomes wait to be written back.
    pub(crate) fn has_finished(&self) -> bool {
        !self.finished.is_empty()
    }

    /// When to renew the running events' leases: once the oldest has used
    /// a third of `lease`, so a renewal may fail twice before it lapses.
    pub(crate) fn renew_at(&self, lease: Duration) -> Option<Instant> {
        let oldest = self.leases.iter().map(|(_, expires)| *expires).min()?;
        Some(oldest - (lease - lease / 3))
    }

    /// The outcomes to write back now.
    pub(crate) fn take_finished(&mut self) -> Vec<Finished> {
        std::mem::take(&mut self.finished)
    }

    /// The running events' ids, for renewing their leases.
    pub(crate) fn running_ids(&self) -> Vec<i64> {
        self.leases.iter().map(|(id, _)| *id).collect()
    }

    /// Their leases were renewed until `expires`.
    pub(crate) fn renewed(&mut self, ids: &[i64], expires: Instant) {
        for (id, lease) in &mut self.leases {
            if ids.contains(id) {
                *lease = expires;
            }
        }
    }
}

/// Calls the handler, turning an error or a panic into a failed outcome.
pub(crate) async fn call<H, F, E>(handler: &H, delivery: Delivery) -> (i64, Outcome)
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
    let outcome = match result {
        Ok(Ok(())) => Outcome::Done,
        Ok(Err(e)) => Outcome::Failed {
            attempt,
            error: e.to_string(),
        },
        Err(panic) => Outcome::Failed {
            attempt,
            error: format!("handler panicked: {}", panic_message(&*panic)),
        },
    };
    (id, outcome)
}
