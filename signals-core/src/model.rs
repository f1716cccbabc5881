//! The [`Model`] trait and [`AnyInstance`]: what the model signals
//! (`builtin`) and the helpers that send them (`models`) know about a model
//! type and its instances. Public as `models::Model` and
//! `builtin::AnyInstance`; they live below both so that neither reaches
//! into the other for them.

use std::any::Any;

/// A model instance with its type erased: what receivers without a sender
/// filter get. `instance.downcast_ref::<User>()` gives it back typed.
pub type AnyInstance = dyn Any + Send + Sync;

/// A type whose instances are saved and deleted through the
/// [`models`](crate::models) helpers.
///
/// Implementing it (`impl Model for User { type Pk = i64; }`) lets `User` be
/// the sender of model signals and the typed instance of their receivers.
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
