use signals::{Sender, receiver, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
}

#[receiver(PIZZA_DONE)]
fn on_pizza(_sender: Sender, _args: &Pizza, _extra: u32) {}

fn main() {}
