//! Which function runs a delivery: the durable receivers of this binary, by
//! (topic, receiver) — those `#[receiver(…, durable = "…")]` linked in (an
//! `inventory` collection) and those connected at run time with
//! [`Signal::durable`](crate::Signal::durable).
//!
//! Events outlive the binary that sent them, so a delivery may name a
//! receiver this binary does not have (renamed, removed, or connected at run
//! time only in other processes): it fails with a message saying so, and,
//! like any failing event, is dead after the worker's `max_attempts`, from
//! where it can be requeued once a worker that has the receiver runs.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use crate::def::{BoxFuture, SignalDef};
use crate::durable::error::Error;
use crate::durable::event::Delivery;
use crate::durable::send::topic;

/// Runs one delivery: decodes its payload and calls the receiver.
pub(crate) type Deliver =
    Arc<dyn Fn(Delivery) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// A durable receiver's worker side, as the code `#[receiver]` generates
/// sees it (see `statics.rs`).
#[doc(hidden)]
pub trait StaticDeliver: Sync {
    /// The receiver's signal: its module path and name.
    fn signal(&self) -> (&'static str, &'static str);
    /// The receiver's stable identifier.
    fn receiver(&self) -> &'static str;
    /// Its queue.
    fn queue(&self) -> &'static str;
    /// Runs one delivery.
    fn deliver(&self, delivery: Delivery) -> BoxFuture<'static, Result<(), String>>;
}

/// One `#[receiver(…, durable = "…")]` registration, collected at link time.
#[doc(hidden)]
pub struct StaticHandler {
    durable: &'static dyn StaticDeliver,
    file: &'static str,
    line: u32,
}

impl StaticHandler {
    /// The registration of `durable`, declared at `file:line`.
    #[must_use]
    pub const fn new(durable: &'static dyn StaticDeliver, file: &'static str, line: u32) -> Self {
        StaticHandler {
            durable,
            file,
            line,
        }
    }

    fn route(&self) -> (String, String) {
        let (module_path, name) = self.durable.signal();
        (
            format!("{module_path}::{name}"),
            self.durable.receiver().to_owned(),
        )
    }
}

inventory::collect!(StaticHandler);

type Route = (String, String);

/// The linked-in receivers by route; more than one on a route is an error
/// that [`check`] reports.
fn statics() -> &'static HashMap<Route, Vec<&'static StaticHandler>> {
    static STATICS: OnceLock<HashMap<Route, Vec<&'static StaticHandler>>> = OnceLock::new();
    STATICS.get_or_init(|| {
        let mut statics: HashMap<Route, Vec<&'static StaticHandler>> = HashMap::new();
        for handler in inventory::iter::<StaticHandler> {
            statics.entry(handler.route()).or_default().push(handler);
        }
        statics
    })
}

/// A receiver connected at run time: its queue and how it runs.
struct Runtime {
    queue: String,
    deliver: Deliver,
}

fn runtime() -> &'static RwLock<HashMap<Route, Runtime>> {
    static RUNTIME: OnceLock<RwLock<HashMap<Route, Runtime>>> = OnceLock::new();
    RUNTIME.get_or_init(RwLock::default)
}

/// Refuses to serve when two linked-in durable receivers of one signal
/// share an identifier: their events could not be told apart.
pub(crate) fn check() -> Result<(), Error> {
    let mut clashes: Vec<_> = statics()
        .iter()
        .filter(|(_, handlers)| handlers.len() > 1)
        .collect();
    clashes.sort_by(|a, b| a.0.cmp(b.0));
    let Some(((topic, receiver), handlers)) = clashes.first() else {
        return Ok(());
    };
    let mut places: Vec<String> = handlers
        .iter()
        .map(|h| format!("{}:{}", h.file, h.line))
        .collect();
    places.sort();
    Err(Error::DuplicateReceiver {
        topic: topic.clone(),
        receiver: receiver.clone(),
        places,
    })
}

/// Registers the runtime receiver `receiver` of `D`, or replaces an
/// earlier registration of it (connected again after a disconnect).
pub(crate) fn register<D: SignalDef>(receiver: &str, queue: &str, deliver: Deliver) {
    let route = (topic::<D>(), receiver.to_owned());
    let runtime_receiver = Runtime {
        queue: queue.to_owned(),
        deliver,
    };
    runtime()
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(route, runtime_receiver);
}

/// The queues of every durable receiver of this binary (linked in, or
/// connected at run time so far), sorted, without repeats: what a worker
/// that serves them all names in its [`WorkerConfig`](crate::durable::WorkerConfig).
#[must_use]
pub fn queues() -> Vec<String> {
    let mut queues: Vec<String> = statics()
        .values()
        .flatten()
        .map(|handler| handler.durable.queue().to_owned())
        .collect();
    queues.extend(
        runtime()
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(|receiver| receiver.queue.clone()),
    );
    queues.sort();
    queues.dedup();
    queues
}

/// Runs `delivery` with the receiver it names, or fails it with a message
/// when this binary has none by that name.
pub(crate) fn deliver(delivery: Delivery) -> BoxFuture<'static, Result<(), String>> {
    let route = (delivery.topic.clone(), delivery.receiver.clone());
    if let Some([handler]) = statics().get(&route).map(Vec::as_slice) {
        return handler.durable.deliver(delivery);
    }
    let runtime = runtime()
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&route)
        .map(|receiver| Arc::clone(&receiver.deliver));
    match runtime {
        Some(deliver) => deliver(delivery),
        None => Box::pin(std::future::ready(Err(format!(
            "no durable receiver `{}` of `{}` in this worker (renamed, removed, or connected at \
             run time only elsewhere?); requeue the dead event once a worker that has it runs, \
             or purge it",
            delivery.receiver, delivery.topic
        )))),
    }
}
