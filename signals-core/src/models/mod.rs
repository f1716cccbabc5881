//! ORM-agnostic senders of the model signals.
//!
//! Django's ORM sends `pre_save`, `post_save`, … itself. Here the
//! persistence code is yours (SQL by hand, `rusqlite`, `sqlx`, `diesel`, …):
//! each helper wraps it, sends the signals with Django's arguments around it,
//! and derives the sender from the instance's type, so a receiver declared
//! with `sender = User` always gets a `&User`.
//!
//! | helper | async twin | signals | your code reports |
//! |---|---|---|---|
//! | [`save`] | [`asave`] | `pre_save`, then `post_save` | [`Saved::Created`] or [`Saved::Updated`] |
//! | [`delete`] | [`adelete`] | `pre_delete` for every instance, then `post_delete` for every instance | success; the cascaded rows go in the [`Deletion`] |
//! | [`M2m::add`], [`M2m::remove`], [`M2m::clear`] | [`M2m::aadd`], [`M2m::aremove`], [`M2m::aclear`] | `m2m_changed` (`pre_*`, then `post_*`) | the keys already present (add) |
//! | [`migrate`] | [`amigrate`] | `pre_migrate` per app, then `post_migrate` per app | success of each step |
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
//! signal is not sent. A panic in a receiver propagates (`send` and `asend`
//! propagate it, as Django's `send` does). When nobody listens the helpers skip building the
//! arguments, and [`Deletion::needs_signals`] / [`M2m::has_listeners`] tell
//! your code when it may take a fast path (bulk delete, insert-or-ignore).
//!
//! # Sync or async
//!
//! The sync helpers send with [`Signal::send`](crate::Signal::send) and
//! call plain closures: inside a multi-thread tokio runtime they wait for
//! async receivers without stopping the runtime, and inside a
//! current-thread runtime a send that reaches an async receiver panics
//! before any receiver runs (see `send`). The async twins send with
//! [`Signal::asend`](crate::Signal::asend), awaiting async receivers in the
//! caller's task, and take async closures (`async |user| { … }`) for your
//! persistence code (sqlx, SeaORM, …). Both share every step: same
//! arguments, same order, same rules.
//!
//! [`transaction`] / [`atransaction`] and [`on_commit`] defer work until a
//! commit succeeds; the queue follows the transaction's task, not a thread.

mod db;
mod delete;
mod frame;
mod m2m;
mod migrate;
mod on_commit;
mod save;
mod transaction;
mod via;

pub use crate::model::{Model, ModelSender};
pub use db::DEFAULT_DB_ALIAS;
pub use delete::{DeleteOptions, Deletion, adelete, delete};
pub use m2m::{M2m, Through};
pub use migrate::{MigrateOptions, amigrate, migrate};
pub use on_commit::{OnCommit, TransactionScope, in_transaction, on_commit, on_commit_robust};
pub use save::{SaveOptions, Saved, asave, save};
pub use transaction::{atransaction, transaction};
#[cfg(feature = "durable")]
pub(crate) use {frame::Refusal, on_commit::queue_event};
