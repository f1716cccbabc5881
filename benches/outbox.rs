//! End-to-end throughput of the durable outbox: producers commit events in
//! transactions while 1, 2 or 4 workers claim, handle and acknowledge them,
//! on a local PostgreSQL cluster and on a SQLite file. Next to each run, a
//! baseline does the same work in plain SQL through the same driver: insert
//! in transactions, claim a batch with `FOR UPDATE SKIP LOCKED` (SQLite: one
//! `UPDATE … RETURNING`), delete after handling; no per-key order, no
//! leases, no notifications. The table shows events per second and the
//! engine's cost relative to that floor.
//!
//! `cargo bench --bench outbox --features durable-postgres,durable-sqlite`;
//! `OUTBOX_BENCH_EVENTS` sets the events per run (default 8000).
//! PostgreSQL is skipped, with a message, when no server binaries exist.

#[allow(dead_code)]
#[path = "../tests/support/postgres.rs"]
mod postgres;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use signals::durable::sqlx::{self, PgPool, SqlitePool};
use signals::durable::{self, Delivery, Dialect, Event, Outbox, WorkerConfig};

const PRODUCERS: usize = 2;
const PER_TX: usize = 10;
const KEYS: usize = 256;
const BATCH: u32 = 32;
const WORKER_COUNTS: [usize; 3] = [1, 2, 4];

