// With `sender = Type` the arguments go through the signal's narrowing;
// a mismatch still points at the parameter.

use signals::{Sender, receiver, signal};

pub struct Pizza;
pub struct Pasta;
pub struct Oven;

signal! {
    pub static PIZZA_DONE: Pizza => u8;
}

#[receiver(PIZZA_DONE, sender = Oven)]
async fn on_pizza(_sender: Sender, _args: &Pasta) -> u8 {
    1
}

fn main() {}
