//! Worker processes on one queue, one of them killed with SIGKILL mid-run
//! and replaced: every committed event is delivered at least once, none is
//! lost, per-key order holds, no key runs twice at once, and re-deliveries
//! are counted and reported. On PostgreSQL and on SQLite (a file shared by
//! the processes).
//!
//! The workers are this test binary run again in "worker mode"
//! (`child_worker`, selected with `--exact` and configured through the
//! environment). Each handler writes a `start` row to a log table before it
//! works and a `done` row after; the parent reads the log to check the run.
//! A child stops gracefully when its stdin closes, which also happens when
//! the parent dies, so no worker outlives its test.

mod support;

use std::io::Read;
use std::time::{Duration, Instant};

use signals::durable::sqlx;
use signals::durable::{self, Delivery, Dialect, Event, Outbox, RunReport, WorkerConfig};
use support::processes::WorkerProcess;

const EVENTS: u32 = 2000;
const KEYS: u32 = 20;
const WORKERS: usize = 3;
const PER_TX: u32 = 5;
const LIMIT: Duration = Duration::from_secs(60);

/// The event that its first worker holds until killed: it guarantees that
/// the kill interrupts a delivery, whatever the timing.
const LINGER_KEY: &str = "linger";

/// Payload text: `key|seq|linger`.
fn payload(key: &str, seq: u32, linger: bool) -> String {
    format!("{key}|{seq}|{}", u8::from(linger))
}

fn parse(payload: &str) -> (String, u32, bool) {
    let mut parts = payload.split('|');
    let key = parts.next().unwrap().to_owned();
    let seq = parts.next().unwrap().parse().unwrap();
    let linger = parts.next().unwrap() == "1";
    (key, seq, linger)
}

fn worker_config() -> WorkerConfig {
    WorkerConfig::new("crash")
        .batch(16)
        .lease(Duration::from_secs(1))
        .poll_interval(Duration::from_millis(50))
        .backoff(durable::Backoff::new(
            Duration::from_millis(10),
            Duration::from_millis(100),
        ))
}

/// One row of the handlers' log.
#[derive(Debug)]
struct LogRow {
    kind: String,
    event_id: i64,
    key: String,
    seq: u32,
    attempt: u32,
    pid: u32,
    overlapped: bool,
}

/// The log table and the outbox, per backend.
trait LogDb: Dialect {
    async fn open(url: &str) -> Outbox<Self>;
    async fn create_log(outbox: &Outbox<Self>);
    /// Writes a log row for `delivery`; `done` rows on PostgreSQL also say
    /// whether another handler of the key was running at the same time.
    async fn log(outbox: &Outbox<Self>, kind: &str, delivery: &Delivery)
    -> Result<(), sqlx::Error>;
    async fn read_log(outbox: &Outbox<Self>) -> Vec<LogRow>;
}

fn u(n: i64) -> u32 {
    u32::try_from(n).unwrap()
}

impl LogDb for sqlx::Postgres {
    async fn open(url: &str) -> Outbox<Self> {
        Outbox::new(support::durable::pg_pool(url).await)
    }

