//! The [`Signal`] type: its receiver table and how that table changes.
//!
//! # Life of a signal
//!
//! A signal starts *unresolved*. Its first send (or first connect,
//! disconnect or introspection call) walks the signal's own `inventory`
//! collection of `#[receiver]` registrations, sorts them into dispatch order,
//! drops duplicates (recording them for [`Signal::duplicates`]) and stores the
//! result as the signal's immutable static table. From then on:
//!
//! - while the receivers are exactly the static ones, a send reads the state
//!   word and the static table: two loads, no lock, no shared write;
//! - once anything is connected or disconnected at run time, each mutation
//!   builds a fresh table under the signal's mutex and publishes it through an
//!   [`ArcSwapOption`]; sends load it without locking;
//! - when no receiver is left, a send costs one atomic load.
//!
//! # Snapshot dispatch
//!
//! A send works on the table current when it began. No lock is held while a
//! receiver runs, so a receiver may connect, disconnect or send; a receiver
//! connected during a send is not called by it, one disconnected during a send
//! still runs in it. The lock only guards writers against each other; a panic
//! cannot poison anything a send needs.
//!
//! # Who carries the lock-free burden
//!
//! The hard part (handing a reader a table that a concurrent writer may be
//! replacing, without a lock and without freeing it under the reader) is done
//! by [`arc_swap`], a widely used crate with its own model-checked test
//! suite; this crate has no `unsafe` and no raw pointers. Our own atomics are
//! simple enough to argue directly, which is why they are not modelled with
//! `loom` (a faithful model would also need `Signal::new` to stay `const`,
//! which loom's types cannot be, and a loom-aware `ArcSwapOption` and
//! `OnceLock`, which do not exist):
//!
//! - `state` is written only under the mutex, with `Release`, *after* the
//!   table it describes is in place (`current.swap`, or the `OnceLock` set
//!   once during resolution). A send reads it with `Acquire`, so if it sees
//!   `STATIC` or `DYNAMIC` it also sees that table or a newer one. Writers
//!   are serialised by the mutex, so the state values follow the same order
//!   as the tables. A send racing a mutation may read the previous state and
//!   use the previous table: it then behaves as if it began before the
//!   mutation, which the snapshot rule allows. A send that starts after a
//!   mutation returned (happens-after it) cannot read an older state.
//! - `current` always holds the newest table whatever `state` says, so a send
//!   that read `DYNAMIC` never finds it missing; any other miss falls back to
//!   resolution (`Signal::resolve`), which takes the lock.
//! - `NEXT_ID` only needs unique values, so a `Relaxed` `fetch_add` suffices.
//!
//! The stress test (`tests/stress.rs`) checks the resulting snapshot rule
//! under real contention; `RELIABILITY.md` lists it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use arc_swap::ArcSwapOption;

use crate::events::Change;
use crate::hash::BuildFoldHasher;
use crate::mute::Mutes;
use crate::receiver::{Origin, ReceiverInfo, ReceiverKind};
use crate::registration::StaticCall;
use crate::table::{AsyncCall, Call, Entry, Key, OrderKey, SyncCall, Table};
use crate::{Sender, SignalDef};

pub(crate) const UNRESOLVED: u8 = 0;
pub(crate) const EMPTY: u8 = 1;
pub(crate) const STATIC: u8 = 2;
pub(crate) const DYNAMIC: u8 = 3;

/// Connection ids are unique across all signals, so a handle can never
/// disconnect a receiver it did not create.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// A signal: receivers connect to it, senders send it.
///
/// Declare one with `signal!`; the type parameter is the definition type the
/// macro generates. See the crate documentation for the full semantics.
pub struct Signal<D: SignalDef> {
    pub(crate) state: AtomicU8,
    pub(crate) static_table: OnceLock<Table<D>>,
    pub(crate) current: ArcSwapOption<Table<D>>,
    inner: Mutex<Inner<D>>,
    _def: PhantomData<fn() -> D>,
}

struct Inner<D: SignalDef> {
    /// All receivers in dispatch order; `None` until static ones are resolved.
    entries: Option<Vec<Arc<Entry<D>>>>,
    /// Whether the entries are exactly the resolved static receivers.
    pristine: bool,
    duplicates: Vec<Duplicate>,
    /// Receivers hidden from sends by `testing::muted…` guards.
    mutes: Mutes,
}

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

