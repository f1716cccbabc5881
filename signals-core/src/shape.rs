//! The forms of receiver that [`Signal::connect`](crate::Signal::connect)
//! accepts: what [`ReceiverFn`] is implemented for.
//!
//! `#[receiver]` takes a function of four parameter shapes, sync or `async`;
//! `connect` takes the same, as a function item, a closure or an `async`
//! closure:
//!
//! | shape | sync | async |
//! |---|---|---|
//! | no parameter | `fn() -> R` | `async fn() -> R`, `async \|\| ..` |
//! | the arguments | `fn(&Args) -> R` | `async fn(&Args) -> R`, `async \|args: &Args\| ..` |
//! | the sender | `fn(Sender) -> R` | `async fn(Sender) -> R`, `async \|sender: Sender\| ..` |
//! | both | `fn(Sender, &Args) -> R` | `async fn(Sender, &Args) -> R`, `async \|sender, args: &Args\| ..` |
//!
//! `R` is the signal's response type. A closure that returns a future (`|| async
//! { .. }`) is async too; a future must be `Send`.
//!
//! # How the shape is found
//!
//! Each cell of the table is one implementation of [`ReceiverFn`], told apart
//! by a marker type (this module's types; the technique of axum's handlers
//! and bevy's systems). rustc keeps the one implementation whose `Fn` bound
//! the value satisfies, so the marker is never written. The shape is adapted
//! once, at connect time, by the closure `connect` wraps around the receiver:
//! a send calls the same shared `dyn Fn` whatever the shape.
//!
//! # What stable Rust does not allow
//!
//! - **Closures must annotate the arguments.** rustc infers a closure's
//!   parameter types from an `Fn` bound only, and here there are several to
//!   choose from, so write `|args: &Args| ..` or `|sender, args: &Args| ..`
//!   (a `sender` without annotation is fine once the arguments are
//!   annotated). `|_, _| ..` and `|_, args| ..` do not compile ("type
//!   annotations needed" or "`ReceiverFn<..>` is not implemented"); a lone
//!   unannotated parameter `|_| ..` is taken as the sender.
//! - **A closure that only panics names its return type.** Its body has
//!   type `!`, and with no `Fn` bound to take the response type from, rustc
//!   does not turn it into `R`: write `|args: &Args| -> R { panic!(..) }`.
//! - **`async` closures cannot capture state.** An `async` closure that
//!   captures a variable lends it to its future, so it only implements
//!   `AsyncFn`, which a receiver stored for many sends cannot be on stable
//!   Rust (rustc says "async closure does not implement `Fn` because it
//!   captures state from its environment"). Use a plain closure that clones
//!   what the future needs and returns an `async move` block; if the future
//!   also needs the arguments, copy the parts it needs out of them first, or
//!   box the future yourself with
//!   [`connect_async`](crate::Signal::connect_async).
//!
//! ```
//! # extern crate signals_core as signals;
//! # use signals_macros::signal;
//! use std::sync::Arc;
//! use signals::Sender;
//!
//! pub struct Order { pub id: u32 }
//! signal! { pub static ORDER_PAID: Order; }
//!
//! fn log_order(order: &Order) { println!("paid: {}", order.id) }
//! async fn email_receipt(sender: Sender, order: &Order) { println!("receipt {} from {sender}", order.id) }
//!
//! ORDER_PAID.connect(log_order)?;
//! ORDER_PAID.connect(email_receipt)?;
//! ORDER_PAID.connect(|| println!("something was paid"))?;
//! ORDER_PAID.connect(async |order: &Order| println!("async: {}", order.id))?;
//! let mailer = Arc::new(String::from("smtp://localhost"));
//! ORDER_PAID.connect(move |order: &Order| {
//!     let (mailer, id) = (Arc::clone(&mailer), order.id);
//!     async move { println!("{id} via {mailer}") }
//! })?;
//! # Ok::<(), signals::ConnectError>(())
//! ```

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::def::{AsyncCall, BoxFuture, Call, DynAsync, SignalDef, SyncCall};
use crate::sender::Sender;

/// A function, closure or `async` closure that can be connected to the
/// signal defined by `D` (see the [module documentation](crate::shape) for the
/// accepted forms). `Shape` is one of this module's markers, inferred by
/// rustc; it is never written.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be connected as a receiver of `{D}`",
    label = "not a receiver of this signal",
    note = "a receiver takes `()`, `(&Args)`, `(Sender)` or `(Sender, &Args)` and returns the signal's response type (or a `Send` future of it)",
    note = "closures must annotate the arguments: `|args: &Args| ..`, `|sender, args: &Args| ..`"
)]
pub trait ReceiverFn<D: SignalDef, Shape>: Send + Sync + 'static {
    /// The receiver adapted to the stored call. Not public API.
    #[doc(hidden)]
    fn __into_call(self) -> Adapted<D>;
}

/// A receiver adapted to the shape a signal stores. Not public API.
#[doc(hidden)]
pub struct Adapted<D: SignalDef>(pub(crate) Call<D>);

/// Marker of a receiver without parameters.
#[derive(Debug)]
pub enum Nothing {}

/// Marker of a receiver taking the arguments (`&Args`).
#[derive(Debug)]
pub enum ArgsOnly {}

/// Marker of a receiver taking the sender.
#[derive(Debug)]
pub enum SenderOnly {}

/// Marker of a receiver taking the sender and the arguments.
#[derive(Debug)]
pub enum SenderAndArgs {}

/// Marker of an async receiver of shape `S`.
#[derive(Debug)]
pub struct Async<S>(PhantomData<S>);

