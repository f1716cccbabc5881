//! The public face of on-commit delivery: [`on_commit`] and
//! [`on_commit_robust`] for the current transaction, [`OnCommit`] to queue
//! into a given one from anywhere, and [`TransactionScope`], the frame an
//! integration opens, runs code in and ends itself. `transaction` and
//! `atransaction` are built on it.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;

use super::frame::{self, Frame, Installed};

/// Runs `callback` after the current transaction commits, or now when no
/// transaction is current (Django's autocommit). A rollback drops it unrun.
///
/// The current transaction is the one whose body is running here: the body
/// of [`transaction`](super::transaction) or
/// [`atransaction`](super::atransaction), including receivers that `send` or
/// `asend` runs from it, on whatever thread the task is polled. Code that
/// runs elsewhere (a task it spawns) takes an [`OnCommit`] handle along.
///
/// A panic in `callback` propagates out of the commit that runs it, and the
/// callbacks queued after it are dropped; [`on_commit_robust`] avoids that.
pub fn on_commit(callback: impl FnOnce() + Send + 'static) {
    Frame::queue(frame::current().as_deref(), Box::new(callback), false);
}

/// Like [`on_commit`], but a panic in `callback` is caught and the next
/// callback runs (Django's `robust=True`). The panic hook prints it as
/// usual; with the `tracing` feature it is also an ERROR event of the
/// `signals` target.
pub fn on_commit_robust(callback: impl FnOnce() + Send + 'static) {
    Frame::queue(frame::current().as_deref(), Box::new(callback), true);
}

/// Whether a transaction is current here and still open (see
/// [`on_commit`]).
#[must_use]
pub fn in_transaction() -> bool {
    frame::current().is_some_and(|frame| frame.is_open())
}

/// A handle on the on-commit queue of one transaction, or of none (then
/// callbacks run at once): cheap to clone, `Send` and `Sync`, for code that
/// runs outside the transaction's body, such as a task it spawns.
///
/// ```
/// # use signals_core as signals;
/// use std::sync::{Arc, Mutex};
/// use signals::models::{transaction, OnCommit};
///
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let handle = transaction((), |()| {
///     let handle = OnCommit::current();
///     let l = log.clone();
///     // Another thread queues into this transaction.
///     let h = handle.clone();
///     std::thread::spawn(move || h.on_commit(move || l.lock().unwrap().push("sent")))
///         .join()
///         .unwrap();
///     assert!(log.lock().unwrap().is_empty());
///     Ok::<_, ()>(handle)
/// }, |()| Ok(()))?;
/// assert_eq!(*log.lock().unwrap(), ["sent"]);
/// // The transaction has committed: its handle now runs callbacks at once.
/// assert!(!handle.is_open());
/// # Ok::<(), ()>(())
/// ```
#[derive(Clone, Default)]
pub struct OnCommit {
    frame: Option<Arc<Frame>>,
}

impl OnCommit {
    /// The handle of the current transaction (see [`on_commit`]), or of
    /// none.
    #[must_use]
    pub fn current() -> OnCommit {
        OnCommit {
            frame: frame::current(),
        }
    }

    /// Whether callbacks queued through this handle wait for a commit: its
    /// transaction (or the outer one it was merged into) is still open.
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.frame.as_ref().is_some_and(|frame| frame.is_open())
    }

    /// Queues `callback` into this handle's transaction, as [`on_commit`]
    /// does into the current one. Once that transaction has committed, runs
    /// it at once; once it has rolled back, drops it.
    pub fn on_commit(&self, callback: impl FnOnce() + Send + 'static) {
        Frame::queue(self.frame.as_deref(), Box::new(callback), false);
    }

    /// [`on_commit_robust`] for this handle's transaction.
    pub fn on_commit_robust(&self, callback: impl FnOnce() + Send + 'static) {
        Frame::queue(self.frame.as_deref(), Box::new(callback), true);
    }

    /// Runs `body` with this handle's transaction current on this thread.
    pub fn enter<R>(&self, body: impl FnOnce() -> R) -> R {
        let _installed = Installed::new(self.frame.clone());
        body()
    }

    /// Wraps `future` so that this handle's transaction is current while it
    /// is polled, whichever thread polls it (each poll installs it and puts
    /// back what was current before).
    pub fn scope<F: Future>(&self, future: F) -> impl Future<Output = F::Output> + use<F> {
        let handle = self.clone();
        async move {
            let mut future = pin!(future);
            poll_fn(|cx| handle.enter(|| future.as_mut().poll(cx))).await
        }
    }
}

impl fmt::Debug for OnCommit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnCommit")
            .field("in_transaction", &self.frame.is_some())
            .field("open", &self.is_open())
            .finish()
    }
}

