//! `signals::testing`: mutes, scoped connections and recorders.
//!
//! The tests of this file run in parallel (cargo's default), so each one uses
//! its own signals: that is the documented rule for tests that mute.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use signals::testing::{self, MuteError, Select, Sent};
use signals::{ConnectError, ConnectOptions, Sender, receiver, signal};

pub struct Order {
    pub id: u32,
    pub note: String,
}

fn order(id: u32) -> Order {
    Order {
        id,
        note: format!("order {id}"),
    }
}

pub struct Shop;

signal! {
    pub static MUTE_ALL: Order => &'static str;
    pub static MUTE_SOME: Order => &'static str;
    pub static MUTE_THREADS: Order;
    pub static NESTED: Order;
    pub static RECORDED: Order => u32;
    pub static EXPLAINED: Order;
    pub static MUTED_RECORDED: Order => u32;
    pub static THREAD_ONLY: Order;
    pub static SCOPED: Order => u32;
    pub static PARALLEL: Order;
    pub static THREAD_MUTED: Order => &'static str;
    pub static SHARED_MUTE: Order;
    pub static STRESSED: Order => &'static str;
}

#[receiver(MUTE_ALL)]
fn charge_card(_args: &Order) -> &'static str {
    "charged"
}

#[receiver(MUTE_SOME, dispatch_uid = "mailer")]
fn send_mail(_args: &Order) -> &'static str {
    "mailed"
}

#[receiver(MUTE_SOME, priority = -1)]
fn update_stock(_args: &Order) -> &'static str {
    "stocked"
}

#[receiver([RECORDED, MUTED_RECORDED])]
fn echo_id(args: &Order) -> u32 {
    args.id
}

static THREAD_CALLS: AtomicUsize = AtomicUsize::new(0);

#[receiver(MUTE_THREADS)]
fn count_thread_calls() {
    THREAD_CALLS.fetch_add(1, Ordering::SeqCst);
}

#[receiver(THREAD_MUTED)]
fn ring_bell() -> &'static str {
    "ring"
}

#[receiver(THREAD_MUTED, priority = -1)]
async fn light_lamp() -> &'static str {
    "lamp"
}

static HEARD_BY_THREAD: Mutex<Vec<thread::ThreadId>> = Mutex::new(Vec::new());

#[receiver(SHARED_MUTE)]
fn note_thread() {
    HEARD_BY_THREAD.lock().unwrap().push(thread::current().id());
}

#[receiver(STRESSED, priority = 3)]
fn first() -> &'static str {
    "first"
}

#[receiver(STRESSED, priority = 2)]
fn second() -> &'static str {
    "second"
}

#[receiver(STRESSED, priority = 1)]
fn third() -> &'static str {
    "third"
}

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

#[test]
fn muted_silences_every_receiver_until_the_guard_drops() {
    let runtime = MUTE_ALL
        .connect_with(ConnectOptions::new().name("audit"), || "audited")
        .unwrap()
        .scoped();
    assert_eq!(
        MUTE_ALL.send(Sender::NONE, &order(1)),
        ["charged", "audited"]
    );
    {
        let _quiet = testing::muted(&MUTE_ALL);
        assert!(MUTE_ALL.send(Sender::NONE, &order(2)).is_empty());
        assert!(MUTE_ALL.send_robust(Sender::NONE, &order(2)).is_empty());
        assert!(futures::executor::block_on(MUTE_ALL.asend(Sender::NONE, &order(2))).is_empty());
        assert!(!MUTE_ALL.has_listeners(Sender::NONE));
        // Muted receivers are still connected.
        assert_eq!(MUTE_ALL.receivers().len(), 2);
        // One connected while muted is muted too, and keeps its place after.
        let late = MUTE_ALL.connect(|| "late").unwrap().scoped();
        assert!(MUTE_ALL.send(Sender::NONE, &order(3)).is_empty());
        let _kept = late.release();
    }
    assert!(MUTE_ALL.has_listeners(Sender::NONE));
    assert_eq!(
        MUTE_ALL.send(Sender::NONE, &order(4)),
        ["charged", "audited", "late"]
    );
    drop(runtime);
}

