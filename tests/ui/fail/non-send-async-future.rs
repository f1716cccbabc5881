use std::rc::Rc;

use signals::{receiver, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
}

async fn deliver() {}

#[receiver(PIZZA_DONE)]
async fn on_pizza(_args: &Pizza) {
    let counter = Rc::new(1);
    deliver().await;
    drop(counter);
}

fn main() {}
