//! `asend`, `asend_robust` and `send` with async receivers on the `futures`
//! executors, a second runtime besides tokio (DJANGO-RULES A.7 and A.8;
//! DESIGN "Semantics" 6: no particular runtime needed).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use futures::channel::oneshot;
use futures::executor::{LocalPool, block_on};
use futures::task::LocalSpawnExt;
use signals::{BoxFuture, ConnectOptions, Sender, signal};

signal! {
    static MIXED: u32 => u32;
    static ONLY_ASYNC: u32 => u32;
    static ONLY_ASYNC_ROBUST: u32 => u32;
    static CONCURRENT: u32 => &'static str;
    static CONCURRENT_SEND: u32 => &'static str;
    static LOCAL_POOL: u32 => u32;
    static OTHER_THREAD_WAKES: u32 => u32;
    static ROBUST_SIBLINGS: u32 => &'static str;
    static BORROWED_ACROSS_AWAIT: String => usize;
    static DROPPED_ASEND: u32 => u32;
}

/// A receiver that can be called once and gets its channel ends from a slot.
type Slot<T> = Arc<Mutex<Option<T>>>;

fn slot<T>(value: T) -> Slot<T> {
    Arc::new(Mutex::new(Some(value)))
}

/// An async receiver, callable once, that sends on `tx` then waits on `rx`.
fn rendezvous_receiver(
    label: &'static str,
    tx: oneshot::Sender<()>,
    rx: oneshot::Receiver<()>,
) -> impl for<'b> Fn(Sender, &'b u32) -> BoxFuture<'b, &'static str> {
    let ends = slot((tx, rx));
    move |_, _| {
        let (tx, rx) = ends.lock().unwrap().take().expect("called once");
        Box::pin(async move {
            tx.send(()).unwrap();
            rx.await.expect("the other receiver ran and sent");
            label
        })
    }
}

/// Two async receivers that each hand a message to the other and wait for
/// the other's message: they can only finish when run concurrently.
fn rendezvous_pair() -> [impl for<'b> Fn(Sender, &'b u32) -> BoxFuture<'b, &'static str>; 2] {
    let (to_right, from_left) = oneshot::channel::<()>();
    let (to_left, from_right) = oneshot::channel::<()>();
    [
        rendezvous_receiver("left", to_right, from_right),
        rendezvous_receiver("right", to_left, from_left),
    ]
}

// Rules 24/36: sync receivers first in order, then async ones, responses
// in dispatch order, with `futures::executor::block_on`.
#[test]
fn asend_on_futures_block_on() {
    let _ = MIXED
        .connect_async(|_, n| Box::pin(async move { n + 1 }))
        .unwrap();
    let _ = MIXED.connect(|n: &u32| n * 10).unwrap();
    assert_eq!(block_on(MIXED.asend(Sender::NONE, &3)), vec![30, 4]);
    assert_eq!(
        block_on(MIXED.asend_robust(Sender::NONE, &3)),
        vec![Ok(30), Ok(4)]
    );
}

// Rule 40 (Django ticket #35174): only async receivers, `asend`.
#[test]
fn asend_with_only_async_receivers() {
    let _ = ONLY_ASYNC
        .connect_async(|_, n| Box::pin(async move { *n }))
        .unwrap();
    let _ = ONLY_ASYNC
        .connect_async(|_, n| Box::pin(async move { n + 1 }))
        .unwrap();
    assert_eq!(block_on(ONLY_ASYNC.asend(Sender::NONE, &1)), vec![1, 2]);
    assert_eq!(ONLY_ASYNC.send(Sender::NONE, &1), vec![1, 2]);
}

// Rule 40: only async receivers, `asend_robust`.
#[test]
fn asend_robust_with_only_async_receivers() {
    let _ = ONLY_ASYNC_ROBUST
        .connect_async(|_, n| Box::pin(async move { *n }))
        .unwrap();
    assert_eq!(
        block_on(ONLY_ASYNC_ROBUST.asend_robust(Sender::NONE, &5)),
        vec![Ok(5)]
    );
    assert_eq!(ONLY_ASYNC_ROBUST.send_robust(Sender::NONE, &5), vec![Ok(5)]);
}

// Rule 44 / DESIGN "Semantics" 6: async receivers of one `asend` run
// concurrently in the caller's task. Each needs the other's message; run
// one after the other, the first would wait forever on its channel, and
// `block_on` would never return.
#[test]
fn async_receivers_run_concurrently_in_asend() {
    for receiver in rendezvous_pair() {
        let _ = CONCURRENT.connect_async(receiver).unwrap();
    }
    assert_eq!(
        block_on(CONCURRENT.asend(Sender::NONE, &0)),
        vec!["left", "right"]
    );
}

