//! Real tokio runtimes of both flavours, a watchdog per test, and the
//! message of a caught panic, for the async-safety tests; each test
//! binary uses a part.
#![allow(dead_code)]

use std::any::Any;
use std::future::Future;
use std::thread::{self, ThreadId};
use std::time::Duration;

use tokio::runtime::{Builder, Runtime};

use crate::watchdog::{Watchdog, watchdog};

/// How long any one test of these files may run before the watchdog
/// aborts the process: they take well under a second when nothing hangs.
pub const LIMIT: Duration = Duration::from_secs(60);

/// Arms the watchdog for the test `name`.
pub fn guard(name: &str) -> Watchdog {
    watchdog(name, LIMIT)
}

/// A current-thread runtime with timers and I/O
/// (`#[tokio::main(flavor = "current_thread")]`).
pub fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// A multi-thread runtime with `workers` workers, timers and I/O.
pub fn multi_thread(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// The two runtime flavours a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    CurrentThread,
    MultiThread,
}

impl Flavour {
    pub fn runtime(self) -> Runtime {
        match self {
            Flavour::CurrentThread => current_thread(),
            Flavour::MultiThread => multi_thread(2),
        }
    }
}

/// Runs `test` on a fresh current-thread runtime, then on a fresh 2-worker
/// multi-thread runtime, under a watchdog named after `name` and the
/// flavour.
pub fn on_both_flavours<F, Fut>(name: &str, test: F)
where
    F: Fn(Flavour) -> Fut,
    Fut: Future<Output = ()>,
{
    for flavour in [Flavour::CurrentThread, Flavour::MultiThread] {
        let _watchdog = guard(&format!("{name} ({flavour:?})"));
        flavour.runtime().block_on(test(flavour));
    }
}

/// The message of a panic payload (`&str` or `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic payload>".to_owned())
}

/// Suspends the task until it resumes on another thread than `from`; fails
/// the test if it never does within a bound. Each round is woken from a
/// thread of the blocking pool, so the task is rescheduled through the
/// runtime's shared queue, where either worker may take it: on a 2-worker
/// runtime it moves within a few rounds (a `yield_now` would keep it on its
/// worker).
pub async fn hop_from(from: ThreadId) {
    for _ in 0..10_000 {
        if thread::current().id() != from {
            return;
        }
        tokio::task::spawn_blocking(|| ()).await.unwrap();
    }
    panic!("the task never changed threads in 10,000 rounds");
}
