//! Durable receivers through signals, on a real SQLite file and a real
//! PostgreSQL server: `#[receiver(…, durable = "…")]` and run-time
//! `Signal::durable`, sends inside `Outbox::transaction` (commit, rollback,
//! savepoints), workers serving the receivers linked into this binary
//! (typed arguments, delivery id and attempt, retries into the dead-letter
//! state and back, unknown receivers, undecodable payloads), per-key order
//! with producers racing on one key, sends outside an outbox transaction,
//! and the wiring map.
//!
//! Every database scenario is one generic function run on both backends by
//! `on_both!`; PostgreSQL tests skip loudly without server binaries. The
//! receivers are global (linked in), so each scenario tags its sends with
//! a `run` of its own and reads back only what carries it.

mod support;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use serde::{Deserialize, Serialize};
use signals::durable::{self, Backoff, Delivery, Dialect, Event, Outbox, RunReport, WorkerConfig};
use signals::models::TransactionScope;
use signals::{ConnectError, Sender, receiver, signal};
use support::durable::{on_both, wait_for, wait_for_async};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const LIMIT: Duration = Duration::from_secs(20);

/// A paid order. `note` borrows from the stored JSON when it has no
/// escapes (`Cow` with `#[serde(borrow)]`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Order<'a> {
    run: String,
    id: u64,
    seq: u32,
    #[serde(borrow)]
    note: Cow<'a, str>,
}

signal! {
    /// An order was paid.
    pub static ORDER_PAID: Order<'_>;
}

pub struct Shop;

/// What a durable receiver saw.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    receiver: &'static str,
    id: u64,
    seq: u32,
    note: String,
    borrowed: bool,
    delivery: i64,
    key: String,
    attempt: u32,
}

static SEEN: Mutex<Vec<(String, Seen)>> = Mutex::new(Vec::new());

fn saw(receiver: &'static str, order: &Order<'_>, delivery: Option<&Delivery>) {
    let seen = Seen {
        receiver,
        id: order.id,
        seq: order.seq,
        note: order.note.to_string(),
        borrowed: matches!(order.note, Cow::Borrowed(_)),
        delivery: delivery.map_or(0, |d| d.id),
        key: delivery.map_or_else(String::new, |d| d.key.clone()),
        attempt: delivery.map_or(0, |d| d.attempt),
    };
    SEEN.lock().unwrap().push((order.run.clone(), seen));
}

/// What the durable receivers saw for `run`, in the order they ran.
fn seen(run: &str, receiver: &str) -> Vec<Seen> {
    SEEN.lock()
        .unwrap()
        .iter()
        .filter(|(r, seen)| r == run && seen.receiver == receiver)
        .map(|(_, seen)| seen.clone())
        .collect()
}

/// Sync, with the delivery, ordered by order id.
#[receiver(ORDER_PAID, durable = "receipts", key = |order: &Order<'_>| order.id)]
fn receipt(order: &Order<'_>, delivery: &Delivery) {
    saw("receipt", order, Some(delivery));
}

/// Async, fallible, with a `dispatch_uid` (its events' receiver id) and
/// the default key (the sender).
#[receiver(
    ORDER_PAID,
    durable = "audit",
    dispatch_uid = "audit-log",
    priority = 5
)]
async fn audit(order: &Order<'_>) -> Result<(), String> {
    tokio::task::yield_now().await;
    saw("audit", order, None);
    Ok(())
}

static INLINE_CALLS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// An ordinary receiver beside them: the send calls it.
#[receiver(ORDER_PAID)]
fn inline(order: &Order<'_>) {
    INLINE_CALLS.lock().unwrap().push(order.run.clone());
}

fn order(run: &str, id: u64, seq: u32) -> Order<'static> {
    Order {
        run: run.to_owned(),
        id,
        seq,
        note: Cow::Borrowed("plain"),
    }
}

/// The scenarios' error: the outbox's, or a rollback on purpose.
#[derive(Debug)]
enum Failed {
    Outbox(durable::Error),
    OnPurpose,
}

impl From<durable::Error> for Failed {
    fn from(error: durable::Error) -> Self {
        Failed::Outbox(error)
    }
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failed::Outbox(error) => write!(f, "{error}"),
            Failed::OnPurpose => f.write_str("rolled back on purpose"),
        }
    }
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

