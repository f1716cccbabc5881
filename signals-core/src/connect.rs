//! Runtime connections: `connect`, its variants, and the `disconnect`
//! family.
//!
//! # Identity
//!
//! A runtime receiver's key (DESIGN "Identity") is its `dispatch_uid` when it
//! has one. Otherwise a receiver that captures nothing (a function item or a
//! closure without captures) is keyed by its type, so connecting the same
//! function twice is a duplicate, as in Django; a weak receiver that
//! captures nothing is keyed by its owner and its type together, as Django
//! keys a bound method by its object and its function. A closure that
//! captures state is keyed by its connection and can be connected any number
//! of times.
//!
//! # Disconnecting
//!
//! Every disconnect answers whether it removed a receiver: `true` once,
//! `false` when there was none to remove (never connected, already
//! disconnected, or a weak receiver whose owner is gone), as Django's
//! `disconnect` does. Where the argument itself can be wrong (a uid, a sender
//! filter, a receiver value, a [`Connection`] handed to a signal), that
//! answer comes as `Ok(bool)`, and `Err(DisconnectError)` means the argument
//! cannot name any receiver: nothing was looked up, and the message says
//! what to pass instead. [`Connection::disconnect`] and
//! [`ScopedConnection::disconnect`] cannot be given a wrong argument and
//! return the `bool` alone.

use std::any::{TypeId, type_name};
use std::borrow::Cow;
use std::fmt;
use std::mem::size_of;
use std::panic::Location;
use std::sync::Arc;

use crate::def::{BoxFuture, Call, SignalDef, SyncCall};
use crate::error::{ConnectError, DisconnectError};
use crate::receiver::{Declared, Entry, Key, Liveness, Origin, Owner};
use crate::sender::Sender;
use crate::shape::{self, ReceiverFn};
use crate::signal::Signal;

/// How to connect a runtime receiver: its sender filter, `dispatch_uid`,
/// priority and display name.
///
/// ```
/// # extern crate signals_core as signals;
/// use signals::{ConnectOptions, Sender};
/// struct Billing;
/// let options = ConnectOptions::new()
///     .sender(Sender::of::<Billing>())
///     .dispatch_uid("audit-log")
///     .priority(10)
///     .name("audit log");
/// # let _ = options;
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct ConnectOptions {
    sender: Option<Sender>,
    dispatch_uid: Option<Cow<'static, str>>,
    priority: i32,
    name: Option<Cow<'static, str>>,
}

impl ConnectOptions {
    /// Any sender, no uid, priority 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only hear sends from `sender`.
    pub fn sender(mut self, sender: Sender) -> Self {
        self.sender = Some(sender);
        self
    }

    /// Identify the receiver by `uid`: a second connect with the same uid and
    /// sender is a duplicate, and `disconnect_uid` removes it.
    pub fn dispatch_uid(mut self, uid: impl Into<Cow<'static, str>>) -> Self {
        self.dispatch_uid = Some(uid.into());
        self
    }

    /// Higher priorities run first (default 0; negative values allowed).
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// The name shown by introspection and in errors (default: the
    /// closure's type name).
    pub fn name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// A handle to one runtime connection. Dropping it does nothing; call
/// [`Connection::disconnect`], or turn it into a [`ScopedConnection`] that
/// disconnects on drop.
#[must_use = "keep the handle to disconnect the receiver later, or call `scoped()`"]
pub struct Connection<'s, D: SignalDef> {
    signal: &'s Signal<D>,
    id: u64,
}

impl<D: SignalDef> Clone for Connection<'_, D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D: SignalDef> Copy for Connection<'_, D> {}

impl<'s, D: SignalDef> Connection<'s, D> {
    /// The connection id, unique across all signals.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Removes the receiver. Returns whether it was connected: `false` if
    /// it was already gone (disconnected before, or a weak receiver whose
    /// owner was dropped).
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::Sender;
    ///
    /// signal! { static TICK: u64; }
    ///
    /// let connection = TICK.connect(|n: &u64| println!("tick {n}"))?;
    /// assert!(connection.disconnect());
    /// assert!(!connection.disconnect()); // `Connection` is `Copy`: already gone
    /// assert!(!TICK.has_listeners(Sender::NONE));
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    pub fn disconnect(self) -> bool {
        self.signal.remove_id(self.id)
    }

