//! Sending: `send`, `send_robust`, `asend`, `asend_robust`.
//!
//! Every send is one straight walk: the signal's state word, then its table
//! (one snapshot, see `signal.rs`), then the bucket of receivers its sender
//! reaches (see `table.rs`), then each receiver. The sync receivers run one
//! at a time in dispatch order, then the async ones concurrently, and the
//! responses come back in that same order: sync receivers first, then async
//! receivers in dispatch order (not completion order).
//!
//! Each step is written once and shared by the four methods: one loop over
//! sync receivers (`call_fast` over a bucket's fast slice, else
//! `call_slots`), one that catches panics (`call_sync_robust`), one that
//! starts async receivers (`start_async`) and one that starts them under a
//! panic guard (`start_async_robust`), and one place where a blocking send
//! waits for its async receivers (`complete`), after asking, before any
//! receiver runs, whether this thread may wait at all (`wait.rs`). Every
//! step is generic over a `Hook` (see `hook.rs`): `Silent` for the plain path, which compiles to the
//! bare loop, or `trace::Traced` under the `tracing` feature when a
//! subscriber listens; `with_receivers.rs` runs the same steps with
//! `hook::Paired`, which collects each response with its receiver. Each
//! public method only picks the hook: `trace`'s static check, then the plain
//! path, whose first step (one load, the state word) is inlined into the
//! caller. The plain send path takes no lock, writes no shared memory and,
//! when the response type is `()`, allocates nothing.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::def::{BoxFuture, SignalDef};
use crate::error::{FailureKind, ReceiverError, panic_message};
use crate::executor::{CatchUnwind, JoinOrdered};
use crate::hook::{Hook, SendKind, Silent};
use crate::receiver::ReceiverInfo;
use crate::sender::Sender;
use crate::signal::{Signal, State};
use crate::table::{Bucket, Fast};
#[cfg(feature = "tracing")]
use crate::trace::{self, Traced};
use crate::wait::{self, Refused, Wait};

/// The per-receiver outcome of `send_robust` and `asend_robust`.
pub type RobustResponse<R> = Result<R, ReceiverError>;

/// A panic caught while running an async receiver.
type Caught<R> = Result<R, Box<dyn Any + Send>>;

/// The items of an async send's sync receivers, and the futures of the
/// items of its async receivers.
type Started<'b, T> = (Vec<T>, Vec<BoxFuture<'b, T>>);

/// The futures of a robust send's async receivers, and who they belong to.
type StartedRobust<'b, R> = (Vec<BoxFuture<'b, Caught<R>>>, Vec<Arc<ReceiverInfo>>);

/// The items of a robust async send's sync receivers (for hook `H`), and
/// its async receivers started, if it has any.
type StartedRobustAsync<'b, H, D> = (
    Vec<RobustItem<H, D>>,
    Option<StartedRobust<'b, <D as SignalDef>::Response>>,
);

/// What hook `H` collects for a response of signal `D`.
type Item<H, D> = <H as Hook>::Item<<D as SignalDef>::Response>;

/// What hook `H` collects for an outcome of a robust send of signal `D`.
type RobustItem<H, D> = <H as Hook>::Item<RobustResponse<<D as SignalDef>::Response>>;

/// Calls `call` on every element of `calls` in order, with its position,
/// and collects the items it returns.
#[inline(always)]
fn call_all<C, T: 'static>(calls: &[C], call: impl Fn(usize, &C) -> Option<T>) -> Vec<T> {
    let mut units: Option<Vec<T>> = None;
    if let Some(units) = (&mut units as &mut dyn Any).downcast_mut::<Option<Vec<()>>>() {
        // `T` is `()` (decided at compile time). Pushing would keep the
        // vector's length in memory, a store-to-load round trip per receiver
        // that costs as much as the call; count in a register instead. A
        // vector of `()` never allocates.
        let mut count = 0;
        // By index: when every call answers, the count is the length itself.
        #[allow(clippy::needless_range_loop)]
        for at in 0..calls.len() {
            count += usize::from(call(at, &calls[at]).is_some());
        }
        *units = Some(vec![(); count]);
    }
    if let Some(units) = units {
        return units;
    }
    let mut items = Vec::with_capacity(calls.len());
    for (at, c) in calls.iter().enumerate() {
        if let Some(item) = call(at, c) {
            items.push(item);
        }
    }
    items
}

