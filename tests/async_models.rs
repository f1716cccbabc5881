//! The async model helpers (`asave`, `adelete`, `M2m::aadd/aremove/aclear`,
//! `amigrate`) against their sync twins (issue 9, items 2e and 3): the same
//! signals with the same Django arguments in the same order, the same rules
//! (no `post_*` after a failed persistence, `pk_set`, nothing asked when
//! nobody listens), run in tasks of a multi-thread runtime with async
//! receivers that need its timer; and `models::save` (which uses `send`)
//! inside a current-thread runtime refusing instead of freezing it.

#[path = "support/runtimes.rs"]
mod runtimes;
#[path = "support/watchdog.rs"]
mod watchdog;

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::time::Duration;

use runtimes::{current_thread, guard, multi_thread, panic_message};
use signals::builtin::{
    M2mChanged, Migrate, PlanStep, PostDelete, PostSave, PreDelete, PreSave, m2m_changed,
    post_delete, post_migrate, post_save, pre_delete, pre_migrate, pre_save,
};
use signals::models::{
    self, DeleteOptions, Deletion, M2m, MigrateOptions, Model, SaveOptions, Saved, Through,
};
use signals::{ConnectOptions, Sender, receiver};

/// What the receivers and the persistence code of the scenario did, in
/// order.
static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn log(line: String) {
    LOG.lock().unwrap().push(line);
}

/// A timer of the runtime polling the receiver: only a runtime that keeps
/// running completes it.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

#[derive(Debug)]
struct Author {
    id: u32,
    name: String,
}
impl Model for Author {
    type Pk = u32;
}

struct Book {
    title: &'static str,
}
impl Model for Book {
    type Pk = u32;
}

struct AuthorBooks;
impl Through for AuthorBooks {
    type Source = Author;
    type Target = Book;
}

#[receiver(pre_save, sender = Author)]
fn author_pre_save(args: &PreSave<Author>) {
    log(format!(
        "pre_save {} id={} raw={} using={} fields={:?}",
        args.instance.name, args.instance.id, args.raw, args.using, args.update_fields
    ));
}

#[receiver(post_save, sender = Author)]
async fn author_post_save(args: &PostSave<'_, Author>) {
    let line = format!(
        "post_save {} id={} created={} raw={} using={}",
        args.instance.name, args.instance.id, args.created, args.raw, args.using
    );
    tick().await;
    log(line);
}

#[receiver(pre_delete, sender = Book)]
fn book_pre_delete(args: &PreDelete<Book>) {
    let origin = args.origin.downcast_ref::<Author>().map(|a| a.name.clone());
    log(format!(
        "pre_delete book {} origin={origin:?} using={}",
        args.instance.title, args.using
    ));
}

#[receiver(pre_delete, sender = Author)]
fn author_pre_delete(args: &PreDelete<Author>) {
    log(format!("pre_delete author {}", args.instance.name));
}

#[receiver(post_delete, sender = Book)]
async fn book_post_delete(args: &PostDelete<'_, Book>) {
    let line = format!("post_delete book {}", args.instance.title);
    tick().await;
    log(line);
}

#[receiver(post_delete, sender = Author)]
async fn author_post_delete(args: &PostDelete<'_, Author>) {
    let line = format!("post_delete author {}", args.instance.name);
    tick().await;
    log(line);
}

#[receiver(m2m_changed, sender = AuthorBooks)]
async fn author_books_changed(args: &M2mChanged<'_>) {
    let line = format!(
        "m2m {:?} reverse={} pk_set={:?} using={} raw={}",
        args.action,
        args.reverse,
        args.pk_set.map(|set| set
            .get::<u32>()
            .unwrap()
            .iter()
            .copied()
            .collect::<Vec<_>>()),
        args.using,
        args.raw
    );
    tick().await;
    log(line);
}

const APP: &str = "async_models_app";

