//! Durable delivery through the engine's public API, on a real SQLite file
//! and a real PostgreSQL server: rollback sends nothing, per-key order with
//! parallel keys, retries into the dead-letter state and back, panics,
//! graceful shutdown, a dropped worker's lease, stats, misuse, install,
//! and PostgreSQL's wake-up by notification.
//!
//! Every scenario is one generic function run on both backends by
//! `on_both!`; PostgreSQL tests skip loudly without server binaries.

mod support;

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use signals::durable::{
    self, Backoff, Delivery, Dialect, Error, Event, Outbox, QueueStats, WorkerConfig,
};
use support::durable::{Seen, on_both, spawn_worker, wait_for, wait_for_async};

const LIMIT: Duration = Duration::from_secs(20);

fn event(queue: &str, key: &str, payload: &str) -> Event {
    Event::new(queue, "tests::EVENT", "tests::receiver", payload).with_key(key)
}

/// A worker that notices work quickly and retries fast.
fn fast(queue: &str) -> WorkerConfig {
    WorkerConfig::new(queue)
        .poll_interval(Duration::from_millis(20))
        .lease(Duration::from_secs(2))
        .backoff(Backoff::new(
            Duration::from_millis(10),
            Duration::from_millis(40),
        ))
}

async fn commit<DB: Dialect>(outbox: &Outbox<DB>, events: &[Event]) -> Vec<i64> {
    let mut tx = outbox.pool().begin().await.unwrap();
    let ids = durable::enqueue(&mut tx, events).await.unwrap();
    tx.commit().await.unwrap();
    ids
}

/// A handler that records every delivery and succeeds.
fn record(seen: Seen) -> impl Fn(Delivery) -> std::future::Ready<Result<(), Infallible>> {
    move |d| {
        seen.push(d);
        std::future::ready(Ok(()))
    }
}

async fn stats<DB: Dialect>(outbox: &Outbox<DB>, queue: &str) -> QueueStats {
    outbox.queue_stats(queue).await.unwrap()
}

fn counts(s: &QueueStats) -> (u64, u64, u64) {
    (s.pending, s.in_flight, s.dead)
}

async fn rollback_sends_nothing<DB: Dialect>(outbox: Outbox<DB>, _run: &str) {
    outbox.install().await.unwrap();
    let mut tx = outbox.pool().begin().await.unwrap();
    durable::enqueue(&mut tx, &[event("q", "k", "rolled back")])
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let mut tx = outbox.pool().begin().await.unwrap();
    durable::enqueue(&mut tx, &[event("q", "k", "dropped")])
        .await
        .unwrap();
    drop(tx);
    assert_eq!(stats(&outbox, "q").await, QueueStats::empty("q"));

    commit(&outbox, &[event("q", "k", "committed")]).await;
    assert_eq!(counts(&stats(&outbox, "q").await), (1, 0, 0));
    let seen = Seen::default();
    let worker = spawn_worker(outbox.worker(fast("q")).unwrap(), record(seen.clone()));
    wait_for("the committed event", LIMIT, || seen.len() == 1).await;
    let report = worker.stop().await;
    assert_eq!(seen.payloads(), ["committed"]);
    assert_eq!(report.delivered, 1);
    assert_eq!(
        stats(&outbox, "q").await,
        QueueStats::empty("q"),
        "acknowledged means deleted"
    );
}

/// What the order test's handler observed.
#[derive(Default)]
struct Probe {
    running: Mutex<HashSet<String>>,
    started: Mutex<Vec<String>>,
    overlap: AtomicBool,
    b1_started: AtomicBool,
    parallel: AtomicBool,
}