/// The on-commit side of one transaction, for code that drives the
/// transaction itself (an ORM integration, a hand-written `BEGIN …
/// COMMIT`): open it when the transaction begins, run the transaction's code
/// in it, and report how the transaction ended.
///
/// Nested scopes are Django's savepoints: a scope opened while another is
/// current is its child; when the child's commit succeeds its callbacks join
/// the parent's (in registration order) and run after the *outermost*
/// commit; when the child rolls back, only the callbacks queued into it are
/// dropped. A scope dropped without either call rolls back.
///
/// ```
/// # use signals_core as signals;
/// use std::sync::{Arc, Mutex};
/// use signals::models::{on_commit, TransactionScope};
///
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let outer = TransactionScope::open();
/// outer.enter(|| {
///     let l = log.clone();
///     on_commit(move || l.lock().unwrap().push("outer"));
///     let savepoint = TransactionScope::open();
///     let l = log.clone();
///     savepoint.enter(|| on_commit(move || l.lock().unwrap().push("rolled back")));
///     savepoint.rolled_back();
///     let savepoint = TransactionScope::open();
///     let l = log.clone();
///     savepoint.enter(|| on_commit(move || l.lock().unwrap().push("inner")));
///     savepoint.commit_succeeded(); // joins the outer transaction
/// });
/// assert!(log.lock().unwrap().is_empty());
/// outer.commit_succeeded(); // outermost: the callbacks run now
/// assert_eq!(*log.lock().unwrap(), ["outer", "inner"]);
/// ```
pub struct TransactionScope {
    frame: Arc<Frame>,
}

impl TransactionScope {
    /// Opens a scope for a transaction that begins now: nested in the
    /// current transaction, if there is one.
    #[must_use]
    pub fn open() -> TransactionScope {
        TransactionScope {
            frame: Frame::open(frame::current()),
        }
    }

    /// A handle to queue callbacks into this transaction from elsewhere.
    #[must_use]
    pub fn handle(&self) -> OnCommit {
        OnCommit {
            frame: Some(Arc::clone(&self.frame)),
        }
    }

    /// Runs `body` with this transaction current on this thread.
    pub fn enter<R>(&self, body: impl FnOnce() -> R) -> R {
        let _installed = Installed::new(Some(Arc::clone(&self.frame)));
        body()
    }

    /// Wraps `future` so that this transaction is current while it is
    /// polled, on whatever thread (see [`OnCommit::scope`]).
    pub fn scope<F: Future>(&self, future: F) -> impl Future<Output = F::Output> + use<F> {
        self.handle().scope(future)
    }

    /// The database commit succeeded: a nested scope hands its callbacks to
    /// its parent; an outermost one runs them now, in registration order,
    /// with no transaction current. A panicking callback propagates from
    /// here (unless queued with `on_commit_robust`).
    pub fn commit_succeeded(self) {
        self.frame.commit();
    }

    /// The transaction rolled back: its callbacks are dropped unrun.
    pub fn rolled_back(self) {
        drop(self);
    }
}

impl Drop for TransactionScope {
    fn drop(&mut self) {
        // After `commit_succeeded` this does nothing: the frame has ended.
        self.frame.roll_back();
    }
}

impl fmt::Debug for TransactionScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransactionScope")
            .field("open", &self.frame.is_open())
            .finish()
    }
}

/// The durable outbox's side of a transaction scope: an outbox transaction
/// opens a *writer* scope and takes the events sent in it right before its
/// database commit (see `frame/events.rs`).
#[cfg(feature = "durable")]
impl TransactionScope {
    /// Opens a scope whose transaction writes the durable events sent in
    /// it, and in the scopes nested in it; nested in the current
    /// transaction, if there is one.
    pub(crate) fn open_writer() -> TransactionScope {
        TransactionScope {
            frame: Frame::open_writer(frame::current()),
        }
    }

    /// The events to write now, in the order they were sent; the scope
    /// refuses events from now on.
    pub(crate) fn take_events(&self) -> Vec<crate::durable::Event> {
        self.frame.take_events()
    }
}

/// Queues a durable event into the current transaction, if an outbox
/// transaction is open at or above it.
#[cfg(feature = "durable")]
pub(crate) fn queue_event(event: crate::durable::Event) -> Result<(), frame::Refusal> {
    frame::push_event(frame::current().as_deref(), event)
}