    async fn create_log(outbox: &Outbox<Self>) {
        sqlx::query(
            "CREATE TABLE delivery_log (
                id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, event_id BIGINT NOT NULL,
                key TEXT NOT NULL, seq BIGINT NOT NULL, attempt BIGINT NOT NULL,
                pid BIGINT NOT NULL, overlapped BOOLEAN NOT NULL)",
        )
        .execute(outbox.pool())
        .await
        .unwrap();
    }

    async fn log(outbox: &Outbox<Self>, kind: &str, d: &Delivery) -> Result<(), sqlx::Error> {
        let (key, seq, _) = parse(&d.payload);
        let mut tx = outbox.pool().begin().await?;
        // A second handler of the same key at the same time (in any
        // process) would find this lock taken.
        let alone: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(7, hashtext($1))")
            .bind(&key)
            .fetch_one(&mut *tx)
            .await?;
        if kind == "done" {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        sqlx::query(
            "INSERT INTO delivery_log (kind, event_id, key, seq, attempt, pid, overlapped)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(kind)
        .bind(d.id)
        .bind(&key)
        .bind(i64::from(seq))
        .bind(i64::from(d.attempt))
        .bind(i64::from(std::process::id()))
        .bind(!alone)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    async fn read_log(outbox: &Outbox<Self>) -> Vec<LogRow> {
        let rows: Vec<(String, i64, String, i64, i64, i64, bool)> = sqlx::query_as(
            "SELECT kind, event_id, key, seq, attempt, pid, overlapped FROM delivery_log ORDER BY id",
        )
        .fetch_all(outbox.pool())
        .await
        .unwrap();
        rows.into_iter()
            .map(
                |(kind, event_id, key, seq, attempt, pid, overlapped)| LogRow {
                    kind,
                    event_id,
                    key,
                    seq: u(seq),
                    attempt: u(attempt),
                    pid: u(pid),
                    overlapped,
                },
            )
            .collect()
    }
}

impl LogDb for sqlx::Sqlite {
    async fn open(path: &str) -> Outbox<Self> {
        support::durable::sqlite_outbox_uninstalled(path.as_ref()).await
    }

    async fn create_log(outbox: &Outbox<Self>) {
        sqlx::query(
            "CREATE TABLE delivery_log (
                id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, event_id INTEGER NOT NULL,
                key TEXT NOT NULL, seq INTEGER NOT NULL, attempt INTEGER NOT NULL,
                pid INTEGER NOT NULL, overlapped INTEGER NOT NULL)",
        )
        .execute(outbox.pool())
        .await
        .unwrap();
    }

    async fn log(outbox: &Outbox<Self>, kind: &str, d: &Delivery) -> Result<(), sqlx::Error> {
        let (key, seq, _) = parse(&d.payload);
        // Order alone is checked on SQLite: a log row written in another
        // handler's midst would show up as a sequence going backwards.
        sqlx::query(
            "INSERT INTO delivery_log (kind, event_id, key, seq, attempt, pid, overlapped)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
        )
        .bind(kind)
        .bind(d.id)
        .bind(&key)
        .bind(i64::from(seq))
        .bind(i64::from(d.attempt))
        .bind(i64::from(std::process::id()))
        .execute(outbox.pool())
        .await
        .map(drop)
    }

    async fn read_log(outbox: &Outbox<Self>) -> Vec<LogRow> {
        let rows: Vec<(String, i64, String, i64, i64, i64, bool)> = sqlx::query_as(
            "SELECT kind, event_id, key, seq, attempt, pid, overlapped FROM delivery_log ORDER BY id",
        )
        .fetch_all(outbox.pool())
        .await
        .unwrap();
        rows.into_iter()
            .map(
                |(kind, event_id, key, seq, attempt, pid, overlapped)| LogRow {
                    kind,
                    event_id,
                    key,
                    seq: u(seq),
                    attempt: u(attempt),
                    pid: u(pid),
                    overlapped,
                },
            )
            .collect()
    }
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
        "REPORT pid={} delivered={} retried={} lost_leases={} abandoned={} db_errors={}",
        std::process::id(),
        report.delivered,
        report.retried,
        report.lost_leases,
        report.abandoned,
        report.db_errors
    );
}

/// A worker until stdin closes.
async fn serve<DB: LogDb>(url: &str) -> RunReport {
    let outbox = DB::open(url).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = stop.send(());
    });
    let handler = |d: Delivery| {
        let outbox = outbox.clone();
        async move {
            DB::log(&outbox, "start", &d).await?;
            if parse(&d.payload).2 && d.attempt == 1 {
                // Held until this process is killed.
                tokio::time::sleep(LIMIT * 2).await;
            }
            DB::log(&outbox, "done", &d).await
        }
    };
    let worker = outbox.worker(worker_config()).unwrap();
    worker
        .run(handler, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap()
}

/// Commits half of the `EVENTS` events, on the keys of one parity, `PER_TX`
/// per transaction; `seq` counts per key in commit order (each key belongs
/// to one producer, whose commits are sequential).
async fn produce<DB: Dialect>(outbox: Outbox<DB>, producer: u32) {
    let mut next_seq = vec![0u32; KEYS as usize];
    let events: Vec<Event> = (0..EVENTS / 2)
        .map(|n| {
            let k = (n * 7) % (KEYS / 2) * 2 + producer;
            next_seq[k as usize] += 1;
            let key = format!("k{k:02}");
            let text = payload(&key, next_seq[k as usize], false);
            Event::new("crash", "tests::EVENT", "tests::receiver", text).with_key(key)
        })
        .collect();
    for batch in events.chunks(PER_TX as usize) {
        let mut tx = outbox.pool().begin().await.unwrap();
        durable::enqueue(&mut tx, batch).await.unwrap();
        tx.commit().await.unwrap();
    }
}