#[test]
fn nested_mutes_compose() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let _conn = NESTED
        .connect(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap()
        .scoped();
    let outer = testing::muted(&NESTED);
    let inner = testing::muted(&NESTED);
    drop(outer);
    NESTED.send(Sender::NONE, &order(1));
    assert_eq!(calls.load(Ordering::SeqCst), 0, "inner mute still active");
    drop(inner);
    NESTED.send(Sender::NONE, &order(2));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn muted_receivers_silences_only_the_chosen_ones() {
    let all = ["mailed", "audited", "stocked"];
    let _audit = MUTE_SOME
        .connect_with(ConnectOptions::new().name("audit"), || "audited")
        .unwrap()
        .scoped();
    assert_eq!(MUTE_SOME.send(Sender::NONE, &order(1)), all);
    {
        let _m = testing::muted_receivers(&MUTE_SOME, [Select::uid("mailer")]).unwrap();
        assert_eq!(
            MUTE_SOME.send(Sender::NONE, &order(1)),
            ["audited", "stocked"]
        );
    }
    {
        let _m = testing::muted_receivers(
            &MUTE_SOME,
            [Select::name("audit"), Select::name("testing::update_stock")],
        )
        .unwrap();
        assert_eq!(MUTE_SOME.send(Sender::NONE, &order(1)), ["mailed"]);
    }
    {
        let _m = testing::muted_receivers(&MUTE_SOME, [Select::name("update_stock")]).unwrap();
        assert_eq!(
            MUTE_SOME.send(Sender::NONE, &order(1)),
            ["mailed", "audited"]
        );
    }
    assert_eq!(MUTE_SOME.send(Sender::NONE, &order(1)), all);
}

#[test]
fn muting_an_unknown_receiver_is_an_error() {
    let typo = testing::muted_receivers(&MUTE_SOME, [Select::uid("mailr")]).unwrap_err();
    assert_eq!(
        typo,
        MuteError::NoSuchReceiver {
            signal: "MUTE_SOME",
            select: Select::uid("mailr"),
        }
    );
    assert_eq!(
        typo.to_string(),
        "no receiver of `MUTE_SOME` has dispatch_uid \"mailr\""
    );
    let none = testing::muted_receivers(&MUTE_SOME, []).unwrap_err();
    assert!(matches!(none, MuteError::NothingSelected { .. }));
}

#[test]
fn a_mute_applies_to_sends_from_every_thread() {
    MUTE_THREADS.send(Sender::NONE, &order(1));
    assert_eq!(THREAD_CALLS.load(Ordering::SeqCst), 1);
    let quiet = testing::muted(&MUTE_THREADS);
    thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| MUTE_THREADS.send(Sender::NONE, &order(2)));
        }
    });
    assert_eq!(THREAD_CALLS.load(Ordering::SeqCst), 1);
    // And the guard may be dropped on another thread than the sender's.
    thread::scope(|scope| {
        scope.spawn(move || drop(quiet));
    });
    MUTE_THREADS.send(Sender::NONE, &order(3));
    assert_eq!(THREAD_CALLS.load(Ordering::SeqCst), 2);
}

#[test]
fn a_recorder_captures_sender_and_projection_without_changing_responses() {
    let sends = testing::record(&RECORDED, |o: &Order| (o.id, o.note.clone()));
    sends.assert_not_sent();
    assert_eq!(RECORDED.send(Sender::of::<Shop>(), &order(7)), [7]);
    assert_eq!(
        sends.assert_sent_once(),
        Sent {
            sender: Sender::of::<Shop>(),
            args: (7, "order 7".to_owned()),
        }
    );
    sends.assert_sent_once_with(&(7, "order 7".to_owned()));
    RECORDED.send(Sender::named("till"), &order(8));
    sends.assert_sent_times(2);
    sends.assert_sent_with(&(8, "order 8".to_owned()));
    sends.assert_sent_by(Sender::named("till"));
    assert_eq!(sends.count(), 2);
    sends.clear();
    sends.assert_not_sent();
    drop(sends);
    assert_eq!(
        RECORDED.receivers().len(),
        1,
        "the recorder is disconnected"
    );
}

