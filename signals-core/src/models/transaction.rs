//! On-commit delivery: work that must only happen once data is committed.
//!
//! Django runs `post_save` receivers inside the save's transaction, so an
//! email sent from one can announce a row that is then rolled back; users
//! are told to wrap such side effects in `transaction.on_commit`. Here the
//! same tool is first-class:
//!
//! - [`transaction`] runs your body and your commit; callbacks queued with
//!   [`on_commit`] while it runs are called after the commit succeeds, in the
//!   order they were queued, and dropped if the body or the commit fails (or
//!   panics). Nested transactions hand their callbacks to the outer one, so
//!   they run after the outermost commit.
//! - A receiver is marked for on-commit delivery either by queuing its work
//!   with [`on_commit`] (any `#[receiver]`), or by connecting it with
//!   [`Signal::connect_on_commit`]: it captures what it needs from the
//!   borrowed arguments when the signal is sent, and the closure it returns
//!   runs after the commit.
//!
//! The queue belongs to the current thread: call [`on_commit`] from the
//! thread running the transaction (model signals are sent with `send`, on
//! that thread). Outside any transaction a callback runs at once (Django's
//! autocommit behaviour).

use std::cell::RefCell;

use crate::connect::{ConnectOptions, Connection};
use crate::def::SignalDef;
use crate::error::ConnectError;
use crate::sender::Sender;
use crate::signal::Signal;

type Callback = Box<dyn FnOnce()>;

thread_local! {
    /// One queue per open transaction on this thread, innermost last.
    static QUEUES: RefCell<Vec<Vec<Callback>>> = const { RefCell::new(Vec::new()) };
}

/// Whether a [`transaction`] is open on this thread.
#[must_use]
pub fn in_transaction() -> bool {
    QUEUES.with(|queues| !queues.borrow().is_empty())
}

/// Runs `callback` after the current thread's [`transaction`] commits, or
/// now when no transaction is open. A rollback drops it unrun.
pub fn on_commit(callback: impl FnOnce() + 'static) {
    let queued = QUEUES.with(|queues| match queues.borrow_mut().last_mut() {
        Some(queue) => {
            queue.push(Box::new(callback));
            None
        }
        None => Some(callback),
    });
    if let Some(callback) = queued {
        callback();
    }
}

/// Closes the innermost queue however the transaction ends. Declared before
/// the user's code runs so a panic in it rolls back too.
struct Frame {
    committed: bool,
}

impl Frame {
    fn open() -> Frame {
        QUEUES.with(|queues| queues.borrow_mut().push(Vec::new()));
        Frame { committed: false }
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        let Some(queue) = QUEUES.with(|queues| queues.borrow_mut().pop()) else {
            return;
        };
        if !self.committed {
            // Rolled back: drop the callbacks unrun (outside the borrow, in
            // case dropping one queues something).
            drop(queue);
            return;
        }
        let outer = QUEUES.with(|queues| match queues.borrow_mut().last_mut() {
            Some(outer) => {
                outer.extend(queue);
                None
            }
            None => Some(queue),
        });
        // Outermost commit: run in order, with no borrow held, so a callback
        // may open a transaction or queue more work (which then runs at once).
        for callback in outer.into_iter().flatten() {
            callback();
        }
    }
}

/// Runs `body` with the transaction handle `tx`, then `commit(tx)`, and
/// delivers the [`on_commit`] callbacks queued meanwhile once the commit has
/// succeeded. If `body` or `commit` fails (or panics), the callbacks are
/// dropped unrun and the error is returned; `tx` is dropped, which rolls
/// back for the usual transaction types.
///
/// ```
/// # use signals_core as signals;
/// use signals::models::{on_commit, transaction};
/// let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
/// let l = log.clone();
/// let result: Result<(), &str> = transaction((), |_tx| {
///     on_commit(move || l.borrow_mut().push("sent"));
///     Err("constraint violated")
/// }, |_tx| Ok(()));
/// assert!(result.is_err());
/// assert!(log.borrow().is_empty());
/// ```
///
/// # Errors
///
/// Whatever `body` or `commit` returns.
pub fn transaction<Tx, T, E>(
    tx: Tx,
    body: impl FnOnce(&Tx) -> Result<T, E>,
    commit: impl FnOnce(Tx) -> Result<(), E>,
) -> Result<T, E> {
    let mut frame = Frame::open();
    let value = body(&tx)?;
    commit(tx)?;
    frame.committed = true;
    drop(frame);
    Ok(value)
}

impl<D: SignalDef<Response = ()>> Signal<D> {
    /// Connects a receiver for on-commit delivery: `capture` runs when the
    /// signal is sent, takes what it needs from the borrowed arguments, and
    /// returns the work to do; that work runs through [`on_commit`], after
    /// the current [`transaction`] commits (at once outside one, never after
    /// a rollback).
    ///
    /// # Errors
    ///
    /// As [`connect_with`](Self::connect_with).
    #[track_caller]
    pub fn connect_on_commit<F, J>(
        &self,
        options: ConnectOptions,
        capture: F,
    ) -> Result<Connection<'_, D>, ConnectError>
    where
        F: for<'a, 'b> Fn(Sender, &'b D::Args<'a>) -> J + Send + Sync + 'static,
        J: FnOnce() + 'static,
    {
        self.connect_with(options, move |sender, args: &D::Args<'_>| {
            on_commit(capture(sender, args))
        })
    }
}
