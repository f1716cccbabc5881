//! Errors returned by runtime misuse and by failing receivers.

use std::borrow::Cow;
use std::fmt;

use crate::receiver::ReceiverInfo;
use crate::sender::Sender;

/// Why `connect` did not add a receiver.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectError {
    /// A receiver with the same key (its `dispatch_uid`, else its function)
    /// and the same sender filter is already connected; the new one was
    /// ignored, as Django ignores it.
    Duplicate {
        /// The receiver that stays connected.
        existing: Box<ReceiverInfo>,
    },
    /// `dispatch_uid("")`: an empty uid would silently fall back to the
    /// function identity in Django; here it is refused.
    EmptyDispatchUid,
    /// `Sender::NONE` cannot be a filter: a receiver without a filter already
    /// hears anonymous sends, and a filter on "nobody" would never match
    /// anything else.
    NoneSenderFilter,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Duplicate { existing } => {
                write!(f, "duplicate receiver ignored: {existing} is already connected with the same key and sender")
            }
            ConnectError::EmptyDispatchUid => f.write_str("`dispatch_uid` must not be empty"),
            ConnectError::NoneSenderFilter => {
                f.write_str("`Sender::NONE` cannot be used as a sender filter; connect without a sender to hear every sender")
            }
        }
    }
}

impl std::error::Error for ConnectError {}

/// Why a disconnect could not look for a receiver: its argument cannot name
/// one. (A receiver that is simply not connected is `Ok(false)`, not an
/// error.)
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectError {
    /// `disconnect_uid("")`: no receiver has an empty uid.
    EmptyDispatchUid,
    /// `Sender::NONE` is never a filter; pass `None` for the unfiltered
    /// registration.
    NoneSenderFilter,
    /// `disconnect_receiver` was given a function pointer (`on_save as
    /// fn(..)`), whose type is the same for every function of that
    /// signature; pass the function item itself (`on_save`).
    FunctionPointer {
        /// The pointer's type name.
        type_name: &'static str,
    },
    /// `disconnect_receiver` was given a closure that captures state (or
    /// another callable value with data): such a receiver is identified by
    /// its connection, so disconnect its `Connection`.
    CapturesState {
        /// The value's type name.
        type_name: &'static str,
    },
    /// `Signal::disconnect` was given a `Connection` returned by another
    /// `Signal` instance of the same definition (a local `Signal::new()`):
    /// this signal has no receiver of it.
    ForeignConnection {
        /// The signal's name.
        signal: &'static str,
    },
}

impl fmt::Display for DisconnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisconnectError::EmptyDispatchUid => {
                f.write_str("`dispatch_uid` must not be empty: no receiver has an empty uid")
            }
            DisconnectError::NoneSenderFilter => {
                f.write_str("`Sender::NONE` is never a sender filter; pass `None` to target the unfiltered registration")
            }
            DisconnectError::FunctionPointer { type_name } => write!(
                f,
                "`{type_name}` is a function pointer, which does not say which function it points to: pass the function item itself (`on_save`, not `on_save as fn(..)`); a receiver connected as a function pointer is identified by its connection, so disconnect the `Connection` that `connect` returned"
            ),
            DisconnectError::CapturesState { type_name } if type_name.contains("{{closure}}") => write!(
                f,
                "`{type_name}` is a closure that captures state, so it is identified by its connection, not its type: disconnect the `Connection` that `connect` returned (or connect it with a `dispatch_uid` and use `disconnect_uid`)"
            ),
            DisconnectError::CapturesState { type_name } => write!(
                f,
                "`{type_name}` carries state, so it does not identify a function: disconnect the `Connection` that `connect` returned (or connect it with a `dispatch_uid` and use `disconnect_uid`)"
            ),
            DisconnectError::ForeignConnection { signal } => write!(
                f,
                "this `Connection` belongs to another `Signal` instance than the `{signal}` it was given to: disconnect it with `Connection::disconnect`, or through the signal that returned it"
            ),
        }
    }
}

impl std::error::Error for DisconnectError {}

/// A receiver that failed during `send_robust` or `asend_robust`: it
/// panicked, or (`send_robust` only) it is async and could not be waited for
/// on this thread ([`FailureKind`]).
#[derive(Clone, PartialEq, Eq)]
pub struct ReceiverError(
    // Boxed so `Result<R, ReceiverError>` stays small: `send_robust` returns
    // one per receiver, and the error case is the rare one.
    Box<Failure>,
);

#[derive(Clone, PartialEq, Eq)]
struct Failure {
    kind: FailureKind,
    receiver: ReceiverInfo,
    sender: Sender,
    message: Cow<'static, str>,
}

/// Why a receiver failed in a robust send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// The receiver panicked; [`ReceiverError::message`] is the panic
    /// message.
    Panicked,
    /// The receiver is async and `send_robust` was called on a thread that
    /// runs a current-thread tokio runtime, where waiting for it would freeze
    /// that runtime: it was not called (Django raises `RuntimeError` there).
    /// [`ReceiverError::message`] names the fix: `asend_robust`.
    WouldBlock,
}

impl ReceiverError {
    pub(crate) fn new(
        kind: FailureKind,
        receiver: ReceiverInfo,
        sender: Sender,
        message: Cow<'static, str>,
    ) -> Self {
        ReceiverError(Box::new(Failure {
            kind,
            receiver,
            sender,
            message,
        }))
    }

    /// Why the receiver failed.
    #[must_use]
    pub fn kind(&self) -> FailureKind {
        self.0.kind
    }

    /// The receiver that failed.
    #[must_use]
    pub fn receiver(&self) -> &ReceiverInfo {
        &self.0.receiver
    }

    /// The sender of the failed send.
    #[must_use]
    pub fn sender(&self) -> Sender {
        self.0.sender
    }

    /// The panic message (`"<non-string panic payload>"` when the payload was
    /// neither a `&str` nor a `String`), or for [`FailureKind::WouldBlock`]
    /// why the receiver could not run and what to call instead.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Debug for ReceiverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverError")
            .field("kind", &self.0.kind)
            .field("receiver", &self.0.receiver)
            .field("sender", &self.0.sender)
            .field("message", &self.0.message)
            .finish()
    }
}

impl fmt::Display for ReceiverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.0.kind {
            FailureKind::Panicked => "panicked",
            FailureKind::WouldBlock => "was not run",
        };
        write!(f, "receiver {} {what}: {}", self.0.receiver, self.0.message)
    }
}

impl std::error::Error for ReceiverError {}

/// The message carried by a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> Cow<'static, str> {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        Cow::Borrowed(s)
    } else if let Some(s) = payload.downcast_ref::<String>() {
        Cow::Owned(s.clone())
    } else {
        Cow::Borrowed("<non-string panic payload>")
    }
}
