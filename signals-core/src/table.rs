//! The immutable receiver table a send walks.
//!
//! Every mutation builds a new [`Table`] from the signal's sorted entry list;
//! sends read whichever table was current when they began (snapshot
//! dispatch). A table pre-computes, for each sender that some receiver filters
//! on, the merged list of "any sender" and "this sender" receivers in dispatch
//! order, so a send costs one hash lookup plus its matching receivers, never a
//! scan of the others.

use std::collections::HashMap;
use std::sync::Arc;

use crate::def::{AsyncCall, Call, DynSync, Shared, SignalDef, SyncCall, SyncFn};
use crate::hash::BuildFoldHasher;
use crate::receiver::Entry;
use crate::sender::Sender;

/// One receiver of a bucket, with its call inlined so the send loop touches
/// the entry itself only when it needs the metadata (errors, weak pruning).
pub(crate) struct Slot<C, D: SignalDef> {
    pub(crate) call: C,
    pub(crate) weak: bool,
    pub(crate) entry: Arc<Entry<D>>,
}

/// The receivers one send calls: sync ones in order, then async ones.
pub(crate) struct Bucket<D: SignalDef> {
    pub(crate) sync: Box<[Slot<SyncCall<D>, D>]>,
    pub(crate) r#async: Box<[Slot<AsyncCall<D>, D>]>,
    /// Whether some entry is weak (then liveness must be checked).
    pub(crate) has_weak: bool,
    /// The calls again, in a uniform shape when the bucket allows a bare
    /// loop (see [`Fast`]).
    pub(crate) fast: Fast<D>,
}

/// A bucket's sync calls as one flat slice, when every receiver is a strong
/// sync receiver of the same origin (the usual case). The send loop then has
/// no per-receiver branch and reads 8 bytes per receiver.
pub(crate) enum Fast<D: SignalDef> {
    /// All `#[receiver]` functions.
    Static(Box<[SyncFn<D>]>),
    /// All runtime closures that always answer.
    Dyn(Box<[Shared<DynSync<D>>]>),
    /// Mixed origins, async, weak or declining receivers: walk the slots.
    No,
}

impl<D: SignalDef> Fast<D> {
    fn of(sync: &[Slot<SyncCall<D>, D>], plain: bool) -> Self {
        if !plain {
            return Fast::No;
        }
        let statics: Option<Box<[SyncFn<D>]>> = sync
            .iter()
            .map(|slot| match &slot.call {
                SyncCall::Static(f) => Some(*f),
                SyncCall::Dyn(_) | SyncCall::Declining(_) => None,
            })
            .collect();
        if let Some(statics) = statics {
            return Fast::Static(statics);
        }
        let dyns: Option<Box<[Shared<DynSync<D>>]>> = sync
            .iter()
            .map(|slot| match &slot.call {
                SyncCall::Static(_) | SyncCall::Declining(_) => None,
                SyncCall::Dyn(f) => Some(Arc::clone(f)),
            })
            .collect();
        dyns.map_or(Fast::No, Fast::Dyn)
    }
}

impl<D: SignalDef> Bucket<D> {
    fn from_entries<'e>(entries: impl Iterator<Item = &'e Arc<Entry<D>>>) -> Self {
        let mut sync = Vec::new();
        let mut r#async = Vec::new();
        let mut has_weak = false;
        for entry in entries {
            let weak = entry.liveness.is_some();
            has_weak |= weak;
            match &entry.call {
                Call::Sync(call) => {
                    sync.push(Slot {
                        call: call.clone(),
                        weak,
                        entry: Arc::clone(entry),
                    });
                }
                Call::Async(call) => {
                    r#async.push(Slot {
                        call: call.clone(),
                        weak,
                        entry: Arc::clone(entry),
                    });
                }
            }
        }
        Bucket {
            fast: Fast::of(&sync, r#async.is_empty() && !has_weak),
            sync: sync.into(),
            r#async: r#async.into(),
            has_weak,
        }
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.sync.is_empty() && self.r#async.is_empty()
    }

    pub(crate) fn has_live(&self) -> bool {
        if !self.has_weak {
            return !self.is_empty();
        }
        self.sync.iter().any(|slot| slot.entry.is_alive())
            || self.r#async.iter().any(|slot| slot.entry.is_alive())
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.sync.len() + self.r#async.len()
    }

    /// The receivers in call order: sync ones, then async ones.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &Arc<Entry<D>>> {
        self.sync
            .iter()
            .map(|slot| &slot.entry)
            .chain(self.r#async.iter().map(|slot| &slot.entry))
    }
}

pub(crate) struct Table<D: SignalDef> {
    /// Receivers without a sender filter; also what an unlisted sender gets.
    any: Bucket<D>,
    /// For each filtered sender: the merged any + filtered receivers.
    by_sender: HashMap<Sender, Bucket<D>, BuildFoldHasher>,
}

impl<D: SignalDef> Table<D> {
    /// Builds a table from entries already sorted in dispatch order.
    ///
    /// Costs O(entries + total bucket size): one pass groups the filtered
    /// entries by sender (keeping their order), then each sender's bucket is
    /// a merge of the "any sender" list with its own list.
    pub(crate) fn build(entries: &[Arc<Entry<D>>]) -> Self {
        let any: Vec<usize> = (0..entries.len())
            .filter(|&i| entries[i].info.sender.is_none())
            .collect();
        let any_bucket = Bucket::from_entries(any.iter().map(|&i| &entries[i]));
        let mut filtered: HashMap<Sender, Vec<usize>, BuildFoldHasher> = HashMap::default();
        for (i, entry) in entries.iter().enumerate() {
            if let Some(sender) = entry.info.sender {
                filtered.entry(sender).or_default().push(i);
            }
        }
        let by_sender = filtered
            .into_iter()
            .map(|(sender, own)| {
                let merged = merge_sorted(&any, &own);
                (sender, Bucket::from_entries(merged.map(|i| &entries[i])))
            })
            .collect();
        Table {
            any: any_bucket,
            by_sender,
        }
    }

    /// The receivers a send from `sender` reaches.
    #[inline]
    pub(crate) fn bucket(&self, sender: &Sender) -> &Bucket<D> {
        if self.by_sender.is_empty() {
            return &self.any;
        }
        self.filtered_bucket(sender)
    }

    /// Out of line so the hashing code does not weigh on unfiltered sends.
    #[inline(never)]
    fn filtered_bucket(&self, sender: &Sender) -> &Bucket<D> {
        self.by_sender.get(sender).unwrap_or(&self.any)
    }
}

/// Merges two increasing index lists (positions in the sorted entry list), so
/// the result is in dispatch order.
fn merge_sorted<'i>(a: &'i [usize], b: &'i [usize]) -> impl Iterator<Item = usize> + 'i {
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(&&x), Some(&&y)) if x < y => a.next().copied(),
        (Some(_), Some(_)) | (None, Some(_)) => b.next().copied(),
        (Some(_), None) => a.next().copied(),
        (None, None) => None,
    })
}
