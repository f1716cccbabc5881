//! `asend`, `asend_robust` and `send` with async receivers on tokio
//! (DJANGO-RULES A.7 and A.8; DESIGN "Semantics" 6).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use signals::{ConnectOptions, Sender, signal};
use tokio::sync::{Barrier, mpsc, oneshot};

signal! {
    static MIXED: u32 => u32;
    static NEEDS_RUNTIME: u32 => u32;
    static SPAWNED: Vec<u32> => u32;
    static ONLY_ASYNC: u32 => u32;
    static CONCURRENT: u32 => &'static str;
    static CONCURRENT_ROBUST: u32 => &'static str;
    static FROM_BLOCKING: u32 => u32;
    static FROM_PLAIN_THREAD: u32 => &'static str;
    static SEND_INSIDE_RUNTIME: u32 => u32;
}

/// Fails the test instead of hanging it if receivers that must run
/// concurrently were run one after the other. This bounds a deadlock; it
/// measures nothing.
async fn within_deadline<F: std::future::Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), future)
        .await
        .expect("receivers deadlocked: they were not run concurrently")
}

// Rules 24/36: sync receivers first in order, then async ones; responses in
// dispatch order; arguments borrowed across awaits.
#[tokio::test]
async fn asend_on_current_thread_runtime() {
    let _ = MIXED
        .connect_async(|_, n| {
            Box::pin(async move {
                tokio::task::yield_now().await;
                n + 1
            })
        })
        .unwrap();
    let _ = MIXED.connect(|n: &u32| n * 10).unwrap();
    let value = 4;
    assert_eq!(MIXED.asend(Sender::NONE, &value).await, vec![40, 5]);
    let robust = MIXED.asend_robust(Sender::NONE, &value).await;
    assert_eq!(robust, vec![Ok(40), Ok(5)]);
}

// DESIGN "Semantics" 6: `asend` runs inside the caller's task without
// blocking it, so an async receiver can wait for another task of the same
// single-threaded runtime.
#[tokio::test]
async fn asend_lets_other_tasks_of_the_runtime_progress() {
    let (tx, rx) = oneshot::channel::<u32>();
    let rx = Arc::new(Mutex::new(Some(rx)));
    let _ = NEEDS_RUNTIME
        .connect_async(move |_, _| {
            let rx = rx.lock().unwrap().take().expect("sent once");
            Box::pin(async move { rx.await.unwrap() })
        })
        .unwrap();
    let feeder = tokio::spawn(async move { tx.send(99).unwrap() });
    assert_eq!(NEEDS_RUNTIME.asend(Sender::NONE, &0).await, vec![99]);
    feeder.await.unwrap();
}

// DESIGN "Semantics" 6: the `asend` future is `Send`, so it can be spawned on
// a multi-threaded runtime, with borrowed arguments owned by the task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asend_inside_spawned_task_on_multi_thread_runtime() {
    let _ = SPAWNED
        .connect_async(|_, v| {
            Box::pin(async move {
                tokio::task::yield_now().await;
                v.iter().sum()
            })
        })
        .unwrap();
    let _ = SPAWNED.connect(|_, v: &Vec<u32>| v.len() as u32).unwrap();
    let task = tokio::spawn(async {
        let numbers = vec![1, 2, 3];
        SPAWNED.asend(Sender::NONE, &numbers).await
    });
    assert_eq!(task.await.unwrap(), vec![3, 6]);
    let robust = tokio::spawn(async { SPAWNED.asend_robust(Sender::NONE, &vec![5]).await });
    assert_eq!(robust.await.unwrap(), vec![Ok(1), Ok(5)]);
}

// Rule 40 (Django ticket #35174): `asend` and `asend_robust` work when every
// receiver is async.
#[tokio::test]
async fn only_async_receivers() {
    for i in 1..=3 {
        let _ = ONLY_ASYNC
            .connect_async(move |_, n| Box::pin(async move { n * i }))
            .unwrap();
    }
    assert_eq!(ONLY_ASYNC.asend(Sender::NONE, &2).await, vec![2, 4, 6]);
    assert_eq!(
        ONLY_ASYNC.asend_robust(Sender::NONE, &2).await,
        vec![Ok(2), Ok(4), Ok(6)]
    );
}

fn barrier_receiver(
    barrier: &Arc<Barrier>,
    label: &'static str,
) -> impl for<'b> Fn(Sender, &'b u32) -> signals::BoxFuture<'b, &'static str> + use<> {
    let barrier = Arc::clone(barrier);
    move |_, _| {
        let barrier = Arc::clone(&barrier);
        Box::pin(async move {
            barrier.wait().await;
            label
        })
    }
}

