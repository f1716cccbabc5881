//! PostgreSQL restarted under running workers: they ride out the outage
//! (errors counted, never fatal), reconnect through the pool, and deliver
//! every event, in order per key, including events committed after the
//! restart. (SQLite is embedded: there is no server to restart.)

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use signals::durable::{self, Backoff, Delivery, Event, PgOutbox, WorkerConfig};
use support::durable::{pg_outbox_uninstalled, spawn_worker, wait_for, wait_for_async};
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
    let outbox = pg_outbox_uninstalled(&cluster, what).await;
    outbox.install().await.unwrap();
    let mut next_seq = vec![0; KEYS as usize];
    produce(&outbox, &mut next_seq, FIRST_WAVE).await;

    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let handler = {
        let seen = seen.clone();
        move |d: Delivery| {
            let seen = seen.clone();
            async move {
                let (key, seq) = d.payload.split_once('|').unwrap();
                seen.lock()
                    .unwrap()
                    .push((key.to_owned(), seq.parse().unwrap(), d.id, d.attempt));
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

    wait_for("the first deliveries", LIMIT, || {
        seen.lock().unwrap().len() >= 200
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
        "the workers never noticed the restart: {reports:?}"
    );
    eprintln!(
        "{total} events, 2 workers, server restarted after {delivered_before} deliveries: \
         {} deliveries ({} repeated), {db_errors} database errors ridden out, in {:.1?}",
        seen.len(),
        seen.len() - total,
        started.elapsed()
    );
    drop(cluster);
}