async fn key_order_and_parallel_keys<DB: Dialect>(outbox: Outbox<DB>, _run: &str) {
    outbox.install().await.unwrap();
    commit(&outbox, &[event("q", "A", "A1"), event("q", "B", "B1")]).await;
    commit(
        &outbox,
        &[
            event("q", "A", "A2"),
            event("q", "B", "B2"),
            event("q", "A", "A3"),
        ],
    )
    .await;
    commit(&outbox, &[event("q", "B", "B3")]).await;

    let probe = Arc::new(Probe::default());
    let handler = {
        let probe = probe.clone();
        move |d: Delivery| {
            let probe = probe.clone();
            async move {
                if !probe.running.lock().unwrap().insert(d.key.clone()) {
                    probe.overlap.store(true, Ordering::SeqCst);
                }
                probe.started.lock().unwrap().push(d.payload.clone());
                match d.payload.as_str() {
                    // A1 and B1 are both first of their key: A1 only
                    // finishes once B1 has started, which needs them to run
                    // side by side.
                    "A1" => {
                        for _ in 0..500 {
                            if probe.b1_started.load(Ordering::SeqCst) {
                                probe.parallel.store(true, Ordering::SeqCst);
                                break;
                            }
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    }
                    "B1" => probe.b1_started.store(true, Ordering::SeqCst),
                    _ => tokio::time::sleep(Duration::from_millis(2)).await,
                }
                probe.running.lock().unwrap().remove(&d.key);
                Ok::<(), Infallible>(())
            }
        }
    };
    let first = spawn_worker(outbox.worker(fast("q").batch(8)).unwrap(), handler.clone());
    let second = spawn_worker(outbox.worker(fast("q").batch(8)).unwrap(), handler);
    wait_for("all six events", LIMIT, || {
        probe.started.lock().unwrap().len() == 6
    })
    .await;
    let reports = [first.stop().await, second.stop().await];
    assert_eq!(reports.iter().map(|r| r.delivered).sum::<u64>(), 6);

    let started = probe.started.lock().unwrap().clone();
    let of_key = |k: char| {
        started
            .iter()
            .filter(|p| p.starts_with(k))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of_key('A'),
        ["A1", "A2", "A3"],
        "commit order for key A: {started:?}"
    );
    assert_eq!(
        of_key('B'),
        ["B1", "B2", "B3"],
        "commit order for key B: {started:?}"
    );
    assert!(
        !probe.overlap.load(Ordering::SeqCst),
        "two events of one key ran at once"
    );
    assert!(
        probe.parallel.load(Ordering::SeqCst),
        "keys A and B never ran side by side"
    );
}

async fn failing_events_die_and_can_be_requeued<DB: Dialect>(outbox: Outbox<DB>, _run: &str) {
    outbox.install().await.unwrap();
    let ids = commit(
        &outbox,
        &[event("q", "k", "poison"), event("q", "k", "behind")],
    )
    .await;
    let seen = Seen::default();
    let handler = {
        let seen = seen.clone();
        move |d: Delivery| {
            seen.push(d.clone());
            let result = if d.payload == "poison" {
                Err(format!("boom on attempt {}", d.attempt))
            } else {
                Ok(())
            };
            std::future::ready(result)
        }
    };
    let worker = spawn_worker(outbox.worker(fast("q").max_attempts(3)).unwrap(), handler);
    wait_for("the event behind the poison", LIMIT, || seen.len() == 4).await;
    let report = worker.stop().await;
    assert_eq!((report.retried, report.dead, report.delivered), (2, 1, 1));

    let seen = seen.all();
    let tries: Vec<_> = seen
        .iter()
        .map(|d| (d.id, d.payload.as_str(), d.attempt))
        .collect();
    assert_eq!(
        tries,
        [
            (ids[0], "poison", 1),
            (ids[0], "poison", 2),
            (ids[0], "poison", 3),
            (ids[1], "behind", 1),
        ],
        "retries keep the id and count attempts; the key waits for them, not for the dead"
    );
    assert_eq!(counts(&stats(&outbox, "q").await), (0, 0, 1));
    let dead = outbox.dead("q", 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].id, dead[0].key.as_str(), dead[0].payload.as_str()),
        (ids[0], "k", "poison")
    );
    assert_eq!(dead[0].attempts, 3);
    assert_eq!(dead[0].last_error.as_deref(), Some("boom on attempt 3"));
    assert!(outbox.dead("other", 10).await.unwrap().is_empty());

    let again = outbox
        .requeue(ids[0])
        .await
        .unwrap()
        .expect("a dead event requeues");
    assert!(
        again > ids[1],
        "a requeued event goes to the back of its key's line"
    );
    assert_eq!(
        outbox.requeue(ids[0]).await.unwrap(),
        None,
        "it is no longer dead"
    );
    assert_eq!(
        outbox.requeue(ids[1]).await.unwrap(),
        None,
        "a delivered event is gone"
    );
    assert_eq!(counts(&stats(&outbox, "q").await), (1, 0, 0));

    let seen = Seen::default();
    let worker = spawn_worker(outbox.worker(fast("q")).unwrap(), record(seen.clone()));
    wait_for("the requeued event", LIMIT, || seen.len() == 1).await;
    worker.stop().await;
    let d = &seen.all()[0];
    assert_eq!((d.id, d.attempt, d.payload.as_str()), (again, 1, "poison"));
    assert_eq!(stats(&outbox, "q").await, QueueStats::empty("q"));
}

