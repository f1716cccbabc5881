//! Disconnecting runtime receivers: by handle, by dispatch_uid and sender, by
//! function and sender, and the consequences of the key rule
//! (DJANGO-RULES A.3).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use signals::{ConnectOptions, DisconnectError, Sender, Signal, signal};

struct Billing;

signal! {
    static BY_HANDLE: u32 => u32;
    static BY_SIGNAL_METHOD: u32 => u32;
    static FOREIGN_HANDLE: u32;
    static BY_UID: u32 => &'static str;
    static UID_WITH_SENDER: u32 => &'static str;
    static UID_ERRORS: u32;
    static BY_FUNCTION: u32 => u32;
    static FUNCTION_SENDER_SPECIFIC: u32 => u32;
    static FUNCTION_WITH_UID: u32 => u32;
    static FUNCTION_ERRORS: u32;
    static FUNCTION_POINTER: u32;
    static ASYNC_BY_FUNCTION: u32 => u32;
    static RECONNECT: u32 => u32;
    static FIRST_OF_MANY: u32 => &'static str;
}

fn double(_: Sender, n: &u32) -> u32 {
    n * 2
}

fn triple(_: Sender, n: &u32) -> u32 {
    n * 3
}

// Rule 14: removing by handle returns true once, then false; the receiver
// is no longer called.
#[test]
fn disconnect_by_handle() {
    let kept = BY_HANDLE.connect(triple).unwrap();
    let conn = BY_HANDLE.connect(double).unwrap();
    assert!(conn.is_connected());
    assert_eq!(BY_HANDLE.send(Sender::NONE, &1), vec![3, 2]);
    assert!(conn.disconnect());
    assert!(!conn.is_connected());
    // `Connection` is `Copy`: disconnecting the same handle again finds nothing.
    assert!(!conn.disconnect());
    assert_eq!(BY_HANDLE.send(Sender::NONE, &1), vec![3]);
    assert!(kept.is_connected());
}

// Rule 14: `Signal::disconnect(conn)` is the same as `conn.disconnect()`.
#[test]
fn disconnect_through_the_signal() {
    let conn = BY_SIGNAL_METHOD.connect(double).unwrap();
    assert!(std::ptr::eq(conn.signal(), &BY_SIGNAL_METHOD));
    assert_eq!(BY_SIGNAL_METHOD.disconnect(conn), Ok(true));
    assert_eq!(BY_SIGNAL_METHOD.disconnect(conn), Ok(false));
    assert!(BY_SIGNAL_METHOD.send(Sender::NONE, &1).is_empty());
}

// A handle only ever disconnects the receiver it created. Handing it to
// another signal of the same definition is a mistake, reported as one
// instead of a silent `false`, and removes nothing.
#[test]
fn handle_of_another_signal_is_refused() {
    let local: Signal<FOREIGN_HANDLE> = Signal::new();
    let conn = local.connect(|| ()).unwrap();
    let _ = FOREIGN_HANDLE.connect(|| ()).unwrap();
    let err = FOREIGN_HANDLE.disconnect(conn).unwrap_err();
    assert_eq!(
        err,
        DisconnectError::ForeignConnection {
            signal: "FOREIGN_HANDLE"
        }
    );
    let text = err.to_string();
    assert!(text.contains("another `Signal` instance"), "{text}");
    assert!(text.contains("Connection::disconnect"), "{text}");
    assert!(conn.is_connected());
    assert_eq!(FOREIGN_HANDLE.receivers().len(), 1);
    assert_eq!(local.disconnect(conn), Ok(true));
}

// Rules 13/14: disconnect by uid returns whether something was removed.
#[test]
fn disconnect_by_uid() {
    let _ = BY_UID
        .connect_with(ConnectOptions::new().dispatch_uid("mailer"), || "mailer")
        .unwrap();
    let _ = BY_UID
        .connect_with(ConnectOptions::new().dispatch_uid("audit"), || "audit")
        .unwrap();
    assert_eq!(BY_UID.disconnect_uid("mailer", None), Ok(true));
    assert_eq!(BY_UID.disconnect_uid("mailer", None), Ok(false));
    assert_eq!(BY_UID.disconnect_uid("unknown", None), Ok(false));
    assert_eq!(BY_UID.send(Sender::NONE, &0), vec!["audit"]);
}

