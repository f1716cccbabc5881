//! `SignalsLayer` in front of real servers (axum 0.8, and bare hyper 1) on
//! an ephemeral loopback port, driven by a real HTTP client.

#[path = "support/servers.rs"]
mod servers;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::routing::get;
use futures::StreamExt;
use http_body_util::{BodyExt, Empty, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use servers::{Unavailable, client, serve_axum, serve_hyper};
use signals::builtin::{
    GotRequestException, RequestFinished, RequestStarted, got_request_exception, request_finished,
    request_started,
};
use signals::http::SignalsLayer;
use signals::{ScopedConnection, Sender};

type Events = Arc<Mutex<Vec<String>>>;

/// Records the request signals for URIs under one prefix (the signals are
/// shared by every test of this file, which run in parallel).
struct Recorder {
    events: Events,
    _started: ScopedConnection<'static, request_started>,
    _finished: ScopedConnection<'static, request_finished>,
    _exception: ScopedConnection<'static, got_request_exception>,
}

impl Recorder {
    fn new(prefix: &'static str) -> Recorder {
        let events = Events::default();
        let e = events.clone();
        let started = request_started
            .connect(move |sender, args: &RequestStarted| {
                if args.uri.path().starts_with(prefix) {
                    let header = args
                        .headers
                        .get("x-test")
                        .map(|v| v.to_str().unwrap().to_owned());
                    e.lock().unwrap().push(format!(
                        "started {} {} {:?} x-test={header:?} from_layer={}",
                        args.method,
                        args.uri,
                        args.version,
                        sender == Sender::of::<SignalsLayer>()
                    ));
                }
            })
            .unwrap()
            .scoped();
        let e = events.clone();
        let finished = request_finished
            .connect(move |sender, args: &RequestFinished| {
                if args.uri.path().starts_with(prefix) {
                    e.lock().unwrap().push(format!(
                        "finished {} {} {:?} {:?} from_layer={}",
                        args.method,
                        args.uri,
                        args.status.map(|s| s.as_u16()),
                        args.outcome,
                        sender == Sender::of::<SignalsLayer>()
                    ));
                }
            })
            .unwrap()
            .scoped();
        let e = events.clone();
        let exception = got_request_exception
            .connect(move |sender: Sender, args: &GotRequestException| {
                if args.uri.path().starts_with(prefix) {
                    e.lock().unwrap().push(format!(
                        "exception {} {} x-test={:?} none_sender={}",
                        args.uri,
                        args.error,
                        args.headers.get("x-test"),
                        sender.is_none()
                    ));
                }
            })
            .unwrap()
            .scoped();
        Recorder {
            events,
            _started: started,
            _finished: finished,
            _exception: exception,
        }
    }

    fn push(&self, line: String) {
        self.events.lock().unwrap().push(line);
    }

    /// Waits (bounded) until `count` events arrived: `request_finished` can
    /// land just after the client has read the last byte.
    async fn wait_for(&self, count: usize) -> Vec<String> {
        for _ in 0..500 {
            if self.events.lock().unwrap().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.events.lock().unwrap().clone()
    }
}

async fn fetch(addr: SocketAddr, path: &str) -> (StatusCode, String) {
    let request = Request::get(format!("http://{addr}{path}"))
        .header("x-test", "yes")
        .body(Empty::new())
        .unwrap();
    let response = client().request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn started_and_finished_bracket_each_request() {
    let recorder = Arc::new(Recorder::new("/bracket"));
    let r = recorder.clone();
    let app = Router::new()
        .route(
            "/bracket/{name}",
            get(
                move |axum::extract::Path(name): axum::extract::Path<String>| {
                    let r = r.clone();
                    async move {
                        r.push(format!("handler {name}"));
                        format!("hello {name}")
                    }
                },
            ),
        )
        .layer(SignalsLayer::new());
    let addr = serve_axum(app).await;
    assert_eq!(
        fetch(addr, "/bracket/ada?x=1").await,
        (StatusCode::OK, "hello ada".into())
    );
    assert_eq!(
        recorder.wait_for(3).await,
        [
            "started GET /bracket/ada?x=1 HTTP/1.1 x-test=Some(\"yes\") from_layer=true",
            "handler ada",
            "finished GET /bracket/ada?x=1 Some(200) Sent from_layer=true",
        ]
    );
    // A 404 from the router is a response like any other.
    assert_eq!(fetch(addr, "/bracket/a/b").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        recorder.wait_for(5).await[3..],
        [
            "started GET /bracket/a/b HTTP/1.1 x-test=Some(\"yes\") from_layer=true",
            "finished GET /bracket/a/b Some(404) Sent from_layer=true",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_receivers_are_awaited_before_the_handler() {
    let recorder = Arc::new(Recorder::new("/async"));
    let e = recorder.events.clone();
    let _slow = request_started
        .connect_async(move |_, args: &RequestStarted| {
            let e = e.clone();
            let relevant = args.uri.path().starts_with("/async");
            Box::pin(async move {
                if relevant {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    e.lock().unwrap().push("async started receiver done".into());
                }
            })
        })
        .unwrap()
        .scoped();
    let r = recorder.clone();
    let app = Router::new()
        .route(
            "/async",
            get(move || async move {
                r.push("handler".into());
                "ok"
            }),
        )
        .layer(SignalsLayer::new());
    let addr = serve_axum(app).await;
    assert_eq!(fetch(addr, "/async").await.1, "ok");
    let events = recorder.wait_for(4).await;
    assert_eq!(
        events[1..],
        [
            "async started receiver done",
            "handler",
            "finished GET /async Some(200) Sent from_layer=true",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_becomes_a_500_and_the_server_keeps_serving() {
    let recorder = Recorder::new("/panic");
    let app = Router::new()
        .route(
            "/panic/boom",
            get(|| async {
                if true {
                    panic!("handler exploded");
                }
                "unreachable"
            }),
        )
        .route("/panic/fine", get(|| async { "still here" }))
        .layer(SignalsLayer::new());
    let addr = serve_axum(app).await;
    let (status, body) = fetch(addr, "/panic/boom").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, "")
    );
    assert_eq!(
        recorder.wait_for(3).await,
        [
            "started GET /panic/boom HTTP/1.1 x-test=Some(\"yes\") from_layer=true",
            "exception /panic/boom handler panicked: handler exploded x-test=Some(\"yes\") none_sender=true",
            "finished GET /panic/boom Some(500) Panicked from_layer=true",
        ]
    );
    assert_eq!(
        fetch(addr, "/panic/fine").await,
        (StatusCode::OK, "still here".into())
    );
    assert_eq!(
        recorder.wait_for(5).await[4],
        "finished GET /panic/fine Some(200) Sent from_layer=true"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_hyper_service_errors_reach_got_request_exception() {
    let recorder = Recorder::new("/hyper");
    let service = tower::ServiceBuilder::new()
        .layer(SignalsLayer::new())
        .service_fn(|request: Request<hyper::body::Incoming>| async move {
            if request.uri().path() == "/hyper/fail" {
                Err(Unavailable)
            } else {
                Ok(Response::new(Full::new(Bytes::from_static(b"from hyper"))))
            }
        });
    let addr = serve_hyper(service).await;
    assert_eq!(
        fetch(addr, "/hyper/ok").await,
        (StatusCode::OK, "from hyper".into())
    );
    let failed = client()
        .request(
            Request::get(format!("http://{addr}/hyper/fail"))
                .body(Empty::new())
                .unwrap(),
        )
        .await;
    assert!(
        failed.is_err(),
        "hyper drops the connection on a service error"
    );
    assert_eq!(
        recorder.wait_for(5).await,
        [
            "started GET /hyper/ok HTTP/1.1 x-test=Some(\"yes\") from_layer=true",
            "finished GET /hyper/ok Some(200) Sent from_layer=true",
            "started GET /hyper/fail HTTP/1.1 x-test=None from_layer=true",
            "exception /hyper/fail service error: backend unavailable x-test=None none_sender=true",
            "finished GET /hyper/fail None Failed from_layer=true",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_each_get_their_own_ordered_signals() {
    const N: usize = 16;
    let recorder = Arc::new(Recorder::new("/many"));
    let r = recorder.clone();
    let app = Router::new()
        .route(
            "/many/{n}",
            get(move |axum::extract::Path(n): axum::extract::Path<usize>| {
                let r = r.clone();
                async move {
                    // Keep several requests in flight at once.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    r.push(format!("handler /many/{n}"));
                    Body::from(format!("#{n}"))
                }
            }),
        )
        .layer(SignalsLayer::new());
    let addr = serve_axum(app).await;
    let requests =
        (0..N).map(|n| tokio::spawn(async move { fetch(addr, &format!("/many/{n}")).await }));
    for (n, request) in requests.collect::<Vec<_>>().into_iter().enumerate() {
        assert_eq!(request.await.unwrap(), (StatusCode::OK, format!("#{n}")));
    }
    let events = recorder.wait_for(3 * N).await;
    assert_eq!(events.len(), 3 * N);
    let mut overlapped = false;
    for n in 0..N {
        let path = format!("/many/{n}");
        let position = |prefix: &str| {
            events
                .iter()
                .position(|e| {
                    e.starts_with(prefix) && (e.contains(&format!("{path} ")) || e.ends_with(&path))
                })
                .unwrap_or_else(|| panic!("no `{prefix}` for {path} in {events:#?}"))
        };
        let started = position("started");
        let handler = position("handler");
        let finished = position("finished");
        assert!(
            started < handler && handler < finished,
            "{path}: {events:#?}"
        );
        assert!(events[finished].contains("Some(200) Sent"));
        // Another request started before this one finished.
        overlapped |= events[started + 1..finished]
            .iter()
            .any(|e| e.starts_with("started"));
    }
    assert!(overlapped, "requests were not concurrent: {events:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_body_dropped_by_the_server_still_finishes_the_request() {
    let recorder = Recorder::new("/head");
    let app = Router::new()
        .route("/head", get(|| async { "a body the client never reads" }))
        .layer(SignalsLayer::new());
    let addr = serve_axum(app).await;
    // A HEAD response has no body: the server drops it without reading it.
    let response = Client::builder(TokioExecutor::new())
        .build_http::<Empty<Bytes>>()
        .request(
            Request::head(format!("http://{addr}/head"))
                .body(Empty::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let events = recorder.wait_for(2).await;
    assert_eq!(events.len(), 2, "{events:#?}");
    assert!(events[0].starts_with("started HEAD /head"));
    assert_eq!(
        events[1],
        "finished HEAD /head Some(200) BodyDropped from_layer=true"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_in_a_dropped_body_does_not_stop_the_others() {
    // Runs before the recorder (higher priority) and panics: from `Drop` the
    // layer sends robustly, so the recorder still hears the request and the
    // panic never leaves the dropped body.
    let _failing = request_finished
        .connect_with(
            signals::ConnectOptions::new().priority(10),
            |_, args: &RequestFinished| {
                assert!(
                    !args.uri.path().starts_with("/drop-panics"),
                    "a request_finished receiver failed"
                );
            },
        )
        .unwrap()
        .scoped();
    let recorder = Recorder::new("/drop-panics");
    let app = Router::new()
        .route("/drop-panics", get(|| async { "never read" }))
        .layer(SignalsLayer::new());
    let addr = serve_axum(app).await;
    for _ in 0..2 {
        let response = Client::builder(TokioExecutor::new())
            .build_http::<Empty<Bytes>>()
            .request(
                Request::head(format!("http://{addr}/drop-panics"))
                    .body(Empty::new())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let events = recorder.wait_for(4).await;
    let finished: Vec<_> = events
        .iter()
        .filter(|e| e.starts_with("finished"))
        .collect();
    assert_eq!(
        finished, ["finished HEAD /drop-panics Some(200) BodyDropped from_layer=true"; 2],
        "{events:#?}"
    );
}

#[test]
fn the_layer_keeps_the_error_type_of_the_service() {
    // axum needs `Infallible` errors: the layer must not change them.
    fn infallible<S: tower::Service<Request<Body>, Error = Infallible>>(_: &S) {}
    let router: Router = Router::new().route("/", get(|| async { "" }));
    let service = tower::Layer::layer(&SignalsLayer::new(), router.into_service::<Body>());
    infallible(&service);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_abandoned_by_the_client_is_finished_as_cancelled() {
    let recorder = Arc::new(Recorder::new("/abandoned"));
    let r = recorder.clone();
    let app = Router::new()
        .route(
            "/abandoned",
            get(move || async move {
                r.push("handler waiting".into());
                std::future::pending::<()>().await;
                "never"
            }),
        )
        .layer(SignalsLayer::new());
    let addr = serve_axum(app).await;
    let request = tokio::spawn(async move { fetch(addr, "/abandoned").await });
    recorder.wait_for(2).await;
    // The client gives up: its connection closes, the server drops the
    // handler's future, and the layer still finishes the request.
    request.abort();
    assert_eq!(
        recorder.wait_for(3).await,
        [
            "started GET /abandoned HTTP/1.1 x-test=Some(\"yes\") from_layer=true",
            "handler waiting",
            "finished GET /abandoned None Cancelled from_layer=true",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_body_finishes_after_its_last_chunk() {
    let recorder = Arc::new(Recorder::new("/stream"));
    let r = recorder.clone();
    let app = Router::new()
        .route(
            "/stream",
            get(move || async move {
                let r = r.clone();
                // No length is known: the server reads until the body ends.
                let chunks = futures::stream::iter(["a", "b", "c"]).map(move |chunk| {
                    r.push(format!("chunk {chunk}"));
                    Ok::<_, Infallible>(chunk)
                });
                Body::from_stream(chunks)
            }),
        )
        .layer(SignalsLayer::new());
    let addr = serve_axum(app).await;
    assert_eq!(fetch(addr, "/stream").await, (StatusCode::OK, "abc".into()));
    assert_eq!(
        recorder.wait_for(5).await,
        [
            "started GET /stream HTTP/1.1 x-test=Some(\"yes\") from_layer=true",
            "chunk a",
            "chunk b",
            "chunk c",
            "finished GET /stream Some(200) Sent from_layer=true",
        ]
    );
}
