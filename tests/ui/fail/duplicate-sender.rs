use signals::{receiver, signal};

pub struct Pizza;
pub struct Oven;
pub struct Truck;

signal! {
    pub static PIZZA_DONE: Pizza;
}

#[receiver(PIZZA_DONE, sender = Oven, sender = Truck)]
fn on_pizza(_args: &Pizza) {}

fn main() {}
