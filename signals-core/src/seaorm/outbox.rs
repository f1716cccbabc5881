//! Durable receivers' events sent in a SeaORM [`Transaction`](super::Transaction):
//! a transaction begun on a connection (not a savepoint) is an outbox
//! transaction, and writes the events sent in it (and in its savepoints
//! that were released) in the same database transaction, right before its
//! `COMMIT`, with [`statements::POSTGRES`] or [`statements::SQLITE`] run
//! through SeaORM. The outbox tables must exist in that database
//! ([`Outbox::install`](crate::durable::Outbox::install) on a sqlx pool of
//! it).

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbErr, Statement};

use crate::durable::statements;
use crate::models::TransactionScope;

/// The scope of a transaction begun on a connection: it writes the durable
/// events sent in it.
pub(super) fn open_writer() -> TransactionScope {
    TransactionScope::open_writer()
}

/// Writes the events sent in the transaction, in it, with one statement;
/// nothing when none was sent. From now on a durable send in it fails.
///
/// # Errors
///
/// The database's error, or `DbErr::Custom` on MySQL (the outbox runs on
/// PostgreSQL and SQLite) or for an event that cannot be stored; the
/// caller does not commit then.
pub(super) async fn write_events(
    scope: &TransactionScope,
    transaction: &DatabaseTransaction,
) -> Result<(), DbErr> {
    let events = scope.take_events();
    if events.is_empty() {
        return Ok(());
    }
    let backend = transaction.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => statements::POSTGRES,
        DatabaseBackend::Sqlite => statements::SQLITE,
        other => {
            return Err(DbErr::Custom(format!(
                "durable receivers' events can be written on PostgreSQL or SQLite, not {other:?}"
            )));
        }
    };
    let json = statements::events_json(&events).map_err(|e| DbErr::Custom(e.to_string()))?;
    let statement = Statement::from_sql_and_values(backend, sql, [json.into()]);
    transaction.query_all_raw(statement).await?;
    Ok(())
}
