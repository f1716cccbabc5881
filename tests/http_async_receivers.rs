//! `SignalsLayer` with an async `request_finished` receiver that awaits a
//! tokio timer, on real servers over 127.0.0.1 on both runtime flavours
//! (issue 9, case 1; DESIGN 8): every way a request ends is answered, and
//! delivers `request_finished` exactly once to each receiver, without ever
//! blocking a worker. Every test runs under a watchdog, and every client
//! call under a timeout.

#[path = "support/runtimes.rs"]
mod runtimes;
#[path = "support/servers.rs"]
mod servers;
#[path = "support/watchdog.rs"]
mod watchdog;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::routing::get;
use http_body_util::{BodyExt, Empty, Full};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use runtimes::{Flavour, guard, on_both_flavours};
use servers::{Unavailable, client, serve_axum, serve_hyper};
use signals::ScopedConnection;
use signals::builtin::{RequestFinished, request_finished};
use signals::http::SignalsLayer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long a client call may take before the test fails (it takes
/// milliseconds when nothing hangs).
const CALL_LIMIT: Duration = Duration::from_secs(20);

type Events = Arc<Mutex<Vec<String>>>;

/// Records `request_finished` for URIs under one prefix (the signal is
/// shared by every test of this file, which run in parallel) through a sync
/// receiver and an async one that awaits a tokio timer first.
struct Recorder {
    events: Events,
    _sync: ScopedConnection<'static, request_finished>,
    _async: ScopedConnection<'static, request_finished>,
}

fn line(kind: &str, args: &RequestFinished) -> String {
    format!(
        "{kind} {} {} {:?} {:?}",
        args.method,
        args.uri.path(),
        args.status.map(|s| s.as_u16()),
        args.outcome
    )
}

impl Recorder {
    fn new(prefix: &'static str) -> Recorder {
        let events = Events::default();
        let e = events.clone();
        let sync = request_finished
            .connect(move |_, args: &RequestFinished| {
                if args.uri.path().starts_with(prefix) {
                    e.lock().unwrap().push(line("sync", args));
                }
            })
            .unwrap()
            .scoped();
        let e = events.clone();
        let r#async = request_finished
            .connect_async(move |_, args: &RequestFinished| {
                let relevant = args.uri.path().starts_with(prefix);
                let line = line("async", args);
                let e = e.clone();
                Box::pin(async move {
                    if relevant {
                        // Needs the runtime's timer: a blocked worker on a
                        // current-thread runtime would never get past it.
                        tokio::time::sleep(Duration::from_millis(3)).await;
                        e.lock().unwrap().push(line);
                    }
                })
            })
            .unwrap()
            .scoped();
        Recorder {
            events,
            _sync: sync,
            _async: r#async,
        }
    }

    /// Waits (bounded) for `count` events, then a little longer to catch a
    /// duplicate, and returns them sorted: deliveries handed to tasks may
    /// land in any order.
    async fn settled(&self, count: usize) -> Vec<String> {
        for _ in 0..2000 {
            if self.events.lock().unwrap().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut events = self.events.lock().unwrap().clone();
        events.sort();
        events
    }
}

/// Both receivers' lines for one request, sorted like `settled`.
fn both(method: &str, path: &str, status: Option<u16>, outcome: &str) -> [String; 2] {
    [
        format!("async {method} {path} {status:?} {outcome}"),
        format!("sync {method} {path} {status:?} {outcome}"),
    ]
}

/// One request; its status and body, within `CALL_LIMIT`.
async fn call(
    client: &Client<HttpConnector, Empty<Bytes>>,
    method: Method,
    uri: String,
) -> (StatusCode, Bytes) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Empty::new())
        .unwrap();
    tokio::time::timeout(CALL_LIMIT, async {
        let response = client.request(request).await.unwrap();
        let status = response.status();
        (
            status,
            response.into_body().collect().await.unwrap().to_bytes(),
        )
    })
    .await
    .expect("the server did not answer in time")
}

