// Every mistake in the attribute and the signature is reported at once.

use signals::{receiver, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
}

#[receiver(PIZZA_DONE, priority = 1, colour = "red", priority = 2, dispatch_uid = "")]
unsafe fn on_pizza<T>(_args: &Pizza) {}

fn main() {}
