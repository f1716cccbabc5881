use signals::signal;

pub struct Pizza;

signal! {
    pub static PIZZA_DONE: Pizza
    pub static PIZZA_EATEN: Pizza;
}

fn main() {}