fn migration_line(when: &str, args: &Migrate) -> String {
    format!(
        "{when} {} using={} steps={} verbosity={}",
        args.app,
        args.using,
        args.plan.len(),
        args.verbosity
    )
}

/// The scenario with the sync helpers, run in a task of a multi-thread
/// runtime: `send` waits for the async receivers in `block_in_place`.
fn scenario_sync() {
    let mut ada = Author {
        id: 0,
        name: "ada".into(),
    };
    let created = models::save(&mut ada, SaveOptions::new().using("main"), |author| {
        author.id = 1;
        log("persist insert ada".into());
        Ok::<_, &str>(Saved::Created)
    });
    assert_eq!(created, Ok(Saved::Created));
    let fields: &[&str] = &["name"];
    let failed = models::save(
        &mut ada,
        SaveOptions::new().update_fields(fields).raw(true),
        |_| {
            log("persist update fails".into());
            Err("disk full")
        },
    );
    assert_eq!(failed, Err("disk full"));
    let books = [Book { title: "notes" }, Book { title: "letters" }];
    let mut deletion = Deletion::new(&ada);
    deletion.cascade_all(&books);
    models::delete(&deletion, DeleteOptions::new().using("main"), || {
        log("persist delete".into());
        Ok::<_, ()>(())
    })
    .unwrap();
    let relation = M2m::<AuthorBooks>::forward(&ada).using("main");
    let added = relation.add(
        [1, 2, 3],
        |keys| {
            log(format!("present? {keys:?}"));
            Ok::<_, ()>(BTreeSet::from([2]))
        },
        |keys| {
            log(format!("insert {keys:?}"));
            Ok(())
        },
    );
    assert_eq!(added, Ok(BTreeSet::from([1, 3])));
    let removed = M2m::<AuthorBooks>::reverse(&books[0])
        .raw(true)
        .remove([1, 9], |keys| {
            log(format!("delete {keys:?}"));
            Err("locked")
        });
    assert_eq!(removed, Err("locked"));
    relation
        .clear(|| {
            log("delete all".into());
            Ok::<_, ()>(())
        })
        .unwrap();
    let plan = [
        PlanStep::forwards(APP, "0001"),
        PlanStep::forwards(APP, "0002"),
    ];
    let migrated = models::migrate(&[APP], &plan, MigrateOptions::new().verbosity(2), |step| {
        log(format!("apply {}", step.name));
        if step.name == "0002" {
            Err("bad step")
        } else {
            Ok(())
        }
    });
    assert_eq!(migrated, Err("bad step"));
    models::migrate(&[APP], &plan[..1], MigrateOptions::new(), |step| {
        log(format!("apply {}", step.name));
        Ok::<_, ()>(())
    })
    .unwrap();
}