/// The walk of `asend` for hook `$hook`: start (see `asend_start`), then
/// await the async receivers inside the hook's scope. A macro, not an
/// `async fn` generic over the hook, because awaiting one future nested in
/// another would cost the plain path a second state machine on every send.
macro_rules! asend {
    ($hook:ty, $signal:expr, $state:expr, $sender:expr, $args:expr) => {{
        let ((mut responses, futures), scope) =
            $signal.asend_start::<$hook>($state, $sender, $args);
        if !futures.is_empty() {
            let join = <$hook as $crate::hook::Hook>::join(
                &scope,
                $crate::executor::JoinOrdered::new(futures),
            );
            responses.extend(join.await);
        }
        responses
    }};
}
// For `with_receivers.rs`, which runs the same walk with its own hook.
pub(crate) use asend;

/// The walk of `asend_robust` for hook `$hook`, a macro for the reason
/// given at `asend!`.
macro_rules! asend_robust {
    ($hook:ty, $signal:expr, $state:expr, $sender:expr, $args:expr) => {{
        let ((mut responses, started), scope) =
            $signal.asend_robust_start::<$hook>($state, $sender, $args);
        if let Some((futures, infos)) = started {
            let outcomes = <$hook as $crate::hook::Hook>::join(
                &scope,
                $crate::executor::JoinOrdered::new(futures),
            )
            .await;
            <$hook as $crate::hook::Hook>::within(&scope, || {
                $signal.collect_robust::<$hook>(
                    $crate::hook::SendKind::AsendRobust,
                    outcomes,
                    &infos,
                    $sender,
                    &mut responses,
                );
            });
        }
        responses
    }};
}
pub(crate) use asend_robust;

impl<D: SignalDef> Signal<D> {
    /// Sends the signal: calls every matching receiver and returns their
    /// responses (sync receivers in dispatch order, then async ones).
    ///
    /// A receiver's panic propagates to the caller once the receivers before
    /// it have run; the signal stays fully usable.
    ///
    /// # Async receivers
    ///
    /// `send` has no task to suspend, so it waits for its async receivers on
    /// the calling thread, and first checks (before any receiver runs) that
    /// waiting there cannot freeze an async runtime:
    ///
    /// - on a thread in no tokio runtime, it drives them with a small
    ///   built-in executor that parks the thread; futures woken from other
    ///   threads (channels, timers of a runtime running elsewhere) complete;
    /// - inside a multi-thread tokio runtime (a worker, `Runtime::block_on`,
    ///   a `spawn_blocking` thread), it waits inside
    ///   `tokio::task::block_in_place`, so the runtime's other tasks move to
    ///   another thread and keep running; only the calling task (and futures
    ///   it polls itself, such as the other branches of its `join!`) waits;
    /// - inside a current-thread tokio runtime, where waiting would freeze
    ///   the runtime the receivers may need, it panics at once (below).
    ///
    /// This needs the `tokio` feature (on by default). Without it, or under
    /// another executor (async-std, smol, …), nothing is detected and `send`
    /// parks the thread: use [`asend`](Self::asend) from async code there.
    /// With only sync receivers, `send` never waits and works anywhere.
    ///
    /// # Panics
    ///
    /// Re-raises the panic of a receiver. Panics, before calling any
    /// receiver, when this send reaches async receivers and the thread runs
    /// a current-thread tokio runtime (`#[tokio::main(flavor =
    /// "current_thread")]`, `#[tokio::test]`, or one of its `spawn_blocking`
    /// threads, which tokio does not tell apart): the message names the
    /// signal, every async receiver it reaches and the fix,
    /// `SIGNAL.asend(sender, &args).await` (or `Handle::block_on` of it from
    /// a thread outside that runtime). Django raises `RuntimeError` there.
    ///
    /// # Example
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::Sender;
    ///
    /// struct Order;
    /// signal! { static PLACED: u32 => bool; }
    ///
    /// // Every receiver may veto; the sender decides what the answers mean.
    /// PLACED.connect(|total: &u32| *total <= 100)?;
    /// PLACED.connect(|sender: Sender, _: &u32| sender.is::<Order>())?;
    ///
    /// let answers = PLACED.send(Sender::of::<Order>(), &250);
    /// assert_eq!(answers, [false, true]);
    /// // No receiver, no answer: an empty `Vec` that allocated nothing.
    /// assert!(PLACED.send(Sender::of::<Order>(), &50).iter().all(|ok| *ok));
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    #[inline]
    pub fn send(&self, sender: Sender, args: &D::Args<'_>) -> Vec<D::Response> {
        #[cfg(feature = "tracing")]
        if trace::enabled() {
            return self.send_traced(sender, args);
        }
        // Inlined into the caller: a signal nobody listens to costs one load.
        let state = self.state();
        if state.is_empty() {
            return Vec::new();
        }
        self.send_listened::<Silent>(state, sender, args)
    }