impl<D: SignalDef> Default for Signal<D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<D: SignalDef> Signal<D> {
    /// A signal with no runtime receivers. `signal!` calls this for you; call
    /// it yourself only for a signal local to a test (it still gets the
    /// definition's static receivers).
    #[must_use]
    pub const fn new() -> Self {
        Signal {
            state: AtomicU8::new(UNRESOLVED),
            static_table: OnceLock::new(),
            current: ArcSwapOption::const_empty(),
            inner: Mutex::new(Inner {
                entries: None,
                pristine: true,
                duplicates: Vec::new(),
                mutes: Mutes::new(),
            }),
            _def: PhantomData,
        }
    }

    /// The signal's name as declared.
    #[must_use]
    pub fn name(&self) -> &'static str {
        D::NAME
    }

    /// The module the signal was declared in.
    #[must_use]
    pub fn module_path(&self) -> &'static str {
        D::MODULE_PATH
    }

    fn lock(&self) -> MutexGuard<'_, Inner<D>> {
        // Nothing user-defined runs under this lock (dropped receivers are
        // released after it), but stay usable even if that ever changes.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Resolves the static receivers if that has not happened yet.
    #[cold]
    pub(crate) fn resolve(&self) {
        let mut inner = self.lock();
        self.ensure_resolved(&mut inner);
    }

    fn ensure_resolved(&self, inner: &mut Inner<D>) {
        if inner.entries.is_some() {
            return;
        }
        let (entries, duplicates) = resolve_static::<D>();
        let state = if entries.is_empty() { EMPTY } else { STATIC };
        // Only this function sets the table, under the lock, once.
        let _ = self.static_table.set(Table::build(&entries));
        inner.entries = Some(entries);
        inner.duplicates = duplicates;
        inner.pristine = true;
        // `current` stays empty: nothing reads it before the first mutation,
        // which publishes a table of its own (building the same table twice
        // would double the cost of a first send).
        self.state.store(state, Ordering::Release);
    }

    /// Makes the current entry list visible to sends. Returns the table it
    /// replaced so the caller can drop it (and maybe user closures) after
    /// releasing the lock.
    fn publish(&self, inner: &Inner<D>) -> Option<Arc<Table<D>>> {
        let entries = inner
            .mutes
            .visible(inner.entries.as_deref().unwrap_or_default());
        // `current` always holds the latest table, whatever the state says, so
        // a send that read a stale state word still finds a valid table.
        let old = self.current.swap(Some(Arc::new(Table::build(&entries))));
        let state = if entries.is_empty() {
            EMPTY
        } else if inner.pristine && !inner.mutes.is_active() {
            STATIC
        } else {
            DYNAMIC
        };
        self.state.store(state, Ordering::Release);
        old
    }

    /// Changes the signal's mutes and publishes the table they leave visible.
    pub(crate) fn update_mutes<R>(&self, change: impl FnOnce(&mut Mutes) -> R) -> R {
        let mut inner = self.lock();
        self.ensure_resolved(&mut inner);
        let result = change(&mut inner.mutes);
        let released = self.publish(&inner);
        drop(inner);
        drop(released);
        result
    }

    /// Adds an entry built by one of the `connect` methods.
    pub(crate) fn insert(&self, mut entry: Entry<D>) -> Result<u64, crate::ConnectError> {
        let id = next_id();
        entry.id = id;
        entry.order = OrderKey::new(&entry.info, id);
        if let Key::Connection(_) = entry.key {
            entry.key = Key::Connection(id);
        }
        let mut inner = self.lock();
        self.ensure_resolved(&mut inner);
        // A receiver whose owner is gone must not count as a duplicate.
        let dead = drain_dead(&mut inner);
        let entries = inner.entries.get_or_insert_with(Vec::new);
        if let Some(existing) = entries
            .iter()
            .find(|e| e.key == entry.key && e.info.sender == entry.info.sender)
        {
            let error = crate::ConnectError::Duplicate {
                existing: Box::new(existing.info.clone()),
            };
            let released = (!dead.is_empty()).then(|| self.publish(&inner));
            drop(inner);
            drop(released);
            report_dead::<D>(&dead);
            return Err(error);
        }
        let at = entries.partition_point(|e| e.order <= entry.order);
        let added = Arc::new(entry);
        entries.insert(at, Arc::clone(&added));
        inner.pristine = false;
        let released = self.publish(&inner);
        drop(inner);
        drop(released);
        report_dead::<D>(&dead);
        drop(dead);
        crate::events::connected::<D>(&added.info);
        Ok(id)
    }

    pub(crate) fn is_connected(&self, id: u64) -> bool {
        let inner = self.lock();
        inner
            .entries
            .iter()
            .flatten()
            .any(|e| e.id == id && e.is_alive())
    }

    /// Removes the first entry matching `predicate`; returns whether one was.
    pub(crate) fn remove_where(&self, predicate: impl Fn(&Entry<D>) -> bool) -> bool {
        let mut inner = self.lock();
        self.ensure_resolved(&mut inner);
        // A receiver whose owner is gone is already disconnected (as
        // `is_connected` reports), so removing it reports `false`.
        let dead = drain_dead(&mut inner);
        let entries = inner.entries.get_or_insert_with(Vec::new);
        let removed = entries
            .iter()
            .position(|e| predicate(e))
            .map(|at| entries.remove(at));
        if removed.is_none() && dead.is_empty() {
            return false;
        }
        inner.pristine = false;
        let released = self.publish(&inner);
        drop(inner);
        drop(released);
        report_dead::<D>(&dead);
        drop(dead);
        let Some(removed) = removed else { return false };
        crate::events::disconnected::<D>(&removed.info, Change::Disconnected);
        true
    }

    pub(crate) fn remove_key(&self, key: &Key, sender: Option<Sender>) -> bool {
        self.remove_where(|e| &e.key == key && e.info.sender == sender)
    }

    pub(crate) fn remove_id(&self, id: u64) -> bool {
        self.remove_where(|e| e.id == id)
    }

    /// Drops weak receivers whose owner is gone.
    pub(crate) fn prune_dead(&self) {
        let mut inner = self.lock();
        let removed = drain_dead(&mut inner);
        if removed.is_empty() {
            return;
        }
        let released = self.publish(&inner);
        drop(inner);
        drop(released);
        report_dead::<D>(&removed);
    }

    /// Runs `f` on the table a send starting now would use.
    #[inline]
    pub(crate) fn with_table<R>(
        &self,
        f: impl FnOnce(&Table<D>) -> R,
        empty: impl FnOnce() -> R,
    ) -> R {
        loop {
            match self.state.load(Ordering::Acquire) {
                EMPTY => return empty(),
                STATIC => {
                    if let Some(table) = self.static_table.get() {
                        return f(table);
                    }
                }
                DYNAMIC => {
                    let guard = self.current.load();
                    if let Some(table) = guard.as_deref() {
                        return f(table);
                    }
                }
                _ => {}
            }
            self.resolve();
        }
    }

    /// Whether a send from `sender` would reach at least one live receiver.
    ///
    /// A receiver without a sender filter counts for every sender, including
    /// [`Sender::NONE`]; a filtered one only for its sender. Costs about one
    /// atomic load when the signal has no receiver, so callers can skip
    /// building arguments nobody will read (Django's fast paths).
    #[must_use]
    pub fn has_listeners(&self, sender: Sender) -> bool {
        let (live, saw_dead) = self.with_table(
            |table| {
                let bucket = table.bucket(&sender);
                let live = bucket.has_live();
                (
                    live,
                    bucket.has_weak && bucket.entries().any(|e| !e.is_alive()),
                )
            },
            || (false, false),
        );
        if saw_dead {
            self.prune_dead();
        }
        live
    }

    /// Every live receiver, in dispatch order (priority, then static before
    /// runtime, …), whatever its sender filter.
    #[must_use]
    pub fn receivers(&self) -> Vec<ReceiverInfo> {
        self.prune_dead();
        let mut inner = self.lock();
        self.ensure_resolved(&mut inner);
        inner
            .entries
            .iter()
            .flatten()
            .map(|e| e.info.clone())
            .collect()
    }

    /// The live receivers a send from `sender` would call, in call order:
    /// sync receivers first, then async ones.
    #[must_use]
    pub fn receivers_for(&self, sender: Sender) -> Vec<ReceiverInfo> {
        self.with_table(
            |table| {
                table
                    .bucket(&sender)
                    .entries()
                    .filter(|e| e.is_alive())
                    .map(|e| e.info.clone())
                    .collect()
            },
            Vec::new,
        )
    }

    /// Static receivers that were ignored as duplicates when the signal was
    /// resolved.
    #[must_use]
    pub fn duplicates(&self) -> Vec<Duplicate> {
        let mut inner = self.lock();
        self.ensure_resolved(&mut inner);
        inner.duplicates.clone()
    }
}

