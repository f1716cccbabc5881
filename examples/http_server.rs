//! An axum server whose requests send Django's request signals through
//! `signals::http::SignalsLayer`.
//!
//! ```text
//! cargo run --example http_server --features tower             # serve 4 requests to itself, print, exit
//! cargo run --example http_server --features tower -- --serve  # serve on 127.0.0.1:3000 until Ctrl-C
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::routing::get;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use signals::builtin::{
    GotRequestException, RequestFinished, RequestStarted, got_request_exception, request_finished,
    request_started,
};
use signals::http::SignalsLayer;
use signals::receiver;

/// Async receivers are awaited in the request's task before the handler runs.
#[receiver(request_started)]
async fn log_start(args: &RequestStarted<'_>) {
    let agent = args
        .headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tokio::time::sleep(Duration::from_millis(1)).await;
    println!("-> {} {} (user-agent: {agent})", args.method, args.uri);
}

#[receiver(request_finished)]
fn log_finished(args: &RequestFinished) {
    let status = args.status.map_or("none".to_owned(), |s| s.to_string());
    println!(
        "<- {} {}: {status} ({:?})",
        args.method, args.uri, args.outcome
    );
}

#[receiver(got_request_exception)]
fn report(args: &GotRequestException) {
    println!("!! {} {}: {}", args.method, args.uri, args.error);
}

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "signals over HTTP\n" }))
        .route(
            "/hello/{name}",
            get(|Path(name): Path<String>| async move { format!("hello, {name}\n") }),
        )
        .route(
            "/boom",
            get(|| async {
                if std::hint::black_box(true) {
                    panic!("the handler failed");
                }
                ""
            }),
        )
        .layer(SignalsLayer::new())
}

#[tokio::main]
async fn main() {
    let serve_forever = std::env::args().any(|arg| arg == "--serve");
    let bind = if serve_forever {
        "127.0.0.1:3000"
    } else {
        "127.0.0.1:0"
    };
    let listener = tokio::net::TcpListener::bind(bind).await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    println!("listening on http://{addr}");
    if serve_forever {
        axum::serve(listener, app()).await.expect("server");
        return;
    }
    // Keep the demo's output readable: the layer turns the panic into a 500.
    std::panic::set_hook(Box::new(|info| eprintln!("(handler panic: {info})")));
    tokio::spawn(async move { axum::serve(listener, app()).await.expect("server") });
    for path in ["/", "/hello/ada", "/boom", "/missing"] {
        let (status, body) = fetch(addr, path).await;
        println!("   client got {status}: {:?}\n", body.trim_end());
    }
}

async fn fetch(addr: SocketAddr, path: &str) -> (hyper::StatusCode, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let request = hyper::Request::get(format!("http://{addr}{path}"))
        .header("user-agent", "http_server-example")
        .body(Empty::new())
        .expect("request");
    let response = client.request(request).await.expect("response");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}
