//! SeaORM 2 entities that send the model signals (feature `sea-orm`).
//!
//! In Django the ORM sends `pre_save`/`post_save`/`pre_delete`/`post_delete`;
//! here SeaORM does, from its `ActiveModelBehavior` hooks. One line per
//! entity: `#[signals::model_signals]` on the entity's
//! `impl ActiveModelBehavior for ActiveModel {}` (hand-written hook bodies
//! stay: your `before_*` body runs first and the `pre_*` signal carries what
//! it returned; `post_*` is sent first and your `after_*` body runs after
//! it, as an overridden Django `save()` around `super().save()`). The
//! signals go out with `asend`: sync and async receivers both run, and
//! nothing blocks the runtime.
//!
//! ```text
//! #[signals::model_signals]
//! impl ActiveModelBehavior for ActiveModel {}
//! ```
//!
//! The attribute's page (`signals::model_signals`) has a complete, runnable
//! example; `examples/seaorm_blog.rs` a whole application.
//!
//! # What receivers get
//!
//! The sender is the entity type (`user::Entity`) for all four signals, so
//! one filter, `#[receiver(SIGNAL, sender = user::Entity)]`, works for each,
//! and the receiver gets the instance typed as what SeaORM hands that hook
//! (no downcast; another type is a compile error):
//!
//! | signal | sent from | instance type | `created` | `update_fields` |
//! |---|---|---|---|---|
//! | `pre_save` | `before_save` | `user::ActiveModel` (after your `before_save`) | — | `None` on insert; the columns set, on update |
//! | `post_save` | `after_save` | `user::Model` (as read back) | the `insert` flag | as in `pre_save` |
//! | `pre_delete` | `before_delete` | `user::ActiveModel` (after your `before_delete`) | — | — |
//! | `post_delete` | `after_delete` | `user::ActiveModel` | — | — |
//!
//! ```text
//! #[receiver(post_save, sender = user::Entity)]
//! async fn welcome(args: &PostSave<'_, user::Model>) { … }
//! #[receiver(pre_save, sender = user::Entity)]
//! fn check(args: &PreSave<user::ActiveModel>) { … }
//! ```
//!
//! A receiver without a sender filter gets the instance type-erased
//! (`args.instance.downcast_ref::<user::Model>()`). `raw` is always
//! `false`; `origin` of the delete signals is the deleted instance itself
//! (SeaORM does not cascade in the application). `using` is the alias of
//! the [`Connection`] the save runs on (`Connection::new(db).using("main")`;
//! `"default"` unless named, and for a SeaORM connection or transaction
//! that is not ours).
//!
//! **`update_fields`** lists the columns an update writes (those `Set` in
//! the `ActiveModel`), carried from `before_save` to `after_save` under the
//! entity, the connection value and the primary key, so concurrent updates
//! of different rows never mix them up. Two updates of the *same row*
//! through the *same connection value* at the same moment share that key:
//! both `post_save`s then report the columns of the later `pre_save`.
//!
//! # The transaction in hand
//!
//! `args.db()` is the connection or transaction the save or delete runs
//! on, as a SeaORM `ConnectionTrait` ([`InHand`]): a `post_save` receiver
//! sees the new row, a `pre_delete` receiver still sees the row, and what a
//! receiver writes on it commits or rolls back with the save. `db()` is an
//! error for the signals the plain [`models`](crate::models) helpers send
//! (they run your own persistence code and have no connection to hand).
//!
//! # On-commit delivery
//!
//! SeaORM has no commit hook, so on-commit work needs our transaction:
//! begin it from a [`Connection`] ([`Connection::begin`],
//! [`Connection::transaction`]). What receivers of the saves on it queue
//! with [`on_commit`](crate::models::on_commit) (or
//! `connect_on_commit`) runs after its [`Transaction::commit`] succeeds,
//! in order, wherever the task moved meanwhile, and never after a rollback
//! or a drop; a savepoint's work joins its parent's. On a bare
//! `Connection` the work runs at once (the save has committed). Our
//! `Transaction` never hands out the SeaORM `DatabaseTransaction` it
//! wraps, so it cannot be committed behind its back; a transaction begun
//! on the raw `DatabaseConnection` (`conn.inner().begin()`) is not ours:
//! its receivers' on-commit work runs in whatever transaction of ours is
//! current, else at once.
//!
//! # What sends nothing
//!
//! As Django's bulk operations (`bulk_create`, `QuerySet.update`,
//! `QuerySet.delete` with no signals for `raw` SQL), SeaORM's calls that
//! bypass the `ActiveModel` hooks send no model signals:
//!
//! | SeaORM call | signals |
//! |---|---|
//! | `ActiveModel::insert`, `update`, `save`; `Model::delete`, `ActiveModel::delete` | all that apply |
//! | `ActiveModel::update_without_returning` | `pre_save` only (SeaORM runs `before_save`, not `after_save`) |
//! | `Entity::insert(am).exec(..)`, `Entity::insert_many(..)`, `insert_many(..).exec_with_returning(..)` | none |
//! | `Entity::update(am).exec(..)`, `Entity::update_many()` | none |
//! | `Entity::delete(am).exec(..)`, `Entity::delete_many()`, `Entity::delete_by_id(..)` | none |
//! | raw SQL (`execute`, `execute_unprepared`, `query_*`) | none |
//!
//! There are no opt-in signals for these bulk calls: Django sends none for
//! its bulk operations, and a bulk call has no instances to hand (a
//! `delete_many` filter or an `update_many` expression names rows it never
//! loads), so any signal we sent would either carry no instance or cost a
//! query the user did not write. Code that needs receivers to run loops
//! over `ActiveModel` saves or deletes, or sends a signal of its own after
//! the bulk call.

mod args;
mod connection;
mod context;
pub(crate) mod hooks;
#[cfg(feature = "durable")]
mod outbox;
mod transaction;
mod update_fields;

pub use crate::in_hand::{ErasedConnection, InHand};
pub use connection::Connection;
pub use transaction::Transaction;
