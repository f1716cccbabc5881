//! Sending: `send`, `send_robust`, `asend`, `asend_robust`.
//!
//! Every variant reads one table snapshot (see [`crate::signal`]), calls the
//! matching sync receivers one at a time in dispatch order, then the async
//! ones concurrently, and returns responses in that same order: sync
//! receivers first, then async receivers in dispatch order (not completion
//! order). The plain send path takes no lock, writes no shared memory and,
//! when the response type is `()`, allocates nothing.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::error::panic_message;
use crate::executor::{CatchUnwind, JoinOrdered, block_on};
use crate::signal::{DYNAMIC, EMPTY, STATIC};
use crate::table::{Bucket, Fast, Table};
use crate::{ReceiverError, Sender, Signal, SignalDef};

/// The per-receiver outcome of `send_robust` and `asend_robust`.
pub type RobustResponse<R> = Result<R, ReceiverError>;

/// Calls `call` on every element of `calls` in order and collects the
/// responses.
#[inline(always)]
fn call_all<C, R: 'static>(calls: &[C], call: impl Fn(&C) -> Option<R>) -> Vec<R> {
    let mut units: Option<Vec<R>> = None;
    if let Some(units) = (&mut units as &mut dyn Any).downcast_mut::<Option<Vec<()>>>() {
        // `R` is `()` (decided at compile time). Pushing would keep the
        // vector's length in memory, a store-to-load round trip per receiver
        // that costs as much as the call; count in a register instead. A
        // vector of `()` never allocates.
        let mut count = 0;
        for c in calls {
            count += usize::from(call(c).is_some());
        }
        *units = Some(vec![(); count]);
    }
    if let Some(units) = units {
        return units;
    }
    let mut responses = Vec::with_capacity(calls.len());
    for c in calls {
        if let Some(response) = call(c) {
            responses.push(response);
        }
    }
    responses
}

/// A table kept alive across the awaits of `asend`.
pub(crate) enum Snapshot<'s, D: SignalDef> {
    Static(&'s Table<D>),
    Shared(Arc<Table<D>>),
}

impl<D: SignalDef> Snapshot<'_, D> {
    pub(crate) fn table(&self) -> &Table<D> {
        match self {
            Snapshot::Static(table) => table,
            Snapshot::Shared(table) => table,
        }
    }
}

impl<D: SignalDef> Signal<D> {
    /// Sends the signal: calls every matching receiver and returns their
    /// responses (sync receivers in dispatch order, then async ones).
    ///
    /// A receiver's panic propagates to the caller once the receivers before
    /// it have run; the signal stays fully usable. Async receivers are driven
    /// to completion on this thread by a small built-in executor. That works
    /// for futures that are woken by other threads (channels, timers of a
    /// runtime running elsewhere), but inside an async runtime prefer
    /// [`asend`](Self::asend): blocking a runtime worker on a future that
    /// needs that same worker (e.g. on a current-thread tokio runtime) would
    /// never finish.
    #[inline]
    pub fn send(&self, sender: Sender, args: &D::Args<'_>) -> Vec<D::Response> {
        #[cfg(feature = "tracing")]
        if crate::trace::enabled() {
            return crate::trace::send(self, sender, args);
        }
        // Inlined into the caller: a signal nobody listens to costs one load.
        let state = self.state.load(Ordering::Acquire);
        if state == EMPTY {
            return Vec::new();
        }
        self.send_listened(state, sender, args)
    }

    /// The send path once someone may listen, kept out of `send` so that
    /// what is inlined into callers stays one load and a branch. The common
    /// case (a table of plain sync receivers) is a couple of loads and the
    /// call loop.
    fn send_listened(&self, state: u8, sender: Sender, args: &D::Args<'_>) -> Vec<D::Response> {
        self.visit(state, |table| {
            self.send_in(table.bucket(&sender), sender, args)
        })
    }

    /// Runs `f` on the table a send starting now uses, given the state word
    /// the caller just read: the static table costs one more load, a runtime
    /// table an `arc-swap` guard (no shared write). Anything else (first
    /// send, racing a state change) takes the slow path.
    #[inline(always)]
    fn visit<R>(&self, state: u8, f: impl FnOnce(&Table<D>) -> R) -> R {
        // The guard, if any, lives until `f` has returned.
        let guard;
        let table = match state {
            STATIC => self.static_table.get(),
            DYNAMIC => {
                guard = self.current.load();
                guard.as_deref()
            }
            _ => None,
        };
        match table {
            Some(table) => f(table),
            None => self.visit_slow(f),
        }
    }

    #[cold]
    #[inline(never)]
    fn visit_slow<R>(&self, f: impl FnOnce(&Table<D>) -> R) -> R {
        let mut f = Some(f);
        // `with_table` resolves first if needed; an empty signal has an
        // empty table too, so `f` always runs exactly once.
        if let Some(result) = self.with_table(|table| f.take().map(|f| f(table)), || None) {
            return result;
        }
        let empty = Table::build(&[]);
        (f.take().expect("`f` not run yet"))(&empty)
    }

