//! The enqueue, as plain SQL: the one place that says how outbox rows are
//! written into a producer's transaction.
//!
//! One statement per backend writes a whole batch; its only parameter is
//! the batch as JSON text ([`events_json`]). [`enqueue`](crate::durable::enqueue)
//! runs it through sqlx; another database layer (SeaORM's
//! `ConnectionTrait::query_all(Statement)` on its own transaction, for
//! example) runs the very same text with that one string bound, on the
//! transaction that must own the rows, and reads the new ids from the
//! `id` column. Nothing else is needed: the statement itself orders
//! same-key producers and sends the wake-up.
//!
//! [`POSTGRES`], in one statement and in this order:
//!
//! 1. takes `pg_advisory_xact_lock(1397311310, hashtext(queue || chr(31) ||
//!    key))` for every distinct (queue, key) of the batch, in ascending
//!    hash order. The lock lives until the transaction ends, so a second
//!    producer of the same key waits here until the first commits or rolls
//!    back, and only then draws its ids: ids follow commit order per key.
//!    One global order of acquisition means two batches never deadlock
//!    (keys whose hashes collide share a lock, which only serialises them
//!    more). `1397311310` is `b"SIGN"` as an integer: the two-integer lock
//!    space keeps these locks apart from an application's one-`bigint`
//!    advisory locks.
//! 2. sends `pg_notify('signals_outbox', queue)` once per distinct queue
//!    (PostgreSQL delivers it only if the transaction commits);
//! 3. inserts the rows in the batch's order and returns their ids.
//!
//! The locks and notifications are `MATERIALIZED` CTEs gated into the
//! insert by a constant condition, which PostgreSQL evaluates once before
//! the first row; the lock call sits in the select list of a query sorted
//! by hash, and PostgreSQL evaluates volatile select-list functions after
//! the sort.
//!
//! [`SQLITE`] only inserts: SQLite admits one writer at a time, from its
//! first write to its commit, so the insert itself waits for any other
//! producer's commit, and ids follow commit order for every key at once.
//! Workers on SQLite poll.
//!
//! On both, `RETURNING` gives no order: the ids are assigned in the
//! batch's order, so sorted ascending they match the events.

use crate::durable::error::Error;
use crate::durable::event::Event;

/// PostgreSQL's enqueue statement; `$1` is [`events_json`]'s text.
pub const POSTGRES: &str = "
WITH batch AS MATERIALIZED (
    SELECT e.n, e.v->>0 AS queue, e.v->>1 AS key, e.v->>2 AS topic,
           e.v->>3 AS receiver, e.v->>4 AS payload
    FROM json_array_elements($1::json) WITH ORDINALITY AS e(v, n)
),
locked AS MATERIALIZED (
    SELECT pg_advisory_xact_lock(1397311310, h)
    FROM (SELECT DISTINCT hashtext(queue || chr(31) || key) AS h FROM batch) AS keys
    ORDER BY h
),
notified AS MATERIALIZED (
    SELECT pg_notify('signals_outbox', queue)
    FROM (SELECT DISTINCT queue FROM batch) AS queues
)
INSERT INTO signals_outbox (queue, key, topic, receiver, payload)
SELECT queue, key, topic, receiver, payload
FROM batch
WHERE (SELECT count(*) FROM locked) >= 0 AND (SELECT count(*) FROM notified) >= 0
ORDER BY n
RETURNING id";

/// SQLite's enqueue statement; `?1` is [`events_json`]'s text.
pub const SQLITE: &str = "
INSERT INTO signals_outbox (queue, key, topic, receiver, payload)
SELECT json_extract(e.value, '$[0]'), json_extract(e.value, '$[1]'),
       json_extract(e.value, '$[2]'), json_extract(e.value, '$[3]'),
       json_extract(e.value, '$[4]')
FROM json_each(?1) AS e
ORDER BY e.key
RETURNING id";

/// The enqueue statements' one parameter: `events` as a JSON array of
/// `[queue, key, topic, receiver, payload]` arrays. An event that cannot be
/// stored is refused, naming its index, before anything runs.
///
/// ```
/// use signals_core::durable::{Event, statements};
///
/// let events = [Event::new("mail", "shop::ORDER_PAID", "shop::send_receipt", "{}").with_key("order-7")];
/// assert_eq!(
///     statements::events_json(&events).unwrap(),
///     r#"[["mail","order-7","shop::ORDER_PAID","shop::send_receipt","{}"]]"#,
/// );
/// ```
pub fn events_json(events: &[Event]) -> Result<String, Error> {
    for (index, event) in events.iter().enumerate() {
        if let Some(reason) = event.problem() {
            return Err(Error::InvalidEvent { index, reason });
        }
    }
    let rows: Vec<[&str; 5]> = events
        .iter()
        .map(|e| [&*e.queue, &*e.key, &*e.topic, &*e.receiver, &*e.payload])
        .collect();
    serde_json::to_string(&rows).map_err(Error::Payload)
}