    /// Whether the receiver is still connected (a weak receiver whose owner
    /// was dropped counts as gone).
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use std::sync::Arc;
    ///
    /// signal! { static TICK: u64; }
    ///
    /// let owner = Arc::new(String::from("clock face"));
    /// let connection = TICK.connect_weak(&owner, |face: &String, _, n: &u64| println!("{face}: {n}"))?;
    /// assert!(connection.is_connected());
    /// drop(owner);
    /// assert!(!connection.is_connected());
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.signal.is_connected(self.id)
    }

    /// A guard that disconnects the receiver when dropped.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::Sender;
    ///
    /// signal! { static TICK: u64; }
    ///
    /// {
    ///     let _guard = TICK.connect(|n: &u64| println!("tick {n}"))?.scoped();
    ///     assert!(TICK.has_listeners(Sender::NONE));
    /// }
    /// assert!(!TICK.has_listeners(Sender::NONE));
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    pub fn scoped(self) -> ScopedConnection<'s, D> {
        ScopedConnection {
            connection: Some(self),
        }
    }

    /// The signal this connection belongs to.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// signal! { static TICK: u64; }
    ///
    /// let connection = TICK.connect(|| ())?;
    /// assert_eq!(connection.signal().name(), "TICK");
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    #[must_use]
    pub fn signal(&self) -> &'s Signal<D> {
        self.signal
    }
}

impl<D: SignalDef> fmt::Debug for Connection<'_, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("signal", &D::NAME)
            .field("id", &self.id)
            .finish()
    }
}

/// Disconnects its receiver when dropped (see [`Connection::scoped`]).
#[must_use = "the receiver is disconnected as soon as the guard is dropped"]
pub struct ScopedConnection<'s, D: SignalDef> {
    connection: Option<Connection<'s, D>>,
}

impl<'s, D: SignalDef> ScopedConnection<'s, D> {
    /// Keeps the receiver connected past the guard's scope.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::Sender;
    ///
    /// signal! { static TICK: u64; }
    ///
    /// let connection = {
    ///     let guard = TICK.connect(|n: &u64| println!("tick {n}"))?.scoped();
    ///     guard.release()
    /// };
    /// assert!(TICK.has_listeners(Sender::NONE));
    /// assert!(connection.disconnect());
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    pub fn release(mut self) -> Connection<'s, D> {
        self.connection
            .take()
            .unwrap_or_else(|| unreachable!("only `Drop` takes the connection out"))
    }

    /// Disconnects the receiver now rather than at the end of the scope.
    /// Returns whether it was still connected, as
    /// [`Connection::disconnect`].
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use std::sync::Arc;
    ///
    /// signal! { static TICK: u64; }
    ///
    /// let owner = Arc::new(());
    /// let guard = TICK.connect_weak(&owner, |_: &(), _, _: &u64| ())?.scoped();
    /// drop(owner); // the weak receiver is gone with its owner
    /// assert!(!guard.disconnect());
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    pub fn disconnect(mut self) -> bool {
        self.connection.take().is_some_and(Connection::disconnect)
    }

    /// Whether the receiver is still connected, as
    /// [`Connection::is_connected`].
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.connection
            .as_ref()
            .is_some_and(Connection::is_connected)
    }
}

impl<D: SignalDef> Drop for ScopedConnection<'_, D> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            connection.disconnect();
        }
    }
}

impl<D: SignalDef> fmt::Debug for ScopedConnection<'_, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ScopedConnection")
            .field(&self.connection)
            .finish()
    }
}

