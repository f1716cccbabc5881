//! What the `tracing` feature costs a send when nobody listens to its spans.
//!
//! Run it twice and compare the same lines:
//!
//! ```text
//! cargo bench --bench tracing_overhead --no-default-features --features request-signals
//! cargo bench --bench tracing_overhead
//! ```
//!
//! With the feature on, `send/*` pays one static callsite check per send
//! (tracing's global max level, then the callsite's cached interest). The
//! budget is 2 ns per send over the build without the feature. The
//! `ignoring subscriber` lines run under a subscriber that is installed but
//! filters the `signals` target out, the usual production setting.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use signals::{Sender, receiver, signal};

signal! {
    pub static EMPTY_SIGNAL: u64;
    pub static ONE_RECEIVER: u64;
    pub static TEN_RECEIVERS: u64;
}

#[receiver(ONE_RECEIVER)]
fn one(args: &u64) {
    black_box(args);
}

macro_rules! ten {
    ($($name:ident),*) => {$(
        #[receiver(TEN_RECEIVERS)]
        fn $name(args: &u64) {
            black_box(args);
        }
    )*};
}
ten!(r0, r1, r2, r3, r4, r5, r6, r7, r8, r9);

fn sends(c: &mut Criterion, group: &str) {
    let mut group = c.benchmark_group(group);
    group.bench_function("no receiver", |b| {
        b.iter(|| EMPTY_SIGNAL.send(Sender::NONE, black_box(&1)));
    });
    group.bench_function("1 receiver", |b| {
        b.iter(|| ONE_RECEIVER.send(Sender::NONE, black_box(&1)));
    });
    group.bench_function("10 receivers", |b| {
        b.iter(|| TEN_RECEIVERS.send(Sender::NONE, black_box(&1)));
    });
    group.bench_function("send_robust, 1 receiver", |b| {
        b.iter(|| ONE_RECEIVER.send_robust(Sender::NONE, black_box(&1)));
    });
    group.finish();
}

#[cfg(feature = "tracing")]
mod ignoring {
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    /// Installed, interested in everything but the `signals` target.
    pub struct IgnoringSignals;

    impl Subscriber for IgnoringSignals {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.target() != "signals"
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

fn benches(c: &mut Criterion) {
    let label = if cfg!(feature = "tracing") {
        "send (feature tracing, no subscriber)"
    } else {
        "send (no tracing feature)"
    };
    sends(c, label);
    #[cfg(feature = "tracing")]
    tracing::subscriber::with_default(ignoring::IgnoringSignals, || {
        sends(c, "send (feature tracing, ignoring subscriber)");
    });
}

criterion_group!(tracing_overhead, benches);
criterion_main!(tracing_overhead);
