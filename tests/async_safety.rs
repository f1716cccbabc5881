//! `send` and `send_robust` with async receivers inside async runtimes
//! (issue 9, cases 2a–2d; DJANGO-RULES rule 27; DESIGN 8): on a
//! multi-thread tokio runtime they complete while the runtime keeps going;
//! on a current-thread runtime they refuse at once, before any receiver
//! runs, with a message naming the signal, its async receivers and the fix;
//! with no runtime they drive the receivers on the calling thread, nested
//! sends included. Every test runs under a watchdog, so a regression that
//! hangs fails in seconds.

#[path = "support/runtimes.rs"]
mod runtimes;
#[path = "support/watchdog.rs"]
mod watchdog;

use std::panic::catch_unwind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use runtimes::{current_thread, guard, multi_thread, panic_message};
use signals::{
    ConnectOptions, FailureKind, ScopedConnection, Sender, Signal, SignalDef, receiver, signal,
};
use tokio::sync::oneshot;

signal! {
    static TIMER_CT: u32 => u32;
    static TIMER_MT: u32 => u32;
    static ONE_WORKER: u32 => u32;
    static FED_CT: u32 => u32;
    static FED_MT: u32 => u32;
    static OUTER: u32 => u32;
    static INNER: u32 => u32;
    static FROM_BLOCKING_MT: u32 => u32;
    static FROM_BLOCKING_CT: u32 => u32;
    static ROBUST_CT: u32 => u32;
    static NESTED_PLAIN: u32 => u32;
    static NESTED_PLAIN_INNER: u32 => u32;
}

/// Calls of the sync receivers, per signal, to show what a refused send
/// did not run.
static TIMER_CT_SYNC_CALLS: AtomicUsize = AtomicUsize::new(0);

/// Awaits a timer of the runtime that polls it: only a runtime that keeps
/// running can complete it.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(2)).await;
}

#[receiver(TIMER_CT)]
fn counts_ct(n: &u32) -> u32 {
    TIMER_CT_SYNC_CALLS.fetch_add(1, Ordering::SeqCst);
    n + 1
}

#[receiver(TIMER_CT)]
async fn sleeps_ct(n: &u32) -> u32 {
    tick().await;
    n * 10
}

#[receiver(TIMER_MT)]
fn plus_one_mt(n: &u32) -> u32 {
    n + 1
}

#[receiver(TIMER_MT)]
async fn sleeps_mt(n: &u32) -> u32 {
    tick().await;
    n * 10
}

#[receiver(ONE_WORKER)]
async fn sleeps_one_worker(n: &u32) -> u32 {
    tick().await;
    n * 10
}

// Case 2a on a current-thread runtime: the receiver needs the runtime's
// timer, and the only thread that could fire it is the one `send` would
// block. Django raises `RuntimeError` here; `send` panics at once, before
// any receiver runs, and says what to call instead.
#[test]
fn send_on_a_current_thread_runtime_refuses_before_any_receiver_runs() {
    let _watchdog = guard("send_on_a_current_thread_runtime_refuses_before_any_receiver_runs");
    current_thread().block_on(async {
        let refused = catch_unwind(|| TIMER_CT.send(Sender::NONE, &1)).unwrap_err();
        let message = panic_message(&*refused);
        for part in [
            "`async_safety::TIMER_CT.send()` cannot wait for async receivers on this thread",
            "current-thread tokio runtime",
            "use `TIMER_CT.asend(sender, &args).await`",
            "async receivers: async_safety::sleeps_ct (tests/async_safety.rs:",
        ] {
            assert!(message.contains(part), "`{part}` missing from: {message}");
        }
        assert_eq!(
            TIMER_CT_SYNC_CALLS.load(Ordering::SeqCst),
            0,
            "no partial effects"
        );
        // The fix it names works on the same runtime.
        assert_eq!(TIMER_CT.asend(Sender::NONE, &1).await, vec![2, 10]);
        assert_eq!(TIMER_CT_SYNC_CALLS.load(Ordering::SeqCst), 1);
    });
}

