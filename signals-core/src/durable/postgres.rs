//! The outbox on PostgreSQL: row locks with `SKIP LOCKED` let workers of
//! many processes claim side by side, advisory locks order producers of a
//! key, `LISTEN/NOTIFY` wakes idle workers. The SQL is shown in the
//! `durable` module docs; it is the text below.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sqlx::postgres::{PgConnection, PgListener, PgPool, PgRow};
use sqlx::{Postgres, Row};
use tokio::sync::Notify;

use crate::durable::dialect::sealed::Engine;
use crate::durable::dialect::{Claim, Dialect};
use crate::durable::event::{Delivery, Event};
use crate::durable::pause::Pause;
use crate::durable::statements;
use crate::durable::stats::{DeadEvent, QueueStats};
use crate::durable::wakeup::Wakeups;

/// The channel of the enqueue's `pg_notify`; the payload is the queue.
const CHANNEL: &str = "signals_outbox";

/// Serialises concurrent installs (same lock class as the key locks).
const INSTALL_LOCK: &str = "SELECT pg_advisory_xact_lock(1397311310, 0)";

const SCHEMA_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS signals_outbox_schema (version INTEGER NOT NULL)";

/// Schema changes by version; each only adds, each idempotent.
const MIGRATIONS: &[(u32, &[&str])] = &[(
    1,
    &[
        "CREATE TABLE IF NOT EXISTS signals_outbox (
            id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            queue            TEXT NOT NULL,
            key              TEXT NOT NULL,
            topic            TEXT NOT NULL,
            receiver         TEXT NOT NULL,
            payload          TEXT NOT NULL,
            state            TEXT NOT NULL DEFAULT 'pending'
                             CHECK (state IN ('pending', 'in_flight', 'dead')),
            attempts         INTEGER NOT NULL DEFAULT 0,
            available_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
            lease_owner      TEXT,
            lease_expires_at TIMESTAMPTZ,
            last_error       TEXT,
            created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
        "CREATE INDEX IF NOT EXISTS signals_outbox_key_line
            ON signals_outbox (queue, key, id) WHERE state <> 'dead'",
        "CREATE INDEX IF NOT EXISTS signals_outbox_dead
            ON signals_outbox (queue, id) WHERE state = 'dead'",
        // The claim, as a function only to pin its plan: the table swings
        // between empty and a large backlog faster than its statistics
        // follow, and on stale statistics PostgreSQL reads every unfinished
        // row, tests each for an earlier row of its key and sorts them all
        // (one claim costs the whole backlog). These settings keep it on the
        // walk of the primary key in id order, which stops after `batch`
        // eligible rows.
        "CREATE OR REPLACE FUNCTION signals_outbox_claim(
            queues TEXT[], batch BIGINT, owner TEXT, lease_secs DOUBLE PRECISION)
        RETURNS TABLE (id BIGINT, queue TEXT, key TEXT, topic TEXT, receiver TEXT,
                       payload TEXT, attempts INTEGER)
        LANGUAGE plpgsql
        SET enable_seqscan = off
        SET enable_bitmapscan = off
        SET enable_sort = off
        AS $claim$
        #variable_conflict use_column
        BEGIN
            RETURN QUERY
            UPDATE signals_outbox o
            SET state = 'in_flight', attempts = o.attempts + 1, lease_owner = owner,
                lease_expires_at = now() + make_interval(secs => lease_secs), updated_at = now()
            WHERE o.id = ANY(ARRAY(
                SELECT c.id
                FROM signals_outbox c
                WHERE c.queue = ANY(queues)
                  AND (   (c.state = 'pending'   AND c.available_at     <= now())
                       OR (c.state = 'in_flight' AND c.lease_expires_at <= now()))
                  AND NOT EXISTS (
                      SELECT 1 FROM signals_outbox p
                      WHERE p.queue = c.queue AND p.key = c.key AND p.id < c.id
                        AND p.state <> 'dead')
                ORDER BY c.id
                LIMIT batch
                FOR UPDATE SKIP LOCKED))
            RETURNING o.id, o.queue, o.key, o.topic, o.receiver, o.payload, o.attempts;
        END
        $claim$",
    ],
)];

const CLAIM: &str = "
SELECT id, queue, key, topic, receiver, payload, attempts
FROM signals_outbox_claim($1, $2, $3, $4)";

