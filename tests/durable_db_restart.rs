//! PostgreSQL restarted under running workers: they ride out the outage
//! (errors counted, never fatal), reconnect through the pool, and deliver
//! every event, in order per key, including events committed after the
//! restart. (SQLite is embedded: there is no server to restart.)

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use signals::durable::Outbox;
use signals::durable::sqlx::postgres::PgPoolOptions;
use signals::durable::{self, Backoff, Delivery, Event, PgOutbox, WorkerConfig};
use support::durable::{spawn_worker, unique, wait_for, wait_for_async};
use support::postgres::PgCluster;

const KEYS: u32 = 20;
const FIRST_WAVE: u32 = 1000;
const SECOND_WAVE: u32 = 500;
const LIMIT: Duration = Duration::from_secs(60);

/// One delivery as the handler saw it: key, seq, event id, attempt.
type Seen = (String, u32, i64, u32);

/// Commits `count` events, ten per transaction, continuing each key's
/// sequence in `next_seq`.
async fn produce(outbox: &PgOutbox, next_seq: &mut [u32], count: u32) {
    let events: Vec<Event> = (0..count)
        .map(|n| {
            let k = (n * 7) % KEYS;
            next_seq[k as usize] += 1;
            let payload = format!("k{k}|{}", next_seq[k as usize]);
            Event::new("restart", "tests::EVENT", "tests::receiver", payload)
                .with_key(format!("k{k}"))
        })
        .collect();
    for batch in events.chunks(10) {
        let mut tx = outbox.pool().begin().await.unwrap();
        durable::enqueue(&mut tx, batch).await.unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_survive_a_database_restart() {
    let what = "workers_survive_a_database_restart";
    let _watchdog = support::watchdog::watchdog(what, LIMIT * 2);
    // Its own cluster: restarting the shared one would break other tests.
    let Some(cluster) = PgCluster::start_or_skip(what) else {
        return;
    };
    let started = Instant::now();
    // A short acquire timeout: while the server is down the pool reports
    // errors to the workers (instead of waiting for it in silence).
    let url = cluster.create_database(&unique(what));
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_millis(300))
        .connect(&url)
        .await
        .unwrap();
    let outbox = Outbox::new(pool);
    outbox.install().await.unwrap();
    let mut next_seq = vec![0; KEYS as usize];
    produce(&outbox, &mut next_seq, FIRST_WAVE).await;

    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    // From the 200th delivery on, handlers of key k0 hold their event until
    // the server is back: an event is surely in hand across the restart,
    // and its outcome can only be written through a new connection. The
    // other keys keep the workers claiming while the server is down.
    let restarted = Arc::new(AtomicBool::new(false));
    let held = Arc::new(AtomicUsize::new(0));
    let handler = {
        let (seen, restarted, held) = (seen.clone(), restarted.clone(), held.clone());
        move |d: Delivery| {
            let (seen, restarted, held) = (seen.clone(), restarted.clone(), held.clone());
            async move {
                let (key, seq) = d.payload.split_once('|').unwrap();
                let nth = {
                    let mut seen = seen.lock().unwrap();
                    seen.push((key.to_owned(), seq.parse().unwrap(), d.id, d.attempt));
                    seen.len()
                };
                if nth > 200 && key == "k0" && !restarted.load(Ordering::SeqCst) {
                    held.fetch_add(1, Ordering::SeqCst);
                    while !restarted.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
                Ok::<(), std::convert::Infallible>(())
            }
        }
    };
    let config = || {
        WorkerConfig::new("restart")
            .batch(16)
            .lease(Duration::from_secs(5))
            .poll_interval(Duration::from_millis(100))
            .backoff(Backoff::new(
                Duration::from_millis(10),
                Duration::from_millis(100),
            ))
    };
    let workers = [
        spawn_worker(outbox.worker(config()).unwrap(), handler.clone()),
        spawn_worker(outbox.worker(config()).unwrap(), handler),
    ];

    wait_for("events held by handlers", LIMIT, || {
        held.load(Ordering::SeqCst) > 0
    })
    .await;
    let delivered_before = seen.lock().unwrap().len();
    let cluster = tokio::task::spawn_blocking(move || {
        cluster.stop();
        std::thread::sleep(Duration::from_secs(1));
        cluster.start();
        cluster
    })
    .await
    .unwrap();
    restarted.store(true, Ordering::SeqCst);
    produce(&outbox, &mut next_seq, SECOND_WAVE).await;

    let total = (FIRST_WAVE + SECOND_WAVE) as usize;
    wait_for_async("every event delivered and acknowledged", LIMIT, || async {
        let mut ids: Vec<i64> = seen.lock().unwrap().iter().map(|s| s.2).collect();
        ids.sort_unstable();
        ids.dedup();
        let stats = outbox.queue_stats("restart").await;
        ids.len() == total && stats.is_ok_and(|s| (s.pending, s.in_flight, s.dead) == (0, 0, 0))
    })
    .await;
    let [first, second] = workers;
    let reports = [first.stop().await, second.stop().await];

    let seen = seen.lock().unwrap().clone();
    for k in 0..KEYS {
        let key = format!("k{k}");
        let seqs: Vec<u32> = seen.iter().filter(|s| s.0 == key).map(|s| s.1).collect();
        assert!(
            seqs.windows(2).all(|w| w[0] <= w[1]),
            "key {key} out of order: {seqs:?}"
        );
        let mut distinct = seqs.clone();
        distinct.dedup();
        assert_eq!(
            distinct,
            (1..=next_seq[k as usize]).collect::<Vec<_>>(),
            "key {key}"
        );
    }
    let db_errors: u64 = reports.iter().map(|r| r.db_errors).sum();
    assert!(
        db_errors > 0,
        "the workers never met the outage: {reports:?}"
    );
    let held = held.load(Ordering::SeqCst);
    eprintln!(
        "{total} events, 2 workers, server restarted after {delivered_before} deliveries \
         with {held} events held across it: {} deliveries ({} repeated), \
         {db_errors} database errors ridden out, in {:.1?}",
        seen.len(),
        seen.len() - total,
        started.elapsed()
    );
    drop(cluster);
}
