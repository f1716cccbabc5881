//! Every send as a `tracing` span, every receiver call as a span inside it,
//! and the panics `send_robust` catches as ERROR events.
//!
//! ```text
//! cargo run --example trace
//! RUST_LOG=signals=error cargo run --example trace
//! ```
//!
//! `RUST_LOG` takes `tracing-subscriber` target directives
//! (`signals=debug,trace=info` by default here).

use signals::{Sender, receiver, signal};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::prelude::*;

pub struct PizzaStore;

pub struct PizzaDone {
    pub size: u32,
}

signal! {
    /// Sent after a pizza leaves the oven.
    pub static PIZZA_DONE: PizzaDone;
}

#[receiver(PIZZA_DONE, sender = PizzaStore, dispatch_uid = "kitchen-display")]
fn show_on_display(args: &PizzaDone) {
    // Your own log lines land inside the receiver's span.
    tracing::info!(size = args.size, "on the display");
}

#[receiver(PIZZA_DONE)]
async fn notify_courier(_args: &PizzaDone) {}

#[receiver(PIZZA_DONE)]
fn print_label(args: &PizzaDone) {
    assert!(args.size < 40, "no label for {} cm", args.size);
}

fn main() {
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse().ok())
        .unwrap_or_else(|| {
            "signals=debug,trace=info"
                .parse()
                .expect("valid directives")
        });
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                // One line per closed span: that is where `duration_ns` is.
                .with_span_events(FmtSpan::CLOSE)
                .without_time()
                .with_ansi(false),
        )
        .with(filter)
        .init();
    // The panic below is caught and logged by `send_robust`; keep the
    // default hook's own report short.
    std::panic::set_hook(Box::new(|_| {}));

    PIZZA_DONE.send(Sender::of::<PizzaStore>(), &PizzaDone { size: 30 });
    let outcomes = PIZZA_DONE.send_robust(Sender::of::<PizzaStore>(), &PizzaDone { size: 45 });
    let failed = outcomes.iter().filter(|outcome| outcome.is_err()).count();
    println!("send_robust: {} receivers, {failed} failed", outcomes.len());
}
