//! Receivers tied to an owner (`connect_weak`) and to a scope
//! (`ScopedConnection`) (DJANGO-RULES rules 10, 19, 45; Part F).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::executor::block_on;
use signals::{ConnectError, ConnectOptions, Sender, signal};

struct Display {
    label: &'static str,
    seen: Mutex<Vec<u32>>,
}

impl Display {
    fn new(label: &'static str) -> Arc<Display> {
        Arc::new(Display {
            label,
            seen: Mutex::new(Vec::new()),
        })
    }
}

signal! {
    static WEAK_CALLED: u32 => &'static str;
    static WEAK_DROPPED: u32 => &'static str;
    static WEAK_NO_STRONG_REF: u32;
    static WEAK_PRUNED_FREES: u32;
    static WEAK_DISCONNECT_DEAD: u32;
    static WEAK_UID_DEAD: u32 => &'static str;
    static WEAK_UID_FIRST_WINS: u32 => &'static str;
    static WEAK_ASYNC_SENDS: u32 => &'static str;
    static WEAK_FILTERED: u32 => &'static str;
    static WEAK_SAME_METHOD: u32 => &'static str;
    static WEAK_OTHER_OWNER: u32 => &'static str;
    static WEAK_OTHER_METHOD: u32 => &'static str;
    static WEAK_METHOD_PER_SENDER: u32 => &'static str;
    static WEAK_CAPTURING: u32 => &'static str;
    static WEAK_REUSED_ADDRESS: u32 => &'static str;
    static WEAK_RECONNECT: u32 => &'static str;
    static SCOPED: u32 => u32;
    static SCOPED_RELEASE: u32 => u32;
    static SCOPED_UNWIND: u32 => u32;
    static SCOPED_ALREADY_GONE: u32 => u32;
    static SCOPED_EARLY: u32 => u32;
}

// Part F / DESIGN: a weak receiver gets its owner as first argument while
// the owner lives.
#[test]
fn weak_receiver_is_called_with_its_owner() {
    let display = Display::new("kitchen");
    let conn = WEAK_CALLED
        .connect_weak(&display, |owner: &Display, _, n| {
            owner.seen.lock().unwrap().push(*n);
            owner.label
        })
        .unwrap();
    assert!(conn.is_connected());
    assert_eq!(WEAK_CALLED.send(Sender::NONE, &1), vec!["kitchen"]);
    assert_eq!(WEAK_CALLED.send(Sender::NONE, &2), vec!["kitchen"]);
    assert_eq!(*display.seen.lock().unwrap(), vec![1, 2]);
    assert!(WEAK_CALLED.receivers()[0].weak);
}

// Rules 10/19/45: once the owner is dropped the receiver is never called
// again, no send method reaches it, and it disappears from introspection.
#[test]
fn weak_receiver_is_never_called_after_its_owner_drops() {
    let display = Display::new("gone");
    let calls = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&calls);
    let conn = WEAK_DROPPED
        .connect_weak(&display, move |owner: &Display, _, _| {
            count.fetch_add(1, Ordering::SeqCst);
            owner.label
        })
        .unwrap();
    let _ = WEAK_DROPPED.connect(|| "strong").unwrap();
    assert_eq!(WEAK_DROPPED.send(Sender::NONE, &0), vec!["gone", "strong"]);
    drop(display);
    assert!(!conn.is_connected());
    assert!(WEAK_DROPPED.has_listeners(Sender::NONE));
    assert_eq!(WEAK_DROPPED.receivers_for(Sender::NONE).len(), 1);
    assert_eq!(WEAK_DROPPED.send(Sender::NONE, &0), vec!["strong"]);
    assert_eq!(
        WEAK_DROPPED
            .send_robust(Sender::NONE, &0)
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .unwrap(),
        vec!["strong"]
    );
    assert_eq!(
        block_on(WEAK_DROPPED.asend(Sender::NONE, &0)),
        vec!["strong"]
    );
    assert_eq!(WEAK_DROPPED.receivers().len(), 1);
    assert!(!WEAK_DROPPED.receivers()[0].weak);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

// Rule 10: the signal does not keep the owner alive.
#[test]
fn weak_receiver_does_not_keep_its_owner_alive() {
    let display = Display::new("x");
    let _ = WEAK_NO_STRONG_REF
        .connect_weak(&display, |_: &Display, _, _| ())
        .unwrap();
    WEAK_NO_STRONG_REF.send(Sender::NONE, &0);
    assert_eq!(Arc::strong_count(&display), 1);
    assert!(WEAK_NO_STRONG_REF.has_listeners(Sender::NONE));
    drop(display);
    assert!(!WEAK_NO_STRONG_REF.has_listeners(Sender::NONE));
}

