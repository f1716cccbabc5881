//! The [`Model`] trait: what the model signals (`builtin`) and the helpers
//! that send them (`models`) know about a model type. Public as
//! `models::Model`; it lives below both so that neither reaches into the
//! other for it.

use std::any::Any;

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
