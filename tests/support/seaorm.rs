//! SeaORM entities with `#[model_signals]`, and each test's own database on
//! a real SQLite file (bundled) or a real PostgreSQL server (a throwaway
//! cluster shared by the binary), for the `seaorm_*` test binaries; each
//! uses a part.
//!
//! Every scenario is one `async fn(Db)` run on both backends by `on_both!`,
//! under a watchdog, one at a time (the receivers of a binary are global,
//! and each scenario reads what they logged).
#![allow(dead_code)]

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, Schema};

use crate::postgres::PgCluster;
use crate::watchdog::watchdog;

/// How long one scenario may run before the watchdog aborts the process.
pub const LIMIT: Duration = Duration::from_secs(60);

/// Authors: saved with the hooks `#[model_signals]` generates, nothing
/// hand-written.
pub mod author {
    use sea_orm::Set;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "author")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub email: String,
        pub posts: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    #[signals::model_signals]
    impl ActiveModelBehavior for ActiveModel {}

    /// A new author `name` (email `name@example.org`, no posts), unsaved.
    pub fn new(name: &str) -> ActiveModel {
        ActiveModel {
            name: Set(name.into()),
            email: Set(format!("{name}@example.org")),
            posts: Set(0),
            ..Default::default()
        }
    }
}

/// Posts: hand-written `before_save` (fills the slug) and `after_save`
/// (logs), under the user's own `#[async_trait]`.
pub mod post {
    use sea_orm::Set;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "post")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub author_id: i32,
        pub title: String,
        pub slug: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::author::Entity",
            from = "Column::AuthorId",
            to = "super::author::Column::Id"
        )]
        Author,
    }

    impl Related<super::author::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Author.def()
        }
    }

    #[signals::model_signals]
    #[async_trait::async_trait]
    impl ActiveModelBehavior for ActiveModel {
        async fn before_save<C>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr>
        where
            C: ConnectionTrait,
        {
            super::log(format!("post before_save hook insert={insert}"));
            if let sea_orm::ActiveValue::Set(title) = &self.title {
                self.slug = Set(title.to_lowercase().replace(' ', "-"));
            }
            Ok(self)
        }

        async fn after_save<C>(model: Model, _db: &C, insert: bool) -> Result<Model, DbErr>
        where
            C: ConnectionTrait,
        {
            super::log(format!(
                "post after_save hook {} insert={insert}",
                model.slug
            ));
            Ok(model)
        }
    }

    /// A new post of `author_id` titled `title`, unsaved (`before_save`
    /// fills the slug).
    pub fn new(author_id: i32, title: &str) -> ActiveModel {
        ActiveModel {
            author_id: Set(author_id),
            title: Set(title.into()),
            slug: Set(String::new()),
            ..Default::default()
        }
    }
}

/// Lines receivers write inside the save's transaction: no hooks of ours.
pub mod audit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub line: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Appends a line to the scenario's log.
pub fn log(line: String) {
    LOG.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(line);
}

/// Takes the lines logged so far.
pub fn take_log() -> Vec<String> {
    std::mem::take(&mut *LOG.lock().unwrap_or_else(PoisonError::into_inner))
}

/// The backends every scenario runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A scenario's own database, removed (SQLite) when dropped.
pub struct Db {
    pub backend: Backend,
    pub conn: DatabaseConnection,
    file: Option<PathBuf>,
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

async fn open(backend: Backend, name: &str) -> Option<Db> {
    let (url, file) = match backend {
        Backend::Sqlite => {
            let file = std::env::temp_dir().join(format!(
                "signals-seaorm-{}-{name}.sqlite",
                std::process::id()
            ));
            (format!("sqlite://{}?mode=rwc", file.display()), Some(file))
        }
        Backend::Postgres => {
            let cluster = PgCluster::shared_or_skip(&format!("postgres::{name}"))?;
            (cluster.create_database(&format!("seaorm_{name}")), None)
        }
    };
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(20))
        .sqlx_logging(false);
    let conn = Database::connect(options).await.expect("connect");
    let db = Db {
        backend,
        conn,
        file,
    };
    let schema = Schema::new(db.conn.get_database_backend());
    schema
        .builder()
        .register(author::Entity)
        .register(post::Entity)
        .register(audit::Entity)
        .apply(&db.conn)
        .await
        .expect("create the tables");
    Some(db)
}

static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `scenario` on its own database on `backend`: under a watchdog, on
/// a 2-worker multi-thread runtime, alone in this binary, starting with an
/// empty log. Skips (loudly) on PostgreSQL without server binaries.
pub fn run<F, Fut>(backend: Backend, name: &str, scenario: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    let _serial: MutexGuard<'_, ()> = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let what = format!("{backend:?}::{name}");
    let _watchdog = watchdog(&what, LIMIT);
    take_log();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let Some(db) = open(backend, name).await else {
            return;
        };
        scenario(db).await;
    });
}

/// Runs each scenario (an `async fn(Db)` of the test file) on SQLite and on
/// PostgreSQL.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[test]
                fn $name() {
                    $crate::support::run($crate::support::Backend::Sqlite, stringify!($name), super::$name);
                }
            )*
        }
        mod on_postgres {
            $(
                #[test]
                fn $name() {
                    $crate::support::run($crate::support::Backend::Postgres, stringify!($name), super::$name);
                }
            )*
        }
    };
}
