use signals::{receiver, signal};

pub struct Order;

signal! {
    /// Receivers return the number of pizzas they baked.
    pub static ORDER_PLACED: Order => usize;
}

#[receiver(ORDER_PLACED)]
fn bake(_args: &Order) -> String {
    String::from("two")
}

fn main() {}
