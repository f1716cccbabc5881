//! The compile-time description of a signal.
//!
//! `signal!` generates, beside each `static`, a type of the same name that
//! implements [`SignalDef`] (types and values live in different namespaces, the
//! trick `lazy_static` uses). That type names the signal's argument family, its
//! response type, and the `inventory` collection holding its static receivers,
//! so `#[receiver(path::SIGNAL)]` reaches everything from the signal's path
//! alone and resolving a signal walks only its own receivers.

use crate::registration::{BoxFuture, StaticReceiver};

/// Describes one signal: what it carries and what its receivers return.
///
/// Implemented by the type `signal!` generates; you do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a signal",
    label = "not a signal",
    note = "a signal is a `static` declared with `signal! {{ static NAME: Args; }}`; `#[receiver(..)]` takes its path"
)]
pub trait SignalDef: Sized + Send + Sync + 'static {
    /// The arguments a send carries, as a family over the borrow lifetime:
    /// receivers get `&Self::Args<'a>`, which may borrow from the caller.
    type Args<'a>: ?Sized;
    /// What each receiver returns (`()` unless declared with `=> Type`).
    type Response: Send + 'static;
    /// How `#[receiver(…, sender = T)]` narrows the arguments for a sender
    /// type: [`Untyped`] passes them through; the model signals hand typed
    /// instances to typed receivers.
    type Narrowing;
    /// The signal's name as declared.
    const NAME: &'static str;
    /// The module the signal was declared in.
    const MODULE_PATH: &'static str;

    #[doc(hidden)]
    fn __static_receivers() -> impl Iterator<Item = &'static StaticReceiver<Self>>;
}

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
