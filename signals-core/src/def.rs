//! The compile-time description of a signal, and what `#[receiver]`
//! registers for it.
//!
//! `signal!` generates, beside each `static`, a type of the same name that
//! implements [`SignalDef`] (types and values live in different namespaces, the
//! trick `lazy_static` uses). That type names the signal's argument family, its
//! response type, and the `inventory` collection holding its static receivers,
//! so `#[receiver(path::SIGNAL)]` reaches everything from the signal's path
//! alone and resolving a signal walks only its own receivers.
//!
//! The shapes of a receiver call live here too, because they are a function
//! of the definition (`fn(Sender, &Args) -> Option<Response>`) and the
//! definition names the registration that holds one: a `#[receiver]`
//! function is a plain function pointer, a runtime receiver a shared
//! closure, and both are a [`Call`].

use std::any::TypeId;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::sender::Sender;

/// Describes one signal: what it carries and what its receivers return.
///
/// Implemented by the type `signal!` generates; you do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a signal",
    label = "not a signal",
    note = "a signal is a `static` declared with `signal! {{ static NAME: Args; }}`; `#[receiver(..)]` takes its path"
)]
pub trait SignalDef: Sized + Send + Sync + 'static {
    /// The arguments a send carries, as a family over the borrow lifetime:
    /// receivers get `&Self::Args<'a>`, which may borrow from the caller.
    type Args<'a>: ?Sized;
    /// What each receiver returns (`()` unless declared with `=> Type`).
    type Response: Send + 'static;
    /// How `#[receiver(…, sender = T)]` narrows the arguments for a sender
    /// type: the default passes them through; the model signals hand typed
    /// instances to typed receivers.
    type Narrowing;
    /// The signal's name as declared.
    const NAME: &'static str;
    /// The module the signal was declared in.
    const MODULE_PATH: &'static str;

    #[doc(hidden)]
    fn __static_receivers() -> impl Iterator<Item = &'static StaticReceiver<Self>>;
}

/// A boxed, `Send` future borrowing for `'b`: what async receivers return.
pub type BoxFuture<'b, T> = Pin<Box<dyn Future<Output = T> + Send + 'b>>;

/// The wrapper `#[receiver]` generates around a sync receiver. `None` means
/// the receiver did not apply to this send (its typed view did not match).
pub(crate) type SyncFn<D> =
    for<'a, 'b> fn(Sender, &'b <D as SignalDef>::Args<'a>) -> Option<<D as SignalDef>::Response>;

/// The wrapper `#[receiver]` generates around an async receiver.
pub(crate) type AsyncFn<D> = for<'a, 'b> fn(
    Sender,
    &'b <D as SignalDef>::Args<'a>,
) -> Option<BoxFuture<'b, <D as SignalDef>::Response>>;

/// A runtime sync receiver (`connect`, `connect_with`). Unlike a
/// [`SyncFn`] it always answers, so a loop over such receivers checks
/// nothing per call; and it borrows the sender: the loop passes one pointer
/// instead of copying the 32-byte [`Sender`] for every call, and a closure
/// that ignores its sender copies nothing.
pub(crate) type DynSync<D> = dyn for<'a, 'b> Fn(&Sender, &'b <D as SignalDef>::Args<'a>) -> <D as SignalDef>::Response
    + Send
    + Sync;

/// A runtime sync receiver that may decline a send (`None`, as a
/// [`SyncFn`]): a weak receiver whose owner is gone, a receiver muted on the
/// sending thread, the test recorder.
pub(crate) type DynDeclining<D> = dyn for<'a, 'b> Fn(&Sender, &'b <D as SignalDef>::Args<'a>) -> Option<<D as SignalDef>::Response>
    + Send
    + Sync;

/// How a runtime sync receiver is shared between its entry and the tables
/// that call it. Boxed inside the `Arc` so that a call reads the closure's
/// address from the box: through `Arc<dyn Fn>` every call would first
/// compute where the closure sits in the `Arc`'s allocation from the
/// alignment in its vtable (four more instructions per receiver).
pub(crate) type Shared<F> = Arc<Box<F>>;

/// A runtime async receiver, wrapped to the shape of [`AsyncFn`].
pub(crate) type DynAsync<D> = dyn for<'a, 'b> Fn(
        Sender,
        &'b <D as SignalDef>::Args<'a>,
    ) -> Option<BoxFuture<'b, <D as SignalDef>::Response>>
    + Send
    + Sync;