    #[inline(always)]
    fn send_in(&self, bucket: &Bucket<D>, sender: Sender, args: &D::Args<'_>) -> Vec<D::Response> {
        // With `()` responses these vectors are zero-sized: no allocation.
        // A `None` from a call only means a narrowed receiver did not apply.
        match &bucket.fast {
            Fast::Static(calls) => call_all(calls, |call| call(sender, args)),
            Fast::Dyn(calls) => call_all(calls, |call| call(sender, args)),
            Fast::No => self.send_mixed(bucket, sender, args),
        }
    }

    /// A bucket with async or weak receivers.
    #[inline(never)]
    fn send_mixed(
        &self,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<D::Response> {
        let mut responses = self.sync_slots(bucket, sender, args);
        if !bucket.r#async.is_empty() {
            let futures = self.start_futures(bucket, sender, args);
            responses.extend(block_on(JoinOrdered::new(futures)));
        }
        responses
    }

    /// Calls the sync receivers of `bucket`, through its fast slice when it
    /// has one.
    #[inline(always)]
    fn sync_responses(
        &self,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<D::Response> {
        match &bucket.fast {
            Fast::Static(calls) => call_all(calls, |call| call(sender, args)),
            Fast::Dyn(calls) => call_all(calls, |call| call(sender, args)),
            Fast::No => self.sync_slots(bucket, sender, args),
        }
    }

    /// Calls the sync receivers of `bucket` one slot at a time, then prunes
    /// weak receivers found dead.
    #[inline(never)]
    fn sync_slots(
        &self,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<D::Response> {
        let mut responses = Vec::with_capacity(bucket.len());
        let mut saw_dead = false;
        for slot in &*bucket.sync {
            match slot.call.call(sender, args) {
                Some(response) => responses.push(response),
                None => saw_dead |= slot.weak,
            }
        }
        if saw_dead {
            self.prune_dead();
        }
        responses
    }

    /// Creates the futures of the async receivers of `bucket`, in order.
    fn start_futures<'b>(
        &self,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &'b D::Args<'_>,
    ) -> Vec<crate::BoxFuture<'b, D::Response>> {
        let mut futures = Vec::with_capacity(bucket.r#async.len());
        for slot in &*bucket.r#async {
            futures.extend(slot.call.call(sender, args));
        }
        futures
    }

    /// Like [`send`](Self::send), but calls every receiver whatever happens:
    /// a receiver that panics yields an `Err` naming it and carrying the
    /// panic message, and the next receiver runs. Only panics that unwind are
    /// caught: under `panic = "abort"` the process ends.
    pub fn send_robust(
        &self,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<RobustResponse<D::Response>> {
        #[cfg(feature = "tracing")]
        if crate::trace::robust_enabled() {
            return crate::trace::send_robust(self, sender, args);
        }
        let state = self.state.load(Ordering::Acquire);
        if state == EMPTY {
            return Vec::new();
        }
        self.visit(state, |table| {
            self.send_robust_in(table.bucket(&sender), sender, args)
        })
    }

    fn send_robust_in(
        &self,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<RobustResponse<D::Response>> {
        let mut responses = Vec::with_capacity(bucket.len());
        self.sync_robust(bucket, sender, args, &mut responses);
        if !bucket.r#async.is_empty() {
            let (futures, infos) = self.start_robust(bucket, sender, args);
            let outcomes = block_on(JoinOrdered::new(futures));
            self.collect_robust(outcomes, &infos, sender, &mut responses);
        }
        responses
    }

    /// Calls the sync receivers of `bucket` under a panic guard each, then
    /// prunes weak receivers found dead.
    fn sync_robust(
        &self,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &D::Args<'_>,
        responses: &mut Vec<RobustResponse<D::Response>>,
    ) {
        match &bucket.fast {
            Fast::Static(calls) => {
                return self.robust_fast(
                    bucket,
                    calls,
                    |call| call(sender, args),
                    sender,
                    responses,
                );
            }
            Fast::Dyn(calls) => {
                return self.robust_fast(
                    bucket,
                    calls,
                    |call| call(sender, args),
                    sender,
                    responses,
                );
            }
            Fast::No => {}
        }
        let mut saw_dead = false;
        for slot in &*bucket.sync {
            match catch_unwind(AssertUnwindSafe(|| slot.call.call(sender, args))) {
                Ok(Some(response)) => responses.push(Ok(response)),
                Ok(None) => saw_dead |= slot.weak,
                Err(payload) => {
                    responses.push(Err(self.failure(&slot.entry.info, sender, &*payload)));
                }
            }
        }
        if saw_dead {
            self.prune_dead();
        }
    }

    /// The `send_robust` loop over a bucket's fast slice, which runs parallel
    /// to `bucket.sync` (where a failing receiver's name is).
    #[inline(always)]
    fn robust_fast<C>(
        &self,
        bucket: &Bucket<D>,
        calls: &[C],
        call: impl Fn(&C) -> Option<D::Response>,
        sender: Sender,
        responses: &mut Vec<RobustResponse<D::Response>>,
    ) {
        for (at, c) in calls.iter().enumerate() {
            match catch_unwind(AssertUnwindSafe(|| call(c))) {
                Ok(Some(response)) => responses.push(Ok(response)),
                Ok(None) => {}
                Err(payload) => {
                    let info = &bucket.sync[at].entry.info;
                    responses.push(Err(self.failure(info, sender, &*payload)));
                }
            }
        }
    }

    /// Sends the signal from async code: runs the sync receivers in order,
    /// then awaits the async receivers concurrently in this task (no spawn,
    /// no particular runtime). Responses come in the same order as
    /// [`send`](Self::send). A panic propagates and drops the async receivers
    /// still pending.
    pub async fn asend(&self, sender: Sender, args: &D::Args<'_>) -> Vec<D::Response> {
        #[cfg(feature = "tracing")]
        if crate::trace::enabled() {
            return crate::trace::asend(self, sender, args).await;
        }
        let state = self.state.load(Ordering::Acquire);
        if state == EMPTY {
            return Vec::new();
        }
        // The table is only needed to start the receivers, so a guard (no
        // reference count) suffices and is gone before the first await.
        let (mut responses, futures) = self.visit(state, |table| {
            self.start_async(table.bucket(&sender), sender, args)
        });
        if !futures.is_empty() {
            responses.extend(JoinOrdered::new(futures).await);
        }
        responses
    }

    /// Runs the sync receivers of `bucket` and starts its async ones.
    #[allow(clippy::type_complexity)] // a local pair, named at its only use
    fn start_async<'b>(
        &self,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &'b D::Args<'_>,
    ) -> (Vec<D::Response>, Vec<crate::BoxFuture<'b, D::Response>>) {
        let responses = self.sync_responses(bucket, sender, args);
        (responses, self.start_futures(bucket, sender, args))
    }

