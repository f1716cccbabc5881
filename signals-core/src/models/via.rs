//! How a model helper sends its signals: the sync helpers through `send`,
//! their async twins (`asave`, …) through `asend`.
//!
//! Each helper's steps (who listens, the arguments, the order, no `post_*`
//! after a failure) are written once, as an `async fn` generic over [`Via`]
//! that takes the caller's persistence code as an async closure. The async
//! twin awaits it with [`Awaiting`]; the sync helper wraps its plain closure in
//! an async one that never waits and runs the steps with [`Blocking`] through
//! [`now`], where they complete in a single poll (nothing in them waits:
//! `send` returns before its future is polled). The two variants can only
//! differ in how they send and in the closure they call.

use std::future::{Future, ready};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::def::SignalDef;
use crate::sender::Sender;
use crate::signal::Signal;

/// One way of sending a signal from a helper's steps.
pub(super) trait Via {
    /// Sends `signal`; the helpers ignore the responses.
    fn send<'s, 'a: 's, D: SignalDef>(
        signal: &'s Signal<D>,
        sender: Sender,
        args: &'s D::Args<'a>,
    ) -> impl Future<Output = ()> + Send + 's
    where
        for<'x> D::Args<'x>: Sync;
}

/// The sync helpers: `send`, with its rule for async receivers.
pub(super) enum Blocking {}

/// The async twins: `asend`, awaited in the caller's task.
pub(super) enum Awaiting {}

impl Via for Blocking {
    fn send<'s, 'a: 's, D: SignalDef>(
        signal: &'s Signal<D>,
        sender: Sender,
        args: &'s D::Args<'a>,
    ) -> impl Future<Output = ()> + Send + 's
    where
        for<'x> D::Args<'x>: Sync,
    {
        signal.send(sender, args);
        ready(())
    }
}

impl Via for Awaiting {
    async fn send<'s, 'a: 's, D: SignalDef>(
        signal: &'s Signal<D>,
        sender: Sender,
        args: &'s D::Args<'a>,
    ) where
        for<'x> D::Args<'x>: Sync,
    {
        signal.asend(sender, args).await;
    }
}

/// The output of a sync helper's steps, which complete in one poll (see the
/// module docs).
pub(super) fn now<F: Future>(steps: F) -> F::Output {
    match pin!(steps).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("a sync helper's steps never wait"),
    }
}