// DESIGN "Semantics" 6: `send` from a plain thread also runs them
// concurrently, on its own small executor.
#[test]
fn async_receivers_run_concurrently_in_send() {
    for receiver in rendezvous_pair() {
        let _ = CONCURRENT_SEND.connect_async(receiver).unwrap();
    }
    assert_eq!(
        CONCURRENT_SEND.send(Sender::NONE, &0),
        vec!["left", "right"]
    );
}

// DESIGN "Semantics" 6: on a single-threaded `LocalPool`, `asend` yields
// while its receiver waits, so another task of the same pool can feed it.
#[test]
fn asend_cooperates_with_other_tasks_on_a_local_pool() {
    let (tx, rx) = oneshot::channel::<u32>();
    let rx = slot(rx);
    let _ = LOCAL_POOL
        .connect_async(move |_, n| {
            let rx = rx.lock().unwrap().take().expect("called once");
            Box::pin(async move { n + rx.await.unwrap() })
        })
        .unwrap();
    let mut pool = LocalPool::new();
    let result = Arc::new(Mutex::new(None));
    let out = Arc::clone(&result);
    pool.spawner()
        .spawn_local(async move {
            *out.lock().unwrap() = Some(LOCAL_POOL.asend(Sender::NONE, &1).await);
        })
        .unwrap();
    pool.spawner()
        .spawn_local(async move { tx.send(41).unwrap() })
        .unwrap();
    pool.run();
    assert_eq!(result.lock().unwrap().take(), Some(vec![42]));
}

// DESIGN "Semantics" 6: `send` parks the calling thread while an async
// receiver waits and resumes when another thread wakes it.
#[test]
fn send_is_woken_by_another_thread() {
    let (tx, rx) = oneshot::channel::<u32>();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let ends = slot((rx, started_tx));
    let _ = OTHER_THREAD_WAKES
        .connect_async(move |_, _| {
            let (rx, started) = ends.lock().unwrap().take().expect("called once");
            Box::pin(async move {
                started.send(()).unwrap();
                rx.await.unwrap()
            })
        })
        .unwrap();
    let sending = std::thread::spawn(|| OTHER_THREAD_WAKES.send(Sender::NONE, &0));
    started_rx.recv().unwrap();
    tx.send(5).unwrap();
    assert_eq!(sending.join().unwrap(), vec![5]);
}

// Rule 31: a failing async receiver does not cancel a concurrent sibling
// that is still waiting for it.
#[test]
fn asend_robust_failure_does_not_cancel_siblings() {
    let (tx, rx) = oneshot::channel::<()>();
    let tx = slot(tx);
    let rx = slot(rx);
    let _ = ROBUST_SIBLINGS
        .connect_async_with(ConnectOptions::new().name("failing"), move |_, _| {
            let tx = tx.lock().unwrap().take().expect("called once");
            Box::pin(async move {
                tx.send(()).unwrap();
                panic!("failed after signalling")
            })
        })
        .unwrap();
    let _ = ROBUST_SIBLINGS
        .connect_async(move |_, _| {
            let rx = rx.lock().unwrap().take().expect("called once");
            Box::pin(async move {
                rx.await.unwrap();
                "waited"
            })
        })
        .unwrap();
    let responses = block_on(ROBUST_SIBLINGS.asend_robust(Sender::NONE, &0));
    let err = responses[0].as_ref().unwrap_err();
    assert_eq!(err.receiver().name, "failing");
    assert_eq!(err.message(), "failed after signalling");
    assert_eq!(responses[1], Ok("waited"));
}

// DESIGN "What a user writes": async receivers may hold the borrowed
// arguments across awaits; nothing is cloned.
#[test]
fn async_receivers_borrow_arguments_across_awaits() {
    let _ = BORROWED_ACROSS_AWAIT
        .connect_async(|_, text: &String| {
            Box::pin(async move {
                futures::future::ready(()).await;
                text.len()
            })
        })
        .unwrap();
    let text = String::from("borrowed");
    assert_eq!(
        block_on(BORROWED_ACROSS_AWAIT.asend(Sender::NONE, &text)),
        vec![8]
    );
}

/// Records in its flag that it was dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

// Rule 26 (a cancelled task group drops its pending receivers): dropping an
// `asend` future drops the async receivers still pending, and the signal
// stays usable.
#[test]
fn dropping_asend_drops_pending_receivers() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&dropped);
    let _ = DROPPED_ASEND
        .connect_async(move |_, n| {
            let guard = DropFlag(Arc::clone(&flag));
            let wait = *n == 0;
            Box::pin(async move {
                let _guard = guard;
                if wait {
                    futures::future::pending::<()>().await;
                }
                *n
            })
        })
        .unwrap();
    // Poll once: the receiver is pending, then the send is dropped.
    assert!(
        DROPPED_ASEND
            .asend(Sender::NONE, &0)
            .now_or_never()
            .is_none()
    );
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(block_on(DROPPED_ASEND.asend(Sender::NONE, &3)), vec![3]);
}
