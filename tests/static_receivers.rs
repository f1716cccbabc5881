//! `#[receiver]`: link-time registration in any module, lists of signals,
//! every parameter shape, `dispatch_uid`, static duplicates and disconnecting
//! static receivers (DJANGO-RULES A.11 and rules 6, 7, 13-15).

use signals::{ConnectError, ConnectOptions, Origin, ReceiverKind, Sender, receiver, signal};

pub struct Kitchen;
pub struct Courier;

/// Arguments that borrow from the sender.
pub struct Order<'a> {
    pub item: &'a str,
    pub quantity: u32,
}

signal! {
    static SHAPES: u32 => String;
    static ASYNC_SHAPES: u32 => String;
    static LIST_A: u32 => &'static str;
    static LIST_B: &'static str => &'static str;
    static TYPED_SENDER: u32 => &'static str;
    static STATIC_UID: u32 => &'static str;
    static STATIC_DUPLICATES: u32 => &'static str;
    static SAME_FN_LISTED_TWICE: u32 => u32;
    static DISCONNECT_STATIC: u32 => u32;
    static DISCONNECT_FILTERED_STATIC: u32 => u32;
    static RUNTIME_AFTER_STATIC: u32 => u32;
    static BORROWED: Order<'_> => usize;
    static CRATE_KEY: u32 => u32;
    static ASYNC_TYPED_SENDER: u32 => u32;
    static RACE_TO_RESOLVE: u32 => u32;
}

// Rule 52 / DESIGN "What a user writes": every documented parameter shape,
// sync and async, in a module of its own.
mod shapes {
    use signals::{Sender, receiver};

    use super::{ASYNC_SHAPES, SHAPES};

    #[receiver(SHAPES)]
    fn no_params() -> String {
        "()".to_owned()
    }

    #[receiver(SHAPES)]
    fn args_only(args: &u32) -> String {
        format!("args={args}")
    }

    #[receiver(SHAPES)]
    fn sender_only(sender: Sender) -> String {
        format!("sender={sender}")
    }

    #[receiver(SHAPES)]
    fn sender_and_args(sender: Sender, args: &u32) -> String {
        format!("sender={sender},args={args}")
    }

    #[receiver(ASYNC_SHAPES)]
    async fn async_no_params() -> String {
        "()".to_owned()
    }

    #[receiver(ASYNC_SHAPES)]
    async fn async_args_only(args: &u32) -> String {
        format!("args={args}")
    }

    #[receiver(ASYNC_SHAPES)]
    async fn async_sender_only(sender: Sender) -> String {
        format!("sender={sender}")
    }

    #[receiver(ASYNC_SHAPES)]
    async fn async_sender_and_args(sender: Sender, args: &u32) -> String {
        format!("sender={sender},args={args}")
    }
}

#[test]
fn every_sync_parameter_shape_is_called() {
    let responses = SHAPES.send(Sender::named("k"), &7);
    // Same module: ordered by line.
    assert_eq!(
        responses,
        vec!["()", "args=7", "sender=k", "sender=k,args=7"]
    );
    assert!(
        SHAPES
            .receivers()
            .iter()
            .all(|r| r.kind == ReceiverKind::Sync)
    );
}

// Rules 24/36: async receivers of every shape, through `send` and `asend`.
#[test]
fn every_async_parameter_shape_is_called() {
    let expected = vec!["()", "args=7", "sender=k", "sender=k,args=7"];
    assert_eq!(ASYNC_SHAPES.send(Sender::named("k"), &7), expected);
    assert_eq!(
        futures::executor::block_on(ASYNC_SHAPES.asend(Sender::named("k"), &7)),
        expected
    );
    assert!(
        ASYNC_SHAPES
            .receivers()
            .iter()
            .all(|r| r.kind == ReceiverKind::Async)
    );
}

// Rule 52: a list of signals registers the function on each one.
mod listed {
    use signals::{Sender, receiver};

    use super::{LIST_A, LIST_B};

