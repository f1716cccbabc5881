//! The model signals as `signals::models` sends them: typed and untyped
//! receivers, Django's arguments, ordering, and failures. (The same helpers
//! against a real SQLite database are in `models_sqlite.rs`.)

use std::collections::BTreeSet;
use std::sync::Mutex;

use signals::builtin::{
    M2mChanged, Migrate, PlanStep, PostDelete, PostSave, PreDelete, PreSave, m2m_changed,
    post_delete, post_migrate, post_save, pre_delete, pre_migrate, pre_save,
};
use signals::models::{
    self, DeleteOptions, Deletion, M2m, MigrateOptions, Model, SaveOptions, Saved, Through,
};
use signals::{ConnectOptions, Sender, receiver};

// Each test uses its own model types, so the shared built-in signals never
// mix the tests' sends even when they run in parallel.

#[derive(Debug)]
struct Typed {
    id: i64,
    name: String,
}
impl Model for Typed {
    type Pk = u32;
}

static TYPED_LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[receiver(pre_save, sender = Typed)]
fn typed_pre_save(args: &PreSave<Typed>) {
    // `args.instance` is a `&Typed`: no downcast.
    TYPED_LOG.lock().unwrap().push(format!(
        "pre_save {} {} raw={} using={} fields={:?}",
        args.instance.id, args.instance.name, args.raw, args.using, args.update_fields
    ));
}

#[receiver(post_save, sender = Typed)]
fn typed_post_save(sender: Sender, args: &PostSave<Typed>) {
    assert!(sender.is::<Typed>());
    TYPED_LOG.lock().unwrap().push(format!(
        "post_save {} {} created={}",
        args.instance.id, args.instance.name, args.created
    ));
}

#[receiver(post_save, sender = Typed)]
async fn typed_async_post_save(args: &PostSave<'_, Typed>) {
    let line = format!("async post_save {}", args.instance.name);
    std::future::ready(()).await;
    TYPED_LOG.lock().unwrap().push(line);
}

#[test]
fn typed_receivers_get_the_instance_by_reference() {
    let mut user = Typed {
        id: 0,
        name: "ada".into(),
    };
    let saved = models::save(&mut user, SaveOptions::new().using("replica"), |user| {
        // Persistence assigns the key; receivers after it see the new value.
        user.id = 7;
        Ok::<_, std::convert::Infallible>(Saved::Created)
    })
    .unwrap();
    assert_eq!(saved, Saved::Created);
    let fields: &[&str] = &["name"];
    models::save(
        &mut user,
        SaveOptions::new().update_fields(fields).raw(true),
        |_| Ok::<_, std::convert::Infallible>(Saved::Updated),
    )
    .unwrap();
    assert_eq!(
        *TYPED_LOG.lock().unwrap(),
        [
            "pre_save 0 ada raw=false using=replica fields=None",
            "post_save 7 ada created=true",
            "async post_save ada",
            "pre_save 7 ada raw=true using=default fields=Some([\"name\"])",
            "post_save 7 ada created=false",
            "async post_save ada",
        ]
    );
}

struct Erased(u32);
impl Model for Erased {
    type Pk = u32;
}
struct OtherModel;
impl Model for OtherModel {
    type Pk = u32;
}

#[test]
fn unfiltered_receivers_downcast_the_instance() {
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let _connection = post_save
        .connect(move |sender: Sender, args: &PostSave| {
            // Other tests save too; keep only this test's types.
            if let Some(erased) = args.instance.downcast_ref::<Erased>() {
                assert!(sender.is::<Erased>());
                log.lock().unwrap().push(format!("erased {}", erased.0));
            } else if args.instance.is::<OtherModel>() {
                assert!(args.instance.downcast_ref::<Erased>().is_none());
                log.lock()
                    .unwrap()
                    .push(format!("other from {}", sender.label()));
            }
        })
        .unwrap()
        .scoped();
    models::save(&mut Erased(3), SaveOptions::new(), |_| {
        Ok::<_, ()>(Saved::Created)
    })
    .unwrap();
    models::save(&mut OtherModel, SaveOptions::new(), |_| {
        Ok::<_, ()>(Saved::Updated)
    })
    .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        ["erased 3", "other from model_signals::OtherModel"]
    );
}

