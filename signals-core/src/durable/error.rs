//! What can go wrong in the durable engine, as one error type.

use std::fmt;

/// Why a durable-delivery call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The database refused or could not be reached. Workers retry these
    /// themselves; a direct call (`enqueue`, `stats`, …) returns them.
    Database(sqlx::Error),
    /// The outbox tables do not exist in this database: call
    /// [`Outbox::install`](crate::durable::Outbox::install) first.
    NotInstalled,
    /// A [`WorkerConfig`](crate::durable::WorkerConfig) value that cannot
    /// work (for example a batch of zero).
    InvalidConfig {
        /// The setting at fault.
        field: &'static str,
        /// What it must be instead.
        reason: &'static str,
    },
    /// An [`Event`](crate::durable::Event) that cannot be stored.
    InvalidEvent {
        /// Its position in the slice given to `enqueue`.
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A payload that could not be turned into JSON text.
    Payload(serde_json::Error),
    /// Two durable receivers linked into this binary have the same
    /// identifier on the same signal (a repeated `dispatch_uid`): their
    /// events could not be told apart, so
    /// [`Worker::run_receivers`](crate::durable::Worker::run_receivers)
    /// refuses to start.
    DuplicateReceiver {
        /// The signal's path.
        topic: String,
        /// The shared identifier.
        receiver: String,
        /// Where the receivers are declared (`file:line`).
        places: Vec<String>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Database(e) => write!(f, "outbox database error: {e}"),
            Error::NotInstalled => f.write_str(
                "the outbox tables are not installed in this database; call `Outbox::install` first",
            ),
            Error::InvalidConfig { field, reason } => {
                write!(f, "invalid worker configuration: `{field}` {reason}")
            }
            Error::InvalidEvent { index, reason } => {
                write!(f, "event {index} cannot be enqueued: {reason}")
            }
            Error::Payload(e) => write!(f, "payload cannot be serialized to JSON: {e}"),
            Error::DuplicateReceiver {
                topic,
                receiver,
                places,
            } => write!(
                f,
                "durable receivers of `{topic}` at {} share the identifier `{receiver}`; give each a \
                 `dispatch_uid` of its own",
                places.join(" and ")
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Database(e) => Some(e),
            Error::Payload(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Database(e)
    }
}
