use signals::signal;

pub struct Pizza {
    pub size: u32,
}

signal! {
    pub static PIZZA_DONE: Pizza => u32;
}

fn main() {
    let extra = 2;
    let _ = PIZZA_DONE.connect(async move |pizza: &Pizza| pizza.size + extra);
}
