// Each malformed declaration is reported; the valid ones are still
// declared, so their uses add no errors.

use signals::{Sender, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
    pub PIZZA_EATEN: Pizza;
    pub static PIZZA_BURNT Pizza;
    pub static PIZZA_SOLD: Pizza => u32;
}

fn main() {
    PIZZA_DONE.send(Sender::NONE, &Pizza);
    PIZZA_SOLD.send(Sender::NONE, &Pizza);
}
