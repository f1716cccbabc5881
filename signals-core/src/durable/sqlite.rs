//! The outbox on SQLite: the database lock admits one writer at a time, so
//! every claim, acknowledgement and enqueue is serialised by SQLite itself;
//! idle workers poll. Times are milliseconds since the Unix epoch, read from
//! SQLite's own clock. The SQL is shown in the `durable` module docs; it is
//! the text below.

use std::time::{Duration, SystemTime};

use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Row, Sqlite};

use crate::durable::dialect::sealed::Engine;
use crate::durable::dialect::{Claim, Dialect};
use crate::durable::event::{Delivery, Event};
use crate::durable::statements;
use crate::durable::stats::{DeadEvent, QueueStats};
use crate::durable::wakeup::Wakeups;

/// SQLite's clock in whole milliseconds since the Unix epoch (`julianday`
/// works on every SQLite version, `unixepoch('subsec')` only from 3.42).
macro_rules! now_ms {
    () => {
        "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
    };
}

/// Writers wait for each other instead of failing to upgrade a read.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

const SCHEMA_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS signals_outbox_schema (version INTEGER NOT NULL)";

/// Schema changes by version; each only adds, each idempotent.
const MIGRATIONS: &[(u32, &[&str])] = &[(
    1,
    &[
        // AUTOINCREMENT: a committed event's id is never reused, even after
        // the newest row is deleted, so an id names one event forever.
        concat!(
            "CREATE TABLE IF NOT EXISTS signals_outbox (
            id               INTEGER PRIMARY KEY AUTOINCREMENT,
            queue            TEXT NOT NULL,
            key              TEXT NOT NULL,
            topic            TEXT NOT NULL,
            receiver         TEXT NOT NULL,
            payload          TEXT NOT NULL,
            state            TEXT NOT NULL DEFAULT 'pending'
                             CHECK (state IN ('pending', 'in_flight', 'dead')),
            attempts         INTEGER NOT NULL DEFAULT 0,
            available_at     INTEGER NOT NULL DEFAULT (",
            now_ms!(),
            "),
            lease_owner      TEXT,
            lease_expires_at INTEGER,
            last_error       TEXT,
            created_at       INTEGER NOT NULL DEFAULT (",
            now_ms!(),
            "),
            updated_at       INTEGER NOT NULL DEFAULT (",
            now_ms!(),
            ")
        )"
        ),
        "CREATE INDEX IF NOT EXISTS signals_outbox_key_line
            ON signals_outbox (queue, key, id) WHERE state <> 'dead'",
        "CREATE INDEX IF NOT EXISTS signals_outbox_dead
            ON signals_outbox (queue, id) WHERE state = 'dead'",
    ],
)];

const CLAIM: &str = concat!(
    "
UPDATE signals_outbox
SET state = 'in_flight', attempts = attempts + 1, lease_owner = ?3,
    lease_expires_at = ",
    now_ms!(),
    " + ?4, updated_at = ",
    now_ms!(),
    "
WHERE id IN (
    SELECT o.id
    FROM signals_outbox o
    WHERE o.queue IN (SELECT value FROM json_each(?1))
      AND (   (o.state = 'pending'   AND o.available_at     <= ",
    now_ms!(),
    ")
           OR (o.state = 'in_flight' AND o.lease_expires_at <= ",
    now_ms!(),
    "))
      AND NOT EXISTS (
          SELECT 1 FROM signals_outbox p
          WHERE p.queue = o.queue AND p.key = o.key AND p.id < o.id
            AND p.state <> 'dead')
    ORDER BY o.id
    LIMIT ?2)
RETURNING id, queue, key, topic, receiver, payload, attempts"
);

const ACK: &str = "
DELETE FROM signals_outbox
WHERE id IN (SELECT value FROM json_each(?1)) AND lease_owner = ?2 AND state = 'in_flight'";

const RETRY: &str = concat!(
    "
UPDATE signals_outbox
SET state = 'pending', available_at = ",
    now_ms!(),
    " + ?3, last_error = ?4,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = ",
    now_ms!(),
    "
WHERE id = ?1 AND lease_owner = ?2 AND state = 'in_flight'"
);

const BURY: &str = concat!(
    "
UPDATE signals_outbox
SET state = 'dead', last_error = ?3, lease_owner = NULL, lease_expires_at = NULL,
    updated_at = ",
    now_ms!(),
    "
WHERE id = ?1 AND lease_owner = ?2 AND state = 'in_flight'"
);

const EXTEND: &str = concat!(
    "
UPDATE signals_outbox
SET lease_expires_at = ",
    now_ms!(),
    " + ?3
WHERE id IN (SELECT value FROM json_each(?1)) AND lease_owner = ?2 AND state = 'in_flight'"
);

const STATS: &str = "
SELECT queue,
       sum(state = 'pending'),
       sum(state = 'in_flight'),
       sum(state = 'dead')
FROM signals_outbox
GROUP BY queue
ORDER BY queue";

const DEAD: &str = "
SELECT id, queue, key, topic, receiver, payload, attempts, last_error, updated_at
FROM signals_outbox
WHERE queue = ?1 AND state = 'dead'
ORDER BY id
LIMIT ?2";

const TAKE_DEAD: &str = "
DELETE FROM signals_outbox WHERE id = ?1 AND state = 'dead'
RETURNING queue, key, topic, receiver, payload";

const PURGE_DEAD: &str = concat!(
    "
DELETE FROM signals_outbox
WHERE queue = ?1 AND state = 'dead' AND updated_at <= ",
    now_ms!(),
    " - ?2"
);

const HAS_SCHEMA: &str =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'signals_outbox_schema'";

const VERSION: &str = "SELECT max(version) FROM signals_outbox_schema";

const CLEAR_VERSION: &str = "DELETE FROM signals_outbox_schema";

const SET_VERSION: &str = "INSERT INTO signals_outbox_schema (version) VALUES (?1)";

fn delivery(row: &SqliteRow) -> Result<Delivery, sqlx::Error> {
    Ok(Delivery {
        id: row.try_get(0)?,
        queue: row.try_get(1)?,
        key: row.try_get(2)?,
        topic: row.try_get(3)?,
        receiver: row.try_get(4)?,
        payload: row.try_get(5)?,
        attempt: count(row.try_get::<i64, _>(6)?),
    })
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn count64(n: Option<i64>) -> u64 {
    n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A list bound as one JSON array text, read back with `json_each`: SQLite
/// has no array parameters, and this keeps the statements fixed text.
fn json_list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| String::from("[]"))
}

impl Dialect for Sqlite {}

impl Engine for Sqlite {
    const ENQUEUE: &'static str = statements::SQLITE;
    const BEGIN_WRITE: &'static str = BEGIN_WRITE;
    const DEFAULT_POLL: Duration = Duration::from_millis(100);

    async fn install(pool: &SqlitePool) -> Result<u32, sqlx::Error> {
        let mut tx = pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query(SCHEMA_TABLE).execute(&mut *tx).await?;
        let found: Option<i64> = sqlx::query_scalar(VERSION).fetch_one(&mut *tx).await?;
        let found = found.map_or(0, count);
        let mut installed = found;
        for (version, steps) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
            for step in *steps {
                sqlx::query(*step).execute(&mut *tx).await?;
            }
            installed = *version;
        }
        if installed != found {
            sqlx::query(CLEAR_VERSION).execute(&mut *tx).await?;
            sqlx::query(SET_VERSION)
                .bind(i64::from(installed))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(installed)
    }

    async fn schema_version(pool: &SqlitePool) -> Result<Option<u32>, sqlx::Error> {
        let tables: i64 = sqlx::query_scalar(HAS_SCHEMA).fetch_one(pool).await?;
        if tables == 0 {
            return Ok(None);
        }
        let version: Option<i64> = sqlx::query_scalar(VERSION).fetch_one(pool).await?;
        Ok(version.map(count))
    }

    async fn insert_batch(
        conn: &mut SqliteConnection,
        events_json: String,
    ) -> Result<Vec<i64>, sqlx::Error> {
        let mut ids: Vec<i64> = sqlx::query_scalar(Self::ENQUEUE)
            .bind(events_json)
            .fetch_all(conn)
            .await?;
        ids.sort_unstable();
        Ok(ids)
    }

    async fn claim(pool: &SqlitePool, claim: &Claim<'_>) -> Result<Vec<Delivery>, sqlx::Error> {
        let rows = sqlx::query(CLAIM)
            .bind(json_list(claim.queues))
            .bind(i64::from(claim.batch))
            .bind(claim.owner)
            .bind(millis(claim.lease))
            .fetch_all(pool)
            .await?;
        let mut batch = rows.iter().map(delivery).collect::<Result<Vec<_>, _>>()?;
        // RETURNING gives no order; events start in id order.
        batch.sort_unstable_by_key(|d| d.id);
        Ok(batch)
    }

    async fn ack(pool: &SqlitePool, owner: &str, ids: &[i64]) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(ACK)
            .bind(json_list(ids))
            .bind(owner)
            .execute(pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn retry(
        pool: &SqlitePool,
        owner: &str,
        id: i64,
        delay: Duration,
        error: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(RETRY)
            .bind(id)
            .bind(owner)
            .bind(millis(delay))
            .bind(error)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn bury(
        pool: &SqlitePool,
        owner: &str,
        id: i64,
        error: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(BURY)
            .bind(id)
            .bind(owner)
            .bind(error)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn extend(
        pool: &SqlitePool,
        owner: &str,
        ids: &[i64],
        lease: Duration,
    ) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(EXTEND)
            .bind(json_list(ids))
            .bind(owner)
            .bind(millis(lease))
            .execute(pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn stats(pool: &SqlitePool) -> Result<Vec<QueueStats>, sqlx::Error> {
        let rows = sqlx::query(STATS).fetch_all(pool).await?;
        rows.iter()
            .map(|row| {
                Ok(QueueStats {
                    queue: row.try_get(0)?,
                    pending: count64(row.try_get(1)?),
                    in_flight: count64(row.try_get(2)?),
                    dead: count64(row.try_get(3)?),
                })
            })
            .collect()
    }

    async fn dead(
        pool: &SqlitePool,
        queue: &str,
        limit: u32,
    ) -> Result<Vec<DeadEvent>, sqlx::Error> {
        let rows = sqlx::query(DEAD)
            .bind(queue)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?;
        rows.iter()
            .map(|row| {
                let died: i64 = row.try_get(8)?;
                Ok(DeadEvent {
                    id: row.try_get(0)?,
                    queue: row.try_get(1)?,
                    key: row.try_get(2)?,
                    topic: row.try_get(3)?,
                    receiver: row.try_get(4)?,
                    payload: row.try_get(5)?,
                    attempts: count(row.try_get(6)?),
                    last_error: row.try_get(7)?,
                    died_at: SystemTime::UNIX_EPOCH
                        + Duration::from_millis(u64::try_from(died).unwrap_or(0)),
                })
            })
            .collect()
    }

    async fn take_dead(conn: &mut SqliteConnection, id: i64) -> Result<Option<Event>, sqlx::Error> {
        let row = sqlx::query(TAKE_DEAD).bind(id).fetch_optional(conn).await?;
        row.map(|row| {
            Ok(Event {
                queue: row.try_get(0)?,
                key: row.try_get(1)?,
                topic: row.try_get(2)?,
                receiver: row.try_get(3)?,
                payload: row.try_get(4)?,
            })
        })
        .transpose()
    }

    async fn purge_dead(pool: &SqlitePool, queue: &str, age: Duration) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(PURGE_DEAD)
            .bind(queue)
            .bind(millis(age))
            .execute(pool)
            .await?;
        Ok(done.rows_affected())
    }

    fn wakeups(_pool: &SqlitePool, _queues: &[String]) -> Wakeups {
        Wakeups::none()
    }
}
