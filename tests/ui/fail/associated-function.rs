// An associated function cannot be a receiver: it has no path the
// registration could call from outside the `impl`.

use signals::{receiver, signal};

pub struct Pizza;
pub struct Kitchen;

signal! {
    pub static PIZZA_DONE: Pizza;
}

impl Kitchen {
    #[receiver(PIZZA_DONE)]
    fn on_pizza(_args: &Pizza) {}
}

fn main() {}
