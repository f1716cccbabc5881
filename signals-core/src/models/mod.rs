//! ORM-agnostic senders of the model signals.
//!
//! Django's ORM sends `pre_save`, `post_save`, … itself. Here the
//! persistence code is yours (SQL by hand, `rusqlite`, `sqlx`, `diesel`, …):
//! each helper wraps it, sends the signals with Django's arguments around it,
//! and derives the sender from the instance's type, so a receiver declared
//! with `sender = User` always gets a `&User`.
//!
//! | helper | signals | your code reports |
//! |---|---|---|
//! | [`save`] | `pre_save`, then `post_save` | [`Saved::Created`] or [`Saved::Updated`] |
//! | [`delete`] | `pre_delete` for every instance, then `post_delete` for every instance | success; the cascaded rows go in the [`Deletion`] |
//! | [`M2m::add`], [`M2m::remove`], [`M2m::clear`] | `m2m_changed` (`pre_*`, then `post_*`) | the keys already present (add) |
//! | [`migrate`] | `pre_migrate` per app, then `post_migrate` per app | success of each step |
//!
//! An error from your code is returned unchanged and the matching `post_*`
//! signal is not sent. A panic in a receiver propagates (these helpers use
//! `send`, like Django). When nobody listens the helpers skip building the
//! arguments, and [`Deletion::needs_signals`] / [`M2m::has_listeners`] tell
//! your code when it may take a fast path (bulk delete, insert-or-ignore).
//!
//! [`transaction`] and [`on_commit`] defer work until a commit succeeds.

mod delete;
mod m2m;
mod migrate;
mod save;
mod transaction;

use std::any::Any;

pub use delete::{Deletion, delete};
pub use m2m::{M2m, Through};
pub use migrate::{MigrateOptions, migrate};
pub use save::{SaveOptions, Saved, save};
pub use transaction::{in_transaction, on_commit, transaction};

/// A type whose instances are saved and deleted through these helpers.
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

/// The database alias used when none is given, as in Django.
pub const DEFAULT_DB_ALIAS: &str = "default";