async fn panics_count_as_failures<DB: Dialect>(outbox: Outbox<DB>, _run: &str) {
    outbox.install().await.unwrap();
    commit(
        &outbox,
        &[event("q", "a", "once"), event("q", "b", "always")],
    )
    .await;
    let seen = Seen::default();
    let handler = {
        let seen = seen.clone();
        move |d: Delivery| {
            seen.push(d.clone());
            if d.payload == "always" || d.attempt == 1 {
                panic!("handler exploded on {}", d.payload);
            }
            std::future::ready(Ok::<(), Infallible>(()))
        }
    };
    let worker = spawn_worker(outbox.worker(fast("q").max_attempts(2)).unwrap(), handler);
    wait_for_async("both events settled", LIMIT, || async {
        counts(&stats(&outbox, "q").await) == (0, 0, 1)
    })
    .await;
    let report = worker.stop().await;
    assert_eq!((report.delivered, report.retried, report.dead), (1, 2, 1));
    let dead = outbox.dead("q", 10).await.unwrap();
    assert_eq!(dead[0].payload, "always");
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("handler panicked: handler exploded on always")
    );
}

async fn shutdown_finishes_the_event_in_hand<DB: Dialect>(outbox: Outbox<DB>, _run: &str) {
    outbox.install().await.unwrap();
    commit(
        &outbox,
        &[Event::json("q", "tests::EVENT", "tests::receiver", &(7, "seven")).unwrap()],
    )
    .await;
    let started = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let handler = {
        let (started, finished) = (started.clone(), finished.clone());
        move |d: Delivery| {
            let (started, finished) = (started.clone(), finished.clone());
            async move {
                assert_eq!(d.json::<(u32, String)>().unwrap(), (7, "seven".to_owned()));
                started.store(true, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(300)).await;
                finished.store(true, Ordering::SeqCst);
                Ok::<(), Infallible>(())
            }
        }
    };
    let worker = spawn_worker(outbox.worker(fast("q")).unwrap(), handler);
    wait_for("the handler to start", LIMIT, || {
        started.load(Ordering::SeqCst)
    })
    .await;
    let report = worker.stop().await;
    assert!(
        finished.load(Ordering::SeqCst),
        "shutdown returned before the event in hand finished"
    );
    assert_eq!(report.delivered, 1);
    assert_eq!(
        stats(&outbox, "q").await,
        QueueStats::empty("q"),
        "the finished event was acknowledged"
    );
}

async fn a_dropped_workers_lease_expires<DB: Dialect>(outbox: Outbox<DB>, _run: &str) {
    outbox.install().await.unwrap();
    let ids = commit(
        &outbox,
        &[event("q", "k", "first"), event("q", "k", "second")],
    )
    .await;
    let seen = Seen::default();
    let stuck = {
        let seen = seen.clone();
        move |d: Delivery| {
            seen.push(d);
            std::future::pending::<Result<(), Infallible>>()
        }
    };
    let lease = Duration::from_millis(600);
    let crashed = spawn_worker(outbox.worker(fast("q").lease(lease)).unwrap(), stuck);
    wait_for("the first delivery", LIMIT, || seen.len() == 1).await;
    crashed.abort().await;
    assert_eq!(
        counts(&stats(&outbox, "q").await),
        (1, 1, 0),
        "the event stays leased"
    );

    let worker = spawn_worker(
        outbox.worker(fast("q").lease(lease)).unwrap(),
        record(seen.clone()),
    );
    wait_for("the redelivery and the next event", LIMIT, || {
        seen.len() == 3
    })
    .await;
    worker.stop().await;
    let tries: Vec<_> = seen.all().iter().map(|d| (d.id, d.attempt)).collect();
    assert_eq!(tries, [(ids[0], 1), (ids[0], 2), (ids[1], 1)]);
}