    /// The async counterpart of [`send_robust`](Self::send_robust): every
    /// receiver runs, a failing async receiver does not cancel its siblings,
    /// and each failure is reported by name.
    pub async fn asend_robust(
        &self,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<RobustResponse<D::Response>> {
        #[cfg(feature = "tracing")]
        if crate::trace::robust_enabled() {
            return crate::trace::asend_robust(self, sender, args).await;
        }
        let Some(snapshot) = self.snapshot() else {
            return Vec::new();
        };
        let bucket = snapshot.table().bucket(&sender);
        let mut responses = Vec::with_capacity(bucket.len());
        self.sync_robust(bucket, sender, args, &mut responses);
        if !bucket.r#async.is_empty() {
            let (futures, infos) = self.start_robust(bucket, sender, args);
            drop(snapshot);
            let outcomes = JoinOrdered::new(futures).await;
            self.collect_robust(outcomes, &infos, sender, &mut responses);
        }
        responses
    }

    /// The current table, kept alive independently of the state word.
    pub(crate) fn snapshot(&self) -> Option<Snapshot<'_, D>> {
        loop {
            match self.state.load(Ordering::Acquire) {
                EMPTY => return None,
                STATIC => {
                    if let Some(table) = self.static_table.get() {
                        return Some(Snapshot::Static(table));
                    }
                }
                DYNAMIC => {
                    if let Some(table) = self.current.load_full() {
                        return Some(Snapshot::Shared(table));
                    }
                }
                _ => {}
            }
            self.resolve();
        }
    }

    /// Starts every async receiver of `bucket` under a panic guard. A receiver
    /// that panics while creating its future is reported at once.
    #[allow(clippy::type_complexity)] // a local pair, named at its only use
    fn start_robust<'b>(
        &self,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &'b D::Args<'_>,
    ) -> (
        Vec<crate::BoxFuture<'b, Result<D::Response, Box<dyn std::any::Any + Send>>>>,
        Vec<crate::ReceiverInfo>,
    ) {
        let mut futures: Vec<crate::BoxFuture<'b, _>> = Vec::with_capacity(bucket.r#async.len());
        let mut infos = Vec::with_capacity(bucket.r#async.len());
        for slot in &*bucket.r#async {
            // A panic while creating the future becomes a ready failure, so the
            // outcomes stay in dispatch order.
            let future: crate::BoxFuture<'b, _> =
                match catch_unwind(AssertUnwindSafe(|| slot.call.call(sender, args))) {
                    Ok(Some(future)) => Box::pin(CatchUnwind::new(future)),
                    Ok(None) => continue,
                    Err(payload) => Box::pin(std::future::ready(Err(payload))),
                };
            futures.push(future);
            infos.push(slot.entry.info.clone());
        }
        (futures, infos)
    }

    fn collect_robust(
        &self,
        outcomes: Vec<Result<D::Response, Box<dyn std::any::Any + Send>>>,
        infos: &[crate::ReceiverInfo],
        sender: Sender,
        responses: &mut Vec<RobustResponse<D::Response>>,
    ) {
        for (outcome, info) in outcomes.into_iter().zip(infos) {
            responses.push(outcome.map_err(|payload| self.failure(info, sender, &*payload)));
        }
    }

    fn failure(
        &self,
        info: &crate::ReceiverInfo,
        sender: Sender,
        payload: &(dyn std::any::Any + Send),
    ) -> ReceiverError {
        ReceiverError::new(info.clone(), sender, panic_message(payload))
    }
}
