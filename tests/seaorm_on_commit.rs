//! On-commit delivery with SeaORM transactions (issue 13): what receivers
//! of a `#[model_signals]` entity queue with `on_commit` runs after
//! `signals::seaorm::Transaction` commits, in order, never after a
//! rollback (explicit, dropped, failed closure, panicking closure, failed
//! `COMMIT`), with the task resuming on another thread between queuing and
//! committing; savepoints hand their work to the enclosing transaction or
//! drop only their own; two transactions on one runtime never mix.
//!
//! Every scenario runs on a SQLite file and on PostgreSQL.

#[allow(dead_code)]
#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/runtimes.rs"]
mod runtimes;
#[macro_use]
#[path = "support/seaorm.rs"]
mod support;
#[path = "support/watchdog.rs"]
mod watchdog;

use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, TransactionError, TransactionSession};
use signals::builtin::{PostSave, post_save};
use signals::models::{OnCommit, on_commit};
use signals::receiver;
use signals::seaorm::Connection;
use signals::{ConnectOptions, Sender};

use runtimes::hop_from;
use support::{Backend, Db, author, log, post, take_log};

/// Where the welcome mails were queued: the thread, per author.
static QUEUED_ON: Mutex<Vec<(String, ThreadId)>> = Mutex::new(Vec::new());

#[receiver(post_save, sender = author::Entity)]
fn welcome(args: &PostSave<author::Model>) {
    if args.created {
        let name = args.instance.name.clone();
        QUEUED_ON
            .lock()
            .unwrap()
            .push((name.clone(), thread::current().id()));
        on_commit(move || log(format!("mail {name}")));
    }
}

#[receiver(post_save, sender = post::Entity)]
async fn announce(args: &PostSave<'_, post::Model>) {
    let slug = args.instance.slug.clone();
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    on_commit(move || log(format!("announce {slug}")));
}

fn mails(lines: Vec<String>) -> Vec<String> {
    lines.into_iter().filter(|l| !l.contains("hook")).collect()
}

async fn callbacks_run_after_the_commit_in_order(db: Db) {
    let conn = Connection::new(db.conn.clone());
    // A runtime receiver connected for on-commit delivery, beside the
    // static ones.
    let _audit = post_save
        .connect_on_commit(
            ConnectOptions::new().sender(Sender::of::<author::Entity>()),
            |_, args: &PostSave| {
                let name = args
                    .instance
                    .downcast_ref::<author::Model>()
                    .unwrap()
                    .name
                    .clone();
                move || log(format!("audit {name}"))
            },
        )
        .unwrap()
        .scoped();
    let txn = conn.begin().await.unwrap();
    let ada = author::new("ada").insert(&txn).await.unwrap();
    post::new(ada.id, "Hello World").insert(&txn).await.unwrap();
    let l = "body".to_owned();
    txn.handle().on_commit(move || log(l));
    author::new("grace").insert(&txn).await.unwrap();
    assert_eq!(
        mails(take_log()),
        Vec::<String>::new(),
        "nothing before COMMIT"
    );
    txn.commit().await.unwrap();
    assert_eq!(
        mails(take_log()),
        [
            "mail ada",
            "audit ada",
            "announce hello-world",
            "body",
            "mail grace",
            "audit grace"
        ]
    );

    // Outside a transaction the save commits at once, and so does its work.
    author::new("edsger").insert(&conn).await.unwrap();
    assert_eq!(mails(take_log()), ["mail edsger", "audit edsger"]);
}

async fn nothing_runs_after_a_rollback(db: Db) {
    let conn = Connection::new(db.conn.clone());
    let txn = conn.begin().await.unwrap();
    author::new("ada").insert(&txn).await.unwrap();
    txn.rollback().await.unwrap();
    {
        let dropped = conn.begin().await.unwrap();
        author::new("grace").insert(&dropped).await.unwrap();
    }
    let failed = conn
        .transaction::<_, (), DbErr>(|txn| {
            Box::pin(async move {
                author::new("edsger").insert(txn).await?;
                Err(DbErr::Custom("no".into()))
            })
        })
        .await;
    assert!(matches!(failed, Err(TransactionError::Transaction(_))));
    // A panicking closure, in a task of its own.
    let c = conn.clone();
    let panicked = tokio::spawn(async move {
        c.transaction::<_, (), DbErr>(|txn| {
            Box::pin(async move {
                author::new("barbara").insert(txn).await?;
                panic!("the closure panics");
            })
        })
        .await
    })
    .await;
    assert!(panicked.unwrap_err().is_panic());
    assert_eq!(mails(take_log()), Vec::<String>::new());
    // The data went too.
    let count = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM author",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(count, 0);
}

async fn a_failed_commit_runs_nothing(db: Db) {
    let conn = Connection::new(db.conn.clone());
    // A constraint checked only at COMMIT.
    let defer = match db.backend {
        Backend::Sqlite => "PRAGMA defer_foreign_keys = ON",
        Backend::Postgres => {
            conn.execute_unprepared(
                "CREATE TABLE gate (n INT UNIQUE DEFERRABLE INITIALLY DEFERRED)",
            )
            .await
            .unwrap();
            "INSERT INTO gate VALUES (1), (1)"
        }
    };
    let txn = conn.begin().await.unwrap();
    author::new("ada").insert(&txn).await.unwrap();
    txn.execute_unprepared(defer).await.unwrap();
    if db.backend == Backend::Sqlite {
        // A post of an author that does not exist.
        txn.execute_unprepared(
            "INSERT INTO post (author_id, title, slug) VALUES (424242, 'orphan', 'orphan')",
        )
        .await
        .unwrap();
    }
    let error = txn.commit().await.unwrap_err();
    assert!(!error.to_string().is_empty());
    assert_eq!(mails(take_log()), Vec::<String>::new());
}

