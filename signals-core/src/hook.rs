//! What a send shows an observer, and the observer that looks at nothing.
//!
//! The send loops of `dispatch.rs` are written once, generic over a [`Hook`]
//! that they call at each step: when the send starts (with how many
//! receivers it reaches), around each sync receiver call, on each async
//! receiver's future, around the join of those futures, and for each panic
//! a robust send catches. [`Silent`] does nothing at every step and
//! compiles away: a send that uses it is the bare loop, and may call a
//! bucket's receivers through its fast slice, which carries no
//! per-receiver metadata. The `tracing` feature adds a second hook
//! (`trace::Traced`) that turns these steps into spans and events, the way
//! tokio's runtime calls one trace hook with a no-op twin.
//!
//! A hook that needs to know *which* receiver it is looking at sets
//! [`Hook::PER_RECEIVER`]; the loops then walk the bucket's slots, each of
//! which carries its receiver's [`ReceiverInfo`].

use std::future::Future;

use crate::def::{BoxFuture, SignalDef};
use crate::error::ReceiverError;
use crate::receiver::ReceiverInfo;
use crate::sender::Sender;

/// Which of the four send methods is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SendKind {
    Send,
    SendRobust,
    Asend,
    AsendRobust,
}

/// An observer of sends; see the [module docs](self). A hook is a type, not a
/// value: the loops name it as a type parameter, so a hook that does
/// nothing adds nothing, not even a captured reference.
pub(crate) trait Hook {
    /// Whether the hook needs each receiver's [`ReceiverInfo`] around its
    /// call. When `false` the loops may call a bucket's fast slice instead.
    const PER_RECEIVER: bool;

    /// What the hook keeps while a send runs (a span), `()` for none.
    type Scope: Send;

    /// A send of signal `D` from `sender` begins, reaching `receivers`
    /// receivers.
    fn start<D: SignalDef>(kind: SendKind, sender: Sender, receivers: usize) -> Self::Scope;

    /// Runs part of the send (its sync receivers, collecting results) inside
    /// what `start` returned.
    fn within<T>(scope: &Self::Scope, part: impl FnOnce() -> T) -> T;

    /// Awaits the join of a send's async receivers inside what `start`
    /// returned.
    fn join<F: Future + Send>(
        scope: &Self::Scope,
        join: F,
    ) -> impl Future<Output = F::Output> + Send;

    /// Calls one sync receiver.
    fn call<T>(receiver: &ReceiverInfo, call: impl FnOnce() -> T) -> T;

    /// Wraps the future of one async receiver, just created.
    fn future<'b, T: 'b>(receiver: &ReceiverInfo, future: BoxFuture<'b, T>) -> BoxFuture<'b, T>;

    /// A robust send caught a receiver's panic and returns `error` for it.
    fn failed<D: SignalDef>(kind: SendKind, error: &ReceiverError);
}

/// The hook of every send nobody observes: each step is the bare step.
pub(crate) enum Silent {}

impl Hook for Silent {
    const PER_RECEIVER: bool = false;

    type Scope = ();

    #[inline(always)]
    fn start<D: SignalDef>(_: SendKind, _: Sender, _: usize) {}

    #[inline(always)]
    fn within<T>((): &(), part: impl FnOnce() -> T) -> T {
        part()
    }

    #[inline(always)]
    fn join<F: Future + Send>((): &(), join: F) -> impl Future<Output = F::Output> + Send {
        join
    }

    #[inline(always)]
    fn call<T>(_: &ReceiverInfo, call: impl FnOnce() -> T) -> T {
        call()
    }

    #[inline(always)]
    fn future<'b, T: 'b>(_: &ReceiverInfo, future: BoxFuture<'b, T>) -> BoxFuture<'b, T> {
        future
    }

    #[inline(always)]
    fn failed<D: SignalDef>(_: SendKind, _: &ReceiverError) {}
}
