use signals::{receiver, signal};

pub struct Pizza;
pub struct Pasta;

signal! {
    pub static PIZZA_DONE: Pizza;
}

#[receiver(PIZZA_DONE)]
fn on_pizza(_args: &Pasta) {}

fn main() {}
