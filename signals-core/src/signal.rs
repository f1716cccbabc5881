//! The [`Signal`] type: its receiver table and how that table changes.
//!
//! Everything about a signal's state lives in this file: its fields and
//! state constants are private, other files read the table through
//! [`Signal::state`] and [`Signal::with_table`] and change it through the
//! mutation methods below, which all end in one tail (`finish`).
//!
//! # Life of a signal
//!
//! A signal starts *unresolved*. Its first send (or first connect,
//! disconnect or introspection call) walks the signal's own `inventory`
//! collection of `#[receiver]` registrations (see `registration.rs`), sorts
//! them into dispatch order, drops duplicates (recording them for
//! [`Signal::duplicates`]) and stores the result as the signal's immutable
//! *fixed* table, in a lazily created cell (`Tables`) that also holds the
//! [`ArcSwap`] of the *current* table. From then on:
//!
//! - while the receivers are exactly the static ones, a send reads the state
//!   word, the cell and the fixed table: no lock, no shared write;
//! - once anything is connected or disconnected at run time, each mutation
//!   builds a fresh table under the signal's mutex and publishes it as the
//!   current table; sends load it without locking (an `arc-swap` guard:
//!   a write to a slot of the sending thread's own, no shared write);
//! - when no receiver is left, a send costs one atomic load.
//!
//! # The state word
//!
//! | state | meaning | table a send uses |
//! |---|---|---|
//! | `UNRESOLVED` | static receivers not collected yet | none: the send resolves first |
//! | `EMPTY` | no receiver a send could call | none: the send returns at once |
//! | `STATIC` | exactly the resolved static receivers, unmuted | `fixed` |
//! | `DYNAMIC` | anything else (runtime changes, mutes) | `current` |
//!
//! Resolution moves `UNRESOLVED` to `EMPTY` or `STATIC`, once. Every later
//! change publishes a table and stores `EMPTY`, `STATIC` (nothing changed
//! since resolution and no mute) or `DYNAMIC` to match. Nothing moves a
//! signal back to `UNRESOLVED`.
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
//! which loom's types cannot be, and a loom-aware `ArcSwap` and `OnceLock`,
//! which do not exist):
//!
//! - `state` is written only under the mutex, with `Release`, *after* the
//!   table it describes is in place (`current.swap`, or the `OnceLock` of
//!   the tables set once during resolution). A send reads it with
//!   `Acquire`, so if it sees
//!   `STATIC` or `DYNAMIC` it also sees that table or a newer one. Writers
//!   are serialised by the mutex, so the state values follow the same order
//!   as the tables. A send racing a mutation may read the previous state and
//!   use the previous table: it then behaves as if it began before the
//!   mutation, which the snapshot rule allows. A send that starts after a
//!   mutation returned (happens-after it) cannot read an older state.
//! - The tables are in place before any state but `UNRESOLVED` is stored,
//!   so a send that read `STATIC` or `DYNAMIC` always finds them; only a
//!   send that read `UNRESOLVED` takes the slow path (resolution, under the
//!   lock). `current` always holds the newest table whatever `state` says.
//! - Connection ids (`receiver::next_id`) only need unique values, so a
//!   `Relaxed` `fetch_add` suffices.
//!
//! The stress test (`tests/stress.rs`) checks the resulting snapshot rule
//! under real contention; `RELIABILITY.md` lists it.

use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use arc_swap::ArcSwap;

use crate::def::SignalDef;
use crate::error::ConnectError;
use crate::events::{self, Change};
use crate::mute::Mutes;
use crate::receiver::{Entry, Key, ReceiverInfo};
use crate::registration::{self, Duplicate, Resolved};
use crate::sender::Sender;
use crate::table::Table;

const UNRESOLVED: u8 = 0;
const EMPTY: u8 = 1;
const STATIC: u8 = 2;
const DYNAMIC: u8 = 3;

/// A signal: receivers connect to it, senders send it.
///
/// Declare one with `signal!`; the type parameter is the definition type the
/// macro generates. See the crate documentation for the full semantics.
pub struct Signal<D: SignalDef> {
    state: AtomicU8,
    tables: OnceLock<Tables<D>>,
    inner: Mutex<Inner<D>>,
    _def: PhantomData<fn() -> D>,
}

/// The tables sends read, created when the signal is resolved. One lazy cell
/// for both: a `static` needs a `const` constructor, and a lazy `ArcSwap`
/// costs a send less than an `ArcSwapOption`, whose every load and guard
/// tests for the empty case.
struct Tables<D: SignalDef> {
    /// The resolved static receivers, for sends in state `STATIC`.
    fixed: Table<D>,
    /// The newest published table, for sends in state `DYNAMIC`; an empty
    /// table until the first change publishes one.
    current: ArcSwap<Table<D>>,
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

/// What [`Signal::reach`] found.
#[cfg(feature = "tower")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    /// No live receiver.
    Nobody,
    /// Live receivers, all sync.
    SyncOnly,
    /// At least one live async receiver.
    Async,
}

