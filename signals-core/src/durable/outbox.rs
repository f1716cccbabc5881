//! [`Outbox`]: one database's outbox, for installing the tables, watching
//! the queues and handling dead events.

use std::time::Duration;

use sqlx::Pool;

use crate::durable::dialect::Dialect;
use crate::durable::enqueue::enqueue;
use crate::durable::error::Error;
use crate::durable::stats::{DeadEvent, QueueStats};

/// The outbox in one database, reached through a sqlx pool. Cheap to clone
/// (the pool is shared).
///
/// ```
/// # #[cfg(feature = "durable-sqlite")]
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use signals_core::durable::{self, Event, Outbox};
/// use sqlx::sqlite::SqlitePoolOptions;
///
/// // One connection: every connection to `sqlite::memory:` is a new database.
/// let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await?;
/// let outbox = Outbox::new(pool);
/// assert_eq!(outbox.install().await?, 1);
///
/// let mut tx = outbox.pool().begin().await?;
/// durable::enqueue(&mut tx, &[Event::new("mail", "shop::ORDER_PAID", "shop::receipt", "{}")]).await?;
/// tx.rollback().await?;
/// assert_eq!(outbox.queue_stats("mail").await?.pending, 0, "a rollback sends nothing");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub struct Outbox<DB: Dialect> {
    pool: Pool<DB>,
}

impl<DB: Dialect> Clone for Outbox<DB> {
    fn clone(&self) -> Self {
        Outbox {
            pool: self.pool.clone(),
        }
    }
}

impl<DB: Dialect> std::fmt::Debug for Outbox<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("database", &DB::NAME)
            .finish_non_exhaustive()
    }
}

impl<DB: Dialect> Outbox<DB> {
    /// The outbox in the database `pool` connects to.
    pub fn new(pool: Pool<DB>) -> Self {
        Outbox { pool }
    }

    /// The pool, to begin the transactions that enqueue.
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// Creates the tables, or upgrades them to this version's schema;
    /// returns the schema version now installed. Idempotent, and safe to
    /// call from several processes at once (installs are serialised inside
    /// the database). Upgrades only ever add, so an older binary keeps
    /// working against a newer schema.
    pub async fn install(&self) -> Result<u32, Error> {
        Ok(DB::install(&self.pool).await?)
    }

    /// The installed schema version, `None` before [`install`](Self::install).
    pub async fn schema_version(&self) -> Result<Option<u32>, Error> {
        Ok(DB::schema_version(&self.pool).await?)
    }

    /// Pending, in-flight and dead counts of every queue that holds events,
    /// sorted by queue name.
    pub async fn stats(&self) -> Result<Vec<QueueStats>, Error> {
        Ok(DB::stats(&self.pool).await?)
    }

    /// The counts of one queue (zeros when it holds nothing).
    pub async fn queue_stats(&self, queue: &str) -> Result<QueueStats, Error> {
        let all = self.stats().await?;
        Ok(all
            .into_iter()
            .find(|s| s.queue == queue)
            .unwrap_or_else(|| QueueStats::empty(queue)))
    }

    /// Up to `limit` dead events of `queue`, oldest first.
    pub async fn dead(&self, queue: &str, limit: u32) -> Result<Vec<DeadEvent>, Error> {
        Ok(DB::dead(&self.pool, queue, limit).await?)
    }

    /// Sends dead event `id` again: it becomes a new pending event (new id,
    /// attempts from zero) at the back of its key's line, as if sent now.
    /// Returns the new id, or `None` when `id` is not a dead event.
    pub async fn requeue(&self, id: i64) -> Result<Option<i64>, Error> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let Some(event) = DB::take_dead(&mut tx, id).await? else {
            return Ok(None);
        };
        // A new event in every respect, key lock and wake-up included.
        let ids = enqueue(&mut tx, &[event]).await?;
        tx.commit().await?;
        Ok(ids.first().copied())
    }

    /// Deletes the dead events of `queue` that died at least `age` ago;
    /// returns how many. Dead events are kept until requeued or purged;
    /// delivered events are deleted at acknowledgement.
    pub async fn purge_dead(&self, queue: &str, age: Duration) -> Result<u64, Error> {
        Ok(DB::purge_dead(&self.pool, queue, age).await?)
    }
}
