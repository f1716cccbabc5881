//! Outboxes on real databases (a SQLite file, a database of the test's
//! PostgreSQL cluster) and workers run as tokio tasks, for the `durable_*`
//! tests.

use std::fmt::Display;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use signals::durable::{Delivery, Dialect, Error, Outbox, RunReport, Worker};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A name no other test run uses (databases, files).
pub fn unique(name: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{name}_{}_{nanos}", std::process::id())
}

/// A SQLite database file, deleted (with its WAL files) on drop.
pub struct SqliteFile {
    pub path: PathBuf,
}

impl SqliteFile {
    pub fn new(name: &str) -> Self {
        SqliteFile {
            path: std::env::temp_dir().join(format!("{}.sqlite3", unique(name))),
        }
    }
}

impl Drop for SqliteFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// An outbox in a SQLite file, not installed yet (WAL with `synchronous =
/// NORMAL`, safe against process crashes; a generous busy timeout: the
/// tests' workers, producers and checks all write to it).
#[cfg(feature = "durable-sqlite")]
pub async fn sqlite_outbox_uninstalled(path: &Path) -> signals::durable::SqliteOutbox {
    use signals::durable::sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(20));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .expect("open the SQLite file");
    Outbox::new(pool)
}

/// A pool on `url` (PostgreSQL).
#[cfg(feature = "durable-postgres")]
pub async fn pg_pool(url: &str) -> signals::durable::sqlx::PgPool {
    signals::durable::sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .expect("connect to the test cluster")
}

/// An outbox in a new database of `cluster`, not installed yet.
#[cfg(feature = "durable-postgres")]
pub async fn pg_outbox_uninstalled(
    cluster: &super::postgres::PgCluster,
    name: &str,
) -> signals::durable::PgOutbox {
    let url = cluster.create_database(&unique(name));
    Outbox::new(pg_pool(&url).await)
}

/// A worker running as a tokio task until [`Running::stop`].
pub struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<RunReport, Error>>,
}

/// Runs `worker` with `handler` on a task of the current runtime.
pub fn spawn_worker<DB, H, F, E>(worker: Worker<DB>, handler: H) -> Running
where
    DB: Dialect,
    H: Fn(Delivery) -> F + Send + Sync + 'static,
    F: Future<Output = Result<(), E>> + Send + 'static,
    E: Display + Send + 'static,
{
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(worker.run(handler, async move {
        let _ = stopped.await;
    }));
    Running { stop, task }
}

impl Running {
    /// Asks for a graceful shutdown and returns the worker's report.
    pub async fn stop(self) -> RunReport {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("the worker stops within 30 s")
            .expect("the worker task does not panic")
            .expect("the worker run succeeds")
    }

    /// Kills the worker as a crash would: its task is dropped wherever it
    /// is, nothing is acknowledged or released.
    pub async fn abort(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// What handlers saw, shared with the test.
#[derive(Clone, Default)]
pub struct Seen {
    deliveries: Arc<Mutex<Vec<Delivery>>>,
}

impl Seen {
    pub fn push(&self, delivery: Delivery) {
        self.deliveries.lock().unwrap().push(delivery);
    }

    pub fn all(&self) -> Vec<Delivery> {
        self.deliveries.lock().unwrap().clone()
    }

    pub fn len(&self) -> usize {
        self.deliveries.lock().unwrap().len()
    }

    pub fn payloads(&self) -> Vec<String> {
        self.all().into_iter().map(|d| d.payload).collect()
    }
}

/// Waits until `done()` holds, checking every 10 ms; fails the test with
/// `what` after `limit`.
pub async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until the async check `done()` holds, as [`wait_for`].
pub async fn wait_for_async<F, Fut>(what: &str, limit: Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !done().await {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Runs each scenario on SQLite and on PostgreSQL, each under a watchdog
/// of three times the test file's `LIMIT`, with the given tokio runtime
/// flavour. A scenario is `async fn name<DB>(outbox: Outbox<DB>, run: &str)`
/// getting an outbox with no tables yet and a name unique to its run.
macro_rules! on_both {
    ($($name:ident ($($flavor:tt)*)),* $(,)?) => {
        #[cfg(feature = "durable-sqlite")]
        mod sqlite {
            use super::support::{durable::*, watchdog::watchdog};
            $(
                #[tokio::test($($flavor)*)]
                async fn $name() {
                    let _watchdog = watchdog(concat!("sqlite::", stringify!($name)), super::LIMIT * 3);
                    let file = SqliteFile::new(stringify!($name));
                    let run = concat!("sqlite-", stringify!($name));
                    super::$name(sqlite_outbox_uninstalled(&file.path).await, run).await;
                }
            )*
        }
        #[cfg(feature = "durable-postgres")]
        mod postgres {
            use super::support::{durable::*, postgres::PgCluster, watchdog::watchdog};
            $(
                #[tokio::test($($flavor)*)]
                async fn $name() {
                    let what = concat!("postgres::", stringify!($name));
                    let _watchdog = watchdog(what, super::LIMIT * 3);
                    let Some(cluster) = PgCluster::shared_or_skip(what) else { return };
                    let run = concat!("postgres-", stringify!($name));
                    super::$name(pg_outbox_uninstalled(cluster, stringify!($name)).await, run).await;
                }
            )*
        }
    };
}
pub(crate) use on_both;
