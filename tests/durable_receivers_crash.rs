//! Worker processes serving a durable receiver (`#[receiver(…, durable =
//! "…")]`, run by `Worker::run_receivers`), one of them killed with SIGKILL
//! mid-delivery and replaced, while two producers send the signal inside
//! outbox transactions: every committed event is delivered at least once,
//! none is lost, per-key order holds, and re-deliveries are counted and
//! reported. On PostgreSQL and on SQLite (a file shared by the processes).
//!
//! The workers are this test binary run again in "worker mode"
//! (`child_worker`, selected with `--exact`, configured through the
//! environment). The receiver writes a `start` row to a log table before it
//! works and a `done` row after; the parent reads the log to check the run.
//! A child stops gracefully when its stdin closes, which also happens when
//! the parent dies, so no worker outlives its test.

mod support;

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use signals::durable::sqlx;
use signals::durable::{Backoff, Delivery, Dialect, Outbox, RunReport, WorkerConfig};
use signals::{Sender, receiver, signal};
use support::processes::WorkerProcess;

const EVENTS: u32 = 600;
const KEYS: u32 = 12;
const WORKERS: usize = 3;
const PER_TX: u32 = 4;
const LIMIT: Duration = Duration::from_secs(60);
const QUEUE: &str = "crash";

#[derive(Serialize, Deserialize)]
pub struct Tick {
    key: String,
    seq: u32,
    /// Held by its first worker until that worker is killed: the kill
    /// interrupts a delivery, whatever the timing.
    linger: bool,
}

signal! {
    pub static TICK: Tick;
}

#[receiver(TICK, durable = "crash", key = |tick: &Tick| tick.key.clone())]
async fn handle(tick: &Tick, delivery: &Delivery) -> Result<(), sqlx::Error> {
    let log = LOG.get().expect("worker mode opened the log");
    log.write("start", tick, delivery).await?;
    if tick.linger && delivery.attempt == 1 {
        tokio::time::sleep(LIMIT * 2).await;
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
    log.write("done", tick, delivery).await
}

/// The worker's database, for the receiver.
static LOG: OnceLock<Log> = OnceLock::new();

enum Log {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// The same statement on either pool (the SQL is the same on both).
macro_rules! on_pool {
    ($log:expr, |$pool:ident| $body:expr) => {
        match $log {
            Log::Sqlite($pool) => $body,
            Log::Postgres($pool) => $body,
        }
    };
}

/// One row of the log: (kind, event id, key, seq, attempt, pid).
type LogRow = (String, i64, String, i64, i64, i64);

impl Log {
    async fn write(&self, kind: &str, tick: &Tick, d: &Delivery) -> Result<(), sqlx::Error> {
        let sql = "INSERT INTO delivery_log (kind, event_id, key, seq, attempt, pid)
                   VALUES ($1, $2, $3, $4, $5, $6)";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(kind)
            .bind(d.id)
            .bind(&tick.key)
            .bind(i64::from(tick.seq))
            .bind(i64::from(d.attempt))
            .bind(i64::from(std::process::id()))
            .execute(pool)
            .await
            .map(drop))
    }

    async fn create(&self) {
        let id = match self {
            Log::Sqlite(_) => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Log::Postgres(_) => "BIGSERIAL PRIMARY KEY",
        };
        let sql = format!(
            "CREATE TABLE delivery_log (id {id}, kind TEXT NOT NULL, event_id BIGINT NOT NULL,
             key TEXT NOT NULL, seq BIGINT NOT NULL, attempt BIGINT NOT NULL, pid BIGINT NOT NULL)"
        );
        on_pool!(self, |pool| sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .map(drop))
        .unwrap();
    }

    async fn read(&self) -> Vec<LogRow> {
        let sql = "SELECT kind, event_id, key, seq, attempt, pid FROM delivery_log ORDER BY id";
        on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await).unwrap()
    }
}