/// `Worker::run_receivers` as a task, until [`Serving::stop`].
struct Serving {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<RunReport, durable::Error>>,
}

fn serve<DB: Dialect>(outbox: &Outbox<DB>, config: WorkerConfig) -> Serving {
    let (stop, stopped) = oneshot::channel::<()>();
    let worker = outbox.worker(config).unwrap();
    let task = tokio::spawn(worker.run_receivers(async move {
        let _ = stopped.await;
    }));
    Serving { stop, task }
}

impl Serving {
    async fn stop(self) -> RunReport {
        let _ = self.stop.send(());
        tokio::time::timeout(LIMIT, self.task)
            .await
            .expect("the worker stops in time")
            .expect("the worker task does not panic")
            .expect("the worker run succeeds")
    }
}

async fn pending<DB: Dialect>(outbox: &Outbox<DB>, queue: &str) -> u64 {
    outbox.queue_stats(queue).await.unwrap().pending
}

/// Commit: each durable receiver gets one event per send, typed back, with
/// its key, delivery id and attempt; the inline receiver ran in the send.
async fn commit_delivers_typed<DB: Dialect>(outbox: Outbox<DB>, run: &str) {
    outbox.install().await.unwrap();
    let escaped = Order {
        note: Cow::Owned("say \"hi\"".to_owned()),
        ..order(run, 2, 2)
    };
    outbox
        .transaction(async |_tx| {
            ORDER_PAID.send(Sender::of::<Shop>(), &order(run, 1, 1));
            ORDER_PAID.send(Sender::of::<Shop>(), &escaped);
            ORDER_PAID.send(Sender::of::<Shop>(), &order(run, 1, 3));
            Ok::<_, durable::Error>(())
        })
        .await
        .unwrap();
    let inline_calls = INLINE_CALLS
        .lock()
        .unwrap()
        .iter()
        .filter(|r| *r == run)
        .count();
    assert_eq!(inline_calls, 3, "the inline receiver ran in each send");
    assert_eq!(pending(&outbox, "receipts").await, 3);
    assert_eq!(pending(&outbox, "audit").await, 3);

    let worker = serve(&outbox, fast("receipts").queue("audit"));
    wait_for("every delivery", LIMIT, || {
        seen(run, "receipt").len() == 3 && seen(run, "audit").len() == 3
    })
    .await;
    let report = worker.stop().await;
    assert_eq!(report.delivered, 6);

    let mut receipts = seen(run, "receipt");
    receipts.sort_by_key(|s| s.seq);
    let got: Vec<_> = receipts
        .iter()
        .map(|s| (s.id, s.seq, s.note.as_str(), s.key.as_str(), s.attempt))
        .collect();
    assert_eq!(
        got,
        [
            (1, 1, "plain", "1", 1),
            (2, 2, "say \"hi\"", "2", 1),
            (1, 3, "plain", "1", 1)
        ]
    );
    // Text without escapes is read back borrowing from the stored payload.
    assert!(receipts[0].borrowed && !receipts[1].borrowed);
    // Key 1's events in send order, with increasing ids.
    assert!(receipts[0].delivery < receipts[2].delivery);
    let mut audit: Vec<u32> = seen(run, "audit").iter().map(|s| s.seq).collect();
    audit.sort_unstable();
    assert_eq!(audit, [1, 2, 3]);
    assert_eq!(pending(&outbox, "receipts").await, 0);
    assert_eq!(pending(&outbox, "audit").await, 0);
}

