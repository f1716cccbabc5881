//! `update_fields` on SeaORM updates (issue 13): the columns an update
//! sets, carried from `before_save` to `after_save` across the awaits
//! between them. Concurrent updates of different rows of one entity,
//! through one shared connection, in tasks that all wait inside `pre_save`
//! until every one has started and then resume on other threads, each get
//! their own columns; an update that never reached `after_save` leaves
//! nothing for the next one.
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

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::thread;

use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder, Set};
use signals::builtin::{PostSave, PreSave, post_save, pre_save};
use signals::seaorm::Connection;
use signals::{ConnectOptions, Sender};

use runtimes::hop_from;
use support::{Db, author};

type Seen = Arc<Mutex<BTreeMap<i32, Option<Vec<String>>>>>;

/// Records each author's `post_save` `update_fields` by id.
fn record_post_save(seen: &Seen) -> signals::ScopedConnection<'static, post_save> {
    let seen = seen.clone();
    post_save
        .connect_with(
            ConnectOptions::new().sender(Sender::of::<author::Entity>()),
            move |_, args: &PostSave| {
                let model = args.instance.downcast_ref::<author::Model>().unwrap();
                let fields = args
                    .update_fields
                    .map(|fields| fields.iter().map(ToString::to_string).collect());
                seen.lock().unwrap().insert(model.id, fields);
            },
        )
        .unwrap()
        .scoped()
}

fn columns_for(i: usize) -> &'static [&'static str] {
    match i % 3 {
        0 => &["name"],
        1 => &["email"],
        _ => &["name", "posts"],
    }
}

async fn concurrent_updates_of_different_rows_keep_their_columns(db: Db) {
    const N: usize = 6;
    let conn = Arc::new(Connection::new(db.conn.clone()));
    author::Entity::insert_many((0..N).map(|i| author::ActiveModel {
        name: Set(format!("a{i}")),
        email: Set(format!("a{i}@example.org")),
        posts: Set(0),
        ..Default::default()
    }))
    .exec(&*conn)
    .await
    .unwrap();
    let authors = author::Entity::find()
        .order_by_asc(author::Column::Id)
        .all(&*conn)
        .await
        .unwrap();

    // Every update waits in pre_save until all have begun, then resumes
    // on another thread: all N are between their two hooks at once.
    let barrier = Arc::new(tokio::sync::Barrier::new(N));
    let b = barrier.clone();
    let _wait = pre_save
        .connect_async_with(
            ConnectOptions::new().sender(Sender::of::<author::Entity>()),
            move |_, _args: &PreSave| {
                let b = b.clone();
                Box::pin(async move {
                    b.wait().await;
                    hop_from(thread::current().id()).await;
                })
            },
        )
        .unwrap()
        .scoped();
    let seen = Seen::default();
    let _record = record_post_save(&seen);

    let tasks: Vec<_> = authors
        .into_iter()
        .enumerate()
        .map(|(i, model)| {
            let conn = conn.clone();
            tokio::spawn(async move {
                let mut am = model.into_active_model();
                for column in columns_for(i) {
                    match *column {
                        "name" => am.name = Set(format!("renamed {i}")),
                        "email" => am.email = Set(format!("new{i}@example.org")),
                        _ => am.posts = Set(i32::try_from(i).unwrap()),
                    }
                }
                am.update(&*conn).await.unwrap().id
            })
        })
        .collect();
    let mut expected = BTreeMap::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let id = task.await.unwrap();
        let columns = columns_for(i).iter().map(ToString::to_string).collect();
        expected.insert(id, Some(columns));
    }
    assert_eq!(*seen.lock().unwrap(), expected);
}

async fn an_update_without_after_save_leaves_nothing_behind(db: Db) {
    let conn = Connection::new(db.conn.clone());
    let seen = Seen::default();
    let _record = record_post_save(&seen);
    let ada = author::ActiveModel {
        name: Set("ada".into()),
        email: Set("ada@example.org".into()),
        posts: Set(0),
        ..Default::default()
    }
    .insert(&conn)
    .await
    .unwrap();
    // SeaORM runs `before_save` but not `after_save` here.
    let mut am = ada.clone().into_active_model();
    am.email = Set("ada@lovelace.org".into());
    am.update_without_returning(&conn).await.unwrap();
    // The next update of the same row reports its own column only.
    let mut am = ada.clone().into_active_model();
    am.name = Set("Ada".into());
    am.update(&conn).await.unwrap();
    assert_eq!(
        seen.lock().unwrap()[&ada.id],
        Some(vec!["name".to_string()])
    );
    // And an insert reports none, as in Django.
    let grace = author::ActiveModel {
        name: Set("grace".into()),
        email: Set("grace@example.org".into()),
        posts: Set(0),
        ..Default::default()
    }
    .insert(&conn)
    .await
    .unwrap();
    assert_eq!(seen.lock().unwrap()[&grace.id], None);
}

on_both! {
    concurrent_updates_of_different_rows_keep_their_columns,
    an_update_without_after_save_leaves_nothing_behind,
}
