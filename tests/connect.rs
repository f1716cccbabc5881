//! Connecting runtime receivers: keys, duplicates, uid rules and sender
//! filter validation (DJANGO-RULES A.2).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use signals::{ConnectError, ConnectOptions, Origin, Sender, signal};

struct Billing;
struct Shipping;

signal! {
    static SAME_FN_TWICE: u32 => u32;
    static SAME_CLOSURE_TWICE: u32 => u32;
    static CAPTURING_TWICE: u32 => usize;
    static DISTINCT_CLOSURES: u32 => u32;
    static UID_FIRST_WINS: u32 => &'static str;
    static FN_PER_SENDER: u32 => u32;
    static UID_PER_SENDER: u32 => &'static str;
    static EMPTY_UID: u32;
    static NONE_FILTER: u32;
    static SYNC_ASYNC_UID: u32;
    static ASYNC_FN_TWICE: u32 => u32;
    static DUPLICATE_LEAVES_TABLE: u32 => u32;
    static DUPLICATE_DISPLAY: u32;
}

fn double(_: Sender, n: &u32) -> u32 {
    n * 2
}

fn triple(_: Sender, n: &u32) -> u32 {
    n * 3
}

// Rule 7: connecting the same function again is ignored, and (our deviation
// from Django's silent `None`) reported as a duplicate naming the receiver
// that stays.
#[test]
fn same_function_twice_is_a_duplicate() {
    let _ = SAME_FN_TWICE.connect(double).unwrap();
    let err = SAME_FN_TWICE.connect(double).unwrap_err();
    let ConnectError::Duplicate { existing } = err else {
        panic!("expected a duplicate, got {err:?}");
    };
    assert_eq!(existing.name, "double");
    assert_eq!(existing.origin, Origin::Runtime);
    assert_eq!(SAME_FN_TWICE.receivers().len(), 1);
    assert_eq!(SAME_FN_TWICE.send(Sender::NONE, &5), vec![10]);
}

// Rule 6: without a uid the key is the receiver's identity; a capture-free
// closure is identified by its type, so connecting the same closure value
// twice is a duplicate.
#[test]
fn same_capture_free_closure_twice_is_a_duplicate() {
    let add_one = |_: Sender, n: &u32| n + 1;
    let _ = SAME_CLOSURE_TWICE.connect(add_one).unwrap();
    assert!(matches!(
        SAME_CLOSURE_TWICE.connect(add_one),
        Err(ConnectError::Duplicate { .. })
    ));
    assert_eq!(SAME_CLOSURE_TWICE.send(Sender::NONE, &1), vec![2]);
}

