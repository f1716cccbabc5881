//! `signal!` declarations: doc comments, every visibility, borrowed argument
//! types, unsized arguments and response types; receivers with their own
//! lifetime parameters, doc comments, attributes and visibility.

use signals::{Sender, receiver, signal};

/// Arguments that borrow from the caller.
pub struct Request<'a> {
    pub path: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
}

pub mod http {
    use signals::signal;

    signal! {
        /// Sent when a request starts.
        ///
        /// Receivers return how many bytes they logged.
        pub static REQUEST_STARTED: super::Request<'_> => usize;

        /// Crate-visible only.
        pub(crate) static REQUEST_FINISHED: &str;

        /// Module-private, with a tuple of borrowed arguments.
        static PRIVATE: (&str, &[u8]) => Option<u8>;
    }

    #[signals::receiver(PRIVATE)]
    fn first_byte(args: &(&str, &[u8])) -> Option<u8> {
        args.1.first().copied()
    }

    pub fn private_first_byte(bytes: &[u8]) -> Vec<Option<u8>> {
        PRIVATE.send(signals::Sender::NONE, &("x", bytes))
    }
}

signal! {
    /// Unsized arguments: receivers take `&str`.
    pub static LINE: str => usize;
}

/// Documented receivers keep their docs and attributes.
#[receiver(http::REQUEST_STARTED)]
#[allow(clippy::needless_lifetimes)]
pub fn log_request<'r>(request: &'r Request<'r>) -> usize {
    request.path.len() + request.headers.len()
}

#[receiver(http::REQUEST_STARTED)]
pub(crate) async fn log_request_async(request: &Request<'_>) -> usize {
    request.path.len()
}

#[receiver(http::REQUEST_FINISHED)]
fn finished(_sender: Sender, path: &&str) {
    assert_eq!(*path, "/menu");
}

#[receiver(LINE)]
fn line_length(line: &str) -> usize {
    line.len()
}

fn main() {
    let path = String::from("/menu");
    let headers = [("accept", "text/html")];
    let request = Request {
        path: &path,
        headers: &headers,
    };
    assert_eq!(http::REQUEST_STARTED.send(Sender::NONE, &request), [6, 5]);
    assert_eq!(http::REQUEST_FINISHED.send(Sender::NONE, &path.as_str()), [()]);
    assert_eq!(LINE.send(Sender::NONE, "four"), [4]);
    assert_eq!(http::private_first_byte(&[7, 8]), [Some(7)]);
}
