//! On-commit delivery: `models::transaction`, `models::on_commit` and
//! `Signal::connect_on_commit`.

use std::sync::{Arc, Mutex};

use signals::builtin::{PostSave, post_save};
use signals::models::{self, Model, SaveOptions, Saved, in_transaction, on_commit, transaction};
use signals::{ConnectOptions, Sender};

// Callbacks are `Send`: the queue may move between threads with its task.
type Log = Arc<Mutex<Vec<String>>>;

fn push(log: &Log, line: &str) -> impl FnOnce() + Send + 'static {
    let log = log.clone();
    let line = line.to_owned();
    move || log.lock().unwrap().push(line)
}

#[test]
fn callbacks_run_after_the_commit_in_order() {
    let log = Log::default();
    let result = transaction(
        "tx",
        |tx| {
            assert!(in_transaction());
            on_commit(push(&log, "first"));
            on_commit(push(&log, "second"));
            log.lock().unwrap().push(format!("body in {tx}"));
            Ok::<_, ()>(42)
        },
        |tx| {
            // Nothing runs before the commit itself has succeeded.
            log.lock().unwrap().push(format!("commit {tx}"));
            Ok(())
        },
    );
    assert_eq!(result, Ok(42));
    assert!(!in_transaction());
    assert_eq!(
        *log.lock().unwrap(),
        ["body in tx", "commit tx", "first", "second"]
    );
}

#[test]
fn a_failed_body_or_commit_drops_the_callbacks() {
    let log = Log::default();
    let failed_body: Result<(), &str> = transaction(
        (),
        |()| {
            on_commit(push(&log, "never"));
            Err("rolled back")
        },
        |()| Ok(()),
    );
    assert_eq!(failed_body, Err("rolled back"));
    let failed_commit: Result<(), &str> = transaction(
        (),
        |()| {
            on_commit(push(&log, "never either"));
            Ok(())
        },
        |()| Err("commit failed"),
    );
    assert_eq!(failed_commit, Err("commit failed"));
    assert!(log.lock().unwrap().is_empty());
    assert!(!in_transaction());
}

#[test]
fn a_panicking_body_rolls_back_too() {
    let log = Log::default();
    let inner = log.clone();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        transaction::<_, (), ()>(
            (),
            |()| {
                on_commit(push(&inner, "never"));
                panic!("boom")
            },
            |()| Ok::<_, ()>(()),
        )
    }));
    assert!(caught.is_err());
    assert!(!in_transaction());
    // The queue was closed: outside a transaction a callback runs at once.
    on_commit(push(&log, "immediate"));
    assert_eq!(*log.lock().unwrap(), ["immediate"]);
}

#[test]
fn nested_transactions_deliver_after_the_outermost_commit() {
    let log = Log::default();
    transaction(
        (),
        |()| {
            on_commit(push(&log, "outer 1"));
            transaction(
                (),
                |()| {
                    on_commit(push(&log, "inner committed"));
                    Ok::<_, ()>(())
                },
                |()| Ok(()),
            )?;
            let rolled_back: Result<(), ()> = transaction(
                (),
                |()| {
                    on_commit(push(&log, "inner rolled back"));
                    Err(())
                },
                |()| Ok(()),
            );
            assert!(rolled_back.is_err());
            on_commit(push(&log, "outer 2"));
            assert!(
                log.lock().unwrap().is_empty(),
                "nothing before the outer commit"
            );
            Ok::<_, ()>(())
        },
        |()| Ok(()),
    )
    .unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        ["outer 1", "inner committed", "outer 2"]
    );
}

struct Order {
    number: u32,
}
impl Model for Order {
    type Pk = u32;
}

#[test]
fn receivers_connected_on_commit_capture_at_send_and_run_after_commit() {
    let delivered = Arc::new(Mutex::new(Vec::new()));
    let d = delivered.clone();
    let _connection = post_save
        .connect_on_commit(
            ConnectOptions::new().sender(Sender::of::<Order>()),
            move |_, args: &PostSave| {
                // Runs at send time, with the borrowed instance...
                let number = args.instance.downcast_ref::<Order>().unwrap().number;
                let d = d.clone();
                // ...and hands back the work for after the commit.
                move || d.lock().unwrap().push(number)
            },
        )
        .unwrap()
        .scoped();
    let save = |number| {
        models::save(&mut Order { number }, SaveOptions::new(), |_| {
            Ok::<_, ()>(Saved::Created)
        })
    };
    let rolled_back: Result<(), ()> = transaction(
        (),
        |()| {
            save(1)?;
            Err(())
        },
        |()| Ok(()),
    );
    assert!(rolled_back.is_err());
    transaction(
        (),
        |()| {
            save(2)?;
            save(3)?;
            assert!(delivered.lock().unwrap().is_empty());
            Ok::<_, ()>(())
        },
        |()| Ok(()),
    )
    .unwrap();
    // Outside a transaction (autocommit) the work runs at once.
    save(4).unwrap();
    assert_eq!(*delivered.lock().unwrap(), [2, 3, 4]);
}
