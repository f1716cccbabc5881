//! `update_fields` for SeaORM updates: the columns an update writes, from
//! `before_save` to `after_save`.
//!
//! `before_save` sees the `ActiveModel` (which columns are `Set`);
//! `after_save` sees only the `Model` read back, and the awaits between
//! the two (the `UPDATE` itself, async receivers) may move the task to
//! another thread. So `before_save` records the columns under a key that
//! `after_save` can rebuild from what it gets: the entity type, the
//! connection value (its address: SeaORM passes the same `&C` to both
//! hooks of one call) and the row's primary key. Concurrent updates of
//! different rows, or of one row through different connection or
//! transaction values, never share a key.
//!
//! Limits, documented in the module docs:
//!
//! - two updates of the *same row* through the *same connection value* at
//!   the same time (two tasks sharing one pool) share a key: both
//!   `post_save`s report the columns of the later `pre_save`;
//! - an update that never reaches `after_save` (it failed, its future was
//!   dropped, or `update_without_returning`, which SeaORM runs without
//!   `after_save`) leaves its record behind until the same row is updated
//!   through the same connection value again; at most [`LIMIT`] records are
//!   kept, the oldest go first, and an update whose record went that way
//!   gets `update_fields: None`.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use sea_orm::sea_query::ValueTuple;
use sea_orm::{
    ActiveModelTrait, ActiveValue, EntityTrait, IdenStatic, Iterable, ModelTrait,
    PrimaryKeyToColumn, Value,
};

/// How many updates may wait for their `after_save` at once before the
/// oldest records are dropped.
const LIMIT: usize = 4096;

/// The columns of one update.
pub(crate) type Columns = Arc<[&'static str]>;

/// The non-key columns an update of `am` writes: those `Set`, as SeaORM's
/// `UPDATE` does (key columns go to its `WHERE`, `Unchanged` ones nowhere).
pub(crate) fn written<A: ActiveModelTrait>(am: &A) -> Columns {
    <A::Entity as EntityTrait>::Column::iter()
        .filter(|&column| {
            <<A::Entity as EntityTrait>::PrimaryKey as PrimaryKeyToColumn>::from_column(column)
                .is_none()
        })
        .filter(|&column| matches!(am.get(column), ActiveValue::<Value>::Set(_)))
        .map(|column| column.as_str())
        .collect()
}

#[derive(PartialEq, Eq, Hash)]
struct Key {
    entity: TypeId,
    connection: usize,
    row: ValueTuple,
}

struct Record {
    columns: Columns,
    /// Updates of this key between their two hooks.
    waiting: usize,
    /// When it was last written, to drop the oldest first.
    stamp: u64,
}

#[derive(Default)]
struct Records {
    by_key: HashMap<Key, Record>,
    clock: u64,
}

static RECORDS: LazyLock<Mutex<Records>> = LazyLock::new(Mutex::default);

fn records() -> std::sync::MutexGuard<'static, Records> {
    // No user code runs under this lock.
    RECORDS.lock().unwrap_or_else(PoisonError::into_inner)
}

fn key<E: 'static, C>(db: &C, row: ValueTuple) -> Key {
    Key {
        entity: TypeId::of::<E>(),
        connection: std::ptr::from_ref(db).addr(),
        row,
    }
}

/// `before_save` of an update of `am` on `db`: keeps `columns` for its
/// `after_save`. An `ActiveModel` without its full key cannot be updated
/// (SeaORM refuses it), so there is nothing to keep.
pub(crate) fn keep<A, C>(am: &A, db: &C, columns: &Columns)
where
    A: ActiveModelTrait,
    A::Entity: 'static,
{
    let Some(row) = am.get_primary_key_value() else {
        return;
    };
    let key = key::<A::Entity, C>(db, row);
    let mut records = records();
    records.clock += 1;
    let stamp = records.clock;
    let record = records.by_key.entry(key).or_insert_with(|| Record {
        columns: Arc::clone(columns),
        waiting: 0,
        stamp,
    });
    record.columns = Arc::clone(columns);
    record.waiting += 1;
    record.stamp = stamp;
    if records.by_key.len() > LIMIT {
        forget_oldest(&mut records);
    }
}

/// `after_save` of an update that wrote `model` on `db`: the columns its
/// `before_save` kept, if still kept.
pub(crate) fn take<E, C>(model: &E::Model, db: &C) -> Option<Columns>
where
    E: EntityTrait,
{
    let key = key::<E, C>(db, model.get_primary_key_value());
    let mut records = records();
    let record = records.by_key.get_mut(&key)?;
    let columns = Arc::clone(&record.columns);
    record.waiting -= 1;
    if record.waiting == 0 {
        records.by_key.remove(&key);
    }
    Some(columns)
}

/// Drops the older half of the records: updates that never reached
/// `after_save`, unless that many are really in flight at once.
#[cold]
fn forget_oldest(records: &mut Records) {
    let mut stamps: Vec<u64> = records.by_key.values().map(|record| record.stamp).collect();
    let middle = stamps.len() / 2;
    let (_, &mut cut, _) = stamps.select_nth_unstable(middle);
    records.by_key.retain(|_, record| record.stamp >= cut);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_half_goes_first() {
        let mut records = Records::default();
        for stamp in 0..10 {
            records.by_key.insert(
                Key {
                    entity: TypeId::of::<()>(),
                    connection: 1,
                    row: ValueTuple::One(Value::from(i32::try_from(stamp).unwrap())),
                },
                Record {
                    columns: Arc::from([]),
                    waiting: 1,
                    stamp,
                },
            );
        }
        forget_oldest(&mut records);
        let mut kept: Vec<u64> = records.by_key.values().map(|r| r.stamp).collect();
        kept.sort_unstable();
        assert_eq!(kept, [5, 6, 7, 8, 9]);
    }
}
