//! Failing receivers (DESIGN "Failures"): `send` propagates a panic after the
//! receivers before it ran and stays usable; the robust variants call every
//! receiver and name the failing ones; a failing async receiver does not
//! cancel its siblings. (What happens under `panic = "abort"` is documented in
//! RELIABILITY.md: nothing can be caught, the process ends.)

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread;

use signals::{BoxFuture, ConnectOptions, Sender, receiver, signal};

signal! {
    static SEND_PANIC: () => u32;
    static AFTER_PANIC: () => u32;
    static ROBUST: () => u32;
    static ASYNC_ROBUST: () => u32;
    static ASYNC_SEND_PANIC: () => u32;
    static ASEND_PANIC: () => u32;
    static STATIC_PANIC: () => u32;
    static ODD_PAYLOAD: () => u32;
}

/// Pending `n` times (waking itself each time), then ready: lets another
/// future be polled in between.
struct YieldTimes(usize);

impl Future for YieldTimes {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[test]
fn send_propagates_a_panic_after_the_receivers_before_it() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let armed = Arc::new(AtomicBool::new(true));
    for (label, priority) in [(1, 3), (2, 2), (3, 0)] {
        let log = Arc::clone(&log);
        let _ = SEND_PANIC
            .connect_with(ConnectOptions::new().priority(priority), move || {
                log.lock().unwrap().push(label);
                label
            })
            .unwrap();
    }
    {
        let armed = Arc::clone(&armed);
        let _ = SEND_PANIC
            .connect_with(ConnectOptions::new().priority(1), move || {
                assert!(!armed.load(SeqCst), "receiver exploded");
                4
            })
            .unwrap();
    }

    let outcome = catch_unwind(AssertUnwindSafe(|| SEND_PANIC.send(Sender::NONE, &())));
    let payload = outcome.expect_err("the panic reaches the caller");
    assert_eq!(message(&*payload), "receiver exploded");
    assert_eq!(
        *log.lock().unwrap(),
        [1, 2],
        "receivers before the panicking one ran, the one after did not"
    );

    // Usable afterwards, from every thread: sends, connects, disconnects.
    armed.store(false, SeqCst);
    log.lock().unwrap().clear();
    let threads: Vec<_> = (0..4)
        .map(|t: u32| {
            thread::spawn(move || {
                // Captures `t`, so each thread's closure is its own receiver.
                let extra = SEND_PANIC.connect(move || 100 + t).unwrap();
                let responses = SEND_PANIC.send(Sender::NONE, &());
                assert!(responses.contains(&(100 + t)));
                assert!(extra.disconnect());
                responses
            })
        })
        .collect();
    for handle in threads {
        let responses = handle.join().expect("the signal works on other threads");
        assert_eq!(&responses[..4], [1, 2, 4, 3]);
        assert!(responses[4..].iter().all(|&r| (100..104).contains(&r)));
    }
    assert_eq!(SEND_PANIC.send(Sender::NONE, &()), [1, 2, 4, 3]);
    assert_eq!(SEND_PANIC.receivers().len(), 4);
}

#[test]
fn a_panic_in_one_send_does_not_affect_a_concurrent_one() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let _ = AFTER_PANIC
        .connect_with(
            ConnectOptions::new().sender(Sender::named("ok")),
            move || {
                counted.fetch_add(1, SeqCst);
                1
            },
        )
        .unwrap();
    let _ = AFTER_PANIC
        .connect_with(
            ConnectOptions::new().sender(Sender::named("bad")),
            || -> u32 { panic!("bad sender") },
        )
        .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t: u32| {
            thread::spawn(move || {
                for _ in 0..50 {
                    if t.is_multiple_of(2) {
                        assert_eq!(AFTER_PANIC.send(Sender::named("ok"), &()), [1]);
                    } else {
                        let failed = catch_unwind(|| AFTER_PANIC.send(Sender::named("bad"), &()));
                        assert!(failed.is_err());
                    }
                }
            })
        })
        .collect();
    for handle in threads {
        handle.join().expect("no panic escapes its own send");
    }
    assert_eq!(calls.load(SeqCst), 100);
}