// Case 1: HEAD makes the server drop the body unread, so `request_finished`
// is sent from `Drop`, which must not block the worker the async receiver
// needs. 20 HEAD and 20 GET one after the other, then 20 of them at once.
#[test]
fn head_and_get_with_an_async_receiver_are_answered_on_both_flavours() {
    on_both_flavours(
        "head_and_get_with_an_async_receiver",
        |flavour| async move {
            let prefix = match flavour {
                Flavour::CurrentThread => "/hg-ct",
                Flavour::MultiThread => "/hg-mt",
            };
            let recorder = Recorder::new(prefix);
            let app = Router::new()
                .route("/{*rest}", get(|| async { "hello" }))
                .layer(SignalsLayer::new());
            let addr = serve_axum(app).await;
            let client = client();
            let mut expected = Vec::new();
            for i in 0..20 {
                let head = format!("{prefix}/seq/head/{i}");
                let (status, body) =
                    call(&client, Method::HEAD, format!("http://{addr}{head}")).await;
                assert_eq!((status, body.len()), (StatusCode::OK, 0));
                expected.extend(both("HEAD", &head, Some(200), "BodyDropped"));
                let get = format!("{prefix}/seq/get/{i}");
                let (status, body) =
                    call(&client, Method::GET, format!("http://{addr}{get}")).await;
                assert_eq!((status, &body[..]), (StatusCode::OK, &b"hello"[..]));
                expected.extend(both("GET", &get, Some(200), "Sent"));
            }
            let concurrent: Vec<_> = (0..20)
                .map(|i| {
                    let (method, kind) = if i % 2 == 0 {
                        (Method::HEAD, "head")
                    } else {
                        (Method::GET, "get")
                    };
                    let path = format!("{prefix}/concurrent/{kind}/{i}");
                    let outcome = if kind == "head" {
                        "BodyDropped"
                    } else {
                        "Sent"
                    };
                    expected.extend(both(method.as_str(), &path, Some(200), outcome));
                    let client = client.clone();
                    tokio::spawn(async move {
                        call(&client, method, format!("http://{addr}{path}")).await
                    })
                })
                .collect();
            for request in concurrent {
                assert_eq!(request.await.unwrap().0, StatusCode::OK);
            }
            expected.sort();
            assert_eq!(recorder.settled(expected.len()).await, expected);
        },
    );
}

// A client that reads the start of an endless streamed body and closes its
// socket: the server drops the body mid-stream (`BodyDropped`).
#[test]
fn a_client_gone_mid_body_finishes_the_request_once() {
    on_both_flavours("a_client_gone_mid_body", |flavour| async move {
        let prefix = match flavour {
            Flavour::CurrentThread => "/gone-ct",
            Flavour::MultiThread => "/gone-mt",
        };
        let recorder = Recorder::new(prefix);
        let app = Router::new()
            .route(
                "/{*rest}",
                get(|| async {
                    // A chunk every few milliseconds, forever.
                    let chunks = futures::stream::unfold((), |()| async {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        Some((Ok::<_, Infallible>(Bytes::from_static(b"tick\n")), ()))
                    });
                    Body::from_stream(chunks)
                }),
            )
            .layer(SignalsLayer::new());
        let addr = serve_axum(app).await;
        let path = format!("{prefix}/endless");
        tokio::time::timeout(CALL_LIMIT, async {
            let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\n\r\n");
            socket.write_all(request.as_bytes()).await.unwrap();
            let mut received = Vec::new();
            let mut buffer = [0; 1024];
            while !String::from_utf8_lossy(&received).contains("tick") {
                let read = socket.read(&mut buffer).await.unwrap();
                assert_ne!(read, 0, "the server closed the stream");
                received.extend_from_slice(&buffer[..read]);
            }
            assert!(received.starts_with(b"HTTP/1.1 200 OK"));
            // Gone: the socket closes here.
        })
        .await
        .expect("the server did not stream in time");
        assert_eq!(
            recorder.settled(2).await,
            both("GET", &path, Some(200), "BodyDropped")
        );
    });
}

