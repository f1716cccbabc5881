use std::sync::atomic::AtomicUsize;

use signals::receiver;

pub struct Pizza;

static PIZZAS_BAKED: AtomicUsize = AtomicUsize::new(0);

#[receiver(PIZZAS_BAKED)]
fn on_pizza(_args: &Pizza) {}

fn main() {
    let _ = &PIZZAS_BAKED;
}
