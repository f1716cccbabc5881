use signals::signal;

pub struct Pizza;

signal! {
    #![krate = signals]

    pub static PIZZA_DONE: Pizza;
}

fn main() {}