// A handler that never answers, abandoned by its client: the request
// future is dropped before any response exists (`Cancelled`).
#[test]
fn a_request_abandoned_before_its_response_finishes_once() {
    on_both_flavours(
        "a_request_abandoned_before_its_response",
        |flavour| async move {
            let prefix = match flavour {
                Flavour::CurrentThread => "/abandon-ct",
                Flavour::MultiThread => "/abandon-mt",
            };
            let recorder = Recorder::new(prefix);
            let (entered_tx, entered_rx) = tokio::sync::oneshot::channel::<()>();
            let entered = Arc::new(Mutex::new(Some(entered_tx)));
            let app = Router::new()
                .route(
                    "/{*rest}",
                    get(move || async move {
                        if let Some(tx) = entered.lock().unwrap().take() {
                            let _ = tx.send(());
                        }
                        std::future::pending::<()>().await;
                        "never"
                    }),
                )
                .layer(SignalsLayer::new());
            let addr = serve_axum(app).await;
            let path = format!("{prefix}/pending");
            let uri = format!("http://{addr}{path}");
            let request = tokio::spawn(async move { call(&client(), Method::GET, uri).await });
            tokio::time::timeout(CALL_LIMIT, entered_rx)
                .await
                .expect("the handler was not reached in time")
                .unwrap();
            request.abort();
            assert_eq!(
                recorder.settled(2).await,
                both("GET", &path, None, "Cancelled")
            );
        },
    );
}

// A panicking handler becomes a 500, and its `request_finished` (awaited
// in the request's task) reaches both receivers once.
#[test]
fn a_panicking_handler_finishes_once() {
    on_both_flavours("a_panicking_handler", |flavour| async move {
        let prefix = match flavour {
            Flavour::CurrentThread => "/panic-ct",
            Flavour::MultiThread => "/panic-mt",
        };
        let recorder = Recorder::new(prefix);
        let app = Router::new()
            .route(
                "/{*rest}",
                get(|| async {
                    if true {
                        panic!("handler exploded");
                    }
                    "unreachable"
                }),
            )
            .layer(SignalsLayer::new());
        let addr = serve_axum(app).await;
        let path = format!("{prefix}/boom");
        let (status, _) = call(&client(), Method::GET, format!("http://{addr}{path}")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            recorder.settled(2).await,
            both("GET", &path, Some(500), "Panicked")
        );
    });
}

// An inner service error (bare hyper, which then closes the connection):
// `Failed`, once to each receiver.
#[test]
fn an_inner_service_error_finishes_once() {
    on_both_flavours("an_inner_service_error", |flavour| async move {
        let prefix = match flavour {
            Flavour::CurrentThread => "/error-ct",
            Flavour::MultiThread => "/error-mt",
        };
        let recorder = Recorder::new(prefix);
        let service = tower::ServiceBuilder::new()
            .layer(SignalsLayer::new())
            .service_fn(|_: Request<hyper::body::Incoming>| async move {
                Err::<Response<Full<Bytes>>, _>(Unavailable)
            });
        let addr = serve_hyper(service).await;
        let path = format!("{prefix}/fail");
        let request = Request::get(format!("http://{addr}{path}"))
            .body(Empty::<Bytes>::new())
            .unwrap();
        let failed = tokio::time::timeout(CALL_LIMIT, client().request(request))
            .await
            .expect("the server did not close in time");
        assert!(
            failed.is_err(),
            "hyper drops the connection on a service error"
        );
        assert_eq!(
            recorder.settled(2).await,
            both("GET", &path, None, "Failed")
        );
    });
}

// With no tokio runtime on the thread that drops an unfinished body, the
// async delivery gets a short-lived thread of its own (that thread may
// belong to another executor, which must not be blocked).
#[test]
fn a_body_dropped_outside_any_runtime_is_delivered_on_a_thread_of_its_own() {
    let _watchdog = guard("a_body_dropped_outside_any_runtime");
    let events = Events::default();
    let e = events.clone();
    let _async = request_finished
        .connect_async(move |_, args: &RequestFinished| {
            let relevant = args.uri.path().starts_with("/plain");
            let line = format!(
                "{} on {:?}",
                line("async", args),
                std::thread::current().name()
            );
            let e = e.clone();
            Box::pin(async move {
                if relevant {
                    e.lock().unwrap().push(line);
                }
            })
        })
        .unwrap()
        .scoped();
    let service = tower::ServiceBuilder::new()
        .layer(SignalsLayer::new())
        .service_fn(|_: Request<Empty<Bytes>>| async {
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"unread"))))
        });
    let request = Request::get("/plain/dropped").body(Empty::new()).unwrap();
    let response = std::thread::spawn(move || {
        futures::executor::block_on(tower::ServiceExt::oneshot(service, request)).unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Dropped unread on this plain thread (no runtime here).
    drop(response);
    for _ in 0..2000 {
        if !events.lock().unwrap().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        *events.lock().unwrap(),
        ["async GET /plain/dropped Some(200) BodyDropped on Some(\"signals-request-finished\")"]
    );
}
