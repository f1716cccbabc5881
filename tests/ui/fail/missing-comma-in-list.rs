use signals::{receiver, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
    pub static PIZZA_EATEN: Pizza;
}

#[receiver([PIZZA_DONE PIZZA_EATEN])]
fn on_pizza(_args: &Pizza) {}

fn main() {}
