//! Every accepted parameter shape, sync and async, with `sender = Type`:
//! only sends from that type reach them.

use signals::{Sender, receiver, signal};

pub struct Order {
    pub pizzas: usize,
}

pub struct Shop;
pub struct Truck;

signal! {
    pub static ORDER_PLACED: Order => String;
}

#[receiver(ORDER_PLACED, sender = Shop)]
fn no_parameters() -> String {
    "no_parameters".to_owned()
}

#[receiver(ORDER_PLACED, sender = Shop)]
fn args_only(order: &Order) -> String {
    format!("args_only {}", order.pizzas)
}

#[receiver(ORDER_PLACED, sender = Shop)]
fn sender_only(sender: Sender) -> String {
    format!("sender_only {}", sender.is::<Shop>())
}

#[receiver(ORDER_PLACED, sender = Shop)]
fn sender_and_args(sender: Sender, order: &Order) -> String {
    format!("sender_and_args {} {}", sender.is::<Shop>(), order.pizzas)
}

#[receiver(ORDER_PLACED, sender = Shop)]
async fn async_no_parameters() -> String {
    "async_no_parameters".to_owned()
}

#[receiver(ORDER_PLACED, sender = Shop)]
async fn async_args_only(order: &Order) -> String {
    format!("async_args_only {}", order.pizzas)
}

#[receiver(ORDER_PLACED, sender = Shop)]
async fn async_sender_only(sender: Sender) -> String {
    format!("async_sender_only {}", sender.is::<Shop>())
}

#[receiver(ORDER_PLACED, sender = self::Shop)]
async fn async_sender_and_args(sender: Sender, order: &Order) -> String {
    let pizzas = &order.pizzas;
    std::future::ready(()).await;
    format!("async_sender_and_args {} {}", sender.is::<Shop>(), pizzas)
}

fn main() {
    let mut responses = ORDER_PLACED.send(Sender::of::<Shop>(), &Order { pizzas: 2 });
    responses.sort();
    assert_eq!(
        responses,
        [
            "args_only 2",
            "async_args_only 2",
            "async_no_parameters",
            "async_sender_and_args true 2",
            "async_sender_only true",
            "no_parameters",
            "sender_and_args true 2",
            "sender_only true",
        ]
    );
    assert!(ORDER_PLACED.send(Sender::of::<Truck>(), &Order { pizzas: 1 }).is_empty());
    assert!(ORDER_PLACED.send(Sender::NONE, &Order { pizzas: 1 }).is_empty());
}
