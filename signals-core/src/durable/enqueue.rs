//! Writing events into a producer's open sqlx transaction.

use sqlx::Transaction;

use crate::durable::dialect::Dialect;
use crate::durable::error::Error;
use crate::durable::event::Event;
use crate::durable::statements::events_json;

/// Writes `events` as outbox rows inside `tx`: they exist if and only if
/// `tx` commits. Returns their ids, in order.
///
/// One statement per call, whatever the batch size
/// ([`statements`](crate::durable::statements)). On PostgreSQL it also
/// takes, until `tx` ends, a lock per (queue, key) it writes, so a
/// concurrent producer of the same key waits for this commit (its events
/// then come after these), and sends a notification that wakes workers on
/// commit. Enqueue late in the transaction, right before commit, to hold
/// those locks briefly, and enqueue a transaction's events in one call:
/// two calls that lock keys in opposite orders in two transactions can
/// deadlock (PostgreSQL then aborts one with SQLSTATE `40P01`). On SQLite the first write already
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
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let json = events_json(events)?;
    Ok(DB::insert_batch(&mut *tx, json).await?)
}