fn events_per_run() -> usize {
    std::env::var("OUTBOX_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8000)
}

/// Producer `p`'s events, `PER_TX` to a transaction.
fn events_of(p: usize, total: usize) -> Vec<Vec<Event>> {
    let mine: Vec<Event> = (0..total)
        .filter(|n| n % PRODUCERS == p)
        .map(|n| {
            Event::new(
                "bench",
                "bench::EVENT",
                "bench::receiver",
                format!("{{\"n\":{n}}}"),
            )
            .with_key(format!("k{}", n % KEYS))
        })
        .collect();
    mine.chunks(PER_TX).map(<[Event]>::to_vec).collect()
}

/// Runs producers and workers until every event was handled; events/s.
async fn engine<DB: Dialect>(outbox: Outbox<DB>, workers: usize, total: usize) -> f64 {
    outbox.install().await.unwrap();
    let handled = Arc::new(AtomicUsize::new(0));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let start = Instant::now();
    let running: Vec<_> = (0..workers)
        .map(|_| {
            let handled = handled.clone();
            let mut stopped = stopped.clone();
            let config = WorkerConfig::new("bench")
                .batch(BATCH)
                .poll_interval(Duration::from_millis(5));
            let worker = outbox.worker(config).unwrap();
            tokio::spawn(worker.run(
                move |_: Delivery| {
                    handled.fetch_add(1, Ordering::Relaxed);
                    std::future::ready(Ok::<(), Infallible>(()))
                },
                async move {
                    let _ = stopped.wait_for(|s| *s).await;
                },
            ))
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let outbox = outbox.clone();
            tokio::spawn(async move {
                for batch in events_of(p, total) {
                    let mut tx = outbox.pool().begin().await.unwrap();
                    durable::enqueue(&mut tx, &batch).await.unwrap();
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for p in producers {
        p.await.unwrap();
    }
    wait_until(|| handled.load(Ordering::Relaxed) >= total).await;
    stop.send(true).unwrap();
    for r in running {
        r.await.unwrap().unwrap();
    }
    let rate = total as f64 / start.elapsed().as_secs_f64();
    let left = outbox.queue_stats("bench").await.unwrap();
    assert_eq!(
        (left.pending, left.in_flight),
        (0, 0),
        "every event acknowledged"
    );
    rate
}

async fn wait_until(done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "a bench run stalled"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The plain-SQL floor, per backend.
trait Baseline: Clone + Send + Sync + 'static {
    fn setup(&self) -> impl Future<Output = ()> + Send;
    fn produce(&self, batch: Vec<Event>) -> impl Future<Output = ()> + Send;
    /// Claims, "handles" (counts) and deletes up to `BATCH` rows.
    fn work(&self, handled: &AtomicUsize) -> impl Future<Output = usize> + Send;
}

impl Baseline for PgPool {
    async fn setup(&self) {
        sqlx::query(
            "CREATE TABLE baseline (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             queue TEXT NOT NULL, key TEXT NOT NULL, topic TEXT NOT NULL, receiver TEXT NOT NULL,
             payload TEXT NOT NULL, claimed BOOLEAN NOT NULL DEFAULT false)",
        )
        .execute(self)
        .await
        .unwrap();
    }

    async fn produce(&self, batch: Vec<Event>) {
        let mut tx = self.begin().await.unwrap();
        for e in &batch {
            sqlx::query("INSERT INTO baseline (queue, key, topic, receiver, payload) VALUES ($1, $2, $3, $4, $5)")
                .bind(&e.queue)
                .bind(&e.key)
                .bind(&e.topic)
                .bind(&e.receiver)
                .bind(&e.payload)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }

    async fn work(&self, handled: &AtomicUsize) -> usize {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "UPDATE baseline SET claimed = true WHERE id IN (
                 SELECT id FROM baseline WHERE NOT claimed ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
             RETURNING id, payload",
        )
        .bind(i64::from(BATCH))
        .fetch_all(self)
        .await
        .unwrap();
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        handled.fetch_add(ids.len(), Ordering::Relaxed);
        if !ids.is_empty() {
            sqlx::query("DELETE FROM baseline WHERE id = ANY($1)")
                .bind(&ids)
                .execute(self)
                .await
                .unwrap();
        }
        ids.len()
    }
}

impl Baseline for SqlitePool {
    async fn setup(&self) {
        sqlx::query(
            "CREATE TABLE baseline (id INTEGER PRIMARY KEY AUTOINCREMENT,
             queue TEXT NOT NULL, key TEXT NOT NULL, topic TEXT NOT NULL, receiver TEXT NOT NULL,
             payload TEXT NOT NULL, claimed INTEGER NOT NULL DEFAULT 0)",
        )
        .execute(self)
        .await
        .unwrap();
    }

    async fn produce(&self, batch: Vec<Event>) {
        let mut tx = self.begin().await.unwrap();
        for e in &batch {
            sqlx::query("INSERT INTO baseline (queue, key, topic, receiver, payload) VALUES (?1, ?2, ?3, ?4, ?5)")
                .bind(&e.queue)
                .bind(&e.key)
                .bind(&e.topic)
                .bind(&e.receiver)
                .bind(&e.payload)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }

    async fn work(&self, handled: &AtomicUsize) -> usize {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "UPDATE baseline SET claimed = 1 WHERE id IN (
                 SELECT id FROM baseline WHERE NOT claimed ORDER BY id LIMIT ?1)
             RETURNING id, payload",
        )
        .bind(i64::from(BATCH))
        .fetch_all(self)
        .await
        .unwrap();
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        handled.fetch_add(ids.len(), Ordering::Relaxed);
        if !ids.is_empty() {
            let list = format!("{ids:?}");
            sqlx::query("DELETE FROM baseline WHERE id IN (SELECT value FROM json_each(?1))")
                .bind(list)
                .execute(self)
                .await
                .unwrap();
        }
        ids.len()
    }
}

async fn baseline<B: Baseline>(db: B, workers: usize, total: usize) -> f64 {
    db.setup().await;
    let handled = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let running: Vec<_> = (0..workers)
        .map(|_| {
            let (db, handled) = (db.clone(), handled.clone());
            tokio::spawn(async move {
                while handled.load(Ordering::Relaxed) < total {
                    if db.work(&handled).await == 0 {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let db = db.clone();
            tokio::spawn(async move {
                for batch in events_of(p, total) {
                    db.produce(batch).await;
                }
            })
        })
        .collect();
    for p in producers {
        p.await.unwrap();
    }
    for r in running {
        r.await.unwrap();
    }
    total as f64 / start.elapsed().as_secs_f64()
}

struct Row {
    backend: &'static str,
    workers: usize,
    engine: f64,
    baseline: f64,
}

async fn postgres_rows(total: usize) -> Vec<Row> {
    use sqlx::postgres::PgPoolOptions;
    // Stock durability (fsync, synchronous commit), as a deployment would run.
    let Some(cluster) =
        postgres::PgCluster::start_with_or_skip("benches/outbox.rs", &["max_connections=300"])
    else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for (run, workers) in WORKER_COUNTS.into_iter().enumerate() {
        let pool = |name: String| {
            let url = cluster.create_database(&name);
            async move {
                PgPoolOptions::new()
                    .max_connections(16)
                    .connect(&url)
                    .await
                    .unwrap()
            }
        };
        let baseline = baseline(pool(format!("baseline_{run}")).await, workers, total).await;
        let engine = engine(
            Outbox::new(pool(format!("engine_{run}")).await),
            workers,
            total,
        )
        .await;
        rows.push(Row {
            backend: "PostgreSQL",
            workers,
            engine,
            baseline,
        });
    }
    rows
}

async fn sqlite_rows(total: usize) -> Vec<Row> {
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    let dir = std::env::temp_dir();
    let mut rows = Vec::new();
    for workers in WORKER_COUNTS {
        let pool = |name: &str| {
            let path = dir.join(format!(
                "signals-outbox-bench-{}-{name}-{workers}.sqlite3",
                std::process::id()
            ));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            let options = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30));
            (
                path,
                SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options),
            )
        };
        let (base_path, base_pool) = pool("baseline");
        let baseline = baseline(base_pool.await.unwrap(), workers, total).await;
        let (engine_path, engine_pool) = pool("engine");
        let engine = engine(Outbox::new(engine_pool.await.unwrap()), workers, total).await;
        for path in [base_path, engine_path] {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        rows.push(Row {
            backend: "SQLite",
            workers,
            engine,
            baseline,
        });
    }
    rows
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // gets a smoke run instead of a measurement.
    let measuring = std::env::args().any(|a| a == "--bench");
    let total = if measuring { events_per_run() } else { 200 };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let rows = runtime.block_on(async {
        let mut rows = postgres_rows(total).await;
        rows.extend(sqlite_rows(total).await);
        rows
    });
    println!(
        "\noutbox end to end: {total} events per run, {PRODUCERS} producers ({PER_TX} events per transaction), {KEYS} keys, batches of {BATCH}"
    );
    println!(
        "| backend    | workers | engine (events/s) | plain SQL (events/s) | engine / plain |"
    );
    println!(
        "|------------|--------:|------------------:|---------------------:|---------------:|"
    );
    for r in &rows {
        println!(
            "| {:<10} | {:>7} | {:>17.0} | {:>20.0} | {:>13.2}x |",
            r.backend,
            r.workers,
            r.engine,
            r.baseline,
            r.engine / r.baseline
        );
    }
}
