//! Runtime `connect` accepts what `#[receiver]` accepts: the four parameter
//! shapes, sync or async, as function items, closures (capture-free or
//! not) and `async` closures; the key and the name shown by introspection
//! follow the function, whatever its shape.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::executor::block_on;
use signals::{ConnectError, ConnectOptions, ReceiverKind, Sender, Signal, signal, testing};

struct Oven;

pub struct Pizza {
    size: u32,
}

/// Arguments borrowing from the sender, held across an `.await`.
pub struct Ticket<'a> {
    table: &'a str,
}

signal! {
    static SYNC_FN_ITEMS: Pizza => String;
    static ASYNC_FN_ITEMS: Pizza => String;
    static CAPTURE_FREE_CLOSURES: Pizza => String;
    static CAPTURING_CLOSURES: Pizza => String;
    static ASYNC_CLOSURES: Pizza => String;
    static FUTURE_CLOSURES: Pizza => String;
    static BORROWED: Ticket<'_> => usize;
    static SHAPE_KEYS: Pizza => String;
    static SHAPE_NAMES: Pizza => String;
    static SCOPED_SHAPES: Pizza => String;
    static FILTERED_SHAPES: Pizza => String;
}

fn nothing() -> String {
    "nothing".into()
}

fn args_only(pizza: &Pizza) -> String {
    format!("args {}", pizza.size)
}

fn sender_only(sender: Sender) -> String {
    format!("sender {}", sender.is::<Oven>())
}

fn sender_and_args(sender: Sender, pizza: &Pizza) -> String {
    format!("both {} {}", sender.is::<Oven>(), pizza.size)
}

async fn async_nothing() -> String {
    "async nothing".into()
}

async fn async_args_only(pizza: &Pizza) -> String {
    format!("async args {}", pizza.size)
}

async fn async_sender_only(sender: Sender) -> String {
    format!("async sender {}", sender.is::<Oven>())
}

async fn async_sender_and_args(sender: Sender, pizza: &Pizza) -> String {
    format!("async both {} {}", sender.is::<Oven>(), pizza.size)
}

fn oven_sends<D>(signal: &Signal<D>) -> Vec<String>
where
    D: for<'a> signals::SignalDef<Args<'a> = Pizza, Response = String>,
{
    signal.send(Sender::of::<Oven>(), &Pizza { size: 30 })
}

// Every sync shape `#[receiver]` takes, as a function item, gets what its
// parameters ask for.
#[test]
fn function_items_of_every_sync_shape_connect() {
    let _ = SYNC_FN_ITEMS.connect(nothing).unwrap();
    let _ = SYNC_FN_ITEMS.connect(args_only).unwrap();
    let _ = SYNC_FN_ITEMS.connect(sender_only).unwrap();
    let _ = SYNC_FN_ITEMS.connect(sender_and_args).unwrap();
    assert_eq!(
        oven_sends(&SYNC_FN_ITEMS),
        ["nothing", "args 30", "sender true", "both true 30"]
    );
    assert!(
        SYNC_FN_ITEMS
            .receivers()
            .iter()
            .all(|r| r.kind == ReceiverKind::Sync)
    );
}

// Every async shape, as an `async fn`, connects without a hand-written
// `Box::pin`; `send` and `asend` both await it.
#[test]
fn async_functions_of_every_shape_connect() {
    let _ = ASYNC_FN_ITEMS.connect(async_nothing).unwrap();
    let _ = ASYNC_FN_ITEMS.connect(async_args_only).unwrap();
    let _ = ASYNC_FN_ITEMS.connect(async_sender_only).unwrap();
    let _ = ASYNC_FN_ITEMS.connect(async_sender_and_args).unwrap();
    let expected = [
        "async nothing",
        "async args 30",
        "async sender true",
        "async both true 30",
    ];
    assert_eq!(oven_sends(&ASYNC_FN_ITEMS), expected);
    let pizza = Pizza { size: 30 };
    assert_eq!(
        block_on(ASYNC_FN_ITEMS.asend(Sender::of::<Oven>(), &pizza)),
        expected
    );
    assert!(
        ASYNC_FN_ITEMS
            .receivers()
            .iter()
            .all(|r| r.kind == ReceiverKind::Async)
    );
}