// Rule 13/15: the sender is part of the key: `disconnect_uid(uid, None)`
// removes only the unfiltered registration, never a sender-specific one.
#[test]
fn disconnect_by_uid_respects_the_sender() {
    let billing = Sender::of::<Billing>();
    let _ = UID_WITH_SENDER
        .connect_with(
            ConnectOptions::new().dispatch_uid("mail").sender(billing),
            || "billing",
        )
        .unwrap();
    let _ = UID_WITH_SENDER
        .connect_with(ConnectOptions::new().dispatch_uid("mail"), || "any")
        .unwrap();
    assert_eq!(
        UID_WITH_SENDER.disconnect_uid("mail", Some(Sender::named("other"))),
        Ok(false)
    );
    assert_eq!(UID_WITH_SENDER.disconnect_uid("mail", None), Ok(true));
    assert_eq!(UID_WITH_SENDER.disconnect_uid("mail", None), Ok(false));
    assert_eq!(UID_WITH_SENDER.send(billing, &0), vec!["billing"]);
    assert_eq!(
        UID_WITH_SENDER.disconnect_uid("mail", Some(billing)),
        Ok(true)
    );
    assert!(UID_WITH_SENDER.receivers().is_empty());
}

// Runtime misuse returns an error, never a silent `false`: an empty uid and
// a `Sender::NONE` filter cannot name any registration.
#[test]
fn disconnect_by_uid_rejects_misuse() {
    let _ = UID_ERRORS
        .connect_with(ConnectOptions::new().dispatch_uid("x"), || ())
        .unwrap();
    assert_eq!(
        UID_ERRORS.disconnect_uid("", None),
        Err(DisconnectError::EmptyDispatchUid)
    );
    assert_eq!(
        UID_ERRORS.disconnect_uid("x", Some(Sender::NONE)),
        Err(DisconnectError::NoneSenderFilter)
    );
    assert_eq!(UID_ERRORS.receivers().len(), 1);
}

// Rules 13/14: a function connected without a uid is disconnected by
// passing the function again.
#[test]
fn disconnect_by_function() {
    let _ = BY_FUNCTION.connect(double).unwrap();
    let _ = BY_FUNCTION.connect(triple).unwrap();
    assert_eq!(BY_FUNCTION.disconnect_receiver(double, None), Ok(true));
    assert_eq!(BY_FUNCTION.disconnect_receiver(double, None), Ok(false));
    assert_eq!(BY_FUNCTION.send(Sender::NONE, &1), vec![3]);
}

// Rule 15: `disconnect(fn)` with no sender removes only the registration
// made without a sender; sender-specific ones stay. There is no "disconnect
// from all senders".
#[test]
fn disconnect_by_function_respects_the_sender() {
    let billing = Sender::of::<Billing>();
    let _ = FUNCTION_SENDER_SPECIFIC
        .connect_with(ConnectOptions::new().sender(billing), double)
        .unwrap();
    assert_eq!(
        FUNCTION_SENDER_SPECIFIC.disconnect_receiver(double, None),
        Ok(false)
    );
    assert_eq!(FUNCTION_SENDER_SPECIFIC.send(billing, &1), vec![2]);
    let _ = FUNCTION_SENDER_SPECIFIC.connect(double).unwrap();
    assert_eq!(
        FUNCTION_SENDER_SPECIFIC.disconnect_receiver(double, None),
        Ok(true)
    );
    assert_eq!(FUNCTION_SENDER_SPECIFIC.send(billing, &1), vec![2]);
    assert_eq!(
        FUNCTION_SENDER_SPECIFIC.disconnect_receiver(double, Some(billing)),
        Ok(true)
    );
    assert!(FUNCTION_SENDER_SPECIFIC.send(billing, &1).is_empty());
}

// Rule 15: a receiver connected with a dispatch_uid cannot be disconnected
// by passing the function; the uid is needed.
#[test]
fn function_connected_with_uid_needs_the_uid() {
    let _ = FUNCTION_WITH_UID
        .connect_with(ConnectOptions::new().dispatch_uid("dbl"), double)
        .unwrap();
    assert_eq!(
        FUNCTION_WITH_UID.disconnect_receiver(double, None),
        Ok(false)
    );
    assert_eq!(FUNCTION_WITH_UID.send(Sender::NONE, &2), vec![4]);
    assert_eq!(FUNCTION_WITH_UID.disconnect_uid("dbl", None), Ok(true));
    assert!(FUNCTION_WITH_UID.send(Sender::NONE, &2).is_empty());
}

