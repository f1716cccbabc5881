//! The `resolve` case: the cost of a signal's first send, which walks its
//! `#[receiver]` registrations, sorts them and builds its table.
//!
//! A one-time cost cannot be measured by repeating the send, so every
//! iteration gets a fresh `Signal` of the same definition (`Signal::new()`
//! still sees the definition's static receivers): criterion builds the fresh
//! signals outside the timed section (`iter_batched`), times only the first
//! send, and drops the resolved signals outside the timed section too.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion};
use signals::{Sender, Signal, SignalDef};

pub fn bench<D>(c: &mut Criterion, impl_name: &str, receivers: usize)
where
    D: for<'a> SignalDef<Args<'a> = u64, Response = ()>,
{
    // The first send really reaches every receiver.
    assert_eq!(Signal::<D>::new().send(Sender::NONE, &1).len(), receivers);
    let mut group = c.benchmark_group("dispatch/resolve");
    group.bench_function(BenchmarkId::new(impl_name, receivers), |b| {
        b.iter_batched(
            Signal::<D>::new,
            |signal| {
                black_box(signal.send(Sender::NONE, &black_box(1)));
                signal
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}
