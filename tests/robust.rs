//! Failures: `send` propagates a receiver's panic, `send_robust` and
//! `asend_robust` report it per receiver (DJANGO-RULES rules 26, 30, 31, 38,
//! 39; DESIGN "Semantics" 5).

use std::panic::{AssertUnwindSafe, catch_unwind, panic_any};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::executor::block_on;
use signals::{ConnectOptions, Origin, Sender, receiver, signal};

signal! {
    static SEND_PANICS: u32 => &'static str;
    static SEND_PANIC_SKIPS_ASYNC: u32 => &'static str;
    static ASYNC_PANIC_IN_SEND: u32 => &'static str;
    static ROBUST: u32 => &'static str;
    static ROBUST_PAYLOADS: u32 => u32;
    static ROBUST_STATIC: u32 => u32;
    static ROBUST_ASYNC: u32 => &'static str;
    static ROBUST_ASYNC_START: u32 => &'static str;
    static ASEND_SYNC_PANIC: u32 => &'static str;
    static ASEND_ASYNC_PANIC: u32 => &'static str;
    static ASEND_ROBUST: u32 => u32;
    static ASYNC_PANIC_CANCELS: u32;
}

type Log = Arc<Mutex<Vec<&'static str>>>;

fn logged(log: &Log, label: &'static str) -> impl Fn(Sender, &u32) -> &'static str + use<> {
    let log = Arc::clone(log);
    move |_, _| {
        log.lock().unwrap().push(label);
        label
    }
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

// Rule 26 / DESIGN "Semantics" 5: `send` propagates a receiver's panic
// after the receivers before it ran; later ones are not called. The signal
// stays usable: it sends, connects and disconnects afterwards.
#[test]
fn send_propagates_panics_and_stays_usable() {
    let log = Log::default();
    let _ = SEND_PANICS.connect(logged(&log, "before")).unwrap();
    let boom = SEND_PANICS
        .connect(|n: &u32| {
            if *n == 1 {
                panic!("oven on fire")
            } else {
                "boom"
            }
        })
        .unwrap();
    let _ = SEND_PANICS.connect(logged(&log, "after")).unwrap();
    let payload = catch_unwind(|| SEND_PANICS.send(Sender::NONE, &1)).unwrap_err();
    assert_eq!(message(&*payload), "oven on fire");
    assert_eq!(*log.lock().unwrap(), vec!["before"]);
    // Usable afterwards: no poisoned lock, no half-updated table.
    assert_eq!(
        SEND_PANICS.send(Sender::NONE, &0),
        vec!["before", "boom", "after"]
    );
    assert!(boom.disconnect());
    let _ = SEND_PANICS.connect(logged(&log, "new")).unwrap();
    assert_eq!(
        SEND_PANICS.send(Sender::NONE, &1),
        vec!["before", "after", "new"]
    );
}

// Rules 26/42: a sync receiver's panic in `send` stops the send before any
// async receiver is called.
#[test]
fn send_panic_in_sync_receiver_skips_async_receivers() {
    let log = Log::default();
    let l = Arc::clone(&log);
    let _ = SEND_PANIC_SKIPS_ASYNC
        .connect_async(move |_, _| {
            l.lock().unwrap().push("async called");
            Box::pin(async { "async" })
        })
        .unwrap();
    let _ = SEND_PANIC_SKIPS_ASYNC
        .connect(|| -> &str { panic!("sync failure") })
        .unwrap();
    assert!(catch_unwind(|| SEND_PANIC_SKIPS_ASYNC.send(Sender::NONE, &0)).is_err());
    assert!(log.lock().unwrap().is_empty());
}

// Rule 26: an async receiver's panic propagates out of `send`, and the
// signal stays usable.
#[test]
fn send_propagates_async_panics() {
    let _ = ASYNC_PANIC_IN_SEND
        .connect_async(|_, n| {
            let fail = *n == 1;
            Box::pin(async move {
                assert!(!fail, "async oven on fire");
                "async"
            })
        })
        .unwrap();
    let payload = catch_unwind(|| ASYNC_PANIC_IN_SEND.send(Sender::NONE, &1)).unwrap_err();
    assert_eq!(message(&*payload), "async oven on fire");
    assert_eq!(ASYNC_PANIC_IN_SEND.send(Sender::NONE, &0), vec!["async"]);
}

// Rules 30/31: `send_robust` calls every receiver, in order; a panicking one
// yields an error naming it (with its location and sender) and carrying the
// panic message.
#[test]
fn send_robust_reports_each_failure_and_keeps_going() {
    let log = Log::default();
    let _ = ROBUST.connect(logged(&log, "first")).unwrap();
    let _ = ROBUST
        .connect_with(ConnectOptions::new().name("burner"), || -> &str {
            panic!("burnt crust")
        })
        .unwrap();
    let _ = ROBUST.connect(logged(&log, "last")).unwrap();
    let responses = ROBUST.send_robust(Sender::named("oven"), &0);
    assert_eq!(responses.len(), 3);
    assert_eq!(responses[0], Ok("first"));
    assert_eq!(responses[2], Ok("last"));
    let err = responses[1].as_ref().unwrap_err();
    assert_eq!(err.receiver().name, "burner");
    assert_eq!(err.receiver().file, file!());
    let connect_line = include_str!("robust.rs")
        .lines()
        .position(|l| l.contains(r#".connect_with(ConnectOptions::new().name("burner")"#))
        .unwrap()
        + 1;
    assert_eq!(err.receiver().line as usize, connect_line);
    assert_eq!(err.receiver().origin, Origin::Runtime);
    assert_eq!(err.message(), "burnt crust");
    assert_eq!(err.sender(), Sender::named("oven"));
    let text = err.to_string();
    assert!(
        text.contains("burner") && text.contains("burnt crust"),
        "{text}"
    );
    assert_eq!(*log.lock().unwrap(), vec!["first", "last"]);
    // Rule 26: plain `send` on the same receivers propagates the panic instead.
    assert!(catch_unwind(|| ROBUST.send(Sender::NONE, &0)).is_err());
}

// Rule 31: formatted messages are kept; a payload that is not a string is
// reported as such instead of being lost.
#[test]
fn send_robust_keeps_formatted_and_opaque_payloads() {
    let _ = ROBUST_PAYLOADS
        .connect(|n: &u32| -> u32 { panic!("order {n} failed") })
        .unwrap();
    let _ = ROBUST_PAYLOADS
        .connect(|| -> u32 { panic_any(7_u8) })
        .unwrap();
    let _ = ROBUST_PAYLOADS.connect(|n: &u32| *n).unwrap();
    let responses = ROBUST_PAYLOADS.send_robust(Sender::NONE, &12);
    assert_eq!(
        responses[0].as_ref().unwrap_err().message(),
        "order 12 failed"
    );
    assert_eq!(
        responses[1].as_ref().unwrap_err().message(),
        "<non-string panic payload>"
    );
    assert_eq!(responses[2], Ok(12));
}

// Rule 31: errors from static receivers name the function and its source.
#[receiver(ROBUST_STATIC)]
fn static_failure(n: &u32) -> u32 {
    assert!(*n != 0, "zero is not allowed");
    *n
}

#[test]
fn send_robust_names_static_receivers() {
    assert_eq!(ROBUST_STATIC.send_robust(Sender::NONE, &3), vec![Ok(3)]);
    let responses = ROBUST_STATIC.send_robust(Sender::NONE, &0);
    let err = responses[0].as_ref().unwrap_err();
    assert_eq!(err.receiver().name, "static_failure");
    assert_eq!(err.receiver().module_path, module_path!());
    assert_eq!(err.receiver().origin, Origin::Static);
    assert_eq!(err.message(), "zero is not allowed");
    assert!(err.to_string().contains("robust::static_failure"), "{err}");
}

// Rules 30/31: a failing async receiver in `send_robust` does not cancel or
// hide its siblings; results stay in dispatch order.
#[test]
fn send_robust_with_failing_async_receiver() {
    let _ = ROBUST_ASYNC
        .connect_async_with(ConnectOptions::new().name("async-boom"), |_, _| {
            Box::pin(async { panic!("async failure") })
        })
        .unwrap();
    let _ = ROBUST_ASYNC
        .connect_async(|_, _| Box::pin(async { "async-ok" }))
        .unwrap();
    let _ = ROBUST_ASYNC.connect(|| "sync-ok").unwrap();
    let responses = ROBUST_ASYNC.send_robust(Sender::NONE, &0);
    assert_eq!(responses[0], Ok("sync-ok"));
    let err = responses[1].as_ref().unwrap_err();
    assert_eq!(err.receiver().name, "async-boom");
    assert_eq!(err.message(), "async failure");
    assert_eq!(responses[2], Ok("async-ok"));
}

// Rule 31: an async receiver that panics before returning its future is
// reported like one that panics inside it.
#[test]
fn send_robust_catches_panics_while_starting_async_receivers() {
    let _ = ROBUST_ASYNC_START
        .connect_async_with(ConnectOptions::new().name("eager"), |_, _| {
            panic!("before the future")
        })
        .unwrap();
    let _ = ROBUST_ASYNC_START
        .connect_async(|_, _| Box::pin(async { "fine" }))
        .unwrap();
    for responses in [
        ROBUST_ASYNC_START.send_robust(Sender::NONE, &0),
        block_on(ROBUST_ASYNC_START.asend_robust(Sender::NONE, &0)),
    ] {
        let err = responses[0].as_ref().unwrap_err();
        assert_eq!(err.receiver().name, "eager");
        assert_eq!(err.message(), "before the future");
        assert_eq!(responses[1], Ok("fine"));
    }
}

// Rule 38: in `asend`, a sync receiver's panic propagates and no async
// receiver runs.
#[test]
fn asend_sync_panic_runs_no_async_receiver() {
    let log = Log::default();
    let l = Arc::clone(&log);
    let _ = ASEND_SYNC_PANIC
        .connect_async(move |_, _| {
            let l = Arc::clone(&l);
            Box::pin(async move {
                l.lock().unwrap().push("async ran");
                "async"
            })
        })
        .unwrap();
    let _ = ASEND_SYNC_PANIC
        .connect(|| -> &str { panic!("sync in asend") })
        .unwrap();
    let payload = catch_unwind(AssertUnwindSafe(|| {
        block_on(ASEND_SYNC_PANIC.asend(Sender::NONE, &0))
    }))
    .unwrap_err();
    assert_eq!(message(&*payload), "sync in asend");
    assert!(log.lock().unwrap().is_empty());
}

// Rule 38 (async failures propagate, as with a task group): a panicking async
// receiver makes `asend` panic; the signal stays usable.
#[test]
fn asend_propagates_async_panics() {
    let _ = ASEND_ASYNC_PANIC
        .connect_async(|_, n| {
            let fail = *n == 1;
            Box::pin(async move {
                assert!(!fail, "async in asend");
                "ok"
            })
        })
        .unwrap();
    let payload = catch_unwind(AssertUnwindSafe(|| {
        block_on(ASEND_ASYNC_PANIC.asend(Sender::NONE, &1))
    }))
    .unwrap_err();
    assert_eq!(message(&*payload), "async in asend");
    assert_eq!(
        block_on(ASEND_ASYNC_PANIC.asend(Sender::NONE, &0)),
        vec!["ok"]
    );
}

// Rule 39: `asend_robust` behaves like `send_robust` with the `asend`
// model: `[(sync_boom, error), (async_after, 1)]`.
#[test]
fn asend_robust_reports_sync_failures_and_runs_async_receivers() {
    let _ = ASEND_ROBUST
        .connect_async_with(ConnectOptions::new().name("async_after"), |_, _| {
            Box::pin(async { 1 })
        })
        .unwrap();
    let _ = ASEND_ROBUST
        .connect_with(ConnectOptions::new().name("sync_boom"), || -> u32 {
            panic!("value error")
        })
        .unwrap();
    let responses = block_on(ASEND_ROBUST.asend_robust(Sender::NONE, &0));
    assert_eq!(responses.len(), 2);
    let err = responses[0].as_ref().unwrap_err();
    assert_eq!(err.receiver().name, "sync_boom");
    assert_eq!(err.message(), "value error");
    assert_eq!(responses[1], Ok(1));
}

/// Records in its flag that it was dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

// Rule 26 (task-group semantics): when an async receiver panics in `send`,
// its still-pending siblings are cancelled (dropped), not left running, and
// the panic reaches the caller.
#[test]
fn async_panic_in_send_cancels_pending_siblings() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&dropped);
    let _ = ASYNC_PANIC_CANCELS
        .connect_async(move |_, _| {
            let guard = DropFlag(Arc::clone(&flag));
            Box::pin(async move {
                let _guard = guard;
                futures::future::pending::<()>().await;
            })
        })
        .unwrap();
    let _ = ASYNC_PANIC_CANCELS
        .connect_async(|_, _| Box::pin(async { panic!("sibling failed") }))
        .unwrap();
    let payload = catch_unwind(|| ASYNC_PANIC_CANCELS.send(Sender::NONE, &0)).unwrap_err();
    assert_eq!(message(&*payload), "sibling failed");
    assert!(dropped.load(Ordering::SeqCst));
}