// A closure that captures state has no identity but its connection:
// disconnecting it by value is an error that says what to do, not a
// silent `false`. `Sender::NONE` is refused as for `disconnect_uid`.
#[test]
fn disconnect_by_function_rejects_misuse() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counting = {
        let calls = Arc::clone(&calls);
        move |_: Sender, _: &u32| {
            calls.fetch_add(1, Ordering::SeqCst);
        }
    };
    let _ = FUNCTION_ERRORS.connect(counting.clone()).unwrap();
    let err = FUNCTION_ERRORS
        .disconnect_receiver(counting, None)
        .unwrap_err();
    assert!(matches!(err, DisconnectError::CapturesState { .. }));
    let text = err.to_string();
    assert!(text.contains("closure that captures state"), "{text}");
    assert!(text.contains("`Connection`"), "{text}");
    assert_eq!(
        FUNCTION_ERRORS.disconnect_receiver(ignore, Some(Sender::NONE)),
        Err(DisconnectError::NoneSenderFilter)
    );
    FUNCTION_ERRORS.send(Sender::NONE, &0);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

fn ignore(_: &u32) {}

// A function pointer has the same type for every function of its
// signature, so it cannot say which function to disconnect: the error says
// it is a function pointer (not "a closure") and to pass the function item.
// A boxed callable carries state like a capturing closure.
#[test]
fn disconnect_by_function_pointer_says_to_pass_the_function() {
    let _ = FUNCTION_POINTER.connect(ignore).unwrap();
    let pointer = ignore as fn(&u32);
    let err = FUNCTION_POINTER
        .disconnect_receiver(pointer, None)
        .unwrap_err();
    assert_eq!(
        err,
        DisconnectError::FunctionPointer {
            type_name: "fn(&'_ u32)"
        }
    );
    let text = err.to_string();
    assert!(text.contains("is a function pointer"), "{text}");
    assert!(text.contains("pass the function item itself"), "{text}");
    assert!(!text.contains("closure"), "{text}");

    let boxed: Box<dyn Fn(&u32) + Send + Sync> = Box::new(ignore);
    let err = FUNCTION_POINTER
        .disconnect_receiver(boxed, None)
        .unwrap_err();
    assert!(
        matches!(err, DisconnectError::CapturesState { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("carries state"), "{text}");
    assert!(!text.contains("closure"), "{text}");

    assert_eq!(FUNCTION_POINTER.receivers().len(), 1);
    assert_eq!(FUNCTION_POINTER.disconnect_receiver(ignore, None), Ok(true));
}

fn async_double<'b>(_: Sender, n: &'b u32) -> signals::BoxFuture<'b, u32> {
    Box::pin(async move { n * 2 })
}

// Rule 13: async receivers follow the same key rule as sync ones.
#[test]
fn disconnect_async_receiver_by_function() {
    let _ = ASYNC_BY_FUNCTION.connect_async(async_double).unwrap();
    assert_eq!(ASYNC_BY_FUNCTION.send(Sender::NONE, &3), vec![6]);
    assert_eq!(
        ASYNC_BY_FUNCTION.disconnect_receiver(async_double, None),
        Ok(true)
    );
    assert!(ASYNC_BY_FUNCTION.send(Sender::NONE, &3).is_empty());
}

// Rules 7/8/14: once disconnected, the same function connects again (no
// lingering duplicate) and goes to the end of the order.
#[test]
fn reconnect_after_disconnect() {
    let _ = RECONNECT.connect(double).unwrap();
    let _ = RECONNECT.connect(triple).unwrap();
    assert_eq!(RECONNECT.disconnect_receiver(double, None), Ok(true));
    let _ = RECONNECT.connect(double).unwrap();
    assert_eq!(RECONNECT.send(Sender::NONE, &1), vec![3, 2]);
}

// Rule 14: a disconnect removes exactly one registration; the others keep
// their order.
#[test]
fn disconnect_removes_only_its_registration() {
    let a = FIRST_OF_MANY.connect(|| "a").unwrap();
    let _ = FIRST_OF_MANY.connect(|| "b").unwrap();
    let _ = FIRST_OF_MANY.connect(|| "c").unwrap();
    assert!(a.disconnect());
    assert_eq!(FIRST_OF_MANY.send(Sender::NONE, &0), vec!["b", "c"]);
}
