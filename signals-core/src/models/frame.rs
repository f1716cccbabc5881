//! The on-commit state of each open transaction (its *frame*), and which
//! frame is current while code runs.
//!
//! A frame is shared (`Arc`): the transaction's owner ends it, handles queue
//! into it from any thread, and a nested transaction's frame points to its
//! parent. It moves through these states, under its own lock:
//!
//! | state | queuing a callback | entered by |
//! |---|---|---|
//! | `Open` | keeps it | [`Frame::open`] |
//! | `Released` | forwards it to the parent frame | [`Frame::commit`] of a nested frame: its work joined the parent's |
//! | `RolledBack` | drops it | [`Frame::roll_back`] |
//! | `Ran` | runs it at once (the data is committed) | [`Frame::commit`] of an outermost frame |
//!
//! What a frame defers is one [`Deferred`] value: the callbacks, and (with
//! a `durable-*` feature) the durable outbox events sent in the transaction.
//! Events follow the same transitions as callbacks with one difference:
//! they are not run after the commit but written *before* it, by the
//! transaction that owns them (an outbox transaction, whose frame is a
//! *writer*). Its owner takes them out right before its database commit;
//! after that the frame accepts no more events, and events that still
//! arrive (a nested transaction ending after its outer one committed) can
//! no longer be written, which is reported loudly (`events.rs`).
//!
//! *Current* is per thread, but never left on a thread between polls: the
//! sync `transaction` installs its frame for the body's call, and a future
//! wrapped by `OnCommit::scope` installs it around each of its polls (the way
//! `tracing::Instrument` enters a span), so it follows the task to whatever
//! thread polls it next.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

#[cfg(feature = "durable")]
mod events;

#[cfg(feature = "durable")]
pub(crate) use events::{Refusal, push_event};

/// Work to run once the data is committed.
type Callback = Box<dyn FnOnce() + Send>;

/// Something deferred, with its place in registration order across every
/// frame: a nested frame's work merges into the parent's in the order it
/// was queued.
struct Sequenced<T> {
    seq: u64,
    item: T,
}

impl<T> Sequenced<T> {
    fn new(item: T) -> Sequenced<T> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        Sequenced {
            seq: SEQ.fetch_add(1, Ordering::Relaxed),
            item,
        }
    }
}

/// Appends `other` to `list`, keeping registration order.
fn merge<T>(list: &mut Vec<Sequenced<T>>, other: Vec<Sequenced<T>>) {
    let in_order = match (list.last(), other.first()) {
        (Some(last), Some(first)) => last.seq < first.seq,
        _ => true,
    };
    list.extend(other);
    if !in_order {
        // Someone queued into this frame while a nested one was open.
        list.sort_by_key(|queued| queued.seq);
    }
}

/// One queued callback.
struct Queued {
    /// Django's `robust=True`: a panic is caught and reported, and the next
    /// callback runs.
    robust: bool,
    callback: Callback,
}

/// What a transaction defers until its outermost commit.
#[derive(Default)]
pub(super) struct Deferred {
    callbacks: Vec<Sequenced<Queued>>,
    /// The durable events sent in the transaction (see `events.rs`).
    #[cfg(feature = "durable")]
    events: events::Events,
}

impl Deferred {
    fn one(callback: Callback, robust: bool) -> Deferred {
        let mut deferred = Deferred::default();
        deferred
            .callbacks
            .push(Sequenced::new(Queued { robust, callback }));
        deferred
    }

    /// Takes over `other`'s work, keeping registration order.
    fn absorb(&mut self, other: Deferred) {
        merge(&mut self.callbacks, other.callbacks);
        #[cfg(feature = "durable")]
        self.events.absorb(other.events);
    }

    /// Runs the callbacks in registration order, with no frame current (a
    /// callback that calls `on_commit` runs that one at once, as after a
    /// commit in Django). A robust callback's panic is caught and reported;
    /// any other panic propagates and drops the callbacks after it.
    pub(super) fn run(self) {
        // Events are written before a commit, never run after it: any left
        // here reached no transaction that could write them.
        #[cfg(feature = "durable")]
        self.events.expect_none();
        let _none = Installed::new(None);
        for Sequenced {
            item: Queued { robust, callback },
            ..
        } in self.callbacks
        {
            if !robust {
                callback();
            } else if let Err(payload) = catch_unwind(AssertUnwindSafe(callback)) {
                report_robust_failure(&*payload);
            }
        }
    }
}

