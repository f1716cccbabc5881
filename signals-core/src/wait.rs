//! Whether a blocking send (`send`, `send_robust`) may wait on this thread
//! for the futures of its async receivers, and how.
//!
//! A blocking send has no task to suspend: it must hold its thread until
//! its async receivers are done. That is harmless on a thread no async
//! runtime needs, and fatal on the thread that drives the very runtime those
//! futures need (a timer, a channel fed by another task): that thread would
//! wait for itself forever. Django raises `RuntimeError` in that case; so do
//! we, rather than freeze. The rule, decided by [`here`] before any receiver
//! of the send runs (so a refused send has no partial effects):
//!
//! | this thread | the send |
//! |---|---|
//! | in no tokio runtime (or the `tokio` feature is off) | parks the thread ([`Wait::Park`]) |
//! | in a multi-thread tokio runtime (a worker, its `block_on`, a `spawn_blocking` thread) | `tokio::task::block_in_place`: the runtime moves its other tasks to another thread, then the thread parks ([`Wait::InPlace`]) |
//! | in a current-thread tokio runtime (`#[tokio::main(flavor = "current_thread")]`, `#[tokio::test]`) | refused ([`Refused`]): `send` panics, `send_robust` reports each async receiver as failed |
//!
//! tokio does not tell a current-thread runtime's own thread apart from its
//! `spawn_blocking` threads (both see its handle), so the refusal covers
//! those too; from there, `Handle::block_on(SIGNAL.asend(..))` waits
//! without freezing anything.
//!
//! Without the `tokio` feature nothing is detected: the send parks the
//! thread, which is right on a thread no executor needs and freezes one that
//! an executor needs. Other executors (async-std, smol, a `futures`
//! executor) are not detected either; use `asend` from their tasks.

use std::future::Future;

use crate::executor::block_on;
use crate::hook::SendKind;
use crate::receiver::ReceiverInfo;

/// How a blocking send may wait for futures on this thread.
#[derive(Clone, Copy)]
pub(crate) enum Wait {
    /// No runtime is running here: park the thread until they are done.
    Park,
    /// A multi-thread tokio runtime: hand the worker's other tasks to
    /// another thread first, so the runtime keeps going.
    #[cfg(feature = "tokio")]
    InPlace,
}

/// Waiting here would freeze the runtime this thread drives.
#[derive(Clone, Copy)]
pub(crate) struct Refused;

/// How a blocking send may wait on this thread (see the module docs).
pub(crate) fn here() -> Result<Wait, Refused> {
    #[cfg(feature = "tokio")]
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        return match runtime.runtime_flavor() {
            tokio::runtime::RuntimeFlavor::MultiThread => Ok(Wait::InPlace),
            // The current-thread flavor, and any flavor tokio adds later:
            // refusing never freezes anything.
            _ => Err(Refused),
        };
    }
    Ok(Wait::Park)
}

impl Wait {
    /// Drives `future` to completion on this thread.
    pub(crate) fn block_on<F: Future>(self, future: F) -> F::Output {
        match self {
            Wait::Park => block_on(future),
            #[cfg(feature = "tokio")]
            Wait::InPlace => tokio::task::block_in_place(|| block_on(future)),
        }
    }
}

/// Why a blocking send did not wait for its async receivers, naming the
/// signal and the fix: the message of `send`'s panic and of each
/// `ReceiverError` that `send_robust` returns for them.
pub(crate) fn refusal(kind: SendKind, signal: &str, module_path: &str) -> String {
    let (method, fix) = match kind {
        SendKind::SendRobust | SendKind::AsendRobust => ("send_robust", "asend_robust"),
        SendKind::Send | SendKind::Asend => ("send", "asend"),
    };
    format!(
        "`{module_path}::{signal}.{method}()` cannot wait for async receivers on this thread: \
         it runs a current-thread tokio runtime, which they may need to make progress, so \
         blocking it would freeze it; use `{signal}.{fix}(sender, &args).await` from async code \
         (or `Handle::block_on({signal}.{fix}(..))` from a thread outside that runtime)"
    )
}

/// The message of `send`'s panic: [`refusal`] and every async receiver the
/// send would have had to wait for.
pub(crate) fn refusal_with_receivers<'i>(
    signal: &str,
    module_path: &str,
    receivers: impl Iterator<Item = &'i ReceiverInfo>,
) -> String {
    let listed: Vec<String> = receivers.map(ToString::to_string).collect();
    format!(
        "{}; async receivers: {}",
        refusal(SendKind::Send, signal, module_path),
        listed.join(", ")
    )
}
