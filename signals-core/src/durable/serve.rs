//! Workers that run the durable receivers of this binary.

use std::future::Future;

use crate::durable::dialect::Dialect;
use crate::durable::error::Error;
use crate::durable::registry;
use crate::durable::report::RunReport;
use crate::durable::worker::Worker;

impl<DB: Dialect> Worker<DB> {
    /// Delivers events to the durable receivers of this binary until
    /// `shutdown` resolves, then finishes the events in hand: [`run`]
    /// with a handler that routes each event by its topic (the signal's
    /// path) and receiver (its identifier) to the receiver linked in by
    /// `#[receiver(…, durable = "…")]` or connected in this process with
    /// [`Signal::durable`](crate::Signal::durable), decodes the arguments
    /// and calls it.
    ///
    /// A receiver's `Err` or panic fails the event (retried, then dead), and
    /// so does an event this binary has no receiver for, or whose arguments
    /// cannot be read back; the dead event keeps the message.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateReceiver`] before anything runs, when two linked-in
    /// durable receivers of one signal share an identifier; then as
    /// [`run`].
    ///
    /// [`run`]: Worker::run
    pub async fn run_receivers<S>(self, shutdown: S) -> Result<RunReport, Error>
    where
        S: Future<Output = ()>,
    {
        registry::check()?;
        self.run(registry::deliver, shutdown).await
    }
}