/// A backend: how the parent and the children open it.
trait Backend: Dialect {
    async fn open(url: &str) -> Outbox<Self>;
    fn log(outbox: &Outbox<Self>) -> Log;
}

impl Backend for sqlx::Sqlite {
    async fn open(path: &str) -> Outbox<Self> {
        support::durable::sqlite_outbox_uninstalled(path.as_ref()).await
    }
    fn log(outbox: &Outbox<Self>) -> Log {
        Log::Sqlite(outbox.pool().clone())
    }
}

impl Backend for sqlx::Postgres {
    async fn open(url: &str) -> Outbox<Self> {
        Outbox::new(support::durable::pg_pool(url).await)
    }
    fn log(outbox: &Outbox<Self>) -> Log {
        Log::Postgres(outbox.pool().clone())
    }
}

fn config() -> WorkerConfig {
    WorkerConfig::new(QUEUE)
        .batch(8)
        .lease(Duration::from_secs(1))
        .poll_interval(Duration::from_millis(50))
        .backoff(Backoff::new(
            Duration::from_millis(10),
            Duration::from_millis(100),
        ))
}

/// Worker mode. Run as a plain test (no environment) it has nothing to do:
/// it exists so the crash tests can start this binary as a worker process.
#[test]
fn child_worker() {
    let served = support::processes::run_child(LIMIT * 2, async |backend, url| match backend {
        "postgres" => serve::<sqlx::Postgres>(url).await,
        "sqlite" => serve::<sqlx::Sqlite>(url).await,
        other => panic!("unknown backend {other}"),
    });
    let Some(report) = served else {
        return;
    };
    println!(
        "REPORT pid={} delivered={} retried={} lost_leases={}",
        std::process::id(),
        report.delivered,
        report.retried,
        report.lost_leases
    );
}

/// Serves the durable receivers of this binary until stdin closes.
async fn serve<DB: Backend>(url: &str) -> RunReport {
    let outbox = DB::open(url).await;
    assert!(LOG.set(DB::log(&outbox)).is_ok());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = stop.send(());
    });
    outbox
        .worker(config())
        .unwrap()
        .run_receivers(async move {
            let _ = stopped.await;
        })
        .await
        .unwrap()
}

/// Sends half of the events, on the keys of one parity, `PER_TX` per
/// outbox transaction; `seq` counts per key in send order (each key
/// belongs to one producer, whose commits are sequential).
async fn produce<DB: Dialect>(outbox: Outbox<DB>, producer: u32) {
    let mut next_seq = vec![0u32; KEYS as usize];
    let ticks: Vec<Tick> = (0..EVENTS / 2)
        .map(|n| {
            let k = (n * 7) % (KEYS / 2) * 2 + producer;
            next_seq[k as usize] += 1;
            Tick {
                key: format!("k{k:02}"),
                seq: next_seq[k as usize],
                linger: false,
            }
        })
        .collect();
    for batch in ticks.chunks(PER_TX as usize) {
        let tx = outbox.begin().await.unwrap();
        tx.enter(|| {
            for tick in batch {
                TICK.send(Sender::NONE, tick);
            }
        });
        tx.commit().await.unwrap();
    }
}

