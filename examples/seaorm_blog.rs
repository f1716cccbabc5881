//! A small blog on SeaORM 2 and embedded SQLite (bundled, in memory; nothing
//! to install) whose entities send Django's model signals from their hooks:
//!
//! - one line per entity: `#[signals::model_signals]` on its
//!   `impl ActiveModelBehavior for ActiveModel {}`;
//! - a welcome message for every new user (`post_save` with `created`),
//!   mailed only once the sign-up commits (`on_commit`), and never for a
//!   rolled-back one;
//! - a posts-per-user counter kept by receivers of `post_save` and
//!   `post_delete`, written on the save's own transaction (`args.db()`);
//! - a bulk call (`delete_many`) that, as in Django, sends nothing.
//!
//! ```sh
//! cargo run --example seaorm_blog --features sea-orm
//! ```

use std::time::Duration;

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, Database, IntoActiveModel, Schema};
use signals::builtin::{PostDelete, PostSave, PreSave, post_delete, post_save, pre_save};
use signals::models::on_commit;
use signals::receiver;
use signals::seaorm::Connection;

/// Users, with the number of posts they wrote.
mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub email: String,
        pub posts: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    // The one line that makes saves and deletes of users send the signals.
    #[signals::model_signals]
    impl ActiveModelBehavior for ActiveModel {}
}

/// Posts, each written by a user.
mod post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "post")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub user_id: i32,
        pub title: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::UserId",
            to = "super::user::Column::Id"
        )]
        User,
    }

    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    #[signals::model_signals]
    impl ActiveModelBehavior for ActiveModel {}
}

/// Before a user is written: the `ActiveModel` SeaORM is about to save.
#[receiver(pre_save, sender = user::Entity)]
fn check_email(args: &PreSave<user::ActiveModel>) {
    if let Set(email) = &args.instance.email {
        println!("[pre_save] user <{email}> on {:?}", args.using);
    }
}

/// The welcome message, mailed after the sign-up's transaction commits.
#[receiver(post_save, sender = user::Entity)]
fn welcome(args: &PostSave<user::Model>) {
    if args.created {
        let user = args.instance;
        println!("[post_save] new user {} (id {})", user.name, user.id);
        let (name, email) = (user.name.clone(), user.email.clone());
        on_commit(move || println!("[mail] to {email}: welcome to the blog, {name}!"));
    } else {
        println!(
            "[post_save] user {} updated: {:?}",
            args.instance.name, args.update_fields
        );
    }
}

/// Keeps `user.posts` on the transaction the post is saved in: the counter
/// commits or rolls back with the post.
#[receiver(post_save, sender = post::Entity)]
async fn count_new_post(args: &PostSave<'_, post::Model>) {
    if args.created {
        let db = args.db().expect("an entity hook hands its connection");
        recount(db, args.instance.user_id).await;
    }
}

/// Keeps the counter when a post goes (SeaORM hands the delete hooks the
/// `ActiveModel`).
#[receiver(post_delete, sender = post::Entity)]
async fn count_deleted_post(args: &PostDelete<'_, post::ActiveModel>) {
    let db = args.db().expect("an entity hook hands its connection");
    let user_id = *args
        .instance
        .user_id
        .try_as_ref()
        .expect("loaded from a row");
    recount(db, user_id).await;
}

async fn recount(db: &impl ConnectionTrait, user_id: i32) {
    let posts = post::Entity::find()
        .filter(post::Column::UserId.eq(user_id))
        .count(db)
        .await
        .expect("count the posts");
    let user = user::Entity::find_by_id(user_id)
        .one(db)
        .await
        .expect("read the user")
        .expect("the post's user exists");
    println!("[counter] {} has {posts} post(s)", user.name);
    let mut user = user.into_active_model();
    user.posts = Set(i32::try_from(posts).expect("a small count"));
    // A save inside a receiver: its own signals go out too.
    user.update(db).await.expect("write the counter");
}

async fn sign_up(db: &impl ConnectionTrait, name: &str, email: &str) -> Result<user::Model, DbErr> {
    user::ActiveModel {
        name: Set(name.to_owned()),
        email: Set(email.to_owned()),
        posts: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await
}

async fn write(db: &impl ConnectionTrait, user: &user::Model, title: &str) -> post::Model {
    post::ActiveModel {
        user_id: Set(user.id),
        title: Set(title.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert the post")
}

async fn blog() -> Result<(), DbErr> {
    // An in-memory database (one connection, so every query sees it).
    let db = Connection::new(Database::connect("sqlite::memory:").await?);

    println!("== migrate");
    Schema::new(db.get_database_backend())
        .builder()
        .register(user::Entity)
        .register(post::Entity)
        .apply(&db)
        .await?;

    println!("\n== sign-up in a transaction: the mail waits for the commit");
    let txn = db.begin().await?;
    let alice = sign_up(&txn, "Alice", "alice@example.com").await?;
    println!("(before COMMIT)");
    txn.commit().await?;
    println!("(after COMMIT)");

    println!("\n== a sign-up that rolls back: no mail");
    let txn = db.begin().await?;
    sign_up(&txn, "Mallory", "mallory@example.com").await?;
    txn.rollback().await?;

    println!("\n== sign-up outside a transaction: the mail goes at once");
    let bob = sign_up(&db, "Bob", "bob@example.com").await?;

    println!("\n== posts: the counter follows, on the post's own transaction");
    db.transaction::<_, _, DbErr>(|txn| {
        let alice = alice.clone();
        Box::pin(async move {
            write(txn, &alice, "Hello SeaORM").await;
            write(txn, &alice, "Signals from hooks").await;
            Ok(())
        })
    })
    .await
    .map_err(|e| DbErr::Custom(e.to_string()))?;
    let post = write(&db, &bob, "First post").await;

    println!("\n== a post deleted through its model: post_delete keeps the counter");
    post.delete(&db).await?;

    println!("\n== delete_many is a bulk call: no signals, the counter is stale");
    post::Entity::delete_many()
        .filter(post::Column::UserId.eq(alice.id))
        .exec(&db)
        .await?;

    println!("\n== where things stand");
    for user in user::Entity::find().all(&db).await? {
        println!(
            "{} <{}>: {} post(s) counted",
            user.name, user.email, user.posts
        );
    }
    let alice = user::Entity::find_by_id(alice.id).one(&db).await?;
    assert_eq!(
        alice.map(|a| a.posts),
        Some(2),
        "stale after the bulk delete"
    );
    Ok(())
}

fn main() {
    // CI runs this example: a hang fails it fast instead of stalling.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(60));
        eprintln!("seaorm_blog: still running after 60 s, aborting");
        std::process::abort();
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(blog()).expect("the blog runs");
}
