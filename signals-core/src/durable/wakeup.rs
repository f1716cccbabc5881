//! What wakes an idle worker before its poll interval ends: a background
//! task (PostgreSQL's `LISTEN`) pokes a [`Notify`]; the task dies with the
//! worker.

use std::sync::Arc;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// The wake-up side of a worker. A poke that arrives while the worker is
/// busy is kept (one permit), so none is lost between a claim that found
/// nothing and the wait that follows.
pub struct Wakeups {
    notify: Arc<Notify>,
    task: Option<JoinHandle<()>>,
}

impl Wakeups {
    /// Nothing wakes the worker early (SQLite: the poll interval is the
    /// wake-up).
    #[cfg_attr(not(feature = "durable-sqlite"), allow(dead_code))]
    pub(crate) fn none() -> Self {
        Wakeups {
            notify: Arc::new(Notify::new()),
            task: None,
        }
    }

    /// Wakes the worker whenever `task` pokes `notify`.
    #[cfg_attr(not(feature = "durable-postgres"), allow(dead_code))]
    pub(crate) fn from_task(notify: Arc<Notify>, task: JoinHandle<()>) -> Self {
        Wakeups {
            notify,
            task: Some(task),
        }
    }

    /// Resolves at the next poke (at once if one came since the last wait).
    pub(crate) async fn notified(&self) {
        self.notify.notified().await;
    }
}

impl Drop for Wakeups {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}
