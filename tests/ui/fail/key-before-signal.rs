use signals::{receiver, signal};

pub struct Pizza;
pub struct Oven;

signal! {
    pub static PIZZA_DONE: Pizza;
}

#[receiver(sender = Oven, PIZZA_DONE)]
fn on_pizza(_args: &Pizza) {}

fn main() {}
