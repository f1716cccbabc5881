use signals::{receiver, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
}

#[receiver(PIZZA_DONE, sender = signals::Sender::named("oven"))]
fn on_pizza(_args: &Pizza) {}

fn main() {}
