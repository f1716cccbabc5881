//! A tower [`Layer`] that sends the request signals around every request
//! (feature `tower`). It only uses `tower-layer`, `tower-service`, `http` and
//! `http-body`, so it works unchanged with axum 0.8 (`Router::layer`),
//! hyper 1 (through `hyper_util::service::TowerToHyperService`) and tonic.
//!
//! For each request:
//!
//! 1. `request_started` (sender `Sender::of::<SignalsLayer>()`) with the
//!    method, URI, version and headers by reference, before the inner
//!    service sees the request. Sent with `asend`: async receivers are
//!    awaited in the request's task.
//! 2. The inner service runs. If it returns an error, `got_request_exception`
//!    (sender `Sender::NONE`, as in Django) gets it and the error is returned
//!    as is. If it panics, the panic is caught, `got_request_exception` gets
//!    the message, and the client gets an empty `500 Internal Server Error`:
//!    the server keeps serving.
//! 3. `request_finished` exactly once per request, by the first of the
//!    endings below to happen. The layer never blocks a thread on it:
//!
//! | how the request ends | `outcome` | sent | sync receivers run | async receivers run |
//! |---|---|---|---|---|
//! | the body's last frame is produced | `Sent` | with `asend`, before that frame goes to the server | in the connection task, in order | awaited in the connection task |
//! | empty body (`size_hint` 0) | `Sent` | with `asend`, before the response is returned | in the request's task | awaited in the request's task |
//! | the inner service returns an error | `Failed` | with `asend`, after `got_request_exception` | in the request's task | awaited in the request's task |
//! | the handler panics (500 sent) | `Panicked` | with `asend`, after `got_request_exception` | in the request's task | awaited in the request's task |
//! | the body is dropped unfinished: `HEAD`, client gone mid-body, write error | `BodyDropped` | from `Drop` | inline, on the dropping thread, if *every* receiver is sync (with `send_robust`: a failing receiver is reported, never a panic out of `Drop`) | otherwise the whole send (sync receivers first) runs with `asend` on a new task of the current tokio runtime; with no runtime on the dropping thread, on a short-lived thread |
//! | the request future is dropped before a response (client gone, timeout) | `Cancelled` | from `Drop` | as above | as above |
//!
//! A send handed to a task is detached: the connection does not wait for it,
//! so it may finish after the client has its response (or is gone), and a
//! runtime that shuts down meanwhile drops it with its other tasks.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use std::task::{Context, Poll};

use http::{Request, Response, StatusCode};
use http_body::Body;
use tower_layer::Layer;
use tower_service::Service;

use crate::builtin::{
    GotRequestException, RequestError, RequestOutcome, RequestStarted, got_request_exception,
    request_started,
};
use crate::def::BoxFuture;
use crate::error::panic_message;
use crate::executor::CatchUnwind;
use crate::sender::Sender;

mod body;
mod finish;

pub use body::SignalsBody;
use finish::Finish;

/// The sender of `request_started` and `request_finished`.
const SENDER: Sender = Sender::of::<SignalsLayer>();

/// A tower layer that sends `request_started`, `request_finished` and
/// `got_request_exception` around every request.
///
/// With axum: `Router::new().route(…).layer(SignalsLayer::new())`; with
/// hyper: wrap the layered service in
/// `hyper_util::service::TowerToHyperService`. `examples/http_server.rs`
/// shows a whole server.
///
/// ```
/// # extern crate signals_core as signals;
/// # use signals_macros::receiver;
/// use std::convert::Infallible;
/// use std::sync::Mutex;
/// use http::{Request, Response, StatusCode};
/// use http_body_util::{BodyExt, Full};
/// use signals::builtin::{RequestFinished, RequestOutcome, request_finished};
/// use signals::http::SignalsLayer;
/// use tower::{ServiceBuilder, ServiceExt, service_fn};
///
/// static FINISHED: Mutex<Vec<(String, Option<StatusCode>, RequestOutcome)>> =
///     Mutex::new(Vec::new());
///
/// #[receiver(request_finished)]
/// fn log_request(args: &RequestFinished) {
///     FINISHED.lock().unwrap().push((args.uri.to_string(), args.status, args.outcome));
/// }
///
/// let app = ServiceBuilder::new()
///     .layer(SignalsLayer::new())
///     .service(service_fn(|_: Request<()>| async {
///         Ok::<_, Infallible>(Response::new(Full::new(&b"hello"[..])))
///     }));
///
/// # futures::executor::block_on(async {
/// let response = app.oneshot(Request::get("/hello").body(()).unwrap()).await.unwrap();
/// // `request_finished` goes out once the body's last frame is produced.
/// let body = response.into_body().collect().await.unwrap().to_bytes();
/// assert_eq!(&body[..], b"hello");
/// # });
/// assert_eq!(
///     *FINISHED.lock().unwrap(),
///     [("/hello".to_owned(), Some(StatusCode::OK), RequestOutcome::Sent)]
/// );
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SignalsLayer;

