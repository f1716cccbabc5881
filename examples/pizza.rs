//! The pizza store from the Django signals guide, end to end.
//!
//! `cargo run --example pizza` prints every step: a custom signal, a receiver
//! filtered on its sender, `dispatch_uid` de-duplication, disconnecting, an
//! async receiver awaited through `asend`, and `send_robust` with a failing
//! receiver.

use std::sync::Mutex;

use signals::{ConnectError, ConnectOptions, Sender, receiver, signal};

/// What the oven reports.
pub struct PizzaDone {
    /// Toppings, in the order they were put on.
    pub toppings: Vec<String>,
    /// Diameter in centimetres.
    pub size: u32,
}

signal! {
    /// Sent after a pizza leaves the oven.
    pub static PIZZA_DONE: PizzaDone;
}

/// The store: the only thing that sends `PIZZA_DONE` here.
pub struct PizzaStore;

/// A franchise sending the same signal with its own sender.
pub struct Franchise;

impl PizzaStore {
    fn send_pizza(&self, toppings: &[&str], size: u32) {
        let args = PizzaDone {
            toppings: toppings.iter().map(ToString::to_string).collect(),
            size,
        };
        PIZZA_DONE.send(Sender::of::<PizzaStore>(), &args);
    }
}

/// Everything the receivers did, in order, so `main` can show it.
static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn log(line: String) {
    println!("    {line}");
    LOG.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(line);
}

// Registered at link time: no import-it-in-ready() step.
#[receiver(PIZZA_DONE, sender = PizzaStore, dispatch_uid = "kitchen-display", priority = 10)]
fn show_on_display(args: &PizzaDone) {
    log(format!(
        "kitchen display: {}cm pizza with {}",
        args.size,
        args.toppings.join(", ")
    ));
}

// Any sender.
#[receiver(PIZZA_DONE)]
fn count_pizzas(sender: Sender, args: &PizzaDone) {
    log(format!(
        "counter: one more {}cm pizza from {sender}",
        args.size
    ));
}

// Awaited concurrently by `asend` (and driven to completion by `send`).
#[receiver(PIZZA_DONE)]
async fn notify_courier(args: &PizzaDone) {
    let toppings = args.toppings.len();
    // Stand-in for an API call.
    std::future::ready(()).await;
    log(format!(
        "courier notified about a pizza with {toppings} toppings"
    ));
}

fn main() -> Result<(), ConnectError> {
    let store = PizzaStore;

    println!(
        "1. The store sends a pizza; static receivers run (priority first, sync before async):"
    );
    store.send_pizza(&["mozzarella", "basil"], 30);

    println!("\n2. A franchise sends one: the display only listens to PizzaStore.");
    PIZZA_DONE.send(
        Sender::of::<Franchise>(),
        &PizzaDone {
            toppings: vec!["ham".into()],
            size: 25,
        },
    );

    println!("\n3. Connecting a runtime receiver with the display's dispatch_uid is refused:");
    let again = PIZZA_DONE.connect_with(
        ConnectOptions::new()
            .sender(Sender::of::<PizzaStore>())
            .dispatch_uid("kitchen-display"),
        |_, _: &PizzaDone| log("second display".into()),
    );
    match again {
        Err(ConnectError::Duplicate { existing }) => println!("    duplicate: {existing} stays"),
        other => println!("    unexpected: {other:?}"),
    }

    println!("\n4. A loyalty program connects at run time, then disconnects:");
    let loyalty = PIZZA_DONE.connect_with(
        ConnectOptions::new().name("loyalty points"),
        |_, args: &PizzaDone| {
            log(format!("loyalty: +{} points", args.size / 10));
        },
    )?;
    store.send_pizza(&["pepperoni"], 40);
    println!("    disconnected: {}", loyalty.disconnect());
    let removed = PIZZA_DONE.disconnect_uid("kitchen-display", Some(Sender::of::<PizzaStore>()));
    println!("    kitchen display disconnected by uid: {removed:?}");
    store.send_pizza(&["pepperoni"], 40);

    println!("\n5. From async code, `asend` awaits the async receivers concurrently:");
    let args = PizzaDone {
        toppings: vec!["pepperoni".into()],
        size: 35,
    };
    futures::executor::block_on(PIZZA_DONE.asend(Sender::of::<PizzaStore>(), &args));

    println!("\n6. `send_robust` keeps going when a receiver panics, and names it:");
    let burnt = PIZZA_DONE
        .connect_with(
            ConnectOptions::new().name("oven sensor"),
            |_, args: &PizzaDone| {
                assert!(args.size < 45, "the oven is too small for {}cm", args.size);
            },
        )?
        .scoped();
    // The default hook would print the panic; the result below reports it.
    std::panic::set_hook(Box::new(|_| {}));
    let results = PIZZA_DONE.send_robust(
        Sender::of::<PizzaStore>(),
        &PizzaDone {
            toppings: vec![],
            size: 50,
        },
    );
    let _ = std::panic::take_hook();
    for result in &results {
        match result {
            Ok(()) => println!("    ok"),
            Err(error) => println!("    failed: {error}"),
        }
    }
    drop(burnt);

    println!("\nReceivers now connected to PIZZA_DONE:");
    for info in PIZZA_DONE.receivers() {
        println!(
            "    {info}  [{:?}, {:?}, priority {}]",
            info.origin, info.kind, info.priority
        );
    }
    let calls = LOG
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .len();
    println!("\n{calls} receiver calls in all.");
    Ok(())
}