// Rule 19 (pruning): after the owner drops, the next send prunes the
// receiver and releases the closure and everything it captured (no leak).
#[test]
fn pruned_weak_receiver_releases_its_closure() {
    let display = Display::new("x");
    let captured = Arc::new(());
    let held = Arc::clone(&captured);
    let _ = WEAK_PRUNED_FREES
        .connect_weak(&display, move |_: &Display, _, _| {
            let _ = &held;
        })
        .unwrap();
    assert_eq!(Arc::strong_count(&captured), 2);
    drop(display);
    WEAK_PRUNED_FREES.send(Sender::NONE, &0);
    assert!(WEAK_PRUNED_FREES.receivers().is_empty());
    assert_eq!(
        Arc::strong_count(&captured),
        1,
        "the pruned closure was freed"
    );
}

// Rule 14 (Django prunes dead entries before removing): a weak receiver
// whose owner is gone counts as gone for `disconnect` too, consistently
// with `is_connected`.
#[test]
fn disconnecting_a_dead_weak_receiver_reports_false() {
    let display = Display::new("x");
    let conn = WEAK_DISCONNECT_DEAD
        .connect_weak_with(
            ConnectOptions::new().dispatch_uid("display"),
            &display,
            |_: &Display, _, _| (),
        )
        .unwrap();
    drop(display);
    assert!(!conn.is_connected());
    assert!(!conn.disconnect());
    assert_eq!(
        WEAK_DISCONNECT_DEAD.disconnect_uid("display", None),
        Ok(false)
    );
}

// Rules 7/12 (Django prunes dead entries before the duplicate check): a
// weak receiver whose owner is gone does not block a new receiver with the
// same uid.
#[test]
fn dead_weak_receiver_does_not_block_its_uid() {
    let display = Display::new("old");
    let options = || ConnectOptions::new().dispatch_uid("display");
    let _ = WEAK_UID_DEAD
        .connect_weak_with(options(), &display, |owner: &Display, _, _| owner.label)
        .unwrap();
    drop(display);
    let replacement = Display::new("new");
    let _ = WEAK_UID_DEAD
        .connect_weak_with(options(), &replacement, |owner: &Display, _, _| owner.label)
        .unwrap();
    assert_eq!(WEAK_UID_DEAD.send(Sender::NONE, &0), vec!["new"]);
}

// Rule 7: connecting again with a different weak/strong choice changes
// nothing: the first registration wins and the second is reported.
#[test]
fn weak_first_registration_wins_over_strong_duplicate() {
    let display = Display::new("weak");
    let options = || ConnectOptions::new().dispatch_uid("screen");
    let _ = WEAK_UID_FIRST_WINS
        .connect_weak_with(options(), &display, |owner: &Display, _, _| owner.label)
        .unwrap();
    let err = WEAK_UID_FIRST_WINS
        .connect_with(options(), || "strong")
        .unwrap_err();
    assert!(matches!(err, ConnectError::Duplicate { existing } if existing.weak));
    assert_eq!(WEAK_UID_FIRST_WINS.send(Sender::NONE, &0), vec!["weak"]);
    drop(display);
    // Django verified: the receiver is still collected with its owner.
    assert!(WEAK_UID_FIRST_WINS.send(Sender::NONE, &0).is_empty());
}

// Rule 45: liveness is checked by the async send methods as well.
#[test]
fn weak_receiver_with_async_sends() {
    let display = Display::new("async");
    let _ = WEAK_ASYNC_SENDS
        .connect_weak(&display, |owner: &Display, _, _| owner.label)
        .unwrap();
    assert_eq!(
        block_on(WEAK_ASYNC_SENDS.asend(Sender::NONE, &0)),
        vec!["async"]
    );
    drop(display);
    assert!(block_on(WEAK_ASYNC_SENDS.asend_robust(Sender::NONE, &0)).is_empty());
    assert!(WEAK_ASYNC_SENDS.receivers().is_empty());
}

// Rule 17 with weak receivers: a sender filter applies as usual and
// `has_listeners` for that sender follows the owner's life.
#[test]
fn weak_receiver_with_sender_filter() {
    let display = Display::new("filtered");
    let billing = Sender::named("billing");
    let _ = WEAK_FILTERED
        .connect_weak_with(
            ConnectOptions::new().sender(billing),
            &display,
            |owner: &Display, _, _| owner.label,
        )
        .unwrap();
    assert!(WEAK_FILTERED.has_listeners(billing));
    assert!(!WEAK_FILTERED.has_listeners(Sender::NONE));
    assert_eq!(WEAK_FILTERED.send(billing, &0), vec!["filtered"]);
    drop(display);
    assert!(!WEAK_FILTERED.has_listeners(billing));
    assert!(WEAK_FILTERED.send(billing, &0).is_empty());
}

