//! Link-time registrations made by `#[receiver]`.
//!
//! Each `#[receiver(SIG)]` submits one [`StaticReceiver<SIG>`] node to the
//! `inventory` collection of `SIG`'s definition type. Nothing runs at program
//! start: the first send of `SIG` walks that collection once (and only that
//! one), sorts and de-duplicates it, and builds the signal's table.

use std::any::TypeId;
use std::future::Future;
use std::pin::Pin;

use crate::{Sender, SignalDef};

/// A boxed, `Send` future borrowing for `'b`: what async receivers return.
pub type BoxFuture<'b, T> = Pin<Box<dyn Future<Output = T> + Send + 'b>>;

/// The wrapper `#[receiver]` generates around a sync receiver. `None` means
/// the receiver did not apply to this send (its typed view did not match).
pub type SyncFn<D> =
    for<'a, 'b> fn(Sender, &'b <D as SignalDef>::Args<'a>) -> Option<<D as SignalDef>::Response>;

/// The wrapper `#[receiver]` generates around an async receiver.
pub type AsyncFn<D> = for<'a, 'b> fn(
    Sender,
    &'b <D as SignalDef>::Args<'a>,
) -> Option<BoxFuture<'b, <D as SignalDef>::Response>>;

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

pub(crate) enum StaticCall<D: SignalDef> {
    Sync(SyncFn<D>),
    Async(AsyncFn<D>),
}

/// One link-time registration of a receiver on signal `D`.
#[doc(hidden)]
pub struct StaticReceiver<D: SignalDef> {
    pub(crate) meta: StaticMeta,
    pub(crate) call: StaticCall<D>,
}

impl<D: SignalDef> StaticReceiver<D> {
    /// A sync registration.
    #[must_use]
    pub const fn new_sync(meta: StaticMeta, call: SyncFn<D>) -> Self {
        StaticReceiver {
            meta,
            call: StaticCall::Sync(call),
        }
    }

    /// An async registration.
    #[must_use]
    pub const fn new_async(meta: StaticMeta, call: AsyncFn<D>) -> Self {
        StaticReceiver {
            meta,
            call: StaticCall::Async(call),
        }
    }
}

/// The `TypeId` of a value's type, usable in the const context of a
/// registration.
#[doc(hidden)]
#[must_use]
pub const fn type_id_of_val<T: 'static>(_: &T) -> TypeId {
    TypeId::of::<T>()
}

/// The type of a receiver's sender parameter. Only [`Sender`] implements it;
/// `#[receiver]` converts through it so that any other type (most often the
/// arguments taken by value) gets an error that names the accepted shapes.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "a receiver's sender parameter must be `Sender`, found `{Self}`",
    label = "not `Sender`",
    note = "the sender is the first of two parameters, or a lone parameter that is not a reference; the arguments are taken by reference",
    note = "accepted shapes: `()`, `(args: &Args)`, `(sender: Sender)`, `(sender: Sender, args: &Args)`"
)]
pub trait SenderParam {
    /// The sender, as the parameter's type.
    fn from_sender(sender: Sender) -> Self;
}

#[diagnostic::do_not_recommend]
impl SenderParam for Sender {
    #[inline]
    fn from_sender(sender: Sender) -> Self {
        sender
    }
}
