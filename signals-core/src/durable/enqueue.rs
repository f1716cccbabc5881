//! Writing events into a producer's open sqlx transaction.

use sqlx::Transaction;

use crate::durable::dialect::Dialect;
use crate::durable::error::Error;
use crate::durable::event::Event;
use crate::durable::statements::enqueue_steps;

/// Writes `events` as outbox rows inside `tx`: they exist if and only if
/// `tx` commits. Returns their ids, in order.
///
/// On PostgreSQL the call also takes, until `tx` ends, a lock per (queue,
/// key) it writes, so a concurrent producer of the same key waits for this
/// commit (its events then come after these), and a notification that
/// wakes workers on commit. Enqueue late in the transaction, right before
/// commit, to hold those locks briefly. On SQLite the first write already
/// holds the database until commit; a transaction that reads before it
/// writes should begin with `BEGIN IMMEDIATE`
/// (`pool.begin_with("BEGIN IMMEDIATE")`) so it cannot fail to upgrade.
///
/// Taking a transaction (not a connection) is what makes "commit means the
/// rows exist" hold: outside one, the lock would end with each statement.
pub async fn enqueue<DB: Dialect>(
    tx: &mut Transaction<'_, DB>,
    events: &[Event],
) -> Result<Vec<i64>, Error> {
    let steps = enqueue_steps(DB::ENQUEUE, events)?;
    Ok(DB::run_steps(&mut *tx, &steps).await?)
}