// Rule 44 / DESIGN "Semantics" 6: async receivers of one send run
// concurrently. Each waits at a barrier for the other; run one after the
// other, the first would wait forever.
#[tokio::test]
async fn async_receivers_run_concurrently() {
    let barrier = Arc::new(Barrier::new(2));
    let _ = CONCURRENT
        .connect_async(barrier_receiver(&barrier, "left"))
        .unwrap();
    let _ = CONCURRENT
        .connect_async(barrier_receiver(&barrier, "right"))
        .unwrap();
    assert_eq!(
        within_deadline(CONCURRENT.asend(Sender::NONE, &0)).await,
        vec!["left", "right"]
    );
}

// Rule 31: in `asend_robust` async receivers also run concurrently, and one
// that fails after meeting its sibling does not cancel it.
#[tokio::test]
async fn asend_robust_runs_async_receivers_concurrently() {
    let barrier = Arc::new(Barrier::new(2));
    let b = Arc::clone(&barrier);
    let _ = CONCURRENT_ROBUST
        .connect_async_with(ConnectOptions::new().name("fails"), move |_, _| {
            let b = Arc::clone(&b);
            Box::pin(async move {
                b.wait().await;
                panic!("after the barrier")
            })
        })
        .unwrap();
    let _ = CONCURRENT_ROBUST
        .connect_async(barrier_receiver(&barrier, "survivor"))
        .unwrap();
    let responses = within_deadline(CONCURRENT_ROBUST.asend_robust(Sender::NONE, &0)).await;
    assert_eq!(
        responses[0].as_ref().unwrap_err().message(),
        "after the barrier"
    );
    assert_eq!(responses[1], Ok("survivor"));
}

// DESIGN "Semantics" 6: `send` drives async receivers to completion on the
// calling thread, here a blocking thread of the runtime, while the future is
// woken by a task running on the runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_from_blocking_thread_waits_for_runtime_tasks() {
    let (started_tx, mut started_rx) = mpsc::unbounded_channel::<()>();
    let (value_tx, value_rx) = oneshot::channel::<u32>();
    let value_rx = Arc::new(Mutex::new(Some(value_rx)));
    let _ = FROM_BLOCKING
        .connect_async(move |_, _| {
            let rx = value_rx.lock().unwrap().take().expect("sent once");
            let started = started_tx.clone();
            Box::pin(async move {
                started.send(()).unwrap();
                rx.await.unwrap()
            })
        })
        .unwrap();
    let _ = FROM_BLOCKING.connect(|n: &u32| *n).unwrap();
    let sending = tokio::task::spawn_blocking(|| FROM_BLOCKING.send(Sender::NONE, &1));
    // The async receiver is now pending inside `send`.
    within_deadline(started_rx.recv()).await.unwrap();
    value_tx.send(7).unwrap();
    assert_eq!(within_deadline(sending).await.unwrap(), vec![1, 7]);
}

// DESIGN "Semantics" 6: `send` from a plain thread with no runtime at all
// runs async receivers concurrently (they need each other to finish).
#[test]
fn send_from_plain_thread_runs_async_receivers_concurrently() {
    let barrier = Arc::new(Barrier::new(3));
    for label in ["a", "b", "c"] {
        let _ = FROM_PLAIN_THREAD
            .connect_async(barrier_receiver(&barrier, label))
            .unwrap();
    }
    let responses = std::thread::spawn(|| FROM_PLAIN_THREAD.send(Sender::NONE, &0))
        .join()
        .unwrap();
    assert_eq!(responses, vec!["a", "b", "c"]);
}

// Rule 27: Django's `send` raises inside an event loop as soon as an async
// receiver matches. Ours refuses on a current-thread runtime too, even for
// async receivers that would not need it (it cannot know), before any
// receiver runs; on a multi-thread runtime it completes
// (tests/async_safety.rs covers every case).
#[tokio::test]
async fn send_inside_current_thread_runtime_with_async_receivers_refuses() {
    let sync_calls = Arc::new(Mutex::new(0));
    let calls = sync_calls.clone();
    let _ = SEND_INSIDE_RUNTIME
        .connect(move |_, n: &u32| {
            *calls.lock().unwrap() += 1;
            n + 1
        })
        .unwrap();
    let _ = SEND_INSIDE_RUNTIME
        .connect_async(|_, n| Box::pin(async move { n + 2 }))
        .unwrap();
    let refused =
        std::panic::catch_unwind(|| SEND_INSIDE_RUNTIME.send(Sender::NONE, &0)).unwrap_err();
    let message = refused.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("use `SEND_INSIDE_RUNTIME.asend(sender, &args).await`"),
        "{message}"
    );
    assert_eq!(*sync_calls.lock().unwrap(), 0);
    assert_eq!(
        SEND_INSIDE_RUNTIME.asend(Sender::NONE, &0).await,
        vec![1, 2]
    );
}
