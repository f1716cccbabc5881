//! The [`Model`] trait and [`AnyInstance`]: what the model signals
//! (`builtin`) and the helpers that send them (`models`) know about a model
//! type and its instances, and [`ModelSender`]: which instance type each
//! model signal hands a receiver filtered on a sender. Public as
//! `models::Model`, `models::ModelSender` and `builtin::AnyInstance`; they
//! live below both so that neither reaches into the other for them.

use std::any::Any;

/// A model instance with its type erased: what receivers without a sender
/// filter get. `instance.downcast_ref::<User>()` gives it back typed.
pub type AnyInstance = dyn Any + Send + Sync;

/// A type whose instances are saved and deleted through the
/// [`models`](crate::models) helpers.
///
/// Implementing it (`impl Model for User { type Pk = i64; }`) lets `User` be
/// the sender of model signals and the typed instance of their receivers.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a sender of the model signals",
    label = "neither a `signals::models::Model` nor a `#[model_signals]` SeaORM entity",
    note = "implement `signals::models::Model` for it, or, for a SeaORM entity, put `#[signals::model_signals]` on its `impl ActiveModelBehavior for ActiveModel`"
)]
pub trait Model: Any + Send + Sync {
    /// The primary key type: what many-to-many changes carry in `pk_set`.
    type Pk: Ord + Clone + std::fmt::Debug + Send + Sync + 'static;

    /// A readable name for messages (the type's path by default).
    #[must_use]
    fn model_name() -> &'static str
    where
        Self: Sized,
    {
        std::any::type_name::<Self>()
    }
}

/// A sender of the model signals, and the instance type each of them hands
/// to a receiver declared with `sender = Self`.
///
/// | sender | `pre_save` | `post_save` | `pre_delete` | `post_delete` |
/// |---|---|---|---|---|
/// | a [`Model`] type `M` (the [`models`](crate::models) helpers) | `M` | `M` | `M` | `M` |
/// | a SeaORM entity `E` with `#[model_signals]` (feature `sea-orm`) | `E::ActiveModel` | `E::Model` | `E::ActiveModel` | `E::ActiveModel` |
///
/// Every [`Model`] is its own sender (a blanket impl); `#[model_signals]`
/// implements it for the entity. You never implement it by hand for the
/// signals to work, and the senders of the model signals are exactly these
/// types, so a receiver's typed view always matches what was sent.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a sender of the model signals",
    label = "neither a `signals::models::Model` nor a `#[model_signals]` SeaORM entity",
    note = "implement `signals::models::Model` for it, or put `#[signals::model_signals]` on the entity's `impl ActiveModelBehavior for ActiveModel`"
)]
pub trait ModelSender: 'static {
    /// What `pre_save` hands: the instance about to be written.
    type Saving: Any + Send + Sync;
    /// What `post_save` hands: the instance as written.
    type Saved: Any + Send + Sync;
    /// What `pre_delete` hands: the instance about to be deleted.
    type Deleting: Any + Send + Sync;
    /// What `post_delete` hands: the deleted instance.
    type Deleted: Any + Send + Sync;
}

impl<M: Model> ModelSender for M {
    type Saving = M;
    type Saved = M;
    type Deleting = M;
    type Deleted = M;
}
