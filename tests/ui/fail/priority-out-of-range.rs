use signals::{receiver, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
}

#[receiver(PIZZA_DONE, priority = 3000000000)]
fn on_pizza(_args: &Pizza) {}

fn main() {}