#[test]
fn send_robust_calls_every_receiver_and_names_the_failing_ones() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let names = ["first", "boom", "third", "bang", "last"];
    for (label, name) in (1..).zip(names) {
        let calls = Arc::clone(&calls);
        let _ = ROBUST
            .connect_with(ConnectOptions::new().name(name), move || {
                calls.lock().unwrap().push(label);
                if name.starts_with('b') {
                    panic!("{name} failed");
                }
                label
            })
            .unwrap();
    }
    let sender = Sender::named("robust");
    let responses = ROBUST.send_robust(sender, &());
    assert_eq!(*calls.lock().unwrap(), [1, 2, 3, 4, 5]);
    assert_eq!(responses.len(), 5);
    assert_eq!(responses[0], Ok(1));
    assert_eq!(responses[2], Ok(3));
    assert_eq!(responses[4], Ok(5));
    for (at, name) in [(1, "boom"), (3, "bang")] {
        let error = responses[at].as_ref().expect_err("the panic is reported");
        assert_eq!(error.receiver().name, name);
        assert_eq!(error.message(), format!("{name} failed"));
        assert_eq!(error.sender(), sender);
        assert!(error.to_string().contains(name), "{error}");
    }
}

#[test]
fn asend_robust_does_not_cancel_siblings_of_a_failing_async_receiver() {
    let finished = Arc::new(AtomicUsize::new(0));
    let connect = |name: &'static str, fail: bool, yields: usize| {
        let finished = Arc::clone(&finished);
        let _ = ASYNC_ROBUST
            .connect_async_with(ConnectOptions::new().name(name), move |_, _| {
                let finished = Arc::clone(&finished);
                let fut: BoxFuture<'_, u32> = Box::pin(async move {
                    YieldTimes(yields).await;
                    if fail {
                        panic!("{name} failed while pending");
                    }
                    finished.fetch_add(1, SeqCst);
                    u32::try_from(yields).unwrap()
                });
                fut
            })
            .unwrap();
    };
    // The failing one panics after one yield, while its siblings are still
    // pending; they must still be polled to completion.
    connect("slow_a", false, 5);
    connect("fails", true, 1);
    connect("slow_b", false, 3);
    let _ = ASYNC_ROBUST
        .connect_async_with(ConnectOptions::new().name("fails_early"), |_, _| {
            panic!("fails_early failed before its future existed")
        })
        .unwrap();
    let _ = ASYNC_ROBUST
        .connect_with(ConnectOptions::new().name("sync_ok"), || 7)
        .unwrap();

    let responses = futures::executor::block_on(ASYNC_ROBUST.asend_robust(Sender::NONE, &()));
    assert_eq!(finished.load(SeqCst), 2, "both siblings completed");
    assert_eq!(responses.len(), 5);
    assert_eq!(responses[0], Ok(7), "sync receivers first");
    assert_eq!(responses[1], Ok(5));
    assert_eq!(responses[2].as_ref().unwrap_err().receiver().name, "fails");
    assert_eq!(responses[3], Ok(3));
    let early = responses[4].as_ref().unwrap_err();
    assert_eq!(early.receiver().name, "fails_early");
    assert_eq!(
        early.message(),
        "fails_early failed before its future existed"
    );

    // The blocking robust variant behaves the same.
    finished.store(0, SeqCst);
    let blocking = ASYNC_ROBUST.send_robust(Sender::NONE, &());
    assert_eq!(finished.load(SeqCst), 2);
    assert_eq!(blocking, responses);
}

