// In a list, the error names the signal whose arguments do not match.

use signals::{receiver, signal};

pub struct Pizza;
pub struct Pasta;

signal! {
    pub static PIZZA_DONE: Pizza;
    pub static PASTA_DONE: Pasta;
}

#[receiver([PIZZA_DONE, PASTA_DONE])]
fn on_pizza(_args: &Pizza) {}

fn main() {}
