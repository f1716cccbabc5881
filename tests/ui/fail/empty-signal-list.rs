use signals::receiver;

pub struct Pizza;

#[receiver([])]
fn on_pizza(_args: &Pizza) {}

fn main() {}
