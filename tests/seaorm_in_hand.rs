//! The transaction in hand (issue 13): receivers of a `#[model_signals]`
//! entity run SeaORM queries on the connection or transaction the save
//! runs in (`args.db()`): a `post_save` receiver sees the new row that
//! nobody outside the transaction sees yet, a `pre_delete` receiver still
//! sees the row, a receiver's own writes (a counter, an audit line, a
//! nested save that sends its own signals) commit or roll back with the
//! save; and the `models` helpers, which run the caller's own code, hand
//! no connection.
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

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, ModelTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use signals::builtin::{
    PostDelete, PostSave, PreDelete, PreSave, post_delete, post_save, pre_delete, pre_save,
};
use signals::models::{self, Model, SaveOptions, Saved};
use signals::receiver;
use signals::seaorm::Connection;

use support::{Db, audit, author, log, post, take_log};

/// Counts the author's posts on the save's own connection, and keeps the
/// author's counter with a nested save on that connection.
#[receiver(post_save, sender = post::Entity)]
async fn count_posts(args: &PostSave<'_, post::Model>) {
    let db = args.db().expect("an entity hook hands its connection");
    let author_id = args.instance.author_id;
    let count = post::Entity::find()
        .filter(post::Column::AuthorId.eq(author_id))
        .count(db)
        .await
        .unwrap();
    log(format!("post_save sees {count} posts"));
    let author = author::Entity::find_by_id(author_id)
        .one(db)
        .await
        .unwrap()
        .expect("the author row");
    let mut author = author.into_active_model();
    author.posts = Set(i32::try_from(count).unwrap());
    author.update(db).await.unwrap();
}

#[receiver(pre_delete, sender = post::Entity)]
async fn post_still_there(args: &PreDelete<'_, post::ActiveModel>) {
    let id = *args.instance.id.try_as_ref().unwrap();
    let found = post::Entity::find_by_id(id)
        .one(args.db().unwrap())
        .await
        .unwrap();
    log(format!("pre_delete sees the row: {}", found.is_some()));
}

#[receiver(post_delete, sender = post::Entity)]
async fn post_gone(args: &PostDelete<'_, post::ActiveModel>) {
    let id = *args.instance.id.try_as_ref().unwrap();
    let found = post::Entity::find_by_id(id)
        .one(args.db().unwrap())
        .await
        .unwrap();
    log(format!("post_delete sees the row: {}", found.is_some()));
}

/// Writes an audit line inside the save's transaction.
#[receiver(post_save, sender = author::Entity)]
async fn audit_author(args: &PostSave<'_, author::Model>) {
    let line = format!(
        "{} posts={} created={} using={} fields={:?}",
        args.instance.name, args.instance.posts, args.created, args.using, args.update_fields
    );
    audit::ActiveModel {
        line: Set(line),
        ..Default::default()
    }
    .insert(args.db().unwrap())
    .await
    .unwrap();
}

async fn audit_lines(db: &impl sea_orm::ConnectionTrait) -> Vec<String> {
    audit::Entity::find()
        .order_by_asc(audit::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.line)
        .collect()
}

fn only_signals(lines: Vec<String>) -> Vec<String> {
    lines.into_iter().filter(|l| !l.contains("hook")).collect()
}

async fn a_post_save_receiver_sees_the_new_row(db: Db) {
    let conn = Connection::new(db.conn.clone()).using("blog");
    let ada = author::new("ada").insert(&conn).await.unwrap();
    let txn = conn.begin().await.unwrap();
    post::new(ada.id, "First").insert(&txn).await.unwrap();
    assert_eq!(only_signals(take_log()), ["post_save sees 1 posts"]);
    // Outside the transaction, nothing yet: the receiver saw it in hand.
    assert_eq!(post::Entity::find().count(&conn).await.unwrap(), 0);
    txn.commit().await.unwrap();
    assert_eq!(post::Entity::find().count(&conn).await.unwrap(), 1);
    let ada = author::Entity::find_by_id(ada.id)
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ada.posts, 1, "the counter the receiver kept");
    // The nested save of the counter sent its own post_save, on the same
    // transaction (its alias), with the one column it set.
    assert_eq!(
        audit_lines(&conn).await,
        [
            "ada posts=0 created=true using=blog fields=None",
            r#"ada posts=1 created=false using=blog fields=Some(["posts"])"#,
        ]
    );
}

async fn a_pre_delete_receiver_still_sees_the_row(db: Db) {
    let conn = Connection::new(db.conn.clone());
    let ada = author::new("ada").insert(&conn).await.unwrap();
    let post = post::new(ada.id, "Doomed").insert(&conn).await.unwrap();
    take_log();
    let txn = conn.begin().await.unwrap();
    post.delete(&txn).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        only_signals(take_log()),
        [
            "pre_delete sees the row: true",
            "post_delete sees the row: false"
        ]
    );
}

