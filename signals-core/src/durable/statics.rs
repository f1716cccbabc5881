//! What `#[receiver(SIGNAL, durable = "queue")]` generates code against
//! (through `__private::durable`; not public API).
//!
//! The attribute generates, for each signal, one `static` [`StaticDurable`]
//! built by [`StaticDurable::new_sync`] or [`StaticDurable::new_async`]:
//! the only place that requires the signal to be a [`DurableSignal`], so a
//! signal whose arguments cannot be stored gets exactly one error, spanned
//! on the attribute's `durable` key. Then two registrations use it: a sync
//! receiver in the signal's table (`send`: queue the event, answer nothing)
//! and a [`StaticHandler`] for workers (`deliver`).

use std::fmt::Display;

use crate::def::{BoxFuture, SignalDef};
use crate::durable::registry::StaticDeliver;
use crate::durable::send::{Target, enqueue};
use crate::durable::stored::DurableSignal;
use crate::sender::Sender;

pub use crate::durable::event::Delivery;
pub use crate::durable::registry::StaticHandler;
pub use crate::durable::stored::DurableOutcome;

/// The ordering key of one send, from the arguments (`key = …`).
pub type KeyFn<D> = for<'a, 'b> fn(&'b <D as SignalDef>::Args<'a>) -> String;

/// The arguments as JSON.
type Encode<D> =
    for<'a, 'b> fn(&'b <D as SignalDef>::Args<'a>) -> Result<String, serde_json::Error>;

/// A sync durable receiver, called with the decoded arguments.
pub type SyncRun<D> =
    for<'a, 'b> fn(&'b <D as SignalDef>::Args<'a>, &'b Delivery) -> Result<(), String>;

/// An async durable receiver, called with the decoded arguments.
pub type AsyncRun<D> = for<'a, 'b> fn(
    &'b <D as SignalDef>::Args<'a>,
    &'b Delivery,
) -> BoxFuture<'b, Result<(), String>>;

type Deliver<R> = fn(Delivery, R) -> BoxFuture<'static, Result<(), String>>;

enum Run<D: SignalDef> {
    Sync(Deliver<SyncRun<D>>, SyncRun<D>),
    Async(Deliver<AsyncRun<D>>, AsyncRun<D>),
}

/// One `#[receiver(…, durable = "…")]` function on one signal.
pub struct StaticDurable<D: SignalDef> {
    queue: &'static str,
    receiver: &'static str,
    key: Option<KeyFn<D>>,
    encode: Encode<D>,
    run: Run<D>,
}

impl<D: SignalDef> StaticDurable<D> {
    /// A sync receiver: `run` is called on tokio's blocking pool, so it may
    /// block.
    #[must_use]
    pub const fn new_sync(
        queue: &'static str,
        receiver: &'static str,
        key: Option<KeyFn<D>>,
        run: SyncRun<D>,
    ) -> Self
    where
        D: DurableSignal,
    {
        StaticDurable {
            queue,
            receiver,
            key,
            encode: D::__encode,
            run: Run::Sync(deliver_sync::<D>, run),
        }
    }

    /// An async receiver: `run`'s future is awaited by the worker.
    #[must_use]
    pub const fn new_async(
        queue: &'static str,
        receiver: &'static str,
        key: Option<KeyFn<D>>,
        run: AsyncRun<D>,
    ) -> Self
    where
        D: DurableSignal,
    {
        StaticDurable {
            queue,
            receiver,
            key,
            encode: D::__encode,
            run: Run::Async(D::__decode_then_await, run),
        }
    }

    /// The receiver's call in the signal's table: queues the event, gives
    /// no response.
    pub fn send(&self, sender: Sender, args: &D::Args<'_>) -> Option<D::Response> {
        let key = match self.key {
            Some(key) => key(args),
            None => sender.label().to_owned(),
        };
        let target = Target {
            queue: self.queue,
            receiver: self.receiver,
        };
        enqueue::<D>(target, key, (self.encode)(args));
        None
    }
}

impl<D: SignalDef> StaticDeliver for StaticDurable<D> {
    fn signal(&self) -> (&'static str, &'static str) {
        (D::MODULE_PATH, D::NAME)
    }

    fn receiver(&self) -> &'static str {
        self.receiver
    }

    fn queue(&self) -> &'static str {
        self.queue
    }

    fn deliver(&self, delivery: Delivery) -> BoxFuture<'static, Result<(), String>> {
        match self.run {
            Run::Sync(deliver, run) => deliver(delivery, run),
            Run::Async(deliver, run) => deliver(delivery, run),
        }
    }
}

/// Runs a sync receiver on tokio's blocking pool: it may block (a mail
/// client, a synchronous database) without stalling the worker's other
/// events or its lease renewals. A panic is the delivery's failure.
fn deliver_sync<D: DurableSignal>(
    delivery: Delivery,
    run: SyncRun<D>,
) -> BoxFuture<'static, Result<(), String>> {
    crate::durable::blocking::run_blocking(move || {
        D::__decode_then(&delivery.payload, |args| run(args, &delivery))?
    })
}

/// The key of `key = …`: `key` applied to the arguments, displayed.
pub fn key_of<'x, A: ?Sized, K: Display>(args: &'x A, key: impl FnOnce(&'x A) -> K) -> String {
    key(args).to_string()
}
