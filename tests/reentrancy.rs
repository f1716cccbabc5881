//! Receivers that connect, disconnect and send from inside a send (DESIGN
//! "Snapshot dispatch"): no deadlock; a receiver connected during a send is
//! not called by it; one disconnected during a send still runs in it.
//! Each test checks the exact sequence of calls.

use std::sync::{Arc, Mutex};

use signals::{ConnectOptions, Sender, signal};

signal! {
    static CONNECTS: () => &'static str;
    static SELF_DISCONNECT: () => &'static str;
    static DISCONNECT_OTHER: () => &'static str;
    static RECURSIVE: u32 => u32;
    static OUTER: u32;
    static INNER: u32;
    static INTROSPECT: ();
    static ASYNC_CONNECTS: () => &'static str;
    static ASYNC_RECURSIVE: u32 => u32;
    static ASYNC_DISCONNECTS: () => &'static str;
}

type Log = Arc<Mutex<Vec<String>>>;

fn log() -> Log {
    Arc::new(Mutex::new(Vec::new()))
}

fn push(log: &Log, entry: impl Into<String>) {
    log.lock().unwrap().push(entry.into());
}

fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

#[test]
fn a_receiver_connected_during_a_send_runs_from_the_next_send() {
    let calls = log();
    let seen = Arc::clone(&calls);
    let _ = CONNECTS
        .connect_with(ConnectOptions::new().name("connector"), move || {
            push(&seen, "connector");
            let late = Arc::clone(&seen);
            // Connected once per send, keyed by its connection.
            let _ = CONNECTS
                .connect(move || {
                    push(&late, "late");
                    "late"
                })
                .expect("connecting from inside a receiver works");
            "connector"
        })
        .unwrap();
    assert_eq!(CONNECTS.send(Sender::NONE, &()), ["connector"]);
    assert_eq!(take(&calls), ["connector"]);
    assert_eq!(CONNECTS.send(Sender::NONE, &()), ["connector", "late"]);
    assert_eq!(take(&calls), ["connector", "late"]);
    assert_eq!(CONNECTS.receivers().len(), 3);
}

#[test]
fn a_receiver_that_disconnects_itself_finishes_and_is_gone_next_time() {
    let calls = log();
    let seen = Arc::clone(&calls);
    let _ = SELF_DISCONNECT
        .connect_with(ConnectOptions::new().dispatch_uid("once"), move || {
            let removed = SELF_DISCONNECT.disconnect_uid("once", None);
            push(&seen, format!("once removed={removed:?}"));
            "once"
        })
        .unwrap();
    let seen = Arc::clone(&calls);
    let _ = SELF_DISCONNECT
        .connect(move || {
            push(&seen, "stays");
            "stays"
        })
        .unwrap();
    assert_eq!(SELF_DISCONNECT.send(Sender::NONE, &()), ["once", "stays"]);
    assert_eq!(take(&calls), ["once removed=Ok(true)", "stays"]);
    assert_eq!(SELF_DISCONNECT.send(Sender::NONE, &()), ["stays"]);
    assert_eq!(take(&calls), ["stays"]);
}

#[test]
fn a_receiver_disconnected_by_an_earlier_one_still_runs_in_that_send() {
    let calls = log();
    let seen = Arc::clone(&calls);
    let _ = DISCONNECT_OTHER
        .connect_with(ConnectOptions::new().priority(1), move || {
            let removed = DISCONNECT_OTHER.disconnect_uid("victim", None);
            push(&seen, format!("killer removed={removed:?}"));
            "killer"
        })
        .unwrap();
    let seen = Arc::clone(&calls);
    let _ = DISCONNECT_OTHER
        .connect_with(ConnectOptions::new().dispatch_uid("victim"), move || {
            push(&seen, "victim");
            "victim"
        })
        .unwrap();
    assert_eq!(
        DISCONNECT_OTHER.send(Sender::NONE, &()),
        ["killer", "victim"],
        "the snapshot still holds the victim"
    );
    assert_eq!(take(&calls), ["killer removed=Ok(true)", "victim"]);
    assert_eq!(DISCONNECT_OTHER.send(Sender::NONE, &()), ["killer"]);
    assert_eq!(take(&calls), ["killer removed=Ok(false)"]);
}

#[test]
fn a_receiver_sends_the_same_signal_recursively() {
    const MAX_DEPTH: u32 = 3;
    let calls = log();
    let seen = Arc::clone(&calls);
    let _ = RECURSIVE
        .connect_with(
            ConnectOptions::new().priority(1),
            move |sender, depth: &u32| {
                push(&seen, format!("enter {depth}"));
                if *depth < MAX_DEPTH {
                    let inner = RECURSIVE.send(sender, &(depth + 1));
                    push(&seen, format!("inner {depth} -> {inner:?}"));
                }
                *depth
            },
        )
        .unwrap();
    let seen = Arc::clone(&calls);
    let _ = RECURSIVE
        .connect(move |_, depth: &u32| {
            push(&seen, format!("tail {depth}"));
            depth * 10
        })
        .unwrap();
    assert_eq!(RECURSIVE.send(Sender::NONE, &0), [0, 0]);
    assert_eq!(
        take(&calls),
        [
            "enter 0",
            "enter 1",
            "enter 2",
            "enter 3",
            "tail 3",
            "inner 2 -> [3, 30]",
            "tail 2",
            "inner 1 -> [2, 20]",
            "tail 1",
            "inner 0 -> [1, 10]",
            "tail 0",
        ]
    );
}

