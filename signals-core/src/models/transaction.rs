//! On-commit delivery: work that must only happen once data is committed.
//!
//! Django runs `post_save` receivers inside the save's transaction, so an
//! email sent from one can announce a row that is then rolled back; users
//! are told to wrap such side effects in `transaction.on_commit`. Here the
//! same tool is first-class:
//!
//! - [`transaction`] (sync) and [`atransaction`] (async) run your body and
//!   your commit; callbacks queued with [`on_commit`] while the body runs
//!   are called after the commit succeeds, and dropped if the body or the
//!   commit fails (or panics, or the future is dropped).
//! - A receiver is marked for on-commit delivery either by queuing its work
//!   with [`on_commit`] (any `#[receiver]`), or by connecting it with
//!   [`Signal::connect_on_commit`]: it captures what it needs from the
//!   borrowed arguments when the signal is sent, and the closure it returns
//!   runs after the commit.
//!
//! # Which transaction is current
//!
//! The queue follows the code of the transaction, not a thread: the sync
//! body runs with its transaction current on its thread, and the async body
//! is a future that makes its transaction current around each poll, so a
//! task that resumes on another worker thread of a multi-thread runtime
//! still queues into its own transaction, and two transactions running
//! concurrently on one runtime never see each other's callbacks. Receivers
//! that `send` or `asend` runs from the body queue into it too. Work that
//! runs outside the body (a task it spawns) takes an [`OnCommit`](super::OnCommit) handle
//! along (`OnCommit::current()`), or wraps its future with
//! [`OnCommit::scope`](super::OnCommit::scope). Integrations that drive their own transactions use
//! [`TransactionScope`], on which both helpers are built.
//!
//! # Django's rules, and what is supported
//!
//! - Outside any transaction a callback runs at once (autocommit).
//! - After the commit, callbacks run once each, in registration order, with
//!   no transaction current: a callback that calls [`on_commit`] runs that
//!   one at once.
//! - A rollback drops the callbacks unrun.
//! - Nesting is savepoints: a transaction opened inside another one's body
//!   is nested; when its commit succeeds its callbacks join the outer ones
//!   (in registration order) and run after the *outermost* commit; when it
//!   rolls back, only the callbacks queued into it are dropped.
//! - A panicking callback propagates out of the commit and the callbacks
//!   after it are dropped, unless it was queued with
//!   [`on_commit_robust`](super::on_commit_robust)
//!   (Django's `robust=True`): then the panic is caught, reported (panic
//!   hook; an ERROR event with `tracing`) and the next callback runs.
//! - Callbacks are `FnOnce() + Send + 'static`: the queue may move between
//!   threads with its task. For async work after the commit, spawn it from
//!   the callback: `on_commit(move || { tokio::spawn(notify(id)); })`.
//! - Not supported: Django's `using` (one queue per database alias; here
//!   the queue is the current transaction's, whatever database it is on),
//!   `durable=True`, and `captureOnCommitCallbacks` (test by committing, or
//!   by rolling back to see that nothing runs).

use crate::connect::{ConnectOptions, Connection};
use crate::def::SignalDef;
use crate::error::ConnectError;
use crate::sender::Sender;
use crate::signal::Signal;

use super::on_commit::{TransactionScope, on_commit};

/// Runs `body` with the transaction handle `tx`, then `commit(tx)`, and
/// delivers the [`on_commit`] callbacks queued meanwhile once the commit has
/// succeeded. If `body` or `commit` fails (or panics), the callbacks are
/// dropped unrun and the error is returned; `tx` is dropped, which rolls
/// back for the usual transaction types.
///
/// ```
/// # use signals_core as signals;
/// use std::sync::{Arc, Mutex};
/// use signals::models::{on_commit, transaction};
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let l = log.clone();
/// let result: Result<(), &str> = transaction((), |_tx| {
///     on_commit(move || l.lock().unwrap().push("sent"));
///     Err("constraint violated")
/// }, |_tx| Ok(()));
/// assert!(result.is_err());
/// assert!(log.lock().unwrap().is_empty());
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
    let scope = TransactionScope::open();
    // An error or a panic drops `scope` unended: a rollback.
    let value = scope.enter(|| {
        let value = body(&tx)?;
        commit(tx)?;
        Ok(value)
    })?;
    scope.commit_succeeded();
    Ok(value)
}

