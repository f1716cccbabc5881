//! Durable receivers sent inside a SeaORM transaction (`signals::seaorm`):
//! its commit writes their events through SeaORM, in the same database
//! transaction, right before `COMMIT`; a rollback writes nothing; a
//! savepoint that rolls back drops only its own events. On a real SQLite
//! file shared by SeaORM and the outbox's sqlx pool, then delivered by a
//! worker to the `#[receiver(…, durable = "…")]` function.

mod support;

use std::sync::Mutex;
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DbErr};
use serde::{Deserialize, Serialize};
use signals::durable::Delivery;
use signals::seaorm::Connection;
use signals::{Sender, receiver, signal};
use support::durable::{SqliteFile, sqlite_outbox_uninstalled, wait_for};

const LIMIT: Duration = Duration::from_secs(20);
const QUEUE: &str = "seaorm-billing";

#[derive(Serialize, Deserialize)]
pub struct Paid {
    order: u64,
}

signal! {
    pub static PAID: Paid;
}

static BILLED: Mutex<Vec<(u64, u32)>> = Mutex::new(Vec::new());

#[receiver(PAID, durable = "seaorm-billing", key = |paid: &Paid| paid.order)]
fn bill(paid: &Paid, delivery: &Delivery) {
    BILLED.lock().unwrap().push((paid.order, delivery.attempt));
}

fn pay(order: u64) {
    PAID.send(Sender::NONE, &Paid { order });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_seaorm_commit_writes_the_events() {
    let _watchdog =
        support::watchdog::watchdog("sqlite_seaorm_commit_writes_the_events", LIMIT * 2);
    let file = SqliteFile::new("durable_seaorm");
    let outbox = sqlite_outbox_uninstalled(&file.path).await;
    outbox.install().await.unwrap();
    let url = format!("sqlite://{}?mode=rwc", file.path.display());
    let db = Connection::new(Database::connect(&url).await.unwrap());
    let pending = async || outbox.queue_stats(QUEUE).await.unwrap().pending;

    // Commit, with a savepoint rolled back and one released.
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared("CREATE TABLE orders (id INTEGER)")
        .await
        .unwrap();
    txn.scope(async { pay(1) }).await;
    let dropped = txn.begin().await.unwrap();
    dropped.scope(async { pay(2) }).await;
    dropped.rollback().await.unwrap();
    let kept = txn.begin().await.unwrap();
    kept.scope(async { pay(3) }).await;
    kept.commit().await.unwrap();
    assert_eq!(pending().await, 0, "nothing is written before the commit");
    txn.commit().await.unwrap();
    assert_eq!(pending().await, 2);

    // Rollback, and a dropped transaction: nothing.
    let txn = db.begin().await.unwrap();
    txn.scope(async { pay(4) }).await;
    txn.rollback().await.unwrap();
    let txn = db.begin().await.unwrap();
    txn.scope(async { pay(6) }).await;
    drop(txn);
    assert_eq!(pending().await, 2);

    // The closure form.
    db.transaction(|_txn| {
        Box::pin(async move {
            pay(5);
            Ok::<_, DbErr>(())
        })
    })
    .await
    .unwrap();
    assert_eq!(pending().await, 3);

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = outbox
        .worker(signals::durable::WorkerConfig::new(QUEUE).poll_interval(Duration::from_millis(20)))
        .unwrap();
    let task = tokio::spawn(worker.run_receivers(async move {
        let _ = stopped.await;
    }));
    wait_for("three bills", LIMIT, || BILLED.lock().unwrap().len() == 3).await;
    let _ = stop.send(());
    let report = task.await.unwrap().unwrap();
    assert_eq!(report.delivered, 3);
    let mut billed = BILLED.lock().unwrap().clone();
    billed.sort_unstable();
    assert_eq!(billed, [(1, 1), (3, 1), (5, 1)]);
}
