//! `tracing` instrumentation of sends (cargo feature `tracing`).
//!
//! Every send method in `dispatch.rs` starts with one check,
//! [`enabled`] (or [`robust_enabled`]), and comes here only when a subscriber
//! wants what this module records. That check is a static callsite test: with
//! no subscriber, or one that filters the `signals` target out, it is a load
//! of tracing's global max level and a compare, so the plain send path keeps
//! its cost. This module then repeats the dispatch of `dispatch.rs` (same
//! snapshot, same order, same weak pruning) with spans around it:
//!
//! - one span per send, named after the method (`send`, `send_robust`,
//!   `asend`, `asend_robust`), target `signals`, level DEBUG, with the fields
//!   `signal` (its name), `module` (where it is declared), `sender` (the
//!   sender's label) and `receivers` (how many receivers this send reaches);
//! - inside it, one `receiver` span per receiver call (DEBUG) with `receiver`
//!   (name), `module`, `file`, `line`, `kind` (`sync`/`async`) and, once the
//!   call returns, `duration_ns` (for an async receiver: from the creation of
//!   its future to its completion);
//! - for each panic caught by `send_robust`/`asend_robust`, an ERROR event
//!   naming the receiver, the sender and the panic message, as Django logs
//!   `Error calling … in Signal.send_robust()`. These events are emitted even
//!   when a subscriber only wants errors.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use tracing::field::Empty;
use tracing::{Instrument, Level, Span};

use crate::dispatch::RobustResponse;
use crate::error::panic_message;
use crate::executor::{CatchUnwind, JoinOrdered, block_on};
use crate::registration::BoxFuture;
use crate::table::Bucket;
use crate::{ReceiverError, ReceiverInfo, ReceiverKind, Sender, Signal, SignalDef};

/// The target of every span and event of this crate, for filters such as
/// `RUST_LOG=signals=debug`.
pub(crate) const TARGET: &str = "signals";

/// Whether some subscriber wants the spans of a send.
#[inline]
pub(crate) fn enabled() -> bool {
    tracing::enabled!(target: TARGET, Level::DEBUG)
}

/// Whether some subscriber wants the spans of a robust send, or at least the
/// error events for the receivers it catches.
#[inline]
pub(crate) fn robust_enabled() -> bool {
    enabled() || tracing::enabled!(target: TARGET, Level::ERROR)
}

/// The span's name must be a literal (it lives in static metadata), hence a
/// macro rather than a function taking the method name.
macro_rules! send_span {
    ($method:literal, $def:ty, $sender:expr, $receivers:expr) => {
        tracing::debug_span!(
            target: TARGET,
            $method,
            signal = <$def as SignalDef>::NAME,
            module = <$def as SignalDef>::MODULE_PATH,
            sender = $sender.label(),
            receivers = $receivers,
        )
    };
}

fn receiver_span(info: &ReceiverInfo) -> Span {
    tracing::debug_span!(
        target: TARGET,
        "receiver",
        receiver = info.name.as_ref(),
        module = info.module_path.as_ref(),
        file = info.file,
        line = info.line,
        kind = match info.kind {
            ReceiverKind::Sync => "sync",
            ReceiverKind::Async => "async",
        },
        duration_ns = Empty,
    )
}

fn record_duration(span: &Span, start: Instant) {
    let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    span.record("duration_ns", nanos);
}

/// Calls one sync receiver inside its span and records how long it took.
fn call_traced<T>(info: &ReceiverInfo, call: impl FnOnce() -> T) -> T {
    let span = receiver_span(info);
    let _entered = span.enter();
    let start = Instant::now();
    let outcome = call();
    record_duration(&span, start);
    outcome
}

