//! What a receiver is: its description for introspection and errors
//! ([`ReceiverInfo`]), its identity, its place in the dispatch order, and the
//! record a signal keeps for it ([`Entry`]).
//!
//! Every receiver, whatever registered it, becomes an [`Entry`] through
//! [`Entry::new`]: static resolution (from `#[receiver]`'s metadata), the
//! `connect` family and the test recorder (from `ConnectOptions`). That one
//! constructor derives what the registration does not say: the kind from
//! the call, weakness from the owner, the key (DESIGN "Identity"), the
//! connection id and the order key. A mute re-wraps an existing entry's
//! call with [`Entry::with_call`], keeping everything else.

use std::any::TypeId;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::def::{Call, SignalDef};
use crate::sender::Sender;

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

/// Connection ids are unique across all signals, so a handle can never
/// disconnect a receiver it did not create. Only uniqueness matters, so a
/// `Relaxed` counter suffices.
pub(crate) fn next_id() -> u64 {
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// A receiver's identity for de-duplication and disconnection (DESIGN
/// "Identity"): its `dispatch_uid` if it has one, else its function (with
/// its owner, for a weak receiver: Django's bound method), else its
/// connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Uid(Cow<'static, str>),
    Fn(TypeId),
    Bound { owner: usize, function: TypeId },
    Connection(u64),
}

/// The order receivers run in: higher priority first, then static before
/// runtime, then static ones by module path, line and name, runtime ones by
/// connect order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct OrderKey {
    neg_priority: i64,
    origin: u8,
    module_path: Cow<'static, str>,
    line: u32,
    name: Cow<'static, str>,
    seq: u64,
}

impl OrderKey {
    /// `seq` (the connection id) orders runtime receivers; static ones are
    /// ordered by where they are defined, never by link order.
    fn new(info: &ReceiverInfo, seq: u64) -> OrderKey {
        let is_static = info.origin == Origin::Static;
        let (module_path, line, name, seq) = if is_static {
            (info.module_path.clone(), info.line, info.name.clone(), 0)
        } else {
            (Cow::Borrowed(""), 0, Cow::Borrowed(""), seq)
        };
        OrderKey {
            neg_priority: -i64::from(info.priority),
            origin: u8::from(!is_static),
            module_path,
            line,
            name,
            seq,
        }
    }
}

/// Returns whether a weak receiver's owner is still alive.
pub(crate) type Liveness = Arc<dyn Fn() -> bool + Send + Sync>;

/// The owner a weak receiver lives as long as.
pub(crate) struct Owner {
    /// The address of the owner's allocation: its identity. A weak receiver
    /// holds a `Weak` to its owner, which keeps the allocation (not the
    /// value) reserved, so no other owner can have this address while the
    /// receiver exists, even after the owner was dropped.
    pub(crate) address: usize,
    pub(crate) alive: Liveness,
}

/// What a registration says about its receiver: a `#[receiver]`'s metadata
/// or a runtime connection's options. [`Entry::new`] derives the rest.
pub(crate) struct Declared {
    pub(crate) name: Cow<'static, str>,
    pub(crate) module_path: Cow<'static, str>,
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    pub(crate) sender: Option<Sender>,
    pub(crate) dispatch_uid: Option<Cow<'static, str>>,
    pub(crate) priority: i32,
    pub(crate) origin: Origin,
    /// The function's identity when the receiver can be keyed by its
    /// function (no uid): a `#[receiver]` function, or a function item or
    /// closure that captures nothing. `None` keys it by its connection.
    pub(crate) function: Option<TypeId>,
}

/// The record a signal keeps for one receiver.
pub(crate) struct Entry<D: SignalDef> {
    /// Shared, so a send can hand out who answered without copying it
    /// (`Signal::with_receivers`).
    pub(crate) info: Arc<ReceiverInfo>,
    pub(crate) key: Key,
    pub(crate) id: u64,
    pub(crate) order: OrderKey,
    pub(crate) call: Call<D>,
    pub(crate) liveness: Option<Liveness>,
}

impl<D: SignalDef> Entry<D> {
    /// The one way a receiver becomes an entry; gives it a fresh id. A weak
    /// receiver comes with its `owner`.
    pub(crate) fn new(declared: Declared, call: Call<D>, owner: Option<Owner>) -> Self {
        let id = next_id();
        let key = match (&declared.dispatch_uid, declared.function, &owner) {
            (Some(uid), _, _) => Key::Uid(uid.clone()),
            (None, Some(function), None) => Key::Fn(function),
            (None, Some(function), Some(owner)) => Key::Bound {
                owner: owner.address,
                function,
            },
            (None, None, _) => Key::Connection(id),
        };
        let liveness = owner.map(|owner| owner.alive);
        let info = ReceiverInfo {
            name: declared.name,
            module_path: declared.module_path,
            file: declared.file,
            line: declared.line,
            sender: declared.sender,
            dispatch_uid: declared.dispatch_uid,
            priority: declared.priority,
            kind: call.kind(),
            origin: declared.origin,
            weak: liveness.is_some(),
        };
        Entry {
            order: OrderKey::new(&info, id),
            info: Arc::new(info),
            key,
            id,
            call,
            liveness,
        }
    }

    /// The same receiver (same id, key, place, owner and shared info) called
    /// through `call` instead.
    pub(crate) fn with_call(&self, call: Call<D>) -> Self {
        Entry {
            info: self.info.clone(),
            key: self.key.clone(),
            id: self.id,
            order: self.order.clone(),
            call,
            liveness: self.liveness.clone(),
        }
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.liveness.as_ref().is_none_or(|alive| alive())
    }
}

impl<D: SignalDef> Call<D> {
    pub(crate) fn kind(&self) -> ReceiverKind {
        match self {
            Call::Sync(_) => ReceiverKind::Sync,
            Call::Async(_) => ReceiverKind::Async,
        }
    }
}
