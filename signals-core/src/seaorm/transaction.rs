//! [`Transaction`]: a SeaORM transaction whose commit delivers the
//! on-commit work queued in it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::{
    AccessMode, DatabaseTransaction, DbErr, IsolationLevel, TransactionError, TransactionOptions,
    TransactionSession, TransactionTrait,
};

use crate::models::{OnCommit, TransactionScope};

use super::context::Context;

/// A SeaORM transaction (a `DatabaseTransaction`, never handed out) that
/// delivers on-commit work: what receivers of the saves made in it (and
/// code running in [`scope`](Self::scope)) queue with
/// [`on_commit`](crate::models::on_commit) runs after its
/// [`commit`](Self::commit) succeeds, in the order it was queued, and never
/// after a rollback.
///
/// Begin one with [`Connection::begin`](super::Connection::begin) or
/// [`Connection::transaction`](super::Connection::transaction); begin a
/// savepoint inside one with [`begin`](Self::begin). It implements
/// SeaORM's `ConnectionTrait`, `TransactionTrait` and `TransactionSession`,
/// so it goes wherever SeaORM takes a connection or a transaction.
///
/// | how it ends | the database | on-commit work queued in it |
/// |---|---|---|
/// | [`commit`](Self::commit) succeeds (outermost) | `COMMIT` | runs now, in order |
/// | [`commit`](Self::commit) succeeds (savepoint) | `RELEASE SAVEPOINT` | joins the enclosing transaction's |
/// | [`commit`](Self::commit) fails | rolled back | dropped unrun |
/// | [`rollback`](Self::rollback), or dropped | rolled back | dropped unrun |
///
/// ```
/// # use signals_core as signals;
/// use std::sync::{Arc, Mutex};
/// use sea_orm::{ConnectionTrait, Database};
/// use signals::seaorm::Connection;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let db = Connection::new(Database::connect("sqlite::memory:").await?);
/// let log = Arc::new(Mutex::new(Vec::new()));
///
/// let txn = db.begin().await?;
/// txn.execute_unprepared("CREATE TABLE note (id INTEGER PRIMARY KEY)").await?;
/// let l = log.clone();
/// txn.handle().on_commit(move || l.lock().unwrap().push("first"));
/// let savepoint = txn.begin().await?;
/// let l = log.clone();
/// savepoint.handle().on_commit(move || l.lock().unwrap().push("rolled back"));
/// savepoint.rollback().await?;
/// assert!(log.lock().unwrap().is_empty());
/// txn.commit().await?;
/// assert_eq!(*log.lock().unwrap(), ["first"]);
/// # Ok::<(), sea_orm::DbErr>(())
/// # }).unwrap();
/// ```
pub struct Transaction {
    inner: DatabaseTransaction,
    scope: TransactionScope,
    context: Arc<Context>,
    /// Begun on a connection: it writes the durable events sent in it
    /// (`outbox.rs`).
    #[cfg(feature = "durable")]
    writes_events: bool,
}

impl Transaction {
    /// Wraps a transaction SeaORM has just begun, its on-commit frame
    /// nested in `parent`'s (none for a transaction of a connection).
    pub(super) fn start(
        begun: Result<DatabaseTransaction, DbErr>,
        parent: &OnCommit,
        alias: Arc<str>,
    ) -> Result<Transaction, DbErr> {
        let inner = begun?;
        #[cfg(feature = "durable")]
        let writes_events = !parent.is_open();
        #[cfg(feature = "durable")]
        let scope = if writes_events {
            parent.enter(super::outbox::open_writer)
        } else {
            parent.enter(TransactionScope::open)
        };
        #[cfg(not(feature = "durable"))]
        let scope = parent.enter(TransactionScope::open);
        let context = Context::new(alias, scope.handle());
        Ok(Transaction {
            inner,
            scope,
            context,
            #[cfg(feature = "durable")]
            writes_events,
        })
    }

    /// The alias its saves carry in `using`: its connection's.
    #[must_use]
    pub fn alias(&self) -> &str {
        self.context.alias()
    }

    /// A handle to queue on-commit work into this transaction from
    /// anywhere (another task, a thread): `txn.handle().on_commit(..)`.
    #[must_use]
    pub fn handle(&self) -> OnCommit {
        self.scope.handle()
    }

    /// Wraps `future` so that this transaction is the current one while it
    /// runs, on whatever thread polls it: a plain
    /// [`on_commit`](crate::models::on_commit) in it waits for this
    /// transaction's commit. (Receivers of saves made *on* this
    /// transaction need no scope: they deliver into it wherever they run.)
    pub fn scope<F: Future>(&self, future: F) -> impl Future<Output = F::Output> + use<F> {
        self.scope.scope(future)
    }

