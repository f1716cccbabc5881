use signals::{receiver, signal};

pub struct Pizza;
pub struct Kitchen;

signal! {
    pub static PIZZA_DONE: Pizza;
}

impl Kitchen {
    #[receiver(PIZZA_DONE)]
    fn on_pizza(&self, _args: &Pizza) {}
}

fn main() {}
