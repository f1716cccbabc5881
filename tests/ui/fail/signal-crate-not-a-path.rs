use signals::signal;

pub struct Pizza;

signal! {
    #![crate = "signals"]

    pub static PIZZA_DONE: Pizza;
}

fn main() {}
