//! Outbox transactions: the database transactions that durable receivers'
//! events are written in. [`Outbox::transaction`] on sqlx, [`savepoint`]
//! inside one, and [`OutboxScope`] for code that drives its own
//! transaction (another database layer).

use std::fmt;
use std::future::Future;

use sqlx::Transaction;

use crate::durable::dialect::Dialect;
use crate::durable::error::Error;
use crate::durable::event::Event;
use crate::durable::outbox::Outbox;
use crate::models::{OnCommit, TransactionScope};

impl<DB: Dialect> Outbox<DB> {
    /// Runs `body` in a new database transaction that durable receivers'
    /// events are written in, then commits it.
    ///
    /// While `body` runs (on whatever threads its task moves to), sending a
    /// signal, with `send` or `asend`, from `body` or from any receiver
    /// that this runs, queues one event per durable receiver the send
    /// reaches. Right before the commit they are written by `body`'s own
    /// transaction, with one [`enqueue`](crate::durable::enqueue): the
    /// commit makes them exist, anything else (an error from `body` or from
    /// the commit, a panic, this future dropped) rolls back, and nothing is
    /// sent. [`on_commit`](crate::models::on_commit) callbacks queued in
    /// `body` run after the commit, as in
    /// [`atransaction`](crate::models::atransaction).
    ///
    /// On SQLite the transaction begins with `BEGIN IMMEDIATE`: it holds the
    /// database's write lock from the start, so it cannot fail to upgrade
    /// to writing. A transaction of its own nested in `body` would wait for
    /// that lock: nest with [`savepoint`] instead.
    ///
    /// ```
    /// # #[cfg(feature = "durable-sqlite")]
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use signals_core as signals;
    /// # use signals_macros::{receiver, signal};
    /// use signals::Sender;
    /// use signals::durable::{self, Outbox};
    /// use sqlx::sqlite::SqlitePoolOptions;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// pub struct Order { pub id: u64 }
    /// signal! { #![crate = signals] pub static ORDER_PAID: Order; }
    ///
    /// #[receiver(ORDER_PAID, durable = "emails", crate = signals)]
    /// fn send_receipt(order: &Order) {
    ///     println!("receipt for order {}", order.id);
    /// }
    ///
    /// let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await?;
    /// let outbox = Outbox::new(pool);
    /// outbox.install().await?;
    /// outbox
    ///     .transaction(async |tx| {
    ///         sqlx::query("CREATE TABLE orders (id INTEGER)").execute(&mut **tx).await?;
    ///         sqlx::query("INSERT INTO orders VALUES (7)").execute(&mut **tx).await?;
    ///         ORDER_PAID.send(Sender::NONE, &Order { id: 7 });
    ///         Ok::<_, durable::Error>(())
    ///     })
    ///     .await?;
    /// assert_eq!(outbox.queue_stats("emails").await?.pending, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Whatever `body` returns, and the outbox's [`Error`]s (through
    /// `E: From<Error>`) when the transaction cannot begin, the events
    /// cannot be written or the commit fails.
    pub async fn transaction<T, E>(
        &self,
        body: impl AsyncFnOnce(&mut Transaction<'static, DB>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<Error>,
    {
        let mut tx = self.begin().await?;
        let value = tx.scope().scope(body(&mut tx)).await?;
        tx.commit().await?;
        Ok(value)
    }
}

/// Runs `body` in a savepoint of `tx` (a transaction nested in it): the
/// durable events sent in `body` join `tx`'s when `body` succeeds and the
/// savepoint is released, and are dropped, with the savepoint's writes,
/// when it fails. For use inside [`Outbox::transaction`] (elsewhere, a
/// durable receiver has no outbox transaction to write its event and its
/// send fails).
///
/// # Errors
///
/// Whatever `body` returns, and [`Error::Database`] (through
/// `E: From<Error>`) when the savepoint cannot be created or released.
pub async fn savepoint<DB, T, E>(
    tx: &mut Transaction<'_, DB>,
    body: impl for<'t> AsyncFnOnce(&mut Transaction<'t, DB>) -> Result<T, E>,
) -> Result<T, E>
where
    DB: Dialect,
    E: From<Error>,
{
    let scope = TransactionScope::open();
    let mut savepoint = sqlx::Connection::begin(&mut **tx)
        .await
        .map_err(Error::from)?;
    let value = scope.scope(body(&mut savepoint)).await?;
    savepoint.commit().await.map_err(Error::from)?;
    scope.commit_succeeded();
    Ok(value)
}

/// The signals side of an outbox transaction driven by other code: a
/// database layer of its own, such as an ORM integration, or a hand-written
/// `BEGIN … COMMIT`.
///
/// Open it when the transaction begins and run the transaction's code in
/// it ([`scope`](Self::scope) or [`enter`](Self::enter)): durable receivers
/// reached by sends from that code queue their events into it. Right before
/// the database commit, [`take_events`](Self::take_events) and write them
/// in that same transaction, by running
/// [`statements::POSTGRES`](crate::durable::statements::POSTGRES) or
/// [`statements::SQLITE`](crate::durable::statements::SQLITE) with
/// [`statements::events_json`](crate::durable::statements::events_json)
/// bound (or [`enqueue`](crate::durable::enqueue) on sqlx), once with
/// every event; then commit and call
/// [`commit_succeeded`](Self::commit_succeeded) (which runs the
/// [`on_commit`](crate::models::on_commit) callbacks). A scope dropped
/// without it rolls back: its events and callbacks are dropped.
///
/// Nested transactions (savepoints) are plain
/// [`TransactionScope`]s opened inside it: their events join this scope's
/// when they commit, and are dropped when they roll back.
///
/// ```
/// # use signals_core as signals;
/// # use signals_macros::{receiver, signal};
/// use signals::Sender;
/// use signals::durable::OutboxScope;
/// use signals::models::TransactionScope;
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// pub struct Paid { pub order: u64 }
/// signal! { #![crate = signals] pub static PAID: Paid; }
///
/// #[receiver(PAID, durable = "billing", key = |p: &Paid| p.order, crate = signals)]
/// fn invoice(_: &Paid) {}
///
/// let outbox = OutboxScope::open(); // BEGIN
/// outbox.enter(|| {
///     PAID.send(Sender::NONE, &Paid { order: 1 });
///     let savepoint = TransactionScope::open(); // SAVEPOINT
///     savepoint.enter(|| PAID.send(Sender::NONE, &Paid { order: 2 }));
///     savepoint.rolled_back(); // ROLLBACK TO SAVEPOINT
/// });
/// let events = outbox.take_events();
/// assert_eq!(events.len(), 1);
/// assert_eq!((events[0].queue.as_str(), events[0].key.as_str()), ("billing", "1"));
/// // … write `events` in the transaction, COMMIT, then:
/// outbox.commit_succeeded();
/// ```
pub struct OutboxScope {
    scope: TransactionScope,
}

impl OutboxScope {
    /// Opens the scope of an outbox transaction that begins now (nested in
    /// the current transaction's scope, if there is one, for its on-commit
    /// callbacks; its events are its own).
    #[must_use]
    pub fn open() -> OutboxScope {
        OutboxScope {
            scope: TransactionScope::open_writer(),
        }
    }