    #[receiver([LIST_A, LIST_B])]
    fn audit(sender: Sender) -> &'static str {
        sender.label()
    }
}

#[test]
fn list_of_signals_registers_on_each() {
    assert_eq!(LIST_A.send(Sender::named("a"), &1), vec!["a"]);
    assert_eq!(LIST_B.send(Sender::named("b"), &"x"), vec!["b"]);
    for infos in [LIST_A.receivers(), LIST_B.receivers()] {
        assert_eq!(infos.len(), 1);
        assert_eq!(infos[0].name, "audit");
    }
}

// Rule 17: `sender = Type` filters a static receiver to that type.
#[receiver(TYPED_SENDER, sender = Kitchen)]
fn kitchen_only(_: &u32) -> &'static str {
    "kitchen"
}

#[receiver(TYPED_SENDER)]
fn any_sender(_: &u32) -> &'static str {
    "any"
}

#[test]
fn static_sender_filter() {
    assert_eq!(
        TYPED_SENDER.send(Sender::of::<Kitchen>(), &0),
        vec!["kitchen", "any"]
    );
    assert_eq!(TYPED_SENDER.send(Sender::of::<Courier>(), &0), vec!["any"]);
    assert_eq!(TYPED_SENDER.send(Sender::NONE, &0), vec!["any"]);
}

// Rule 17 for async static receivers: `sender = Type` filters them too, in
// `send` and in `asend`.
#[receiver(ASYNC_TYPED_SENDER, sender = Kitchen, priority = 1)]
async fn kitchen_async(sender: Sender, n: &u32) -> u32 {
    assert!(sender.is::<Kitchen>());
    n + 1
}

#[receiver(ASYNC_TYPED_SENDER)]
async fn any_async(n: &u32) -> u32 {
    n + 2
}

#[test]
fn static_async_sender_filter() {
    let kitchen = Sender::of::<Kitchen>();
    assert_eq!(ASYNC_TYPED_SENDER.send(kitchen, &0), vec![1, 2]);
    assert_eq!(
        ASYNC_TYPED_SENDER.send(Sender::of::<Courier>(), &0),
        vec![2]
    );
    assert_eq!(
        futures::executor::block_on(ASYNC_TYPED_SENDER.asend(kitchen, &10)),
        vec![11, 12]
    );
    assert_eq!(
        futures::executor::block_on(ASYNC_TYPED_SENDER.asend(Sender::NONE, &10)),
        vec![12]
    );
}

// Rules 6/7/13: a static receiver's uid is its key: a runtime connect with
// the same uid and sender is a duplicate of it, and `disconnect_uid` removes
// it.
#[receiver(STATIC_UID, dispatch_uid = "kitchen-display")]
fn kitchen_display(_: &u32) -> &'static str {
    "static"
}

#[test]
fn static_uid_is_the_key() {
    let err = STATIC_UID
        .connect_with(
            ConnectOptions::new().dispatch_uid("kitchen-display"),
            || "runtime",
        )
        .unwrap_err();
    let ConnectError::Duplicate { existing } = err else {
        panic!("expected a duplicate, got {err:?}");
    };
    assert_eq!(existing.origin, Origin::Static);
    assert_eq!(existing.name, "kitchen_display");
    // Same uid for another sender is a separate registration (rule 7).
    let _ = STATIC_UID
        .connect_with(
            ConnectOptions::new()
                .dispatch_uid("kitchen-display")
                .sender(Sender::of::<Courier>()),
            || "courier",
        )
        .unwrap();
    assert_eq!(
        STATIC_UID.send(Sender::of::<Courier>(), &0),
        vec!["static", "courier"]
    );
    // Rule 15: a uid receiver cannot be removed by function.
    assert_eq!(
        STATIC_UID.disconnect_receiver(kitchen_display, None),
        Ok(false)
    );
    assert_eq!(STATIC_UID.disconnect_uid("kitchen-display", None), Ok(true));
    assert_eq!(
        STATIC_UID.send(Sender::of::<Courier>(), &0),
        vec!["courier"]
    );
    assert_eq!(STATIC_UID.send(Sender::NONE, &0), Vec::<&str>::new());
}

