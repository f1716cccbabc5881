//! Send cost side by side: `signals`, the floor (the hand-written code doing
//! the same calls) and `signals2` 0.3 where it has the feature. The sends and
//! floors are those of `support/workload.rs`, shared with the instruction
//! counts of `benches/callgrind.rs`.
//!
//! Ids are `dispatch/<case>/<impl>/<n>`; `benches/report.py` turns a run into
//! the table of BENCHMARKS.md.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use signals::Sender;
use signals2::{Connect1, Emit1};

#[macro_use]
mod support;
#[path = "support/workload.rs"]
mod workload;

use workload::{ARG, SIZES, complete, floor_send};

fn signals2_with(n: usize) -> signals2::Signal<(u64,)> {
    let signal = signals2::Signal::new();
    for i in 0..n {
        signal.connect(move |args: u64| {
            black_box((args, i));
        });
    }
    signal
}

fn bench_plain(c: &mut Criterion) {
    workload::connect();
    for case in ["static", "runtime"] {
        let mut group = c.benchmark_group(format!("dispatch/{case}"));
        for n in SIZES {
            let send = if case == "static" {
                workload::static_send(n)
            } else {
                workload::runtime_send(n)
            };
            group.bench_function(BenchmarkId::new("signals", n), |b| b.iter(&send));
            if case == "static" {
                let receivers = workload::fn_floor(n);
                group.bench_function(BenchmarkId::new("floor", n), |b| {
                    b.iter(|| floor_send(black_box(&receivers), Sender::NONE, &black_box(ARG)));
                });
            } else {
                let receivers = workload::boxed_floor(n);
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
    assert_eq!(workload::FILTERED.receivers().len(), 1000);
    assert_eq!(
        workload::FILTERED
            .receivers_for(workload::FILTERED_SENDER)
            .len(),
        1
    );
    group.bench_function(BenchmarkId::new("signals", 1000), |b| {
        b.iter(workload::filtered_send());
    });
    let receivers = workload::filtered_floor();
    group.bench_function(BenchmarkId::new("floor", 1000), |b| {
        b.iter(|| {
            floor_send(
                black_box(&receivers),
                black_box(workload::FILTERED_SENDER),
                &black_box(ARG),
            );
        });
    });
    group.finish();
}

fn bench_robust(c: &mut Criterion) {
    let mut group = c.benchmark_group("dispatch/robust");
    group.bench_function(BenchmarkId::new("signals", 10), |b| {
        b.iter(workload::robust_send());
    });
    let receivers = workload::fn_floor(10);
    group.bench_function(BenchmarkId::new("floor", 10), |b| {
        b.iter(|| {
            workload::floor_send_robust(black_box(&receivers), Sender::NONE, &black_box(ARG))
        });
    });
    group.finish();
}

fn bench_asend(c: &mut Criterion) {
    workload::connect();
    let mut group = c.benchmark_group("dispatch/asend");
    group.bench_function(BenchmarkId::new("signals", 10), |b| {
        b.iter(workload::asend());
    });
    let receivers = workload::async_floor();
    group.bench_function(BenchmarkId::new("floor", 10), |b| {
        b.iter(|| {
            complete(workload::floor_asend(
                black_box(&receivers),
                &black_box(ARG),
            ))
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = support::config();
    targets = bench_plain, bench_filtered, bench_robust, bench_asend
}
criterion_main!(benches);
