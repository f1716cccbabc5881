//! `save`: `pre_save`, the caller's write, `post_save`.

use super::db::Db;
use crate::builtin::{AnyInstance, PostSave, PreSave, post_save, pre_save};
use crate::model::Model;
use crate::sender::Sender;

/// What the caller's persistence code did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Saved {
    /// A new row was inserted (`post_save` gets `created: true`).
    Created,
    /// An existing row was updated.
    Updated,
}

/// The options of a [`save`]: database alias, `raw`, `update_fields`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SaveOptions<'a> {
    db: Db<'a>,
    update_fields: Option<&'a [&'a str]>,
}

impl<'a> SaveOptions<'a> {
    /// Alias `"default"`, not raw, all fields.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The database alias.
    #[must_use]
    pub fn using(mut self, using: &'a str) -> Self {
        self.db.using = using;
        self
    }

    /// Saving exactly as given (fixture loading).
    #[must_use]
    pub fn raw(mut self, raw: bool) -> Self {
        self.db.raw = raw;
        self
    }

    /// Only these fields are written.
    #[must_use]
    pub fn update_fields(mut self, fields: &'a [&'a str]) -> Self {
        self.update_fields = Some(fields);
        self
    }
}

/// Saves `instance` with your `persist` code, sending `pre_save` before it
/// and `post_save` after it (with `created` from what `persist` reports).
///
/// `persist` gets the instance mutably (e.g. to store the new primary key);
/// the receivers see it by reference, never cloned. If `persist` fails, its
/// error is returned and `post_save` is not sent.
///
/// # Errors
///
/// Whatever `persist` returns.
pub fn save<M: Model, E>(
    instance: &mut M,
    options: SaveOptions<'_>,
    persist: impl FnOnce(&mut M) -> Result<Saved, E>,
) -> Result<Saved, E> {
    let sender = Sender::of::<M>();
    let SaveOptions {
        db: Db { using, raw },
        update_fields,
    } = options;
    if pre_save.has_listeners(sender) {
        let instance: &AnyInstance = instance;
        let args = PreSave {
            instance,
            raw,
            using,
            update_fields,
        };
        pre_save.send(sender, &args);
    }
    let saved = persist(instance)?;
    if post_save.has_listeners(sender) {
        let instance: &AnyInstance = instance;
        let args = PostSave {
            instance,
            created: saved == Saved::Created,
            raw,
            using,
            update_fields,
        };
        post_save.send(sender, &args);
    }
    Ok(saved)
}
