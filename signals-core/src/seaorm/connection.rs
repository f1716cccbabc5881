//! [`Connection`]: a SeaORM connection with a name, whose transactions are
//! ours.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::{
    AccessMode, DatabaseConnection, DbErr, IsolationLevel, TransactionError, TransactionOptions,
    TransactionTrait,
};

use crate::models::{DEFAULT_DB_ALIAS, OnCommit};

use super::context::Context;
use super::transaction::{Transaction, run};

/// A SeaORM `DatabaseConnection` under a database alias (Django's `using`),
/// whose transactions deliver on-commit work.
///
/// Saves and deletes on it send the model signals with `using` set to its
/// alias; on-commit work their receivers queue runs at once, as the save
/// commits at once. Its [`begin`](Self::begin) and
/// [`transaction`](Self::transaction) start a [`Transaction`], which holds
/// on-commit work until its commit. It implements SeaORM's
/// `ConnectionTrait` and `TransactionTrait`, so it goes wherever SeaORM
/// takes a connection. Cloning it is cheap (the pool is shared).
///
/// ```
/// # use signals_core as signals;
/// use sea_orm::{ConnectionTrait, Database};
/// use signals::seaorm::Connection;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let db = Connection::new(Database::connect("sqlite::memory:").await?).using("main");
/// assert_eq!(db.alias(), "main");
/// db.execute_unprepared("CREATE TABLE note (id INTEGER PRIMARY KEY)").await?;
/// # Ok::<(), sea_orm::DbErr>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Connection {
    db: DatabaseConnection,
    context: Arc<Context>,
}

impl Connection {
    /// `db` under the alias `"default"`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Connection {
        Connection::with_alias(db, Arc::from(DEFAULT_DB_ALIAS))
    }

    /// The same connection under the alias `alias`.
    #[must_use]
    pub fn using(self, alias: impl Into<Arc<str>>) -> Connection {
        Connection::with_alias(self.db, alias.into())
    }

    fn with_alias(db: DatabaseConnection, alias: Arc<str>) -> Connection {
        Connection {
            db,
            // Outside a transaction, on-commit work runs at once.
            context: Context::new(alias, OnCommit::default()),
        }
    }

    /// The alias its saves carry in `using`.
    #[must_use]
    pub fn alias(&self) -> &str {
        self.context.alias()
    }

    /// The SeaORM connection. Saves made on it directly carry the alias
    /// `"default"`; its transactions are SeaORM's, which this crate cannot
    /// see commit (see the module docs).
    #[must_use]
    pub fn inner(&self) -> &DatabaseConnection {
        &self.db
    }

    /// `BEGIN`: a [`Transaction`] whose on-commit work runs after its
    /// [`commit`](Transaction::commit).
    ///
    /// # Errors
    ///
    /// The database's error for `BEGIN`.
    pub async fn begin(&self) -> Result<Transaction, DbErr> {
        Transaction::start(
            self.db.begin().await,
            &OnCommit::default(),
            self.alias_arc(),
        )
    }

    /// Runs `callback` in a new transaction, as SeaORM's
    /// `TransactionTrait::transaction`: commits if it returns `Ok`, rolls
    /// back if it returns `Err` (or panics). On-commit work queued while it
    /// runs, by receivers or by the callback itself, runs after the commit
    /// (see [`Transaction::commit`]).
    ///
    /// ```
    /// # use signals_core as signals;
    /// use std::sync::{Arc, Mutex};
    /// use sea_orm::{ConnectionTrait, Database, DbErr};
    /// use signals::models::on_commit;
    /// use signals::seaorm::Connection;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let db = Connection::new(Database::connect("sqlite::memory:").await?);
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let l = log.clone();
    /// db.transaction::<_, _, DbErr>(|txn| {
    ///     Box::pin(async move {
    ///         txn.execute_unprepared("CREATE TABLE note (id INTEGER PRIMARY KEY)").await?;
    ///         on_commit(move || l.lock().unwrap().push("committed"));
    ///         Ok(())
    ///     })
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(*log.lock().unwrap(), ["committed"]);
    /// # Ok::<(), DbErr>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `TransactionError::Transaction` with the callback's error (after the
    /// rollback), or `TransactionError::Connection` when `BEGIN`, `COMMIT`
    /// or `ROLLBACK` fails.
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

    fn alias_arc(&self) -> Arc<str> {
        Arc::clone(self.context.alias())
    }
}

impl From<DatabaseConnection> for Connection {
    fn from(db: DatabaseConnection) -> Self {
        Connection::new(db)
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("alias", &self.alias())
            .field("db", &self.db)
            .finish()
    }
}

crate::in_hand::forward_connection!(Connection, |this| &this.db, on_backend: this.context.answer());

#[sea_orm::prelude::async_trait::async_trait]
impl TransactionTrait for Connection {
    type Transaction = Transaction;

    async fn begin(&self) -> Result<Transaction, DbErr> {
        Connection::begin(self).await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<Transaction, DbErr> {
        let begun = self
            .db
            .begin_with_config(isolation_level, access_mode)
            .await;
        Transaction::start(begun, &OnCommit::default(), self.alias_arc())
    }

    async fn begin_with_options(&self, options: TransactionOptions) -> Result<Transaction, DbErr> {
        let begun = self.db.begin_with_options(options).await;
        Transaction::start(begun, &OnCommit::default(), self.alias_arc())
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
        Connection::transaction(self, callback).await
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
