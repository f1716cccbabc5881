//! `save`: `pre_save`, the caller's write, `post_save`.

use crate::Sender;
use crate::builtin::{PostSave, PreSave, post_save, pre_save};

use super::{DEFAULT_DB_ALIAS, Model};

/// What the caller's persistence code did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Saved {
    /// A new row was inserted (`post_save` gets `created: true`).
    Created,
    /// An existing row was updated.
    Updated,
}

/// The options of a [`save`]: database alias, `raw`, `update_fields`.
#[derive(Clone, Copy, Debug)]
pub struct SaveOptions<'a> {
    using: &'a str,
    raw: bool,
    update_fields: Option<&'a [&'a str]>,
}

impl Default for SaveOptions<'_> {
    fn default() -> Self {
        SaveOptions {
            using: DEFAULT_DB_ALIAS,
            raw: false,
            update_fields: None,
        }
    }
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
        self.using = using;
        self
    }

    /// Saving exactly as given (fixture loading).
    #[must_use]
    pub fn raw(mut self, raw: bool) -> Self {
        self.raw = raw;
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
        using,
        raw,
        update_fields,
    } = options;
    if pre_save.has_listeners(sender) {
        pre_save.send(sender, &PreSave::new(&*instance, raw, using, update_fields));
    }
    let saved = persist(instance)?;
    if post_save.has_listeners(sender) {
        let created = saved == Saved::Created;
        post_save.send(
            sender,
            &PostSave::new(&*instance, created, raw, using, update_fields),
        );
    }
    Ok(saved)
}