const ACK: &str = "
DELETE FROM signals_outbox
WHERE id = ANY($1) AND lease_owner = $2 AND state = 'in_flight'";

const RETRY: &str = "
UPDATE signals_outbox
SET state = 'pending', available_at = now() + make_interval(secs => $3), last_error = $4,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
WHERE id = $1 AND lease_owner = $2 AND state = 'in_flight'";

const BURY: &str = "
UPDATE signals_outbox
SET state = 'dead', last_error = $3, lease_owner = NULL, lease_expires_at = NULL,
    updated_at = now()
WHERE id = $1 AND lease_owner = $2 AND state = 'in_flight'";

const EXTEND: &str = "
UPDATE signals_outbox
SET lease_expires_at = now() + make_interval(secs => $3)
WHERE id = ANY($1) AND lease_owner = $2 AND state = 'in_flight'";

const STATS: &str = "
SELECT queue,
       count(*) FILTER (WHERE state = 'pending'),
       count(*) FILTER (WHERE state = 'in_flight'),
       count(*) FILTER (WHERE state = 'dead')
FROM signals_outbox
GROUP BY queue
ORDER BY queue";

const DEAD: &str = "
SELECT id, queue, key, topic, receiver, payload, attempts, last_error,
       EXTRACT(EPOCH FROM updated_at)::float8
FROM signals_outbox
WHERE queue = $1 AND state = 'dead'
ORDER BY id
LIMIT $2";

const TAKE_DEAD: &str = "
DELETE FROM signals_outbox WHERE id = $1 AND state = 'dead'
RETURNING queue, key, topic, receiver, payload";

const PURGE_DEAD: &str = "
DELETE FROM signals_outbox
WHERE queue = $1 AND state = 'dead' AND updated_at <= now() - make_interval(secs => $2)";

const HAS_SCHEMA: &str = "SELECT to_regclass('signals_outbox_schema') IS NOT NULL";

const VERSION: &str = "SELECT max(version) FROM signals_outbox_schema";

const SET_VERSION: &str = "
WITH gone AS (DELETE FROM signals_outbox_schema)
INSERT INTO signals_outbox_schema (version) VALUES ($1)";

fn delivery(row: &PgRow) -> Result<Delivery, sqlx::Error> {
    Ok(Delivery {
        id: row.try_get(0)?,
        queue: row.try_get(1)?,
        key: row.try_get(2)?,
        topic: row.try_get(3)?,
        receiver: row.try_get(4)?,
        payload: row.try_get(5)?,
        attempt: count(row.try_get::<i32, _>(6)?),
    })
}

fn count(n: impl TryInto<u32>) -> u32 {
    n.try_into().unwrap_or(0)
}

fn count64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Dialect for Postgres {}

impl Engine for Postgres {
    const ENQUEUE: &'static str = statements::POSTGRES;
    const BEGIN_WRITE: &'static str = "BEGIN";
    const DEFAULT_POLL: Duration = Duration::from_secs(5);

    async fn install(pool: &PgPool) -> Result<u32, sqlx::Error> {
        let mut tx = pool.begin().await?;
        sqlx::query(INSTALL_LOCK).execute(&mut *tx).await?;
        sqlx::query(SCHEMA_TABLE).execute(&mut *tx).await?;
        let found: Option<i32> = sqlx::query_scalar(VERSION).fetch_one(&mut *tx).await?;
        let found = found.map_or(0, count);
        let mut installed = found;
        for (version, steps) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
            for step in *steps {
                sqlx::query(*step).execute(&mut *tx).await?;
            }
            installed = *version;
        }
        if installed != found {
            sqlx::query(SET_VERSION)
                .bind(i32::try_from(installed).unwrap_or(i32::MAX))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(installed)
    }

    async fn schema_version(pool: &PgPool) -> Result<Option<u32>, sqlx::Error> {
        let exists: bool = sqlx::query_scalar(HAS_SCHEMA).fetch_one(pool).await?;
        if !exists {
            return Ok(None);
        }
        let version: Option<i32> = sqlx::query_scalar(VERSION).fetch_one(pool).await?;
        Ok(version.map(count))
    }

