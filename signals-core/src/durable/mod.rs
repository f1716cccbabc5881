//! Durable delivery: a transactional outbox on PostgreSQL (many processes,
//! many machines) or SQLite (one machine), with workers that deliver each
//! event at least once, in commit order per key.
//!
//! Features: `durable-postgres` and/or `durable-sqlite` (sqlx 0.9, its
//! `runtime-tokio`; SQLite bundled). Durable receivers of signals (next
//! section) are built on the engine, which is usable on its own (the rest
//! of these docs).
//!
//! # Durable receivers
//!
//! `#[receiver(SIGNAL, durable = "queue")]` (with `sender`, `dispatch_uid`,
//! `priority` and `key = |args| …` as usual), or at run time
//! [`Signal::durable`](crate::Signal::durable), declares a receiver that the
//! send never calls. In the signal's table it is an ordinary sync receiver
//! that answers nothing (so sender filters, priorities, mutes and
//! `with_receivers` treat it as any other); its call serializes the
//! arguments and queues one [`Event`] into the current outbox transaction,
//! which writes it right before its commit. A worker process then runs the
//! receiver with the arguments read back.
//!
//! - **Arguments**: stored as JSON. The signal must be a [`DurableSignal`]:
//!   `for<'a> Args<'a>: Serialize` to send, `for<'de> Args<'de>:
//!   Deserialize<'de>` to receive (so `Cow<'a, str>` fields with
//!   `#[serde(borrow)]` borrow from the stored text), `Send + Sync`. A
//!   signal whose arguments do not qualify is a compile error on the
//!   attribute's `durable` key. Model signals carry the instance
//!   type-erased and cannot be stored: send a signal of your own from a
//!   receiver of the model signal.
//! - **Shapes**: `fn f()`, `fn f(args: &Args)`, `fn f(args: &Args,
//!   delivery: &Delivery)`, sync (run on tokio's blocking pool) or `async`;
//!   no sender parameter (it runs later, in a worker). Returns `()` (a panic
//!   is a failure) or `Result<(), E: Display>` ([`DurableOutcome`]). The
//!   [`Delivery`] gives the event's id (the same on every attempt) and the
//!   attempt number, to be idempotent.
//! - **Key**: `key = |args| …` (anything `Display`), else the sender's label
//!   ([`Sender::label`](crate::Sender::label)): events of one queue and key
//!   are delivered one at a time, in commit order.
//! - **Identity**: an event names its topic, the signal's path
//!   (`module::SIGNAL`), and its receiver, the `dispatch_uid` if given,
//!   else the function's path (`module::function`). Both must be the same in
//!   the senders and the workers, across builds: renaming a receiver (or
//!   moving its module) orphans its queued events. Workers fail an event
//!   whose receiver they do not have ("no durable receiver … in this
//!   worker"), so it ends dead rather than lost; give the renamed receiver
//!   its old name as `dispatch_uid`, or [`Outbox::requeue`] the dead events
//!   once a worker has the receiver, or [`Outbox::purge_dead`] them.
//! - **Transactions**: [`Outbox::transaction`], [`Outbox::begin`]
//!   ([`OutboxTransaction`]), [`savepoint`], a SeaORM transaction begun on a
//!   `signals::seaorm::Connection` (feature `sea-orm`: its commit writes the
//!   events through SeaORM), and [`OutboxScope`] for another database
//!   layer. A send that reaches a durable receiver outside an
//!   outbox transaction fails: `send` panics with the signal, the receiver,
//!   the queue and the fix, `send_robust` returns it as that receiver's
//!   error. Writing the event anywhere else would lose "commit means sent".
//! - **Workers**: [`Worker::run_receivers`] routes each event by (topic,
//!   receiver) to the receiver linked into the binary or connected at run
//!   time in that process; [`queues`] lists the queues they use.
//! - **Seen**: [`ReceiverInfo::durable`](crate::ReceiverInfo::durable) and
//!   the wiring map's `delivery` column (`durable(queue)`).
//!
//! # The life of an event
//!
//! 1. **Enqueue** — a producer calls [`enqueue`] with its open transaction:
//!    the rows are written by that transaction, so they exist if and only if
//!    it commits. A rollback sends nothing.
//! 2. **Claim** — a [`Worker`] leases *eligible* events, up to its batch
//!    size at once: per (queue, key), only the oldest unfinished event
//!    (pending or in flight) is eligible, and only once it is due (its retry
//!    time has come) or its lease has expired. So a key's events run one at
//!    a time, in id order; different keys run in parallel, within a worker
//!    (its events in hand run concurrently) and across workers and
//!    processes. A worker claims again as soon as it has room, so one slow
//!    event holds only its own key.
//! 3. **Handle** — the handler gets a [`Delivery`] (id, attempt, payload…).
//!    While it runs, the worker renews its lease once a third of it is used.
//! 4. **Outcome** — success deletes the row (acknowledgements are written
//!    together for the events that finished together). Failure puts it
//!    back as pending, due after the [`Backoff`] delay, and counts the
//!    attempt; after `max_attempts` deliveries it is **dead**. A worker that
//!    dies leaves its leases to expire; the next claim after expiry takes
//!    the event again (a new attempt), so nothing committed is lost.
//!
//! # Guarantees, precisely
//!
//! - **At least once**: an event is deleted only after its handler returned
//!   `Ok` (or it is dead). A crash between the handler's success and the
//!   acknowledgement delivers it again, with the same [`Delivery::id`] and a
//!   higher [`Delivery::attempt`]: handlers with side effects outside the
//!   database should record the ids they have done.
//! - **Commit order per key**: for two events A and B with the same queue
//!   and key, if A's transaction committed before B's, or both are in one
//!   transaction and A was enqueued first, then B's handler starts only
//!   after A's handler has finished successfully (or A is dead). Ids carry
//!   that order: on PostgreSQL the enqueue first takes a transaction-scoped
//!   advisory lock on each (queue, key) it writes, so a second producer of
//!   the key waits until the first commits or rolls back, and only then
//!   draws its ids from the sequence (a plain sequence hands out ids at
//!   insert, and a later insert can commit first); on SQLite the database
//!   lock admits one writer from its first write to its commit, which
//!   orders every key at once. A claim takes only the smallest unfinished id of a key, and
//!   every new event of that key gets a larger one, so a key never has two
//!   events in flight.
//! - **Never concurrently per key**, with one caveat every lease has: if a
//!   worker cannot reach the database for longer than its lease while its
//!   handler runs, another worker takes the event over. Pick a lease longer
//!   than the database outages you expect; [`RunReport::lost_leases`]
//!   counts the take-overs a worker noticed.
//! - **Dead events leave the line**: a dead event no longer holds back the
//!   later events of its key (one poisoned event must not stop a key for
//!   ever). [`Outbox::requeue`] sends it again as a *new* event (new id,
//!   attempts from zero) at the back of its key's line, with the same lock
//!   as a producer, which keeps the invariant above.
//!
//! # Retention
//!
//! Delivered events are deleted by the acknowledgement itself: the table
//! holds only pending, in-flight and dead events. Dead events stay until
//! [`Outbox::requeue`] or [`Outbox::purge_dead`] (which deletes those that
//! died at least a given age ago; run it from a periodic job).
//!
//! # Wake-ups and outages
//!
//! On PostgreSQL the enqueue sends `pg_notify('signals_outbox', queue)` in
//! the producer's transaction; PostgreSQL delivers it only on commit, and a
//! listening connection per worker wakes it. The poll interval (default
//! 5 s) is only a fallback, for notifications lost while the listener was
//! reconnecting, for leases that expired and for other workers' retries. On
//! SQLite the worker polls (default every 100 ms). A worker that scheduled
//! a retry itself wakes when it is due. After a non-empty batch a worker
//! claims again at once. Database errors never end a run: the worker
//! pauses (50 ms, doubling to 2 s), reconnects through the pool, and goes
//! on; the listener reconnects on its own and then wakes its worker.
//!
//! # Why our own tables
//!
//! The queue crates on sqlx looked at (sqlxmq, apalis-sql, asyncq, pgqrs,
//! River's Rust client) either enqueue outside the caller's transaction,
//! or have no per-key order that survives concurrent producers, or are on
//! another sqlx than SeaORM 2's, or are PostgreSQL-only. Per-key commit
//! order is the part that needs care, and it is a few statements: the
//! tables and queries are ours, and are shown below.
//!
//! # The SQL
//!
//! [`Outbox::install`] creates (or upgrades) the tables in one transaction
//! (PostgreSQL: serialised by an advisory lock; SQLite: `BEGIN IMMEDIATE`),
//! records the schema version in `signals_outbox_schema`, and only ever
//! adds (`CREATE … IF NOT EXISTS`, `CREATE OR REPLACE FUNCTION`), so running
//! it at every start is fine. Table and index names are fixed; on
//! PostgreSQL they land in the first schema of the connection's
//! `search_path`. Schema version 1, PostgreSQL:
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS signals_outbox_schema (version INTEGER NOT NULL);
//! CREATE TABLE IF NOT EXISTS signals_outbox (
//!     id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
//!     queue            TEXT NOT NULL,
//!     key              TEXT NOT NULL,
//!     topic            TEXT NOT NULL,
//!     receiver         TEXT NOT NULL,
//!     payload          TEXT NOT NULL,
//!     state            TEXT NOT NULL DEFAULT 'pending'
//!                      CHECK (state IN ('pending', 'in_flight', 'dead')),
//!     attempts         INTEGER NOT NULL DEFAULT 0,
//!     available_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
//!     lease_owner      TEXT,
//!     lease_expires_at TIMESTAMPTZ,
//!     last_error       TEXT,
//!     created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
//!     updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
//! );
//! -- a key's line, for "is there an earlier unfinished event of this key?"
//! CREATE INDEX IF NOT EXISTS signals_outbox_key_line
//!     ON signals_outbox (queue, key, id) WHERE state <> 'dead';
//! CREATE INDEX IF NOT EXISTS signals_outbox_dead
//!     ON signals_outbox (queue, id) WHERE state = 'dead';
//! ```
//!
//! SQLite has the same columns and indexes, with `id INTEGER PRIMARY KEY
//! AUTOINCREMENT` (a committed event's id is never reused) and times as
//! `INTEGER` milliseconds since the Unix epoch. Times on both backends come
//! from the database's clock, never the worker's, so machines with skewed
//! clocks agree on leases.
//!
//! The enqueue is one statement, shown in [`statements`]. The claim
//! (SQLite runs the same logic as one `UPDATE … WHERE id IN (SELECT … ORDER
//! BY id LIMIT ?) RETURNING`, with `json_each` for the queue list; SQLite's
//! planner walks the rowid in order by itself):
//!
//! ```sql
//! -- The outbox swings between empty and a large backlog faster than its
//! -- statistics follow; on stale statistics PostgreSQL would read every
//! -- unfinished row, test each for an earlier row of its key and sort them
//! -- all. The function exists only to pin the plan to the walk of the
//! -- primary key in id order, which stops after `batch` eligible rows.
//! CREATE OR REPLACE FUNCTION signals_outbox_claim(
//!     queues TEXT[], batch BIGINT, owner TEXT, lease_secs DOUBLE PRECISION)
//! RETURNS TABLE (id BIGINT, queue TEXT, key TEXT, topic TEXT, receiver TEXT,
//!                payload TEXT, attempts INTEGER)
//! LANGUAGE plpgsql
//! SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
//! AS $claim$
//! #variable_conflict use_column
//! BEGIN
//!     RETURN QUERY
//!     UPDATE signals_outbox o
//!     SET state = 'in_flight', attempts = o.attempts + 1, lease_owner = owner,
//!         lease_expires_at = now() + make_interval(secs => lease_secs), updated_at = now()
//!     WHERE o.id = ANY(ARRAY(
//!         SELECT c.id
//!         FROM signals_outbox c
//!         WHERE c.queue = ANY(queues)
//!           AND (   (c.state = 'pending'   AND c.available_at     <= now())
//!                OR (c.state = 'in_flight' AND c.lease_expires_at <= now()))
//!           AND NOT EXISTS (
//!               SELECT 1 FROM signals_outbox p
//!               WHERE p.queue = c.queue AND p.key = c.key AND p.id < c.id
//!                 AND p.state <> 'dead')
//!         ORDER BY c.id
//!         LIMIT batch
//!         FOR UPDATE SKIP LOCKED))
//!     RETURNING o.id, o.queue, o.key, o.topic, o.receiver, o.payload, o.attempts;
//! END
//! $claim$;
//! -- a worker calls:
//! SELECT id, queue, key, topic, receiver, payload, attempts
//! FROM signals_outbox_claim($1, $2, $3, $4);
//! ```
//!
//! Two workers claiming at once skip each other's locked rows; a row a
//! concurrent claim has just leased is re-checked by PostgreSQL against the
//! `state` condition and dropped; and the `NOT EXISTS` still sees an
//! earlier row of the key that another claim holds locked, so that key is
//! skipped rather than served out of order. The other statements, all
//! guarded by `lease_owner = $owner AND state = 'in_flight'` so a worker
//! that lost its lease changes nothing:
//!
//! ```sql
//! -- acknowledge (the events that finished together, at once)
//! DELETE FROM signals_outbox WHERE id = ANY($1) AND lease_owner = $2 AND state = 'in_flight';
//! -- retry later
//! UPDATE signals_outbox SET state = 'pending', available_at = now() + make_interval(secs => $3),
//!        last_error = $4, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
//! WHERE id = $1 AND lease_owner = $2 AND state = 'in_flight';
//! -- dead
//! UPDATE signals_outbox SET state = 'dead', last_error = $3, lease_owner = NULL,
//!        lease_expires_at = NULL, updated_at = now()
//! WHERE id = $1 AND lease_owner = $2 AND state = 'in_flight';
//! -- renew leases
//! UPDATE signals_outbox SET lease_expires_at = now() + make_interval(secs => $3)
//! WHERE id = ANY($1) AND lease_owner = $2 AND state = 'in_flight';
//! -- counts per queue
//! SELECT queue, count(*) FILTER (WHERE state = 'pending'),
//!        count(*) FILTER (WHERE state = 'in_flight'), count(*) FILTER (WHERE state = 'dead')
//! FROM signals_outbox GROUP BY queue ORDER BY queue;
//! -- requeue, in one transaction: take the dead row out, then enqueue it anew
//! -- (the enqueue statement: key lock, notification, new id)
//! DELETE FROM signals_outbox WHERE id = $1 AND state = 'dead'
//! RETURNING queue, key, topic, receiver, payload;
//! -- purge
//! DELETE FROM signals_outbox
//! WHERE queue = $1 AND state = 'dead' AND updated_at <= now() - make_interval(secs => $2);
//! ```
//!
//! # Using it
//!
//! ```
//! # #[cfg(feature = "durable-sqlite")]
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use signals_core::durable::{self, Event, Outbox};
//! use sqlx::sqlite::SqlitePoolOptions;
//!
//! let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await?;
//! let outbox = Outbox::new(pool);
//! outbox.install().await?;
//!
//! // In the producer's transaction, next to its own writes:
//! let mut tx = outbox.pool().begin().await?;
//! let ids = durable::enqueue(&mut tx, &[
//!     Event::new("mail", "shop::ORDER_PAID", "shop::send_receipt", r#"{"order":7}"#).with_key("7"),
//! ]).await?;
//! tx.commit().await?;
//!
//! let stats = outbox.queue_stats("mail").await?;
//! assert_eq!((ids.len(), stats.pending), (1, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! A worker: see [`Worker`]. Another database layer (SeaORM) enqueues by
//! running [`statements::POSTGRES`] or [`statements::SQLITE`] with
//! [`statements::events_json`] bound, on its own transaction, and runs
//! workers on the sqlx pool it wraps.

