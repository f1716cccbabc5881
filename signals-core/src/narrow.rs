//! How a receiver filtered on a sender type sees the arguments.
//!
//! `#[receiver(SIGNAL, sender = T)]` calls its function through
//! `<SIGNAL as SignalDef>::Narrowing`, which implements [`Narrow`] for `T`.
//! Most signals use [`Untyped`] (the arguments as sent); the model signals
//! use `builtin::ModelNarrowing`, which hands a receiver filtered on `User`
//! a `&User` instead of a type-erased instance. Only generated code calls
//! these, through `__private`.

use crate::def::{BoxFuture, SignalDef};

/// Turns a signal's arguments into the view a receiver filtered on sender `T`
/// takes, and calls the receiver with it. Not called by user code:
/// `#[receiver(…, sender = T)]` generates the call.
pub trait Narrow<D: SignalDef, T: ?Sized + 'static> {
    /// What the receiver's argument parameter points to.
    type View<'a>: ?Sized;

    /// Calls `receiver` with the view of `args`, or returns `None` when the
    /// arguments do not belong to `T` (the receiver is then skipped).
    fn apply<'a, 'b, R>(
        args: &'b D::Args<'a>,
        receiver: impl FnOnce(&Self::View<'a>) -> R,
    ) -> Option<R>;

    /// The async counterpart of [`apply`](Self::apply): the view lives in the
    /// returned future.
    fn apply_async<'a, 'b, R: 'b>(
        args: &'b D::Args<'a>,
        receiver: impl for<'v> FnOnce(&'v Self::View<'a>) -> BoxFuture<'v, R> + Send + 'b,
    ) -> Option<BoxFuture<'b, R>>;
}

/// The default [`SignalDef::Narrowing`]: receivers get the arguments as sent.
#[derive(Debug)]
pub struct Untyped;

impl<D: SignalDef, T: ?Sized + 'static> Narrow<D, T> for Untyped {
    type View<'a> = D::Args<'a>;

    #[inline]
    fn apply<'a, 'b, R>(
        args: &'b D::Args<'a>,
        receiver: impl FnOnce(&Self::View<'a>) -> R,
    ) -> Option<R> {
        Some(receiver(args))
    }

    #[inline]
    fn apply_async<'a, 'b, R: 'b>(
        args: &'b D::Args<'a>,
        receiver: impl for<'v> FnOnce(&'v Self::View<'a>) -> BoxFuture<'v, R> + Send + 'b,
    ) -> Option<BoxFuture<'b, R>> {
        Some(receiver(args))
    }
}
