//! Durable receivers across processes: a shop commits orders while two
//! worker processes ship them; one worker is killed with SIGKILL mid-run
//! and restarted, and still every order arrives, in order per customer.
//!
//! ```text
//! cargo run --example outbox --features durable-sqlite,durable-postgres
//! DATABASE_URL=postgres://user:pass@127.0.0.1/shop cargo run --example outbox --features durable-sqlite,durable-postgres
//! ```
//!
//! Without `DATABASE_URL` it runs on a SQLite file in the temporary folder
//! (deleted at the end); with a PostgreSQL URL, on that database (it
//! creates the outbox tables and the tables `outbox_example_orders` and
//! `outbox_example_log`, dropped first). The workers are this program run again with the argument
//! `worker`: they serve the durable receiver linked into the binary,
//! `ship`, which logs each delivery to the log table, so the shop can check
//! the run: every committed order delivered at least once, never out of
//! order for one customer, re-deliveries (after the kill) counted. It
//! stops by itself within a minute, and fails loudly if anything is wrong.

use std::future::Future;
use std::io::Read;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use signals::durable::sqlx::{self, Postgres, Sqlite};
use signals::durable::{Backoff, Delivery, Dialect, Outbox, WorkerConfig};
use signals::{Sender, receiver, signal};

const CUSTOMERS: [&str; 4] = ["ada", "grace", "linus", "barbara"];
const ORDERS: u32 = 80;
const QUEUE: &str = "shipping";
const LIMIT: Duration = Duration::from_secs(60);
const DB_ENV: &str = "OUTBOX_EXAMPLE_DB";

#[derive(Serialize, Deserialize)]
pub struct Order {
    customer: String,
    number: u32,
}

signal! {
    /// An order was placed (and committed with the order itself).
    pub static ORDER_PLACED: Order;
}

pub struct Shop;

/// Ships an order: runs in a worker process, after the shop's commit, one
/// order of a customer at a time, in the order they were placed.
#[receiver(ORDER_PLACED, durable = "shipping", key = |order: &Order| order.customer.clone())]
async fn ship(order: &Order, delivery: &Delivery) -> Result<(), sqlx::Error> {
    println!(
        "  worker {:>6}: ship {:<8} #{:<3} (event {}, attempt {})",
        std::process::id(),
        order.customer,
        order.number,
        delivery.id,
        delivery.attempt
    );
    // Some work, so that the kill lands while orders are being shipped.
    tokio::time::sleep(Duration::from_millis(15)).await;
    LOG.get()
        .expect("the worker opened its log")
        .write(order, delivery)
        .await
}

/// The database of the run, for the receiver (which has no parameter for it).
static LOG: OnceLock<Log> = OnceLock::new();

enum Log {
    Sqlite(Outbox<Sqlite>),
    Postgres(Outbox<Postgres>),
}

/// A backend of the example: how it opens, and how the shop stores an order.
trait Backend: Dialect {
    /// Opens the outbox: on a PostgreSQL URL, or on a SQLite file path
    /// (WAL, so that the shop and the workers can use it at once).
    async fn open(db: &str) -> Result<Outbox<Self>, Failure>;
    fn log(outbox: Outbox<Self>) -> Log;
    /// Stores an order, in the shop's transaction.
    fn insert_order(
        tx: &mut sqlx::Transaction<'static, Self>,
        order: &Order,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
}

/// The same SQL runs on both backends (SQLite reads `$1` too).
const INSERT_ORDER: &str = "INSERT INTO outbox_example_orders (number, customer) VALUES ($1, $2)";
const INSERT_LOG: &str =
    "INSERT INTO outbox_example_log (customer, number, attempt, pid) VALUES ($1, $2, $3, $4)";
const READ_LOG: &str = "SELECT customer, number, attempt, pid FROM outbox_example_log ORDER BY id";

impl Backend for Sqlite {
    async fn open(path: &str) -> Result<Outbox<Self>, Failure> {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10));
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Ok(Outbox::new(pool))
    }

    fn log(outbox: Outbox<Self>) -> Log {
        Log::Sqlite(outbox)
    }

    async fn insert_order(
        tx: &mut sqlx::Transaction<'static, Self>,
        order: &Order,
    ) -> Result<(), sqlx::Error> {
        let query = sqlx::query(INSERT_ORDER).bind(i64::from(order.number));
        query
            .bind(&order.customer)
            .execute(&mut **tx)
            .await
            .map(drop)
    }
}

impl Backend for Postgres {
    async fn open(url: &str) -> Result<Outbox<Self>, Failure> {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .connect(url)
            .await?;
        Ok(Outbox::new(pool))
    }

    fn log(outbox: Outbox<Self>) -> Log {
        Log::Postgres(outbox)
    }

