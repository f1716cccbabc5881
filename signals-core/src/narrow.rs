//! How a `#[receiver]` sees the arguments, through its signal's narrowing.
//!
//! `#[receiver(SIGNAL, sender = T)]` calls its function through
//! `<SIGNAL as SignalDef>::Narrowing`, which implements [`Narrow`] for `T`.
//! Most signals use [`Untyped`] (the arguments as sent); the model signals
//! use `builtin::ModelNarrowing`, which hands a receiver filtered on `User`
//! a `&User` instead of a type-erased instance.
//!
//! A receiver without a sender filter gets the arguments as sent, through
//! [`Unfiltered`]: the narrowing only decides how a parameter of the wrong
//! type is reported. With [`Untyped`] rustc reports the type mismatch; a
//! narrowing with typed views checks the parameter itself, so that a typed
//! view without the filter it needs (`&PostSave<User>` without
//! `sender = User`) is reported as that. Only generated code calls these,
//! through `__private`.

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

/// How a receiver without a sender filter, whose arguments parameter has
/// type `P`, gets the arguments `A` of its signal. Not called by user code:
/// `#[receiver]` binds its parameter to what [`supply`](Self::supply)
/// returns. (It names the arguments type rather than the signal, so that a
/// path that is not a signal is reported once, at that path.)
pub trait Unfiltered<'r, A: ?Sized + 'r, P> {
    /// What the parameter is bound from: the arguments as sent, or `P`
    /// itself when the narrowing checks `P`.
    type Supplied;

    /// The arguments, as [`Supplied`](Self::Supplied).
    fn supply(args: &'r A) -> Self::Supplied;
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

/// Any parameter type: a wrong one is rustc's type mismatch between `P` and
/// the arguments, pointing at the signal.
impl<'r, A: ?Sized + 'r, P> Unfiltered<'r, A, P> for Untyped {
    type Supplied = &'r A;

    #[inline(always)]
    fn supply(args: &'r A) -> &'r A {
        args
    }
}
