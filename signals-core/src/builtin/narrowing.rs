//! Typed views of the model signals for receivers filtered on a model type.

use std::any::type_name;

use crate::def::{BoxFuture, SignalDef};
use crate::model::Model;
use crate::narrow::Narrow;

/// The typed view of a model signal's arguments for one model type.
/// Implemented by the definition types of the model signals.
#[doc(hidden)]
pub trait Retype: SignalDef {
    /// The arguments with the instance typed as `M`.
    type Typed<'a, M: Model>: Send + Sync;

    /// Rebuilds the arguments with the instance typed as `M`, or `None` if
    /// the instance is not an `M`.
    fn retype<'a, M: Model>(args: &Self::Args<'a>) -> Option<Self::Typed<'a, M>>;

    /// Calls an async receiver with the typed view, which the returned
    /// future owns. Written per signal because only the concrete argument
    /// types tell the compiler that the view lives as long as the borrow.
    fn retype_async<'a, 'b, M: Model, R: 'b>(
        args: &'b Self::Args<'a>,
        receiver: impl for<'v> FnOnce(&'v Self::Typed<'a, M>) -> BoxFuture<'v, R> + Send + 'b,
    ) -> Option<BoxFuture<'b, R>>;
}

/// Implements [`Retype`] for a model signal whose arguments struct has an
/// `instance` field and the given others.
macro_rules! retype {
    ($def:ident, $args:ident { $($field:ident),* }) => {
        impl $crate::builtin::narrowing::Retype for $def {
            type Typed<'a, M: $crate::model::Model> = $args<'a, M>;

            fn retype<'a, M: $crate::model::Model>(args: &Self::Args<'a>) -> Option<Self::Typed<'a, M>> {
                Some($args {
                    instance: args.instance.downcast_ref::<M>()?,
                    $($field: args.$field,)*
                })
            }

            fn retype_async<'a, 'b, M: $crate::model::Model, R: 'b>(
                args: &'b Self::Args<'a>,
                receiver: impl for<'v> FnOnce(&'v Self::Typed<'a, M>) -> $crate::def::BoxFuture<'v, R> + Send + 'b,
            ) -> Option<$crate::def::BoxFuture<'b, R>> {
                let view = Self::retype::<M>(args)?;
                Some(Box::pin(async move { receiver(&view).await }))
            }
        }
    };
}
pub(super) use retype;

/// The narrowing of the model signals: a receiver declared with
/// `sender = M` gets the arguments with the instance typed as `&M`.
#[derive(Debug)]
pub struct ModelNarrowing;

#[cold]
#[track_caller]
fn mismatch<D: SignalDef, M: Model>() -> ! {
    // Only reachable when someone sends model-signal arguments from a sender
    // that is not the instance's type: a bug at that call site, reported
    // loudly instead of skipping the receiver.
    panic!(
        "`{}` was sent from `{}` with an instance of another type; send model signals through `signals::models` helpers, which derive the sender from the instance",
        D::NAME,
        type_name::<M>(),
    )
}

impl<D: Retype, M: Model> Narrow<D, M> for ModelNarrowing {
    type View<'a> = D::Typed<'a, M>;

    fn apply<'a, 'b, R>(
        args: &'b D::Args<'a>,
        receiver: impl FnOnce(&Self::View<'a>) -> R,
    ) -> Option<R> {
        match D::retype::<M>(args) {
            Some(view) => Some(receiver(&view)),
            None => mismatch::<D, M>(),
        }
    }

    fn apply_async<'a, 'b, R: 'b>(
        args: &'b D::Args<'a>,
        receiver: impl for<'v> FnOnce(&'v Self::View<'a>) -> BoxFuture<'v, R> + Send + 'b,
    ) -> Option<BoxFuture<'b, R>> {
        match D::retype_async::<M, R>(args, receiver) {
            Some(future) => Some(future),
            None => mismatch::<D, M>(),
        }
    }
}
