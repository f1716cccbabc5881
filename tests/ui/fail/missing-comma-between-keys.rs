// A missing comma does not hide the mistakes after it.

use signals::{receiver, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
}

#[receiver(PIZZA_DONE, priority = 1 dispatch_uid = "bake", sender = "oven")]
fn on_pizza(_args: &Pizza) {}

fn main() {}
