//! Durable receivers connected at run time: `SIGNAL.durable(queue, id)`,
//! then options, then `connect` or `connect_async`.

use std::borrow::Cow;
use std::fmt::{self, Display};
use std::panic::Location;
use std::sync::Arc;

use crate::connect::{ConnectOptions, Connection, Runtime};
use crate::def::{BoxFuture, Call, SignalDef, SyncCall};
use crate::durable::blocking::run_blocking;
use crate::durable::event::Delivery;
use crate::durable::registry::{self, Deliver};
use crate::durable::send::{Target, enqueue};
use crate::durable::stored::{DurableOutcome, DurableSignal};
use crate::error::ConnectError;
use crate::receiver::ReceiverInfo;
use crate::sender::Sender;
use crate::signal::Signal;

/// The ordering key of one send, from the arguments.
type KeyFn<D> = dyn for<'a, 'b> Fn(&'b <D as SignalDef>::Args<'a>) -> String + Send + Sync;

/// A durable receiver on its way to being connected: see
/// [`Signal::durable`].
#[must_use = "nothing is connected until `connect` or `connect_async` is called"]
pub struct DurableConnect<'s, D: SignalDef> {
    signal: &'s Signal<D>,
    queue: Cow<'static, str>,
    receiver: Cow<'static, str>,
    sender: Option<Sender>,
    priority: i32,
    key: Option<Arc<KeyFn<D>>>,
}

impl<D: DurableSignal> Signal<D> {
    /// Starts connecting a durable receiver at run time, on `queue`, under
    /// the stable identifier `receiver` (what its events name, so every
    /// process that sends or serves them must use the same one; it is also
    /// its `dispatch_uid`). Finish with
    /// [`connect`](DurableConnect::connect) or
    /// [`connect_async`](DurableConnect::connect_async).
    ///
    /// A durable receiver is never called by the send: the send writes an
    /// outbox event inside the current outbox transaction, and a worker runs
    /// the receiver after the commit (see the `durable` module). So every
    /// process must connect it the same way: the senders, so that sends
    /// write its events, and the workers, so that they can run them.
    ///
    /// Disconnecting it stops new events; this process's workers still run
    /// the events already queued for it (they name it, and may be in
    /// flight), so nothing committed is orphaned by a disconnect.
    ///
    /// ```
    /// # use signals_core as signals;
    /// # use signals_macros::signal;
    /// # #[derive(serde::Serialize, serde::Deserialize)]
    /// # pub struct Order { pub id: u64 }
    /// signal! {
    ///     #![crate = signals]
    ///     pub static ORDER_PAID: Order;
    /// }
    ///
    /// let connection = ORDER_PAID
    ///     .durable("emails", "shop::send_receipt")
    ///     .key(|order: &Order| order.id)
    ///     .connect(|order: &Order, delivery: &signals::durable::Delivery| {
    ///         println!("receipt for order {} (attempt {})", order.id, delivery.attempt);
    ///         Ok::<(), std::io::Error>(())
    ///     })?;
    /// assert_eq!(connection.signal().receivers()[0].durable.as_deref(), Some("emails"));
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    pub fn durable(
        &self,
        queue: impl Into<Cow<'static, str>>,
        receiver: impl Into<Cow<'static, str>>,
    ) -> DurableConnect<'_, D> {
        DurableConnect {
            signal: self,
            queue: queue.into(),
            receiver: receiver.into(),
            sender: None,
            priority: 0,
            key: None,
        }
    }
}

impl<'s, D: DurableSignal> DurableConnect<'s, D> {
    /// Only sends from `sender` write events for this receiver.
    pub fn sender(mut self, sender: Sender) -> Self {
        self.sender = Some(sender);
        self
    }