#[test]
fn capture_free_closures_of_every_shape_connect() {
    let _ = CAPTURE_FREE_CLOSURES
        .connect(|| "nothing".to_string())
        .unwrap();
    let _ = CAPTURE_FREE_CLOSURES
        .connect(|pizza: &Pizza| format!("args {}", pizza.size))
        .unwrap();
    let _ = CAPTURE_FREE_CLOSURES
        .connect(|sender: Sender| format!("sender {}", sender.is::<Oven>()))
        .unwrap();
    // With the arguments annotated, the sender needs no annotation.
    let _ = CAPTURE_FREE_CLOSURES
        .connect(|sender, pizza: &Pizza| format!("both {sender} {}", pizza.size))
        .unwrap();
    assert_eq!(
        oven_sends(&CAPTURE_FREE_CLOSURES),
        [
            "nothing",
            "args 30",
            "sender true",
            "both connect_shapes::Oven 30"
        ]
    );
}

#[test]
fn capturing_closures_of_every_shape_connect() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = |label: &'static str| {
        let calls = Arc::clone(&calls);
        move || {
            calls.fetch_add(1, Ordering::SeqCst);
            label.to_string()
        }
    };
    let (a, b, c, d) = (
        counter("nothing"),
        counter("args"),
        counter("sender"),
        counter("both"),
    );
    let _ = CAPTURING_CLOSURES.connect(a).unwrap();
    let _ = CAPTURING_CLOSURES
        .connect(move |pizza: &Pizza| format!("{} {}", b(), pizza.size))
        .unwrap();
    let _ = CAPTURING_CLOSURES
        .connect(move |sender: Sender| format!("{} {}", c(), sender.is::<Oven>()))
        .unwrap();
    let _ = CAPTURING_CLOSURES
        .connect(move |_sender: Sender, pizza: &Pizza| format!("{} {}", d(), pizza.size))
        .unwrap();
    assert_eq!(
        oven_sends(&CAPTURING_CLOSURES),
        ["nothing", "args 30", "sender true", "both 30"]
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

// `async` closures (stable since Rust 1.85) of every shape, when they
// capture nothing.
#[test]
fn async_closures_of_every_shape_connect() {
    let _ = ASYNC_CLOSURES
        .connect(async || "nothing".to_string())
        .unwrap();
    let _ = ASYNC_CLOSURES
        .connect(async |pizza: &Pizza| format!("args {}", pizza.size))
        .unwrap();
    let _ = ASYNC_CLOSURES
        .connect(async |sender: Sender| format!("sender {}", sender.is::<Oven>()))
        .unwrap();
    let _ = ASYNC_CLOSURES
        .connect(async |sender: Sender, pizza: &Pizza| {
            format!("both {} {}", sender.is::<Oven>(), pizza.size)
        })
        .unwrap();
    assert_eq!(
        oven_sends(&ASYNC_CLOSURES),
        ["nothing", "args 30", "sender true", "both true 30"]
    );
    assert!(
        ASYNC_CLOSURES
            .receivers()
            .iter()
            .all(|r| r.kind == ReceiverKind::Async)
    );
}

// The documented workaround for state in an async receiver: a plain
// closure that clones what its future needs (and copies what it needs from
// the arguments) and returns an `async move` block.
#[test]
fn closures_returning_futures_may_capture_state() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    let _ = FUTURE_CLOSURES
        .connect(move |pizza: &Pizza| {
            let (sink, size) = (Arc::clone(&sink), pizza.size);
            async move {
                sink.lock().unwrap().push(size);
                format!("logged {size}")
            }
        })
        .unwrap();
    let prefix = String::from("courier");
    let _ = FUTURE_CLOSURES
        .connect(move || {
            let prefix = prefix.clone();
            async move { prefix }
        })
        .unwrap();
    assert_eq!(oven_sends(&FUTURE_CLOSURES), ["logged 30", "courier"]);
    assert_eq!(*log.lock().unwrap(), [30]);
}