/// The events carry the signal's path and the receiver's id (its
/// `dispatch_uid`, else its path), and the key (given, else the sender).
async fn events_name_signal_receiver_and_key<DB: Dialect>(outbox: Outbox<DB>, run: &str) {
    outbox.install().await.unwrap();
    outbox
        .transaction(async |_tx| {
            ORDER_PAID.send(Sender::of::<Shop>(), &order(run, 9, 1));
            Ok::<_, durable::Error>(())
        })
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let worker = outbox.worker(fast("receipts").queue("audit")).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(worker.run(
        move |d: Delivery| {
            let _ = tx.send(d);
            std::future::ready(Ok::<(), String>(()))
        },
        async move {
            let _ = stopped.await;
        },
    ));
    let mut deliveries = Vec::new();
    while deliveries.len() < 2 {
        let d = tokio::time::timeout(LIMIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
        deliveries.push(d);
    }
    let _ = stop.send(());
    task.await.unwrap().unwrap();
    deliveries.sort_by(|a, b| a.queue.cmp(&b.queue));
    let got: Vec<_> = deliveries
        .iter()
        .map(|d| {
            (
                d.queue.as_str(),
                d.topic.as_str(),
                d.receiver.as_str(),
                d.key.as_str(),
            )
        })
        .collect();
    let shop = Sender::of::<Shop>().label();
    assert_eq!(
        got,
        [
            ("audit", "durable_receivers::ORDER_PAID", "audit-log", shop),
            (
                "receipts",
                "durable_receivers::ORDER_PAID",
                "durable_receivers::receipt",
                "9"
            ),
        ]
    );
}

/// Rollback: an error from the body, or a panic in it, sends nothing.
async fn rollback_sends_nothing<DB: Dialect>(outbox: Outbox<DB>, run: &str) {
    outbox.install().await.unwrap();
    let result = outbox
        .transaction(async |_tx| {
            ORDER_PAID.send(Sender::of::<Shop>(), &order(run, 1, 1));
            Err::<(), _>(Failed::OnPurpose)
        })
        .await;
    assert!(matches!(result, Err(Failed::OnPurpose)));
    let panicked = AssertUnwindSafe(outbox.transaction(async |_tx| {
        ORDER_PAID.send(Sender::of::<Shop>(), &order(run, 2, 2));
        panic!("the body panics");
        #[allow(unreachable_code)]
        Ok::<(), durable::Error>(())
    }))
    .catch_unwind()
    .await;
    assert_eq!(panic_text(&*panicked.unwrap_err()), "the body panics");
    assert_eq!(pending(&outbox, "receipts").await, 0);
    assert_eq!(pending(&outbox, "audit").await, 0);
}

/// A savepoint that rolls back drops its events only; one that is
/// released hands them to the transaction.
async fn savepoint_rollback_drops_only_its_rows<DB: Dialect>(outbox: Outbox<DB>, run: &str) {
    outbox.install().await.unwrap();
    outbox
        .transaction(async |tx| {
            ORDER_PAID.send(Sender::of::<Shop>(), &order(run, 1, 1));
            let dropped = durable::savepoint(tx, async |_sp| {
                ORDER_PAID.send(Sender::of::<Shop>(), &order(run, 1, 2));
                Err::<(), _>(Failed::OnPurpose)
            })
            .await;
            assert!(matches!(dropped, Err(Failed::OnPurpose)));
            durable::savepoint(tx, async |_sp| {
                ORDER_PAID.send(Sender::of::<Shop>(), &order(run, 1, 3));
                Ok::<_, Failed>(())
            })
            .await?;
            Ok::<_, Failed>(())
        })
        .await
        .unwrap();
    assert_eq!(pending(&outbox, "receipts").await, 2);
    let worker = serve(&outbox, fast("receipts"));
    wait_for("both receipts", LIMIT, || seen(run, "receipt").len() == 2).await;
    worker.stop().await;
    let seqs: Vec<u32> = seen(run, "receipt").iter().map(|s| s.seq).collect();
    assert_eq!(seqs, [1, 3], "in order, without the rolled-back one");
}

/// A run-time durable receiver that fails: retried with backoff, dead
/// after the configured attempts with its error kept; requeued, it runs
/// again and succeeds.
async fn failing_receiver_dies_and_can_be_requeued<DB: Dialect>(outbox: Outbox<DB>, run: &str) {
    outbox.install().await.unwrap();
    let queue = format!("flaky-{run}");
    let sender = Sender::named(Box::leak(run.to_owned().into_boxed_str()));
    let failing = Arc::new(AtomicBool::new(true));
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let connection = ORDER_PAID
        .durable(queue.clone(), format!("tests::flaky::{run}"))
        .sender(sender)
        .connect({
            let (failing, attempts) = (failing.clone(), attempts.clone());
            move |order: &Order<'_>, delivery: &Delivery| {
                attempts.lock().unwrap().push((order.id, delivery.attempt));
                if failing.load(Ordering::SeqCst) {
                    Err(format!("declined order {}", order.id))
                } else {
                    Ok(())
                }
            }
        })
        .unwrap();
    let info = ORDER_PAID
        .receivers()
        .into_iter()
        .find(|r| r.dispatch_uid.as_deref() == Some(&*format!("tests::flaky::{run}")))
        .unwrap();
    assert_eq!(info.durable.as_deref(), Some(queue.as_str()));

    outbox
        .transaction(async |_tx| {
            ORDER_PAID.send(sender, &order(run, 5, 1));
            Ok::<_, durable::Error>(())
        })
        .await
        .unwrap();
    let worker = serve(&outbox, fast(&queue).max_attempts(3));
    wait_for_async("the event to die", LIMIT, || async {
        outbox.queue_stats(&queue).await.unwrap().dead == 1
    })
    .await;
    assert_eq!(*attempts.lock().unwrap(), [(5, 1), (5, 2), (5, 3)]);
    let dead = outbox.dead(&queue, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 3);
    assert_eq!(dead[0].last_error.as_deref(), Some("declined order 5"));

    failing.store(false, Ordering::SeqCst);
    outbox.requeue(dead[0].id).await.unwrap().unwrap();
    wait_for_async("the requeued event", LIMIT, || async {
        outbox.queue_stats(&queue).await.unwrap() == durable::QueueStats::empty(queue.as_str())
    })
    .await;
    let report = worker.stop().await;
    assert_eq!((report.retried, report.dead, report.delivered), (2, 1, 1));
    assert_eq!(attempts.lock().unwrap().last(), Some(&(5, 1)));
    assert!(connection.disconnect());
}

