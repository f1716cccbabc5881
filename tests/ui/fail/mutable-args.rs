use signals::{Sender, receiver, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
}

#[receiver(PIZZA_DONE)]
fn on_pizza(_args: &mut Pizza) {}

#[receiver(PIZZA_DONE)]
fn with_sender(_sender: Sender, _args: &mut Pizza) {}

fn main() {}