#[test]
fn failed_assertions_explain_what_was_recorded() {
    let sends = testing::record(&EXPLAINED, |o: &Order| o.id);
    EXPLAINED.send(Sender::named("till"), &order(1));
    EXPLAINED.send(Sender::named("till"), &order(2));

    let message = panic_message(|| {
        sends.assert_sent_once();
    });
    assert!(
        message.starts_with("expected `EXPLAINED` to be sent once, but it was sent 2 time(s)"),
        "{message}"
    );
    assert!(message.contains("args: 2"), "{message}");
    let message = panic_message(|| sends.assert_sent_with(&3));
    assert!(message.contains("to be sent with 3"), "{message}");
    let message = panic_message(|| sends.assert_not_sent());
    assert!(message.contains("to be not sent"), "{message}");
    let message = panic_message(|| sends.assert_sent_by(Sender::of::<Shop>()));
    assert!(message.contains("sent by"), "{message}");

    let from_shop = sends.from_sender(Sender::of::<Shop>());
    let message = panic_message(|| from_shop.assert_sent_once_with(&1));
    assert!(
        message.contains(&format!(
            "`EXPLAINED` from {} to be sent once with 1",
            Sender::of::<Shop>()
        )),
        "{message}"
    );
    EXPLAINED.send(Sender::of::<Shop>(), &order(3));
    from_shop.assert_sent_once_with(&3);
}

#[test]
fn a_recorder_sees_sends_of_a_muted_signal_and_from_other_threads() {
    let _quiet = testing::muted(&MUTED_RECORDED);
    let sends = testing::record(&MUTED_RECORDED, |o: &Order| o.id);
    let responses = thread::scope(|scope| {
        scope
            .spawn(|| MUTED_RECORDED.send(Sender::NONE, &order(5)))
            .join()
            .unwrap()
    });
    assert!(responses.is_empty(), "echo_id is muted");
    sends.assert_sent_once_with(&5);
}

#[test]
fn a_thread_recorder_ignores_other_threads() {
    let mine = testing::record_this_thread(&THREAD_ONLY, |o: &Order| o.id);
    let all = testing::record(&THREAD_ONLY, |o: &Order| o.id);
    thread::scope(|scope| {
        scope.spawn(|| THREAD_ONLY.send(Sender::NONE, &order(1)));
    });
    THREAD_ONLY.send(Sender::NONE, &order(2));
    mine.assert_sent_once_with(&2);
    assert_eq!(all.args().len(), 2);
}

#[test]
fn thread_recorders_on_a_shared_signal_work_in_parallel() {
    // Eight "tests" sending the same signal at the same time, each asserting
    // only its own sends.
    thread::scope(|scope| {
        for t in 0..8_u32 {
            scope.spawn(move || {
                let sends = testing::record_this_thread(&PARALLEL, |o: &Order| o.id);
                for i in 0..50 {
                    PARALLEL.send(Sender::NONE, &order(t * 1000 + i));
                }
                let expected: Vec<u32> = (0..50).map(|i| t * 1000 + i).collect();
                assert_eq!(sends.args(), expected);
            });
        }
    });
}

#[test]
fn connected_to_connects_for_one_scope() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let responses = testing::connected_to(
        &SCOPED,
        move |_, o: &Order| {
            counter.fetch_add(1, Ordering::SeqCst);
            o.id * 2
        },
        || SCOPED.send(Sender::NONE, &order(21)),
    )
    .unwrap();
    assert_eq!(responses, [42]);
    assert!(SCOPED.send(Sender::NONE, &order(1)).is_empty());
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

fn double(_: Sender, o: &Order) -> u32 {
    o.id * 2
}

