//! One function registered on a list of signals, with keys after the list
//! and trailing commas everywhere.

use signals::{Sender, receiver, signal};

pub struct Pizza {
    pub slices: u32,
}

mod kitchen {
    use signals::signal;

    signal! {
        pub static PIZZA_EATEN: super::Pizza => u32;
    }
}

signal! {
    pub static PIZZA_DONE: Pizza => u32;
}

#[receiver([PIZZA_DONE, kitchen::PIZZA_EATEN,], dispatch_uid = "count", priority = 1,)]
fn count_slices(pizza: &Pizza) -> u32 {
    pizza.slices
}

#[receiver([crate::PIZZA_DONE])]
async fn double_slices(pizza: &Pizza) -> u32 {
    pizza.slices * 2
}

pub struct Oven;

#[receiver([PIZZA_DONE, kitchen::PIZZA_EATEN], sender = Oven, priority = -1)]
async fn from_the_oven(sender: signals::Sender, pizza: &Pizza) -> u32 {
    assert!(sender.is::<Oven>());
    pizza.slices + 1000
}

fn main() {
    let pizza = Pizza { slices: 8 };
    assert_eq!(PIZZA_DONE.send(Sender::NONE, &pizza), [8, 16]);
    assert_eq!(kitchen::PIZZA_EATEN.send(Sender::NONE, &pizza), [8]);
    assert_eq!(PIZZA_DONE.send(Sender::of::<Oven>(), &pizza), [8, 16, 1008]);
    assert_eq!(kitchen::PIZZA_EATEN.send(Sender::of::<Oven>(), &pizza), [8, 1008]);
    let info = &kitchen::PIZZA_EATEN.receivers()[0];
    assert_eq!(info.name, "count_slices");
    assert_eq!(info.dispatch_uid.as_deref(), Some("count"));
    assert_eq!(info.priority, 1);
}
