//! Typed views of the model signals for receivers filtered on a sender,
//! and the check that a receiver without that filter does not ask for one.
//!
//! The sender's [`ModelSender`] impl says which instance type each signal
//! hands: a plain [`Model`](crate::model::Model) type is its own instance
//! for all four; a SeaORM entity hands its `ActiveModel` before a save and
//! around a delete, its `Model` after a save.

use std::any::type_name;

use crate::def::{BoxFuture, SignalDef};
use crate::model::{AnyInstance, ModelSender};
use crate::narrow::{Narrow, Unfiltered};

/// The typed view of a model signal's arguments for one sender type.
/// Implemented by the definition types of the model signals.
#[doc(hidden)]
pub trait Retype: SignalDef {
    /// The instance type this signal hands a receiver filtered on `S`.
    type Instance<S: ModelSender>: std::any::Any + Send + Sync;

    /// The arguments with the instance typed as `M` (with `M =
    /// AnyInstance`, the arguments as sent).
    type Typed<'a, M: ?Sized + Sync + 'static>: Send + Sync;

    /// The arguments as sent, as the view of `AnyInstance` they are.
    fn erased<'r, 'a>(args: &'r Self::Args<'a>) -> &'r Self::Typed<'a, AnyInstance>;

    /// Rebuilds the arguments with the instance typed for sender `S`, or
    /// `None` if the instance is not of that type.
    fn retype<'a, S: ModelSender>(
        args: &Self::Args<'a>,
    ) -> Option<Self::Typed<'a, Self::Instance<S>>>;

    /// Calls an async receiver with the typed view, which the returned
    /// future owns. Written per signal because only the concrete argument
    /// types tell the compiler that the view lives as long as the borrow.
    fn retype_async<'a, 'b, S: ModelSender, R: 'b>(
        args: &'b Self::Args<'a>,
        receiver: impl for<'v> FnOnce(&'v Self::Typed<'a, Self::Instance<S>>) -> BoxFuture<'v, R>
        + Send
        + 'b,
    ) -> Option<BoxFuture<'b, R>>;
}

/// Implements [`Retype`] for a model signal whose arguments struct has an
/// `instance` field, typed from the sender's `ModelSender` type `$instance`,
/// and the given other fields.
macro_rules! retype {
    ($def:ident, $args:ident<$instance:ident> { $($field:ident),* }) => {
        impl $crate::builtin::narrowing::Retype for $def {
            type Instance<S: $crate::model::ModelSender> = S::$instance;

            type Typed<'a, M: ?Sized + Sync + 'static> = $args<'a, M>;

            fn erased<'r, 'a>(args: &'r Self::Args<'a>) -> &'r Self::Typed<'a, $crate::builtin::AnyInstance> {
                args
            }

            fn retype<'a, S: $crate::model::ModelSender>(
                args: &Self::Args<'a>,
            ) -> Option<Self::Typed<'a, S::$instance>> {
                Some($args {
                    instance: args.instance.downcast_ref::<S::$instance>()?,
                    $($field: args.$field,)*
                })
            }

            fn retype_async<'a, 'b, S: $crate::model::ModelSender, R: 'b>(
                args: &'b Self::Args<'a>,
                receiver: impl for<'v> FnOnce(&'v Self::Typed<'a, S::$instance>) -> $crate::def::BoxFuture<'v, R> + Send + 'b,
            ) -> Option<$crate::def::BoxFuture<'b, R>> {
                let view = Self::retype::<S>(args)?;
                Some(Box::pin(async move { receiver(&view).await }))
            }
        }

        impl<'r, 'a, M> $crate::builtin::narrowing::UnfilteredParam<'r, $args<'a>> for &'r $args<'a, M>
        where
            M: ?Sized + Sync + 'static + $crate::builtin::narrowing::UnfilteredInstance<$def>,
        {
            #[inline(always)]
            fn from_args(args: &'r <$def as $crate::SignalDef>::Args<'a>) -> Self {
                M::view(args)
            }
        }
    };
}
pub(super) use retype;