#[test]
fn connected_to_disconnects_after_a_panic_and_reports_duplicates() {
    let outcome = catch_unwind(|| {
        testing::connected_to_with(
            &SCOPED,
            ConnectOptions::new().sender(Sender::of::<Shop>()),
            double,
            || panic!("test body failed"),
        )
    });
    assert!(outcome.is_err());
    assert!(!SCOPED.has_listeners(Sender::of::<Shop>()));

    let nested = testing::connected_to(&SCOPED, double, || {
        testing::connected_to(&SCOPED, double, || ())
    })
    .unwrap();
    assert!(matches!(nested, Err(ConnectError::Duplicate { .. })));
    assert!(SCOPED.receivers().is_empty());
}

#[test]
fn a_thread_mute_silences_only_sends_from_its_thread() {
    let send = || THREAD_MUTED.send(Sender::NONE, &order(1));
    let from_other_thread = || thread::scope(|scope| scope.spawn(send).join().unwrap());
    {
        let _quiet = testing::muted_on_this_thread(&THREAD_MUTED);
        assert!(send().is_empty());
        assert!(
            futures::executor::block_on(THREAD_MUTED.asend_robust(Sender::NONE, &order(1)))
                .is_empty()
        );
        assert_eq!(from_other_thread(), ["ring", "lamp"]);
        let _bell =
            testing::muted_receivers_on_this_thread(&THREAD_MUTED, [Select::name("ring_bell")])
                .unwrap();
        assert!(send().is_empty());
    }
    {
        let _bell =
            testing::muted_receivers_on_this_thread(&THREAD_MUTED, [Select::name("ring_bell")])
                .unwrap();
        assert_eq!(send(), ["lamp"]);
        assert_eq!(from_other_thread(), ["ring", "lamp"]);
        // A process-wide mute wins over a thread mute.
        let _all = testing::muted(&THREAD_MUTED);
        assert!(from_other_thread().is_empty());
    }
    assert_eq!(send(), ["ring", "lamp"]);
}

#[test]
fn thread_mutes_on_a_shared_signal_work_in_parallel() {
    // Four "tests" mute the shared signal on their own thread while four
    // others send it unmuted, all at the same time.
    let ids: Vec<(thread::ThreadId, bool)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                scope.spawn(move || {
                    let muting = t % 2 == 0;
                    let _quiet = muting.then(|| testing::muted_on_this_thread(&SHARED_MUTE));
                    for i in 0..50 {
                        SHARED_MUTE.send(Sender::NONE, &order(i));
                    }
                    (thread::current().id(), muting)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let heard = HEARD_BY_THREAD.lock().unwrap();
    for (id, muting) in ids {
        let count = heard.iter().filter(|&&t| t == id).count();
        assert_eq!(count, if muting { 0 } else { 50 });
    }
}

#[test]
fn mutes_connects_and_sends_race_without_losing_order_or_receivers() {
    const ORDER: [&str; 4] = ["first", "second", "third", "runtime"];
    let in_order = |responses: &[&str]| {
        let positions: Vec<usize> = responses
            .iter()
            .map(|r| ORDER.iter().position(|o| o == r).unwrap())
            .collect();
        positions.windows(2).all(|w| w[0] <= w[1])
    };
    thread::scope(|scope| {
        scope.spawn(|| {
            for _ in 0..200 {
                let _m = testing::muted_receivers(&STRESSED, [Select::name("second")]).unwrap();
                let responses = STRESSED.send(Sender::NONE, &order(1));
                assert!(!responses.contains(&"second"), "{responses:?}");
            }
        });
        scope.spawn(|| {
            for _ in 0..200 {
                let _m = testing::muted_on_this_thread(&STRESSED);
                assert!(STRESSED.send(Sender::NONE, &order(2)).is_empty());
            }
        });
        scope.spawn(|| {
            for _ in 0..200 {
                let c = STRESSED
                    .connect_with(ConnectOptions::new().priority(0), || "runtime")
                    .unwrap();
                assert!(c.disconnect());
            }
        });
        scope.spawn(|| {
            for _ in 0..500 {
                let responses = STRESSED.send(Sender::NONE, &order(3));
                assert!(in_order(&responses), "{responses:?}");
            }
        });
    });
    assert_eq!(
        STRESSED.send(Sender::NONE, &order(4)),
        ["first", "second", "third"]
    );
}