#[test]
fn send_propagates_a_panic_from_an_async_receiver() {
    let _ = ASYNC_SEND_PANIC.connect(|| 1).unwrap();
    let _ = ASYNC_SEND_PANIC
        .connect_async(|_, _| {
            Box::pin(async {
                YieldTimes(2).await;
                panic!("async receiver failed")
            })
        })
        .unwrap();
    let payload = catch_unwind(|| ASYNC_SEND_PANIC.send(Sender::NONE, &())).unwrap_err();
    assert_eq!(message(&*payload), "async receiver failed");
    let payload =
        catch_unwind(|| futures::executor::block_on(ASYNC_SEND_PANIC.asend(Sender::NONE, &())))
            .unwrap_err();
    assert_eq!(message(&*payload), "async receiver failed");
    // Still usable: the robust variant reports the same failure.
    let responses = ASYNC_SEND_PANIC.send_robust(Sender::NONE, &());
    assert_eq!(responses[0], Ok(1));
    assert_eq!(
        responses[1].as_ref().unwrap_err().message(),
        "async receiver failed"
    );
}

#[test]
fn asend_propagates_a_sync_receiver_panic() {
    let ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    let _ = ASEND_PANIC
        .connect_with(ConnectOptions::new().priority(1), move || {
            flag.store(true, SeqCst);
            1
        })
        .unwrap();
    let _ = ASEND_PANIC
        .connect(|| -> u32 { panic!("sync in asend") })
        .unwrap();
    let payload =
        catch_unwind(|| futures::executor::block_on(ASEND_PANIC.asend(Sender::NONE, &())))
            .unwrap_err();
    assert_eq!(message(&*payload), "sync in asend");
    assert!(ran.load(SeqCst));
}

#[receiver(STATIC_PANIC)]
fn static_panicker() -> u32 {
    panic!("static receiver failed")
}

#[receiver(STATIC_PANIC, priority = -1)]
fn static_after() -> u32 {
    2
}

#[test]
fn a_failing_static_receiver_is_named_by_its_function() {
    let responses = STATIC_PANIC.send_robust(Sender::NONE, &());
    let error = responses[0].as_ref().unwrap_err();
    assert_eq!(error.receiver().name, "static_panicker");
    assert_eq!(error.receiver().module_path, "panics");
    assert_eq!(error.message(), "static receiver failed");
    assert_eq!(responses[1], Ok(2));
}

#[test]
fn a_non_string_panic_payload_is_reported_as_such() {
    let _ = ODD_PAYLOAD
        .connect(|| -> u32 { std::panic::panic_any(42_u8) })
        .unwrap();
    let responses = ODD_PAYLOAD.send_robust(Sender::NONE, &());
    assert_eq!(
        responses[0].as_ref().unwrap_err().message(),
        "<non-string panic payload>"
    );
}

signal! {
    static ABORTING: () => u32;
}

const ABORT_CHILD: &str = "SIGNALS_TEST_ABORT_CHILD";

/// `panic = "abort"` cannot be switched on for one test without building a
/// new binary, so this re-runs itself in a child process whose panic hook
/// aborts, which is what the abort strategy does after running the hook:
/// the first panic ends the process, `send_robust` cannot catch it, and no
/// later receiver runs.
#[test]
fn under_panic_abort_a_panicking_receiver_ends_the_process() {
    if std::env::var_os(ABORT_CHILD).is_some() {
        std::panic::set_hook(Box::new(|info| {
            eprintln!("child panicked: {info}");
            std::process::abort();
        }));
        let _ = ABORTING.connect_with(ConnectOptions::new().priority(1), || {
            println!("first ran");
            1
        });
        let _ = ABORTING.connect(|| -> u32 { panic!("abort me") });
        let _ = ABORTING.connect_with(ConnectOptions::new().priority(-1), || {
            println!("third ran");
            3
        });
        let responses = ABORTING.send_robust(Sender::NONE, &());
        println!("send_robust returned {} responses", responses.len());
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "under_panic_abort_a_panicking_receiver_ends_the_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ABORT_CHILD, "1")
        .output()
        .expect("the test binary re-runs itself");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stdout}\n{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(output.status.signal(), Some(6), "SIGABRT: {stderr}");
    }
    assert!(stdout.contains("first ran"), "{stdout}");
    assert!(stderr.contains("abort me"), "{stderr}");
    assert!(!stdout.contains("third ran"), "{stdout}");
    assert!(!stdout.contains("send_robust returned"), "{stdout}");
}
