//! Sync durable receivers run on tokio's blocking pool.

use crate::def::BoxFuture;
use crate::error::panic_message;

/// Runs `call` on tokio's blocking pool: it may block (a mail client, a
/// synchronous database) without stalling the worker's other events or its
/// lease renewals. A panic is a failure with the panic's message.
pub(crate) fn run_blocking(
    call: impl FnOnce() -> Result<(), String> + Send + 'static,
) -> BoxFuture<'static, Result<(), String>> {
    Box::pin(async move {
        match tokio::task::spawn_blocking(call).await {
            Ok(outcome) => outcome,
            Err(error) => Err(match error.try_into_panic() {
                Ok(payload) => format!("receiver panicked: {}", panic_message(&*payload)),
                Err(error) => format!("did not run: {error}"),
            }),
        }
    })
}
