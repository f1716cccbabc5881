//! The enqueue, as plain parameterised SQL: the one place that says which
//! statements write outbox rows into a producer's transaction.
//!
//! [`enqueue`](crate::durable::enqueue) runs these through sqlx; another
//! database layer (SeaORM's `ConnectionTrait::execute(Statement)` on its own
//! transaction, for example) runs the very same [`SqlStep`]s from
//! [`enqueue_steps`], binding every parameter as text, in order, on the
//! transaction that must own the rows. Nothing else is needed for
//! correctness: the steps themselves serialise same-key producers and send
//! the wake-up.
//!
//! Per step, for PostgreSQL ([`POSTGRES`]):
//!
//! 1. [`StepKind::LockKey`] once per distinct (queue, key), in sorted order:
//!    `SELECT pg_advisory_xact_lock(1397311310, hashtext($1 || chr(31) || $2))`
//!    with `$1` = queue, `$2` = key. The lock lives until the transaction
//!    ends, so a second producer of the same key waits here until the first
//!    commits or rolls back, and its rows get larger ids: ids follow commit
//!    order per key. Taking every lock before any insert, in one global
//!    order, keeps two batches over the same keys from deadlocking (two
//!    keys whose 32-bit hashes collide can still meet in opposite orders;
//!    PostgreSQL then aborts one transaction with SQLSTATE `40P01`, which
//!    the producer retries). `1397311310` is `b"SIGN"` as an integer: the
//!    two-integer lock space keeps our locks apart from an application's
//!    one-`bigint` advisory locks.
//! 2. [`StepKind::Insert`] once per event, in the given order:
//!    `INSERT INTO signals_outbox (queue, key, topic, receiver, payload)
//!    VALUES ($1, $2, $3, $4, $5) RETURNING id`.
//! 3. [`StepKind::Notify`] once per distinct queue:
//!    `SELECT pg_notify('signals_outbox', $1)` with `$1` = queue.
//!    PostgreSQL delivers it only if the transaction commits.
//!
//! For SQLite ([`SQLITE`]) only the inserts exist (with `?1`…`?5`): SQLite
//! lets one writer at a time hold the database from its first write to its
//! commit, so the insert itself waits for any other producer's commit and
//! ids follow commit order for every key at once. Workers on SQLite poll.

use crate::durable::error::Error;
use crate::durable::event::Event;

/// One backend's enqueue statements (see the [module docs](self) for their
/// parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnqueueSql {
    /// Serialises producers of one (queue, key) until commit, if the
    /// backend needs it.
    pub lock_key: Option<&'static str>,
    /// Writes one row and returns its id.
    pub insert: &'static str,
    /// Wakes listening workers on commit, if the backend can.
    pub notify: Option<&'static str>,
}

/// PostgreSQL's enqueue statements.
pub const POSTGRES: EnqueueSql = EnqueueSql {
    lock_key: Some("SELECT pg_advisory_xact_lock(1397311310, hashtext($1 || chr(31) || $2))"),
    insert: "INSERT INTO signals_outbox (queue, key, topic, receiver, payload) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
    notify: Some("SELECT pg_notify('signals_outbox', $1)"),
};

/// SQLite's enqueue statements.
pub const SQLITE: EnqueueSql = EnqueueSql {
    lock_key: None,
    insert: "INSERT INTO signals_outbox (queue, key, topic, receiver, payload) \
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
    notify: None,
};

/// What a step does (and so what its parameters are).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// Parameters: queue, key.
    LockKey,
    /// Parameters: queue, key, topic, receiver, payload; returns the id.
    Insert,
    /// Parameters: queue.
    Notify,
}

/// One statement of an enqueue, with its text parameters in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlStep<'a> {
    /// What the statement does.
    pub kind: StepKind,
    /// The statement, with positional placeholders.
    pub sql: &'static str,
    /// The values to bind, all as text, in placeholder order.
    pub params: Vec<&'a str>,
}

/// The statements that enqueue `events` in one transaction, in the order
/// they must run; an event that cannot be stored is refused before anything
/// runs.
///
/// ```
/// use signals_core::durable::{Event, statements};
///
/// let events = [
///     Event::new("mail", "shop::ORDER_PAID", "shop::send_receipt", "{}").with_key("order-7"),
///     Event::new("mail", "shop::ORDER_PAID", "shop::notify_stock", "{}").with_key("order-7"),
/// ];
/// let steps = statements::enqueue_steps(&statements::POSTGRES, &events).unwrap();
/// let kinds: Vec<_> = steps.iter().map(|s| s.kind).collect();
/// use statements::StepKind::*;
/// assert_eq!(kinds, [LockKey, Insert, Insert, Notify]);
/// assert_eq!(steps[0].params, ["mail", "order-7"]);
/// ```
pub fn enqueue_steps<'a>(sql: &EnqueueSql, events: &'a [Event]) -> Result<Vec<SqlStep<'a>>, Error> {
    for (index, event) in events.iter().enumerate() {
        if let Some(reason) = event.problem() {
            return Err(Error::InvalidEvent { index, reason });
        }
    }
    let mut steps = Vec::new();
    if let Some(lock) = sql.lock_key {
        let mut keys: Vec<(&str, &str)> = events
            .iter()
            .map(|e| (e.queue.as_str(), e.key.as_str()))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        steps.extend(keys.into_iter().map(|(queue, key)| SqlStep {
            kind: StepKind::LockKey,
            sql: lock,
            params: vec![queue, key],
        }));
    }
    steps.extend(events.iter().map(|e| SqlStep {
        kind: StepKind::Insert,
        sql: sql.insert,
        params: vec![&e.queue, &e.key, &e.topic, &e.receiver, &e.payload],
    }));
    if let Some(notify) = sql.notify {
        let mut queues: Vec<&str> = events.iter().map(|e| e.queue.as_str()).collect();
        queues.sort_unstable();
        queues.dedup();
        steps.extend(queues.into_iter().map(|queue| SqlStep {
            kind: StepKind::Notify,
            sql: notify,
            params: vec![queue],
        }));
    }
    Ok(steps)
}
