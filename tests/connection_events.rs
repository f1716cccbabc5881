//! `signals::events`: RECEIVER_CONNECTED / RECEIVER_DISCONNECTED.
//!
//! Observers hear changes on every signal of the process, and the tests of
//! this file run in parallel, so each test watches its own signal through the
//! sender filter (the sender of an event is the changed signal's type).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use signals::events::{Change, RECEIVER_CONNECTED, RECEIVER_DISCONNECTED, ReceiverEvent};
use signals::testing;
use signals::{ConnectOptions, Origin, Sender, receiver, signal};

signal! {
    pub static WATCHED: u32;
    pub static WEAK_WATCHED: u32;
    pub static REENTRANT: u32;
    pub static STATIC_WATCHED: u32;
    pub static PANICKY: u32;
    pub static UNWATCHED: u32;
}

#[receiver(STATIC_WATCHED, dispatch_uid = "static-one")]
fn static_one() {}

static STATIC_OBSERVER_CALLS: AtomicUsize = AtomicUsize::new(0);

/// A link-time observer of one signal.
#[receiver(RECEIVER_CONNECTED, sender = WATCHED)]
fn count_watched_connects(event: &ReceiverEvent) {
    assert_eq!(event.signal, "WATCHED");
    STATIC_OBSERVER_CALLS.fetch_add(1, Ordering::SeqCst);
}

fn projection(event: &ReceiverEvent) -> (String, String, Change) {
    (
        event.signal_path(),
        event.receiver.name.to_string(),
        event.change,
    )
}

#[test]
fn connect_and_disconnect_are_reported_with_the_receiver() {
    let connected =
        testing::record(&RECEIVER_CONNECTED, projection).from_sender(Sender::of::<WATCHED>());
    let disconnected =
        testing::record(&RECEIVER_DISCONNECTED, projection).from_sender(Sender::of::<WATCHED>());
    let before = STATIC_OBSERVER_CALLS.load(Ordering::SeqCst);

    let connection = WATCHED
        .connect_with(ConnectOptions::new().name("audit"), || {})
        .unwrap();
    connected.assert_sent_once_with(&(
        "connection_events::WATCHED".to_owned(),
        "audit".to_owned(),
        Change::Connected,
    ));
    assert_eq!(STATIC_OBSERVER_CALLS.load(Ordering::SeqCst), before + 1);
    disconnected.assert_not_sent();

    assert!(connection.disconnect());
    disconnected.assert_sent_once_with(&(
        "connection_events::WATCHED".to_owned(),
        "audit".to_owned(),
        Change::Disconnected,
    ));

    // A duplicate that was refused, or a disconnect that found nothing,
    // is not an event.
    fn named(_: Sender, _: &u32) {}
    let first = WATCHED.connect(named).unwrap();
    assert!(WATCHED.connect(named).is_err());
    assert!(first.disconnect());
    assert!(!first.disconnect());
    connected.assert_sent_times(2);
    disconnected.assert_sent_times(2);

    // Scoped connections report their end too.
    drop(WATCHED.connect(|| {}).unwrap().scoped());
    disconnected.assert_sent_times(3);
}

#[test]
fn events_carry_the_receiver_metadata_and_the_changed_signal_as_sender() {
    let sends = testing::record(&RECEIVER_CONNECTED, |e: &ReceiverEvent| e.clone())
        .from_sender(Sender::of::<UNWATCHED>());
    // `connect_with` records the line of the method call.
    let line = line!() + 2;
    let _c = UNWATCHED
        .connect_with(
            ConnectOptions::new()
                .dispatch_uid("uid-1")
                .priority(3)
                .sender(Sender::named("till")),
            || {},
        )
        .unwrap()
        .scoped();
    let sent = sends.assert_sent_once();
    assert_eq!(sent.sender, Sender::of::<UNWATCHED>());
    let info = &sent.args.receiver;
    assert_eq!(info.dispatch_uid.as_deref(), Some("uid-1"));
    assert_eq!(info.priority, 3);
    assert_eq!(info.sender, Some(Sender::named("till")));
    assert_eq!(info.origin, Origin::Runtime);
    assert_eq!(info.line, line);
    assert_eq!(sent.args.module_path, "connection_events");
}

#[test]
fn removing_a_static_receiver_is_reported() {
    let disconnected = testing::record(&RECEIVER_DISCONNECTED, projection)
        .from_sender(Sender::of::<STATIC_WATCHED>());
    assert!(STATIC_WATCHED.disconnect_uid("static-one", None).unwrap());
    disconnected.assert_sent_once_with(&(
        "connection_events::STATIC_WATCHED".to_owned(),
        "static_one".to_owned(),
        Change::Disconnected,
    ));
}

#[test]
fn a_weak_receiver_pruned_after_its_owner_dropped_is_reported() {
    let disconnected = testing::record(&RECEIVER_DISCONNECTED, |e: &ReceiverEvent| e.change)
        .from_sender(Sender::of::<WEAK_WATCHED>());
    let owner = Arc::new(());
    let _c = WEAK_WATCHED.connect_weak(&owner, |_, _, _| {}).unwrap();
    drop(owner);
    disconnected.assert_not_sent();
    WEAK_WATCHED.send(Sender::NONE, &1);
    disconnected.assert_sent_once_with(&Change::OwnerDropped);
}

#[test]
fn observers_may_connect_disconnect_and_send_on_the_changed_signal() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let _observer = RECEIVER_CONNECTED
        .connect_with(
            ConnectOptions::new().sender(Sender::of::<REENTRANT>()),
            move |event: &ReceiverEvent| {
                log.lock().unwrap().push(event.receiver.name.to_string());
                // Reentrant use of the signal that just changed: send it,
                // and connect a helper exactly once.
                REENTRANT.send(Sender::NONE, &0);
                if event.receiver.name == "first" {
                    let helper = REENTRANT
                        .connect_with(ConnectOptions::new().name("helper"), || {})
                        .unwrap();
                    assert!(helper.disconnect());
                }
            },
        )
        .unwrap()
        .scoped();
    let _first = REENTRANT
        .connect_with(ConnectOptions::new().name("first"), || {})
        .unwrap()
        .scoped();
    assert_eq!(*seen.lock().unwrap(), ["first", "helper"]);
    assert_eq!(REENTRANT.receivers().len(), 1);
}

fn failing_observer() {
    panic!("observer failed")
}

#[test]
fn a_panicking_observer_does_not_break_the_change() {
    let _observer = RECEIVER_CONNECTED
        .connect_with(
            ConnectOptions::new().sender(Sender::of::<PANICKY>()),
            failing_observer,
        )
        .unwrap()
        .scoped();
    let connection = PANICKY.connect(|| {}).unwrap();
    assert!(connection.is_connected());
    assert_eq!(PANICKY.receivers().len(), 1);
}