// Rule 7 and DESIGN "Semantics" 7: static receivers sharing a uid and sender
// keep the first in dispatch order (module path, then line), whatever the
// link order, and the others are reported by `duplicates()`.
mod dup_b {
    use signals::receiver;

    use super::STATIC_DUPLICATES;

    #[receiver(STATIC_DUPLICATES, dispatch_uid = "shared")]
    fn from_b(_: &u32) -> &'static str {
        "b"
    }
}

mod dup_a {
    use signals::receiver;

    use super::{Kitchen, STATIC_DUPLICATES};

    #[receiver(STATIC_DUPLICATES, dispatch_uid = "shared")]
    fn from_a(_: &u32) -> &'static str {
        "a"
    }

    #[receiver(STATIC_DUPLICATES, dispatch_uid = "shared", sender = Kitchen)]
    fn from_a_for_kitchen(_: &u32) -> &'static str {
        "a-kitchen"
    }
}

#[test]
fn static_duplicates_are_ignored_and_reported() {
    assert_eq!(STATIC_DUPLICATES.send(Sender::NONE, &0), vec!["a"]);
    assert_eq!(
        STATIC_DUPLICATES.send(Sender::of::<Kitchen>(), &0),
        vec!["a", "a-kitchen"]
    );
    let duplicates = STATIC_DUPLICATES.duplicates();
    assert_eq!(duplicates.len(), 1, "{duplicates:?}");
    assert_eq!(duplicates[0].kept.name, "from_a");
    assert_eq!(
        duplicates[0].kept.module_path,
        concat!(module_path!(), "::dup_a")
    );
    assert_eq!(duplicates[0].ignored.name, "from_b");
    assert_eq!(
        duplicates[0].ignored.dispatch_uid.as_deref(),
        Some("shared")
    );
    assert_eq!(STATIC_DUPLICATES.receivers().len(), 2);
}

// Rule 7: the same function registered twice on one signal (listed twice)
// is one receiver plus one reported duplicate.
#[receiver([SAME_FN_LISTED_TWICE, SAME_FN_LISTED_TWICE])]
fn listed_twice(n: &u32) -> u32 {
    n + 1
}

#[test]
fn same_function_listed_twice_is_one_receiver() {
    assert_eq!(SAME_FN_LISTED_TWICE.send(Sender::NONE, &1), vec![2]);
    let duplicates = SAME_FN_LISTED_TWICE.duplicates();
    assert_eq!(duplicates.len(), 1);
    assert_eq!(duplicates[0].kept.name, "listed_twice");
    assert_eq!(duplicates[0].ignored.name, "listed_twice");
}

// Rules 13/52: a static receiver is disconnected by passing the function
// item, which stays an ordinary function that can still be called.
#[receiver(DISCONNECT_STATIC)]
fn static_plus_one(n: &u32) -> u32 {
    n + 1
}

#[receiver(DISCONNECT_STATIC)]
fn static_plus_two(n: &u32) -> u32 {
    n + 2
}

#[test]
fn disconnect_static_receiver_by_function() {
    assert_eq!(DISCONNECT_STATIC.send(Sender::NONE, &0), vec![1, 2]);
    assert_eq!(
        DISCONNECT_STATIC.disconnect_receiver(static_plus_one, None),
        Ok(true)
    );
    assert_eq!(
        DISCONNECT_STATIC.disconnect_receiver(static_plus_one, None),
        Ok(false)
    );
    assert_eq!(DISCONNECT_STATIC.send(Sender::NONE, &0), vec![2]);
    assert_eq!(static_plus_one(&41), 42);
}

// Rule 15: a sender-filtered static receiver is removed only by naming its
// sender.
#[receiver(DISCONNECT_FILTERED_STATIC, sender = Kitchen)]
fn kitchen_plus_one(n: &u32) -> u32 {
    n + 1
}