/// The same scenario with the async twins; the persistence code awaits the
/// runtime's timer too.
async fn scenario_async() {
    let mut ada = Author {
        id: 0,
        name: "ada".into(),
    };
    let created = models::asave(&mut ada, SaveOptions::new().using("main"), async |author| {
        tick().await;
        author.id = 1;
        log("persist insert ada".into());
        Ok::<_, &str>(Saved::Created)
    })
    .await;
    assert_eq!(created, Ok(Saved::Created));
    let fields: &[&str] = &["name"];
    let failed = models::asave(
        &mut ada,
        SaveOptions::new().update_fields(fields).raw(true),
        async |_| {
            tick().await;
            log("persist update fails".into());
            Err("disk full")
        },
    )
    .await;
    assert_eq!(failed, Err("disk full"));
    let books = [Book { title: "notes" }, Book { title: "letters" }];
    let mut deletion = Deletion::new(&ada);
    deletion.cascade_all(&books);
    models::adelete(&deletion, DeleteOptions::new().using("main"), async || {
        tick().await;
        log("persist delete".into());
        Ok::<_, ()>(())
    })
    .await
    .unwrap();
    let relation = M2m::<AuthorBooks>::forward(&ada).using("main");
    let added = relation
        .aadd(
            [1, 2, 3],
            async |keys| {
                tick().await;
                log(format!("present? {keys:?}"));
                Ok::<_, ()>(BTreeSet::from([2]))
            },
            async |keys| {
                log(format!("insert {keys:?}"));
                Ok(())
            },
        )
        .await;
    assert_eq!(added, Ok(BTreeSet::from([1, 3])));
    let removed = M2m::<AuthorBooks>::reverse(&books[0])
        .raw(true)
        .aremove([1, 9], async |keys| {
            tick().await;
            log(format!("delete {keys:?}"));
            Err("locked")
        })
        .await;
    assert_eq!(removed, Err("locked"));
    relation
        .aclear(async || {
            log("delete all".into());
            Ok::<_, ()>(())
        })
        .await
        .unwrap();
    let plan = [
        PlanStep::forwards(APP, "0001"),
        PlanStep::forwards(APP, "0002"),
    ];
    let migrated = models::amigrate(
        &[APP],
        &plan,
        MigrateOptions::new().verbosity(2),
        async |step| {
            tick().await;
            log(format!("apply {}", step.name));
            if step.name == "0002" {
                Err("bad step")
            } else {
                Ok(())
            }
        },
    )
    .await;
    assert_eq!(migrated, Err("bad step"));
    models::amigrate(&[APP], &plan[..1], MigrateOptions::new(), async |step| {
        log(format!("apply {}", step.name));
        Ok::<_, ()>(())
    })
    .await
    .unwrap();
}

/// What both scenarios must log: Django's arguments and order, no `post_*`
/// after a failure, `pk_set` rules.
const EXPECTED: &[&str] = &[
    "pre_save ada id=0 raw=false using=main fields=None",
    "persist insert ada",
    "post_save ada id=1 created=true raw=false using=main",
    "pre_save ada id=1 raw=true using=default fields=Some([\"name\"])",
    "persist update fails",
    // Cascades first, then the origin; `origin` is the root for all.
    "pre_delete book notes origin=Some(\"ada\") using=main",
    "pre_delete book letters origin=Some(\"ada\") using=main",
    "pre_delete author ada",
    "persist delete",
    "post_delete book notes",
    "post_delete book letters",
    "post_delete author ada",
    // add: `pk_set` is what is actually inserted.
    "present? {1, 2, 3}",
    "m2m PreAdd reverse=false pk_set=Some([1, 3]) using=main raw=false",
    "insert {1, 3}",
    "m2m PostAdd reverse=false pk_set=Some([1, 3]) using=main raw=false",
    // remove: every submitted key; no `post_remove` after the failure.
    "m2m PreRemove reverse=true pk_set=Some([1, 9]) using=default raw=true",
    "delete {1, 9}",
    "m2m PreClear reverse=false pk_set=None using=main raw=false",
    "delete all",
    "m2m PostClear reverse=false pk_set=None using=main raw=false",
    // A failed step: no `post_migrate`.
    "pre_migrate async_models_app using=default steps=2 verbosity=2",
    "apply 0001",
    "apply 0002",
    "pre_migrate async_models_app using=default steps=1 verbosity=1",
    "apply 0001",
    "post_migrate async_models_app using=default steps=1 verbosity=1",
];