/// The async [`transaction`]: runs `body` with the transaction handle `tx`,
/// then `commit(tx)`, and delivers the [`on_commit`] callbacks queued
/// meanwhile once the commit has succeeded, whichever threads the task ran
/// on. If `body` or `commit` fails (or panics, or this future is dropped
/// before the end), the callbacks are dropped unrun and `tx` is dropped,
/// which rolls back for the usual transaction types (sqlx, SeaORM).
///
/// `body` gets `tx` mutably, as async drivers need to run queries on it.
///
/// ```
/// # use signals_core as signals;
/// use std::sync::{Arc, Mutex};
/// use signals::models::{atransaction, on_commit};
/// # futures::executor::block_on(async {
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let l = log.clone();
/// let rows = atransaction(
///     Vec::new(),
///     async |tx: &mut Vec<&str>| {
///         tx.push("INSERT …");
///         on_commit(move || l.lock().unwrap().push("mail sent"));
///         Ok::<_, ()>(tx.len())
///     },
///     async |tx| {
///         assert_eq!(tx, ["INSERT …"]); // COMMIT
///         Ok(())
///     },
/// )
/// .await?;
/// assert_eq!((rows, log.lock().unwrap().clone()), (1, vec!["mail sent"]));
/// # Ok::<(), ()>(())
/// # }).unwrap();
/// ```
///
/// # Errors
///
/// Whatever `body` or `commit` returns.
pub async fn atransaction<Tx, T, E>(
    mut tx: Tx,
    body: impl AsyncFnOnce(&mut Tx) -> Result<T, E>,
    commit: impl AsyncFnOnce(Tx) -> Result<(), E>,
) -> Result<T, E> {
    let scope = TransactionScope::open();
    let value = scope
        .scope(async {
            let value = body(&mut tx).await?;
            commit(tx).await?;
            Ok(value)
        })
        .await?;
    scope.commit_succeeded();
    Ok(value)
}

impl<D: SignalDef<Response = ()>> Signal<D> {
    /// Connects a receiver for on-commit delivery: `capture` runs when the
    /// signal is sent, takes what it needs from the borrowed arguments, and
    /// returns the work to do; that work runs through [`on_commit`], after
    /// the current [`transaction`] or [`atransaction`] commits (at once
    /// outside one, never after a rollback).
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use std::sync::{Arc, Mutex};
    /// use signals::{ConnectOptions, Sender};
    /// use signals::models::transaction;
    ///
    /// signal! { static ORDER_PAID: u64; }
    ///
    /// let mails = Arc::new(Mutex::new(Vec::new()));
    /// let outbox = Arc::clone(&mails);
    /// ORDER_PAID.connect_on_commit(ConnectOptions::new(), move |_, order: &u64| {
    ///     // Runs at send time: take what the work needs from the arguments.
    ///     let (order, outbox) = (*order, Arc::clone(&outbox));
    ///     move || outbox.lock().unwrap().push(format!("receipt for order {order}"))
    /// })?;
    ///
    /// let paid: Result<(), &str> = transaction((), |_tx| {
    ///     ORDER_PAID.send(Sender::NONE, &7);
    ///     Ok(())
    /// }, |_tx| Ok(()));
    /// assert!(paid.is_ok());
    /// let failed: Result<(), &str> = transaction((), |_tx| {
    ///     ORDER_PAID.send(Sender::NONE, &8);
    ///     Err("card declined") // rolled back: no receipt
    /// }, |_tx| Ok(()));
    /// assert!(failed.is_err());
    /// assert_eq!(*mails.lock().unwrap(), ["receipt for order 7"]);
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
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
        J: FnOnce() + Send + 'static,
    {
        self.connect_with(options, move |sender, args: &D::Args<'_>| {
            on_commit(capture(sender, args));
        })
    }
}