/// Splits a receiver's type name into a module path and a name: a closure
/// (`app::main::{{closure}}`) keeps its full type name, a function item
/// (`app::on_save`) is named by the function alone, like a `#[receiver]`.
/// Generic arguments (`app::setup<app::User>::{{closure}}`) are not split.
fn split_type_name(full: &'static str) -> (Cow<'static, str>, Cow<'static, str>) {
    let closure = full.find("::{{closure}}");
    let base = closure.map_or(full, |at| &full[..at]);
    match last_path_separator(base) {
        Some(at) if closure.is_none() => {
            (Cow::Borrowed(&base[..at]), Cow::Borrowed(&base[at + 2..]))
        }
        Some(at) => (Cow::Borrowed(&base[..at]), Cow::Borrowed(full)),
        None => (Cow::Borrowed(""), Cow::Borrowed(full)),
    }
}

/// Where the last `::` of `path` outside generic arguments starts (the `>`
/// of a `->` in a function type closes nothing).
fn last_path_separator(path: &str) -> Option<usize> {
    let bytes = path.as_bytes();
    let mut depth = 0usize;
    let mut last = None;
    for (at, &byte) in bytes.iter().enumerate() {
        match byte {
            b'<' => depth += 1,
            b'>' if at > 0 && bytes[at - 1] != b'-' => depth = depth.saturating_sub(1),
            b':' if depth == 0 && bytes.get(at + 1) == Some(&b':') => last = Some(at),
            _ => {}
        }
    }
    last
}

/// A runtime receiver on its way to becoming an entry: how it is called and
/// what it is, before the options say how it is connected.
pub(crate) struct Runtime<D: SignalDef> {
    pub(crate) call: Call<D>,
    /// The owner of a weak receiver.
    pub(crate) owner: Option<Owner>,
    /// Shown unless `ConnectOptions::name` says otherwise.
    pub(crate) module_path: Cow<'static, str>,
    pub(crate) name: Cow<'static, str>,
    /// The receiver's identity when it has no uid, if its type can be one
    /// (see `receiver::Declared::function`).
    pub(crate) function: Option<TypeId>,
    /// The queue of a durable receiver.
    pub(crate) durable: Option<Cow<'static, str>>,
}

impl<D: SignalDef> Runtime<D> {
    /// A receiver of type `F`, shown by its type name. A receiver that
    /// captures nothing is keyed by its type (with its owner, if weak), so
    /// connecting the same function twice is a duplicate.
    fn of<F: 'static>(call: Call<D>, owner: Option<Owner>) -> Self {
        let (module_path, name) = split_type_name(type_name::<F>());
        Runtime {
            call,
            owner,
            module_path,
            name,
            function: function_id::<F>(),
            durable: None,
        }
    }
}

/// The identity of a receiver of type `F` when it captures nothing: only
/// then does its type stand for one function.
fn function_id<F: 'static>() -> Option<TypeId> {
    (size_of::<F>() == 0).then(TypeId::of::<F>)
}

/// Why a receiver of type `F` has no function identity, for
/// `disconnect_receiver`.
fn no_identity<F>() -> DisconnectError {
    let type_name = type_name::<F>();
    // A function pointer's type name is its signature (`fn(&'_ u32)`,
    // `for<'a> fn(..)`, `extern "C" fn(..)`); nothing else starts so.
    let is_fn_pointer = ["fn(", "for<", "extern ", "unsafe "]
        .iter()
        .any(|start| type_name.starts_with(start));
    if is_fn_pointer {
        DisconnectError::FunctionPointer { type_name }
    } else {
        DisconnectError::CapturesState { type_name }
    }
}