// Case 2a on a multi-thread runtime: from a worker (inside a spawned task)
// and from `Runtime::block_on`, `send` waits in `block_in_place` while the
// other worker fires the timer.
#[test]
fn send_on_a_multi_thread_runtime_completes_from_a_task_and_from_block_on() {
    let _watchdog = guard("send_on_a_multi_thread_runtime_completes_from_a_task_and_from_block_on");
    let runtime = multi_thread(2);
    let from_task = runtime
        .block_on(runtime.spawn(async { TIMER_MT.send(Sender::NONE, &3) }))
        .unwrap();
    assert_eq!(from_task, vec![4, 30]);
    let from_block_on = runtime.block_on(async { TIMER_MT.send(Sender::NONE, &4) });
    assert_eq!(from_block_on, vec![5, 40]);
}

// Case 2b: a spawned task on a 1-worker multi-thread runtime. The worker's
// other work moves to a new thread while `send` waits on this one.
#[test]
fn send_in_a_task_of_a_one_worker_runtime_completes() {
    let _watchdog = guard("send_in_a_task_of_a_one_worker_runtime_completes");
    let runtime = multi_thread(1);
    let responses = runtime
        .block_on(runtime.spawn(async {
            // Other tasks of the runtime keep running meanwhile.
            let ticker = tokio::spawn(async {
                for _ in 0..3 {
                    tick().await;
                }
            });
            let responses = ONE_WORKER.send(Sender::NONE, &5);
            ticker.await.unwrap();
            responses
        }))
        .unwrap();
    assert_eq!(responses, vec![50]);
}

/// Connects to `signal` an async receiver that answers with what another
/// task sends it, and returns that task's end of the channel.
fn fed_receiver<D: SignalDef<Response = u32>>(
    signal: &'static Signal<D>,
) -> (oneshot::Sender<u32>, ScopedConnection<'static, D>) {
    let (tx, rx) = oneshot::channel::<u32>();
    let rx = Arc::new(Mutex::new(Some(rx)));
    let connection = signal
        .connect_async_with(
            ConnectOptions::new().name("awaits_another_task"),
            move |_, _| {
                let rx = rx.lock().unwrap().take().expect("called once");
                Box::pin(async move { rx.await.expect("fed") })
            },
        )
        .unwrap()
        .scoped();
    (tx, connection)
}

// Case 2c on a current-thread runtime: the receiver awaits a value another
// task of the same runtime sends. Blocking would starve that task forever;
// `send` refuses at once instead, and the feeding task still runs.
#[test]
fn send_waiting_for_another_task_of_a_current_thread_runtime_refuses() {
    let _watchdog = guard("send_waiting_for_another_task_of_a_current_thread_runtime_refuses");
    let (tx, _connection) = fed_receiver(&FED_CT);
    current_thread().block_on(async {
        let feeder = tokio::spawn(async move { tx.send(7) });
        let refused = catch_unwind(|| FED_CT.send(Sender::NONE, &0)).unwrap_err();
        let message = panic_message(&*refused);
        assert!(
            message.contains("async_safety::FED_CT.send()")
                && message.contains("awaits_another_task (tests/async_safety.rs:"),
            "{message}"
        );
        // The receiver was never called: its channel is still open, and the
        // feeding task runs once this task yields.
        assert_eq!(feeder.await.unwrap(), Ok(()));
    });
}

// Case 2c on a multi-thread runtime: the value comes from another task,
// which the runtime runs while `send` waits.
#[test]
fn send_waiting_for_another_task_of_a_multi_thread_runtime_completes() {
    let _watchdog = guard("send_waiting_for_another_task_of_a_multi_thread_runtime_completes");
    let (tx, _connection) = fed_receiver(&FED_MT);
    let runtime = multi_thread(2);
    let responses = runtime
        .block_on(runtime.spawn(async move {
            let feeder = tokio::spawn(async move {
                tick().await;
                tx.send(8).unwrap();
            });
            let responses = FED_MT.send(Sender::NONE, &0);
            feeder.await.unwrap();
            responses
        }))
        .unwrap();
    assert_eq!(responses, vec![8]);
}

#[receiver(INNER)]
async fn inner_sleeps(n: &u32) -> u32 {
    tick().await;
    n + 100
}

