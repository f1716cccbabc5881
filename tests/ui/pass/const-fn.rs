//! A `const fn` is an ordinary function at run time: `#[receiver]` accepts
//! it like any other (its body may also be evaluated at compile time, which
//! the registration does not need).

use signals::{Sender, receiver, signal};

pub struct Pizza {
    pub size: u32,
}

signal! {
    pub static PIZZA_DONE: Pizza => u32;
}

#[receiver(PIZZA_DONE)]
const fn half_size(pizza: &Pizza) -> u32 {
    pizza.size / 2
}

const _: u32 = half_size(&Pizza { size: 4 });

fn main() {
    assert_eq!(PIZZA_DONE.send(Sender::NONE, &Pizza { size: 30 }), [15]);
    assert_eq!(PIZZA_DONE.receivers()[0].name, "half_size");
}
