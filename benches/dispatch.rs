//! Send cost side by side: `signals`, the floor (the hand-written code doing
//! the same calls) and `signals2` 0.3 where it has the feature.
//!
//! Ids are `dispatch/<case>/<impl>/<n>`; `benches/report.py` turns a run into
//! the table of BENCHMARKS.md.

use std::future::Future;
use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use signals::{BoxFuture, Sender, Signal, SignalDef, signal};
use signals2::{Connect1, Emit1};

#[macro_use]
mod support;

signal! {
    /// No receiver at all.
    pub static STATIC_0: u64;
    pub static STATIC_1: u64;
    pub static STATIC_10: u64;
    pub static STATIC_100: u64;
    /// Runtime receivers only.
    pub static RUNTIME_0: u64;
    pub static RUNTIME_1: u64;
    pub static RUNTIME_10: u64;
    pub static RUNTIME_100: u64;
    /// 1000 receivers, each filtered on its own sender type.
    pub static FILTERED: u64;
    /// 10 async runtime receivers.
    pub static ASYNC_10: u64;
}

mod static_1 {
    receivers!(1, STATIC_1);
}
mod static_10 {
    receivers!(10, STATIC_10);
}
mod static_100 {
    receivers!(100, STATIC_100);
}

/// One sender type and one receiver filtered on it, per module.
macro_rules! filtered_leaf {
    () => {
        pub struct Origin;
        #[::signals::receiver(crate::FILTERED, sender = Origin)]
        fn recv(args: &u64) {
            ::std::hint::black_box((args, module_path!()));
        }
        floor_leaf!();
    };
}
mod filtered {
    tens! { tens! { tens! { filtered_leaf!(); } } }
}

const SIZES: [usize; 4] = [0, 1, 10, 100];
const ARG: u64 = 42;

type FloorBox = Box<dyn Fn(Sender, &u64) + Send + Sync>;

/// The runtime floor: a plain loop over boxed closures (the same closure as
/// the runtime receivers).
fn floor(n: usize) -> Vec<FloorBox> {
    (0..n)
        .map(|i| -> FloorBox {
            Box::new(move |_, args| {
                black_box((args, i));
            })
        })
        .collect()
}

/// The static floor: a slice of distinct function pointers, one per static
/// receiver.
fn static_floor(n: usize) -> Vec<support::FloorFn> {
    let fns = match n {
        0 => Vec::new(),
        1 => support::floors(static_1::floors),
        10 => support::floors(static_10::floors),
        _ => support::floors(static_100::floors),
    };
    assert_eq!(fns.len(), n);
    fns
}

#[inline(never)]
fn floor_send<F: Fn(Sender, &u64)>(receivers: &[F], sender: Sender, args: &u64) {
    for receiver in receivers {
        receiver(sender, args);
    }
}

fn signals2_with(n: usize) -> signals2::Signal<(u64,)> {
    let signal = signals2::Signal::new();
    for i in 0..n {
        signal.connect(move |args: u64| {
            black_box((args, i));
        });
    }
    signal
}