async fn stats_count_pending_and_in_flight<DB: Dialect>(outbox: Outbox<DB>, _run: &str) {
    outbox.install().await.unwrap();
    commit(
        &outbox,
        &[
            event("a", "k", "a1"),
            event("a", "k", "a2"),
            event("b", "k", "b1"),
        ],
    )
    .await;
    let all = outbox.stats().await.unwrap();
    let summary: Vec<_> = all.iter().map(|s| (s.queue.as_str(), counts(s))).collect();
    assert_eq!(summary, [("a", (2, 0, 0)), ("b", (1, 0, 0))]);

    let release = Arc::new(AtomicBool::new(false));
    let handler = {
        let release = release.clone();
        move |_: Delivery| {
            let release = release.clone();
            async move {
                while !release.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Ok::<(), Infallible>(())
            }
        }
    };
    let worker = spawn_worker(outbox.worker(fast("a")).unwrap(), handler);
    wait_for_async("a1 in flight", LIMIT, || async {
        counts(&stats(&outbox, "a").await) == (1, 1, 0)
    })
    .await;
    release.store(true, Ordering::SeqCst);
    wait_for_async("queue a drained", LIMIT, || async {
        counts(&stats(&outbox, "a").await) == (0, 0, 0)
    })
    .await;
    worker.stop().await;
    assert_eq!(
        counts(&stats(&outbox, "b").await),
        (1, 0, 0),
        "queue b has no worker"
    );
}

async fn misuse_is_refused<DB: Dialect>(outbox: Outbox<DB>, _run: &str) {
    assert_eq!(outbox.schema_version().await.unwrap(), None);
    let early = outbox
        .worker(fast("q"))
        .unwrap()
        .run(record(Seen::default()), std::future::pending());
    assert!(
        matches!(early.await, Err(Error::NotInstalled)),
        "a worker before install fails at once"
    );

    let installs = futures::future::join_all((0..3).map(|_| outbox.install())).await;
    assert!(
        installs.iter().all(|v| matches!(v, Ok(1))),
        "concurrent installs: {installs:?}"
    );
    assert_eq!(
        outbox.install().await.unwrap(),
        1,
        "install again is a no-op"
    );
    assert_eq!(outbox.schema_version().await.unwrap(), Some(1));

    let bad_configs = [
        (WorkerConfig::new("q").batch(0), "batch"),
        (WorkerConfig::new("q").batch(1001), "batch"),
        (
            WorkerConfig::new("q").lease(Duration::from_millis(10)),
            "lease",
        ),
        (WorkerConfig::new("q").max_attempts(0), "max_attempts"),
        (
            WorkerConfig::new("q").poll_interval(Duration::ZERO),
            "poll_interval",
        ),
        (WorkerConfig::new(""), "queues"),
        (WorkerConfig::new("q").worker_id(""), "worker_id"),
        (
            WorkerConfig::new("q")
                .backoff(Backoff::new(Duration::from_secs(2), Duration::from_secs(1))),
            "backoff",
        ),
    ];
    for (config, field) in bad_configs {
        match outbox.worker(config) {
            Err(e @ Error::InvalidConfig { field: f, .. }) => {
                assert_eq!(f, field);
                assert!(e.to_string().contains(&format!("`{field}`")), "{e}");
            }
            other => panic!("{field}: expected InvalidConfig, got {other:?}"),
        }
    }

    let mut tx = outbox.pool().begin().await.unwrap();
    let bad = [
        event("q", "k", "fine"),
        Event::new("", "tests::EVENT", "tests::receiver", "no queue"),
    ];
    match durable::enqueue(&mut tx, &bad).await {
        Err(Error::InvalidEvent { index: 1, reason }) => {
            assert!(reason.contains("queue"), "{reason}")
        }
        other => panic!("expected InvalidEvent, got {other:?}"),
    }
    let nul = [event("q", "k", "nul \0 inside")];
    assert!(matches!(
        durable::enqueue(&mut tx, &nul).await,
        Err(Error::InvalidEvent { index: 0, .. })
    ));
    tx.commit().await.unwrap();
    assert_eq!(
        stats(&outbox, "q").await,
        QueueStats::empty("q"),
        "a refused batch writes nothing"
    );
}

