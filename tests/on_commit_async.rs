//! On-commit delivery for async transactions (issue 9, item 4; DESIGN 9;
//! DJANGO-RULES part D): the queue follows the task (or an explicit
//! `OnCommit` handle), not the thread. Tested on a 2-worker runtime inside
//! spawned tasks that provably resume on another thread between queuing a
//! callback and committing, and on a current-thread runtime where two
//! transactions interleave on one thread.

#[path = "support/runtimes.rs"]
mod runtimes;
#[path = "support/watchdog.rs"]
mod watchdog;

use std::sync::{Arc, Mutex};
use std::thread;

use runtimes::{
    Flavour, current_thread, guard, hop_from, multi_thread, on_both_flavours, panic_message,
};
use signals::builtin::{PostSave, post_save};
use signals::models::{
    self, Model, OnCommit, SaveOptions, Saved, TransactionScope, atransaction, in_transaction,
    on_commit, on_commit_robust,
};
use signals::{ConnectOptions, Sender};
use tokio::sync::Notify;

type Log = Arc<Mutex<Vec<String>>>;

fn push<S: Into<String>>(log: &Log, line: S) -> impl FnOnce() + Send + 'static + use<S> {
    let log = log.clone();
    let line = line.into();
    move || log.lock().unwrap().push(line)
}

