//! The save and delete signals and their arguments.
//!
//! Each argument struct is generic over the instance type `M`. As sent, `M`
//! is [`AnyInstance`] (one signal for every model); a receiver filtered with
//! `sender = User` receives the same struct with `M = User`, rebuilt on the
//! stack by `ModelNarrowing` (see `narrowing.rs`) from the same borrowed
//! fields (nothing is cloned; the instance stays a reference to the caller's
//! value).

use super::narrowing::{ModelNarrowing, retype};
use crate::in_hand::DbInHand;
pub use crate::model::AnyInstance;

crate::signal! {
    #![crate = crate]

    /// Sent by [`models::save`](crate::models::save) before the caller's
    /// persistence code runs. Sender: the model type.
    #[narrowing(ModelNarrowing)]
    pub static pre_save: PreSave<'_>;

    /// Sent by [`models::save`](crate::models::save) after the row was
    /// written (still inside any surrounding transaction), with `created`.
    /// Sender: the model type.
    #[narrowing(ModelNarrowing)]
    pub static post_save: PostSave<'_>;

    /// Sent by [`models::delete`](crate::models::delete) for every instance
    /// about to be deleted (cascades included), before any of them is.
    /// Sender: that instance's type.
    #[narrowing(ModelNarrowing)]
    pub static pre_delete: PreDelete<'_>;

    /// Sent by [`models::delete`](crate::models::delete) for every deleted
    /// instance, after the caller's deletion succeeded. Sender: that
    /// instance's type.
    #[narrowing(ModelNarrowing)]
    pub static post_delete: PostDelete<'_>;
}

/// Arguments of [`pre_save`](static@pre_save).
#[non_exhaustive]
pub struct PreSave<'a, M: ?Sized = AnyInstance> {
    /// The instance being saved.
    pub instance: &'a M,
    /// `true` when saving exactly as given (fixture loading): receivers
    /// should not query or modify other rows.
    pub raw: bool,
    /// The database alias.
    pub using: &'a str,
    /// The field names passed to `save`, or `None` for all fields.
    pub update_fields: Option<&'a [&'a str]>,
    /// The connection the save runs on, when an ORM integration hands it
    /// over (`db()` with the `sea-orm` feature).
    pub(crate) db: DbInHand<'a>,
}

/// Arguments of [`post_save`](static@post_save).
#[non_exhaustive]
pub struct PostSave<'a, M: ?Sized = AnyInstance> {
    /// The instance that was saved.
    pub instance: &'a M,
    /// `true` if the save inserted a new row, `false` if it updated one.
    pub created: bool,
    /// As in [`PreSave::raw`].
    pub raw: bool,
    /// The database alias.
    pub using: &'a str,
    /// The field names passed to `save`, or `None` for all fields.
    pub update_fields: Option<&'a [&'a str]>,
    /// As in `PreSave`.
    pub(crate) db: DbInHand<'a>,
}

/// Arguments of [`pre_delete`](static@pre_delete).
#[non_exhaustive]
pub struct PreDelete<'a, M: ?Sized = AnyInstance> {
    /// The instance about to be deleted (still in the database).
    pub instance: &'a M,
    /// The database alias.
    pub using: &'a str,
    /// The instance whose deletion started the whole operation (for a
    /// cascaded row, the root, not the row itself).
    pub origin: &'a AnyInstance,
    /// As in `PreSave`.
    pub(crate) db: DbInHand<'a>,
}

/// Arguments of [`post_delete`](static@post_delete).
#[non_exhaustive]
pub struct PostDelete<'a, M: ?Sized = AnyInstance> {
    /// The deleted instance (no longer in the database).
    pub instance: &'a M,
    /// The database alias.
    pub using: &'a str,
    /// The instance whose deletion started the whole operation.
    pub origin: &'a AnyInstance,
    /// As in `PreSave`.
    pub(crate) db: DbInHand<'a>,
}

// The typed views receivers filtered on a sender get: the instance as the
// sender's `ModelSender` type for that signal.
retype!(
    pre_save,
    PreSave<Saving> {
        raw,
        using,
        update_fields,
        db
    }
);
retype!(
    post_save,
    PostSave<Saved> {
        created,
        raw,
        using,
        update_fields,
        db
    }
);
retype!(pre_delete, PreDelete<Deleting> { using, origin, db });
retype!(post_delete, PostDelete<Deleted> { using, origin, db });