/// Wraps an async receiver's future in its span; the duration covers the
/// future from creation to completion.
fn instrument<'b, T: 'b>(info: &ReceiverInfo, future: BoxFuture<'b, T>) -> BoxFuture<'b, T> {
    let span = receiver_span(info);
    let start = Instant::now();
    let timer = span.clone();
    Box::pin(
        async move {
            let output = future.await;
            record_duration(&timer, start);
            output
        }
        .instrument(span),
    )
}

/// Builds the error a robust send returns for a panicking receiver, and logs it.
fn failure<D: SignalDef>(
    method: &str,
    info: &ReceiverInfo,
    sender: Sender,
    payload: &(dyn Any + Send),
) -> ReceiverError {
    let error = ReceiverError::new(info.clone(), sender, panic_message(payload));
    tracing::error!(
        target: TARGET,
        signal = D::NAME,
        module = D::MODULE_PATH,
        receiver = %info.path(),
        file = info.file,
        line = info.line,
        sender = sender.label(),
        panic = error.message(),
        "error calling {} in {}.{method}()",
        info.path(),
        D::NAME,
    );
    error
}

/// Runs the sync receivers of `bucket` in order, each in its span.
fn run_sync<D: SignalDef>(
    signal: &Signal<D>,
    bucket: &Bucket<D>,
    sender: Sender,
    args: &D::Args<'_>,
    responses: &mut Vec<D::Response>,
) {
    let mut saw_dead = false;
    for slot in &*bucket.sync {
        match call_traced(&slot.entry.info, || slot.call.call(sender, args)) {
            Some(response) => responses.push(response),
            None => saw_dead |= slot.weak,
        }
    }
    if saw_dead {
        signal.prune_dead();
    }
}

/// Runs the sync receivers of `bucket` under a panic guard, each in its span.
fn run_sync_robust<D: SignalDef>(
    method: &str,
    signal: &Signal<D>,
    bucket: &Bucket<D>,
    sender: Sender,
    args: &D::Args<'_>,
    responses: &mut Vec<RobustResponse<D::Response>>,
) {
    let mut saw_dead = false;
    for slot in &*bucket.sync {
        let info = &slot.entry.info;
        // The error event is emitted inside the receiver's span.
        let outcome = call_traced(info, || {
            match catch_unwind(AssertUnwindSafe(|| slot.call.call(sender, args))) {
                Ok(response) => response.map(Ok),
                Err(payload) => Some(Err(failure::<D>(method, info, sender, &*payload))),
            }
        });
        match outcome {
            Some(outcome) => responses.push(outcome),
            None => saw_dead |= slot.weak,
        }
    }
    if saw_dead {
        signal.prune_dead();
    }
}

fn start_async<'b, D: SignalDef>(
    bucket: &Bucket<D>,
    sender: Sender,
    args: &'b D::Args<'_>,
) -> Vec<BoxFuture<'b, D::Response>> {
    bucket
        .r#async
        .iter()
        .filter_map(|slot| {
            let future = slot.call.call(sender, args)?;
            Some(instrument(&slot.entry.info, future))
        })
        .collect()
}

type Caught<R> = Result<R, Box<dyn Any + Send>>;

/// The futures of a robust send's async receivers, and who they belong to.
type Started<'b, R> = (Vec<BoxFuture<'b, Caught<R>>>, Vec<ReceiverInfo>);

/// Starts every async receiver under a panic guard, as `dispatch.rs` does.
fn start_async_robust<'b, D: SignalDef>(
    bucket: &Bucket<D>,
    sender: Sender,
    args: &'b D::Args<'_>,
) -> Started<'b, D::Response> {
    let mut futures: Vec<BoxFuture<'b, _>> = Vec::with_capacity(bucket.r#async.len());
    let mut infos = Vec::with_capacity(bucket.r#async.len());
    for slot in &*bucket.r#async {
        let info = &slot.entry.info;
        let future: BoxFuture<'b, _> =
            match catch_unwind(AssertUnwindSafe(|| slot.call.call(sender, args))) {
                Ok(Some(future)) => instrument(info, Box::pin(CatchUnwind::new(future))),
                Ok(None) => continue,
                Err(payload) => Box::pin(std::future::ready(Err(payload))),
            };
        futures.push(future);
        infos.push(info.clone());
    }
    (futures, infos)
}

fn collect_robust<D: SignalDef>(
    method: &str,
    outcomes: Vec<Caught<D::Response>>,
    infos: &[ReceiverInfo],
    sender: Sender,
    responses: &mut Vec<RobustResponse<D::Response>>,
) {
    for (outcome, info) in outcomes.into_iter().zip(infos) {
        responses.push(outcome.map_err(|payload| failure::<D>(method, info, sender, &*payload)));
    }
}

