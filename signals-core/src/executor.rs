//! The minimum of async machinery `send` and `asend` need, with no runtime.
//!
//! `asend` awaits its async receivers concurrently inside the caller's task
//! (no spawning), so it works under tokio, async-std, `futures::executor` or
//! anything else. `send` drives the same join to completion on the calling
//! thread with [`block_on`].

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use crate::def::BoxFuture;

/// Wakes one [`block_on`] call. The flag is that call's own: a thread's park
/// token is shared by every `block_on` nested on it (a `send` inside an
/// async receiver driven by `send`), so a wake-up meant for the outer call
/// can be consumed by the inner one's `park`. The flag keeps it: the inner
/// call parks again, and the outer one sees its flag set when it resumes.
struct ThreadWaker {
    thread: Thread,
    notified: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Release: whatever the waker's caller did before waking is visible
        // to the poll that follows.
        self.notified.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Runs a future to completion on the current thread, parking it while the
/// future is pending.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Arc::new(ThreadWaker {
        thread: thread::current(),
        notified: AtomicBool::new(false),
    });
    let notified = Waker::from(Arc::clone(&waker));
    let mut cx = Context::from_waker(&notified);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // `park` may return spuriously, or because of a wake-up meant for
        // another `block_on` on this thread: only this call's flag counts.
        while !waker.notified.swap(false, Ordering::Acquire) {
            thread::park();
        }
    }
}

/// Awaits every future concurrently and yields their outputs in the order
/// the futures were given (not completion order). A panic in one future
/// propagates and drops the others, like a task group.
pub(crate) struct JoinOrdered<'b, T> {
    // One vector for both the futures and their outputs: a send pays for a
    // single allocation here (none more when `T` is `()`).
    slots: Vec<Slot<'b, T>>,
    remaining: usize,
}

enum Slot<'b, T> {
    Pending(BoxFuture<'b, T>),
    Done(T),
    Taken,
}

impl<'b, T> JoinOrdered<'b, T> {
    pub(crate) fn new(futures: Vec<BoxFuture<'b, T>>) -> Self {
        JoinOrdered {
            remaining: futures.len(),
            // Collected in place when a slot is as big as a boxed future.
            slots: futures.into_iter().map(Slot::Pending).collect(),
        }
    }
}

// The futures are boxed and the outputs are never pinned, so moving the join
// is fine whatever `T` is.
impl<T> Unpin for JoinOrdered<'_, T> {}

impl<T> Future for JoinOrdered<'_, T> {
    type Output = Vec<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<T>> {
        // Every field is Unpin (the futures are boxed), so no projection is needed.
        let this = self.get_mut();
        for slot in &mut this.slots {
            if let Slot::Pending(future) = slot
                && let Poll::Ready(value) = future.as_mut().poll(cx)
            {
                *slot = Slot::Done(value);
                this.remaining -= 1;
            }
        }
        if this.remaining > 0 {
            return Poll::Pending;
        }
        let mut outputs = Vec::with_capacity(this.slots.len());
        for slot in &mut this.slots {
            if let Slot::Done(value) = std::mem::replace(slot, Slot::Taken) {
                outputs.push(value);
            }
        }
        Poll::Ready(outputs)
    }
}

/// Turns a panic while polling the inner future into `Err(payload)`, so one
/// failing async receiver of `asend_robust` cannot cancel its siblings.
pub(crate) struct CatchUnwind<'b, T> {
    inner: BoxFuture<'b, T>,
}

impl<'b, T> CatchUnwind<'b, T> {
    pub(crate) fn new(inner: BoxFuture<'b, T>) -> Self {
        CatchUnwind { inner }
    }
}

impl<T> Future for CatchUnwind<'_, T> {
    type Output = Result<T, Box<dyn std::any::Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.get_mut().inner;
        match catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}