impl Display {
    fn label(&self, _: Sender, _: &u32) -> &'static str {
        self.label
    }

    fn shout(&self, _: Sender, _: &u32) -> &'static str {
        "SHOUT"
    }
}

// Rules 3/7 (Django keys a bound method by its object and its function): the
// same method of the same owner connected twice is one receiver, and the
// second connect says it is a duplicate.
#[test]
fn same_method_of_same_owner_is_a_duplicate() {
    let display = Display::new("kitchen");
    let _ = WEAK_SAME_METHOD
        .connect_weak(&display, Display::label)
        .unwrap();
    let err = WEAK_SAME_METHOD
        .connect_weak(&display, Display::label)
        .unwrap_err();
    let ConnectError::Duplicate { existing } = err else {
        panic!("expected a duplicate, got {err:?}");
    };
    assert_eq!(existing.name, "label");
    assert!(existing.weak);
    assert_eq!(WEAK_SAME_METHOD.receivers().len(), 1);
    assert_eq!(WEAK_SAME_METHOD.send(Sender::NONE, &0), vec!["kitchen"]);
    // A capture-free closure is a function too.
    let by_closure = |owner: &Display, _: Sender, _: &u32| owner.label;
    let _ = WEAK_SAME_METHOD.connect_weak(&display, by_closure).unwrap();
    assert!(matches!(
        WEAK_SAME_METHOD.connect_weak(&display, by_closure),
        Err(ConnectError::Duplicate { .. })
    ));
    assert_eq!(WEAK_SAME_METHOD.receivers().len(), 2);
}

// Rule 3: another owner with the same method is another receiver.
#[test]
fn same_method_of_another_owner_is_another_receiver() {
    let kitchen = Display::new("kitchen");
    let hall = Display::new("hall");
    let _ = WEAK_OTHER_OWNER
        .connect_weak(&kitchen, Display::label)
        .unwrap();
    let _ = WEAK_OTHER_OWNER
        .connect_weak(&hall, Display::label)
        .unwrap();
    assert_eq!(
        WEAK_OTHER_OWNER.send(Sender::NONE, &0),
        vec!["kitchen", "hall"]
    );
    drop(kitchen);
    assert_eq!(WEAK_OTHER_OWNER.send(Sender::NONE, &0), vec!["hall"]);
}

// Rule 3: another method of the same owner is another receiver.
#[test]
fn another_method_of_same_owner_is_another_receiver() {
    let display = Display::new("kitchen");
    let _ = WEAK_OTHER_METHOD
        .connect_weak(&display, Display::label)
        .unwrap();
    let _ = WEAK_OTHER_METHOD
        .connect_weak(&display, Display::shout)
        .unwrap();
    assert_eq!(
        WEAK_OTHER_METHOD.send(Sender::NONE, &0),
        vec!["kitchen", "SHOUT"]
    );
}

// Rule 7: the sender filter is part of the key for bound methods too.
#[test]
fn same_method_for_another_sender_is_another_receiver() {
    let display = Display::new("kitchen");
    let billing = Sender::named("billing");
    let _ = WEAK_METHOD_PER_SENDER
        .connect_weak(&display, Display::label)
        .unwrap();
    let _ = WEAK_METHOD_PER_SENDER
        .connect_weak_with(
            ConnectOptions::new().sender(billing),
            &display,
            Display::label,
        )
        .unwrap();
    assert!(matches!(
        WEAK_METHOD_PER_SENDER.connect_weak_with(
            ConnectOptions::new().sender(billing),
            &display,
            Display::label,
        ),
        Err(ConnectError::Duplicate { .. })
    ));
    assert_eq!(
        WEAK_METHOD_PER_SENDER.send(billing, &0),
        vec!["kitchen", "kitchen"]
    );
}

// A closure that captures state is still keyed by its connection, owner
// or not.
#[test]
fn capturing_weak_closures_are_keyed_by_connection() {
    let display = Display::new("kitchen");
    let suffix = String::from("!");
    for _ in 0..2 {
        let suffix = suffix.clone();
        let _ = WEAK_CAPTURING
            .connect_weak(&display, move |owner: &Display, _, _| {
                assert_eq!(suffix, "!");
                owner.label
            })
            .unwrap();
    }
    assert_eq!(WEAK_CAPTURING.receivers().len(), 2);
}

