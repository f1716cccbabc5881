use signals::signal;

pub struct Pizza;

signal! {
    pub static mut PIZZA_DONE: Pizza;
}

fn main() {}
