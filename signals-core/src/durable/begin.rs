//! An outbox transaction as a value: [`Outbox::begin`], then queries and
//! sends in it, then [`OutboxTransaction::commit`]. The same as
//! [`Outbox::transaction`] without a closure, for code that the closure's
//! form does not fit (a future that must be spawned: rustc cannot yet
//! prove that a future holding an `async` closure called with a borrowed
//! transaction is `Send`).

use std::fmt;
use std::ops::{Deref, DerefMut};

use sqlx::Transaction;

use crate::durable::dialect::Dialect;
use crate::durable::enqueue::enqueue;
use crate::durable::error::Error;
use crate::durable::outbox::Outbox;
use crate::durable::transaction::OutboxScope;
use crate::models::OnCommit;

/// A database transaction that durable receivers' events are written in,
/// begun by [`Outbox::begin`]. It dereferences to the sqlx transaction, for
/// queries (`.execute(&mut **tx)`).
///
/// Sends reach it while it is current: in [`enter`](Self::enter) (sync
/// code) or in a future wrapped by [`scope`](Self::scope)'s handle (async
/// code, on whatever threads it runs). [`commit`](Self::commit) writes
/// their events in the transaction, then commits; dropping it, or
/// [`rollback`](Self::rollback), sends nothing.
///
/// ```
/// # #[cfg(feature = "durable-sqlite")]
/// # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
/// # use signals_core as signals;
/// # use signals_macros::{receiver, signal};
/// use signals::Sender;
/// use signals::durable::Outbox;
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// pub struct Shipped { pub parcel: u64 }
/// signal! { #![crate = signals] pub static SHIPPED: Shipped; }
///
/// #[receiver(SHIPPED, durable = "tracking", crate = signals)]
/// fn track(_: &Shipped) {}
///
/// let pool = sqlx::sqlite::SqlitePoolOptions::new().connect("sqlite::memory:").await?;
/// let outbox = Outbox::new(pool);
/// outbox.install().await?;
/// let spawned = tokio::spawn({
///     let outbox = outbox.clone();
///     async move {
///         let mut tx = outbox.begin().await?;
///         let scope = tx.scope();
///         scope
///             .scope(async {
///                 sqlx::query("SELECT 1").execute(&mut **tx).await?;
///                 SHIPPED.send(Sender::NONE, &Shipped { parcel: 3 });
///                 Ok::<_, signals::durable::Error>(())
///             })
///             .await?;
///         tx.commit().await
///     }
/// });
/// spawned.await??;
/// assert_eq!(outbox.queue_stats("tracking").await?.pending, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub struct OutboxTransaction<DB: Dialect> {
    tx: Transaction<'static, DB>,
    scope: OutboxScope,
}

impl<DB: Dialect> Outbox<DB> {
    /// Begins an outbox transaction (see [`OutboxTransaction`]; on SQLite
    /// with `BEGIN IMMEDIATE`, as [`transaction`](Outbox::transaction)).
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when the transaction cannot begin.
    pub async fn begin(&self) -> Result<OutboxTransaction<DB>, Error> {
        let scope = OutboxScope::open();
        let tx = self.pool().begin_with(DB::BEGIN_WRITE).await?;
        Ok(OutboxTransaction { tx, scope })
    }
}

impl<DB: Dialect> OutboxTransaction<DB> {
    /// A handle that makes this transaction current: wrap the futures that
    /// send in it with [`OnCommit::scope`] (it borrows nothing, so the
    /// future may use the transaction for queries meanwhile).
    #[must_use]
    pub fn scope(&self) -> OnCommit {
        self.scope.handle()
    }

    /// Runs `body` with this transaction current on this thread.
    pub fn enter<R>(&self, body: impl FnOnce() -> R) -> R {
        self.scope.enter(body)
    }

    /// Writes the events sent in the transaction, in it, with one
    /// [`enqueue`](crate::durable::enqueue), then commits it and runs its
    /// [`on_commit`](crate::models::on_commit) callbacks.
    ///
    /// # Errors
    ///
    /// [`Error`] when the events cannot be written or the commit fails:
    /// the transaction rolled back and nothing was sent.
    pub async fn commit(mut self) -> Result<(), Error> {
        enqueue(&mut self.tx, &self.scope.take_events()).await?;
        self.tx.commit().await?;
        self.scope.commit_succeeded();
        Ok(())
    }

    /// Rolls back: nothing sent in it is written, its callbacks are
    /// dropped.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when the rollback fails (the database rolls
    /// back anyway when the connection closes).
    pub async fn rollback(self) -> Result<(), Error> {
        self.scope.rolled_back();
        self.tx.rollback().await?;
        Ok(())
    }
}

impl<DB: Dialect> Deref for OutboxTransaction<DB> {
    type Target = Transaction<'static, DB>;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl<DB: Dialect> DerefMut for OutboxTransaction<DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl<DB: Dialect> fmt::Debug for OutboxTransaction<DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxTransaction")
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}