impl SignalsLayer {
    /// The layer.
    #[must_use]
    pub fn new() -> Self {
        SignalsLayer
    }
}

impl<S> Layer<S> for SignalsLayer {
    type Service = SignalsService<S>;

    fn layer(&self, inner: S) -> SignalsService<S> {
        SignalsService { inner }
    }
}

/// The service [`SignalsLayer`] wraps around an inner service.
#[derive(Clone, Debug)]
pub struct SignalsService<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SignalsService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: fmt::Display + Send + Sync + 'static,
    ReqBody: Send + 'static,
    ResBody: Body + Send + 'static,
{
    type Response = Response<SignalsBody<ResBody>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The service that was polled ready handles this request; the clone
        // stays for the next one (tower's usual pattern).
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(handle(inner, request))
    }
}

async fn handle<S, ReqBody, ResBody>(
    mut inner: S,
    request: Request<ReqBody>,
) -> Result<Response<SignalsBody<ResBody>>, S::Error>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: fmt::Display + Send + Sync + 'static,
    ReqBody: Send + 'static,
    ResBody: Body + Send + 'static,
{
    // Armed from here on: whatever happens next, `request_finished` follows
    // the `request_started` below exactly once.
    let mut finish = Finish::new(SENDER, request.method().clone(), request.uri().clone());
    request_started
        .asend(
            SENDER,
            &RequestStarted::new(
                request.method(),
                request.uri(),
                request.version(),
                request.headers(),
            ),
        )
        .await;
    // The request moves into the inner service; keep what
    // `got_request_exception` reports.
    let headers = request.headers().clone();
    let outcome = match catch_unwind(AssertUnwindSafe(|| inner.call(request))) {
        Ok(future) => CatchUnwind::new(Box::pin(future)).await,
        Err(payload) => Err(payload),
    };
    match outcome {
        Ok(Ok(response)) => {
            let status = response.status();
            let body = response.body();
            if body.is_end_stream() || body.size_hint().exact() == Some(0) {
                // Servers never poll a body they know is empty: it is done.
                finish.send(Some(status), RequestOutcome::Sent).await;
                return Ok(response.map(|body| SignalsBody::new(Some(body), None, status)));
            }
            finish.on_drop(Some(status), RequestOutcome::BodyDropped);
            Ok(response.map(|body| SignalsBody::new(Some(body), Some(finish), status)))
        }
        Ok(Err(error)) => {
            let exception = GotRequestException::new(
                &finish.method,
                &finish.uri,
                &headers,
                RequestError::Service(&error),
            );
            got_request_exception.asend(Sender::NONE, &exception).await;
            finish.send(None, RequestOutcome::Failed).await;
            Err(error)
        }
        Err(payload) => {
            let message = panic_message(&*payload);
            let exception = GotRequestException::new(
                &finish.method,
                &finish.uri,
                &headers,
                RequestError::Panic(&message),
            );
            got_request_exception.asend(Sender::NONE, &exception).await;
            let status = StatusCode::INTERNAL_SERVER_ERROR;
            finish.send(Some(status), RequestOutcome::Panicked).await;
            let mut response = Response::new(SignalsBody::new(None, None, status));
            *response.status_mut() = status;
            Ok(response)
        }
    }
}
