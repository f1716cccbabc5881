//! `priority` accepts negative values and the full `i32` range; higher runs
//! first.

use signals::{Sender, receiver, signal};

signal! {
    pub static TICK: () => i64;
}

#[receiver(TICK, priority = -2147483648)]
fn last() -> i64 {
    i64::from(i32::MIN)
}

#[receiver(TICK, priority = -1)]
fn late() -> i64 {
    -1
}

#[receiver(TICK)]
fn default_priority() -> i64 {
    0
}

#[receiver(TICK, priority = 2147483647)]
fn first() -> i64 {
    i64::from(i32::MAX)
}

fn main() {
    assert_eq!(
        TICK.send(Sender::NONE, &()),
        [i64::from(i32::MAX), 0, -1, i64::from(i32::MIN)]
    );
}