async fn table_length(ticket: &Ticket<'_>) -> usize {
    std::future::ready(()).await;
    ticket.table.len()
}

// An async receiver may hold arguments that borrow from the sender across
// an `.await`, as a `#[receiver] async fn` may.
#[test]
fn async_functions_may_borrow_the_arguments_across_await() {
    let _ = BORROWED.connect(table_length).unwrap();
    let _ = BORROWED
        .connect(async |ticket: &Ticket<'_>| ticket.table.len() * 2)
        .unwrap();
    let table = String::from("window");
    let ticket = Ticket { table: &table };
    assert_eq!(BORROWED.send(Sender::NONE, &ticket), [6, 12]);
    assert_eq!(block_on(BORROWED.asend(Sender::NONE, &ticket)), [6, 12]);
}

// The key rule holds for every shape: a function item (sync or async) is
// keyed by its function, so a second connect is a duplicate and
// `disconnect_receiver` finds it.
#[test]
fn every_shape_is_keyed_by_its_function() {
    let _ = SHAPE_KEYS.connect(args_only).unwrap();
    let _ = SHAPE_KEYS.connect(async_sender_only).unwrap();
    assert!(matches!(
        SHAPE_KEYS.connect(args_only),
        Err(ConnectError::Duplicate { .. })
    ));
    assert!(matches!(
        SHAPE_KEYS.connect(async_sender_only),
        Err(ConnectError::Duplicate { .. })
    ));
    assert_eq!(oven_sends(&SHAPE_KEYS), ["args 30", "async sender true"]);
    assert_eq!(SHAPE_KEYS.disconnect_receiver(args_only, None), Ok(true));
    assert_eq!(
        SHAPE_KEYS.disconnect_receiver(async_sender_only, None),
        Ok(true)
    );
    assert!(SHAPE_KEYS.receivers().is_empty());
}

// Introspection names a function item by its name and module, whatever its
// shape, and a closure by its type name.
#[test]
fn introspection_names_the_function_of_every_shape() {
    let _ = SHAPE_NAMES.connect(nothing).unwrap();
    let _ = SHAPE_NAMES.connect(async_args_only).unwrap();
    let _ = SHAPE_NAMES
        .connect(|pizza: &Pizza| pizza.size.to_string())
        .unwrap();
    let receivers = SHAPE_NAMES.receivers();
    let names: Vec<_> = receivers.iter().map(|r| r.name.as_ref()).collect();
    assert_eq!(names[..2], ["nothing", "async_args_only"]);
    assert!(names[2].contains("{{closure}}"), "{}", names[2]);
    assert!(
        receivers[..2]
            .iter()
            .all(|r| r.module_path == "connect_shapes")
    );
    assert_eq!(receivers[0].file, file!());
}

// Options and the test helpers take the same shapes as `connect`.
#[test]
fn options_and_test_helpers_take_every_shape() {
    let oven = Sender::of::<Oven>();
    let _ = FILTERED_SHAPES
        .connect_with(ConnectOptions::new().sender(oven), async_args_only)
        .unwrap();
    assert_eq!(oven_sends(&FILTERED_SHAPES), ["async args 30"]);
    assert!(
        FILTERED_SHAPES
            .send(Sender::NONE, &Pizza { size: 1 })
            .is_empty()
    );

    let inside =
        testing::connected_to(&SCOPED_SHAPES, sender_only, || oven_sends(&SCOPED_SHAPES)).unwrap();
    assert_eq!(inside, ["sender true"]);
    let inside = testing::connected_to_with(
        &SCOPED_SHAPES,
        ConnectOptions::new().name("scoped"),
        async |pizza: &Pizza| pizza.size.to_string(),
        || oven_sends(&SCOPED_SHAPES),
    )
    .unwrap();
    assert_eq!(inside, ["30"]);
    assert!(SCOPED_SHAPES.receivers().is_empty());
}