async fn dead_events_can_be_purged<DB: Dialect>(outbox: Outbox<DB>, _run: &str) {
    outbox.install().await.unwrap();
    commit(&outbox, &[event("q", "k", "doomed")]).await;
    let failing = |_: Delivery| std::future::ready(Err("no"));
    let worker = spawn_worker(outbox.worker(fast("q").max_attempts(1)).unwrap(), failing);
    wait_for_async("the event to die", LIMIT, || async {
        stats(&outbox, "q").await.dead == 1
    })
    .await;
    worker.stop().await;
    assert_eq!(
        outbox
            .purge_dead("q", Duration::from_secs(3600))
            .await
            .unwrap(),
        0,
        "too recent"
    );
    assert_eq!(outbox.purge_dead("other", Duration::ZERO).await.unwrap(), 0);
    assert_eq!(outbox.purge_dead("q", Duration::ZERO).await.unwrap(), 1);
    assert_eq!(stats(&outbox, "q").await, QueueStats::empty("q"));
}

on_both! {
    rollback_sends_nothing(flavor = "current_thread"),
    key_order_and_parallel_keys(flavor = "multi_thread", worker_threads = 2),
    failing_events_die_and_can_be_requeued(flavor = "multi_thread", worker_threads = 2),
    panics_count_as_failures(flavor = "multi_thread", worker_threads = 2),
    shutdown_finishes_the_event_in_hand(flavor = "current_thread"),
    a_dropped_workers_lease_expires(flavor = "multi_thread", worker_threads = 2),
    stats_count_pending_and_in_flight(flavor = "multi_thread", worker_threads = 2),
    misuse_is_refused(flavor = "multi_thread", worker_threads = 2),
    dead_events_can_be_purged(flavor = "current_thread"),
}

/// PostgreSQL wakes an idle worker by notification: with a 60 s poll, the
/// events below arrive only because the commit's `NOTIFY` woke it.
#[cfg(feature = "durable-postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_notify_wakes_an_idle_worker() {
    use support::postgres::PgCluster;
    let what = "postgres_notify_wakes_an_idle_worker";
    let _watchdog = support::watchdog::watchdog(what, LIMIT * 3);
    let Some(cluster) = PgCluster::shared_or_skip(what) else {
        return;
    };
    let outbox = support::durable::pg_outbox_uninstalled(cluster, what).await;
    outbox.install().await.unwrap();
    let seen = Seen::default();
    let config = WorkerConfig::new("q").poll_interval(Duration::from_secs(60));
    let worker = spawn_worker(outbox.worker(config).unwrap(), record(seen.clone()));
    commit(&outbox, &[event("q", "k", "one")]).await;
    wait_for("the first event", LIMIT, || seen.len() == 1).await;
    // Once the worker's listener is in place, nothing but a notification
    // can bring it the next events within the poll's 60 s.
    wait_for_async("the worker's LISTEN", LIMIT, || async {
        let listening: i64 = signals::durable::sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN %signals_outbox%'",
        )
        .fetch_one(outbox.pool())
        .await
        .unwrap();
        listening == 1
    })
    .await;
    for n in 2..=3 {
        commit(&outbox, &[event("q", "k", &n.to_string())]).await;
        wait_for("a notified event", LIMIT, || seen.len() == n).await;
    }
    worker.stop().await;
    assert_eq!(seen.payloads(), ["one", "2", "3"]);
}
