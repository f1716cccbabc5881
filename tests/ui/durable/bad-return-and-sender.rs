// A durable receiver gets no sender (it runs later, in a worker) and says
// only whether it succeeded.
use signals::{Sender, receiver, signal};

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub id: u64,
}

signal! {
    pub static ORDER_PAID: Order;
}

#[receiver(ORDER_PAID, durable = "emails")]
fn with_sender(sender: Sender, order: &Order) {
    let _ = (sender, order.id);
}

#[receiver(ORDER_PAID, durable = "emails", dispatch_uid = "totals")]
fn returns_a_number(order: &Order) -> u64 {
    order.id
}

#[receiver(ORDER_PAID, key = |order: &Order| order.id)]
fn key_without_durable(order: &Order) {
    let _ = order.id;
}

fn main() {}