impl<D: SignalDef> Signal<D> {
    /// Connects `receiver` as `options` say: the one path of every runtime
    /// connection (the `connect` family and `testing::record`).
    pub(crate) fn connect_runtime(
        &self,
        options: ConnectOptions,
        receiver: Runtime<D>,
        location: &'static Location<'static>,
    ) -> Result<Connection<'_, D>, ConnectError> {
        if options.sender.is_some_and(|s| s.is_none()) {
            return Err(ConnectError::NoneSenderFilter);
        }
        if options.dispatch_uid.as_deref() == Some("") {
            return Err(ConnectError::EmptyDispatchUid);
        }
        let declared = Declared {
            name: options.name.unwrap_or(receiver.name),
            module_path: receiver.module_path,
            file: location.file(),
            line: location.line(),
            sender: options.sender,
            dispatch_uid: options.dispatch_uid,
            priority: options.priority,
            origin: Origin::Runtime,
            function: receiver.function,
            durable: receiver.durable,
        };
        let id = self.insert(Entry::new(declared, receiver.call, receiver.owner))?;
        Ok(Connection { signal: self, id })
    }

    /// Connects a receiver for every sender: a function or closure of any
    /// shape `#[receiver]` accepts, sync or async (see [`shape`] for every
    /// accepted form and what stable Rust does not allow).
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use signals::Sender;
    ///
    /// pub struct PizzaDone { pub size: u32 }
    /// signal! { pub static PIZZA_DONE: PizzaDone; }
    ///
    /// fn show_on_display(args: &PizzaDone) { println!("{}cm pizza", args.size) }
    /// fn ring_bell() { println!("ding") }
    /// fn log_sender(sender: Sender) { println!("from {sender}") }
    /// fn log_both(sender: Sender, args: &PizzaDone) { println!("{}cm from {sender}", args.size) }
    /// async fn notify_courier(args: &PizzaDone) { println!("courier: {}cm", args.size) }
    ///
    /// PIZZA_DONE.connect(show_on_display)?;
    /// PIZZA_DONE.connect(ring_bell)?;
    /// PIZZA_DONE.connect(log_sender)?;
    /// PIZZA_DONE.connect(log_both)?;
    /// PIZZA_DONE.connect(notify_courier)?;
    ///
    /// // Closures annotate the arguments; capturing closures are fine.
    /// let total = Arc::new(AtomicU32::new(0));
    /// let sum = Arc::clone(&total);
    /// PIZZA_DONE.connect(move |args: &PizzaDone| {
    ///     sum.fetch_add(args.size, Ordering::Relaxed);
    /// })?;
    /// PIZZA_DONE.connect(|sender, args: &PizzaDone| println!("{sender}: {}", args.size))?;
    /// PIZZA_DONE.connect(async |args: &PizzaDone| println!("async {}", args.size))?;
    ///
    /// PIZZA_DONE.send(Sender::named("oven"), &PizzaDone { size: 30 });
    /// assert_eq!(total.load(Ordering::Relaxed), 30);
    ///
    /// // The same function twice is a duplicate, as in Django.
    /// assert!(PIZZA_DONE.connect(show_on_display).is_err());
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConnectError::Duplicate`] when `receiver` is a function (or a
    /// closure that captures nothing) already connected without a sender
    /// filter.
    #[track_caller]
    pub fn connect<F, Shape>(&self, receiver: F) -> Result<Connection<'_, D>, ConnectError>
    where
        F: ReceiverFn<D, Shape>,
    {
        self.connect_with(ConnectOptions::new(), receiver)
    }

    /// [`connect`](Self::connect) with a sender filter, uid, priority or
    /// name.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{ConnectOptions, Sender};
    ///
    /// pub struct Invoice { pub total: u32 }
    /// pub struct Billing;
    /// signal! { pub static INVOICE_SENT: Invoice => &'static str; }
    ///
    /// fn audit(_: &Invoice) -> &'static str { "audit" }
    ///
    /// INVOICE_SENT.connect_with(
    ///     ConnectOptions::new()
    ///         .sender(Sender::of::<Billing>())
    ///         .dispatch_uid("audit-log")
    ///         .priority(10),
    ///     audit,
    /// )?;
    /// INVOICE_SENT.connect_with(ConnectOptions::new().name("mailer"), |_: &Invoice| "mail")?;
    ///
    /// // Higher priority first; the filtered receiver only hears `Billing`.
    /// assert_eq!(INVOICE_SENT.send(Sender::of::<Billing>(), &Invoice { total: 5 }), ["audit", "mail"]);
    /// assert_eq!(INVOICE_SENT.send(Sender::NONE, &Invoice { total: 5 }), ["mail"]);
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConnectError::Duplicate`] when a receiver with the same key (uid,
    /// else function) and sender filter is connected,
    /// [`ConnectError::EmptyDispatchUid`] for `dispatch_uid("")` and
    /// [`ConnectError::NoneSenderFilter`] for `sender(Sender::NONE)`.
    #[track_caller]
    pub fn connect_with<F, Shape>(
        &self,
        options: ConnectOptions,
        receiver: F,
    ) -> Result<Connection<'_, D>, ConnectError>
    where
        F: ReceiverFn<D, Shape>,
    {
        let runtime = Runtime::of::<F>(receiver.__into_call().0, None);
        self.connect_runtime(options, runtime, Location::caller())
    }

    /// Connects an async receiver written as a closure that returns a boxed
    /// future, which may borrow the arguments. An `async fn` or an `async`
    /// closure needs no box: pass it to [`connect`](Self::connect); this form
    /// is for closures that capture state and whose future also borrows the
    /// arguments.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use std::sync::Arc;
    /// use signals::Sender;
    ///
    /// signal! { static TICK: u64 => String; }
    ///
    /// let prefix = Arc::new(String::from("tick"));
    /// TICK.connect_async(move |_sender, n: &u64| {
    ///     let prefix = Arc::clone(&prefix);
    ///     Box::pin(async move { format!("{prefix} {n}") })
    /// })?;
    /// assert_eq!(TICK.send(Sender::NONE, &7), ["tick 7"]);
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    #[track_caller]
    pub fn connect_async<F>(&self, receiver: F) -> Result<Connection<'_, D>, ConnectError>
    where
        F: for<'a, 'b> Fn(Sender, &'b D::Args<'a>) -> BoxFuture<'b, D::Response>
            + Send
            + Sync
            + 'static,
    {
        self.connect_async_with(ConnectOptions::new(), receiver)
    }

    /// [`connect_async`](Self::connect_async) with options.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{ConnectOptions, Sender};
    ///
    /// signal! { static TICK: u64 => u64; }
    ///
    /// TICK.connect_async_with(ConnectOptions::new().dispatch_uid("double"), |_, n: &u64| {
    ///     Box::pin(async move { n * 2 })
    /// })?;
    /// assert_eq!(TICK.send(Sender::NONE, &21), [42]);
    /// assert_eq!(TICK.disconnect_uid("double", None), Ok(true));
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`connect_with`](Self::connect_with).
    #[track_caller]
    pub fn connect_async_with<F>(
        &self,
        options: ConnectOptions,
        receiver: F,
    ) -> Result<Connection<'_, D>, ConnectError>
    where
        F: for<'a, 'b> Fn(Sender, &'b D::Args<'a>) -> BoxFuture<'b, D::Response>
            + Send
            + Sync
            + 'static,
    {
        let runtime = Runtime::of::<F>(shape::async_call(receiver).0, None);
        self.connect_runtime(options, runtime, Location::caller())
    }

    /// Connects a sync receiver that lives as long as `owner`, like Django's
    /// weakly referenced bound methods: it gets the owner as its first
    /// argument, is never called once the last `Arc` to the owner is
    /// dropped, and is then pruned from the signal (at its next send,
    /// connect, disconnect or introspection). The signal does not keep the
    /// owner alive.
    ///
    /// A receiver that captures nothing (a method such as `Display::on_tick`,
    /// a function, a capture-free closure) is identified by its owner and
    /// its function together: connecting the same method of the same owner
    /// again is a duplicate; another owner, or another method, is another
    /// receiver.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use std::sync::{Arc, Mutex};
    /// use signals::{ConnectError, Sender};
    ///
    /// signal! { static TICK: u64; }
    ///
    /// struct Display { shown: Mutex<Vec<u64>> }
    /// impl Display {
    ///     fn on_tick(&self, _sender: Sender, n: &u64) {
    ///         self.shown.lock().unwrap().push(*n);
    ///     }
    /// }
    ///
    /// let display = Arc::new(Display { shown: Mutex::new(Vec::new()) });
    /// TICK.connect_weak(&display, Display::on_tick)?;
    /// assert!(matches!(TICK.connect_weak(&display, Display::on_tick), Err(ConnectError::Duplicate { .. })));
    ///
    /// TICK.send(Sender::NONE, &1);
    /// assert_eq!(*display.shown.lock().unwrap(), [1]);
    /// drop(display);
    /// assert!(!TICK.has_listeners(Sender::NONE));
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    #[track_caller]
    pub fn connect_weak<T, F>(
        &self,
        owner: &Arc<T>,
        receiver: F,
    ) -> Result<Connection<'_, D>, ConnectError>
    where
        T: Send + Sync + 'static,
        F: for<'a, 'b> Fn(&T, Sender, &'b D::Args<'a>) -> D::Response + Send + Sync + 'static,
    {
        self.connect_weak_with(ConnectOptions::new(), owner, receiver)
    }

    /// [`connect_weak`](Self::connect_weak) with options.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use std::sync::Arc;
    /// use signals::{ConnectOptions, Sender};
    ///
    /// signal! { static TICK: u64 => String; }
    /// struct Clock;
    ///
    /// let label = Arc::new(String::from("kitchen"));
    /// TICK.connect_weak_with(
    ///     ConnectOptions::new().sender(Sender::of::<Clock>()),
    ///     &label,
    ///     |label: &String, _, n: &u64| format!("{label} {n}"),
    /// )?;
    /// assert_eq!(TICK.send(Sender::of::<Clock>(), &3), ["kitchen 3"]);
    /// assert!(TICK.send(Sender::NONE, &3).is_empty());
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`connect_with`](Self::connect_with).
    #[track_caller]
    pub fn connect_weak_with<T, F>(
        &self,
        options: ConnectOptions,
        owner: &Arc<T>,
        receiver: F,
    ) -> Result<Connection<'_, D>, ConnectError>
    where
        T: Send + Sync + 'static,
        F: for<'a, 'b> Fn(&T, Sender, &'b D::Args<'a>) -> D::Response + Send + Sync + 'static,
    {
        let weak = Arc::downgrade(owner);
        let probe = Arc::downgrade(owner);
        let call = SyncCall::declining(move |sender: &Sender, args: &D::Args<'_>| {
            let owner = weak.upgrade()?;
            Some(receiver(&owner, *sender, args))
        });
        let alive: Liveness = Arc::new(move || probe.strong_count() > 0);
        let owner = Owner {
            address: Arc::as_ptr(owner).addr(),
            alive,
        };
        let runtime = Runtime::of::<F>(Call::Sync(call), Some(owner));
        self.connect_runtime(options, runtime, Location::caller())
    }

    /// Disconnects the receiver connected with `dispatch_uid` and sender
    /// filter `sender` (`None`: the unfiltered one; a uid with a sender
    /// filter needs that filter, as in Django). Returns whether one was
    /// removed. Works for `#[receiver]`s too.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{ConnectOptions, DisconnectError, Sender};
    ///
    /// signal! { static TICK: u64; }
    /// struct Clock;
    ///
    /// TICK.connect_with(ConnectOptions::new().dispatch_uid("audit"), |_: &u64| ())?;
    /// let clock = Sender::of::<Clock>();
    /// TICK.connect_with(ConnectOptions::new().dispatch_uid("audit").sender(clock), |_: &u64| ())?;
    ///
    /// assert_eq!(TICK.disconnect_uid("audit", None), Ok(true));
    /// assert_eq!(TICK.disconnect_uid("audit", None), Ok(false)); // already gone
    /// assert_eq!(TICK.disconnect_uid("audit", Some(clock)), Ok(true));
    /// assert_eq!(TICK.disconnect_uid("", None), Err(DisconnectError::EmptyDispatchUid));
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DisconnectError::EmptyDispatchUid`] for `""` and
    /// [`DisconnectError::NoneSenderFilter`] for `Some(Sender::NONE)`: no
    /// receiver can have either.
    pub fn disconnect_uid(
        &self,
        dispatch_uid: &str,
        sender: Option<Sender>,
    ) -> Result<bool, DisconnectError> {
        if dispatch_uid.is_empty() {
            return Err(DisconnectError::EmptyDispatchUid);
        }
        if sender.is_some_and(|s| s.is_none()) {
            return Err(DisconnectError::NoneSenderFilter);
        }
        Ok(self.remove_where(|e| {
            matches!(&e.key, Key::Uid(uid) if uid == dispatch_uid) && e.info.sender == sender
        }))
    }

    /// Disconnects the function `receiver` (a `#[receiver]` function, or a
    /// function or capture-free closure connected at run time) registered
    /// without a `dispatch_uid` for sender filter `sender` (`None`: the
    /// unfiltered registration). Returns whether one was removed. As in
    /// Django, a receiver connected with a uid is disconnected by its uid,
    /// and a weak receiver (keyed by its owner too) by its
    /// [`Connection`].
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{DisconnectError, Sender};
    ///
    /// signal! { static TICK: u64; }
    ///
    /// fn on_tick(n: &u64) { println!("tick {n}") }
    ///
    /// TICK.connect(on_tick)?;
    /// assert_eq!(TICK.disconnect_receiver(on_tick, None), Ok(true));
    /// assert_eq!(TICK.disconnect_receiver(on_tick, None), Ok(false));
    ///
    /// // A function pointer does not say which function it is.
    /// let pointer = on_tick as fn(&u64);
    /// assert!(matches!(
    ///     TICK.disconnect_receiver(pointer, None),
    ///     Err(DisconnectError::FunctionPointer { .. })
    /// ));
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When `receiver` cannot identify a receiver:
    /// [`DisconnectError::FunctionPointer`] for a function pointer (pass the
    /// function item itself), [`DisconnectError::CapturesState`] for a
    /// closure that captures state (disconnect its `Connection`); and
    /// [`DisconnectError::NoneSenderFilter`] for `Some(Sender::NONE)`.
    pub fn disconnect_receiver<F, Shape>(
        &self,
        receiver: F,
        sender: Option<Sender>,
    ) -> Result<bool, DisconnectError>
    where
        F: ReceiverFn<D, Shape>,
    {
        drop(receiver);
        let function = function_id::<F>().ok_or_else(no_identity::<F>)?;
        if sender.is_some_and(|s| s.is_none()) {
            return Err(DisconnectError::NoneSenderFilter);
        }
        Ok(self.remove_key(&Key::Fn(function), sender))
    }

    /// Disconnects the receiver behind `connection`, as
    /// [`Connection::disconnect`] does. Returns whether it was connected.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{DisconnectError, Signal};
    ///
    /// signal! { static TICK: u64; }
    ///
    /// let connection = TICK.connect(|_: &u64| ())?;
    /// assert_eq!(TICK.disconnect(connection), Ok(true));
    /// assert_eq!(TICK.disconnect(connection), Ok(false));
    ///
    /// // A handle from another instance of the same signal type is a mistake.
    /// let local: Signal<TICK> = Signal::new();
    /// let foreign = local.connect(|_: &u64| ())?;
    /// assert!(matches!(TICK.disconnect(foreign), Err(DisconnectError::ForeignConnection { .. })));
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DisconnectError::ForeignConnection`] when `connection` was returned
    /// by another `Signal` instance (a local `Signal::new()` of the same
    /// definition): this signal has no receiver of it.
    pub fn disconnect(&self, connection: Connection<'_, D>) -> Result<bool, DisconnectError> {
        if !std::ptr::eq(connection.signal, self) {
            return Err(DisconnectError::ForeignConnection { signal: D::NAME });
        }
        Ok(self.remove_id(connection.id))
    }
}
