//! The seam between the generic engine (outbox, worker) and one database:
//! every SQL statement except the enqueue's lives behind [`Dialect`], one
//! implementation per backend file (`postgres.rs`, `sqlite.rs`).

use std::future::Future;
use std::time::Duration;

use sqlx::Pool;

use crate::durable::event::{Delivery, Event};
use crate::durable::stats::{DeadEvent, QueueStats};
use crate::durable::wakeup::Wakeups;

/// A database the outbox runs on: [`sqlx::Postgres`] (feature
/// `durable-postgres`) or [`sqlx::Sqlite`] (feature `durable-sqlite`).
///
/// Sealed: the engine's correctness rests on each backend's locking, so
/// only the backends shipped here implement it.
pub trait Dialect: sealed::Engine {}

/// One claim: what a worker asks the database for.
pub struct Claim<'a> {
    pub queues: &'a [String],
    pub batch: u32,
    pub owner: &'a str,
    pub lease: Duration,
}

pub(crate) mod sealed {
    use super::*;

    /// The operations a backend implements; see the `durable` module docs
    /// for the SQL and the rules each one keeps. Every statement that
    /// changes a claimed row checks `lease_owner` and `state`, so a worker
    /// whose lease was taken over changes nothing.
    pub trait Engine: sqlx::Database {
        /// The enqueue statement ([`crate::durable::statements`]).
        const ENQUEUE: &'static str;
        /// Begins a transaction that will write (SQLite: `BEGIN IMMEDIATE`,
        /// so it cannot fail to upgrade from reading to writing).
        const BEGIN_WRITE: &'static str;
        /// How long an idle worker waits when nothing wakes it.
        const DEFAULT_POLL: Duration;

        /// Creates or upgrades the tables; returns the schema version.
        fn install(pool: &Pool<Self>) -> impl Future<Output = Result<u32, sqlx::Error>> + Send;

        /// The installed schema version, `None` when the tables are missing.
        fn schema_version(
            pool: &Pool<Self>,
        ) -> impl Future<Output = Result<Option<u32>, sqlx::Error>> + Send;

        /// Runs the enqueue statement with `events_json` on the producer's
        /// transaction; returns the new ids, ascending (= batch order).
        fn insert_batch(
            conn: &mut Self::Connection,
            events_json: String,
        ) -> impl Future<Output = Result<Vec<i64>, sqlx::Error>> + Send;

        /// Leases up to `batch` eligible events (see the module docs).
        fn claim(
            pool: &Pool<Self>,
            claim: &Claim<'_>,
        ) -> impl Future<Output = Result<Vec<Delivery>, sqlx::Error>> + Send;

        /// Deletes delivered events still leased by `owner`; returns how many.
        fn ack(
            pool: &Pool<Self>,
            owner: &str,
            ids: &[i64],
        ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;

        /// Puts a failed event back to pending after `delay`.
        fn retry(
            pool: &Pool<Self>,
            owner: &str,
            id: i64,
            delay: Duration,
            error: &str,
        ) -> impl Future<Output = Result<bool, sqlx::Error>> + Send;

        /// Declares an event dead.
        fn bury(
            pool: &Pool<Self>,
            owner: &str,
            id: i64,
            error: &str,
        ) -> impl Future<Output = Result<bool, sqlx::Error>> + Send;

        /// Renews `owner`'s leases on `ids`; returns how many it still held.
        fn extend(
            pool: &Pool<Self>,
            owner: &str,
            ids: &[i64],
            lease: Duration,
        ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;

        /// Counts per queue, sorted by queue.
        fn stats(
            pool: &Pool<Self>,
        ) -> impl Future<Output = Result<Vec<QueueStats>, sqlx::Error>> + Send;

        /// Dead events of `queue`, oldest first.
        fn dead(
            pool: &Pool<Self>,
            queue: &str,
            limit: u32,
        ) -> impl Future<Output = Result<Vec<DeadEvent>, sqlx::Error>> + Send;

        /// Deletes dead event `id` and returns it, if it is dead.
        fn take_dead(
            conn: &mut Self::Connection,
            id: i64,
        ) -> impl Future<Output = Result<Option<Event>, sqlx::Error>> + Send;

        /// Deletes dead events of `queue` that died at least `age` ago.
        fn purge_dead(
            pool: &Pool<Self>,
            queue: &str,
            age: Duration,
        ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;

        /// Starts whatever wakes idle workers of `queues` early.
        fn wakeups(pool: &Pool<Self>, queues: &[String]) -> Wakeups;
    }
}
