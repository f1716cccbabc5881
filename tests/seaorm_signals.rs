//! SeaORM entities with `#[model_signals]` send the model signals from
//! their hooks (issue 13): typed receivers filtered on the entity, for all
//! four signals; `created`, `update_fields`, `using`, `raw`; sync and async
//! receivers; hand-written hooks in Django's order; no `post_save` after a
//! failed write; and exactly which SeaORM calls send nothing.
//!
//! Every scenario runs on a SQLite file and on PostgreSQL.

#[allow(dead_code)]
#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/seaorm.rs"]
mod support;
#[path = "support/watchdog.rs"]
mod watchdog;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, ModelTrait,
    QueryFilter, Set,
};
use signals::builtin::{
    PostDelete, PostSave, PreDelete, PreSave, post_delete, post_save, pre_delete, pre_save,
};
use signals::receiver;
use signals::seaorm::Connection;

use support::{Db, author, log, post, take_log};

fn name_of(am: &author::ActiveModel) -> String {
    am.name.try_as_ref().cloned().unwrap_or_else(|| "?".into())
}

#[receiver(pre_save, sender = author::Entity)]
fn author_pre_save(args: &PreSave<author::ActiveModel>) {
    log(format!(
        "pre_save {} raw={} using={} fields={:?}",
        name_of(args.instance),
        args.raw,
        args.using,
        args.update_fields
    ));
}

#[receiver(post_save, sender = author::Entity)]
async fn author_post_save(args: &PostSave<'_, author::Model>) {
    let line = format!(
        "post_save {} id={} created={} raw={} using={} fields={:?}",
        args.instance.name,
        args.instance.id,
        args.created,
        args.raw,
        args.using,
        args.update_fields
    );
    // Waits on the runtime's timer: only a runtime that keeps going
    // completes this receiver.
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    log(line);
}

#[receiver(pre_delete, sender = author::Entity)]
async fn author_pre_delete(args: &PreDelete<'_, author::ActiveModel>) {
    let origin = args
        .origin
        .downcast_ref::<author::ActiveModel>()
        .map(name_of);
    log(format!(
        "pre_delete {} using={} origin={origin:?}",
        name_of(args.instance),
        args.using
    ));
}

#[receiver(post_delete, sender = author::Entity)]
fn author_post_delete(args: &PostDelete<author::ActiveModel>) {
    log(format!(
        "post_delete {} using={}",
        name_of(args.instance),
        args.using
    ));
}

/// No sender filter: every post_save, type-erased.
#[receiver(post_save)]
fn any_post_save(args: &PostSave) {
    if let Some(model) = args.instance.downcast_ref::<author::Model>() {
        log(format!("any post_save author {}", model.name));
    }
}

#[receiver(pre_save, sender = post::Entity)]
fn post_pre_save(args: &PreSave<post::ActiveModel>) {
    log(format!(
        "post pre_save slug={:?}",
        args.instance.slug.try_as_ref()
    ));
}

#[receiver(post_save, sender = post::Entity)]
async fn post_post_save(args: &PostSave<'_, post::Model>) {
    log(format!("post post_save {}", args.instance.slug));
}

async fn insert_sends_pre_save_then_post_save_with_created(db: Db) {
    let conn = Connection::new(db.conn.clone()).using("primary");
    let ada = author::new("ada").insert(&conn).await.unwrap();
    assert_eq!(
        take_log(),
        [
            "pre_save ada raw=false using=primary fields=None",
            "any post_save author ada",
            &format!(
                "post_save ada id={} created=true raw=false using=primary fields=None",
                ada.id
            ),
        ]
    );
}

async fn update_lists_the_columns_it_sets(db: Db) {
    let conn = Connection::new(db.conn.clone());
    let ada = author::new("ada").insert(&conn).await.unwrap();
    take_log();
    let mut am = ada.clone().into_active_model();
    am.email = Set("ada@lovelace.org".into());
    am.posts = Set(3);
    let updated = am.update(&conn).await.unwrap();
    assert_eq!(updated.email, "ada@lovelace.org");
    assert_eq!(
        take_log(),
        [
            r#"pre_save ada raw=false using=default fields=Some(["email", "posts"])"#,
            "any post_save author ada",
            &format!(
                r#"post_save ada id={} created=false raw=false using=default fields=Some(["email", "posts"])"#,
                ada.id
            ),
        ]
    );

    // `save` inserts without a key and updates with one: `created` follows.
    let saved = author::new("grace").save(&conn).await.unwrap();
    let grace_id = *saved.id.try_as_ref().unwrap();
    let mut again = saved;
    again.name = Set("grace hopper".into());
    again.save(&conn).await.unwrap();
    let lines: Vec<String> = take_log()
        .into_iter()
        .filter(|l| l.starts_with("post_save"))
        .collect();
    assert_eq!(
        lines,
        [
            format!(
                "post_save grace id={grace_id} created=true raw=false using=default fields=None"
            ),
            format!(
                r#"post_save grace hopper id={grace_id} created=false raw=false using=default fields=Some(["name"])"#
            ),
        ]
    );
}

async fn deletes_send_pre_delete_and_post_delete(db: Db) {
    let conn = Connection::new(db.conn.clone()).using("primary");
    let ada = author::new("ada").insert(&conn).await.unwrap();
    let grace = author::new("grace").insert(&conn).await.unwrap();
    take_log();
    // `ActiveModel::delete` and `Model::delete` both run the hooks.
    ada.into_active_model().delete(&conn).await.unwrap();
    grace.delete(&conn).await.unwrap();
    assert_eq!(
        take_log(),
        [
            r#"pre_delete ada using=primary origin=Some("ada")"#,
            "post_delete ada using=primary",
            r#"pre_delete grace using=primary origin=Some("grace")"#,
            "post_delete grace using=primary",
        ]
    );
    assert_eq!(author::Entity::find().all(&conn).await.unwrap(), []);
}

