//! Prints the wiring of a small pizza shop: which receivers listen to which
//! signal, from which sender, in which order.
//!
//! ```text
//! cargo run --example inspect                 # table, then dot graph
//! cargo run --example inspect -- --table      # the table only
//! cargo run --example inspect -- --dot | dot -Tsvg > wiring.svg
//! ```
//!
//! The shop's signals and receivers live in modules of this file, the way an
//! application spreads them over its crates; nothing in `main` lists them:
//! `signals::wiring()` finds every declared signal through the registry and
//! asks each one for its receivers, static (`#[receiver]`) and runtime
//! (`connect…`) alike. Any program can print its own wiring the same way,
//! e.g. behind a `--wiring` flag or on a debug endpoint.

use std::sync::Arc;

use signals::{ConnectOptions, Sender, wiring};

/// Where pizzas are made, and the signals that tell the rest of the shop.
mod shop {
    use signals::signal;

    pub struct PizzaStore;
    pub struct Franchise;

    pub struct Pizza {
        pub toppings: Vec<String>,
        pub size: u32,
    }

    pub struct Order {
        pub pizzas: u32,
        pub address: String,
    }

    signal! {
        /// Sent after a pizza leaves the oven.
        pub static PIZZA_DONE: Pizza;
        /// Sent when a pizza burnt and was thrown away.
        pub static PIZZA_BURNT: Pizza;
        /// Sent before an order is accepted; any receiver may refuse it.
        pub static ORDER_CHECK: Order => Result<(), String>;
    }
}

mod kitchen {
    use crate::shop::{PIZZA_BURNT, PIZZA_DONE, Pizza, PizzaStore};
    use signals::receiver;

    /// Shows finished pizzas on the pass, first of all.
    #[receiver(PIZZA_DONE, sender = PizzaStore, dispatch_uid = "kitchen-display", priority = 10)]
    pub fn show_on_display(pizza: &Pizza) {
        println!(
            "ready: {} cm with {}",
            pizza.size,
            pizza.toppings.join(", ")
        );
    }

    /// Asks the oven to start another one.
    #[receiver(PIZZA_BURNT, sender = PizzaStore)]
    pub fn bake_again(pizza: &Pizza) {
        println!("baking another {} cm pizza", pizza.size);
    }
}

mod courier {
    use crate::shop::{PIZZA_DONE, Pizza};
    use signals::{Sender, receiver};

    /// Tells the courier service (an HTTP call in a real shop).
    #[receiver(PIZZA_DONE)]
    pub async fn notify_courier(sender: Sender, pizza: &Pizza) {
        println!("courier: pickup of a {} cm pizza from {sender}", pizza.size);
    }
}

mod audit {
    use crate::shop::{ORDER_CHECK, Order, PIZZA_BURNT, PIZZA_DONE};
    use signals::{Sender, receiver};

    /// Writes every pizza event to the audit log, whoever sent it.
    #[receiver([PIZZA_DONE, PIZZA_BURNT], priority = -10)]
    pub fn audit_log(sender: Sender) {
        println!("audit: pizza event from {sender}");
    }

    /// Refuses orders nobody can deliver.
    #[receiver(ORDER_CHECK, dispatch_uid = "delivery-area", priority = 5)]
    pub fn check_address(order: &Order) -> Result<(), String> {
        if order.address.is_empty() {
            return Err("no delivery address".to_owned());
        }
        Ok(())
    }

    /// Refuses orders larger than the oven.
    #[receiver(ORDER_CHECK)]
    pub fn check_capacity(order: &Order) -> Result<(), String> {
        if order.pizzas > 20 {
            return Err(format!(
                "{} pizzas is more than the oven holds",
                order.pizzas
            ));
        }
        Ok(())
    }
}

/// A screen in the dining room; it listens only while it exists.
struct Dashboard;

fn main() -> Result<(), signals::ConnectError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let table = args.is_empty() || args.iter().any(|a| a == "--table");
    let dot = args.is_empty() || args.iter().any(|a| a == "--dot");

    // Runtime receivers show up in the map too, with where they were connected.
    let _loyalty = shop::PIZZA_DONE
        .connect_with(
            ConnectOptions::new()
                .sender(Sender::of::<shop::Franchise>())
                .dispatch_uid("loyalty-points")
                .name("loyalty_points"),
            |pizza: &shop::Pizza| println!("loyalty: +{} points", pizza.size / 10),
        )?
        .scoped();
    let dashboard = Arc::new(Dashboard);
    let _screen = shop::PIZZA_DONE
        .connect_weak_with(
            ConnectOptions::new().name("dashboard_screen"),
            &dashboard,
            |_: &Dashboard, _, _| println!("dashboard: one more pizza"),
        )?
        .scoped();

    // Only this shop's signals: the library's own (connection events, …)
    // are in the registry as well.
    let wiring = wiring().retain(|s| s.module_path.starts_with("inspect::"));
    if table {
        print!("{wiring}");
    }
    if table && dot {
        println!();
    }
    if dot {
        print!("{}", wiring.dot());
    }
    Ok(())
}