// Rule 6 (our identity rule, DESIGN "Identity"): a closure that captures
// state is identified by its connection, so each connect adds a receiver.
#[test]
fn capturing_closures_are_keyed_by_connection() {
    let calls = Arc::new(AtomicUsize::new(0));
    for _ in 0..3 {
        let calls = Arc::clone(&calls);
        let _ = CAPTURING_TWICE
            .connect(move || calls.fetch_add(1, Ordering::SeqCst))
            .unwrap();
    }
    assert_eq!(CAPTURING_TWICE.receivers().len(), 3);
    assert_eq!(CAPTURING_TWICE.send(Sender::NONE, &0), vec![0, 1, 2]);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

// Rule 6: two different closures (different types) are two receivers even
// when they do the same thing.
#[test]
fn distinct_closures_are_distinct_receivers() {
    let _ = DISTINCT_CLOSURES.connect(|n: &u32| n + 1).unwrap();
    let _ = DISTINCT_CLOSURES.connect(|n: &u32| n + 1).unwrap();
    assert_eq!(DISTINCT_CLOSURES.send(Sender::NONE, &1), vec![2, 2]);
}

// Rule 7: two different functions with the same dispatch_uid and sender
// leave one registration, the first one.
#[test]
fn same_uid_keeps_the_first_receiver() {
    let options = || ConnectOptions::new().dispatch_uid("audit");
    let _ = UID_FIRST_WINS
        .connect_with(options().name("first"), || "first")
        .unwrap();
    let err = UID_FIRST_WINS
        .connect_with(options().name("second"), || "second")
        .unwrap_err();
    match err {
        ConnectError::Duplicate { existing } => {
            assert_eq!(existing.name, "first");
            assert_eq!(existing.dispatch_uid.as_deref(), Some("audit"));
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
    assert_eq!(UID_FIRST_WINS.send(Sender::NONE, &0), vec!["first"]);
}

// Rule 7: the same function connected to two different senders, or to a
// sender and to no sender, gives separate registrations.
#[test]
fn same_function_for_different_senders_is_not_a_duplicate() {
    let _ = FN_PER_SENDER
        .connect_with(
            ConnectOptions::new().sender(Sender::of::<Billing>()),
            triple,
        )
        .unwrap();
    let _ = FN_PER_SENDER
        .connect_with(
            ConnectOptions::new().sender(Sender::of::<Shipping>()),
            triple,
        )
        .unwrap();
    let _ = FN_PER_SENDER.connect(triple).unwrap();
    assert!(matches!(
        FN_PER_SENDER.connect_with(
            ConnectOptions::new().sender(Sender::of::<Billing>()),
            triple
        ),
        Err(ConnectError::Duplicate { .. })
    ));
    assert_eq!(FN_PER_SENDER.receivers().len(), 3);
    // A send from Billing reaches the Billing registration and the unfiltered one.
    assert_eq!(FN_PER_SENDER.send(Sender::of::<Billing>(), &1), vec![3, 3]);
    assert_eq!(FN_PER_SENDER.send(Sender::NONE, &1), vec![3]);
}

// Rule 7: the same dispatch_uid with different senders gives two
// registrations.
#[test]
fn same_uid_for_different_senders_is_not_a_duplicate() {
    let _ = UID_PER_SENDER
        .connect_with(
            ConnectOptions::new()
                .dispatch_uid("mail")
                .sender(Sender::named("billing")),
            || "billing",
        )
        .unwrap();
    let _ = UID_PER_SENDER
        .connect_with(
            ConnectOptions::new()
                .dispatch_uid("mail")
                .sender(Sender::named("shipping")),
            || "shipping",
        )
        .unwrap();
    let _ = UID_PER_SENDER
        .connect_with(ConnectOptions::new().dispatch_uid("mail"), || "any")
        .unwrap();
    assert_eq!(UID_PER_SENDER.receivers().len(), 3);
    assert_eq!(
        UID_PER_SENDER.send(Sender::named("shipping"), &0),
        vec!["shipping", "any"]
    );
}

// Rule 6, deliberate deviation: Django ignores a falsy uid and falls back to
// the receiver's identity; we refuse an empty uid with an error, on every
// connect variant, and connect nothing.
#[test]
fn empty_dispatch_uid_is_refused() {
    let options = || ConnectOptions::new().dispatch_uid("");
    assert_eq!(
        EMPTY_UID.connect_with(options(), || ()).unwrap_err(),
        ConnectError::EmptyDispatchUid
    );
    assert_eq!(
        EMPTY_UID
            .connect_async_with(options(), |_, _| Box::pin(async {}))
            .unwrap_err(),
        ConnectError::EmptyDispatchUid
    );
    let owner = Arc::new(());
    assert_eq!(
        EMPTY_UID
            .connect_weak_with(options(), &owner, |_, _, _| ())
            .unwrap_err(),
        ConnectError::EmptyDispatchUid
    );
    assert!(EMPTY_UID.receivers().is_empty());
    assert!(!EMPTY_UID.has_listeners(Sender::NONE));
}

// Rule 17 (our DESIGN "Senders"): `Sender::NONE` as a filter would never
// match anything a receiver without a filter does not already hear, so it
// is refused instead of silently connecting a receiver that never runs.
#[test]
fn none_sender_filter_is_refused() {
    let options = || ConnectOptions::new().sender(Sender::NONE);
    assert_eq!(
        NONE_FILTER.connect_with(options(), || ()).unwrap_err(),
        ConnectError::NoneSenderFilter
    );
    assert_eq!(
        NONE_FILTER
            .connect_async_with(options(), |_, _| Box::pin(async {}))
            .unwrap_err(),
        ConnectError::NoneSenderFilter
    );
    let owner = Arc::new(());
    assert_eq!(
        NONE_FILTER
            .connect_weak_with(options(), &owner, |_, _, _| ())
            .unwrap_err(),
        ConnectError::NoneSenderFilter
    );
    assert!(NONE_FILTER.receivers().is_empty());
}

// Rule 6/7: the key does not depend on whether the receiver is sync or async:
// an async receiver with a uid already taken by a sync one is a duplicate.
#[test]
fn uid_is_shared_between_sync_and_async_receivers() {
    let options = || ConnectOptions::new().dispatch_uid("notify");
    let _ = SYNC_ASYNC_UID.connect_with(options(), || ()).unwrap();
    assert!(matches!(
        SYNC_ASYNC_UID.connect_async_with(options(), |_, _| Box::pin(async {})),
        Err(ConnectError::Duplicate { .. })
    ));
    assert_eq!(SYNC_ASYNC_UID.receivers().len(), 1);
}

fn async_double<'b>(_: Sender, n: &'b u32) -> signals::BoxFuture<'b, u32> {
    Box::pin(async move { n * 2 })
}

// Rule 7 for async receivers: the same async function twice is a duplicate.
#[test]
fn same_async_function_twice_is_a_duplicate() {
    let _ = ASYNC_FN_TWICE.connect_async(async_double).unwrap();
    assert!(matches!(
        ASYNC_FN_TWICE.connect_async(async_double),
        Err(ConnectError::Duplicate { .. })
    ));
    assert_eq!(ASYNC_FN_TWICE.send(Sender::NONE, &4), vec![8]);
}

// Rule 12: a refused connect changes nothing: the order, count and
// responses stay as they were.
#[test]
fn refused_connect_leaves_the_signal_unchanged() {
    let _ = DUPLICATE_LEAVES_TABLE.connect(double).unwrap();
    let _ = DUPLICATE_LEAVES_TABLE.connect(triple).unwrap();
    let before = DUPLICATE_LEAVES_TABLE.receivers();
    assert!(DUPLICATE_LEAVES_TABLE.connect(double).is_err());
    assert!(
        DUPLICATE_LEAVES_TABLE
            .connect_with(ConnectOptions::new().dispatch_uid(""), |n: &u32| *n)
            .is_err()
    );
    assert_eq!(DUPLICATE_LEAVES_TABLE.receivers(), before);
    assert_eq!(DUPLICATE_LEAVES_TABLE.send(Sender::NONE, &1), vec![2, 3]);
}

// Rule 7: the duplicate report is readable: it names the receiver kept.
#[test]
fn duplicate_error_names_the_existing_receiver() {
    let _ = DUPLICATE_DISPLAY
        .connect_with(
            ConnectOptions::new().dispatch_uid("x").name("keeper"),
            || (),
        )
        .unwrap();
    let err = DUPLICATE_DISPLAY
        .connect_with(ConnectOptions::new().dispatch_uid("x"), || ())
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("duplicate"), "{text}");
    assert!(text.contains("keeper"), "{text}");
    assert!(text.contains(file!()), "{text}");
}
