//! The dispatch workload: the signals, their receivers and the floors that
//! `benches/dispatch.rs` times with criterion (wall clock) and
//! `benches/callgrind.rs` counts instructions of under callgrind, so both
//! benches measure exactly the same sends.
//!
//! A *floor* is the hand-written code making the same calls without the
//! dispatcher: a slice of distinct `fn` pointers for static receivers
//! (`#[receiver]` functions), a `Vec<Box<dyn Fn>>` for closures connected at
//! run time. Every receiver and every floor hands its argument to `black_box`.
//!
//! Included with `#[path]` by the binaries that need it, after
//! `#[macro_use] mod support;` (its macros stamp out the receivers).

// Each bench binary uses a different subset of this module.
#![allow(dead_code)]

use std::future::Future;
use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::Once;
use std::task::{Context, Poll, Waker};
use std::thread;

use signals::{BoxFuture, Sender, Signal, SignalDef, signal};

use crate::support::{self, FloorFn};

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

pub mod static_1 {
    receivers!(1, workload::STATIC_1);
}
pub mod static_10 {
    receivers!(10, workload::STATIC_10);
}
pub mod static_100 {
    receivers!(100, workload::STATIC_100);
}

/// One sender type and one receiver filtered on it, per module.
macro_rules! filtered_leaf {
    () => {
        pub struct Origin;
        #[::signals::receiver(crate::workload::FILTERED, sender = Origin)]
        fn recv(args: &u64) {
            ::std::hint::black_box((args, module_path!()));
        }
        floor_leaf!();
    };
}
pub mod filtered {
    tens! { tens! { tens! { filtered_leaf!(); } } }
}

/// The sender of every filtered send: one of the 1000 sender types.
pub const FILTERED_SENDER: Sender = Sender::of::<filtered::m4::m2::m7::Origin>();

/// The receiver counts of the `static` and `runtime` cases.
pub const SIZES: [usize; 4] = [0, 1, 10, 100];
/// The argument of every send.
pub const ARG: u64 = 42;

/// A send (or a floor's loop) as a case the benches repeat.
pub type Run<'a> = Box<dyn Fn() + 'a>;
/// A runtime floor receiver: the same closure as a runtime receiver.
pub type FloorBox = Box<dyn Fn(Sender, &u64) + Send + Sync>;
/// An async floor receiver: the same closure as an async runtime receiver.
pub type FloorAsync = Box<dyn for<'b> Fn(Sender, &'b u64) -> BoxFuture<'b, ()> + Send + Sync>;

/// Connects the runtime receivers of `RUNTIME_*` and `ASYNC_10`, once per
/// process, and gives `RUNTIME_0` a receiver it then loses (a runtime
/// signal that had a receiver, as opposed to `STATIC_0` that never had one).
pub fn connect() {
    static CONNECTED: Once = Once::new();
    CONNECTED.call_once(|| {
        connect_runtime(&RUNTIME_1, 1);
        connect_runtime(&RUNTIME_10, 10);
        connect_runtime(&RUNTIME_100, 100);
        RUNTIME_0
            .connect(|_, _: &u64| {})
            .expect("fresh receiver")
            .disconnect();
        for i in 0..10_u64 {
            let _permanent = ASYNC_10
                .connect_async(move |_, args: &u64| {
                    Box::pin(async move {
                        black_box((args, i));
                    })
                })
                .expect("fresh receiver");
        }
    });
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

/// A plain `send` of `signal`, with no sender.
fn send_of<D>(signal: &'static Signal<D>) -> Run<'static>
where
    D: for<'a> SignalDef<Args<'a> = u64, Response = ()>,
{
    Box::new(move || drop(black_box(signal).send(Sender::NONE, &black_box(ARG))))
}

/// `send` of the static signal with `n` (0, 1, 10 or 100) receivers.
pub fn static_send(n: usize) -> Run<'static> {
    match n {
        0 => send_of(&STATIC_0),
        1 => send_of(&STATIC_1),
        10 => send_of(&STATIC_10),
        100 => send_of(&STATIC_100),
        _ => panic!("no static signal with {n} receivers"),
    }
}

/// `send` of the runtime signal with `n` (0, 1, 10 or 100) receivers; call
/// [`connect`] first.
pub fn runtime_send(n: usize) -> Run<'static> {
    match n {
        0 => send_of(&RUNTIME_0),
        1 => send_of(&RUNTIME_1),
        10 => send_of(&RUNTIME_10),
        100 => send_of(&RUNTIME_100),
        _ => panic!("no runtime signal with {n} receivers"),
    }
}