async fn receiver_writes_roll_back_with_the_transaction(db: Db) {
    let conn = Connection::new(db.conn.clone());
    let txn = conn.begin().await.unwrap();
    let ada = author::new("ada").insert(&txn).await.unwrap();
    post::new(ada.id, "Draft").insert(&txn).await.unwrap();
    assert_eq!(
        audit_lines(&txn).await.len(),
        2,
        "written in the transaction"
    );
    txn.rollback().await.unwrap();
    assert_eq!(audit_lines(&conn).await, Vec::<String>::new());
    assert_eq!(author::Entity::find().count(&conn).await.unwrap(), 0);

    // Dropping the transaction rolls back the same way.
    {
        let txn = conn.begin().await.unwrap();
        author::new("grace").insert(&txn).await.unwrap();
    }
    assert_eq!(audit_lines(&conn).await, Vec::<String>::new());

    // The closure form: an error rolls back the receivers' writes too.
    let result = conn
        .transaction::<_, (), sea_orm::DbErr>(|txn| {
            Box::pin(async move {
                author::new("edsger").insert(txn).await?;
                Err(sea_orm::DbErr::Custom("changed my mind".into()))
            })
        })
        .await;
    assert!(matches!(
        result,
        Err(sea_orm::TransactionError::Transaction(_))
    ));
    assert_eq!(audit_lines(&conn).await, Vec::<String>::new());

    let ada_id = conn
        .transaction::<_, i32, sea_orm::DbErr>(|txn| {
            Box::pin(async move {
                let ada = author::new("ada").insert(txn).await?;
                post::new(ada.id, "Published").insert(txn).await?;
                Ok(ada.id)
            })
        })
        .await
        .unwrap();
    assert_eq!(audit_lines(&conn).await.len(), 2);
    let ada = author::Entity::find_by_id(ada_id)
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ada.posts, 1);
}

async fn savepoint_writes_roll_back_alone(db: Db) {
    let conn = Connection::new(db.conn.clone());
    let txn = conn.begin().await.unwrap();
    let ada = author::new("ada").insert(&txn).await.unwrap();
    let savepoint = txn.begin().await.unwrap();
    post::new(ada.id, "Tentative")
        .insert(&savepoint)
        .await
        .unwrap();
    savepoint.rollback().await.unwrap();
    txn.commit().await.unwrap();
    // The author and its audit line stay; the post, the counter update and
    // its audit line went with the savepoint.
    assert_eq!(
        audit_lines(&conn).await,
        ["ada posts=0 created=true using=default fields=None"]
    );
    assert_eq!(post::Entity::find().count(&conn).await.unwrap(), 0);
    let ada = author::Entity::find_by_id(ada.id)
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ada.posts, 0);
}

async fn without_a_transaction_the_connection_is_in_hand(db: Db) {
    // A plain SeaORM connection: receivers get it and their writes commit
    // at once, like the save's.
    let ada = author::new("ada").insert(&db.conn).await.unwrap();
    post::new(ada.id, "Hello").insert(&db.conn).await.unwrap();
    let ada = author::Entity::find_by_id(ada.id)
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ada.posts, 1);
    assert_eq!(audit_lines(&db.conn).await.len(), 2);
}

on_both! {
    a_post_save_receiver_sees_the_new_row,
    a_pre_delete_receiver_still_sees_the_row,
    receiver_writes_roll_back_with_the_transaction,
    savepoint_writes_roll_back_alone,
    without_a_transaction_the_connection_is_in_hand,
}

/// A type saved through the `models` helpers, with the caller's own code.
struct Draft;
impl Model for Draft {
    type Pk = i64;
}

#[receiver(pre_save, sender = Draft)]
fn draft_pre_save(args: &PreSave<Draft>) {
    let error = args.db().unwrap_err();
    log(format!("draft: {error}"));
}

#[test]
fn helpers_hand_no_connection() {
    let _watchdog = watchdog::watchdog("helpers_hand_no_connection", support::LIMIT);
    let _ =
        futures::executor::block_on(models::asave(&mut Draft, SaveOptions::new(), async |_| {
            Ok::<_, ()>(Saved::Created)
        }));
    let lines: Vec<String> = take_log()
        .into_iter()
        .filter(|line| line.starts_with("draft"))
        .collect();
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].contains(
            "this `pre_save` carries no connection: it was sent by a `signals::models` helper"
        ),
        "{lines:?}"
    );
}
