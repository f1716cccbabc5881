use signals::signal;

pub struct Pizza;

signal! {
    pub PIZZA_DONE: Pizza;
}

fn main() {}