struct Failing;
impl Model for Failing {
    type Pk = u32;
}

#[test]
fn a_persistence_error_propagates_and_skips_post_signals() {
    let log = std::sync::Arc::new(Mutex::new(Vec::<&str>::new()));
    let only = ConnectOptions::new().sender(Sender::of::<Failing>());
    let l = log.clone();
    let _pre = pre_save
        .connect_with(only.clone(), move || l.lock().unwrap().push("pre_save"))
        .unwrap()
        .scoped();
    let l = log.clone();
    let _post = post_save
        .connect_with(only.clone(), move || l.lock().unwrap().push("post_save"))
        .unwrap()
        .scoped();
    let l = log.clone();
    let _pre_delete = pre_delete
        .connect_with(only.clone(), move || l.lock().unwrap().push("pre_delete"))
        .unwrap()
        .scoped();
    let l = log.clone();
    let _post_delete = post_delete
        .connect_with(only, move || l.lock().unwrap().push("post_delete"))
        .unwrap()
        .scoped();

    let error = models::save(&mut Failing, SaveOptions::new(), |_| Err("disk full")).unwrap_err();
    assert_eq!(error, "disk full");
    let failing = Failing;
    let error = models::delete(&Deletion::new(&failing), DeleteOptions::new(), || {
        Err("locked")
    })
    .unwrap_err();
    assert_eq!(error, "locked");
    assert_eq!(*log.lock().unwrap(), ["pre_save", "pre_delete"]);
}

