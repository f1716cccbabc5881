use signals::{Sender, signal};

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza;
}

fn main() {
    let _ = PIZZA_DONE.connect(|_, _| ());
    PIZZA_DONE.send(Sender::NONE, &Pizza);
}
