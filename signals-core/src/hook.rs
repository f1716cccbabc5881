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
//!
//! A hook also says what a send collects for each receiver that answered
//! ([`Hook::Item`]): the response itself, or, through [`Paired`], the
//! response paired with the receiver that gave it (`Signal::with_receivers`,
//! Django's `[(receiver, response)]`). The loops hand over the receiver
//! lazily, so a hook that collects bare responses never looks it up, and a
//! pairing hook may still call a bucket's fast slice, which runs parallel
//! to the slots.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

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

    /// What a send collects for a receiver's outcome `T` (its response, or
    /// a robust send's `Ok`/`Err`).
    type Item<T: Send + 'static>: Send + 'static;

    /// The item of `outcome`, the outcome of the receiver `receiver` returns.
    fn item<'e, T: Send + 'static>(
        receiver: impl FnOnce() -> &'e Arc<ReceiverInfo>,
        outcome: T,
    ) -> Self::Item<T>;

    /// The future of the item of an async receiver's future (already
    /// wrapped by [`future`](Self::future)).
    fn item_future<'b, T: Send + 'static>(
        receiver: &Arc<ReceiverInfo>,
        future: BoxFuture<'b, T>,
    ) -> BoxFuture<'b, Self::Item<T>>;

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

    type Item<T: Send + 'static> = T;

    #[inline(always)]
    fn item<'e, T: Send + 'static>(_: impl FnOnce() -> &'e Arc<ReceiverInfo>, outcome: T) -> T {
        outcome
    }

    #[inline(always)]
    fn item_future<'b, T: Send + 'static>(
        _: &Arc<ReceiverInfo>,
        future: BoxFuture<'b, T>,
    ) -> BoxFuture<'b, T> {
        future
    }

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

/// The hook of `Signal::with_receivers`: observes as `H` does, and pairs
/// every outcome with the receiver that gave it (a shared handle from the
/// send's own snapshot, so pairing copies no receiver description).
pub(crate) struct Paired<H>(PhantomData<H>);

impl<H: Hook> Hook for Paired<H> {
    const PER_RECEIVER: bool = H::PER_RECEIVER;

    type Scope = H::Scope;

    type Item<T: Send + 'static> = (Arc<ReceiverInfo>, T);

    #[inline]
    fn item<'e, T: Send + 'static>(
        receiver: impl FnOnce() -> &'e Arc<ReceiverInfo>,
        outcome: T,
    ) -> (Arc<ReceiverInfo>, T) {
        (Arc::clone(receiver()), outcome)
    }

    fn item_future<'b, T: Send + 'static>(
        receiver: &Arc<ReceiverInfo>,
        future: BoxFuture<'b, T>,
    ) -> BoxFuture<'b, (Arc<ReceiverInfo>, T)> {
        let receiver = Arc::clone(receiver);
        Box::pin(async move { (receiver, future.await) })
    }

    #[inline]
    fn start<D: SignalDef>(kind: SendKind, sender: Sender, receivers: usize) -> H::Scope {
        H::start::<D>(kind, sender, receivers)
    }

    #[inline]
    fn within<T>(scope: &H::Scope, part: impl FnOnce() -> T) -> T {
        H::within(scope, part)
    }

    #[inline]
    fn join<F: Future + Send>(scope: &H::Scope, join: F) -> impl Future<Output = F::Output> + Send {
        H::join(scope, join)
    }

    #[inline]
    fn call<T>(receiver: &ReceiverInfo, call: impl FnOnce() -> T) -> T {
        H::call(receiver, call)
    }

    #[inline]
    fn future<'b, T: 'b>(receiver: &ReceiverInfo, future: BoxFuture<'b, T>) -> BoxFuture<'b, T> {
        H::future(receiver, future)
    }

    #[inline]
    fn failed<D: SignalDef>(kind: SendKind, error: &ReceiverError) {
        H::failed::<D>(kind, error);
    }
}
