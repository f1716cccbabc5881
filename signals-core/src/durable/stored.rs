//! What a durable receiver needs from its signal and its function: the
//! signal's arguments can be stored ([`DurableSignal`]: serde, as JSON), and
//! the function says whether it succeeded ([`DurableOutcome`]).

use std::fmt::Display;

use serde::{Deserialize, Serialize};

use crate::def::{BoxFuture, SignalDef};
use crate::durable::event::Delivery;

/// A signal whose arguments a durable receiver can store: they are written
/// to the outbox as JSON when the signal is sent, and read back, typed, by
/// the worker that runs the receiver.
///
/// Implemented for every signal whose argument family serializes and
/// deserializes: `for<'a> Args<'a>: Serialize` to send,
/// `for<'de> Args<'de>: Deserialize<'de>` to receive (so arguments that
/// borrow, `Order<'a> { email: Cow<'a, str> }` with `#[serde(borrow)]`,
/// are read back borrowing from the stored text instead of copying it), and
/// `Send + Sync`, since a worker may run the receiver on any thread. You
/// never implement it; `#[derive(Serialize, Deserialize)]` on the
/// arguments type is what makes a signal durable-capable.
///
/// Borrowed text: prefer `Cow<'a, str>` with `#[serde(borrow)]` to `&'a str`.
/// A `&'a str` field can only be read back when its stored JSON has no
/// escapes (no `"`, `\` or control characters); otherwise every delivery
/// of that event fails to decode (the error says so) until it is dead.
#[diagnostic::on_unimplemented(
    message = "the arguments of `{Self}` cannot be stored by a durable receiver",
    label = "its arguments type must implement `Serialize` and `Deserialize` and be `Send + Sync`",
    note = "derive them on the arguments type of `{Self}` (the type after `:` in `signal!`): `#[derive(serde::Serialize, serde::Deserialize)]`",
    note = "model signals (`post_save`, …) carry the instance type-erased and cannot be stored: send a signal of your own, with the data the durable receiver needs, from a receiver of the model signal"
)]
pub trait DurableSignal: SignalDef {
    /// The arguments as JSON text.
    #[doc(hidden)]
    fn __encode(args: &Self::Args<'_>) -> Result<String, serde_json::Error>;

    /// Reads the arguments from `payload` and calls `call` with them.
    #[doc(hidden)]
    fn __decode_then<'p, R>(
        payload: &'p str,
        call: impl FnOnce(&Self::Args<'p>) -> R,
    ) -> Result<R, String>;

    /// Reads the arguments from the delivery's payload and awaits `call`
    /// with them; the returned future owns the delivery.
    #[doc(hidden)]
    fn __decode_then_await<F>(
        delivery: Delivery,
        call: F,
    ) -> BoxFuture<'static, Result<(), String>>
    where
        F: for<'a, 'b> FnOnce(
                &'b Self::Args<'a>,
                &'b Delivery,
            ) -> BoxFuture<'b, Result<(), String>>
            + Send
            + 'static;
}

// `do_not_recommend`: a signal whose arguments do not qualify gets the
// message above, rather than serde's on the arguments type alone.
#[diagnostic::do_not_recommend]
impl<D> DurableSignal for D
where
    D: SignalDef,
    for<'a> D::Args<'a>: Serialize + Send + Sync,
    for<'de> D::Args<'de>: Deserialize<'de>,
{
    fn __encode(args: &Self::Args<'_>) -> Result<String, serde_json::Error> {
        serde_json::to_string(args)
    }

    fn __decode_then<'p, R>(
        payload: &'p str,
        call: impl FnOnce(&Self::Args<'p>) -> R,
    ) -> Result<R, String> {
        let args: Self::Args<'p> = serde_json::from_str(payload).map_err(decode_error)?;
        Ok(call(&args))
    }

    fn __decode_then_await<F>(delivery: Delivery, call: F) -> BoxFuture<'static, Result<(), String>>
    where
        F: for<'a, 'b> FnOnce(
                &'b Self::Args<'a>,
                &'b Delivery,
            ) -> BoxFuture<'b, Result<(), String>>
            + Send
            + 'static,
    {
        Box::pin(async move {
            let args: Self::Args<'_> =
                serde_json::from_str(&delivery.payload).map_err(decode_error)?;
            call(&args, &delivery).await
        })
    }
}

/// Why a stored payload could not be read back, with the fix for the one
/// mistake the types cannot catch.
fn decode_error(error: serde_json::Error) -> String {
    let mut message = format!("the stored arguments cannot be read back: {error}");
    if message.contains("expected a borrowed string") {
        message.push_str(
            " (a `&str` field cannot hold text that JSON escapes; use `Cow<'a, str>` with \
             `#[serde(borrow)]`, then requeue the dead event)",
        );
    }
    message
}

/// What a durable receiver returns: `()` (it succeeded unless it panicked)
/// or `Result<(), E>` with `E: Display` (`Err` is a failure: retried with
/// backoff, dead after the worker's `max_attempts`, the error's text kept).
#[diagnostic::on_unimplemented(
    message = "a durable receiver must return `()` or `Result<(), E>` with `E: Display`, not `{Self}`",
    label = "returns `{Self}`",
    note = "a durable receiver runs in a worker, where nobody reads a response: it only says whether it succeeded"
)]
pub trait DurableOutcome {
    /// `Ok(())`, or the failure's text.
    fn into_result(self) -> Result<(), String>;
}

impl DurableOutcome for () {
    fn into_result(self) -> Result<(), String> {
        Ok(())
    }
}

#[diagnostic::do_not_recommend]
impl<E: Display> DurableOutcome for Result<(), E> {
    fn into_result(self) -> Result<(), String> {
        self.map_err(|error| error.to_string())
    }
}