#[receiver(OUTER)]
async fn outer_sends_inner(n: &u32) -> u32 {
    // A blocking send from inside an async receiver (case 2d).
    let inner = INNER.send(Sender::NONE, n);
    tick().await;
    inner[0] + 1
}

// Case 2d on a current-thread runtime: `send` inside an async receiver
// whose inner receivers are async. The inner `send` refuses, naming the
// inner signal; the panic ends the task that awaited the outer `asend`, as
// any receiver's panic does.
#[test]
fn nested_send_in_an_async_receiver_on_a_current_thread_runtime_refuses() {
    let _watchdog = guard("nested_send_in_an_async_receiver_on_a_current_thread_runtime_refuses");
    current_thread().block_on(async {
        let task = tokio::spawn(async { OUTER.asend(Sender::NONE, &1).await });
        let payload = task.await.unwrap_err().into_panic();
        let message = panic_message(&*payload);
        assert!(
            message.contains("`async_safety::INNER.send()` cannot wait")
                && message.contains("async_safety::inner_sleeps (tests/async_safety.rs:"),
            "{message}"
        );
    });
}

// Case 2d on a multi-thread runtime: the inner `send` waits in
// `block_in_place`, whether the outer send is `asend` in a task or a
// blocking `send` itself (nested `block_in_place`).
#[test]
fn nested_send_in_an_async_receiver_on_a_multi_thread_runtime_completes() {
    let _watchdog = guard("nested_send_in_an_async_receiver_on_a_multi_thread_runtime_completes");
    let runtime = multi_thread(2);
    let awaited = runtime
        .block_on(runtime.spawn(async { OUTER.asend(Sender::NONE, &1).await }))
        .unwrap();
    assert_eq!(awaited, vec![102]);
    let blocking = runtime
        .block_on(runtime.spawn(async { OUTER.send(Sender::NONE, &2) }))
        .unwrap();
    assert_eq!(blocking, vec![103]);
}

#[receiver(FROM_BLOCKING_MT)]
async fn sleeps_blocking_mt(n: &u32) -> u32 {
    tick().await;
    n * 2
}

#[receiver(FROM_BLOCKING_CT)]
async fn sleeps_blocking_ct(n: &u32) -> u32 {
    tick().await;
    n * 3
}

// From a `spawn_blocking` thread of a multi-thread runtime, `send` waits
// while the runtime's workers fire the timer.
#[test]
fn send_from_spawn_blocking_on_a_multi_thread_runtime_completes() {
    let _watchdog = guard("send_from_spawn_blocking_on_a_multi_thread_runtime_completes");
    let runtime = multi_thread(2);
    let responses = runtime
        .block_on(runtime.spawn_blocking(|| FROM_BLOCKING_MT.send(Sender::NONE, &21)))
        .unwrap();
    assert_eq!(responses, vec![42]);
}

// tokio does not tell a current-thread runtime's `spawn_blocking` thread
// from the runtime's own thread, so `send` refuses there too (documented);
// `Handle::block_on(SIGNAL.asend(..))`, the documented way, completes.
#[test]
fn send_from_spawn_blocking_on_a_current_thread_runtime_refuses_and_handle_block_on_works() {
    let _watchdog = guard(
        "send_from_spawn_blocking_on_a_current_thread_runtime_refuses_and_handle_block_on_works",
    );
    let runtime = current_thread();
    let (refused, awaited) = runtime
        .block_on(runtime.spawn_blocking(|| {
            let refused = catch_unwind(|| FROM_BLOCKING_CT.send(Sender::NONE, &1))
                .map_err(|payload| panic_message(&*payload));
            let handle = tokio::runtime::Handle::current();
            let awaited = handle.block_on(FROM_BLOCKING_CT.asend(Sender::NONE, &2));
            (refused, awaited)
        }))
        .unwrap();
    let message = refused.unwrap_err();
    assert!(
        message.contains("Handle::block_on(FROM_BLOCKING_CT.asend(..))"),
        "{message}"
    );
    assert_eq!(awaited, vec![6]);
}

#[receiver(ROBUST_CT)]
fn robust_sync(n: &u32) -> u32 {
    n + 1
}