/// How a sync receiver is called: a plain fn pointer for `#[receiver]`, a
/// shared closure for runtime connections.
pub(crate) enum SyncCall<D: SignalDef> {
    Static(SyncFn<D>),
    Dyn(Shared<DynSync<D>>),
    Declining(Shared<DynDeclining<D>>),
}

impl<D: SignalDef> Clone for SyncCall<D> {
    fn clone(&self) -> Self {
        match self {
            SyncCall::Static(f) => SyncCall::Static(*f),
            SyncCall::Dyn(f) => SyncCall::Dyn(Arc::clone(f)),
            SyncCall::Declining(f) => SyncCall::Declining(Arc::clone(f)),
        }
    }
}

impl<D: SignalDef> SyncCall<D> {
    /// A runtime receiver that always answers.
    pub(crate) fn closure<F>(call: F) -> Self
    where
        F: for<'a, 'b> Fn(&Sender, &'b D::Args<'a>) -> D::Response + Send + Sync + 'static,
    {
        SyncCall::Dyn(Arc::new(Box::new(call)))
    }

    /// A runtime receiver that may decline a send.
    pub(crate) fn declining<F>(call: F) -> Self
    where
        F: for<'a, 'b> Fn(&Sender, &'b D::Args<'a>) -> Option<D::Response> + Send + Sync + 'static,
    {
        SyncCall::Declining(Arc::new(Box::new(call)))
    }

    #[inline]
    pub(crate) fn call(&self, sender: Sender, args: &D::Args<'_>) -> Option<D::Response> {
        match self {
            SyncCall::Static(f) => f(sender, args),
            SyncCall::Dyn(f) => Some(f(&sender, args)),
            SyncCall::Declining(f) => f(&sender, args),
        }
    }
}

/// How an async receiver is called.
pub(crate) enum AsyncCall<D: SignalDef> {
    Static(AsyncFn<D>),
    Dyn(Arc<DynAsync<D>>),
}

impl<D: SignalDef> Clone for AsyncCall<D> {
    fn clone(&self) -> Self {
        match self {
            AsyncCall::Static(f) => AsyncCall::Static(*f),
            AsyncCall::Dyn(f) => AsyncCall::Dyn(Arc::clone(f)),
        }
    }
}

impl<D: SignalDef> AsyncCall<D> {
    #[inline]
    pub(crate) fn call<'b>(
        &self,
        sender: Sender,
        args: &'b D::Args<'_>,
    ) -> Option<BoxFuture<'b, D::Response>> {
        match self {
            AsyncCall::Static(f) => f(sender, args),
            AsyncCall::Dyn(f) => f(sender, args),
        }
    }
}

/// How a receiver is called, whatever registered it.
pub(crate) enum Call<D: SignalDef> {
    Sync(SyncCall<D>),
    Async(AsyncCall<D>),
}

impl<D: SignalDef> Clone for Call<D> {
    fn clone(&self) -> Self {
        match self {
            Call::Sync(call) => Call::Sync(call.clone()),
            Call::Async(call) => Call::Async(call.clone()),
        }
    }
}

/// Where and how a static receiver was declared. Built by `#[receiver]`.
#[doc(hidden)]
#[derive(Debug)]
pub struct StaticMeta {
    pub name: &'static str,
    pub module_path: &'static str,
    pub file: &'static str,
    pub line: u32,
    pub dispatch_uid: Option<&'static str>,
    pub priority: i32,
    pub sender: Option<Sender>,
    /// The type of the user's function item: its identity, so the function
    /// can be disconnected by value and connecting it again is a duplicate.
    pub fn_id: TypeId,
}

/// One link-time registration of a receiver on signal `D`: the node
/// `#[receiver]` submits to `D`'s `inventory` collection.
#[doc(hidden)]
pub struct StaticReceiver<D: SignalDef> {
    pub(crate) meta: StaticMeta,
    pub(crate) call: Call<D>,
}

impl<D: SignalDef> StaticReceiver<D> {
    /// A sync registration.
    #[must_use]
    pub const fn new_sync(meta: StaticMeta, call: SyncFn<D>) -> Self {
        StaticReceiver {
            meta,
            call: Call::Sync(SyncCall::Static(call)),
        }
    }

    /// An async registration.
    #[must_use]
    pub const fn new_async(meta: StaticMeta, call: AsyncFn<D>) -> Self {
        StaticReceiver {
            meta,
            call: Call::Async(AsyncCall::Static(call)),
        }
    }
}
