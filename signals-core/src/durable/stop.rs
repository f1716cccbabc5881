//! The caller's shutdown future, watched from several `select!`s without
//! polling it again once it has fired.

use std::future::Future;
use std::pin::Pin;

/// Shutdown as seen by a worker: fired or not.
pub(crate) struct Stop<'a, S> {
    signal: Pin<&'a mut S>,
    fired: bool,
}

impl<'a, S: Future<Output = ()>> Stop<'a, S> {
    pub(crate) fn new(signal: Pin<&'a mut S>) -> Self {
        Stop {
            signal,
            fired: false,
        }
    }

    /// Whether shutdown was asked for.
    pub(crate) fn fired(&self) -> bool {
        self.fired
    }

    /// Resolves when shutdown is asked for, and never again after that.
    /// Cancel-safe: dropping it leaves the signal to the next call.
    pub(crate) async fn wait(&mut self) {
        if self.fired {
            return std::future::pending().await;
        }
        self.signal.as_mut().await;
        self.fired = true;
    }
}
