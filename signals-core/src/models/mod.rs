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
//! Every helper takes the database alias (Django's `using`, default
//! [`DEFAULT_DB_ALIAS`]) the same way: a `using(alias)` method on its
//! options ([`SaveOptions`], [`DeleteOptions`], [`MigrateOptions`]) or on the
//! [`M2m`] handle, which is its own options value; where the signal carries
//! Django's `raw` flag (`pre_save`, `post_save`, `m2m_changed`), a
//! `raw(bool)` method beside it sets that too. `new()` (or
//! `M2m::forward`/`M2m::reverse`) gives the defaults.
//!
//! An error from your code is returned unchanged and the matching `post_*`
//! signal is not sent. A panic in a receiver propagates (these helpers use
//! `send`, like Django). When nobody listens the helpers skip building the
//! arguments, and [`Deletion::needs_signals`] / [`M2m::has_listeners`] tell
//! your code when it may take a fast path (bulk delete, insert-or-ignore).
//!
//! [`transaction`] and [`on_commit`] defer work until a commit succeeds.

mod db;
mod delete;
mod m2m;
mod migrate;
mod save;
mod transaction;

pub use crate::model::Model;
pub use db::DEFAULT_DB_ALIAS;
pub use delete::{DeleteOptions, Deletion, delete};
pub use m2m::{M2m, Through};
pub use migrate::{MigrateOptions, migrate};
pub use save::{SaveOptions, Saved, save};
pub use transaction::{in_transaction, on_commit, transaction};