fn connect_runtime<D>(signal: &'static Signal<D>, n: usize)
where
    D: for<'a> SignalDef<Args<'a> = u64, Response = ()>,
{
    for i in 0..n {
        // Capturing `i` makes every closure its own receiver (a capture-free
        // closure connected twice would be a duplicate).
        let _permanent = signal
            .connect(move |_, args: &u64| {
                black_box((args, i));
            })
            .expect("fresh receiver");
    }
}

fn bench_plain(c: &mut Criterion) {
    connect_runtime(&RUNTIME_1, 1);
    connect_runtime(&RUNTIME_10, 10);
    connect_runtime(&RUNTIME_100, 100);
    // A runtime signal that had a receiver and lost it.
    RUNTIME_0
        .connect(|_, _: &u64| {})
        .expect("fresh receiver")
        .disconnect();

    for case in ["static", "runtime"] {
        let mut group = c.benchmark_group(format!("dispatch/{case}"));
        for n in SIZES {
            let send: &dyn Fn() = match (case, n) {
                ("static", 0) => &|| drop(black_box(&STATIC_0).send(Sender::NONE, &black_box(ARG))),
                ("static", 1) => &|| drop(black_box(&STATIC_1).send(Sender::NONE, &black_box(ARG))),
                ("static", 10) => {
                    &|| drop(black_box(&STATIC_10).send(Sender::NONE, &black_box(ARG)))
                }
                ("static", 100) => {
                    &|| drop(black_box(&STATIC_100).send(Sender::NONE, &black_box(ARG)))
                }
                ("runtime", 0) => {
                    &|| drop(black_box(&RUNTIME_0).send(Sender::NONE, &black_box(ARG)))
                }
                ("runtime", 1) => {
                    &|| drop(black_box(&RUNTIME_1).send(Sender::NONE, &black_box(ARG)))
                }
                ("runtime", 10) => {
                    &|| drop(black_box(&RUNTIME_10).send(Sender::NONE, &black_box(ARG)))
                }
                _ => &|| drop(black_box(&RUNTIME_100).send(Sender::NONE, &black_box(ARG))),
            };
            group.bench_function(BenchmarkId::new("signals", n), |b| b.iter(send));
            if case == "static" {
                let receivers = static_floor(n);
                group.bench_function(BenchmarkId::new("floor", n), |b| {
                    b.iter(|| floor_send(black_box(&receivers), Sender::NONE, &black_box(ARG)));
                });
            } else {
                let receivers = floor(n);
                group.bench_function(BenchmarkId::new("floor", n), |b| {
                    b.iter(|| floor_send(black_box(&receivers), Sender::NONE, &black_box(ARG)));
                });
            }
            let peer = signals2_with(n);
            group.bench_function(BenchmarkId::new("signals2", n), |b| {
                b.iter(|| black_box(&peer).emit(black_box(ARG)));
            });
        }
        group.finish();
    }
}

fn bench_filtered(c: &mut Criterion) {
    let mut group = c.benchmark_group("dispatch/filtered");
    let sender = Sender::of::<filtered::m4::m2::m7::Origin>();
    assert_eq!(FILTERED.receivers().len(), 1000);
    assert_eq!(FILTERED.receivers_for(sender).len(), 1);
    group.bench_function(BenchmarkId::new("signals", 1000), |b| {
        b.iter(|| FILTERED.send(black_box(sender), &black_box(ARG)));
    });
    // The floor of a filtered send is calling the one matching receiver.
    let receivers = floor(1);
    group.bench_function(BenchmarkId::new("floor", 1000), |b| {
        b.iter(|| floor_send(black_box(&receivers), sender, &black_box(ARG)));
    });
    group.finish();
}

fn bench_robust(c: &mut Criterion) {
    let mut group = c.benchmark_group("dispatch/robust");
    group.bench_function(BenchmarkId::new("signals", 10), |b| {
        b.iter(|| STATIC_10.send_robust(Sender::NONE, &black_box(ARG)));
    });
    let receivers = floor(10);
    group.bench_function(BenchmarkId::new("floor", 10), |b| {
        b.iter(|| {
            let receivers = black_box(&receivers);
            let args = black_box(ARG);
            let mut outcomes = Vec::with_capacity(receivers.len());
            for receiver in receivers {
                outcomes.push(catch_unwind(AssertUnwindSafe(|| {
                    receiver(Sender::NONE, &args)
                })));
            }
            outcomes
        });
    });
    group.finish();
}

type FloorAsync = Box<dyn for<'b> Fn(Sender, &'b u64) -> BoxFuture<'b, ()> + Send + Sync>;

/// The hand-written join the asend floor uses: poll every pending future,
/// keep outputs in call order.
struct Join<'b> {
    pending: Vec<Option<BoxFuture<'b, ()>>>,
    outputs: Vec<Option<()>>,
}

impl Future for Join<'_> {
    type Output = Vec<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<()>> {
        let this = self.get_mut();
        let mut done = true;
        for (slot, output) in this.pending.iter_mut().zip(&mut this.outputs) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    Poll::Pending => done = false,
                }
            }
        }
        if done {
            Poll::Ready(this.outputs.drain(..).flatten().collect())
        } else {
            Poll::Pending
        }
    }
}

async fn floor_asend(receivers: &[FloorAsync], args: &u64) -> Vec<()> {
    let pending: Vec<_> = receivers
        .iter()
        .map(|receiver| Some(receiver(Sender::NONE, args)))
        .collect();
    let outputs = pending.iter().map(|_| None).collect();
    Join { pending, outputs }.await
}

fn bench_asend(c: &mut Criterion) {
    for i in 0..10_u64 {
        let _permanent = ASYNC_10
            .connect_async(move |_, args: &u64| {
                Box::pin(async move {
                    black_box((args, i));
                })
            })
            .expect("fresh receiver");
    }
    let mut group = c.benchmark_group("dispatch/asend");
    group.bench_function(BenchmarkId::new("signals", 10), |b| {
        b.iter(|| futures::executor::block_on(ASYNC_10.asend(Sender::NONE, &black_box(ARG))));
    });
    let receivers: Vec<FloorAsync> = (0..10_u64)
        .map(|i| -> FloorAsync {
            Box::new(move |_, args| {
                Box::pin(async move {
                    black_box((args, i));
                })
            })
        })
        .collect();
    group.bench_function(BenchmarkId::new("floor", 10), |b| {
        b.iter(|| futures::executor::block_on(floor_asend(black_box(&receivers), &black_box(ARG))));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = support::config();
    targets = bench_plain, bench_filtered, bench_robust, bench_asend
}
criterion_main!(benches);