    /// `SAVEPOINT`: a nested transaction; when its commit succeeds its
    /// on-commit work joins this one's, when it rolls back only its own is
    /// dropped.
    ///
    /// # Errors
    ///
    /// The database's error for `SAVEPOINT`.
    pub async fn begin(&self) -> Result<Transaction, DbErr> {
        Transaction::start(self.inner.begin().await, &self.handle(), self.alias_arc())
    }

    /// Runs `callback` in a savepoint, as SeaORM's
    /// `TransactionTrait::transaction`: released if it returns `Ok`, rolled
    /// back if it returns `Err` (or panics).
    ///
    /// # Errors
    ///
    /// As [`Connection::transaction`](super::Connection::transaction).
    pub async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c Transaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: fmt::Display + fmt::Debug + Send,
    {
        run(self.begin().await, callback).await
    }

    /// `COMMIT` (`RELEASE SAVEPOINT` for a savepoint), then the on-commit
    /// work: an outermost transaction runs it now, in the order it was
    /// queued, with no transaction current; a savepoint hands it to the
    /// enclosing transaction. A panicking callback propagates from here
    /// after the commit, unless it was queued with
    /// [`on_commit_robust`](crate::models::on_commit_robust).
    ///
    /// This is the one way a `Transaction` commits (SeaORM's
    /// `TransactionSession::commit` and the closure form come here).
    ///
    /// With a `durable-*` feature, a transaction begun on a connection
    /// first writes the durable receivers' events sent in it (and in its
    /// released savepoints), in it, right before `COMMIT` (the outbox
    /// tables must exist: [`Outbox::install`](crate::durable::Outbox::install)).
    ///
    /// # Errors
    ///
    /// The database's error for `COMMIT`; the on-commit work is then
    /// dropped unrun.
    pub async fn commit(self) -> Result<(), DbErr> {
        #[cfg(feature = "durable")]
        if self.writes_events {
            super::outbox::write_events(&self.scope, &self.inner).await?;
        }
        let Transaction { inner, scope, .. } = self;
        inner.commit().await?;
        scope.commit_succeeded();
        Ok(())
    }

    /// `ROLLBACK` (`ROLLBACK TO SAVEPOINT`): the on-commit work queued in
    /// it is dropped unrun. Dropping the transaction does the same.
    ///
    /// # Errors
    ///
    /// The database's error for `ROLLBACK`; the on-commit work is dropped
    /// regardless.
    pub async fn rollback(self) -> Result<(), DbErr> {
        let Transaction { inner, scope, .. } = self;
        scope.rolled_back();
        inner.rollback().await
    }

    fn alias_arc(&self) -> Arc<str> {
        Arc::clone(self.context.alias())
    }
}

/// The closure form: runs `callback` on the transaction `begun`, with the
/// transaction current, then commits on `Ok` or rolls back on `Err`.
pub(super) async fn run<F, T, E>(
    begun: Result<Transaction, DbErr>,
    callback: F,
) -> Result<T, TransactionError<E>>
where
    F: for<'c> FnOnce(&'c Transaction) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
        + Send,
    T: Send,
    E: fmt::Display + fmt::Debug + Send,
{
    let txn = begun.map_err(TransactionError::Connection)?;
    let result = txn.scope(callback(&txn)).await;
    match result {
        Ok(value) => {
            txn.commit().await.map_err(TransactionError::Connection)?;
            Ok(value)
        }
        Err(error) => {
            txn.rollback().await.map_err(TransactionError::Connection)?;
            Err(TransactionError::Transaction(error))
        }
    }
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("alias", &self.alias())
            .field("on_commit", &self.scope)
            .finish_non_exhaustive()
    }
}

crate::in_hand::forward_connection!(Transaction, |this| &this.inner, on_backend: this.context.answer());

#[sea_orm::prelude::async_trait::async_trait]
impl TransactionSession for Transaction {
    async fn commit(self) -> Result<(), DbErr> {
        Transaction::commit(self).await
    }

    async fn rollback(self) -> Result<(), DbErr> {
        Transaction::rollback(self).await
    }
}

#[sea_orm::prelude::async_trait::async_trait]
impl TransactionTrait for Transaction {
    type Transaction = Transaction;

    async fn begin(&self) -> Result<Transaction, DbErr> {
        Transaction::begin(self).await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<Transaction, DbErr> {
        let begun = self
            .inner
            .begin_with_config(isolation_level, access_mode)
            .await;
        Transaction::start(begun, &self.handle(), self.alias_arc())
    }

    async fn begin_with_options(&self, options: TransactionOptions) -> Result<Transaction, DbErr> {
        let begun = self.inner.begin_with_options(options).await;
        Transaction::start(begun, &self.handle(), self.alias_arc())
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c Transaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: fmt::Display + fmt::Debug + Send,
    {
        Transaction::transaction(self, callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c Transaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: fmt::Display + fmt::Debug + Send,
    {
        run(
            self.begin_with_config(isolation_level, access_mode).await,
            callback,
        )
        .await
    }
}
