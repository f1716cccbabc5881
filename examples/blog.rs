//! A small blog on embedded SQLite whose side effects live in receivers of
//! Django's model signals, sent by `signals::models` around plain SQL.
//!
//! ```text
//! cargo run --example blog
//! ```
//!
//! - `post_migrate` creates the default tag once the schema exists;
//! - `post_save` on `User` queues a welcome message, delivered only once the
//!   transaction that created the user commits (never after a rollback);
//! - `m2m_changed` on the post/tag relation keeps a per-tag post counter in
//!   the same transaction as the change;
//! - `pre_delete` / `post_delete` log every deleted row, cascades included.

use std::cell::RefCell;
use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use signals::builtin::{
    M2mAction, M2mChanged, Migrate, PlanStep, PostDelete, PostSave, PreDelete, m2m_changed,
    post_delete, post_migrate, post_save, pre_delete, pre_migrate,
};
use signals::models::{
    self, DeleteOptions, Deletion, M2m, MigrateOptions, Model, SaveOptions, Saved, Through,
    on_commit, transaction,
};
use signals::{Sender, receiver};

// ---------------------------------------------------------------- models --

#[derive(Debug)]
struct User {
    id: Option<i64>,
    username: String,
    email: String,
}
impl Model for User {
    type Pk = i64;
}

#[derive(Debug)]
struct Post {
    id: Option<i64>,
    author: i64,
    title: String,
}
impl Model for Post {
    type Pk = i64;
}

/// A row of `tag`. Tags are only handled by key here (through the
/// relation), so the type carries no fields.
struct Tag;
impl Model for Tag {
    type Pk = i64;
}

/// `post_tags`: the many-to-many table between posts and tags.
struct PostTags;
impl Through for PostTags {
    type Source = Post;
    type Target = Tag;
}

// -------------------------------------------------------------- database --

thread_local! {
    // One in-memory database for the program; receivers use it too, inside
    // whatever transaction the caller has open.
    static DB: Connection = Connection::open_in_memory().expect("in-memory SQLite");
}

fn db<R>(f: impl FnOnce(&Connection) -> R) -> R {
    DB.with(f)
}

