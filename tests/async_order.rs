//! `asend` and `send` return async responses in dispatch order, after the
//! sync ones, whatever order the async receivers finish in.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use signals::{Sender, signal};

signal! {
    pub static MIXED: u32 => u32;
}

/// Pending `n` times (waking itself each time), then ready.
struct YieldTimes(u32);

impl Future for YieldTimes {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn async_responses_come_in_dispatch_order_after_sync_ones() {
    let mut guards = Vec::new();
    // Async receivers that finish in reverse order of connection.
    for (id, delay) in [(10_u32, 3_u32), (20, 2), (30, 0)] {
        guards.push(
            MIXED
                .connect_async(move |_, n: &u32| {
                    Box::pin(async move {
                        YieldTimes(delay).await;
                        id + *n
                    })
                })
                .expect("fresh receiver")
                .scoped(),
        );
    }
    guards.push(
        MIXED
            .connect(|_, n: &u32| *n)
            .expect("fresh receiver")
            .scoped(),
    );
    assert_eq!(
        futures::executor::block_on(MIXED.asend(Sender::NONE, &1)),
        [1, 11, 21, 31]
    );
    assert_eq!(MIXED.send(Sender::NONE, &2), [2, 12, 22, 32]);
    let robust = futures::executor::block_on(MIXED.asend_robust(Sender::NONE, &3));
    let values: Vec<u32> = robust.into_iter().map(|r| r.expect("no panic")).collect();
    assert_eq!(values, [3, 13, 23, 33]);
}
