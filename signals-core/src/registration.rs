//! Link-time registrations made by `#[receiver]`, and their resolution.
//!
//! Each `#[receiver(SIG)]` submits one `StaticReceiver<SIG>` node to the
//! `inventory` collection of `SIG`'s definition type. Nothing runs at program
//! start: the first send of `SIG` (or its first connect, disconnect or
//! introspection call) calls [`resolve`] once, which walks that collection
//! (and only that one), turns each node into an entry, sorts the entries
//! into dispatch order and drops duplicates. Link order is not stable across
//! builds, so neither the order nor which duplicate is kept depends on it.

use std::any::TypeId;
use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::sync::Arc;

use crate::def::{SignalDef, StaticReceiver};
use crate::hash::BuildFoldHasher;
use crate::receiver::{Declared, Entry, Key, Origin, ReceiverInfo};
use crate::sender::Sender;

/// A static receiver ignored at resolution because another one has the same
/// key and sender filter. The one first in dispatch order is kept, so the
/// outcome does not depend on link order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Duplicate {
    /// The receiver that stays connected.
    pub kept: ReceiverInfo,
    /// The receiver that was ignored.
    pub ignored: ReceiverInfo,
}

/// The static receivers of one signal, resolved.
pub(crate) struct Resolved<D: SignalDef> {
    /// In dispatch order, without duplicates.
    pub(crate) entries: Vec<Arc<Entry<D>>>,
    pub(crate) duplicates: Vec<Duplicate>,
}

/// Collects, sorts and de-duplicates the static receivers of `D`.
pub(crate) fn resolve<D: SignalDef>() -> Resolved<D> {
    let mut candidates: Vec<Entry<D>> = D::__static_receivers().map(entry).collect();
    candidates.sort_by(|a, b| a.order.cmp(&b.order));
    let mut entries: Vec<Arc<Entry<D>>> = Vec::with_capacity(candidates.len());
    let mut seen: HashMap<(Key, Option<Sender>), usize, BuildFoldHasher> = HashMap::default();
    let mut duplicates = Vec::new();
    for entry in candidates {
        match seen.entry((entry.key.clone(), entry.info.sender)) {
            MapEntry::Occupied(first) => {
                duplicates.push(Duplicate {
                    kept: ReceiverInfo::clone(&entries[*first.get()].info),
                    ignored: Arc::unwrap_or_clone(entry.info),
                });
            }
            MapEntry::Vacant(slot) => {
                slot.insert(entries.len());
                entries.push(Arc::new(entry));
            }
        }
    }
    Resolved {
        entries,
        duplicates,
    }
}

fn entry<D: SignalDef>(node: &StaticReceiver<D>) -> Entry<D> {
    let meta = &node.meta;
    let declared = Declared {
        name: Cow::Borrowed(meta.name),
        module_path: Cow::Borrowed(meta.module_path),
        file: meta.file,
        line: meta.line,
        sender: meta.sender,
        dispatch_uid: meta.dispatch_uid.map(Cow::Borrowed),
        priority: meta.priority,
        origin: Origin::Static,
        function: Some(meta.fn_id),
    };
    Entry::new(declared, node.call.clone(), None)
}

/// The `TypeId` of a value's type, usable in the const context of a
/// registration.
#[doc(hidden)]
#[must_use]
pub const fn type_id_of_val<T: 'static>(_: &T) -> TypeId {
    TypeId::of::<T>()
}

/// The type of a receiver's sender parameter. Only [`Sender`] implements it;
/// `#[receiver]` converts through it so that any other type (most often the
/// arguments taken by value) gets an error that names the accepted shapes.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "a receiver's sender parameter must be `Sender`, found `{Self}`",
    label = "not `Sender`",
    note = "the sender is the first of two parameters, or a lone parameter that is not a reference; the arguments are taken by reference",
    note = "accepted shapes: `()`, `(args: &Args)`, `(sender: Sender)`, `(sender: Sender, args: &Args)`"
)]
pub trait SenderParam {
    /// The sender, as the parameter's type.
    fn from_sender(sender: Sender) -> Self;
}

#[diagnostic::do_not_recommend]
impl SenderParam for Sender {
    #[inline]
    fn from_sender(sender: Sender) -> Self {
        sender
    }
}
