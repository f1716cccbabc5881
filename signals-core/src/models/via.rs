//! How a model helper sends its signals: the sync helpers through `send`,
//! their async twins (`asave`, …) through `asend`.
//!
//! Each helper's steps (who listens, the arguments, the order, no `post_*`
//! after a failure) are written once, as an `async fn` that takes a [`Via`]
//! and the caller's persistence code as an async closure, and sends with
//! [`send_via!`]. The async twin awaits it with [`Via::Asend`]; the sync
//! helper wraps its plain closure in an async one that never waits and runs
//! the steps with [`Via::Send`] through [`now`], where they complete in a
//! single poll (nothing in them waits: `send` returns before anything is
//! polled). The two variants can only differ in how they send and in the
//! closure they call.
//!
//! `send_via!` is a macro rather than a generic method so that each use
//! names its signal's concrete type: a send generic over the signal would
//! need a higher-ranked `Sync` bound on its arguments, which keeps rustc
//! from proving the async twins' futures `Send` (rust-lang/rust#100013),
//! and those futures must be spawnable.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// How a helper's steps send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Via {
    /// `Signal::send`, with its rule for async receivers (the sync helpers).
    Send,
    /// `Signal::asend`, awaited in the caller's task (the async twins).
    Asend,
}

/// Sends `$signal` from `$sender` with `$args` the way `$via` says, inside a
/// helper's steps (an `async fn`); the responses are ignored.
macro_rules! send_via {
    ($via:expr, $signal:expr, $sender:expr, $args:expr) => {
        match $via {
            $crate::models::via::Via::Send => {
                $signal.send($sender, $args);
            }
            $crate::models::via::Via::Asend => {
                $signal.asend($sender, $args).await;
            }
        }
    };
}
pub(super) use send_via;

/// The output of a sync helper's steps, which complete in one poll (see the
/// module docs).
pub(super) fn now<F: Future>(steps: F) -> F::Output {
    match pin!(steps).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("a sync helper's steps never wait"),
    }
}