    /// Its place among the signal's receivers (higher first; default 0):
    /// the order in which one send's events are written, so the order in
    /// which the events of one key are delivered.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// Orders events by `key(args)`, displayed: events of one queue with the
    /// same key are delivered one at a time, in commit order; different keys
    /// run in parallel. Default: the sender's label
    /// ([`Sender::label`]), one line per sender.
    pub fn key<K: Display>(
        mut self,
        key: impl for<'a, 'b> Fn(&'b D::Args<'a>) -> K + Send + Sync + 'static,
    ) -> Self {
        self.key = Some(Arc::new(move |args: &D::Args<'_>| key(args).to_string()));
        self
    }

    /// Connects `receiver`, a sync function of the arguments and the
    /// [`Delivery`] (its id and attempt number, to be idempotent) that
    /// returns `()` or `Result<(), E: Display>`. Workers run it on tokio's
    /// blocking pool, so it may block.
    ///
    /// # Errors
    ///
    /// [`ConnectError::EmptyQueue`], [`ConnectError::EmptyDispatchUid`] (an
    /// empty identifier), [`ConnectError::NoneSenderFilter`], and
    /// [`ConnectError::Duplicate`] when a receiver of this signal already
    /// has the identifier (connected, or linked in by `#[receiver]`).
    #[track_caller]
    pub fn connect<F, R>(self, receiver: F) -> Result<Connection<'s, D>, ConnectError>
    where
        F: for<'a, 'b> Fn(&'b D::Args<'a>, &'b Delivery) -> R + Send + Sync + 'static,
        R: DurableOutcome,
    {
        let receiver = Arc::new(receiver);
        let deliver: Deliver = Arc::new(move |delivery: Delivery| {
            let receiver = Arc::clone(&receiver);
            run_blocking(move || {
                D::__decode_then(&delivery.payload, |args| {
                    receiver(args, &delivery).into_result()
                })?
            })
        });
        self.finish(deliver, Location::caller())
    }

    /// Connects `receiver`, an async function of the arguments and the
    /// [`Delivery`], written as a closure returning a boxed future that may
    /// borrow both; its output is `()` or `Result<(), E: Display>`.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    #[track_caller]
    pub fn connect_async<F, R>(self, receiver: F) -> Result<Connection<'s, D>, ConnectError>
    where
        F: for<'a, 'b> Fn(&'b D::Args<'a>, &'b Delivery) -> BoxFuture<'b, R>
            + Send
            + Sync
            + 'static,
        R: DurableOutcome + 'static,
    {
        let receiver = Arc::new(receiver);
        let deliver: Deliver = Arc::new(move |delivery: Delivery| {
            let receiver = Arc::clone(&receiver);
            D::__decode_then_await(delivery, move |args, delivery| {
                let outcome = receiver(args, delivery);
                Box::pin(async move { outcome.await.into_result() })
            })
        });
        self.finish(deliver, Location::caller())
    }

    /// Connects the sending side to the signal and registers `deliver` for
    /// this process's workers.
    fn finish(
        self,
        deliver: Deliver,
        location: &'static Location<'static>,
    ) -> Result<Connection<'s, D>, ConnectError> {
        if self.queue.is_empty() {
            return Err(ConnectError::EmptyQueue);
        }
        if self.receiver.is_empty() {
            return Err(ConnectError::EmptyDispatchUid);
        }
        // One identifier, one receiver: the events name nothing else.
        let existing = self
            .signal
            .receivers()
            .into_iter()
            .find(|info| durable_id(info).as_deref() == Some(&*self.receiver));
        if let Some(existing) = existing {
            return Err(ConnectError::Duplicate {
                existing: Box::new(existing),
            });
        }
        let (queue, receiver, key) = (self.queue.clone(), self.receiver.clone(), self.key);
        let call = SyncCall::declining(move |sender: &Sender, args: &D::Args<'_>| {
            let key = match &key {
                Some(key) => key(args),
                None => sender.label().to_owned(),
            };
            let target = Target {
                queue: &queue,
                receiver: &receiver,
            };
            enqueue::<D>(target, key, D::__encode(args));
            None
        });
        let runtime = Runtime {
            call: Call::Sync(call),
            owner: None,
            module_path: Cow::Borrowed(""),
            name: self.receiver.clone(),
            function: None,
            durable: Some(self.queue.clone()),
        };
        let mut options = ConnectOptions::new()
            .dispatch_uid(self.receiver.clone())
            .priority(self.priority);
        if let Some(sender) = self.sender {
            options = options.sender(sender);
        }
        let connection = self.signal.connect_runtime(options, runtime, location)?;
        registry::register::<D>(&self.receiver, &self.queue, deliver);
        Ok(connection)
    }
}

/// The identifier a durable receiver's events carry: its `dispatch_uid`,
/// else its path.
fn durable_id(info: &ReceiverInfo) -> Option<Cow<'_, str>> {
    info.durable.as_ref()?;
    Some(match &info.dispatch_uid {
        Some(uid) => Cow::Borrowed(&**uid),
        None => Cow::Owned(info.path()),
    })
}

impl<D: SignalDef> fmt::Debug for DurableConnect<'_, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DurableConnect")
            .field("signal", &D::NAME)
            .field("queue", &self.queue)
            .field("receiver", &self.receiver)
            .field("sender", &self.sender)
            .field("priority", &self.priority)
            .field("key", &self.key.is_some())
            .finish()
    }
}
