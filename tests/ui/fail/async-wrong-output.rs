use signals::{receiver, signal};

pub struct Order;

signal! {
    pub static ORDER_PLACED: Order => usize;
}

#[receiver(ORDER_PLACED)]
async fn bake(_args: &Order) -> String {
    String::from("two")
}

fn main() {}
