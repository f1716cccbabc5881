//! The model helpers wrapped around real SQLite writes, with receivers that
//! open the database themselves to see what is (and is not) there yet.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use signals::builtin::{
    PostDelete, PostSave, PreDelete, PreSave, post_delete, post_save, pre_delete, pre_save,
};
use signals::models::{
    self, DeleteOptions, Deletion, Model, SaveOptions, Saved, on_commit, transaction,
};
use signals::receiver;

struct Member {
    id: Option<i64>,
    name: String,
}
impl Model for Member {
    type Pk = i64;
}

thread_local! {
    // Receivers run on the sending thread, and each test runs on its own
    // thread: this keeps parallel tests' databases and logs apart.
    static DB: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
    static SEEN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn seen(line: String) {
    SEEN.with(|seen| seen.borrow_mut().push(line));
}

/// Looks the member up through a connection of its own, as another process
/// would: it sees committed data only.
fn stored_name(id: i64) -> Option<String> {
    let path = DB.with(|db| db.borrow().clone())?;
    let connection = Connection::open(path).unwrap();
    connection
        .query_row("SELECT name FROM member WHERE id = ?1", [id], |row| {
            row.get(0)
        })
        .optional()
        .unwrap()
}

#[receiver(pre_save, sender = Member)]
fn before_save(args: &PreSave<Member>) {
    seen(format!("pre_save id={:?}", args.instance.id));
}

#[receiver(post_save, sender = Member)]
fn after_save(args: &PostSave<Member>) {
    let id = args.instance.id.expect("the key is set by the insert");
    seen(format!(
        "post_save {} created={} stored={:?}",
        args.instance.name,
        args.created,
        stored_name(id)
    ));
    let name = args.instance.name.clone();
    on_commit(move || seen(format!("on_commit {name} stored={:?}", stored_name(id))));
}

#[receiver(pre_delete, sender = Member)]
fn before_delete(args: &PreDelete<Member>) {
    let id = args.instance.id.unwrap();
    seen(format!("pre_delete {} stored={:?}", id, stored_name(id)));
}

#[receiver(post_delete, sender = Member)]
fn after_delete(args: &PostDelete<Member>) {
    let id = args.instance.id.unwrap();
    seen(format!("post_delete {} stored={:?}", id, stored_name(id)));
}

struct TestDb(PathBuf);

impl TestDb {
    fn new(name: &str) -> (TestDb, Connection) {
        let path = std::env::temp_dir().join(format!(
            "signals-models-{}-{name}.sqlite3",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        let connection = Connection::open(&path).unwrap();
        connection
            .execute_batch(
                "CREATE TABLE member (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);",
            )
            .unwrap();
        DB.with(|db| *db.borrow_mut() = Some(path.clone()));
        (TestDb(path), connection)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn save_member(db: &Connection, member: &mut Member) -> rusqlite::Result<Saved> {
    models::save(member, SaveOptions::new(), |member| match member.id {
        Some(id) => {
            db.execute(
                "UPDATE member SET name = ?1 WHERE id = ?2",
                params![member.name, id],
            )?;
            Ok(Saved::Updated)
        }
        None => {
            db.execute("INSERT INTO member (name) VALUES (?1)", [&member.name])?;
            member.id = Some(db.last_insert_rowid());
            Ok(Saved::Created)
        }
    })
}

fn take_seen() -> Vec<String> {
    SEEN.with(|seen| seen.take())
}

#[test]
fn post_save_sees_the_row_and_delete_signals_bracket_its_removal() {
    let (db_file, db) = TestDb::new("autocommit");
    let mut ada = Member {
        id: None,
        name: "ada".into(),
    };
    save_member(&db, &mut ada).unwrap();
    ada.name = "ada lovelace".into();
    save_member(&db, &mut ada).unwrap();
    let id = ada.id.unwrap();
    let deletion = Deletion::new(&ada);
    models::delete(&deletion, DeleteOptions::new(), || {
        db.execute("DELETE FROM member WHERE id = ?1", [id])
            .map(drop)
    })
    .unwrap();
    assert_eq!(
        take_seen(),
        [
            "pre_save id=None".to_owned(),
            "post_save ada created=true stored=Some(\"ada\")".into(),
            // Autocommit: on-commit work runs at once.
            "on_commit ada stored=Some(\"ada\")".into(),
            format!("pre_save id=Some({id})"),
            "post_save ada lovelace created=false stored=Some(\"ada lovelace\")".into(),
            "on_commit ada lovelace stored=Some(\"ada lovelace\")".into(),
            format!("pre_delete {id} stored=Some(\"ada lovelace\")"),
            format!("post_delete {id} stored=None"),
        ]
    );
    assert!(db_file.path().exists());
}

#[test]
fn a_failing_insert_sends_no_post_save() {
    let (_db_file, db) = TestDb::new("failing");
    let mut first = Member {
        id: None,
        name: "grace".into(),
    };
    save_member(&db, &mut first).unwrap();
    take_seen();
    let mut duplicate = Member {
        id: None,
        name: "grace".into(),
    };
    let error = save_member(&db, &mut duplicate).unwrap_err();
    assert!(error.to_string().contains("UNIQUE"), "{error}");
    assert_eq!(take_seen(), ["pre_save id=None"]);
}

#[test]
fn on_commit_receivers_see_committed_data_and_never_run_after_a_rollback() {
    let (_db_file, mut db) = TestDb::new("transaction");
    let committed = transaction(
        db.transaction().unwrap(),
        |tx| {
            let mut linus = Member {
                id: None,
                name: "linus".into(),
            };
            save_member(tx, &mut linus)?;
            Ok(linus.id.unwrap())
        },
        |tx| tx.commit(),
    )
    .unwrap();
    assert_eq!(
        take_seen(),
        [
            "pre_save id=None",
            // Inside the transaction another connection cannot see the row yet...
            "post_save linus created=true stored=None",
            // ...after the commit it can.
            "on_commit linus stored=Some(\"linus\")",
        ]
    );
    let rolled_back: rusqlite::Result<()> = transaction(
        db.transaction().unwrap(),
        |tx| {
            let mut ghost = Member {
                id: None,
                name: "ghost".into(),
            };
            save_member(tx, &mut ghost)?;
            // A later statement fails: the whole transaction is rolled back.
            tx.execute(
                "INSERT INTO member (id, name) VALUES (?1, 'dup')",
                [committed],
            )?;
            Ok(())
        },
        |tx| tx.commit(),
    );
    assert!(rolled_back.is_err());
    assert_eq!(
        take_seen(),
        [
            "pre_save id=None",
            "post_save ghost created=true stored=None"
        ]
    );
    let ghosts: i64 = db
        .query_row(
            "SELECT count(*) FROM member WHERE name = 'ghost'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(ghosts, 0);
}
