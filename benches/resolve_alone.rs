//! `dispatch/resolve/floor/1000`: the first send of a signal with 1000
//! `#[receiver]`s in a binary where no other signal has receivers. Compare
//! with `resolve_crowded.rs`, the same signal among 10,000 other receivers.

use criterion::{Criterion, criterion_group, criterion_main};
use signals::signal;

#[macro_use]
mod support;
#[path = "support/first_send.rs"]
mod first_send;

signal! {
    pub static RESOLVE: u64;
}

mod resolve {
    receivers!(1000, RESOLVE);
}

fn bench(c: &mut Criterion) {
    first_send::bench::<RESOLVE>(c, "floor", 1000);
}

criterion_group! {
    name = benches;
    config = support::config();
    targets = bench
}
criterion_main!(benches);