async fn hand_written_hooks_run_in_djangos_order(db: Db) {
    let conn = Connection::new(db.conn.clone());
    let ada = author::new("ada").insert(&conn).await.unwrap();
    take_log();
    let post = post::ActiveModel {
        author_id: Set(ada.id),
        title: Set("Notes on the Engine".into()),
        slug: Set(String::new()),
        ..Default::default()
    }
    .insert(&conn)
    .await
    .unwrap();
    assert_eq!(post.slug, "notes-on-the-engine");
    // The user's before_save first, pre_save with what it returned; then
    // post_save, and the user's after_save last.
    assert_eq!(
        take_log(),
        [
            "post before_save hook insert=true",
            r#"post pre_save slug=Some("notes-on-the-engine")"#,
            "post post_save notes-on-the-engine",
            "post after_save hook notes-on-the-engine insert=true",
        ]
    );
}

async fn a_failed_write_sends_no_post_save(db: Db) {
    let conn = Connection::new(db.conn.clone());
    let ada = author::new("ada").insert(&conn).await.unwrap();
    take_log();
    // Same primary key again: the INSERT fails.
    let mut dup = author::new("imposter");
    dup.id = Set(ada.id);
    let error = dup.insert(&conn).await.unwrap_err();
    assert!(!error.to_string().is_empty());
    assert_eq!(
        take_log(),
        ["pre_save imposter raw=false using=default fields=None"]
    );
    // An update of a row that does not exist: pre_save, then no post_save.
    let mut ghost = ada.into_active_model();
    ghost.id = Set(ada_missing_id());
    ghost.name = Set("ghost".into());
    assert!(ghost.update(&conn).await.is_err());
    assert_eq!(
        take_log(),
        [r#"pre_save ghost raw=false using=default fields=Some(["name"])"#]
    );
}

fn ada_missing_id() -> i32 {
    999_999
}

async fn a_plain_connection_says_default(db: Db) {
    // A SeaORM connection used directly: the alias is "default".
    author::new("ada").insert(&db.conn).await.unwrap();
    let lines = take_log();
    assert_eq!(lines[0], "pre_save ada raw=false using=default fields=None");
    assert!(
        lines[2].ends_with("created=true raw=false using=default fields=None"),
        "{lines:?}"
    );
    // A transaction carries its connection's alias.
    let conn = Connection::new(db.conn.clone()).using("reporting");
    let txn = conn.begin().await.unwrap();
    assert_eq!(txn.alias(), "reporting");
    author::new("grace").insert(&txn).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        take_log()[0],
        "pre_save grace raw=false using=reporting fields=None"
    );
}

/// What SeaORM runs without the hooks, as Django's bulk operations send no
/// signals: checked call by call.
async fn bulk_calls_send_nothing(db: Db) {
    let conn = Connection::new(db.conn.clone());
    let ada = author::new("ada").insert(&conn).await.unwrap();
    take_log();

    author::Entity::insert_many([author::new("b1"), author::new("b2")])
        .exec(&conn)
        .await
        .unwrap();
    author::Entity::insert(author::new("b3"))
        .exec(&conn)
        .await
        .unwrap();
    author::Entity::update_many()
        .col_expr(author::Column::Posts, Expr::value(7))
        .filter(author::Column::Name.starts_with("b"))
        .exec(&conn)
        .await
        .unwrap();
    let mut am = ada.clone().into_active_model();
    am.posts = Set(1);
    author::Entity::update(am).exec(&conn).await.unwrap();
    let b3 = author::Entity::find()
        .filter(author::Column::Name.eq("b3"))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    author::Entity::delete(b3.into_active_model())
        .exec(&conn)
        .await
        .unwrap();
    author::Entity::delete_by_id(ada.id)
        .exec(&conn)
        .await
        .unwrap();
    author::Entity::delete_many()
        .filter(author::Column::Name.eq("b1"))
        .exec(&conn)
        .await
        .unwrap();
    conn.execute_unprepared("UPDATE author SET posts = 0")
        .await
        .unwrap();
    assert_eq!(take_log(), Vec::<String>::new());
    let left: Vec<String> = author::Entity::find()
        .all(&conn)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(left, ["b2"]);

    // `update_without_returning` runs `before_save` only: pre_save, no
    // post_save.
    let b2 = author::Entity::find().one(&conn).await.unwrap().unwrap();
    let mut am = b2.into_active_model();
    am.posts = Set(2);
    am.update_without_returning(&conn).await.unwrap();
    assert_eq!(
        take_log(),
        [r#"pre_save b2 raw=false using=default fields=Some(["posts"])"#]
    );
}

on_both! {
    insert_sends_pre_save_then_post_save_with_created,
    update_lists_the_columns_it_sets,
    deletes_send_pre_delete_and_post_delete,
    hand_written_hooks_run_in_djangos_order,
    a_failed_write_sends_no_post_save,
    a_plain_connection_says_default,
    bulk_calls_send_nothing,
}

#[test]
fn the_entity_is_the_sender_of_all_four() {
    use signals::Sender;
    let sender = Sender::of::<author::Entity>();
    assert!(pre_save.has_listeners(sender));
    assert!(post_save.has_listeners(sender));
    assert!(pre_delete.has_listeners(sender));
    assert!(post_delete.has_listeners(sender));
    // The entity's own model and active model are not senders.
    let receivers = post_save.receivers();
    let filtered: Vec<_> = receivers
        .iter()
        .filter(|r| r.sender == Some(sender))
        .map(|r| r.name.to_string())
        .collect();
    assert_eq!(filtered, ["author_post_save"]);
}