struct Author(&'static str);
impl Model for Author {
    type Pk = u32;
}
struct Book(&'static str);
impl Model for Book {
    type Pk = u32;
}

static DELETE_LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[receiver(pre_delete, sender = Book)]
fn book_pre_delete(args: &PreDelete<Book>) {
    let origin = args.origin.downcast_ref::<Author>().map_or("?", |a| a.0);
    DELETE_LOG.lock().unwrap().push(format!(
        "pre_delete book {} (origin {origin})",
        args.instance.0
    ));
}

#[receiver(pre_delete, sender = Author)]
fn author_pre_delete(args: &PreDelete<Author>) {
    DELETE_LOG.lock().unwrap().push(format!(
        "pre_delete author {} using {}",
        args.instance.0, args.using
    ));
}

#[receiver(post_delete, sender = Book)]
fn book_post_delete(args: &PostDelete<Book>) {
    DELETE_LOG
        .lock()
        .unwrap()
        .push(format!("post_delete book {}", args.instance.0));
}

#[receiver(post_delete, sender = Author)]
fn author_post_delete(args: &PostDelete<Author>) {
    assert!(args.origin.is::<Author>());
    DELETE_LOG
        .lock()
        .unwrap()
        .push(format!("post_delete author {}", args.instance.0));
}

#[test]
fn delete_signals_cover_cascades_with_the_origin() {
    let author = Author("le guin");
    let books = [Book("earthsea"), Book("lathe")];
    assert!(Deletion::needs_signals::<Book>());
    let mut deletion = Deletion::new(&author);
    deletion.cascade_all(&books);
    models::delete(&deletion, DeleteOptions::new().using("archive"), || {
        DELETE_LOG.lock().unwrap().push("DELETE".into());
        Ok::<_, ()>(())
    })
    .unwrap();
    assert_eq!(
        *DELETE_LOG.lock().unwrap(),
        [
            "pre_delete book earthsea (origin le guin)",
            "pre_delete book lathe (origin le guin)",
            "pre_delete author le guin using archive",
            "DELETE",
            "post_delete book earthsea",
            "post_delete book lathe",
            "post_delete author le guin",
        ]
    );
}

struct Nobody;
impl Model for Nobody {
    type Pk = u32;
}

#[test]
fn needs_signals_is_false_without_listeners() {
    assert!(!Deletion::needs_signals::<Nobody>());
    let connection = post_delete
        .connect_with(ConnectOptions::new().sender(Sender::of::<Nobody>()), || {})
        .unwrap();
    assert!(Deletion::needs_signals::<Nobody>());
    connection.disconnect();
    assert!(!Deletion::needs_signals::<Nobody>());
}

struct Post(u32);
impl Model for Post {
    type Pk = u32;
}
struct Tag(u32);
impl Model for Tag {
    type Pk = u32;
}
struct PostTags;
impl Through for PostTags {
    type Source = Post;
    type Target = Tag;
}
struct Silent;
impl Through for Silent {
    type Source = Post;
    type Target = Tag;
}

fn describe(args: &M2mChanged) -> String {
    let instance = match (
        args.instance.downcast_ref::<Post>(),
        args.instance.downcast_ref::<Tag>(),
    ) {
        (Some(post), _) => format!("post {}", post.0),
        (_, Some(tag)) => format!("tag {}", tag.0),
        _ => "?".into(),
    };
    let keys = args
        .pk_set
        .map(|set| format!("{:?}", set.get::<u32>().expect("u32 keys")));
    format!(
        "{} {instance} reverse={} model={} pk_set={keys:?}{}{}",
        args.action,
        args.reverse,
        args.model.name().rsplit("::").next().unwrap(),
        if args.raw { " raw" } else { "" },
        if args.using == "default" {
            String::new()
        } else {
            format!(" using={}", args.using)
        }
    )
}

#[test]
fn m2m_changed_follows_djangos_pk_set_rules() {
    let log = std::sync::Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    let _c = m2m_changed
        .connect_with(
            ConnectOptions::new().sender(Sender::of::<PostTags>()),
            move |args: &M2mChanged| l.lock().unwrap().push(describe(args)),
        )
        .unwrap()
        .scoped();
    let post = Post(1);
    let related: std::cell::RefCell<BTreeSet<u32>> = std::cell::RefCell::new([1].into());
    let inserted = M2m::<PostTags>::forward(&post)
        .add(
            [1, 2, 3],
            |keys| Ok::<_, ()>(keys.intersection(&related.borrow()).copied().collect()),
            |keys| {
                log.lock().unwrap().push(format!("INSERT {keys:?}"));
                related.borrow_mut().extend(keys);
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(inserted, [2, 3].into());
    let tag = Tag(9);
    M2m::<PostTags>::reverse(&tag)
        .remove([1, 42], |_| Ok::<_, ()>(()))
        .unwrap();
    M2m::<PostTags>::forward(&post)
        .using("other")
        .raw(true)
        .clear(|| Ok::<_, ()>(()))
        .unwrap();
    let failed =
        M2m::<PostTags>::forward(&post).add([5], |_| Ok(BTreeSet::new()), |_| Err("constraint"));
    assert_eq!(failed.unwrap_err(), "constraint");
    assert_eq!(
        *log.lock().unwrap(),
        [
            "pre_add post 1 reverse=false model=Tag pk_set=Some(\"{2, 3}\")",
            "INSERT {2, 3}",
            "post_add post 1 reverse=false model=Tag pk_set=Some(\"{2, 3}\")",
            "pre_remove tag 9 reverse=true model=Post pk_set=Some(\"{1, 42}\")",
            "post_remove tag 9 reverse=true model=Post pk_set=Some(\"{1, 42}\")",
            "pre_clear post 1 reverse=false model=Tag pk_set=None raw using=other",
            "post_clear post 1 reverse=false model=Tag pk_set=None raw using=other",
            "pre_add post 1 reverse=false model=Tag pk_set=Some(\"{5}\")",
        ]
    );
}

#[test]
fn m2m_add_without_listeners_skips_the_presence_query() {
    assert!(!M2m::<Silent>::has_listeners());
    let post = Post(2);
    let mut handed = None;
    M2m::<Silent>::forward(&post)
        .add(
            [4, 5],
            |_| -> Result<BTreeSet<u32>, ()> { panic!("not asked when nobody listens") },
            |keys| {
                handed = Some(keys.clone());
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(handed, Some([4, 5].into()));
}

#[test]
fn migrate_sends_per_app_with_the_plan() {
    let log = std::sync::Arc::new(Mutex::new(Vec::new()));
    let record = |label: &'static str, log: std::sync::Arc<Mutex<Vec<String>>>| {
        move |sender: Sender, args: &Migrate| {
            if args.using != "migrations-test" {
                return;
            }
            let plan: Vec<String> = args
                .plan
                .iter()
                .map(|s| format!("{}.{}{}", s.app, s.name, if s.backwards { "-" } else { "" }))
                .collect();
            log.lock().unwrap().push(format!(
                "{label} {} {} v{} {:?}",
                sender.name().unwrap(),
                args.app,
                args.verbosity,
                plan
            ));
        }
    };
    let _pre = pre_migrate
        .connect(record("pre", log.clone()))
        .unwrap()
        .scoped();
    let _post = post_migrate
        .connect(record("post", log.clone()))
        .unwrap()
        .scoped();
    let plan = [
        PlanStep::forwards("blog", "0001_initial"),
        PlanStep::backwards("auth", "0002_email"),
    ];
    let options = MigrateOptions::new().using("migrations-test").verbosity(2);
    models::migrate(&["auth", "blog"], &plan, options, |step| {
        log.lock().unwrap().push(format!("apply {}", step.name));
        Ok::<_, ()>(())
    })
    .unwrap();
    let failed = models::migrate(&["blog"], &plan, options, |_| Err("syntax error"));
    assert_eq!(failed.unwrap_err(), "syntax error");
    let plan_text = "[\"blog.0001_initial\", \"auth.0002_email-\"]";
    assert_eq!(
        *log.lock().unwrap(),
        [
            format!("pre auth auth v2 {plan_text}"),
            format!("pre blog blog v2 {plan_text}"),
            "apply 0001_initial".into(),
            "apply 0002_email".into(),
            format!("post auth auth v2 {plan_text}"),
            format!("post blog blog v2 {plan_text}"),
            format!("pre blog blog v2 {plan_text}"),
        ]
    );
}

struct Victim;
impl Model for Victim {
    type Pk = u32;
}
struct Impostor;
impl Model for Impostor {
    type Pk = u32;
}

#[receiver(post_save, sender = Impostor)]
fn impostor_receiver(args: &PostSave<Impostor>) {
    let _: &Impostor = args.instance;
}

#[test]
fn resending_arguments_from_another_sender_is_an_error_not_a_skip() {
    let outcome = std::sync::Arc::new(Mutex::new(Vec::new()));
    let o = outcome.clone();
    let _c = post_save
        .connect_with(
            ConnectOptions::new().sender(Sender::of::<Victim>()),
            move |args: &PostSave| {
                // A bug: re-sending a Victim's arguments as if from Impostor.
                let results = post_save.send_robust(Sender::of::<Impostor>(), args);
                o.lock().unwrap().extend(results);
            },
        )
        .unwrap()
        .scoped();
    models::save(&mut Victim, SaveOptions::new(), |_| {
        Ok::<_, ()>(Saved::Created)
    })
    .unwrap();
    let outcome = outcome.lock().unwrap();
    assert_eq!(outcome.len(), 1);
    let error = outcome[0].as_ref().unwrap_err();
    assert_eq!(error.receiver().name, "impostor_receiver");
    assert!(
        error.message().contains("another type"),
        "{}",
        error.message()
    );
}