/// Events this binary has no receiver for, or whose arguments cannot be
/// read back, fail with a message and end dead, never lost.
async fn unknown_receiver_dies_with_a_message<DB: Dialect>(outbox: Outbox<DB>, _run: &str) {
    outbox.install().await.unwrap();
    let topic = "durable_receivers::ORDER_PAID";
    let events = [
        Event::new("orphans", topic, "gone::receiver", "{}").with_key("a"),
        Event::new("orphans", topic, "durable_receivers::receipt", "not json").with_key("b"),
    ];
    let mut tx = outbox.pool().begin().await.unwrap();
    durable::enqueue(&mut tx, &events).await.unwrap();
    tx.commit().await.unwrap();
    let worker = serve(&outbox, fast("orphans").max_attempts(2));
    wait_for_async("both events to die", LIMIT, || async {
        outbox.queue_stats("orphans").await.unwrap().dead == 2
    })
    .await;
    worker.stop().await;
    let errors: HashMap<String, String> = outbox
        .dead("orphans", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.receiver, d.last_error.unwrap()))
        .collect();
    assert!(
        errors["gone::receiver"].starts_with(
            "no durable receiver `gone::receiver` of `durable_receivers::ORDER_PAID` in this worker"
        ),
        "{errors:?}"
    );
    assert!(
        errors["durable_receivers::receipt"]
            .starts_with("the stored arguments cannot be read back"),
        "{errors:?}"
    );
}

/// Which of `tags` (in the order a worker delivered them) committed later
/// than the tag delivered after it: each producer transaction inserted its
/// tag into `marks`.
trait CommitOrder: Dialect {
    async fn create_marks(outbox: &Outbox<Self>);
    fn mark(tx: &mut sqlx_tx::Tx<Self>, tag: &str) -> impl Future<Output = ()> + Send;
    async fn commit_order(outbox: &Outbox<Self>) -> Vec<String>;
}

mod sqlx_tx {
    pub type Tx<DB> = signals::durable::sqlx::Transaction<'static, DB>;
}

#[cfg(feature = "durable-sqlite")]
impl CommitOrder for durable::sqlx::Sqlite {
    async fn create_marks(outbox: &Outbox<Self>) {
        durable::sqlx::query("CREATE TABLE marks (n INTEGER PRIMARY KEY AUTOINCREMENT, tag TEXT)")
            .execute(outbox.pool())
            .await
            .unwrap();
    }

