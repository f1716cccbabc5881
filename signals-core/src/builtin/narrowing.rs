//! Typed views of the model signals for receivers filtered on a sender.
//!
//! The sender's [`ModelSender`] impl says which instance type each signal
//! hands: a plain [`Model`](crate::model::Model) type is its own instance
//! for all four; a SeaORM entity hands its `ActiveModel` before a save and
//! around a delete, its `Model` after a save.

use std::any::type_name;

use crate::def::{BoxFuture, SignalDef};
use crate::model::ModelSender;
use crate::narrow::Narrow;

/// The typed view of a model signal's arguments for one sender type.
/// Implemented by the definition types of the model signals.
#[doc(hidden)]
pub trait Retype: SignalDef {
    /// The instance type this signal hands a receiver filtered on `S`.
    type Instance<S: ModelSender>: std::any::Any + Send + Sync;

    /// The arguments with the instance typed for sender `S`.
    type Typed<'a, S: ModelSender>: Send + Sync;

    /// Rebuilds the arguments with the instance typed for sender `S`, or
    /// `None` if the instance is not of that type.
    fn retype<'a, S: ModelSender>(args: &Self::Args<'a>) -> Option<Self::Typed<'a, S>>;

    /// Calls an async receiver with the typed view, which the returned
    /// future owns. Written per signal because only the concrete argument
    /// types tell the compiler that the view lives as long as the borrow.
    fn retype_async<'a, 'b, S: ModelSender, R: 'b>(
        args: &'b Self::Args<'a>,
        receiver: impl for<'v> FnOnce(&'v Self::Typed<'a, S>) -> BoxFuture<'v, R> + Send + 'b,
    ) -> Option<BoxFuture<'b, R>>;
}

/// Implements [`Retype`] for a model signal whose arguments struct has an
/// `instance` field, typed from the sender's `ModelSender` type `$instance`,
/// and the given other fields.
macro_rules! retype {
    ($def:ident, $args:ident<$instance:ident> { $($field:ident),* }) => {
        impl $crate::builtin::narrowing::Retype for $def {
            type Instance<S: $crate::model::ModelSender> = S::$instance;

            type Typed<'a, S: $crate::model::ModelSender> = $args<'a, S::$instance>;

            fn retype<'a, S: $crate::model::ModelSender>(
                args: &Self::Args<'a>,
            ) -> Option<Self::Typed<'a, S>> {
                Some($args {
                    instance: args.instance.downcast_ref::<S::$instance>()?,
                    $($field: args.$field,)*
                })
            }

            fn retype_async<'a, 'b, S: $crate::model::ModelSender, R: 'b>(
                args: &'b Self::Args<'a>,
                receiver: impl for<'v> FnOnce(&'v Self::Typed<'a, S>) -> $crate::def::BoxFuture<'v, R> + Send + 'b,
            ) -> Option<$crate::def::BoxFuture<'b, R>> {
                let view = Self::retype::<S>(args)?;
                Some(Box::pin(async move { receiver(&view).await }))
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
        "`{}` was sent from `{}` with an instance that is not a `{}`; send model signals through `signals::models` helpers or `#[model_signals]` entity hooks, which derive the sender from the instance",
        D::NAME,
        type_name::<S>(),
        type_name::<D::Instance<S>>(),
    )
}

impl<D: Retype, S: ModelSender> Narrow<D, S> for ModelNarrowing {
    type View<'a> = D::Typed<'a, S>;

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