mod begin;
mod blocking;
mod config;
mod connect;
mod dialect;
mod enqueue;
mod error;
mod event;
mod in_hand;
mod outbox;
mod outcomes;
mod pause;
#[cfg(feature = "durable-postgres")]
mod postgres;
mod registry;
mod report;
mod send;
mod serve;
#[cfg(feature = "durable-sqlite")]
mod sqlite;
pub mod statements;
#[doc(hidden)]
pub mod statics;
mod stats;
mod stop;
mod stored;
mod transaction;
mod wakeup;
mod worker;

pub use begin::OutboxTransaction;
pub use config::{Backoff, WorkerConfig};
pub use connect::DurableConnect;
pub use dialect::Dialect;
pub use enqueue::enqueue;
pub use error::Error;
pub use event::{Delivery, Event};
pub use outbox::Outbox;
pub use registry::queues;
pub use report::RunReport;
pub use stats::{DeadEvent, QueueStats};
pub use stored::{DurableOutcome, DurableSignal};
pub use transaction::{OutboxScope, savepoint};
pub use worker::Worker;

/// The outbox on PostgreSQL.
#[cfg(feature = "durable-postgres")]
pub type PgOutbox = Outbox<sqlx::Postgres>;

/// The outbox on SQLite.
#[cfg(feature = "durable-sqlite")]
pub type SqliteOutbox = Outbox<sqlx::Sqlite>;

/// The driver, re-exported so that users name the same sqlx (pools,
/// transactions) as the engine.
pub use sqlx;
