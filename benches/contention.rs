//! Contention: 1 and 2 threads sending the same signal at once.
//!
//! Prints, for each implementation, the time per send per thread with one
//! thread and with two, and the scaling factor: the two-thread throughput
//! over the one-thread throughput (2.0 = perfect, below 1.0 = two threads get
//! less done than one). A send that writes shared memory (a lock, a shared
//! reference count) collapses here; `signals` reads only.
//!
//! The floor row (a plain loop over boxed closures, nothing shared but
//! read-only memory) shows what the machine itself allows: on a loaded
//! machine it scales below 2.0 too.
//!
//! `harness = false`: plain `std` timing, each configuration run several
//! times and the median kept.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::Instant;

use signals::{Sender, signal};
use signals2::{Connect1, Emit1};

#[macro_use]
mod support;

signal! {
    pub static STATIC_10: u64;
    pub static RUNTIME_10: u64;
}

mod static_10 {
    receivers!(10, STATIC_10);
}

type FloorBox = Box<dyn Fn(Sender, &u64) + Send + Sync>;

const SENDS: u32 = 1_000_000;
const ROUNDS: usize = 7;

/// Median over `ROUNDS` of the mean time per send per thread, in ns.
fn ns_per_send(threads: usize, send: &(dyn Fn() + Sync)) -> f64 {
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let barrier = Barrier::new(threads);
            let total: f64 = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads)
                    .map(|_| {
                        scope.spawn(|| {
                            barrier.wait();
                            let start = Instant::now();
                            for _ in 0..SENDS {
                                send();
                            }
                            start.elapsed().as_secs_f64()
                        })
                    })
                    .collect();
                workers.into_iter().map(|w| w.join().expect("worker")).sum()
            });
            total / threads as f64 / f64::from(SENDS) * 1e9
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[ROUNDS / 2]
}

fn main() {
    // `cargo bench -- <filter>` passes arguments meant for criterion; a
    // filter that does not mention contention skips this binary.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if !args.is_empty()
        && !args
            .iter()
            .any(|a| "dispatch/contention".contains(a.as_str()))
    {
        return;
    }
    for i in 0..10_u64 {
        let _permanent = RUNTIME_10
            .connect(move |_, args: &u64| {
                black_box((args, i));
            })
            .expect("fresh receiver");
    }
    let floor: Vec<FloorBox> = (0..10_u64)
        .map(|i| -> FloorBox {
            Box::new(move |_, args| {
                black_box((args, i));
            })
        })
        .collect();
    let peer: signals2::Signal<(u64,)> = signals2::Signal::new();
    for i in 0..10_u64 {
        peer.connect(move |args: u64| {
            black_box((args, i));
        });
    }

    let cases: [(&str, &(dyn Fn() + Sync)); 4] = [
        ("signals (static)", &|| {
            drop(STATIC_10.send(Sender::NONE, &black_box(42)));
        }),
        ("signals (runtime)", &|| {
            drop(RUNTIME_10.send(Sender::NONE, &black_box(42)));
        }),
        ("floor", &|| {
            for receiver in black_box(&floor) {
                receiver(Sender::NONE, &black_box(42));
            }
        }),
        ("signals2", &|| {
            black_box(black_box(&peer).emit(black_box(42)));
        }),
    ];
    println!("dispatch/contention: 10 receivers, {SENDS} sends per thread, median of {ROUNDS}");
    println!();
    println!("| impl | 1 thread ns/send | 2 threads ns/send/thread | scaling |");
    println!("|---|---:|---:|---:|");
    for (name, send) in cases {
        let one = ns_per_send(1, send);
        let two = ns_per_send(2, send);
        println!("| {name} | {one:.1} | {two:.1} | {:.2}x |", 2.0 * one / two);
    }
}