/// A send from [`FILTERED_SENDER`]: one of the 1000 receivers matches.
pub fn filtered_send() -> Run<'static> {
    Box::new(|| drop(black_box(&FILTERED).send(black_box(FILTERED_SENDER), &black_box(ARG))))
}

/// `send_robust` to the 10 static receivers of `STATIC_10`.
pub fn robust_send() -> Run<'static> {
    Box::new(|| drop(black_box(&STATIC_10).send_robust(Sender::NONE, &black_box(ARG))))
}

/// `asend` to the 10 async receivers of `ASYNC_10`, polled to completion
/// without a runtime; call [`connect`] first.
pub fn asend() -> Run<'static> {
    Box::new(|| {
        drop(complete(
            black_box(&ASYNC_10).asend(Sender::NONE, &black_box(ARG)),
        ))
    })
}

/// The static floor: `n` distinct functions, one per static receiver of the
/// `STATIC_<n>` signal.
pub fn fn_floor(n: usize) -> Vec<FloorFn> {
    let fns = match n {
        0 => Vec::new(),
        1 => support::floors(static_1::floors),
        10 => support::floors(static_10::floors),
        100 => support::floors(static_100::floors),
        _ => panic!("no static floor with {n} functions"),
    };
    assert_eq!(fns.len(), n);
    fns
}

/// The floor of a filtered send: the twin of the one receiver that matches.
pub fn filtered_floor() -> Vec<FloorFn> {
    support::floors(filtered::m4::m2::m7::floors)
}

/// The runtime floor: `n` boxed closures, the same closures as the runtime
/// receivers.
pub fn boxed_floor(n: usize) -> Vec<FloorBox> {
    (0..n)
        .map(|i| -> FloorBox {
            Box::new(move |_, args| {
                black_box((args, i));
            })
        })
        .collect()
}

/// The floor's send: a plain loop over the receivers.
#[inline(never)]
pub fn floor_send<F: Fn(Sender, &u64)>(receivers: &[F], sender: Sender, args: &u64) {
    for receiver in receivers {
        receiver(sender, args);
    }
}

/// The floor of `send_robust`: every call under `catch_unwind`, outcomes
/// collected in order.
#[inline(never)]
pub fn floor_send_robust<F: Fn(Sender, &u64)>(
    receivers: &[F],
    sender: Sender,
    args: &u64,
) -> Vec<thread::Result<()>> {
    let mut outcomes = Vec::with_capacity(receivers.len());
    for receiver in receivers {
        outcomes.push(catch_unwind(AssertUnwindSafe(|| receiver(sender, args))));
    }
    outcomes
}

/// The async floor: 10 boxed async closures, the same as `ASYNC_10`'s.
pub fn async_floor() -> Vec<FloorAsync> {
    (0..10_u64)
        .map(|i| -> FloorAsync {
            Box::new(move |_, args| {
                Box::pin(async move {
                    black_box((args, i));
                })
            })
        })
        .collect()
}

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

/// The floor of `asend`: call every async closure, join their futures.
pub async fn floor_asend(receivers: &[FloorAsync], args: &u64) -> Vec<()> {
    let pending: Vec<_> = receivers
        .iter()
        .map(|receiver| Some(receiver(Sender::NONE, args)))
        .collect();
    let outputs = pending.iter().map(|_| None).collect();
    Join { pending, outputs }.await
}

/// Polls `future` to completion with a no-op waker: the bench receivers
/// never wait, so the first poll finishes, and no runtime or executor adds
/// its own cost to either side.
pub fn complete<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("bench futures complete on their first poll"),
    }
}
