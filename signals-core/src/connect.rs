//! Runtime connections: `connect`, its variants, and `disconnect`.
//!
//! A runtime receiver's key (DESIGN "Identity") is its `dispatch_uid` when it
//! has one. Otherwise a receiver that captures nothing (a function item or a
//! closure without captures) is keyed by its type, so connecting the same
//! function twice is a duplicate, as in Django; a closure that captures state
//! is keyed by its connection and can be connected any number of times.

use std::any::{TypeId, type_name};
use std::borrow::Cow;
use std::fmt;
use std::mem::size_of;
use std::panic::Location;
use std::sync::Arc;

use crate::def::{AsyncCall, BoxFuture, Call, DynAsync, SignalDef, SyncCall};
use crate::error::{ConnectError, DisconnectError};
use crate::receiver::{Declared, Entry, Key, Liveness, Origin};
use crate::sender::Sender;
use crate::signal::Signal;

/// How to connect a runtime receiver: its sender filter, `dispatch_uid`,
/// priority and display name.
///
/// ```
/// use signals_core::{ConnectOptions, Sender};
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

    /// Removes the receiver. Returns `false` if it was already gone.
    pub fn disconnect(self) -> bool {
        self.signal.remove_id(self.id)
    }

    /// Whether the receiver is still connected (a weak receiver whose owner
    /// was dropped counts as gone).
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.signal.is_connected(self.id)
    }

    /// A guard that disconnects the receiver when dropped.
    pub fn scoped(self) -> ScopedConnection<'s, D> {
        ScopedConnection {
            connection: Some(self),
        }
    }

    /// The signal this connection belongs to.
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

/// Disconnects its receiver when dropped.
#[must_use = "the receiver is disconnected as soon as the guard is dropped"]
pub struct ScopedConnection<'s, D: SignalDef> {
    connection: Option<Connection<'s, D>>,
}

impl<'s, D: SignalDef> ScopedConnection<'s, D> {
    /// Keeps the receiver connected past the guard's scope.
    pub fn release(mut self) -> Connection<'s, D> {
        // Only `Drop` takes the connection out, and it has not run.
        self.connection
            .take()
            .expect("ScopedConnection holds its connection until dropped")
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
fn split_type_name(full: &'static str) -> (Cow<'static, str>, Cow<'static, str>) {
    let closure = full.find("::{{closure}}");
    let base = closure.map_or(full, |at| &full[..at]);
    match base.rfind("::") {
        // Generic arguments may contain `::`; keep such names whole.
        Some(at) if closure.is_none() && !base.contains('<') => {
            (Cow::Borrowed(&base[..at]), Cow::Borrowed(&base[at + 2..]))
        }
        Some(at) => (Cow::Borrowed(&base[..at]), Cow::Borrowed(full)),
        None => (Cow::Borrowed(""), Cow::Borrowed(full)),
    }
}

/// A runtime receiver on its way to becoming an entry: how it is called and
/// what it is, before the options say how it is connected.
pub(crate) struct Runtime<D: SignalDef> {
    pub(crate) call: Call<D>,
    pub(crate) liveness: Option<Liveness>,
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
    /// captures nothing is keyed by its type, so connecting the same function
    /// twice is a duplicate; a weak receiver's identity includes its owner,
    /// so it is never keyed by function alone.
    fn of<F: 'static>(call: Call<D>, liveness: Option<Liveness>) -> Self {
        let (module_path, name) = split_type_name(type_name::<F>());
        let function = (size_of::<F>() == 0 && liveness.is_none()).then(TypeId::of::<F>);
        Runtime {
            call,
            liveness,
            module_path,
            name,
            function,
            durable: None,
        }
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
        let id = self.insert(Entry::new(declared, receiver.call, receiver.liveness))?;
        Ok(Connection { signal: self, id })
    }

