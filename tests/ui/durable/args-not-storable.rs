// A durable receiver stores its signal's arguments: they must serialize.
use signals::{receiver, signal};

pub struct Order {
    pub id: u64,
}

signal! {
    pub static ORDER_PAID: Order;
}

#[receiver(ORDER_PAID, durable = "emails")]
fn send_receipt(order: &Order) {
    let _ = order.id;
}

fn main() {}