/// A function of one argument returning a `Send` future, with the future's
/// type named for each argument type, so that `for<'b> FutureFn1<&'b Args, R>`
/// accepts `async fn f(args: &Args) -> R`, whose future borrows the
/// arguments. Implemented for every such function; never implement it.
pub trait FutureFn1<A, R>: Fn(A) -> <Self as FutureFn1<A, R>>::Future {
    /// The future the function returns.
    type Future: Future<Output = R> + Send;
}

impl<A, R, F, Fut> FutureFn1<A, R> for F
where
    F: Fn(A) -> Fut,
    Fut: Future<Output = R> + Send,
{
    type Future = Fut;
}

/// [`FutureFn1`] for a function of two arguments.
pub trait FutureFn2<A, B, R>: Fn(A, B) -> <Self as FutureFn2<A, B, R>>::Future {
    /// The future the function returns.
    type Future: Future<Output = R> + Send;
}

impl<A, B, R, F, Fut> FutureFn2<A, B, R> for F
where
    F: Fn(A, B) -> Fut,
    Fut: Future<Output = R> + Send,
{
    type Future = Fut;
}

/// A sync receiver in the stored shape.
fn sync_call<D: SignalDef>(
    call: impl for<'a, 'b> Fn(Sender, &'b D::Args<'a>) -> D::Response + Send + Sync + 'static,
) -> Adapted<D> {
    Adapted(Call::Sync(SyncCall::closure(
        move |sender: &Sender, args: &D::Args<'_>| call(*sender, args),
    )))
}

/// An async receiver in the stored shape (also what `connect_async` stores).
pub(crate) fn async_call<D: SignalDef>(
    call: impl for<'a, 'b> Fn(Sender, &'b D::Args<'a>) -> BoxFuture<'b, D::Response>
    + Send
    + Sync
    + 'static,
) -> Adapted<D> {
    let call: Arc<DynAsync<D>> = Arc::new(move |sender, args| Some(call(sender, args)));
    Adapted(Call::Async(AsyncCall::Dyn(call)))
}

// The two functions below box a future that borrows the arguments. They are
// functions, not closures, for their signature's implied bound
// (`Args<'a>: 'b`, from `&'b Args<'a>`): it is what proves the future lives
// for `'b`, and a `for<'a, 'b>` bound cannot state it.

fn boxed_args<'a, 'b, D, F>(f: &F, args: &'b D::Args<'a>) -> BoxFuture<'b, D::Response>
where
    D: SignalDef,
    F: FutureFn1<&'b D::Args<'a>, D::Response> + 'static,
{
    Box::pin(f(args))
}

fn boxed_sender_args<'a, 'b, D, F>(
    f: &F,
    sender: Sender,
    args: &'b D::Args<'a>,
) -> BoxFuture<'b, D::Response>
where
    D: SignalDef,
    F: FutureFn2<Sender, &'b D::Args<'a>, D::Response> + 'static,
{
    Box::pin(f(sender, args))
}

impl<D, F> ReceiverFn<D, Nothing> for F
where
    D: SignalDef,
    F: Fn() -> D::Response + Send + Sync + 'static,
{
    fn __into_call(self) -> Adapted<D> {
        sync_call(move |_, _| self())
    }
}

impl<D, F> ReceiverFn<D, ArgsOnly> for F
where
    D: SignalDef,
    F: for<'a, 'b> Fn(&'b D::Args<'a>) -> D::Response + Send + Sync + 'static,
{
    fn __into_call(self) -> Adapted<D> {
        sync_call(move |_, args| self(args))
    }
}

impl<D, F> ReceiverFn<D, SenderOnly> for F
where
    D: SignalDef,
    F: Fn(Sender) -> D::Response + Send + Sync + 'static,
{
    fn __into_call(self) -> Adapted<D> {
        sync_call(move |sender, _| self(sender))
    }
}

impl<D, F> ReceiverFn<D, SenderAndArgs> for F
where
    D: SignalDef,
    F: for<'a, 'b> Fn(Sender, &'b D::Args<'a>) -> D::Response + Send + Sync + 'static,
{
    fn __into_call(self) -> Adapted<D> {
        sync_call(self)
    }
}

impl<D, F, Fut> ReceiverFn<D, Async<Nothing>> for F
where
    D: SignalDef,
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = D::Response> + Send + 'static,
{
    fn __into_call(self) -> Adapted<D> {
        r#async_call(move |_, _| Box::pin(self()))
    }
}

impl<D, F> ReceiverFn<D, Async<ArgsOnly>> for F
where
    D: SignalDef,
    F: for<'a, 'b> FutureFn1<&'b D::Args<'a>, D::Response> + Send + Sync + 'static,
{
    fn __into_call(self) -> Adapted<D> {
        r#async_call(move |_, args| boxed_args::<D, F>(&self, args))
    }
}

impl<D, F, Fut> ReceiverFn<D, Async<SenderOnly>> for F
where
    D: SignalDef,
    F: Fn(Sender) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = D::Response> + Send + 'static,
{
    fn __into_call(self) -> Adapted<D> {
        r#async_call(move |sender, _| Box::pin(self(sender)))
    }
}

impl<D, F> ReceiverFn<D, Async<SenderAndArgs>> for F
where
    D: SignalDef,
    F: for<'a, 'b> FutureFn2<Sender, &'b D::Args<'a>, D::Response> + Send + Sync + 'static,
{
    fn __into_call(self) -> Adapted<D> {
        r#async_call(move |sender, args| boxed_sender_args::<D, F>(&self, sender, args))
    }
}