/// [`Signal::send`] with spans.
// Out of line and cold: the plain send path must stay as small (and as
// inlinable) as without the feature.
#[cold]
#[inline(never)]
pub(crate) fn send<D: SignalDef>(
    signal: &Signal<D>,
    sender: Sender,
    args: &D::Args<'_>,
) -> Vec<D::Response> {
    signal.with_table(
        |table| {
            let bucket = table.bucket(&sender);
            let _span = send_span!("send", D, sender, bucket.len()).entered();
            let mut responses = Vec::with_capacity(bucket.len());
            run_sync(signal, bucket, sender, args, &mut responses);
            if !bucket.r#async.is_empty() {
                let futures = start_async(bucket, sender, args);
                responses.extend(block_on(JoinOrdered::new(futures)));
            }
            responses
        },
        || {
            let _span = send_span!("send", D, sender, 0).entered();
            Vec::new()
        },
    )
}

/// [`Signal::send_robust`] with spans and error events.
// Out of line and cold: the plain send path must stay as small (and as
// inlinable) as without the feature.
#[cold]
#[inline(never)]
pub(crate) fn send_robust<D: SignalDef>(
    signal: &Signal<D>,
    sender: Sender,
    args: &D::Args<'_>,
) -> Vec<RobustResponse<D::Response>> {
    signal.with_table(
        |table| {
            let bucket = table.bucket(&sender);
            let _span = send_span!("send_robust", D, sender, bucket.len()).entered();
            let mut responses = Vec::with_capacity(bucket.len());
            run_sync_robust("send_robust", signal, bucket, sender, args, &mut responses);
            if !bucket.r#async.is_empty() {
                let (futures, infos) = start_async_robust(bucket, sender, args);
                let outcomes = block_on(JoinOrdered::new(futures));
                collect_robust::<D>("send_robust", outcomes, &infos, sender, &mut responses);
            }
            responses
        },
        || {
            let _span = send_span!("send_robust", D, sender, 0).entered();
            Vec::new()
        },
    )
}

/// [`Signal::asend`] with spans.
// Out of line and cold: the plain send path must stay as small (and as
// inlinable) as without the feature.
#[cold]
#[inline(never)]
pub(crate) async fn asend<D: SignalDef>(
    signal: &Signal<D>,
    sender: Sender,
    args: &D::Args<'_>,
) -> Vec<D::Response> {
    let Some(snapshot) = signal.snapshot() else {
        let _span = send_span!("asend", D, sender, 0).entered();
        return Vec::new();
    };
    let bucket = snapshot.table().bucket(&sender);
    let span = send_span!("asend", D, sender, bucket.len());
    let mut responses = Vec::with_capacity(bucket.len());
    let futures = span.in_scope(|| {
        run_sync(signal, bucket, sender, args, &mut responses);
        start_async(bucket, sender, args)
    });
    drop(snapshot);
    if !futures.is_empty() {
        responses.extend(JoinOrdered::new(futures).instrument(span).await);
    }
    responses
}

/// [`Signal::asend_robust`] with spans and error events.
// Out of line and cold: the plain send path must stay as small (and as
// inlinable) as without the feature.
#[cold]
#[inline(never)]
pub(crate) async fn asend_robust<D: SignalDef>(
    signal: &Signal<D>,
    sender: Sender,
    args: &D::Args<'_>,
) -> Vec<RobustResponse<D::Response>> {
    let Some(snapshot) = signal.snapshot() else {
        let _span = send_span!("asend_robust", D, sender, 0).entered();
        return Vec::new();
    };
    let bucket = snapshot.table().bucket(&sender);
    let span = send_span!("asend_robust", D, sender, bucket.len());
    let mut responses = Vec::with_capacity(bucket.len());
    let (futures, infos) = span.in_scope(|| {
        run_sync_robust("asend_robust", signal, bucket, sender, args, &mut responses);
        start_async_robust(bucket, sender, args)
    });
    drop(snapshot);
    if !futures.is_empty() {
        let outcomes = JoinOrdered::new(futures).instrument(span.clone()).await;
        span.in_scope(|| {
            collect_robust::<D>("asend_robust", outcomes, &infos, sender, &mut responses);
        });
    }
    responses
}