    async fn mark(tx: &mut sqlx_tx::Tx<Self>, tag: &str) {
        durable::sqlx::query("INSERT INTO marks (tag) VALUES (?1)")
            .bind(tag)
            .execute(&mut **tx)
            .await
            .unwrap();
    }

    /// SQLite admits one writing transaction at a time (an outbox
    /// transaction begins with the write lock), so insert order is commit
    /// order.
    async fn commit_order(outbox: &Outbox<Self>) -> Vec<String> {
        durable::sqlx::query_scalar("SELECT tag FROM marks ORDER BY n")
            .fetch_all(outbox.pool())
            .await
            .unwrap()
    }
}

#[cfg(feature = "durable-postgres")]
impl CommitOrder for durable::sqlx::Postgres {
    async fn create_marks(outbox: &Outbox<Self>) {
        durable::sqlx::query("CREATE TABLE marks (tag TEXT)")
            .execute(outbox.pool())
            .await
            .unwrap();
    }

    async fn mark(tx: &mut sqlx_tx::Tx<Self>, tag: &str) {
        durable::sqlx::query("INSERT INTO marks (tag) VALUES ($1)")
            .bind(tag)
            .execute(&mut **tx)
            .await
            .unwrap();
    }

    /// The cluster tracks commit timestamps.
    async fn commit_order(outbox: &Outbox<Self>) -> Vec<String> {
        durable::sqlx::query_scalar("SELECT tag FROM marks ORDER BY pg_xact_commit_timestamp(xmin)")
            .fetch_all(outbox.pool())
            .await
            .unwrap()
    }
}

/// Two producers race on one key, each committing many transactions that
/// send on it: the worker delivers the key's events in commit order.
async fn racing_producers_keep_commit_order<DB: CommitOrder>(outbox: Outbox<DB>, run: &str) {
    const EACH: u32 = 15;
    outbox.install().await.unwrap();
    DB::create_marks(&outbox).await;
    let worker = serve(&outbox, fast("receipts").batch(8));
    let producers = (0..2u32).map(|p| {
        let (outbox, run) = (outbox.clone(), run.to_owned());
        tokio::spawn(async move {
            for n in 0..EACH {
                let seq = p * 1000 + n;
                // Spawned: `begin` rather than `transaction`'s closure.
                let mut tx = outbox.begin().await.unwrap();
                tx.scope()
                    .scope(async {
                        ORDER_PAID.send(Sender::of::<Shop>(), &order(&run, 77, seq));
                        // Hold the transaction open a little, so that the
                        // other producer tries to send meanwhile.
                        tokio::time::sleep(Duration::from_millis(u64::from(n % 3))).await;
                        DB::mark(&mut tx, &seq.to_string()).await;
                    })
                    .await;
                tx.commit().await.unwrap();
            }
        })
    });
    for producer in producers.collect::<Vec<_>>() {
        producer.await.unwrap();
    }
    let total = 2 * EACH as usize;
    wait_for("every receipt", LIMIT, || {
        seen(run, "receipt").len() == total
    })
    .await;
    worker.stop().await;
    let delivered: Vec<String> = seen(run, "receipt")
        .iter()
        .map(|s| s.seq.to_string())
        .collect();
    assert_eq!(delivered, DB::commit_order(&outbox).await);
}

on_both! {
    commit_delivers_typed(flavor = "multi_thread", worker_threads = 2),
    events_name_signal_receiver_and_key(flavor = "current_thread"),
    rollback_sends_nothing(flavor = "multi_thread", worker_threads = 2),
    savepoint_rollback_drops_only_its_rows(flavor = "current_thread"),
    failing_receiver_dies_and_can_be_requeued(flavor = "multi_thread", worker_threads = 2),
    unknown_receiver_dies_with_a_message(flavor = "current_thread"),
    racing_producers_keep_commit_order(flavor = "multi_thread", worker_threads = 2),
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    match (
        payload.downcast_ref::<&str>(),
        payload.downcast_ref::<String>(),
    ) {
        (Some(text), _) => (*text).to_owned(),
        (_, Some(text)) => text.clone(),
        _ => "(not text)".to_owned(),
    }
}