    /// Connects a sync receiver for every sender.
    ///
    /// Fails only with [`ConnectError::Duplicate`], when `receiver` is a
    /// function (or capture-free closure) that is already connected this way.
    #[track_caller]
    pub fn connect<F>(&self, receiver: F) -> Result<Connection<'_, D>, ConnectError>
    where
        F: for<'a, 'b> Fn(Sender, &'b D::Args<'a>) -> D::Response + Send + Sync + 'static,
    {
        self.connect_with(ConnectOptions::new(), receiver)
    }

    /// Connects a sync receiver with a sender filter, uid, priority or name.
    #[track_caller]
    pub fn connect_with<F>(
        &self,
        options: ConnectOptions,
        receiver: F,
    ) -> Result<Connection<'_, D>, ConnectError>
    where
        F: for<'a, 'b> Fn(Sender, &'b D::Args<'a>) -> D::Response + Send + Sync + 'static,
    {
        let call =
            SyncCall::closure(move |sender: &Sender, args: &D::Args<'_>| receiver(*sender, args));
        let runtime = Runtime::of::<F>(Call::Sync(call), None);
        self.connect_runtime(options, runtime, Location::caller())
    }

    /// Connects an async receiver for every sender. It returns a boxed
    /// future that may borrow the arguments:
    ///
    /// ```
    /// # use signals_core as signals;
    /// # struct Def;
    /// # impl signals::SignalDef for Def {
    /// #     type Args<'a> = u32; type Response = (); type Narrowing = signals::__private::Untyped;
    /// #     const NAME: &'static str = "SIG"; const MODULE_PATH: &'static str = "doc";
    /// #     fn __static_receivers() -> impl Iterator<Item = &'static signals::__private::StaticReceiver<Self>> { std::iter::empty() }
    /// # }
    /// # let signal = signals::Signal::<Def>::new();
    /// signal.connect_async(|_sender, n: &u32| Box::pin(async move { println!("{n}") }))?;
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
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

    /// Connects an async receiver with options.
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
        let call: Arc<DynAsync<D>> =
            Arc::new(move |sender: Sender, args: &D::Args<'_>| Some(receiver(sender, args)));
        let runtime = Runtime::of::<F>(Call::Async(AsyncCall::Dyn(call)), None);
        self.connect_runtime(options, runtime, Location::caller())
    }

    /// Connects a sync receiver that lives as long as `owner`: it gets the
    /// owner as its first argument, is never called once the last `Arc` to
    /// the owner is dropped, and is then pruned from the signal (at its next
    /// send, connect, disconnect or introspection).
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
        let liveness: Liveness = Arc::new(move || probe.strong_count() > 0);
        let runtime = Runtime::of::<F>(Call::Sync(call), Some(liveness));
        self.connect_runtime(options, runtime, Location::caller())
    }

    /// Disconnects the receiver connected with `dispatch_uid` and sender
    /// filter `sender` (`None`: the unfiltered one). Returns whether one was
    /// removed. Works for static receivers too.
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

    /// Disconnects the function `receiver` (a `#[receiver]` function or a
    /// function connected at run time) registered without a `dispatch_uid`
    /// for sender filter `sender`. As in Django, a receiver connected with a
    /// uid must be disconnected by its uid.
    pub fn disconnect_receiver<F: 'static>(
        &self,
        receiver: F,
        sender: Option<Sender>,
    ) -> Result<bool, DisconnectError> {
        drop(receiver);
        if size_of::<F>() != 0 {
            return Err(DisconnectError::NotAFunction {
                type_name: type_name::<F>(),
            });
        }
        if sender.is_some_and(|s| s.is_none()) {
            return Err(DisconnectError::NoneSenderFilter);
        }
        Ok(self.remove_key(&Key::Fn(TypeId::of::<F>()), sender))
    }

    /// Disconnects the receiver behind `connection`; same as
    /// [`Connection::disconnect`].
    pub fn disconnect(&self, connection: Connection<'_, D>) -> bool {
        std::ptr::eq(connection.signal, self) && self.remove_id(connection.id)
    }
}