/// A table found the slow way (see [`Signal::with_table`]): the fixed one,
/// or the current one held by a full reference.
enum Settled<'s, D: SignalDef> {
    Fixed(&'s Table<D>),
    Current(Arc<Table<D>>),
}

impl<D: SignalDef> Deref for Settled<'_, D> {
    type Target = Table<D>;

    fn deref(&self) -> &Table<D> {
        match self {
            Settled::Fixed(table) => table,
            Settled::Current(table) => table,
        }
    }
}

/// The state word as a send read it: what [`Signal::with_table`] starts
/// from. Only this file knows what the values mean.
#[derive(Clone, Copy)]
pub(crate) struct State(u8);

impl State {
    /// Whether a send may return at once: nobody can be called.
    #[inline(always)]
    pub(crate) fn is_empty(self) -> bool {
        self.0 == EMPTY
    }
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
            tables: OnceLock::new(),
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
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// signal! { pub static ORDER_PAID: u32; }
    ///
    /// assert_eq!(ORDER_PAID.name(), "ORDER_PAID");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        D::NAME
    }

    /// The module the signal was declared in.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// signal! { pub static ORDER_PAID: u32; }
    ///
    /// assert_eq!(ORDER_PAID.module_path(), module_path!());
    /// ```
    #[must_use]
    pub fn module_path(&self) -> &'static str {
        D::MODULE_PATH
    }

    /// Reads the state word: the first load of every send, and the only one
    /// when nobody listens.
    #[inline(always)]
    pub(crate) fn state(&self) -> State {
        State(self.state.load(Ordering::Acquire))
    }

    /// Runs `f` on the table a send that read `state` uses. The fixed
    /// table costs one more load, the current one an `arc-swap` guard (no
    /// shared write), held until `f` returns. A signal not resolved yet
    /// takes the slow path.
    ///
    /// Each path calls `f` itself rather than sharing one call: a shared
    /// call would keep the guard in a variable that only one path sets, and
    /// every send would test its drop flag.
    #[inline(always)]
    pub(crate) fn with_table<R>(&self, state: State, f: impl FnOnce(&Table<D>) -> R) -> R {
        if state.0 == STATIC {
            if let Some(tables) = self.tables.get() {
                return f(&tables.fixed);
            }
        } else if state.0 == DYNAMIC
            && let Some(tables) = self.tables.get()
        {
            return f(&tables.current.load());
        }
        f(&self.settled_table())
    }

    /// The table of a send that found the signal unresolved (its first
    /// sends): resolves it under the lock, then reads the state it left. Out
    /// of line and without `f`, so the fast paths carry none of it.
    #[cold]
    #[inline(never)]
    fn settled_table(&self) -> Settled<'_, D> {
        let tables = self.ensure_resolved(&mut self.lock());
        match self.state.load(Ordering::Acquire) {
            STATIC => Settled::Fixed(&tables.fixed),
            // `EMPTY` or `DYNAMIC`: `current` holds the newest table.
            _ => Settled::Current(tables.current.load_full()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<D>> {
        // Nothing user-defined runs under this lock (dropped receivers are
        // released after it), but stay usable even if that ever changes.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Resolves the signal if nobody did yet (only this function sets the
    /// tables, under the lock, once) and returns its tables.
    fn ensure_resolved(&self, inner: &mut Inner<D>) -> &Tables<D> {
        let mut resolved = None;
        let tables = self.tables.get_or_init(|| {
            let Resolved {
                entries,
                duplicates,
            } = registration::resolve::<D>();
            resolved = Some(if entries.is_empty() { EMPTY } else { STATIC });
            let fixed = Table::build(&entries);
            inner.entries = Some(entries);
            inner.duplicates = duplicates;
            inner.pristine = true;
            // Nothing reads `current` before the first change, which
            // publishes a table of its own: an empty one (which allocates
            // nothing but its `Arc`) spares a first send building the fixed
            // table twice.
            Tables {
                fixed,
                current: ArcSwap::from_pointee(Table::build(&[])),
            }
        });
        if let Some(state) = resolved {
            self.state.store(state, Ordering::Release);
        }
        tables
    }

    /// Makes the current entry list visible to sends. Returns the table it
    /// replaced so the caller can drop it (and maybe user closures) after
    /// releasing the lock.
    fn publish(&self, inner: &mut Inner<D>) -> Arc<Table<D>> {
        let tables = self.ensure_resolved(inner);
        let entries = inner
            .mutes
            .visible(inner.entries.as_deref().unwrap_or_default());
        // `current` always holds the latest table, whatever the state says, so
        // a send that read a stale state word still finds a valid table.
        let old = tables.current.swap(Arc::new(Table::build(&entries)));
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

    /// The end of every change: publishes the entry list, releases the
    /// lock, then, with no lock held (both may run user code), drops the
    /// table it replaced and reports the weak receivers found `dead` and the
    /// `change` itself to the connection events.
    fn finish(
        &self,
        mut inner: MutexGuard<'_, Inner<D>>,
        dead: Vec<Arc<Entry<D>>>,
        change: Option<(&ReceiverInfo, Change)>,
    ) {
        let released = self.publish(&mut inner);
        drop(inner);
        drop(released);
        for entry in &dead {
            events::disconnected::<D>(&entry.info, Change::OwnerDropped);
        }
        drop(dead);
        match change {
            Some((info, Change::Connected)) => events::connected::<D>(info),
            Some((info, change)) => events::disconnected::<D>(info, change),
            None => {}
        }
    }

    /// Changes the signal's mutes and publishes the table they leave visible.
    pub(crate) fn update_mutes<R>(&self, change: impl FnOnce(&mut Mutes) -> R) -> R {
        let mut inner = self.lock();
        self.ensure_resolved(&mut inner);
        let result = change(&mut inner.mutes);
        self.finish(inner, Vec::new(), None);
        result
    }

    /// Adds a runtime receiver; returns its connection id, or the receiver
    /// it duplicates.
    pub(crate) fn insert(&self, entry: Entry<D>) -> Result<u64, ConnectError> {
        let mut inner = self.lock();
        self.ensure_resolved(&mut inner);
        // A receiver whose owner is gone must not count as a duplicate.
        let dead = drain_dead(&mut inner);
        let entries = inner.entries.get_or_insert_with(Vec::new);
        if let Some(existing) = entries
            .iter()
            .find(|e| e.key == entry.key && e.info.sender == entry.info.sender)
        {
            let error = ConnectError::Duplicate {
                existing: Box::new(ReceiverInfo::clone(&existing.info)),
            };
            if !dead.is_empty() {
                self.finish(inner, dead, None);
            }
            return Err(error);
        }
        let at = entries.partition_point(|e| e.order <= entry.order);
        let added = Arc::new(entry);
        entries.insert(at, Arc::clone(&added));
        inner.pristine = false;
        self.finish(inner, dead, Some((&added.info, Change::Connected)));
        Ok(added.id)
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
        let change = removed
            .as_ref()
            .map(|entry| (&*entry.info, Change::Disconnected));
        self.finish(inner, dead, change);
        removed.is_some()
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
        let dead = drain_dead(&mut inner);
        if !dead.is_empty() {
            self.finish(inner, dead, None);
        }
    }

    /// Whether a send from `sender` would reach at least one live receiver.
    ///
    /// A receiver without a sender filter counts for every sender, including
    /// [`Sender::NONE`]; a filtered one only for its sender. Costs about one
    /// atomic load when the signal has no receiver, so callers can skip
    /// building arguments nobody will read (Django's fast paths).
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{ConnectOptions, Sender};
    ///
    /// pub struct Report { pub lines: Vec<String> }
    /// signal! { pub static REPORT_READY: Report; }
    /// struct Billing;
    ///
    /// assert!(!REPORT_READY.has_listeners(Sender::NONE));
    /// REPORT_READY.connect_with(ConnectOptions::new().sender(Sender::of::<Billing>()), |_: &Report| ())?;
    /// assert!(REPORT_READY.has_listeners(Sender::of::<Billing>()));
    /// assert!(!REPORT_READY.has_listeners(Sender::NONE)); // only unfiltered receivers hear `NONE`
    ///
    /// // Build the (expensive) arguments only when someone listens.
    /// if REPORT_READY.has_listeners(Sender::of::<Billing>()) {
    ///     let report = Report { lines: vec!["total: 12".into()] };
    ///     REPORT_READY.send(Sender::of::<Billing>(), &report);
    /// }
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    #[must_use]
    pub fn has_listeners(&self, sender: Sender) -> bool {
        let state = self.state();
        if state.is_empty() {
            return false;
        }
        let (live, saw_dead) = self.with_table(state, |table| {
            let bucket = table.bucket(&sender);
            let saw_dead = bucket.has_weak && bucket.entries().any(|e| !e.is_alive());
            (bucket.has_live(), saw_dead)
        });
        if saw_dead {
            self.prune_dead();
        }
        live
    }

    /// Which live receivers a send from `sender` would reach, for a caller
    /// that must not wait (the HTTP layer's `Drop`): it sends inline when
    /// they are all sync, and gives async ones a task of their own.
    #[cfg(feature = "tower")]
    pub(crate) fn reach(&self, sender: Sender) -> Reach {
        let state = self.state();
        if state.is_empty() {
            return Reach::Nobody;
        }
        self.with_table(state, |table| {
            let bucket = table.bucket(&sender);
            if bucket.r#async.iter().any(|slot| slot.entry.is_alive()) {
                Reach::Async
            } else if bucket.has_live() {
                Reach::SyncOnly
            } else {
                Reach::Nobody
            }
        })
    }

    /// Every live receiver, in dispatch order (priority, then static before
    /// runtime, …), whatever its sender filter.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::{receiver, signal};
    /// use signals::{ConnectOptions, Origin};
    ///
    /// signal! { pub static ORDER_PAID: u32; }
    ///
    /// #[receiver(ORDER_PAID, dispatch_uid = "receipt")]
    /// fn print_receipt(_: &u32) {}
    ///
    /// # fn main() -> Result<(), signals::ConnectError> {
    /// ORDER_PAID.connect_with(ConnectOptions::new().name("loyalty points"), |_: &u32| ())?;
    /// let receivers = ORDER_PAID.receivers();
    /// assert_eq!(receivers[0].name, "print_receipt");
    /// assert_eq!(receivers[0].dispatch_uid.as_deref(), Some("receipt"));
    /// assert_eq!(receivers[0].origin, Origin::Static);
    /// assert_eq!(receivers[1].name, "loyalty points");
    /// for receiver in &receivers {
    ///     println!("{receiver}"); // path (file:line)
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn receivers(&self) -> Vec<ReceiverInfo> {
        self.prune_dead();
        let mut inner = self.lock();
        self.ensure_resolved(&mut inner);
        inner
            .entries
            .iter()
            .flatten()
            .map(|e| ReceiverInfo::clone(&e.info))
            .collect()
    }

    /// The live receivers a send from `sender` would call, in call order:
    /// sync receivers first, then async ones.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{ConnectOptions, Sender};
    ///
    /// signal! { pub static ORDER_PAID: u32; }
    /// struct Shop;
    ///
    /// async fn email(_: &u32) {}
    /// fn audit(_: &u32) {}
    /// fn shop_only(_: &u32) {}
    ///
    /// ORDER_PAID.connect(email)?;
    /// ORDER_PAID.connect(audit)?;
    /// ORDER_PAID.connect_with(ConnectOptions::new().sender(Sender::of::<Shop>()), shop_only)?;
    ///
    /// let names = |sender| -> Vec<_> {
    ///     ORDER_PAID.receivers_for(sender).into_iter().map(|r| r.name).collect()
    /// };
    /// assert_eq!(names(Sender::NONE), ["audit", "email"]); // sync first
    /// assert_eq!(names(Sender::of::<Shop>()), ["audit", "shop_only", "email"]);
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    #[must_use]
    pub fn receivers_for(&self, sender: Sender) -> Vec<ReceiverInfo> {
        self.with_table(self.state(), |table| {
            table
                .bucket(&sender)
                .entries()
                .filter(|e| e.is_alive())
                .map(|e| ReceiverInfo::clone(&e.info))
                .collect()
        })
    }

    /// Static receivers that were ignored as duplicates when the signal was
    /// resolved: the one first in dispatch order stays, whatever the link
    /// order.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::{receiver, signal};
    /// use signals::Sender;
    ///
    /// signal! { pub static ORDER_PAID: u32 => &'static str; }
    ///
    /// #[receiver(ORDER_PAID, dispatch_uid = "receipt")]
    /// fn print_receipt(_: &u32) -> &'static str { "printed" }
    ///
    /// #[receiver(ORDER_PAID, dispatch_uid = "receipt")]
    /// fn email_receipt(_: &u32) -> &'static str { "emailed" }
    ///
    /// # fn main() {
    /// let duplicates = ORDER_PAID.duplicates();
    /// assert_eq!(duplicates[0].kept.name, "print_receipt"); // first by line
    /// assert_eq!(duplicates[0].ignored.name, "email_receipt");
    /// assert_eq!(ORDER_PAID.send(Sender::NONE, &1), ["printed"]);
    /// # }
    /// ```
    #[must_use]
    pub fn duplicates(&self) -> Vec<Duplicate> {
        let mut inner = self.lock();
        self.ensure_resolved(&mut inner);
        inner.duplicates.clone()
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