fn lines(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

// The task queues, resumes on another worker, queues again, commits: each
// callback runs once, in order, after the commit.
#[test]
fn callbacks_follow_the_task_across_threads() {
    let _watchdog = guard("callbacks_follow_the_task_across_threads");
    let runtime = multi_thread(2);
    let log = Log::default();
    let l = log.clone();
    let hopped = runtime
        .block_on(runtime.spawn(async move {
            let result = atransaction(
                (),
                async |()| {
                    let registered_on = thread::current().id();
                    on_commit(push(&l, "first"));
                    hop_from(registered_on).await;
                    assert!(in_transaction());
                    on_commit(push(&l, "second"));
                    let second_on = thread::current().id();
                    // And once more before committing.
                    hop_from(second_on).await;
                    Ok::<_, ()>(registered_on != second_on)
                },
                async |()| {
                    l.lock().unwrap().push("commit".into());
                    Ok(())
                },
            )
            .await;
            assert!(!in_transaction());
            result
        }))
        .unwrap();
    assert_eq!(hopped, Ok(true));
    assert_eq!(lines(&log), ["commit", "first", "second"]);
}

// A body or a commit that fails after a hop, and a transaction future
// dropped mid-body, deliver nothing; handles to them drop callbacks too.
#[test]
fn a_rollback_after_a_hop_delivers_nothing() {
    let _watchdog = guard("a_rollback_after_a_hop_delivers_nothing");
    let runtime = multi_thread(2);
    let log = Log::default();
    let l = log.clone();
    runtime
        .block_on(runtime.spawn(async move {
            let failed_body: Result<(), &str> = atransaction(
                (),
                async |()| {
                    let from = thread::current().id();
                    on_commit(push(&l, "body failed"));
                    hop_from(from).await;
                    Err("constraint violated")
                },
                async |()| Ok(()),
            )
            .await;
            assert_eq!(failed_body, Err("constraint violated"));
            let failed_commit: Result<(), &str> = atransaction(
                (),
                async |()| {
                    let from = thread::current().id();
                    hop_from(from).await;
                    on_commit(push(&l, "commit failed"));
                    Ok(())
                },
                async |()| Err("serialization failure"),
            )
            .await;
            assert_eq!(failed_commit, Err("serialization failure"));
            // Dropped while its body waits: a rollback as well.
            let handle = Arc::new(Mutex::new(None));
            let h = handle.clone();
            let l2 = l.clone();
            let abandoned = atransaction(
                (),
                async move |()| {
                    on_commit(push(&l2, "abandoned"));
                    *h.lock().unwrap() = Some(OnCommit::current());
                    std::future::pending::<Result<(), ()>>().await
                },
                async |()| Ok(()),
            );
            let timed_out = tokio::time::timeout(std::time::Duration::from_millis(20), abandoned);
            assert!(timed_out.await.is_err());
            let handle = handle.lock().unwrap().take().unwrap();
            assert!(!handle.is_open());
            handle.on_commit(push(&l, "queued after the rollback"));
        }))
        .unwrap();
    assert!(lines(&log).is_empty(), "{:?}", lines(&log));
}

// Two transactions open at once on one runtime, interleaving on the same
// threads (on a current-thread runtime, on the one thread): each callback
// goes to its own transaction; one commits while the other is still open
// and later rolls back.
#[test]
fn concurrent_transactions_never_see_each_others_callbacks() {
    on_both_flavours("concurrent_transactions", |flavour| async move {
        let log = Log::default();
        let a_registered = Arc::new(Notify::new());
        let b_registered = Arc::new(Notify::new());
        let a_committed = Arc::new(Notify::new());
        let (l, a_reg, b_reg, a_done) = (
            log.clone(),
            a_registered.clone(),
            b_registered.clone(),
            a_committed.clone(),
        );
        let a = tokio::spawn(async move {
            atransaction(
                (),
                async |()| {
                    on_commit(push(&l, "a1"));
                    a_reg.notify_one();
                    // B queues while A is suspended here.
                    b_reg.notified().await;
                    on_commit(push(&l, "a2"));
                    Ok::<_, ()>(())
                },
                async |()| Ok(()),
            )
            .await
            .unwrap();
            a_done.notify_one();
        });
        let (l, a_reg, b_reg, a_done) = (
            log.clone(),
            a_registered.clone(),
            b_registered.clone(),
            a_committed.clone(),
        );
        let b = tokio::spawn(async move {
            let rolled_back: Result<(), &str> = atransaction(
                (),
                async |()| {
                    a_reg.notified().await;
                    on_commit(push(&l, "b1"));
                    b_reg.notify_one();
                    // A commits while B is open.
                    a_done.notified().await;
                    assert_eq!(lines(&l), ["a1", "a2"], "B's callback ran with A's");
                    on_commit(push(&l, "b2"));
                    Err("b rolls back")
                },
                async |()| Ok(()),
            )
            .await;
            assert_eq!(rolled_back, Err("b rolls back"));
        });
        a.await.unwrap();
        b.await.unwrap();
        assert_eq!(lines(&log), ["a1", "a2"], "{flavour:?}");
    });
}

// Nested transactions are savepoints: a nested commit hands its callbacks to
// the outer transaction (they run after the outermost commit, in
// registration order); a nested rollback drops only its own; an outer
// rollback drops everything. With hops between every step.
#[test]
fn nested_transactions_behave_as_savepoints() {
    let _watchdog = guard("nested_transactions_behave_as_savepoints");
    let runtime = multi_thread(2);
    let log = Log::default();
    let l = log.clone();
    runtime
        .block_on(runtime.spawn(async move {
            atransaction(
                (),
                async |()| {
                    on_commit(push(&l, "outer 1"));
                    hop_from(thread::current().id()).await;
                    atransaction(
                        (),
                        async |()| {
                            on_commit(push(&l, "savepoint released"));
                            hop_from(thread::current().id()).await;
                            Ok::<_, ()>(())
                        },
                        async |()| Ok(()),
                    )
                    .await?;
                    let rolled_back = atransaction(
                        (),
                        async |()| {
                            on_commit(push(&l, "savepoint rolled back"));
                            hop_from(thread::current().id()).await;
                            Err::<(), ()>(())
                        },
                        async |()| Ok(()),
                    )
                    .await;
                    assert!(rolled_back.is_err());
                    on_commit(push(&l, "outer 2"));
                    assert!(lines(&l).is_empty(), "nothing before the outermost commit");
                    Ok::<_, ()>(())
                },
                async |()| Ok(()),
            )
            .await
            .unwrap();
            let outer_rolled_back: Result<(), ()> = atransaction(
                (),
                async |()| {
                    atransaction(
                        (),
                        async |()| {
                            on_commit(push(&l, "released into a rolled-back outer"));
                            Ok::<_, ()>(())
                        },
                        async |()| Ok(()),
                    )
                    .await?;
                    hop_from(thread::current().id()).await;
                    Err(())
                },
                async |()| Ok(()),
            )
            .await;
            assert!(outer_rolled_back.is_err());
        }))
        .unwrap();
    assert_eq!(lines(&log), ["outer 1", "savepoint released", "outer 2"]);
}

// Work that runs outside the body (spawned tasks) takes the transaction
// along: queuing through an `OnCommit` handle, or running under
// `handle.scope(..)` so that plain `on_commit` calls (and receivers) see it.
#[test]
fn spawned_tasks_queue_through_an_explicit_handle() {
    let _watchdog = guard("spawned_tasks_queue_through_an_explicit_handle");
    let runtime = multi_thread(2);
    let log = Log::default();
    let l = log.clone();
    runtime
        .block_on(runtime.spawn(async move {
            let handle = atransaction(
                (),
                async |()| {
                    let handle = OnCommit::current();
                    let (h, l1) = (handle.clone(), l.clone());
                    tokio::spawn(async move {
                        // A spawned task does not inherit the transaction...
                        assert!(!in_transaction());
                        h.on_commit(push(&l1, "through the handle"));
                    })
                    .await
                    .unwrap();
                    let l2 = l.clone();
                    tokio::spawn(handle.scope(async move {
                        // ...unless it runs in its scope.
                        hop_from(thread::current().id()).await;
                        assert!(in_transaction());
                        on_commit(push(&l2, "in the handle's scope"));
                    }))
                    .await
                    .unwrap();
                    assert!(lines(&l).is_empty());
                    Ok::<_, ()>(handle)
                },
                async |()| Ok(()),
            )
            .await
            .unwrap();
            // Committed: the handle now runs callbacks at once.
            assert!(!handle.is_open());
            handle.on_commit(push(&l, "after the commit"));
        }))
        .unwrap();
    assert_eq!(
        lines(&log),
        [
            "through the handle",
            "in the handle's scope",
            "after the commit"
        ]
    );
}

struct Order {
    number: u32,
}
impl Model for Order {
    type Pk = u32;
}

// Receivers that `asend` (and `send`) run from the body queue into the
// task's transaction: `connect_on_commit` captures at send time and
// delivers after the commit, after a hop.
#[test]
fn receivers_run_from_the_body_queue_into_its_transaction() {
    let _watchdog = guard("receivers_run_from_the_body_queue_into_its_transaction");
    let log = Log::default();
    let l = log.clone();
    let _connection = post_save
        .connect_on_commit(
            ConnectOptions::new().sender(Sender::of::<Order>()),
            move |_, args: &PostSave| {
                let number = args.instance.downcast_ref::<Order>().unwrap().number;
                push(&l, format!("order {number}"))
            },
        )
        .unwrap()
        .scoped();
    let runtime = multi_thread(2);
    let l = log.clone();
    runtime
        .block_on(runtime.spawn(async move {
            atransaction(
                (),
                async |()| {
                    models::asave(&mut Order { number: 1 }, SaveOptions::new(), async |_| {
                        hop_from(thread::current().id()).await;
                        Ok::<_, ()>(Saved::Created)
                    })
                    .await?;
                    hop_from(thread::current().id()).await;
                    // The sync helper (sync receivers only: `send` runs inline).
                    models::save(&mut Order { number: 2 }, SaveOptions::new(), |_| {
                        Ok::<_, ()>(Saved::Created)
                    })?;
                    assert!(lines(&l).is_empty());
                    Ok::<_, ()>(())
                },
                async |()| Ok(()),
            )
            .await
            .unwrap();
        }))
        .unwrap();
    assert_eq!(lines(&log), ["order 1", "order 2"]);
}

// Django's `robust=True`: a panicking robust callback is caught and the
// next one runs; a plain callback's panic propagates out of the commit and
// drops the callbacks after it. A callback that queues another runs it at
// once (no transaction is current while callbacks run).
#[test]
fn robust_and_plain_callback_panics_and_callbacks_that_queue_more() {
    let _watchdog = guard("robust_and_plain_callback_panics_and_callbacks_that_queue_more");
    let runtime = current_thread();
    let log = Log::default();
    let l = log.clone();
    runtime.block_on(async move {
        atransaction(
            (),
            async |()| {
                on_commit_robust(|| panic!("robust callback failed"));
                let l1 = l.clone();
                on_commit(move || {
                    assert!(!in_transaction());
                    l1.lock().unwrap().push("after the robust panic".into());
                    on_commit(push(&l1, "queued by a callback: at once"));
                    l1.lock().unwrap().push("callback done".into());
                });
                on_commit(push(&l, "last"));
                Ok::<_, ()>(())
            },
            async |()| Ok(()),
        )
        .await
        .unwrap();
        let l2 = l.clone();
        let task = tokio::spawn(async move {
            atransaction(
                (),
                async |()| {
                    on_commit(push(&l2, "before the plain panic"));
                    on_commit(|| panic!("plain callback failed"));
                    on_commit(push(&l2, "never: after the plain panic"));
                    Ok::<_, ()>(())
                },
                async |()| Ok(()),
            )
            .await
        });
        let payload = task.await.unwrap_err().into_panic();
        assert_eq!(panic_message(&*payload), "plain callback failed");
        // The queue is gone with the transaction: nothing is left pending.
        assert!(!in_transaction());
    });
    assert_eq!(
        lines(&log),
        [
            "after the robust panic",
            "queued by a callback: at once",
            "callback done",
            "last",
            "before the plain panic"
        ]
    );
}

// What an ORM integration does with `TransactionScope`: open it with the
// database transaction, run the code in it, report how it ended; a scope
// dropped without a report rolls back.
#[test]
fn a_transaction_scope_driven_by_hand() {
    let _watchdog = guard("a_transaction_scope_driven_by_hand");
    let runtime = multi_thread(2);
    let log = Log::default();
    let l = log.clone();
    runtime
        .block_on(runtime.spawn(async move {
            let scope = TransactionScope::open();
            scope
                .scope(async {
                    on_commit(push(&l, "committed work"));
                    hop_from(thread::current().id()).await;
                })
                .await;
            // `COMMIT` succeeded.
            scope.commit_succeeded();
            let forgotten = TransactionScope::open();
            forgotten
                .scope(async { on_commit(push(&l, "never")) })
                .await;
            drop(forgotten);
            let rolled_back = TransactionScope::open();
            rolled_back.enter(|| on_commit(push(&l, "never either")));
            rolled_back.rolled_back();
        }))
        .unwrap();
    assert_eq!(lines(&log), ["committed work"]);
}

// The sync `transaction` and the async one nest into each other: a sync
// transaction opened inside an async body is a savepoint of it.
#[test]
fn sync_and_async_transactions_nest() {
    on_both_flavours(
        "sync_and_async_transactions_nest",
        |flavour: Flavour| async move {
            let log = Log::default();
            let l = log.clone();
            atransaction(
                (),
                async |()| {
                    models::transaction(
                        (),
                        |()| {
                            on_commit(push(&l, "sync savepoint"));
                            Ok::<_, ()>(())
                        },
                        |()| Ok(()),
                    )?;
                    tokio::task::yield_now().await;
                    on_commit(push(&l, "async outer"));
                    assert!(lines(&l).is_empty());
                    Ok::<_, ()>(())
                },
                async |()| Ok(()),
            )
            .await
            .unwrap();
            assert_eq!(
                lines(&log),
                ["sync savepoint", "async outer"],
                "{flavour:?}"
            );
        },
    );
}