    // Out of line and cold: the plain send path must stay as small (and as
    // inlinable) as without the feature.
    #[cfg(feature = "tracing")]
    #[cold]
    #[inline(never)]
    fn send_traced(&self, sender: Sender, args: &D::Args<'_>) -> Vec<D::Response> {
        self.send_listened::<Traced>(self.state(), sender, args)
    }

    /// The send path once someone may listen. `#[inline]` makes it
    /// available to the caller's codegen unit, so that whether it is
    /// inlined is the optimizer's choice rather than an accident of where
    /// the instance lands. The common case (a table of plain sync receivers)
    /// is a couple of loads and the call loop.
    #[inline]
    pub(crate) fn send_listened<H: Hook>(
        &self,
        state: State,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<Item<H, D>> {
        self.with_table(state, |table| {
            let bucket = table.bucket(&sender);
            let send = H::start::<D>(SendKind::Send, sender, bucket.len());
            H::within(&send, || {
                if let Some(responses) = call_fast::<D, H>(bucket, &sender, args) {
                    return responses;
                }
                self.send_mixed::<H>(bucket, sender, args)
            })
        })
    }

    /// A bucket with async or weak receivers, or a hook that looks at each
    /// receiver.
    #[inline(never)]
    fn send_mixed<H: Hook>(
        &self,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<Item<H, D>> {
        // Decided before any receiver runs: a refused send has no effects.
        let wait = (!bucket.r#async.is_empty()).then(|| Self::wait_or_panic(bucket));
        let mut responses = self.call_slots::<H>(bucket, sender, args);
        if let Some(wait) = wait {
            let futures = Self::start_async::<H>(bucket, sender, args);
            responses.extend(Self::complete(wait, futures));
        }
        responses
    }

    /// How `send` may wait for the async receivers of `bucket` on this
    /// thread; panics, naming them, where waiting would freeze a runtime.
    fn wait_or_panic(bucket: &Bucket<D>) -> Wait {
        match wait::here() {
            Ok(wait) => wait,
            Err(Refused) => Self::refuse(bucket),
        }
    }

    #[cold]
    #[inline(never)]
    fn refuse(bucket: &Bucket<D>) -> ! {
        panic!(
            "{}",
            wait::refusal_with_receivers(
                D::NAME,
                D::MODULE_PATH,
                bucket
                    .r#async
                    .iter()
                    .filter(|slot| slot.entry.is_alive())
                    .map(|slot| &*slot.entry.info),
            )
        )
    }

    /// Like [`send`](Self::send), but calls every receiver whatever happens:
    /// a receiver that panics yields an `Err` naming it and carrying the
    /// panic message, and the next receiver runs. Only panics that unwind are
    /// caught: under `panic = "abort"` the process ends.
    ///
    /// Async receivers are waited for as by [`send`](Self::send) (see its
    /// "Async receivers" section). Where `send` would panic (a
    /// current-thread tokio runtime), this does not: the sync receivers run
    /// as usual and each async receiver, not called, gets an `Err` of kind
    /// [`FailureKind::WouldBlock`](crate::FailureKind::WouldBlock) whose
    /// message names the fix (`asend_robust`).
    ///
    /// # Example
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{ConnectOptions, Sender};
    ///
    /// signal! { static IMPORTED: u32 => u32; }
    ///
    /// IMPORTED.connect_with(ConnectOptions::new().name("fragile"), |_: &u32| -> u32 {
    ///     panic!("disk full")
    /// })?;
    /// IMPORTED.connect(|rows: &u32| rows * 2)?;
    ///
    /// let results = IMPORTED.send_robust(Sender::NONE, &21);
    /// let failure = results[0].as_ref().unwrap_err();
    /// assert_eq!(failure.receiver().name, "fragile");
    /// assert!(failure.message().contains("disk full"));
    /// // The receiver after the failing one still ran.
    /// assert_eq!(*results[1].as_ref().unwrap(), 42);
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    pub fn send_robust(
        &self,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<RobustResponse<D::Response>> {
        #[cfg(feature = "tracing")]
        if trace::robust_enabled() {
            return self.send_robust_traced(sender, args);
        }
        let state = self.state();
        if state.is_empty() {
            return Vec::new();
        }
        self.send_robust_listened::<Silent>(state, sender, args)
    }

    #[cfg(feature = "tracing")]
    #[cold]
    #[inline(never)]
    fn send_robust_traced(
        &self,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<RobustResponse<D::Response>> {
        self.send_robust_listened::<Traced>(self.state(), sender, args)
    }

    /// `send_robust` once someone may listen (see `send_listened`).
    #[inline]
    pub(crate) fn send_robust_listened<H: Hook>(
        &self,
        state: State,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<RobustItem<H, D>> {
        self.with_table(state, |table| {
            self.send_robust_in::<H>(table.bucket(&sender), sender, args)
        })
    }

    /// The walk of one bucket for `send_robust`.
    fn send_robust_in<H: Hook>(
        &self,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<RobustItem<H, D>> {
        const KIND: SendKind = SendKind::SendRobust;
        let scope = H::start::<D>(KIND, sender, bucket.len());
        H::within(&scope, || {
            let mut responses = Vec::with_capacity(bucket.len());
            // Decided before any receiver runs, as in `send`.
            let wait = (!bucket.r#async.is_empty()).then(wait::here);
            self.call_sync_robust::<H>(KIND, bucket, sender, args, &mut responses);
            match wait {
                None => {}
                Some(Ok(wait)) => {
                    let (futures, infos) = Self::start_async_robust::<H>(bucket, sender, args);
                    let outcomes = Self::complete(wait, futures);
                    self.collect_robust::<H>(KIND, outcomes, &infos, sender, &mut responses);
                }
                Some(Err(Refused)) => Self::refuse_async::<H>(KIND, bucket, sender, &mut responses),
            }
            responses
        })
    }

    /// Sends the signal from async code: runs the sync receivers in order,
    /// then awaits the async receivers concurrently in this task (no spawn,
    /// no particular runtime). Responses come in the same order as
    /// [`send`](Self::send). A panic propagates and drops the async receivers
    /// still pending.
    ///
    /// # Example
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::Sender;
    ///
    /// signal! { static USER_CREATED: String => usize; }
    ///
    /// async fn send_welcome(name: &String) -> usize {
    ///     // An async receiver can await I/O here without blocking a thread.
    ///     name.len()
    /// }
    /// USER_CREATED.connect(send_welcome)?;
    /// USER_CREATED.connect(|_: &String| 0)?;
    ///
    /// # futures::executor::block_on(async {
    /// let responses = USER_CREATED.asend(Sender::NONE, &"ada".to_owned()).await;
    /// // The sync receiver answers first, then the async one.
    /// assert_eq!(responses, [0, 3]);
    /// # });
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    pub async fn asend(&self, sender: Sender, args: &D::Args<'_>) -> Vec<D::Response> {
        #[cfg(feature = "tracing")]
        if trace::enabled() {
            return self.asend_traced(sender, args).await;
        }
        let state = self.state();
        if state.is_empty() {
            return Vec::new();
        }
        asend!(Silent, self, state, sender, args)
    }

    #[cfg(feature = "tracing")]
    #[cold]
    async fn asend_traced(&self, sender: Sender, args: &D::Args<'_>) -> Vec<D::Response> {
        asend!(Traced, self, self.state(), sender, args)
    }

    /// The part of `asend` that needs the table: runs the sync receivers
    /// and starts the async ones inside the hook's scope, which it returns
    /// for the join. Returned as a nested pair so that what
    /// `call_and_start` returns lands in place, uncopied.
    #[inline]
    pub(crate) fn asend_start<'b, H: Hook>(
        &self,
        state: State,
        sender: Sender,
        args: &'b D::Args<'_>,
    ) -> (Started<'b, Item<H, D>>, H::Scope) {
        // The table is only needed to start the receivers, so a guard (no
        // reference count) suffices and is gone before the first await.
        self.with_table(state, |table| {
            let bucket = table.bucket(&sender);
            let scope = H::start::<D>(SendKind::Asend, sender, bucket.len());
            (
                H::within(&scope, || self.call_and_start::<H>(bucket, sender, args)),
                scope,
            )
        })
    }

    /// Runs the sync receivers of `bucket` and starts its async ones.
    fn call_and_start<'b, H: Hook>(
        &self,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &'b D::Args<'_>,
    ) -> Started<'b, Item<H, D>> {
        let responses = match call_fast::<D, H>(bucket, &sender, args) {
            Some(responses) => responses,
            None => self.call_slots::<H>(bucket, sender, args),
        };
        (responses, Self::start_async::<H>(bucket, sender, args))
    }

    /// The async counterpart of [`send_robust`](Self::send_robust): every
    /// receiver runs, a failing async receiver does not cancel its siblings,
    /// and each failure is reported by name.
    ///
    /// # Example
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{ConnectOptions, Sender};
    ///
    /// signal! { static SYNCED: u32 => u32; }
    ///
    /// async fn push(n: &u32) -> u32 {
    ///     n + 1
    /// }
    /// async fn flaky(_: &u32) -> u32 {
    ///     panic!("remote down")
    /// }
    /// SYNCED.connect(push)?;
    /// SYNCED.connect_with(ConnectOptions::new().name("flaky"), flaky)?;
    ///
    /// # futures::executor::block_on(async {
    /// let results = SYNCED.asend_robust(Sender::NONE, &1).await;
    /// assert_eq!(*results[0].as_ref().unwrap(), 2);
    /// assert_eq!(results[1].as_ref().unwrap_err().receiver().name, "flaky");
    /// # });
    /// # Ok::<(), signals::ConnectError>(())
    /// ```
    pub async fn asend_robust(
        &self,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<RobustResponse<D::Response>> {
        #[cfg(feature = "tracing")]
        if trace::robust_enabled() {
            return self.asend_robust_traced(sender, args).await;
        }
        let state = self.state();
        if state.is_empty() {
            return Vec::new();
        }
        asend_robust!(Silent, self, state, sender, args)
    }

    #[cfg(feature = "tracing")]
    #[cold]
    async fn asend_robust_traced(
        &self,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<RobustResponse<D::Response>> {
        asend_robust!(Traced, self, self.state(), sender, args)
    }

    /// The part of `asend_robust` that needs the table: runs the sync
    /// receivers and starts the async ones (if any) inside the hook's scope,
    /// which it returns for the join and the collection of its outcomes.
    #[inline]
    pub(crate) fn asend_robust_start<'b, H: Hook>(
        &self,
        state: State,
        sender: Sender,
        args: &'b D::Args<'_>,
    ) -> (StartedRobustAsync<'b, H, D>, H::Scope) {
        const KIND: SendKind = SendKind::AsendRobust;
        self.with_table(state, |table| {
            let bucket = table.bucket(&sender);
            let scope = H::start::<D>(KIND, sender, bucket.len());
            let started = H::within(&scope, || {
                let mut responses = Vec::with_capacity(bucket.len());
                self.call_sync_robust::<H>(KIND, bucket, sender, args, &mut responses);
                let started = (!bucket.r#async.is_empty())
                    .then(|| Self::start_async_robust::<H>(bucket, sender, args));
                (responses, started)
            });
            (started, scope)
        })
    }

    /// Calls the sync receivers of `bucket` one slot at a time, then prunes
    /// weak receivers found dead.
    #[inline(never)]
    fn call_slots<H: Hook>(
        &self,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<Item<H, D>> {
        let mut responses = Vec::with_capacity(bucket.len());
        let mut saw_dead = false;
        for slot in &*bucket.sync {
            match H::call(&slot.entry.info, || slot.call.call(sender, args)) {
                Some(response) => responses.push(H::item(|| &slot.entry.info, response)),
                None => saw_dead |= slot.weak,
            }
        }
        if saw_dead {
            self.prune_dead();
        }
        responses
    }

    /// Calls the sync receivers of `bucket` under a panic guard each, then
    /// prunes weak receivers found dead.
    fn call_sync_robust<H: Hook>(
        &self,
        kind: SendKind,
        bucket: &Bucket<D>,
        sender: Sender,
        args: &D::Args<'_>,
        responses: &mut Vec<RobustItem<H, D>>,
    ) {
        if !H::PER_RECEIVER {
            match &bucket.fast {
                Fast::Static(calls) => {
                    return Self::robust_fast::<H, _>(
                        kind,
                        bucket,
                        calls,
                        |call| call(sender, args),
                        sender,
                        responses,
                    );
                }
                Fast::Dyn(calls) => {
                    return Self::robust_fast::<H, _>(
                        kind,
                        bucket,
                        calls,
                        |call| Some(call(&sender, args)),
                        sender,
                        responses,
                    );
                }
                Fast::No => {}
            }
        }
        let mut saw_dead = false;
        for slot in &*bucket.sync {
            let info = &slot.entry.info;
            // A sync receiver's failure is reported inside its own call.
            let outcome = H::call(info, || {
                match catch_unwind(AssertUnwindSafe(|| slot.call.call(sender, args))) {
                    Ok(response) => response.map(Ok),
                    Err(payload) => Some(Err(Self::failure::<H>(kind, info, sender, &*payload))),
                }
            });
            match outcome {
                Some(outcome) => responses.push(H::item(|| &slot.entry.info, outcome)),
                None => saw_dead |= slot.weak,
            }
        }
        if saw_dead {
            self.prune_dead();
        }
    }

    /// The `send_robust` loop over a bucket's fast slice, which runs parallel
    /// to `bucket.sync` (where a failing receiver's name is).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)] // the loop's state, passed down once
    fn robust_fast<H: Hook, C>(
        kind: SendKind,
        bucket: &Bucket<D>,
        calls: &[C],
        call: impl Fn(&C) -> Option<D::Response>,
        sender: Sender,
        responses: &mut Vec<RobustItem<H, D>>,
    ) {
        // Looked up only for a failure or by a hook that pairs.
        let receiver = |at: usize| &bucket.sync[at].entry.info;
        for (at, c) in calls.iter().enumerate() {
            match catch_unwind(AssertUnwindSafe(|| call(c))) {
                Ok(Some(response)) => responses.push(H::item(|| receiver(at), Ok(response))),
                Ok(None) => {}
                Err(payload) => {
                    let error = Self::failure::<H>(kind, receiver(at), sender, &*payload);
                    responses.push(H::item(|| receiver(at), Err(error)));
                }
            }
        }
    }

    /// Creates the futures of the async receivers of `bucket`, in order.
    fn start_async<'b, H: Hook>(
        bucket: &Bucket<D>,
        sender: Sender,
        args: &'b D::Args<'_>,
    ) -> Vec<BoxFuture<'b, Item<H, D>>> {
        let mut futures = Vec::with_capacity(bucket.r#async.len());
        for slot in &*bucket.r#async {
            let info = &slot.entry.info;
            let future = slot.call.call(sender, args);
            futures.extend(future.map(|future| H::item_future(info, H::future(info, future))));
        }
        futures
    }

    /// Starts every async receiver of `bucket` under a panic guard. A receiver
    /// that panics while creating its future becomes a ready failure, so the
    /// outcomes stay in dispatch order.
    fn start_async_robust<'b, H: Hook>(
        bucket: &Bucket<D>,
        sender: Sender,
        args: &'b D::Args<'_>,
    ) -> StartedRobust<'b, D::Response> {
        let mut futures: Vec<BoxFuture<'b, _>> = Vec::with_capacity(bucket.r#async.len());
        let mut infos = Vec::with_capacity(bucket.r#async.len());
        for slot in &*bucket.r#async {
            let info = &slot.entry.info;
            let future: BoxFuture<'b, _> =
                match catch_unwind(AssertUnwindSafe(|| slot.call.call(sender, args))) {
                    Ok(Some(future)) => H::future(info, Box::pin(CatchUnwind::new(future))),
                    Ok(None) => continue,
                    Err(payload) => Box::pin(std::future::ready(Err(payload))),
                };
            futures.push(future);
            infos.push(Arc::clone(info));
        }
        (futures, infos)
    }

    /// Drives the async receivers of a blocking send (`send`,
    /// `send_robust`) to completion on this thread, the way `wait` allows:
    /// the one place a send waits for futures outside a task.
    fn complete<T>(wait: Wait, futures: Vec<BoxFuture<'_, T>>) -> Vec<T> {
        wait.block_on(JoinOrdered::new(futures))
    }

    /// The outcome of each live async receiver of `bucket` when a robust
    /// send may not wait for them here: an error naming the fix, reported
    /// like a caught panic.
    #[cold]
    fn refuse_async<H: Hook>(
        kind: SendKind,
        bucket: &Bucket<D>,
        sender: Sender,
        responses: &mut Vec<RobustItem<H, D>>,
    ) {
        let message = wait::refusal(kind, D::NAME, D::MODULE_PATH);
        for slot in bucket.r#async.iter().filter(|slot| slot.entry.is_alive()) {
            let error = ReceiverError::new(
                FailureKind::WouldBlock,
                ReceiverInfo::clone(&slot.entry.info),
                sender,
                message.clone().into(),
            );
            H::failed::<D>(kind, &error);
            responses.push(H::item(|| &slot.entry.info, Err(error)));
        }
    }

    /// Turns the outcomes of a robust send's async receivers into items.
    pub(crate) fn collect_robust<H: Hook>(
        &self,
        kind: SendKind,
        outcomes: Vec<Caught<D::Response>>,
        infos: &[Arc<ReceiverInfo>],
        sender: Sender,
        responses: &mut Vec<RobustItem<H, D>>,
    ) {
        for (outcome, info) in outcomes.into_iter().zip(infos) {
            let outcome =
                outcome.map_err(|payload| Self::failure::<H>(kind, info, sender, &*payload));
            responses.push(H::item(|| info, outcome));
        }
    }

    /// The error a robust send returns for a receiver that panicked.
    fn failure<H: Hook>(
        kind: SendKind,
        info: &ReceiverInfo,
        sender: Sender,
        payload: &(dyn Any + Send),
    ) -> ReceiverError {
        let error = ReceiverError::new(
            FailureKind::Panicked,
            info.clone(),
            sender,
            panic_message(payload),
        );
        H::failed::<D>(kind, &error);
        error
    }
}

/// Calls the sync receivers of `bucket` through its fast slice, when the
/// bucket has one (only strong sync receivers of one origin) and the hook
/// does not need to see each receiver; `None` otherwise.
#[inline(always)]
fn call_fast<D: SignalDef, H: Hook>(
    bucket: &Bucket<D>,
    sender: &Sender,
    args: &D::Args<'_>,
) -> Option<Vec<Item<H, D>>> {
    if H::PER_RECEIVER {
        return None;
    }
    // The fast slice runs parallel to the slots, which carry the receivers;
    // looked up only by a hook that pairs.
    let receiver = |at: usize| &bucket.sync[at].entry.info;
    let item = |at, response| H::item(|| receiver(at), response);
    match &bucket.fast {
        Fast::Static(calls) => Some(call_all(calls, |at, call| {
            call(*sender, args).map(|response| item(at, response))
        })),
        Fast::Dyn(calls) => Some(call_all(calls, |at, call| {
            Some(item(at, call(sender, args)))
        })),
        Fast::No => None,
    }
}
