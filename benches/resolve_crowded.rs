//! `dispatch/resolve/signals/1000`: the first send of a signal with 1000
//! `#[receiver]`s in a binary where 10,000 more belong to ten other signals.
//! Each signal walks only its own registrations, so this should cost what
//! `resolve_alone.rs` (no other signals) costs.

use criterion::{Criterion, criterion_group, criterion_main};
use signals::signal;

#[macro_use]
mod support;
#[path = "support/first_send.rs"]
mod first_send;

signal! {
    pub static RESOLVE: u64;
    pub static OTHER_0: u64;
    pub static OTHER_1: u64;
    pub static OTHER_2: u64;
    pub static OTHER_3: u64;
    pub static OTHER_4: u64;
    pub static OTHER_5: u64;
    pub static OTHER_6: u64;
    pub static OTHER_7: u64;
    pub static OTHER_8: u64;
    pub static OTHER_9: u64;
}

mod resolve {
    receivers!(1000, RESOLVE);
}
mod other_0 {
    receivers!(1000, OTHER_0);
}
mod other_1 {
    receivers!(1000, OTHER_1);
}
mod other_2 {
    receivers!(1000, OTHER_2);
}
mod other_3 {
    receivers!(1000, OTHER_3);
}
mod other_4 {
    receivers!(1000, OTHER_4);
}
mod other_5 {
    receivers!(1000, OTHER_5);
}
mod other_6 {
    receivers!(1000, OTHER_6);
}
mod other_7 {
    receivers!(1000, OTHER_7);
}
mod other_8 {
    receivers!(1000, OTHER_8);
}
mod other_9 {
    receivers!(1000, OTHER_9);
}

fn bench(c: &mut Criterion) {
    // The other receivers are really linked in.
    let others = [
        OTHER_0.receivers().len(),
        OTHER_1.receivers().len(),
        OTHER_2.receivers().len(),
        OTHER_3.receivers().len(),
        OTHER_4.receivers().len(),
        OTHER_5.receivers().len(),
        OTHER_6.receivers().len(),
        OTHER_7.receivers().len(),
        OTHER_8.receivers().len(),
        OTHER_9.receivers().len(),
    ];
    assert_eq!(others.iter().sum::<usize>(), 10_000);
    first_send::bench::<RESOLVE>(c, "signals", 1000);
}

criterion_group! {
    name = benches;
    config = support::config();
    targets = bench
}
criterion_main!(benches);