#[test]
fn a_receiver_sends_another_signal() {
    let calls = log();
    let seen = Arc::clone(&calls);
    let _ = OUTER
        .connect(move |sender, n: &u32| {
            push(&seen, format!("outer {n}"));
            INNER.send(sender, &(n + 1));
            push(&seen, format!("outer {n} done"));
        })
        .unwrap();
    let seen = Arc::clone(&calls);
    let _ = INNER
        .connect(move |_, n: &u32| {
            push(&seen, format!("inner {n}"));
            // And back again, bounded.
            if *n < 3 {
                OUTER.send(Sender::NONE, &(n + 1));
            }
        })
        .unwrap();
    OUTER.send(Sender::NONE, &0);
    assert_eq!(
        take(&calls),
        [
            "outer 0",
            "inner 1",
            "outer 2",
            "inner 3",
            "outer 2 done",
            "outer 0 done"
        ]
    );
}

#[test]
fn introspection_from_inside_a_receiver_does_not_deadlock() {
    let calls = log();
    let seen = Arc::clone(&calls);
    let _ = INTROSPECT
        .connect_with(ConnectOptions::new().name("inspector"), move || {
            let names: Vec<_> = INTROSPECT.receivers().into_iter().map(|r| r.name).collect();
            push(
                &seen,
                format!(
                    "{names:?} {} {}",
                    INTROSPECT.has_listeners(Sender::NONE),
                    INTROSPECT.duplicates().len()
                ),
            );
        })
        .unwrap();
    INTROSPECT.send(Sender::NONE, &());
    assert_eq!(take(&calls), [r#"["inspector"] true 0"#]);
}

#[test]
fn async_receivers_connect_during_a_send() {
    let calls = log();
    let seen = Arc::clone(&calls);
    let _ = ASYNC_CONNECTS
        .connect_async(move |_, _| {
            let seen = Arc::clone(&seen);
            Box::pin(async move {
                push(&seen, "async connector");
                let late = Arc::clone(&seen);
                let _ = ASYNC_CONNECTS
                    .connect(move || {
                        push(&late, "late sync");
                        "late sync"
                    })
                    .expect("connect from an async receiver");
                "async connector"
            })
        })
        .unwrap();
    let first = futures::executor::block_on(ASYNC_CONNECTS.asend(Sender::NONE, &()));
    assert_eq!(first, ["async connector"]);
    assert_eq!(take(&calls), ["async connector"]);
    // Sync receivers run first, then async ones.
    let second = futures::executor::block_on(ASYNC_CONNECTS.asend(Sender::NONE, &()));
    assert_eq!(second, ["late sync", "async connector"]);
    assert_eq!(take(&calls), ["late sync", "async connector"]);
}

#[test]
fn async_receivers_send_the_same_signal_recursively() {
    const MAX_DEPTH: u32 = 2;
    let calls = log();
    let seen = Arc::clone(&calls);
    let _ = ASYNC_RECURSIVE
        .connect_async(move |sender, depth: &u32| {
            let seen = Arc::clone(&seen);
            let depth = *depth;
            Box::pin(async move {
                push(&seen, format!("async enter {depth}"));
                if depth < MAX_DEPTH {
                    // One level with `asend`, the next with blocking `send`.
                    let inner = if depth.is_multiple_of(2) {
                        ASYNC_RECURSIVE.asend(sender, &(depth + 1)).await
                    } else {
                        ASYNC_RECURSIVE.send(sender, &(depth + 1))
                    };
                    push(&seen, format!("async inner {depth} -> {inner:?}"));
                }
                depth
            })
        })
        .unwrap();
    let seen = Arc::clone(&calls);
    let _ = ASYNC_RECURSIVE
        .connect(move |_, depth: &u32| {
            push(&seen, format!("sync {depth}"));
            100 + depth
        })
        .unwrap();
    let responses = futures::executor::block_on(ASYNC_RECURSIVE.asend(Sender::NONE, &0));
    assert_eq!(responses, [100, 0]);
    assert_eq!(
        take(&calls),
        [
            "sync 0",
            "async enter 0",
            "sync 1",
            "async enter 1",
            "sync 2",
            "async enter 2",
            "async inner 1 -> [102, 2]",
            "async inner 0 -> [101, 1]",
        ]
    );
}

#[test]
fn an_async_receiver_disconnects_itself_and_a_sibling() {
    let calls = log();
    let seen = Arc::clone(&calls);
    let _ = ASYNC_DISCONNECTS
        .connect_async_with(ConnectOptions::new().dispatch_uid("first"), move |_, _| {
            let seen = Arc::clone(&seen);
            Box::pin(async move {
                let me = ASYNC_DISCONNECTS.disconnect_uid("first", None);
                let sibling = ASYNC_DISCONNECTS.disconnect_uid("second", None);
                push(&seen, format!("first {me:?} {sibling:?}"));
                "first"
            })
        })
        .unwrap();
    let seen = Arc::clone(&calls);
    let _ = ASYNC_DISCONNECTS
        .connect_async_with(ConnectOptions::new().dispatch_uid("second"), move |_, _| {
            let seen = Arc::clone(&seen);
            Box::pin(async move {
                push(&seen, "second");
                "second"
            })
        })
        .unwrap();
    let responses = futures::executor::block_on(ASYNC_DISCONNECTS.asend(Sender::NONE, &()));
    assert_eq!(responses, ["first", "second"]);
    assert_eq!(take(&calls), ["first Ok(true) Ok(true)", "second"]);
    assert!(ASYNC_DISCONNECTS.send(Sender::NONE, &()).is_empty());
    assert!(!ASYNC_DISCONNECTS.has_listeners(Sender::NONE));
}