const MIGRATIONS: [(PlanStep<'static>, &str); 2] = [
    (
        PlanStep::forwards("blog", "0001_initial"),
        "CREATE TABLE user (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, email TEXT NOT NULL);
         CREATE TABLE post (id INTEGER PRIMARY KEY, author INTEGER NOT NULL REFERENCES user(id), title TEXT NOT NULL);
         CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
         CREATE TABLE post_tags (post INTEGER NOT NULL REFERENCES post(id), tag INTEGER NOT NULL REFERENCES tag(id), PRIMARY KEY (post, tag));",
    ),
    (
        PlanStep::forwards("blog", "0002_tag_stats"),
        "CREATE TABLE tag_stats (tag INTEGER PRIMARY KEY REFERENCES tag(id), posts INTEGER NOT NULL);",
    ),
];

fn migrate() -> rusqlite::Result<()> {
    let plan: Vec<PlanStep<'static>> = MIGRATIONS.iter().map(|(step, _)| *step).collect();
    models::migrate(&["blog"], &plan, MigrateOptions::new(), |step| {
        let (_, sql) = MIGRATIONS
            .iter()
            .find(|(s, _)| s == step)
            .expect("known step");
        db(|db| db.execute_batch(sql))
    })
}

fn save_user(user: &mut User) -> rusqlite::Result<Saved> {
    models::save(user, SaveOptions::new(), |user| {
        db(|db| {
            db.execute(
                "INSERT INTO user (username, email) VALUES (?1, ?2)",
                params![user.username, user.email],
            )?;
            user.id = Some(db.last_insert_rowid());
            Ok(Saved::Created)
        })
    })
}

fn save_post(post: &mut Post) -> rusqlite::Result<Saved> {
    models::save(post, SaveOptions::new(), |post| {
        db(|db| match post.id {
            Some(id) => {
                db.execute(
                    "UPDATE post SET title = ?1 WHERE id = ?2",
                    params![post.title, id],
                )?;
                Ok(Saved::Updated)
            }
            None => {
                db.execute(
                    "INSERT INTO post (author, title) VALUES (?1, ?2)",
                    params![post.author, post.title],
                )?;
                post.id = Some(db.last_insert_rowid());
                Ok(Saved::Created)
            }
        })
    })
}

fn tag_ids(names: &[&str]) -> rusqlite::Result<Vec<i64>> {
    db(|db| {
        names
            .iter()
            .map(|name| {
                db.execute("INSERT OR IGNORE INTO tag (name) VALUES (?1)", [name])?;
                db.query_row("SELECT id FROM tag WHERE name = ?1", [name], |r| r.get(0))
            })
            .collect()
    })
}

fn tag_post(post: &Post, names: &[&str]) -> rusqlite::Result<BTreeSet<i64>> {
    let post_id = post.id.expect("saved post");
    M2m::<PostTags>::forward(post).add(
        tag_ids(names)?,
        |wanted| {
            db(|db| {
                let mut present = BTreeSet::new();
                for tag in wanted {
                    let found: Option<i64> = db
                        .query_row(
                            "SELECT tag FROM post_tags WHERE post = ?1 AND tag = ?2",
                            [post_id, *tag],
                            |r| r.get(0),
                        )
                        .optional()?;
                    present.extend(found);
                }
                Ok(present)
            })
        },
        |new| {
            db(|db| {
                for tag in new {
                    db.execute(
                        "INSERT OR IGNORE INTO post_tags (post, tag) VALUES (?1, ?2)",
                        [post_id, *tag],
                    )?;
                }
                Ok(())
            })
        },
    )
}

fn untag_post(post: &Post, names: &[&str]) -> rusqlite::Result<()> {
    let post_id = post.id.expect("saved post");
    M2m::<PostTags>::forward(post).remove(tag_ids(names)?, |tags| {
        db(|db| {
            for tag in tags {
                db.execute(
                    "DELETE FROM post_tags WHERE post = ?1 AND tag = ?2",
                    [post_id, *tag],
                )?;
            }
            Ok(())
        })
    })
}

fn load_posts(author: i64) -> rusqlite::Result<Vec<Post>> {
    db(|db| {
        let mut query = db.prepare("SELECT id, title FROM post WHERE author = ?1 ORDER BY id")?;
        let rows = query.query_map([author], |r| {
            Ok(Post {
                id: Some(r.get(0)?),
                author,
                title: r.get(1)?,
            })
        })?;
        rows.collect()
    })
}

/// Deletes a user and, as `ON DELETE CASCADE` would, their posts and tags.
fn delete_user(user: &User) -> rusqlite::Result<()> {
    let id = user.id.expect("saved user");
    // Django's fast path: load the posts only if someone wants their signals.
    let posts = if Deletion::needs_signals::<Post>() {
        load_posts(id)?
    } else {
        Vec::new()
    };
    let mut deletion = Deletion::new(user);
    deletion.cascade_all(&posts);
    models::delete(&deletion, DeleteOptions::new(), || {
        db(|db| {
            // Each post's tags go through the relation so the counters follow.
            for post in &posts {
                M2m::<PostTags>::forward(post).clear(|| {
                    db.execute("DELETE FROM post_tags WHERE post = ?1", [post.id])
                        .map(drop)
                })?;
            }
            db.execute("DELETE FROM post WHERE author = ?1", [id])?;
            db.execute("DELETE FROM user WHERE id = ?1", [id])?;
            Ok(())
        })
    })
}

fn in_transaction<T>(body: impl FnOnce() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    db(|db| {
        transaction(
            db.unchecked_transaction()?,
            |_tx| body(),
            rusqlite::Transaction::commit,
        )
    })
}

// ------------------------------------------------------------- receivers --

#[receiver(pre_migrate)]
fn announce_migrations(args: &Migrate) {
    let names: Vec<&str> = args.plan.iter().map(|step| step.name).collect();
    println!(
        "[migrate] {} on {:?}: applying {names:?}",
        args.app, args.using
    );
}

#[receiver(post_migrate)]
fn create_default_tag(sender: Sender, args: &Migrate) {
    if sender != Sender::named("blog") {
        return;
    }
    db(|db| db.execute("INSERT OR IGNORE INTO tag (name) VALUES ('general')", []))
        .expect("default tag");
    println!(
        "[migrate] {} migrated; default tag 'general' exists",
        args.app
    );
}

/// Queues the welcome message for after the commit: a rolled-back sign-up
/// never gets one.
#[receiver(post_save, sender = User)]
fn welcome(args: &PostSave<User>) {
    if !args.created {
        return;
    }
    let (to, name) = (args.instance.email.clone(), args.instance.username.clone());
    println!("[post_save] user {name} created; welcome queued until commit");
    on_commit(move || println!("[mail] to {to}: welcome to the blog, {name}!"));
}

#[receiver(post_save, sender = Post)]
fn log_post(args: &PostSave<Post>) {
    let verb = if args.created { "published" } else { "edited" };
    println!("[post_save] post {:?} {verb}", args.instance.title);
}

thread_local! {
    // Tags of a post about to be cleared: `pre_clear` has no `pk_set`.
    static CLEARING: RefCell<Vec<i64>> = const { RefCell::new(Vec::new()) };
}

/// Keeps `tag_stats` in step with `post_tags`, in the same transaction.
#[receiver(m2m_changed, sender = PostTags)]
fn count_tags(args: &M2mChanged) {
    let post = args.instance.downcast_ref::<Post>().and_then(|p| p.id);
    let affected: Vec<i64> = match (args.action, args.pk_set) {
        (M2mAction::PostAdd | M2mAction::PostRemove, Some(keys)) => keys
            .of::<Tag>()
            .expect("tag keys")
            .iter()
            .copied()
            .collect(),
        (M2mAction::PreClear, _) => {
            let tags = db(|db| -> rusqlite::Result<Vec<i64>> {
                let mut query = db.prepare("SELECT tag FROM post_tags WHERE post = ?1")?;
                query.query_map([post], |r| r.get(0))?.collect()
            })
            .expect("tags of the post");
            CLEARING.with(|c| *c.borrow_mut() = tags);
            return;
        }
        (M2mAction::PostClear, _) => CLEARING.with(|c| c.take()),
        _ => return,
    };
    for tag in affected {
        db(|db| {
            db.execute(
                "INSERT INTO tag_stats (tag, posts) VALUES (?1, (SELECT count(*) FROM post_tags WHERE tag = ?1))
                 ON CONFLICT (tag) DO UPDATE SET posts = excluded.posts",
                [tag],
            )
        })
        .expect("tag counter");
    }
    let names: Vec<String> = match args.pk_set.and_then(|keys| keys.of::<Tag>()) {
        Some(keys) => keys.iter().map(|&id| tag_name(id)).collect(),
        None => vec!["(all)".into()],
    };
    println!(
        "[m2m_changed] {} on post {}: {names:?}",
        args.action,
        post.unwrap_or_default()
    );
}

/// Every model: logs what is about to go, with what started the deletion.
#[receiver(pre_delete)]
fn log_pre_delete(sender: Sender, args: &PreDelete) {
    let origin = args
        .origin
        .downcast_ref::<User>()
        .map_or("?".to_owned(), |u| u.username.clone());
    let what = match args.instance.downcast_ref::<Post>() {
        Some(post) => format!("post {:?}", post.title),
        None => short(sender).to_lowercase(),
    };
    println!("[pre_delete] {what} (deleting user {origin})");
}

#[receiver(post_delete, sender = Post)]
fn log_deleted_post(args: &PostDelete<Post>) {
    println!("[post_delete] post {:?} is gone", args.instance.title);
}

#[receiver(post_delete, sender = User)]
fn log_deleted_user(args: &PostDelete<User>) {
    let still_there: i64 = db(|db| {
        db.query_row(
            "SELECT count(*) FROM user WHERE id = ?1",
            [args.instance.id],
            |r| r.get(0),
        )
    })
    .expect("count");
    println!(
        "[post_delete] user {} is gone (rows left: {still_there})",
        args.instance.username
    );
}

fn tag_name(id: i64) -> String {
    db(|db| db.query_row("SELECT name FROM tag WHERE id = ?1", [id], |r| r.get(0)))
        .unwrap_or_else(|_| format!("#{id}"))
}

fn short(sender: Sender) -> &'static str {
    sender.label().rsplit("::").next().unwrap_or("?")
}