/// A robust callback panicked: the panic hook has already printed it; with
/// the `tracing` feature it is also an ERROR event, as Django logs it.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
fn report_robust_failure(payload: &(dyn std::any::Any + Send)) {
    #[cfg(feature = "tracing")]
    crate::trace::on_commit_failed(&crate::error::panic_message(payload));
}

enum State {
    Open(Deferred),
    Released,
    RolledBack,
    Ran,
}

/// The on-commit state of one transaction (see the module docs).
pub(super) struct Frame {
    parent: Option<Arc<Frame>>,
    /// Whether this transaction writes the durable events sent in it (and
    /// in the transactions nested in it) itself, before its commit.
    #[cfg(feature = "durable")]
    writer: bool,
    state: Mutex<State>,
}

impl Frame {
    /// A new open frame, nested in `parent` if there is one.
    pub(super) fn open(parent: Option<Arc<Frame>>) -> Arc<Frame> {
        Arc::new(Frame {
            parent,
            #[cfg(feature = "durable")]
            writer: false,
            state: Mutex::new(State::Open(Deferred::default())),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // User code never runs under this lock; stay usable regardless.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether work queued here would wait for a commit.
    pub(super) fn is_open(&self) -> bool {
        match &*self.lock() {
            State::Open(_) => true,
            State::Released => self.parent.as_ref().is_some_and(|parent| parent.is_open()),
            State::RolledBack | State::Ran => false,
        }
    }

    /// Queues `callback` into `frame` (at once when there is none).
    pub(super) fn queue(frame: Option<&Frame>, callback: Callback, robust: bool) {
        let work = Deferred::one(callback, robust);
        match frame {
            Some(frame) => frame.take(work),
            None => work.run(),
        }
    }

    /// Where `work` goes once it reaches this frame, by its state.
    fn take(&self, work: Deferred) {
        let mut state = self.lock();
        match &mut *state {
            State::Open(deferred) => {
                #[cfg(feature = "durable")]
                if let Some(count) = deferred.events.refuses(&work.events) {
                    drop(state);
                    drop(work);
                    events::lost(count);
                }
                deferred.absorb(work);
            }
            State::Released => {
                drop(state);
                // A writer's events never pass it on to its parent.
                #[cfg(feature = "durable")]
                if self.writer {
                    work.events.expect_none();
                }
                // A released frame has a parent: only nested frames are.
                if let Some(parent) = &self.parent {
                    parent.take(work);
                }
            }
            State::RolledBack => {
                drop(state);
                // Dropped unrun, outside the lock (a drop may queue more).
                drop(work);
            }
            State::Ran => {
                drop(state);
                work.run();
            }
        }
    }

    /// The transaction's commit succeeded: a nested frame hands its work to
    /// its parent, an outermost one runs it. A frame already ended stays as
    /// it is.
    pub(super) fn commit(&self) {
        let mut state = self.lock();
        let State::Open(work) = &mut *state else {
            return;
        };
        let work = std::mem::take(work);
        *state = match &self.parent {
            Some(_) => State::Released,
            None => State::Ran,
        };
        drop(state);
        // A writer's owner took its events before the database commit.
        #[cfg(feature = "durable")]
        if self.writer {
            work.events.expect_none();
        }
        match &self.parent {
            Some(parent) => parent.take(work),
            None => work.run(),
        }
    }

    /// The transaction rolled back: its work is dropped unrun, and so is
    /// anything queued here later. A frame already ended stays as it is.
    pub(super) fn roll_back(&self) {
        let mut state = self.lock();
        let State::Open(work) = &mut *state else {
            return;
        };
        let work = std::mem::take(work);
        *state = State::RolledBack;
        drop(state);
        // Outside the lock: dropping a callback may queue more.
        drop(work);
    }
}

thread_local! {
    /// The frame of the transaction whose code this thread is running.
    static CURRENT: Cell<Option<Arc<Frame>>> = const { Cell::new(None) };
}

/// The frame current on this thread, if any.
pub(super) fn current() -> Option<Arc<Frame>> {
    CURRENT.with(|current| {
        let frame = current.take();
        let copy = frame.clone();
        current.set(frame);
        copy
    })
}

/// Makes a frame (or none) current on this thread until dropped, then puts
/// back the one it replaced, even when unwinding.
pub(super) struct Installed {
    previous: Option<Arc<Frame>>,
}

impl Installed {
    pub(super) fn new(frame: Option<Arc<Frame>>) -> Installed {
        Installed {
            previous: CURRENT.with(|current| current.replace(frame)),
        }
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // The replaced frame is dropped after the thread-local is restored.
        drop(CURRENT.with(|current| current.replace(previous)));
    }
}