    /// A handle to queue on-commit callbacks into this transaction from
    /// elsewhere, or to run code in it ([`OnCommit::scope`]).
    #[must_use]
    pub fn handle(&self) -> OnCommit {
        self.scope.handle()
    }

    /// Runs `body` with this transaction current on this thread.
    pub fn enter<R>(&self, body: impl FnOnce() -> R) -> R {
        self.scope.enter(body)
    }

    /// Wraps `future` so that this transaction is current while it is
    /// polled, on whatever thread.
    pub fn scope<F: Future>(&self, future: F) -> impl Future<Output = F::Output> + use<F> {
        self.scope.scope(future)
    }

    /// The events to write now, in the transaction, right before its
    /// commit, in the order they were sent. From now on a durable send in
    /// this transaction fails: its event could no longer be written.
    #[must_use]
    pub fn take_events(&self) -> Vec<Event> {
        self.scope.take_events()
    }

    /// The database commit succeeded: runs the on-commit callbacks (or, if
    /// nested in another transaction's scope, hands them to it).
    ///
    /// # Panics
    ///
    /// If events were sent in this transaction and not taken with
    /// [`take_events`](Self::take_events): they were not written.
    pub fn commit_succeeded(self) {
        self.scope.commit_succeeded();
    }

    /// The transaction rolled back: its events and callbacks are dropped.
    pub fn rolled_back(self) {
        self.scope.rolled_back();
    }
}

impl fmt::Debug for OutboxScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxScope")
            .field("scope", &self.scope)
            .finish()
    }
}