// ------------------------------------------------------------------ main --

fn tag_counts() -> rusqlite::Result<Vec<(String, i64)>> {
    db(|db| {
        let mut query = db.prepare(
            "SELECT tag.name, tag_stats.posts FROM tag_stats JOIN tag ON tag.id = tag_stats.tag ORDER BY tag.name",
        )?;
        query
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
    })
}

fn main() -> rusqlite::Result<()> {
    println!("== migrations");
    migrate()?;

    println!("\n== sign-ups (each in a transaction)");
    let mut ada = User {
        id: None,
        username: "ada".into(),
        email: "ada@example.org".into(),
    };
    in_transaction(|| save_user(&mut ada))?;
    let mut copycat = User {
        id: None,
        username: "ada".into(),
        email: "someone@example.org".into(),
    };
    let refused = in_transaction(|| {
        let mut grace = User {
            id: None,
            username: "grace".into(),
            email: "grace@example.org".into(),
        };
        save_user(&mut grace)?;
        save_user(&mut copycat) // duplicate username: the whole sign-up batch rolls back
    });
    println!(
        "batch with a duplicate username: {}",
        refused.map_or_else(|e| format!("rolled back ({e})"), |_| "ok".into())
    );

    println!("\n== posts and tags");
    let author = ada.id.expect("saved");
    let mut engine = Post {
        id: None,
        author,
        title: "Notes on the Analytical Engine".into(),
    };
    let mut poetry = Post {
        id: None,
        author,
        title: "Poetical science".into(),
    };
    in_transaction(|| {
        save_post(&mut engine)?;
        save_post(&mut poetry)?;
        tag_post(&engine, &["math", "machines"])?;
        // "math" is already there: only "general" is actually inserted.
        tag_post(&engine, &["math", "general"])?;
        tag_post(&poetry, &["math", "poetry"])?;
        // "poetry" is not on this post: `pk_set` still lists it (Django's rule).
        untag_post(&engine, &["machines", "poetry"])?;
        engine.title = "Notes on the Analytical Engine (2nd ed.)".into();
        save_post(&mut engine)?;
        Ok(())
    })?;
    println!("posts per tag: {:?}", tag_counts()?);

    println!("\n== deleting ada (cascades to her posts)");
    in_transaction(|| delete_user(&ada))?;
    println!("posts per tag: {:?}", tag_counts()?);
    let users: i64 = db(|db| db.query_row("SELECT count(*) FROM user", [], |r| r.get(0)))?;
    println!("\n{users} users left; grace was never committed, so she got no welcome");
    Ok(())
}
