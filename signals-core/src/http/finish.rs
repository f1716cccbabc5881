//! `request_finished`, sent exactly once per started request: explicitly
//! when the response is complete, or from `Drop` when it never completes.
//!
//! `Drop` cannot await and must not block: it runs on whatever thread drops
//! the body or the request future, usually a runtime worker inside hyper's
//! connection task. So it looks at who listens first: sync receivers only
//! are called inline (`send` never waits for them), and a send that reaches
//! an async receiver is handed, whole, to a task of the current tokio
//! runtime, or to a short-lived thread when the dropping thread runs none.

use http::{Method, StatusCode, Uri};

use crate::builtin::{RequestFinished, RequestOutcome, request_finished};
use crate::executor::block_on;
use crate::sender::Sender;
use crate::signal::Reach;

/// Sends `request_finished` once: explicitly, or from `Drop`.
pub(super) struct Finish {
    sender: Sender,
    pub(super) method: Method,
    pub(super) uri: Uri,
    armed: bool,
    drop_status: Option<StatusCode>,
    drop_outcome: RequestOutcome,
}

impl Finish {
    pub(super) fn new(sender: Sender, method: Method, uri: Uri) -> Self {
        Finish {
            sender,
            method,
            uri,
            armed: true,
            drop_status: None,
            drop_outcome: RequestOutcome::Cancelled,
        }
    }

    pub(super) fn on_drop(&mut self, status: Option<StatusCode>, outcome: RequestOutcome) {
        self.drop_status = status;
        self.drop_outcome = outcome;
    }

    pub(super) async fn send(mut self, status: Option<StatusCode>, outcome: RequestOutcome) {
        self.armed = false;
        request_finished
            .asend(
                self.sender,
                &RequestFinished::new(&self.method, &self.uri, status, outcome),
            )
            .await;
    }
}

impl Drop for Finish {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        self.armed = false;
        match request_finished.reach(self.sender) {
            Reach::Nobody => {}
            // Nothing to wait for: the receivers run here and now, in order.
            // Robustly: a panic must not escape a `Drop` (it would abort the
            // process if the body is dropped while unwinding), so a failing
            // receiver is reported (and logged under `tracing`) instead. An
            // async receiver connected between the check and the send falls
            // under `send_robust`'s own rule: never a freeze; on a
            // current-thread runtime it is reported as `WouldBlock`.
            Reach::SyncOnly => {
                let _reported = request_finished.send_robust(
                    self.sender,
                    &RequestFinished::new(
                        &self.method,
                        &self.uri,
                        self.drop_status,
                        self.drop_outcome,
                    ),
                );
            }
            Reach::Async => Delivery {
                sender: self.sender,
                method: std::mem::take(&mut self.method),
                uri: std::mem::take(&mut self.uri),
                status: self.drop_status,
                outcome: self.drop_outcome,
            }
            .hand_off(),
        }
    }
}

/// A `request_finished` that must reach async receivers from `Drop`: it
/// owns what the arguments borrow, so it can run elsewhere.
#[derive(Clone)]
struct Delivery {
    sender: Sender,
    method: Method,
    uri: Uri,
    status: Option<StatusCode>,
    outcome: RequestOutcome,
}

impl Delivery {
    /// Sends the whole signal (sync receivers too, so they keep running
    /// before the async ones) with `asend`, somewhere that may wait.
    async fn run(self) {
        let args = RequestFinished::new(&self.method, &self.uri, self.status, self.outcome);
        request_finished.asend(self.sender, &args).await;
    }

    fn hand_off(self) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            // Detached: nobody awaits it, and the runtime owns it from here
            // (a runtime shutting down drops it with its other tasks).
            drop(runtime.spawn(self.run()));
            return;
        }
        // No tokio runtime on this thread, which may still be some other
        // executor's: waiting here could freeze it, a thread of its own
        // cannot.
        let spare = self.clone();
        let spawned = std::thread::Builder::new()
            .name("signals-request-finished".into())
            .spawn(move || block_on(spare.run()));
        if spawned.is_err() {
            // No thread to be had (resource limits): delivering late here
            // beats not delivering at all.
            block_on(self.run());
        }
    }
}
