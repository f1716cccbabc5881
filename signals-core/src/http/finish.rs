//! `request_finished`, sent exactly once per started request: explicitly
//! when the response is complete, or from `Drop` when it never completes.

use http::{Method, StatusCode, Uri};

use crate::builtin::{RequestFinished, RequestOutcome, request_finished};
use crate::sender::Sender;

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
        if self.armed {
            self.armed = false;
            request_finished.send(
                self.sender,
                &RequestFinished::new(&self.method, &self.uri, self.drop_status, self.drop_outcome),
            );
        }
    }
}