#[test]
fn disconnect_filtered_static_receiver_needs_its_sender() {
    let kitchen = Sender::of::<Kitchen>();
    assert_eq!(
        DISCONNECT_FILTERED_STATIC.disconnect_receiver(kitchen_plus_one, None),
        Ok(false)
    );
    assert_eq!(
        DISCONNECT_FILTERED_STATIC
            .disconnect_receiver(kitchen_plus_one, Some(Sender::of::<Courier>())),
        Ok(false)
    );
    assert_eq!(DISCONNECT_FILTERED_STATIC.send(kitchen, &1), vec![2]);
    assert_eq!(
        DISCONNECT_FILTERED_STATIC.disconnect_receiver(kitchen_plus_one, Some(kitchen)),
        Ok(true)
    );
    assert!(DISCONNECT_FILTERED_STATIC.send(kitchen, &1).is_empty());
}

// Rules 6/7: a function registered with `#[receiver]` is the same receiver
// when connected at run time: connecting it again for the same sender is a
// duplicate, for another sender it is a new registration.
#[receiver(RUNTIME_AFTER_STATIC)]
fn static_times_ten(_: Sender, n: &u32) -> u32 {
    n * 10
}

#[test]
fn runtime_connect_of_a_static_function_is_a_duplicate() {
    let err = RUNTIME_AFTER_STATIC.connect(static_times_ten).unwrap_err();
    assert!(
        matches!(err, ConnectError::Duplicate { existing } if existing.origin == Origin::Static)
    );
    let _ = RUNTIME_AFTER_STATIC
        .connect_with(
            ConnectOptions::new().sender(Sender::of::<Kitchen>()),
            static_times_ten,
        )
        .unwrap();
    assert_eq!(
        RUNTIME_AFTER_STATIC.send(Sender::of::<Kitchen>(), &1),
        vec![10, 10]
    );
    assert_eq!(RUNTIME_AFTER_STATIC.send(Sender::NONE, &1), vec![10]);
}

// DESIGN "What a user writes": arguments may borrow from the sender; a
// static receiver reads them without any clone.
#[receiver(BORROWED)]
fn count_letters(order: &Order<'_>) -> usize {
    order.item.len() * order.quantity as usize
}

#[receiver(BORROWED)]
async fn count_letters_later(order: &Order<'_>) -> usize {
    order.item.len()
}

#[test]
fn static_receivers_read_borrowed_arguments() {
    let item = String::from("margherita");
    let order = Order {
        item: &item,
        quantity: 2,
    };
    assert_eq!(BORROWED.send(Sender::NONE, &order), vec![20, 10]);
}

// The `crate = path` key names the facade when it is re-exported elsewhere.
mod renamed {
    pub use signals as reexported;
}

#[receiver(CRATE_KEY, crate = renamed::reexported, priority = -1)]
fn through_renamed_crate(n: &u32) -> u32 {
    *n
}

#[test]
fn crate_key_uses_the_given_path() {
    assert_eq!(CRATE_KEY.send(Sender::NONE, &9), vec![9]);
    assert_eq!(CRATE_KEY.receivers()[0].priority, -1);
}

#[receiver(RACE_TO_RESOLVE)]
fn race_one(n: &u32) -> u32 {
    n + 1
}

#[receiver(RACE_TO_RESOLVE)]
fn race_two(n: &u32) -> u32 {
    n + 2
}

// DESIGN "Semantics" 7: the static receivers are resolved once, on first
// use; many threads sending for the first time at once all see each static
// receiver exactly once.
#[test]
fn concurrent_first_sends_resolve_once() {
    let start = std::sync::Arc::new(std::sync::Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let start = std::sync::Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                RACE_TO_RESOLVE.send(Sender::NONE, &10)
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), vec![11, 12]);
    }
    assert_eq!(RACE_TO_RESOLVE.receivers().len(), 2);
    assert!(RACE_TO_RESOLVE.duplicates().is_empty());
}