/// Reports weak receivers pruned because their owner is gone. Called after
/// the signal's lock is released: observers may use the signal.
fn report_dead<D: SignalDef>(dead: &[Arc<Entry<D>>]) {
    for entry in dead {
        crate::events::disconnected::<D>(&entry.info, Change::OwnerDropped);
    }
}

/// Takes the weak receivers whose owner is gone out of the entry list (as
/// Django prunes dead receivers before every mutation). The caller publishes
/// the new list, and drops the returned entries (and maybe user closures)
/// after releasing the lock.
fn drain_dead<D: SignalDef>(inner: &mut Inner<D>) -> Vec<Arc<Entry<D>>> {
    let Some(entries) = inner.entries.as_mut() else {
        return Vec::new();
    };
    let mut dead = Vec::new();
    entries.retain(|e| {
        let alive = e.is_alive();
        if !alive {
            dead.push(Arc::clone(e));
        }
        alive
    });
    if !dead.is_empty() {
        inner.pristine = false;
    }
    dead
}

/// Collects, sorts and de-duplicates the static receivers of `D`.
fn resolve_static<D: SignalDef>() -> (Vec<Arc<Entry<D>>>, Vec<Duplicate>) {
    let mut candidates: Vec<Entry<D>> = D::__static_receivers()
        .map(|node| {
            let meta = &node.meta;
            let (call, kind) = match node.call {
                StaticCall::Sync(f) => (Call::Sync(SyncCall::Static(f)), ReceiverKind::Sync),
                StaticCall::Async(f) => (Call::Async(AsyncCall::Static(f)), ReceiverKind::Async),
            };
            let info = ReceiverInfo {
                name: Cow::Borrowed(meta.name),
                module_path: Cow::Borrowed(meta.module_path),
                file: meta.file,
                line: meta.line,
                sender: meta.sender,
                dispatch_uid: meta.dispatch_uid.map(Cow::Borrowed),
                priority: meta.priority,
                kind,
                origin: Origin::Static,
                weak: false,
            };
            let key = match meta.dispatch_uid {
                Some(uid) => Key::Uid(Cow::Borrowed(uid)),
                None => Key::Fn(meta.fn_id),
            };
            let id = next_id();
            Entry {
                order: OrderKey::new(&info, 0),
                info,
                key,
                id,
                call,
                liveness: None,
            }
        })
        .collect();
    // Link order is not stable across builds; the order key is.
    candidates.sort_by(|a, b| a.order.cmp(&b.order));
    let mut kept: Vec<Arc<Entry<D>>> = Vec::with_capacity(candidates.len());
    let mut seen: HashMap<(Key, Option<Sender>), usize, BuildFoldHasher> = HashMap::default();
    let mut duplicates = Vec::new();
    for entry in candidates {
        match seen.entry((entry.key.clone(), entry.info.sender)) {
            MapEntry::Occupied(first) => {
                duplicates.push(Duplicate {
                    kept: kept[*first.get()].info.clone(),
                    ignored: entry.info,
                });
            }
            MapEntry::Vacant(slot) => {
                slot.insert(kept.len());
                kept.push(Arc::new(entry));
            }
        }
    }
    (kept, duplicates)
}

/// `Signal { path: "app::PIZZA_DONE", receivers: [..] }`, one compact line
/// per live receiver (path, location, sender filter, priority, uid, kind,
/// origin) in dispatch order.
impl<D: SignalDef> fmt::Debug for Signal<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let receivers = self.receivers();
        f.debug_struct("Signal")
            .field("path", &format_args!("{}::{}", D::MODULE_PATH, D::NAME))
            .field(
                "receivers",
                &receivers
                    .iter()
                    .map(crate::wiring::Compact)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// `{}`: the signal's path and its receivers on one line,
/// `app::PIZZA_DONE -> [app::kitchen::show, app::courier::notify]`.
/// `{:#}`: the signal's block of the wiring table (see
/// [`wiring`](mod@crate::wiring)), one row per receiver with its sender filter,
/// uid, priority, kind, origin and location.
impl<D: SignalDef> fmt::Display for Signal<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return fmt::Display::fmt(&crate::wiring::SignalWiring::of(self), f);
        }
        write!(f, "{}::{} -> [", D::MODULE_PATH, D::NAME)?;
        for (i, info) in self.receivers().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&info.path())?;
        }
        f.write_str("]")
    }
}
