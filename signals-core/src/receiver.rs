//! What the library knows about each receiver, for introspection and errors.

use std::borrow::Cow;
use std::fmt;

use crate::Sender;

/// Whether a receiver is a plain function or returns a future.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReceiverKind {
    /// A sync receiver; runs in order before any async receiver of a send.
    Sync,
    /// An async receiver; awaited concurrently with the other async receivers.
    Async,
}

impl ReceiverKind {
    /// Whether this is [`ReceiverKind::Async`].
    #[must_use]
    pub fn is_async(self) -> bool {
        self == ReceiverKind::Async
    }
}

/// Where a receiver came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Registered at link time by `#[receiver]`.
    Static,
    /// Connected at run time (`connect`, `connect_weak`, …).
    Runtime,
}

/// A description of one receiver: its name, where it is defined, and how it
/// is connected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceiverInfo {
    /// The function name, or the name given with `ConnectOptions::name`, or the
    /// closure's type name.
    pub name: Cow<'static, str>,
    /// The module the receiver is defined in (runtime receivers: where
    /// `connect` was called).
    pub module_path: Cow<'static, str>,
    /// Source file of the receiver (runtime receivers: of the `connect` call).
    pub file: &'static str,
    /// Source line, as `file`.
    pub line: u32,
    /// The sender filter; `None` hears every sender.
    pub sender: Option<Sender>,
    /// The `dispatch_uid`, if any.
    pub dispatch_uid: Option<Cow<'static, str>>,
    /// Higher runs first.
    pub priority: i32,
    /// Sync or async.
    pub kind: ReceiverKind,
    /// Static (`#[receiver]`) or runtime (`connect`).
    pub origin: Origin,
    /// Whether the receiver lives only as long as an `Arc` owner.
    pub weak: bool,
}

impl ReceiverInfo {
    /// How the receiver is shown: `module_path::name` for a function; the
    /// name alone when it is already a path (a closure's type name) or a
    /// free-form name given with `ConnectOptions::name`.
    #[must_use]
    pub fn path(&self) -> String {
        let is_identifier = self.name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if self.module_path.is_empty() || !is_identifier {
            self.name.to_string()
        } else {
            format!("{}::{}", self.module_path, self.name)
        }
    }
}

impl fmt::Display for ReceiverInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}:{})", self.path(), self.file, self.line)
    }
}
