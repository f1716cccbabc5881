//! Commit order per key with concurrent producers: a second producer of a
//! key waits for the first one's commit (or rollback), so ids, and so
//! deliveries, follow commit order; on PostgreSQL, many producers racing on
//! one key leave ids in the order of their commit timestamps.

mod support;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use signals::durable::{self, Delivery, Dialect, Event, Outbox, WorkerConfig};
use support::durable::{Seen, spawn_worker, wait_for};

const LIMIT: Duration = Duration::from_secs(30);

fn event(key: &str, payload: &str) -> Event {
    Event::new("q", "tests::EVENT", "tests::receiver", payload).with_key(key)
}

fn record(seen: Seen) -> impl Fn(Delivery) -> std::future::Ready<Result<(), Infallible>> {
    move |d| {
        seen.push(d);
        std::future::ready(Ok(()))
    }
}

/// Producer A enqueues on key `k` and keeps its transaction open; producer
/// B's enqueue on `k` must not return until A has ended, and B's events
/// come after A's. Then the same with A rolling back: B goes ahead alone.
async fn a_second_producer_waits_for_the_first<DB: Dialect>(outbox: Outbox<DB>) {
    outbox.install().await.unwrap();
    for a_commits in [true, false] {
        let key = if a_commits {
            "committed"
        } else {
            "rolled-back"
        };
        let mut a = outbox.pool().begin().await.unwrap();
        let a_ids = durable::enqueue(&mut a, &[event(key, "a1")]).await.unwrap();

        let b_enqueued = Arc::new(AtomicBool::new(false));
        let b = tokio::spawn({
            let (outbox, b_enqueued) = (outbox.clone(), b_enqueued.clone());
            async move {
                let mut b = outbox.pool().begin().await.unwrap();
                let ids = durable::enqueue(&mut b, &[event(key, "b1")]).await.unwrap();
                b_enqueued.store(true, Ordering::SeqCst);
                b.commit().await.unwrap();
                ids
            }
        });
        // B stays blocked for as long as A is open (a bug would let it
        // through at once; a correct engine can never set the flag here).
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !b_enqueued.load(Ordering::SeqCst),
            "producer B overtook open producer A on key {key}"
        );
        let more = durable::enqueue(&mut a, &[event(key, "a2")]).await.unwrap();
        if a_commits {
            a.commit().await.unwrap();
        } else {
            a.rollback().await.unwrap();
        }
        let b_ids = tokio::time::timeout(LIMIT, b).await.unwrap().unwrap();
        assert!(
            more[0] > a_ids[0],
            "ids follow enqueue order within a transaction"
        );
        // (After a rollback SQLite may hand the rolled-back ids out again:
        // they were never visible, so no handler ever saw them.)
        if a_commits {
            assert!(b_ids[0] > more[0], "ids follow commit order");
        }
    }

    let seen = Seen::default();
    let config = WorkerConfig::new("q").poll_interval(Duration::from_millis(20));
    let worker = spawn_worker(outbox.worker(config).unwrap(), record(seen.clone()));
    wait_for("four events", LIMIT, || seen.len() == 4).await;
    worker.stop().await;
    let of = |key: &str| -> Vec<String> {
        seen.all()
            .into_iter()
            .filter(|d| d.key == key)
            .map(|d| d.payload)
            .collect()
    };
    assert_eq!(of("committed"), ["a1", "a2", "b1"]);
    assert_eq!(of("rolled-back"), ["b1"]);
}

#[cfg(feature = "durable-sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_second_producer_waits_for_the_first() {
    let _watchdog =
        support::watchdog::watchdog("sqlite_a_second_producer_waits_for_the_first", LIMIT * 2);
    let file = support::durable::SqliteFile::new("second_producer");
    a_second_producer_waits_for_the_first(
        support::durable::sqlite_outbox_uninstalled(&file.path).await,
    )
    .await;
}

#[cfg(feature = "durable-postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_second_producer_waits_for_the_first() {
    let what = "postgres_a_second_producer_waits_for_the_first";
    let _watchdog = support::watchdog::watchdog(what, LIMIT * 2);
    let Some(cluster) = support::postgres::PgCluster::shared_or_skip(what) else {
        return;
    };
    a_second_producer_waits_for_the_first(
        support::durable::pg_outbox_uninstalled(cluster, what).await,
    )
    .await;
}

/// Many producers race on one key, each holding its transaction open a
/// little after enqueueing. Commit timestamps (the cluster runs with
/// `track_commit_timestamp`) must never decrease in id order, and a worker
/// must deliver in id order. Without the key lock, ids are drawn at insert
/// and commits reorder them.
#[cfg(feature = "durable-postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_racing_producers_commit_in_id_order() {
    use signals::durable::sqlx;

    const PRODUCERS: u64 = 8;
    const EACH: u64 = 25;
    let what = "postgres_racing_producers_commit_in_id_order";
    let _watchdog = support::watchdog::watchdog(what, LIMIT * 2);
    let Some(cluster) = support::postgres::PgCluster::shared_or_skip(what) else {
        return;
    };
    let outbox = support::durable::pg_outbox_uninstalled(cluster, what).await;
    outbox.install().await.unwrap();

    let producers = (0..PRODUCERS).map(|p| {
        let outbox = outbox.clone();
        tokio::spawn(async move {
            // A small deterministic generator spreads the hold times.
            let mut state = p * 7919 + 1;
            for n in 0..EACH {
                let mut tx = outbox.pool().begin().await.unwrap();
                durable::enqueue(&mut tx, &[event("hot", &format!("p{p}-{n}"))])
                    .await
                    .unwrap();
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                tokio::time::sleep(Duration::from_micros((state >> 33) % 3000)).await;
                tx.commit().await.unwrap();
            }
        })
    });
    for producer in futures::future::join_all(producers).await {
        producer.unwrap();
    }

    let (rows, untimed, inversions): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE ts IS NULL), count(*) FILTER (WHERE ts < prev)
         FROM (SELECT pg_xact_commit_timestamp(xmin) AS ts,
                      lag(pg_xact_commit_timestamp(xmin)) OVER (ORDER BY id) AS prev
               FROM signals_outbox WHERE key = 'hot') s",
    )
    .fetch_one(outbox.pool())
    .await
    .unwrap();
    assert_eq!((rows, untimed), ((PRODUCERS * EACH) as i64, 0));
    assert_eq!(
        inversions, 0,
        "an event committed before an event with a smaller id"
    );
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM signals_outbox WHERE key = 'hot' ORDER BY id")
            .fetch_all(outbox.pool())
            .await
            .unwrap();

    let seen = Seen::default();
    let config = WorkerConfig::new("q")
        .batch(64)
        .poll_interval(Duration::from_millis(20));
    let worker = spawn_worker(outbox.worker(config).unwrap(), record(seen.clone()));
    wait_for("every event", LIMIT, || seen.len() == ids.len()).await;
    worker.stop().await;
    let delivered: Vec<i64> = seen.all().iter().map(|d| d.id).collect();
    assert_eq!(delivered, ids, "delivered in id (= commit) order");
}
