//! `tracing` instrumentation of sends (cargo feature `tracing`): the
//! [`Traced`] hook and the spans and events it builds.
//!
//! Every send method in `dispatch.rs` starts with one check, [`enabled`] (or
//! [`robust_enabled`]), and runs its one loop with [`Traced`] instead of the
//! silent hook only when a subscriber wants what this module records. That
//! check is a static callsite test: with no subscriber, or one that filters
//! the `signals` target out, it is a load of tracing's global max level and a
//! compare, so the plain send path keeps its cost. This module holds no
//! dispatch logic, only what the hook records:
//!
//! - one span per send, named after the method (`send`, `send_robust`,
//!   `asend`, `asend_robust`), target `signals`, level DEBUG, with the fields
//!   `signal` (its name), `module` (where it is declared), `sender` (the
//!   sender's label) and `receivers` (how many receivers this send reaches);
//! - inside it, one `receiver` span per receiver call (DEBUG) with `receiver`
//!   (name), `module`, `file`, `line`, `kind` (`sync`/`async`) and, once the
//!   call returns, `duration_ns` (for an async receiver: from the creation of
//!   its future to its completion);
//! - for each panic caught in a callback queued with
//!   `models::on_commit_robust`, an ERROR event with the panic message;
//! - for each panic caught by `send_robust`/`asend_robust`, and each async
//!   receiver `send_robust` could not wait for (`failure = WouldBlock`, the
//!   `panic` field then says why), an ERROR event
//!   naming the receiver, the sender and the panic message, as Django logs
//!   `Error calling … in Signal.send_robust()`. These events are emitted even
//!   when a subscriber only wants errors. A sync receiver's event is emitted
//!   inside its `receiver` span, an async receiver's inside the send's span.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use tracing::field::Empty;
use tracing::{Instrument, Level, Span};

use crate::def::{BoxFuture, SignalDef};
use crate::error::ReceiverError;
use crate::hook::{Hook, SendKind};
use crate::receiver::{ReceiverInfo, ReceiverKind};
use crate::sender::Sender;

/// The target of every span and event of this crate, for filters such as
/// `RUST_LOG=signals=debug`.
const TARGET: &str = "signals";

/// Whether some subscriber wants the spans of a send.
#[inline]
pub(crate) fn enabled() -> bool {
    tracing::enabled!(target: TARGET, Level::DEBUG)
}

/// Whether some subscriber wants the spans of a robust send, or at least the
/// error events for the receivers it catches.
#[inline]
pub(crate) fn robust_enabled() -> bool {
    enabled() || tracing::enabled!(target: TARGET, Level::ERROR)
}

/// The hook of a send some subscriber observes.
pub(crate) enum Traced {}

impl Hook for Traced {
    const PER_RECEIVER: bool = true;

    type Scope = Span;

    type Item<T: Send + 'static> = T;

    fn item<'e, T: Send + 'static>(_: impl FnOnce() -> &'e Arc<ReceiverInfo>, outcome: T) -> T {
        outcome
    }

    fn item_future<'b, T: Send + 'static>(
        _: &Arc<ReceiverInfo>,
        future: BoxFuture<'b, T>,
    ) -> BoxFuture<'b, T> {
        future
    }

    fn start<D: SignalDef>(kind: SendKind, sender: Sender, receivers: usize) -> Span {
        send_span::<D>(kind, sender, receivers)
    }

    fn within<T>(send: &Span, part: impl FnOnce() -> T) -> T {
        send.in_scope(part)
    }

    fn join<F: Future + Send>(send: &Span, join: F) -> impl Future<Output = F::Output> + Send {
        join.instrument(send.clone())
    }

    fn call<T>(receiver: &ReceiverInfo, call: impl FnOnce() -> T) -> T {
        let span = receiver_span(receiver);
        let _entered = span.enter();
        let start = Instant::now();
        let outcome = call();
        record_duration(&span, start);
        outcome
    }

    fn future<'b, T: 'b>(receiver: &ReceiverInfo, future: BoxFuture<'b, T>) -> BoxFuture<'b, T> {
        let span = receiver_span(receiver);
        let start = Instant::now();
        let timer = span.clone();
        Box::pin(
            async move {
                let output = future.await;
                record_duration(&timer, start);
                output
            }
            .instrument(span),
        )
    }

    fn failed<D: SignalDef>(kind: SendKind, error: &ReceiverError) {
        let receiver = error.receiver();
        tracing::error!(
            target: TARGET,
            signal = D::NAME,
            module = D::MODULE_PATH,
            receiver = %receiver.path(),
            file = receiver.file,
            line = receiver.line,
            sender = error.sender().label(),
            failure = ?error.kind(),
            panic = error.message(),
            "error calling {} in {}.{}()",
            receiver.path(),
            D::NAME,
            method(kind),
        );
    }
}

/// A callback queued with `on_commit_robust` panicked; the next one runs.
pub(crate) fn on_commit_failed(message: &str) {
    tracing::error!(
        target: TARGET,
        panic = message,
        "error calling an on-commit callback (robust): {message}",
    );
}

/// The method's name, as users call it.
fn method(kind: SendKind) -> &'static str {
    match kind {
        SendKind::Send => "send",
        SendKind::SendRobust => "send_robust",
        SendKind::Asend => "asend",
        SendKind::AsendRobust => "asend_robust",
    }
}

/// The span's name must be a literal (it lives in static metadata), hence a
/// macro rather than a function taking the method name.
macro_rules! send_span {
    ($method:literal, $def:ty, $sender:expr, $receivers:expr) => {
        tracing::debug_span!(
            target: TARGET,
            $method,
            signal = <$def as SignalDef>::NAME,
            module = <$def as SignalDef>::MODULE_PATH,
            sender = $sender.label(),
            receivers = $receivers,
        )
    };
}

fn send_span<D: SignalDef>(kind: SendKind, sender: Sender, receivers: usize) -> Span {
    match kind {
        SendKind::Send => send_span!("send", D, sender, receivers),
        SendKind::SendRobust => send_span!("send_robust", D, sender, receivers),
        SendKind::Asend => send_span!("asend", D, sender, receivers),
        SendKind::AsendRobust => send_span!("asend_robust", D, sender, receivers),
    }
}

fn receiver_span(info: &ReceiverInfo) -> Span {
    tracing::debug_span!(
        target: TARGET,
        "receiver",
        receiver = info.name.as_ref(),
        module = info.module_path.as_ref(),
        file = info.file,
        line = info.line,
        kind = match info.kind {
            ReceiverKind::Sync => "sync",
            ReceiverKind::Async => "async",
        },
        duration_ns = Empty,
    )
}

fn record_duration(span: &Span, start: Instant) {
    let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    span.record("duration_ns", nanos);
}
