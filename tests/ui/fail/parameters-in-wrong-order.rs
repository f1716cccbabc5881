use signals::{Sender, receiver, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
}

#[receiver(PIZZA_DONE)]
fn on_pizza(_args: &Pizza, _sender: Sender) {}

fn main() {}