// Rules 7/12: the owner's identity is its address. A receiver keeps its
// owner's allocation reserved (through its `Weak`) until it is pruned, so a
// new owner that gets the same address afterwards is a new receiver, not a
// false duplicate of the dead one.
#[test]
fn new_owner_at_a_dead_owners_address_is_not_a_duplicate() {
    let old = Display::new("old");
    let address = Arc::as_ptr(&old);
    let _ = WEAK_REUSED_ADDRESS
        .connect_weak(&old, Display::label)
        .unwrap();
    drop(old);
    // Pruning drops the receiver, and with it the last `Weak`: the
    // allocation is freed.
    assert!(WEAK_REUSED_ADDRESS.receivers().is_empty());
    // The allocator hands a freed block of the same size back to the same
    // thread (bounded search, all candidates kept alive).
    let mut candidates = Vec::new();
    let new = loop {
        let candidate = Display::new("new");
        if Arc::as_ptr(&candidate) == address {
            break candidate;
        }
        candidates.push(candidate);
        assert!(
            candidates.len() < 1000,
            "the allocator never reused the freed owner's address"
        );
    };
    let _ = WEAK_REUSED_ADDRESS
        .connect_weak(&new, Display::label)
        .unwrap();
    assert_eq!(WEAK_REUSED_ADDRESS.send(Sender::NONE, &0), vec!["new"]);
}

// Rule 14: once disconnected, the same method of the same owner connects
// again.
#[test]
fn bound_method_reconnects_after_disconnect() {
    let display = Display::new("kitchen");
    let first = WEAK_RECONNECT
        .connect_weak(&display, Display::label)
        .unwrap();
    assert!(first.disconnect());
    let second = WEAK_RECONNECT
        .connect_weak(&display, Display::label)
        .unwrap();
    assert!(second.is_connected());
    assert_eq!(WEAK_RECONNECT.send(Sender::NONE, &0), vec!["kitchen"]);
}

// Part F / Part E 7 (`connected_to`): a scoped connection disconnects its
// receiver when the guard drops.
#[test]
fn scoped_connection_disconnects_on_drop() {
    let _ = SCOPED.connect(|n: &u32| *n).unwrap();
    {
        let _guard = SCOPED.connect(|n: &u32| n + 100).unwrap().scoped();
        assert_eq!(SCOPED.send(Sender::NONE, &1), vec![1, 101]);
    }
    assert_eq!(SCOPED.send(Sender::NONE, &1), vec![1]);
}

// `release` keeps the receiver connected past the guard and hands back a
// handle that can still disconnect it.
#[test]
fn released_scoped_connection_stays_connected() {
    let conn = {
        let guard = SCOPED_RELEASE.connect(|n: &u32| n + 1).unwrap().scoped();
        guard.release()
    };
    assert!(conn.is_connected());
    assert_eq!(SCOPED_RELEASE.send(Sender::NONE, &1), vec![2]);
    assert!(conn.disconnect());
    assert!(SCOPED_RELEASE.send(Sender::NONE, &1).is_empty());
}

// DESIGN "Semantics" 5: a guard also disconnects while a panic unwinds.
#[test]
fn scoped_connection_disconnects_during_unwinding() {
    let result = std::panic::catch_unwind(|| {
        let _guard = SCOPED_UNWIND.connect(|n: &u32| *n).unwrap().scoped();
        assert_eq!(SCOPED_UNWIND.send(Sender::NONE, &3), vec![3]);
        panic!("test body failed");
    });
    assert!(result.is_err());
    assert!(SCOPED_UNWIND.receivers().is_empty());
}

// Dropping a guard whose receiver is already disconnected is harmless and
// removes nothing else.
#[test]
fn scoped_connection_of_an_already_removed_receiver() {
    let guard = SCOPED_ALREADY_GONE.connect(|n: &u32| *n).unwrap();
    let other = SCOPED_ALREADY_GONE.connect(|n: &u32| n + 1).unwrap();
    let scoped = guard.scoped();
    assert!(guard.disconnect());
    drop(scoped);
    assert!(other.is_connected());
    assert_eq!(SCOPED_ALREADY_GONE.send(Sender::NONE, &1), vec![2]);
}

// The disconnect rule for a guard: disconnecting it early answers whether
// the receiver was still connected, like `Connection::disconnect`.
#[test]
fn scoped_connection_disconnects_early_and_reports() {
    let guard = SCOPED_EARLY.connect(|n: &u32| *n).unwrap().scoped();
    assert!(guard.is_connected());
    assert!(guard.disconnect());
    assert!(SCOPED_EARLY.send(Sender::NONE, &1).is_empty());

    let display = Display::new("gone");
    let weak = SCOPED_EARLY
        .connect_weak(&display, |_: &Display, _, n: &u32| *n)
        .unwrap()
        .scoped();
    drop(display);
    assert!(!weak.is_connected());
    assert!(!weak.disconnect());
}