    async fn insert_order(
        tx: &mut sqlx::Transaction<'static, Self>,
        order: &Order,
    ) -> Result<(), sqlx::Error> {
        let query = sqlx::query(INSERT_ORDER).bind(i64::from(order.number));
        query
            .bind(&order.customer)
            .execute(&mut **tx)
            .await
            .map(drop)
    }
}

/// Runs the same code on whichever pool the log has.
macro_rules! on_pool {
    ($log:expr, |$pool:ident| $body:expr) => {
        match $log {
            Log::Sqlite(outbox) => {
                let $pool = outbox.pool();
                $body
            }
            Log::Postgres(outbox) => {
                let $pool = outbox.pool();
                $body
            }
        }
    };
}

impl Log {
    /// Creates the example's tables (dropped first).
    async fn create(&self) -> Result<(), sqlx::Error> {
        let id = match self {
            Log::Sqlite(_) => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Log::Postgres(_) => "BIGSERIAL PRIMARY KEY",
        };
        let statements = [
            "DROP TABLE IF EXISTS outbox_example_log".to_owned(),
            "DROP TABLE IF EXISTS outbox_example_orders".to_owned(),
            "CREATE TABLE outbox_example_orders (number BIGINT PRIMARY KEY, customer TEXT NOT NULL)"
                .to_owned(),
            format!(
                "CREATE TABLE outbox_example_log (id {id}, customer TEXT NOT NULL,
                 number BIGINT NOT NULL, attempt BIGINT NOT NULL, pid BIGINT NOT NULL)"
            ),
        ];
        for statement in statements {
            let statement = sqlx::AssertSqlSafe(statement);
            on_pool!(self, |pool| sqlx::raw_sql(statement)
                .execute(pool)
                .await
                .map(drop))?;
        }
        Ok(())
    }

    /// Records a delivery. One worker handles a customer at a time, so
    /// the log's order is the delivery order per customer.
    async fn write(&self, order: &Order, delivery: &Delivery) -> Result<(), sqlx::Error> {
        let (number, attempt, pid) = (
            i64::from(order.number),
            i64::from(delivery.attempt),
            i64::from(std::process::id()),
        );
        on_pool!(self, |pool| sqlx::query(INSERT_LOG)
            .bind(&order.customer)
            .bind(number)
            .bind(attempt)
            .bind(pid)
            .execute(pool)
            .await
            .map(drop))
    }

    /// (customer, number, attempt, worker pid) in delivery order.
    async fn read(&self) -> Result<Vec<(String, i64, i64, i64)>, sqlx::Error> {
        on_pool!(self, |pool| sqlx::query_as(READ_LOG).fetch_all(pool).await)
    }
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let worker = std::env::args().nth(1).as_deref() == Some("worker");
    let outcome = runtime.block_on(async {
        match (std::env::var("DATABASE_URL"), worker) {
            (Ok(url), false) if url.starts_with("postgres") => shop::<Postgres>(&url).await,
            (Ok(url), true) if url.starts_with("postgres") => serve::<Postgres>(&url).await,
            (_, true) => serve::<Sqlite>(&std::env::var(DB_ENV)?).await,
            (_, false) => {
                let path = std::env::temp_dir()
                    .join(format!("signals-outbox-{}.sqlite3", std::process::id()));
                let path = path.to_str().ok_or("a temporary path in UTF-8")?.to_owned();
                let outcome = shop::<Sqlite>(&path).await;
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
                outcome
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("outbox example failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Worker mode: serves the durable receivers of this binary until stdin
/// closes (the shop closes it, or dies).
async fn serve<DB: Backend>(db: &str) -> Result<(), Failure> {
    let outbox = DB::open(db).await?;
    LOG.set(DB::log(outbox.clone()))
        .map_err(|_| "the log is opened once")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = stop.send(());
    });
    // Two customers at a time each, so that both workers have work.
    let config = WorkerConfig::new(QUEUE)
        .batch(2)
        .lease(Duration::from_secs(1))
        .poll_interval(Duration::from_millis(50))
        .backoff(Backoff::new(
            Duration::from_millis(20),
            Duration::from_millis(200),
        ));
    let report = outbox
        .worker(config)?
        .run_receivers(async move {
            let _ = stopped.await;
        })
        .await?;
    println!(
        "  worker {:>6}: stopped after {} deliveries ({} retried)",
        std::process::id(),
        report.delivered,
        report.retried
    );
    Ok(())
}

/// A worker process, killed if the shop returns early.
struct Worker(Option<Child>);

impl Worker {
    fn start(db: &str) -> Result<Worker, Failure> {
        let child = Command::new(std::env::current_exe()?)
            .arg("worker")
            .env(DB_ENV, db)
            .stdin(Stdio::piped())
            .spawn()?;
        println!("shop: started worker {}", child.id());
        Ok(Worker(Some(child)))
    }

    fn pid(&self) -> u32 {
        self.0.as_ref().map_or(0, Child::id)
    }

    /// SIGKILL, by its own pid: nothing is acknowledged or released.
    fn kill(mut self) -> Result<(), Failure> {
        if let Some(mut child) = self.0.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Closes its stdin (graceful shutdown: it finishes the orders in hand).
    fn stop(mut self) -> Result<(), Failure> {
        let Some(mut child) = self.0.take() else {
            return Ok(());
        };
        drop(child.stdin.take());
        let start = Instant::now();
        while child.try_wait()?.is_none() {
            if start.elapsed() > Duration::from_secs(20) {
                child.kill()?;
                return Err(format!("worker {} did not stop", child.id()).into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let status = child.wait()?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("worker {}: {status}", child.id()).into())
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The shop: places the orders while the workers ship them, kills one
/// worker mid-run, restarts it, and checks the outcome.
async fn shop<DB: Backend>(db: &str) -> Result<(), Failure> {
    let started = Instant::now();
    let outbox = DB::open(db).await?;
    outbox.install().await?;
    let log = DB::log(outbox.clone());
    log.create().await?;
    println!("shop: outbox ready ({db})");
    let mut workers = vec![Worker::start(db)?, Worker::start(db)?];

    let placing = {
        let outbox = outbox.clone();
        tokio::spawn(async move {
            // Three orders per transaction: the order rows and their
            // events commit together, or not at all.
            for first in (1..=ORDERS).step_by(3) {
                let mut tx = outbox.begin().await?;
                for number in first..(first + 3).min(ORDERS + 1) {
                    let customer = CUSTOMERS[(number as usize) % CUSTOMERS.len()].to_owned();
                    let order = Order { customer, number };
                    DB::insert_order(&mut tx, &order).await?;
                    tx.enter(|| ORDER_PLACED.send(Sender::of::<Shop>(), &order));
                }
                tx.commit().await?;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            println!("shop: committed {ORDERS} orders");
            Ok::<_, Failure>(())
        })
    };

    // Once a quarter of the orders have shipped, kill the worker that
    // shipped the latest one: it is at work.
    let busy = loop {
        check_time(started)?;
        let log = log.read().await?;
        if log.len() >= (ORDERS / 4) as usize {
            break log.last().map_or(0, |(_, _, _, pid)| *pid);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let at = workers
        .iter()
        .position(|worker| i64::from(worker.pid()) == busy)
        .unwrap_or(0);
    let victim = workers.remove(at);
    let pid = victim.pid();
    victim.kill()?;
    let stats = outbox.queue_stats(QUEUE).await?;
    println!(
        "shop: killed worker {pid} with SIGKILL; queue `{QUEUE}`: {} pending, {} in flight, {} dead",
        stats.pending, stats.in_flight, stats.dead
    );
    workers.push(Worker::start(db)?);
    placing.await??;

    // Wait until every order has shipped (the killed worker's claims
    // expire after their one-second lease, then are delivered again).
    loop {
        check_time(started)?;
        let stats = outbox.queue_stats(QUEUE).await?;
        if stats.pending + stats.in_flight + stats.dead == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for worker in workers {
        worker.stop()?;
    }
    let dead = outbox.queue_stats(QUEUE).await?.dead;
    check(&log.read().await?, dead)?;
    println!("shop: done in {:.1?}", started.elapsed());
    Ok(())
}

fn check_time(started: Instant) -> Result<(), Failure> {
    if started.elapsed() > LIMIT {
        return Err(format!("the run did not finish within {LIMIT:?}").into());
    }
    Ok(())
}

/// Every order delivered at least once; per customer, never a smaller
/// number after a larger one (a re-delivery repeats the last number only).
fn check(log: &[(String, i64, i64, i64)], dead: u64) -> Result<(), Failure> {
    let mut last = std::collections::HashMap::new();
    let mut delivered = std::collections::BTreeSet::new();
    for (customer, number, _, _) in log {
        let previous = last.insert(customer.as_str(), *number).unwrap_or(0);
        if *number < previous {
            return Err(format!("{customer}: order #{number} shipped after #{previous}").into());
        }
        delivered.insert(*number);
    }
    let missing: Vec<u32> = (1..=ORDERS)
        .filter(|n| !delivered.contains(&i64::from(*n)))
        .collect();
    if !missing.is_empty() || dead > 0 {
        return Err(format!("orders not shipped: {missing:?}, dead: {dead}").into());
    }
    let twice = log.len() - delivered.len();
    let again = log.iter().filter(|(_, _, attempt, _)| *attempt > 1).count();
    println!(
        "shop: all {ORDERS} orders shipped, in order per customer; {} deliveries logged: \
         {again} delivered again after the kill (attempt > 1), {twice} logged twice (shipped \
         but not acknowledged when killed)",
        log.len()
    );
    Ok(())
}
