#![warn(missing_docs)]
//! Django-style signals for Rust: decoupled parts of a program get notified
//! when something happens elsewhere ("a pizza is done", "a user was
//! created") without the sender knowing who listens.
//!
//! - [`signal!`] declares a signal; [`#[receiver]`](macro@receiver) registers a
//!   sync or `async fn` at link time, in any module of any linked crate.
//! - Runtime [`connect`](Signal::connect) / disconnect with closures, weak and
//!   scoped connections.
//! - [`send`](Signal::send), [`send_robust`](Signal::send_robust),
//!   [`asend`](Signal::asend), [`asend_robust`](Signal::asend_robust),
//!   [`has_listeners`](Signal::has_listeners), sender filtering,
//!   `dispatch_uid` de-duplication, deterministic order with priorities.
//! - Introspection of every receiver with its source location
//!   ([`Signal::receivers`], [`registry::signals`]).
//!
//! # Quick start
//!
//! The package is `signals-dispatch` on crates.io; its library is `signals`:
//!
//! ```toml
//! [dependencies]
//! signals = { package = "signals-dispatch", version = "0.1" }
//! ```
//!
//! ```
//! use signals::{receiver, signal, Sender};
//!
//! pub struct PizzaDone { pub toppings: Vec<String>, pub size: u32 }
//!
//! signal! {
//!     /// Sent after a pizza leaves the oven.
//!     pub static PIZZA_DONE: PizzaDone;
//! }
//!
//! pub struct PizzaStore;
//!
//! #[receiver(PIZZA_DONE, sender = PizzaStore, dispatch_uid = "kitchen-display")]
//! fn show_on_display(args: &PizzaDone) {
//!     println!("{}cm pizza with {}", args.size, args.toppings.join(", "));
//! }
//!
//! #[receiver(PIZZA_DONE)] // any sender
//! async fn notify_courier(sender: Sender, args: &PizzaDone) {
//!     println!("courier: pizza from {sender}");
//! }
//!
//! fn main() {
//!     let args = PizzaDone { toppings: vec!["basil".into()], size: 30 };
//!     PIZZA_DONE.send(Sender::of::<PizzaStore>(), &args);
//!     assert_eq!(PIZZA_DONE.receivers().len(), 2);
//! }
//! ```
//!
//! # Declaring signals
//!
//! `signal!` takes any number of `static` declarations with doc comments and
//! any visibility. The type after `:` is what a send carries; receivers get
//! it by reference. `'_` (or an elided `&`) in that type borrows from the
//! sender, so nothing has to be cloned to fire a signal, and receivers cannot
//! keep the borrow past the call. `=> Type` declares what receivers return
//! (default `()`); `send` returns the responses.
//!
//! ```
//! use signals::{receiver, signal, Sender};
//!
//! pub struct Request<'a> { pub path: &'a str }
//! pub struct Order { pub total: u32 }
//! #[derive(Debug, PartialEq)]
//! pub struct Veto(&'static str);
//!
//! signal! {
//!     /// A request began; borrows the request from the server.
//!     pub static REQUEST_STARTED: Request<'_>;
//!     /// Asks every receiver whether an order may be placed.
//!     pub(crate) static CHECK_ORDER: Order => Result<(), Veto>;
//! }
//!
//! #[receiver(CHECK_ORDER)]
//! fn credit_limit(order: &Order) -> Result<(), Veto> {
//!     if order.total > 100 { Err(Veto("over the credit limit")) } else { Ok(()) }
//! }
//!
//! fn main() {
//!     let path = String::from("/menu");
//!     REQUEST_STARTED.send(Sender::NONE, &Request { path: &path });
//!     let answers = CHECK_ORDER.send(Sender::NONE, &Order { total: 120 });
//!     assert_eq!(answers, vec![Err(Veto("over the credit limit"))]);
//! }
//! ```
//!
//! # Receivers
//!
//! [`#[receiver(SIGNAL, sender = Type, dispatch_uid = "…", priority = N)]`](macro@receiver)
//! (every key optional) or `#[receiver([SIGNAL_A, SIGNAL_B])]` for a list of
//! signals. The function is left as written, so it can still be called and
//! disconnected by value. Accepted parameter shapes:
//!
//! | shape | gets |
//! |---|---|
//! | `fn f()` | nothing |
//! | `fn f(args: &Args)` | the arguments (a single reference parameter) |
//! | `fn f(sender: Sender)` | the sender (a single non-reference parameter) |
//! | `fn f(sender: Sender, args: &Args)` | both |
//!
//! Each may be `async`; its future must be `Send`. The return type must be
//! the signal's response type. Misuse (unknown or repeated keys, an empty
//! `dispatch_uid`, a generic function, a method, a wrong parameter type, …)
//! fails to compile with an error at the offending token that says the fix.
//! The attribute's page documents every key and rule.
//!
//! # Runtime connections
//!
//! [`connect`](Signal::connect) takes what `#[receiver]` takes, at run time:
//! function items of the four shapes, sync or `async fn`, closures and
//! `async` closures ([`shape`] lists every form and what stable Rust does
//! not allow: closures annotate their arguments, `async` closures capture
//! nothing).
//!
//! ```
//! use std::sync::Arc;
//! use signals::{signal, ConnectOptions, Sender};
//!
//! signal! { pub static TICK: u64; }
//! struct Clock;
//!
//! fn on_tick(n: &u64) { println!("tick {n}") }
//! async fn log_tick(sender: Sender, n: &u64) { println!("{sender}: {n}") }
//!
//! let handle = TICK.connect(on_tick)?;
//! TICK.connect(log_tick)?;
//! let filtered = TICK.connect_with(
//!     ConnectOptions::new().sender(Sender::of::<Clock>()).dispatch_uid("audit").priority(5),
//!     |_: &u64| {},
//! )?;
//! // Disconnects when the guard is dropped.
//! let guard = TICK.connect(|n: &u64| assert!(*n > 0))?.scoped();
//! // Lives as long as `owner`.
//! let owner = Arc::new(String::from("widget"));
//! TICK.connect_weak(&owner, |owner: &String, _, n: &u64| println!("{owner}: {n}"))?;
//!
//! TICK.send(Sender::of::<Clock>(), &1);
//! assert!(handle.disconnect());
//! assert_eq!(TICK.disconnect_receiver(log_tick, None), Ok(true));
//! assert_eq!(TICK.disconnect_uid("audit", Some(Sender::of::<Clock>())), Ok(true));
//! drop((guard, owner, filtered));
//! assert!(!TICK.has_listeners(Sender::NONE));
//! # Ok::<(), signals::ConnectError>(())
//! ```
//!
//! # Who answered: responses with their receivers
//!
//! Django's `send` returns `[(receiver, response)]`; `send` here returns the
//! responses alone. When the sender needs to know who gave which response,
//! [`Signal::with_receivers`] offers the same four sends (`send`,
//! `send_robust`, `asend`, `asend_robust`), each returning
//! `(receiver, response)` pairs ([`Answer`]): the receiver is a shared
//! [`ReceiverInfo`] (name, module, file and line, `dispatch_uid`, sender
//! filter, …) taken from the very snapshot the send used. Order and every
//! other rule are those of the plain sends; a receiver that gives no
//! response (a weak receiver whose owner is gone, a muted one, a typed one
//! the instance does not match) has no pair.
//!
//! ```
//! use signals::{receiver, signal, Sender};
//!
//! pub struct Order { pub total: u32 }
//!
//! signal! {
//!     /// Asks every receiver whether an order may be placed.
//!     pub static CHECK_ORDER: Order => Result<(), &'static str>;
//! }
//!
//! #[receiver(CHECK_ORDER)]
//! fn stock(_: &Order) -> Result<(), &'static str> { Ok(()) }
//!
//! #[receiver(CHECK_ORDER, dispatch_uid = "credit")]
//! fn credit_limit(order: &Order) -> Result<(), &'static str> {
//!     if order.total > 100 { Err("over the credit limit") } else { Ok(()) }
//! }
//!
//! fn main() {
//!     // Which receiver vetoed the order?
//!     for (receiver, answer) in CHECK_ORDER.with_receivers().send(Sender::NONE, &Order { total: 120 }) {
//!         if let Err(reason) = answer {
//!             assert_eq!(receiver.name, "credit_limit");
//!             assert_eq!(receiver.dispatch_uid.as_deref(), Some("credit"));
//!             println!("{} ({}:{}) vetoed: {reason}", receiver.path(), receiver.file, receiver.line);
//!         }
//!     }
//! }
//! ```
//!
//! # Semantics
//!
//! These follow Django's dispatcher (`django.dispatch`) except where noted.
//!
//! - **Identity and de-duplication.** A receiver's key is its `dispatch_uid`
//!   if it has one, else its function (a `#[receiver]` function, a function
//!   item or a closure that captures nothing; for a weak receiver, its owner
//!   and its function together, as Django keys a bound method), else its
//!   connection (a closure with captured state). The pair (key, sender
//!   filter) is unique: a second registration with an equal pair is ignored,
//!   and `connect` returns [`ConnectError::Duplicate`] naming the receiver
//!   that stays (Django ignores it silently). Duplicates among
//!   `#[receiver]`s are resolved the same way on every build (the first in
//!   dispatch order wins) and listed by [`Signal::duplicates`]. An empty uid
//!   is a compile error in `#[receiver]` and an error at run time (Django
//!   silently ignores it).
//! - **Disconnecting.** Every disconnect answers whether it removed a
//!   receiver, as Django's `disconnect` returns a bool: `true` once, `false`
//!   when there was none (never connected, already gone, owner dropped).
//!   Where the argument can be wrong (a uid, a sender filter, a receiver
//!   value, a [`Connection`] handed to a signal) the answer is `Ok(bool)`, and
//!   [`DisconnectError`] means the argument cannot name any receiver (an
//!   empty uid, `Sender::NONE` as a filter, a function pointer, a capturing
//!   closure, another signal's connection); its message says what to pass
//!   instead. [`Connection::disconnect`] cannot be misused and returns the
//!   bool alone.
//! - **Senders.** A [`Sender`] is a type ([`Sender::of`]) or a name
//!   ([`Sender::named`]) compared by value (Django compares object identity).
//!   A receiver without a sender filter hears every send; a send from
//!   [`Sender::NONE`] reaches only those.
//! - **Order.** Higher `priority` first (default 0); then `#[receiver]`s
//!   before runtime receivers; `#[receiver]`s by module path, then line
//!   (independent of link order); runtime receivers in connect order. Within
//!   one send, sync receivers run first in that order, then async receivers
//!   concurrently; responses come back in the same order (sync ones, then
//!   async ones in dispatch order, never completion order).
//! - **Snapshot dispatch.** A send works on the receivers connected when it
//!   began; no lock is held while receivers run. A receiver may connect,
//!   disconnect or send from inside a receiver: one connected during a send
//!   is not called by it, one disconnected during a send still runs in it.
//! - **Failures.** A panic in a receiver propagates out of `send` after the
//!   receivers before it ran, and the signal keeps working (nothing is
//!   poisoned). `send_robust` / `asend_robust` call every receiver and return
//!   `Ok(response)` or a [`ReceiverError`] naming the receiver with the panic
//!   message, and log each caught panic as an ERROR event of the `signals`
//!   target (feature `tracing`, on by default), as Django logs them; install
//!   any `tracing` subscriber to see them. Under `panic = "abort"` a
//!   panicking receiver ends the process in every variant.
//! - **Async.** `asend` runs sync receivers in order on the calling task,
//!   then awaits async receivers concurrently in that same task: no spawn,
//!   no runtime of ours, any executor works (Django runs the sync ones on a
//!   worker thread; here a blocking sync receiver blocks the task). `send`
//!   waits for async receivers on the calling thread, and never where that
//!   would freeze a runtime: inside a multi-thread tokio runtime it steps
//!   aside with `block_in_place`; inside a current-thread one it panics at
//!   once, before any receiver runs, naming the fix (`asend`), as Django
//!   raises `RuntimeError` ([`Signal::send`] has the whole rule;
//!   `send_robust` reports [`FailureKind::WouldBlock`] per async receiver
//!   instead).
//! - **Recursion.** A receiver may send recursively, but a send loop
//!   without a bound overflows the stack, which aborts the process (not a
//!   panic: `send_robust` cannot catch it; Django raises `RecursionError`).
//! - **Link-time registration.** `#[receiver]` registers through
//!   `inventory`; nothing runs at start-up. The first send of a signal
//!   resolves that signal's own registrations once (sorting and
//!   de-duplicating them), at a cost proportional to its receivers only.
//!
//! # The linker pitfall
//!
//! Registrations live in the crate that defines the receiver. If nothing in
//! the final binary refers to that crate, the linker leaves it out and its
//! receivers silently never register. Refer to the crate from the binary,
//! e.g. `use my_receivers as _;` in `main.rs`, and assert it at start-up or
//! in a test with [`registry::assert_linked`], which fails with a message
//! naming the crate and that fix:
//!
//! ```
//! // In main.rs of an application whose receivers live in crate
//! // `my-receivers` (with `use my_receivers as _;` at the top):
//! match signals::registry::assert_linked("my-receivers") {
//!     Ok(linked) => println!("{} receivers from {}", linked.receivers, linked.name),
//!     // Here the crate is not linked, so the check says how to fix it.
//!     Err(not_linked) => eprintln!("{not_linked}"),
//! }
//! ```
//!
//! # Beyond the dispatcher
//!
//! - [`builtin`]: Django's built-in signals (`pre_save`, `post_save`,
//!   `pre_delete`, `post_delete`, `m2m_changed`, `pre_migrate`,
//!   `post_migrate`, `request_started`, `request_finished`,
//!   `got_request_exception`), sent by [`models`] (save, delete, many-to-many,
//!   migrations, each with an async twin, and on-commit delivery that
//!   follows the transaction's task, around your own persistence code) and
//!   by `http::SignalsLayer`, a tower layer (feature `tower`).
//! - [`wiring()`]: every signal and its receivers, as a table or a Graphviz
//!   graph; [`events`]: receivers being connected and disconnected.
//! - [`testing`]: `muted`, `connected_to` and a send recorder for tests.
//!
//! # Cargo features
//!
//! | feature | default | gives |
//! |---|---|---|
//! | `request-signals` | yes | the request signals in [`builtin`] (their arguments borrow `http` types) |
//! | `tokio` | yes | `send` knows tokio's runtimes and never freezes one (see [`Signal::send`]) |
//! | `tracing` | yes | an ERROR event per panic `send_robust`/`asend_robust` catch, a span per send and per receiver call; with no subscriber a send pays one level check |
//! | `tower` | no | `http::SignalsLayer`, sending the request signals around every request (implies `request-signals` and `tokio`) |
//! | `durable-sqlite` | no | durable receivers (`#[receiver(…, durable = "queue")]`) and their outbox on SQLite, bundled ([`durable`], sqlx 0.9) |
//! | `durable-postgres` | no | durable receivers and their outbox on PostgreSQL, workers on any machine ([`durable`], sqlx 0.9) |
//! | `sea-orm` | no | [`seaorm`] and [`model_signals`]: SeaORM 2 entities send the model signals from their hooks, with the connection in hand and on-commit delivery (needs Rust 1.94) |
//!
//! To leave `tracing` (or `tokio`) out, turn the default features off and
//! name the ones to keep:
//!
//! ```toml
//! [dependencies]
//! signals = { package = "signals-dispatch", version = "0.1", default-features = false, features = ["request-signals", "tokio"] }
//! ```
//!
//! # Introspection
//!
//! [`Signal::receivers`] lists every receiver with its name, module path,
//! file and line, sender filter, uid, priority, sync/async and
//! static/runtime; [`registry::signals`] lists every declared signal of the
//! program.

pub use signals_core::*;

#[doc = include_str!("macros/receiver.md")]
#[doc(inline)]
pub use signals_macros::receiver;

#[doc = include_str!("macros/signal.md")]
#[doc(inline)]
pub use signals_macros::signal;

#[cfg(feature = "sea-orm")]
#[doc = include_str!("macros/model_signals.md")]
#[doc(inline)]
pub use signals_macros::model_signals;

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Compiles and runs the snippets of `docs/integrations.md` (they need the
/// `tower` feature and the dev-dependencies).
#[cfg(all(doctest, feature = "tower"))]
#[doc = include_str!("../docs/integrations.md")]
pub struct IntegrationsDoc;