// Item 3: each async twin sends exactly what its sync helper sends. Both
// run in tasks of a 2-worker runtime (the async one is spawned, so its
// future is `Send`), with async receivers that need the runtime's timer.
#[test]
fn async_helpers_send_what_the_sync_ones_send() {
    let _watchdog = guard("async_helpers_send_what_the_sync_ones_send");
    let _pre = pre_migrate
        .connect_with(
            ConnectOptions::new().sender(Sender::named(APP)),
            |_, args: &Migrate| log(migration_line("pre_migrate", args)),
        )
        .unwrap()
        .scoped();
    let _post = post_migrate
        .connect_async_with(
            ConnectOptions::new().sender(Sender::named(APP)),
            |_, args: &Migrate| {
                let line = migration_line("post_migrate", args);
                Box::pin(async move {
                    tick().await;
                    log(line);
                })
            },
        )
        .unwrap()
        .scoped();
    let runtime = multi_thread(2);
    runtime
        .block_on(runtime.spawn(async { scenario_sync() }))
        .unwrap();
    let sync = std::mem::take(&mut *LOG.lock().unwrap());
    runtime.block_on(runtime.spawn(scenario_async())).unwrap();
    let awaited = std::mem::take(&mut *LOG.lock().unwrap());
    assert_eq!(sync, EXPECTED);
    assert_eq!(awaited, EXPECTED);
}

struct Quiet;
impl Model for Quiet {
    type Pk = u32;
}
struct QuietLinks;
impl Through for QuietLinks {
    type Source = Quiet;
    type Target = Quiet;
}

// Django's fast path, in the async twin too: when nobody listens to
// `m2m_changed`, `present` is not asked and `insert` gets every key.
#[test]
fn aadd_asks_nothing_when_nobody_listens() {
    let _watchdog = guard("aadd_asks_nothing_when_nobody_listens");
    let inserted = current_thread().block_on(async {
        M2m::<QuietLinks>::forward(&Quiet)
            .aadd(
                [4, 5],
                async |_| -> Result<BTreeSet<u32>, ()> { panic!("present asked") },
                async |keys| {
                    assert_eq!(*keys, BTreeSet::from([4, 5]));
                    Ok(())
                },
            )
            .await
    });
    assert_eq!(inserted, Ok(BTreeSet::from([4, 5])));
}

struct Invoice {
    number: u32,
}
impl Model for Invoice {
    type Pk = u32;
}

static INVOICE_LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[receiver(pre_save, sender = Invoice)]
fn invoice_pre_save(args: &PreSave<Invoice>) {
    INVOICE_LOG
        .lock()
        .unwrap()
        .push(format!("pre_save {}", args.instance.number));
}

#[receiver(post_save, sender = Invoice)]
async fn invoice_post_save(args: &PostSave<'_, Invoice>) {
    let line = format!("post_save {}", args.instance.number);
    tick().await;
    INVOICE_LOG.lock().unwrap().push(line);
}

// Case 2e: `models::save` in a current-thread runtime (a tokio handler)
// with an async `post_save` receiver. `save` uses `send`, which refuses
// where waiting would freeze the runtime: `pre_save` (sync receivers only)
// and the write happened, `post_save` panics before calling anyone, naming
// the fix. `asave` works there.
#[test]
fn sync_save_on_a_current_thread_runtime_refuses_and_asave_works() {
    let _watchdog = guard("sync_save_on_a_current_thread_runtime_refuses_and_asave_works");
    current_thread().block_on(async {
        let refused = catch_unwind(AssertUnwindSafe(|| {
            models::save(&mut Invoice { number: 1 }, SaveOptions::new(), |_| {
                INVOICE_LOG.lock().unwrap().push("write 1".into());
                Ok::<_, ()>(Saved::Created)
            })
        }))
        .unwrap_err();
        let message = panic_message(&*refused);
        assert!(
            message.contains("::post_save.send()` cannot wait")
                && message.contains("async_models::invoice_post_save (tests/async_models.rs:")
                && message.contains("use `post_save.asend(sender, &args).await`"),
            "{message}"
        );
        models::asave(&mut Invoice { number: 2 }, SaveOptions::new(), async |_| {
            INVOICE_LOG.lock().unwrap().push("write 2".into());
            Ok::<_, ()>(Saved::Created)
        })
        .await
        .unwrap();
    });
    assert_eq!(
        *INVOICE_LOG.lock().unwrap(),
        [
            "pre_save 1",
            "write 1",
            "pre_save 2",
            "write 2",
            "post_save 2"
        ]
    );
}