#[receiver(ROBUST_CT)]
async fn robust_async(n: &u32) -> u32 {
    tick().await;
    n + 2
}

// `send_robust` does not panic where `send` would: its sync receivers run
// as usual, and each async receiver gets an error of kind `WouldBlock`
// naming the fix. On a multi-thread runtime every receiver runs.
#[test]
fn send_robust_reports_unwaitable_async_receivers_per_receiver() {
    let _watchdog = guard("send_robust_reports_unwaitable_async_receivers_per_receiver");
    let refused = current_thread().block_on(async { ROBUST_CT.send_robust(Sender::NONE, &1) });
    assert_eq!(refused.len(), 2);
    assert_eq!(refused[0], Ok(2));
    let error = refused[1].as_ref().unwrap_err();
    assert_eq!(error.kind(), FailureKind::WouldBlock);
    assert_eq!(error.receiver().name, "robust_async");
    assert!(
        error
            .message()
            .contains("use `ROBUST_CT.asend_robust(sender, &args).await`"),
        "{}",
        error.message()
    );
    assert!(
        error
            .to_string()
            .starts_with("receiver async_safety::robust_async (tests/async_safety.rs:"),
        "{error}"
    );
    assert!(error.to_string().contains(") was not run: "), "{error}");
    let runtime = multi_thread(2);
    let completed = runtime
        .block_on(runtime.spawn(async { ROBUST_CT.send_robust(Sender::NONE, &1) }))
        .unwrap();
    assert_eq!(completed, vec![Ok(2), Ok(3)]);
}

/// Delivers one value after being told to: a future woken from another
/// thread, as a channel fed by a runtime elsewhere would be.
fn later() -> (oneshot::Receiver<u32>, oneshot::Sender<u32>) {
    let (tx, rx) = oneshot::channel();
    (rx, tx)
}

type Feeds = Arc<Mutex<Vec<(&'static str, oneshot::Sender<u32>)>>>;

// With no runtime, a blocking `send` inside an async receiver driven by a
// blocking `send` nests the built-in executor on one thread. A wake-up for
// the outer join arriving while the inner one is parked must not be lost
// (each `block_on` has its own flag): the outer receiver `waits` is woken
// by another thread while `nests` is inside the inner `send`.
#[test]
fn nested_blocking_sends_without_a_runtime_keep_every_wake_up() {
    let _watchdog = guard("nested_blocking_sends_without_a_runtime_keep_every_wake_up");
    let feeds = Feeds::default();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let f = feeds.clone();
    let _waits = NESTED_PLAIN
        .connect_async_with(ConnectOptions::new().name("waits"), move |_, _| {
            let (rx, tx) = later();
            f.lock().unwrap().push(("outer", tx));
            Box::pin(async move { rx.await.unwrap() })
        })
        .unwrap()
        .scoped();
    let _nests = NESTED_PLAIN
        .connect_async_with(ConnectOptions::new().name("nests"), |_, n: &u32| {
            let inner = NESTED_PLAIN_INNER.send(Sender::NONE, n);
            Box::pin(async move { inner[0] })
        })
        .unwrap()
        .scoped();
    let f = feeds.clone();
    let _inner = NESTED_PLAIN_INNER
        .connect_async(move |_, _| {
            let (rx, tx) = later();
            f.lock().unwrap().push(("inner", tx));
            started_tx.send(()).unwrap();
            Box::pin(async move { rx.await.unwrap() + 10 })
        })
        .unwrap()
        .scoped();
    // Another thread answers the outer receiver first, while the inner send
    // is parked, then the inner one.
    let feeder = std::thread::spawn(move || {
        started_rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        for wanted in ["outer", "inner"] {
            let (name, tx) = {
                let mut feeds = feeds.lock().unwrap();
                let at = feeds.iter().position(|(name, _)| *name == wanted).unwrap();
                feeds.remove(at)
            };
            tx.send(if name == "outer" { 1 } else { 2 }).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let responses = std::thread::spawn(|| NESTED_PLAIN.send(Sender::NONE, &0))
        .join()
        .unwrap();
    feeder.join().unwrap();
    assert_eq!(responses, vec![1, 12]);
}
