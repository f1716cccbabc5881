use signals::{receiver, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
}

#[receiver(PIZZA_DONE, dispatch_uid = "")]
fn on_pizza(_args: &Pizza) {}

fn main() {}
