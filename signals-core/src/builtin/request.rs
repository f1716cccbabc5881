//! The request signals, sent around every request by
//! `signals::http::SignalsLayer` (feature `tower`).

use std::fmt;

use http::{HeaderMap, Method, StatusCode, Uri, Version};

crate::signal! {
    #![crate = crate]

    /// Sent when a request begins, before the inner service sees it.
    /// Sender: `Sender::of::<SignalsLayer>()`. Sent with `asend`.
    pub static request_started: RequestStarted<'_>;

    /// Sent once per started request, when its response body has been fully
    /// sent or dropped, or when no response came (error, panic, cancelled).
    /// Sender: `Sender::of::<SignalsLayer>()`.
    pub static request_finished: RequestFinished<'_>;

    /// Sent when the inner service returns an error or panics. Sender:
    /// `Sender::NONE`, as in Django (only unfiltered receivers hear it).
    pub static got_request_exception: GotRequestException<'_>;
}

/// Arguments of [`request_started`](static@request_started).
#[derive(Debug)]
#[non_exhaustive]
pub struct RequestStarted<'a> {
    /// The request method.
    pub method: &'a Method,
    /// The request URI.
    pub uri: &'a Uri,
    /// The HTTP version.
    pub version: Version,
    /// The request headers.
    pub headers: &'a HeaderMap,
}

impl<'a> RequestStarted<'a> {
    /// Arguments borrowing from a request, for servers that send the request
    /// signals themselves.
    #[must_use]
    pub fn new(method: &'a Method, uri: &'a Uri, version: Version, headers: &'a HeaderMap) -> Self {
        RequestStarted {
            method,
            uri,
            version,
            headers,
        }
    }
}

/// How a request ended, in [`RequestFinished::outcome`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestOutcome {
    /// The whole response body was handed to the server.
    Sent,
    /// The response body was dropped before its end (e.g. the client went
    /// away).
    BodyDropped,
    /// The inner service returned an error: there is no response.
    Failed,
    /// The inner service panicked: a `500 Internal Server Error` was sent
    /// instead.
    Panicked,
    /// The request was dropped before the inner service produced a response
    /// (the connection closed while the handler was running).
    Cancelled,
}

/// Arguments of [`request_finished`](static@request_finished).
#[derive(Debug)]
#[non_exhaustive]
pub struct RequestFinished<'a> {
    /// The request method.
    pub method: &'a Method,
    /// The request URI.
    pub uri: &'a Uri,
    /// The response status, if there was a response.
    pub status: Option<StatusCode>,
    /// How the request ended.
    pub outcome: RequestOutcome,
}

impl<'a> RequestFinished<'a> {
    /// Arguments for a finished request.
    #[must_use]
    pub fn new(
        method: &'a Method,
        uri: &'a Uri,
        status: Option<StatusCode>,
        outcome: RequestOutcome,
    ) -> Self {
        RequestFinished {
            method,
            uri,
            status,
            outcome,
        }
    }
}

/// What went wrong in [`GotRequestException::error`].
#[derive(Clone, Copy)]
pub enum RequestError<'a> {
    /// The inner service returned this error.
    Service(&'a (dyn fmt::Display + Send + Sync)),
    /// The inner service panicked with this message.
    Panic(&'a str),
}

impl fmt::Debug for RequestError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Service(error) => write!(f, "Service({error})"),
            RequestError::Panic(message) => write!(f, "Panic({message:?})"),
        }
    }
}

impl fmt::Display for RequestError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Service(error) => write!(f, "service error: {error}"),
            RequestError::Panic(message) => write!(f, "handler panicked: {message}"),
        }
    }
}

/// Arguments of [`got_request_exception`](static@got_request_exception).
#[derive(Debug)]
#[non_exhaustive]
pub struct GotRequestException<'a> {
    /// The request method.
    pub method: &'a Method,
    /// The request URI.
    pub uri: &'a Uri,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The error or panic.
    pub error: RequestError<'a>,
}

impl<'a> GotRequestException<'a> {
    /// Arguments for a failed request.
    #[must_use]
    pub fn new(
        method: &'a Method,
        uri: &'a Uri,
        headers: &'a HeaderMap,
        error: RequestError<'a>,
    ) -> Self {
        GotRequestException {
            method,
            uri,
            headers,
            error,
        }
    }
}