/// Outside an outbox transaction a durable receiver's send fails: `send`
/// panics naming the signal, the receiver, the queue and the fix;
/// `send_robust` reports it as that receiver's error, and the inline
/// receiver still runs. Inside a transaction that writes no outbox events
/// (`models::transaction`) it fails the same way.
#[test]
fn send_outside_an_outbox_transaction_fails() {
    let run = "outside";
    let panic = catch_unwind(AssertUnwindSafe(|| {
        ORDER_PAID.send(Sender::of::<Shop>(), &order(run, 1, 1));
    }))
    .unwrap_err();
    let text = panic_text(&*panic);
    assert!(
        text.starts_with(
            "durable receiver `audit-log` of `durable_receivers::ORDER_PAID` (queue `audit`) \
             was sent outside any transaction"
        ),
        "{text}"
    );
    assert!(text.contains("send inside `Outbox::transaction`"), "{text}");

    let before = INLINE_CALLS
        .lock()
        .unwrap()
        .iter()
        .filter(|r| *r == run)
        .count();
    let responses = ORDER_PAID.send_robust(Sender::of::<Shop>(), &order(run, 1, 2));
    let after = INLINE_CALLS
        .lock()
        .unwrap()
        .iter()
        .filter(|r| *r == run)
        .count();
    assert_eq!(after, before + 1, "the inline receiver ran");
    let mut failed: Vec<(String, bool)> = responses
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| {
            let queue = e.receiver().durable.clone().unwrap_or_default();
            (
                queue.into_owned(),
                e.message().contains("outside any transaction"),
            )
        })
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [("audit".to_owned(), true), ("receipts".to_owned(), true)]
    );

    let scope = TransactionScope::open();
    let panic = catch_unwind(AssertUnwindSafe(|| {
        scope.enter(|| ORDER_PAID.send(Sender::of::<Shop>(), &order(run, 1, 3)));
    }))
    .unwrap_err();
    scope.rolled_back();
    let text = panic_text(&*panic);
    assert!(
        text.contains("inside a transaction that does not write outbox events"),
        "{text}"
    );
}

/// The wiring map shows how each receiver is reached, with the queue.
#[test]
fn wiring_shows_the_queue() {
    let receivers = ORDER_PAID.receivers();
    let queue_of = |name: &str| {
        receivers
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.durable.as_deref().map(str::to_owned))
            .unwrap()
    };
    assert_eq!(queue_of("receipt").as_deref(), Some("receipts"));
    assert_eq!(queue_of("audit").as_deref(), Some("audit"));
    assert_eq!(queue_of("inline"), None);

    let table = signals::wiring().to_string();
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.contains(&format!("durable_receivers::{name} ")))
            .unwrap_or_else(|| panic!("no row for {name} in\n{table}"))
            .to_owned()
    };
    assert!(row("receipt").contains("durable(receipts)"), "{table}");
    assert!(row("audit").contains("durable(audit)"), "{table}");
    assert!(row("inline").contains("inline"), "{table}");
    let dot = signals::wiring().dot();
    assert!(dot.contains("durable(receipts)"), "{dot}");

    let queues = durable::queues();
    assert!(
        queues.contains(&"receipts".to_owned()) && queues.contains(&"audit".to_owned()),
        "{queues:?}"
    );
}

/// Run-time declaration errors: an empty queue or id, an id taken.
#[test]
fn runtime_declaration_errors() {
    let ok = |_: &Order<'_>, _: &Delivery| {};
    assert_eq!(
        ORDER_PAID.durable("", "tests::x").connect(ok).unwrap_err(),
        ConnectError::EmptyQueue
    );
    assert_eq!(
        ORDER_PAID.durable("q", "").connect(ok).unwrap_err(),
        ConnectError::EmptyDispatchUid
    );
    let taken = ORDER_PAID
        .durable("q", "audit-log")
        .connect(ok)
        .unwrap_err();
    assert!(
        matches!(&taken, ConnectError::Duplicate { existing } if existing.name == "audit"),
        "{taken:?}"
    );
}