fn last_queued_on() -> ThreadId {
    QUEUED_ON
        .lock()
        .unwrap()
        .last()
        .expect("a mail was queued")
        .1
}

/// The task queues (in a receiver), resumes on another worker, queues
/// again, resumes on another worker again, commits.
async fn callbacks_follow_the_task_across_threads(db: Db) {
    let conn = Connection::new(db.conn.clone());
    let hops = tokio::spawn(async move {
        let mut hops = Vec::new();
        let txn = conn.begin().await.unwrap();
        for name in ["ada", "grace"] {
            author::new(name).insert(&txn).await.unwrap();
            let queued_on = last_queued_on();
            hop_from(queued_on).await;
            hops.push((queued_on, thread::current().id()));
        }
        assert_eq!(mails(take_log()), Vec::<String>::new());
        txn.commit().await.unwrap();
        hops
    })
    .await
    .unwrap();
    for (queued_on, resumed_on) in hops {
        assert_ne!(queued_on, resumed_on);
    }
    assert_eq!(mails(take_log()), ["mail ada", "mail grace"]);
}

async fn savepoints_join_or_drop_their_own(db: Db) {
    let conn = Connection::new(db.conn.clone());
    let txn = conn.begin().await.unwrap();
    author::new("ada").insert(&txn).await.unwrap();
    let released = txn.begin().await.unwrap();
    author::new("grace").insert(&released).await.unwrap();
    released.commit().await.unwrap();
    let dropped = txn.begin().await.unwrap();
    author::new("edsger").insert(&dropped).await.unwrap();
    dropped.rollback().await.unwrap();
    // The closure form of a savepoint.
    txn.transaction::<_, (), DbErr>(|sp| {
        Box::pin(async move {
            author::new("barbara").insert(sp).await?;
            Ok(())
        })
    })
    .await
    .unwrap();
    assert_eq!(
        mails(take_log()),
        Vec::<String>::new(),
        "released, not committed"
    );
    txn.commit().await.unwrap();
    assert_eq!(
        mails(take_log()),
        ["mail ada", "mail grace", "mail barbara"]
    );
}

async fn the_closure_form_and_seaorms_traits_commit_the_same_way(db: Db) {
    let conn = Connection::new(db.conn.clone());
    conn.transaction::<_, (), DbErr>(|txn| {
        Box::pin(async move {
            author::new("ada").insert(txn).await?;
            // The closure runs with its transaction current.
            on_commit(|| log("closure body".into()));
            Ok(())
        })
    })
    .await
    .unwrap();
    assert_eq!(mails(take_log()), ["mail ada", "closure body"]);

    // Through SeaORM's own traits, as generic code would.
    async fn begin_save_commit<T>(db: &T, name: &str) -> Result<(), DbErr>
    where
        T: sea_orm::TransactionTrait,
    {
        let txn = db.begin().await?;
        author::new(name).insert(&txn).await?;
        TransactionSession::commit(txn).await
    }
    begin_save_commit(&conn, "grace").await.unwrap();
    assert_eq!(mails(take_log()), ["mail grace"]);
}

/// Two transactions open at once in two tasks on one runtime, both
/// resuming on other threads while open: one commits, one rolls back.
/// (The second queues from its own code: SQLite lets one transaction
/// write at a time.)
async fn concurrent_transactions_never_mix(db: Db) {
    let conn = Connection::new(db.conn.clone());
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let (c, b) = (conn.clone(), barrier.clone());
    let kept = tokio::spawn(async move {
        let txn = c.begin().await.unwrap();
        author::new("kept").insert(&txn).await.unwrap();
        b.wait().await;
        hop_from(thread::current().id()).await;
        b.wait().await;
        txn.commit().await.unwrap();
    });
    let (c, b) = (conn.clone(), barrier);
    let dropped = tokio::spawn(async move {
        let txn = c.begin().await.unwrap();
        let handle: OnCommit = txn.handle();
        txn.scope(async {
            on_commit(|| log("dropped before".into()));
            b.wait().await;
            hop_from(thread::current().id()).await;
            on_commit(|| log("dropped after".into()));
            b.wait().await;
        })
        .await;
        txn.rollback().await.unwrap();
        // After the rollback its handle drops what it is given.
        handle.on_commit(|| log("late".into()));
    });
    kept.await.unwrap();
    dropped.await.unwrap();
    assert_eq!(mails(take_log()), ["mail kept"]);
}

async fn a_raw_seaorm_transaction_is_not_ours(db: Db) {
    // The documented gap: a transaction begun on SeaORM's own connection
    // is invisible to on-commit delivery, so its receivers' work runs at
    // once, before its COMMIT (use `signals::seaorm::Transaction`).
    let raw = sea_orm::TransactionTrait::begin(&db.conn).await.unwrap();
    author::new("ada").insert(&raw).await.unwrap();
    assert_eq!(mails(take_log()), ["mail ada"]);
    raw.rollback().await.unwrap();
}

on_both! {
    callbacks_run_after_the_commit_in_order,
    nothing_runs_after_a_rollback,
    a_failed_commit_runs_nothing,
    callbacks_follow_the_task_across_threads,
    savepoints_join_or_drop_their_own,
    the_closure_form_and_seaorms_traits_commit_the_same_way,
    concurrent_transactions_never_mix,
    a_raw_seaorm_transaction_is_not_ours,
}