    async fn insert_batch(
        conn: &mut PgConnection,
        events_json: String,
    ) -> Result<Vec<i64>, sqlx::Error> {
        let mut ids: Vec<i64> = sqlx::query_scalar(Self::ENQUEUE)
            .bind(events_json)
            .fetch_all(conn)
            .await?;
        ids.sort_unstable();
        Ok(ids)
    }

    async fn claim(pool: &PgPool, claim: &Claim<'_>) -> Result<Vec<Delivery>, sqlx::Error> {
        let rows = sqlx::query(CLAIM)
            .bind(claim.queues)
            .bind(i64::from(claim.batch))
            .bind(claim.owner)
            .bind(claim.lease.as_secs_f64())
            .fetch_all(pool)
            .await?;
        let mut batch = rows.iter().map(delivery).collect::<Result<Vec<_>, _>>()?;
        batch.sort_unstable_by_key(|d| d.id);
        Ok(batch)
    }

    async fn ack(pool: &PgPool, owner: &str, ids: &[i64]) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(ACK).bind(ids).bind(owner).execute(pool).await?;
        Ok(done.rows_affected())
    }

    async fn retry(
        pool: &PgPool,
        owner: &str,
        id: i64,
        delay: Duration,
        error: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(RETRY)
            .bind(id)
            .bind(owner)
            .bind(delay.as_secs_f64())
            .bind(error)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn bury(pool: &PgPool, owner: &str, id: i64, error: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(BURY)
            .bind(id)
            .bind(owner)
            .bind(error)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn extend(
        pool: &PgPool,
        owner: &str,
        ids: &[i64],
        lease: Duration,
    ) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(EXTEND)
            .bind(ids)
            .bind(owner)
            .bind(lease.as_secs_f64())
            .execute(pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn stats(pool: &PgPool) -> Result<Vec<QueueStats>, sqlx::Error> {
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

    async fn dead(pool: &PgPool, queue: &str, limit: u32) -> Result<Vec<DeadEvent>, sqlx::Error> {
        let rows = sqlx::query(DEAD)
            .bind(queue)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?;
        rows.iter()
            .map(|row| {
                let died: f64 = row.try_get(8)?;
                Ok(DeadEvent {
                    id: row.try_get(0)?,
                    queue: row.try_get(1)?,
                    key: row.try_get(2)?,
                    topic: row.try_get(3)?,
                    receiver: row.try_get(4)?,
                    payload: row.try_get(5)?,
                    attempts: count(row.try_get::<i32, _>(6)?),
                    last_error: row.try_get(7)?,
                    died_at: SystemTime::UNIX_EPOCH + Duration::from_secs_f64(died.max(0.0)),
                })
            })
            .collect()
    }

    async fn take_dead(conn: &mut PgConnection, id: i64) -> Result<Option<Event>, sqlx::Error> {
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

    async fn purge_dead(pool: &PgPool, queue: &str, age: Duration) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(PURGE_DEAD)
            .bind(queue)
            .bind(age.as_secs_f64())
            .execute(pool)
            .await?;
        Ok(done.rows_affected())
    }

    fn wakeups(pool: &PgPool, queues: &[String]) -> Wakeups {
        let notify = Arc::new(Notify::new());
        let task = tokio::spawn(listen(pool.clone(), queues.to_vec(), notify.clone()));
        Wakeups::from_task(notify, task)
    }
}

/// Pokes `notify` on every notification for one of `queues`, and after
/// every (re)connection, since notifications sent while disconnected are
/// lost. Runs until the worker drops its [`Wakeups`]; the receive loop runs
/// in its own task so it is never cancelled half-way through a message.
async fn listen(pool: PgPool, queues: Vec<String>, notify: Arc<Notify>) {
    let mut pause = Pause::new();
    loop {
        if let Ok(mut listener) = PgListener::connect_with(&pool).await
            && listener.listen(CHANNEL).await.is_ok()
        {
            pause.reset();
            notify.notify_one();
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) if queues.iter().any(|q| q == n.payload()) => notify.notify_one(),
                    Ok(Some(_)) => {}
                    // Connection lost (it reconnects on the next call):
                    // whatever was sent meanwhile is lost, so look now.
                    Ok(None) => notify.notify_one(),
                    Err(_) => break,
                }
            }
        }
        tokio::time::sleep(pause.take()).await;
    }
}