/// The narrowing of the model signals: a receiver declared with
/// `sender = S` gets the arguments with the instance typed as the type
/// `S`'s [`ModelSender`] impl names for that signal.
#[derive(Debug)]
pub struct ModelNarrowing;

#[cold]
#[track_caller]
fn mismatch<D: Retype, S: ModelSender>() -> ! {
    // Only reachable when someone sends model-signal arguments from a sender
    // whose instance type is not the one sent: a bug at that call site,
    // reported loudly instead of skipping the receiver.
    panic!(
        "`{}` was sent from `{}` with an instance of another type than the `{}` it hands; send model signals through `signals::models` helpers or `#[model_signals]` entity hooks, which derive the sender from the instance",
        D::NAME,
        type_name::<S>(),
        type_name::<D::Instance<S>>(),
    )
}

impl<D: Retype, S: ModelSender> Narrow<D, S> for ModelNarrowing {
    type View<'a> = D::Typed<'a, D::Instance<S>>;

    fn apply<'a, 'b, R>(
        args: &'b D::Args<'a>,
        receiver: impl FnOnce(&Self::View<'a>) -> R,
    ) -> Option<R> {
        match D::retype::<S>(args) {
            Some(view) => Some(receiver(&view)),
            None => mismatch::<D, S>(),
        }
    }

    fn apply_async<'a, 'b, R: 'b>(
        args: &'b D::Args<'a>,
        receiver: impl for<'v> FnOnce(&'v Self::View<'a>) -> BoxFuture<'v, R> + Send + 'b,
    ) -> Option<BoxFuture<'b, R>> {
        match D::retype_async::<S, R>(args, receiver) {
            Some(future) => Some(future),
            None => mismatch::<D, S>(),
        }
    }
}

/// A receiver of a model signal without a sender filter: its parameter must
/// be the arguments `A` as sent ([`UnfilteredParam`]), whose instance is
/// type-erased ([`UnfilteredInstance`]).
impl<'r, A: ?Sized + 'r, P> Unfiltered<'r, A, P> for ModelNarrowing
where
    P: UnfilteredParam<'r, A>,
{
    type Supplied = P;

    #[inline(always)]
    fn supply(args: &'r A) -> P {
        P::from_args(args)
    }
}

/// The arguments parameter of a model-signal receiver without a sender
/// filter: a reference to the signal's arguments `A` (implemented by
/// `retype!`).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the arguments of this model signal, `&{A}`",
    label = "not the arguments of this signal",
    note = "a receiver of a model signal takes its arguments struct by reference, e.g. `args: &PostSave` for `post_save`"
)]
pub trait UnfilteredParam<'r, A: ?Sized>: Sized {
    /// The arguments as this parameter's type.
    fn from_args(args: &'r A) -> Self;
}

/// The instance type of a receiver without a sender filter: only the
/// type-erased [`AnyInstance`] matches every send. A typed instance
/// (`&PostSave<User>`) is what `sender = User` gives.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "a receiver of `{D}` gets the instance typed as `{Self}` only when filtered on its sender: add `sender = {Self}` to `#[receiver(..)]` (for a SeaORM entity's `Model` or `ActiveModel`, `sender = Entity`)",
    label = "needs a sender filter",
    note = "without a sender filter the receiver hears every model: take the arguments as sent, with the instance type-erased (`instance.downcast_ref::<{Self}>()`)"
)]
pub trait UnfilteredInstance<D: Retype>: Sync + 'static {
    /// The arguments as the view of `Self` they are.
    fn view<'r, 'a>(args: &'r D::Args<'a>) -> &'r D::Typed<'a, Self>;
}

#[diagnostic::do_not_recommend]
impl<D: Retype> UnfilteredInstance<D> for AnyInstance {
    #[inline(always)]
    fn view<'r, 'a>(args: &'r D::Args<'a>) -> &'r D::Typed<'a, Self> {
        D::erased(args)
    }
}
