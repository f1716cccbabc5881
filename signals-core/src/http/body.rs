//! The response body wrapper that notices when a response is complete.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::StatusCode;
use http_body::{Body, Frame, SizeHint};

use super::finish::Finish;
use crate::builtin::RequestOutcome;
use crate::def::BoxFuture;

pin_project_lite::pin_project! {
    /// The response body [`SignalsService`] returns: the inner body, with
    /// `request_finished` sent once its last frame has been produced.
    pub struct SignalsBody<B: Body> {
        #[pin]
        inner: Option<B>,
        finish: Option<Finish>,
        status: StatusCode,
        // The last frame, held back while `request_finished` is sent.
        held: Option<Frame<B::Data>>,
        pending: Option<BoxFuture<'static, ()>>,
    }
}

impl<B: Body> SignalsBody<B> {
    pub(super) fn new(inner: Option<B>, finish: Option<Finish>, status: StatusCode) -> Self {
        SignalsBody {
            inner,
            finish,
            status,
            held: None,
            pending: None,
        }
    }
}

impl<B: Body> fmt::Debug for SignalsBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalsBody")
            .field("status", &self.status)
            .field("finished", &self.finish.is_none())
            .finish_non_exhaustive()
    }
}

impl<B: Body> Body for SignalsBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    // A server stops polling once it has written as many bytes as the size
    // hint announced, so the end is recognised on the last frame itself
    // (`is_end_stream` afterwards), not only on a final `None`. That frame is
    // held back until the `request_finished` receivers have run: they are
    // awaited (`asend`), never blocking the server's thread.
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let mut this = self.project();
        loop {
            if let Some(pending) = this.pending.as_mut() {
                ready!(pending.as_mut().poll(cx));
                *this.pending = None;
                return Poll::Ready(this.held.take().map(Ok));
            }
            let frame = match this.inner.as_mut().as_pin_mut() {
                Some(inner) => ready!(inner.poll_frame(cx)),
                None => None,
            };
            let frame = match frame {
                Some(Ok(frame)) => {
                    let at_end = this
                        .inner
                        .as_ref()
                        .as_pin_ref()
                        .is_none_or(|inner| inner.is_end_stream());
                    if !at_end || this.finish.is_none() {
                        return Poll::Ready(Some(Ok(frame)));
                    }
                    Some(frame)
                }
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => None,
            };
            match this.finish.take() {
                Some(finish) => {
                    *this.held = frame;
                    *this.pending = Some(Box::pin(
                        finish.send(Some(*this.status), RequestOutcome::Sent),
                    ));
                }
                None => return Poll::Ready(frame.map(Ok)),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.finish.is_none()
            && self.pending.is_none()
            && self.held.is_none()
            && self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Some(inner) => inner.size_hint(),
            None => SizeHint::with_exact(0),
        }
    }
}
