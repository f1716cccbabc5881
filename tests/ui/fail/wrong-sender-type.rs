use signals::{receiver, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
}

#[receiver(PIZZA_DONE)]
fn on_pizza(_sender: &'static str, _args: &Pizza) {}

fn main() {}