async fn sigkill_a_worker_mid_run<DB: Backend>(backend: &str, url: &str) {
    let started = Instant::now();
    let outbox = DB::open(url).await;
    outbox.install().await.unwrap();
    let log_db = DB::log(&outbox);
    log_db.create().await;
    let linger = Tick {
        key: "linger".to_owned(),
        seq: 1,
        linger: true,
    };
    let tx = outbox.begin().await.unwrap();
    tx.enter(|| TICK.send(Sender::NONE, &linger));
    tx.commit().await.unwrap();

    let mut workers: Vec<WorkerProcess> = (0..WORKERS)
        .map(|_| WorkerProcess::serving(backend, url))
        .collect();
    let producers = [0, 1].map(|p| tokio::spawn(produce(outbox.clone(), p)));

    // Kill the worker holding the linger event once the run is under way.
    let victim = loop {
        assert!(
            started.elapsed() < LIMIT,
            "the run did not get under way within {LIMIT:?}"
        );
        let log = log_db.read().await;
        let holder = log
            .iter()
            .find(|r| r.2 == "linger" && r.4 == 1)
            .map(|r| r.5);
        let done = log.iter().filter(|r| r.0 == "done").count();
        if let Some(pid) = holder.filter(|_| done >= (EVENTS / 4) as usize) {
            break pid;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let at = workers
        .iter()
        .position(|w| i64::from(w.pid()) == victim)
        .expect("the linger event is held by one of our workers");
    workers.remove(at).kill();
    workers.push(WorkerProcess::serving(backend, url));
    for producer in producers {
        producer.await.unwrap();
    }

    // Drain: every event done, none left, none dead.
    loop {
        assert!(
            started.elapsed() < LIMIT,
            "the queue did not drain within {LIMIT:?}: {:?}",
            outbox.queue_stats(QUEUE).await.unwrap()
        );
        let stats = outbox.queue_stats(QUEUE).await.unwrap();
        if stats.pending + stats.in_flight + stats.dead == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reports: Vec<String> = workers
        .into_iter()
        .map(|worker| worker.finish(LIMIT))
        .collect();

    let log = log_db.read().await;
    // Per key, in log order: `done` sequence numbers never go back, and
    // every one sent is there.
    let mut per_key: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (kind, _, key, seq, _, _) in &log {
        if kind == "done" {
            per_key.entry(key).or_default().push(*seq);
        }
    }
    let mut delivered = 0;
    for (key, seqs) in &per_key {
        assert!(
            seqs.windows(2).all(|w| w[0] <= w[1]),
            "key {key} out of order: {seqs:?}"
        );
        let mut distinct = seqs.clone();
        distinct.dedup();
        let expected: Vec<i64> = (1..=i64::try_from(distinct.len()).unwrap()).collect();
        assert_eq!(distinct, expected, "key {key} lost events");
        delivered += distinct.len();
    }
    assert_eq!(delivered, EVENTS as usize + 1, "every committed event");
    let linger_attempts: Vec<i64> = log
        .iter()
        .filter(|r| r.2 == "linger" && r.0 == "start")
        .map(|r| r.4)
        .collect();
    assert_eq!(linger_attempts, [1, 2], "the killed delivery ran again");
    let redelivered = log.iter().filter(|r| r.0 == "start" && r.4 > 1).count();
    let done_twice = log.iter().filter(|r| r.0 == "done").count() - delivered;
    eprintln!(
        "{backend}: {delivered} events delivered through the durable receiver, worker {victim} \
         killed; {redelivered} re-deliveries (attempt > 1), {done_twice} finished twice; \
         {:.1?}\n  {}",
        started.elapsed(),
        reports.join("\n  ")
    );
    assert!(redelivered >= 1);
}

#[cfg(feature = "durable-sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sigkill_a_worker_mid_run() {
    let _watchdog =
        support::watchdog::watchdog("sqlite_sigkill_a_worker_mid_run (receivers)", LIMIT * 2);
    let file = support::durable::SqliteFile::new("receivers_crash");
    let path = file.path.to_str().unwrap().to_owned();
    sigkill_a_worker_mid_run::<sqlx::Sqlite>("sqlite", &path).await;
}

#[cfg(feature = "durable-postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sigkill_a_worker_mid_run() {
    let what = "postgres_sigkill_a_worker_mid_run (receivers)";
    let _watchdog = support::watchdog::watchdog(what, LIMIT * 2);
    let Some(cluster) = support::postgres::PgCluster::shared_or_skip(what) else {
        return;
    };
    let url = cluster.create_database(&support::durable::unique("receivers_crash"));
    sigkill_a_worker_mid_run::<sqlx::Postgres>("postgres", &url).await;
}
