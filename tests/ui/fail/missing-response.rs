use signals::{receiver, signal};

pub struct Order;

signal! {
    pub static ORDER_PLACED: Order => usize;
}

#[receiver(ORDER_PLACED)]
fn bake(_args: &Order) {}

fn main() {}