async fn sigkill_a_worker_mid_run<DB: LogDb>(backend: &str, url: &str) {
    let started = Instant::now();
    let outbox = DB::open(url).await;
    outbox.install().await.unwrap();
    DB::create_log(&outbox).await;
    let mut tx = outbox.pool().begin().await.unwrap();
    let linger = Event::new(
        "crash",
        "tests::EVENT",
        "tests::receiver",
        payload(LINGER_KEY, 1, true),
    )
    .with_key(LINGER_KEY);
    durable::enqueue(&mut tx, &[linger]).await.unwrap();
    tx.commit().await.unwrap();

    let mut workers: Vec<WorkerProcess> = (0..WORKERS)
        .map(|_| WorkerProcess::serving(backend, url))
        .collect();
    let producers = [0, 1].map(|p| tokio::spawn(produce(outbox.clone(), p)));

    // Kill the worker holding the linger event, once the run is well under way.
    let victim = loop {
        assert!(
            started.elapsed() < LIMIT,
            "the run did not get under way within {LIMIT:?}"
        );
        let log = DB::read_log(&outbox).await;
        let holder = log
            .iter()
            .find(|r| r.key == LINGER_KEY && r.attempt == 1)
            .map(|r| r.pid);
        let done = log.iter().filter(|r| r.kind == "done").count();
        if let Some(pid) = holder.filter(|_| done >= (EVENTS / 4) as usize) {
            break pid;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let at = workers
        .iter()
        .position(|w| w.pid() == victim)
        .expect("the linger holder is one of ours");
    workers.remove(at).kill();
    workers.push(WorkerProcess::serving(backend, url));
    for producer in producers {
        producer.await.unwrap();
    }

    let total = EVENTS + 1;
    support::durable::wait_for_async("every event done and acknowledged", LIMIT, || {
        let outbox = outbox.clone();
        async move {
            let log = DB::read_log(&outbox).await;
            let mut done: Vec<i64> = log
                .iter()
                .filter(|r| r.kind == "done")
                .map(|r| r.event_id)
                .collect();
            done.sort_unstable();
            done.dedup();
            let stats = outbox.queue_stats("crash").await.unwrap();
            done.len() == total as usize
                && (stats.pending, stats.in_flight, stats.dead) == (0, 0, 0)
        }
    })
    .await;
    let reports: Vec<String> = workers
        .into_iter()
        .map(|worker| worker.finish(LIMIT))
        .collect();

    let log = DB::read_log(&outbox).await;
    check(&log);
    let starts = log.iter().filter(|r| r.kind == "start").count();
    let mut started_ids: Vec<i64> = log
        .iter()
        .filter(|r| r.kind == "start")
        .map(|r| r.event_id)
        .collect();
    started_ids.sort_unstable();
    started_ids.dedup();
    let redeliveries = starts - started_ids.len();
    let linger: Vec<_> = log
        .iter()
        .filter(|r| r.key == LINGER_KEY && r.kind == "start")
        .collect();
    assert_eq!(
        linger.len(),
        2,
        "the killed worker's event came back once: {linger:?}"
    );
    assert_eq!((linger[0].pid, linger[1].attempt), (victim, 2));
    assert_ne!(linger[1].pid, victim);
    assert!(redeliveries >= 1);
    eprintln!(
        "[{backend}] {total} events, {WORKERS} worker processes, pid {victim} SIGKILLed and replaced: \
         {starts} deliveries, {redeliveries} re-deliveries, 0 lost, order held, in {:.1?}",
        started.elapsed()
    );
    for report in reports {
        eprintln!("[{backend}] {report}");
    }
}

/// Every committed event is done; per key, deliveries start and finish in
/// commit order (a re-delivery repeats the same event, never an earlier
/// one); no two handlers of a key overlapped.
fn check(log: &[LogRow]) {
    let mut keys: Vec<&str> = log.iter().map(|r| r.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        for kind in ["start", "done"] {
            let seqs: Vec<u32> = log
                .iter()
                .filter(|r| r.key == key && r.kind == kind)
                .map(|r| r.seq)
                .collect();
            assert!(
                seqs.windows(2).all(|w| w[0] <= w[1]),
                "key {key}: {kind} out of order: {seqs:?}"
            );
            let mut distinct = seqs.clone();
            distinct.dedup();
            let expected: Vec<u32> = (1..=distinct.len() as u32).collect();
            assert_eq!(
                distinct, expected,
                "key {key}: {kind} missed or invented an event"
            );
        }
    }
    let overlapped: Vec<_> = log.iter().filter(|r| r.overlapped).collect();
    assert!(
        overlapped.is_empty(),
        "handlers of one key overlapped: {overlapped:?}"
    );
}

#[cfg(feature = "durable-postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_worker_processes_survive_sigkill() {
    let what = "postgres_worker_processes_survive_sigkill";
    let _watchdog = support::watchdog::watchdog(what, LIMIT * 2);
    let Some(cluster) = support::postgres::PgCluster::shared_or_skip(what) else {
        return;
    };
    let url = cluster.create_database(&support::durable::unique("crash"));
    sigkill_a_worker_mid_run::<sqlx::Postgres>("postgres", &url).await;
}

#[cfg(feature = "durable-sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_worker_processes_survive_sigkill() {
    let _watchdog =
        support::watchdog::watchdog("sqlite_worker_processes_survive_sigkill", LIMIT * 2);
    let file = support::durable::SqliteFile::new("crash");
    sigkill_a_worker_mid_run::<sqlx::Sqlite>("sqlite", file.path.to_str().unwrap()).await;
}
