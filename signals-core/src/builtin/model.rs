//! The model signals and their arguments.
//!
//! Each argument struct is generic over the instance type `M`. As sent, `M`
//! is [`AnyInstance`] (one signal for every model); a receiver filtered with
//! `sender = User` receives the same struct with `M = User`, rebuilt on the
//! stack by [`ModelNarrowing`] from the same borrowed fields (nothing is
//! cloned; the instance stays a reference to the caller's value).

use std::any::{Any, TypeId, type_name};
use std::collections::BTreeSet;
use std::fmt;

use crate::models::Model;
use crate::registration::BoxFuture;
use crate::{Narrow, SignalDef};

/// A model instance with its type erased: what receivers without a sender
/// filter get. `instance.downcast_ref::<User>()` gives it back typed.
pub type AnyInstance = dyn Any + Send + Sync;

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

    /// Sent by [`models::M2m`](crate::models::M2m) before and after a
    /// many-to-many relation changes. Sender: the through type.
    pub static m2m_changed: M2mChanged<'_>;
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
}

impl<'a> PreSave<'a> {
    pub(crate) fn new<M: Model>(
        instance: &'a M,
        raw: bool,
        using: &'a str,
        update_fields: Option<&'a [&'a str]>,
    ) -> Self {
        PreSave {
            instance,
            raw,
            using,
            update_fields,
        }
    }
}

impl<'a> PostSave<'a> {
    pub(crate) fn new<M: Model>(
        instance: &'a M,
        created: bool,
        raw: bool,
        using: &'a str,
        update_fields: Option<&'a [&'a str]>,
    ) -> Self {
        PostSave {
            instance,
            created,
            raw,
            using,
            update_fields,
        }
    }
}

impl<'a> PreDelete<'a> {
    pub(crate) fn new(instance: &'a AnyInstance, using: &'a str, origin: &'a AnyInstance) -> Self {
        PreDelete {
            instance,
            using,
            origin,
        }
    }
}

impl<'a> PostDelete<'a> {
    pub(crate) fn new(instance: &'a AnyInstance, using: &'a str, origin: &'a AnyInstance) -> Self {
        PostDelete {
            instance,
            using,
            origin,
        }
    }
}

/// The typed view of a model signal's arguments for one model type.
/// Implemented by the definition types of the model signals.
#[doc(hidden)]
pub trait Retype: SignalDef {
    /// The arguments with the instance typed as `M`.
    type Typed<'a, M: Model>: Send + Sync;

    /// Rebuilds the arguments with the instance typed as `M`, or `None` if
    /// the instance is not an `M`.
    fn retype<'a, M: Model>(args: &Self::Args<'a>) -> Option<Self::Typed<'a, M>>;

    /// Calls an async receiver with the typed view, which the returned
    /// future owns. Written per signal because only the concrete argument
    /// types tell the compiler that the view lives as long as the borrow.
    fn retype_async<'a, 'b, M: Model, R: 'b>(
        args: &'b Self::Args<'a>,
        receiver: impl for<'v> FnOnce(&'v Self::Typed<'a, M>) -> BoxFuture<'v, R> + Send + 'b,
    ) -> Option<BoxFuture<'b, R>>;
}

macro_rules! retype {
    ($def:ident, $args:ident { $($field:ident),* }) => {
        impl Retype for $def {
            type Typed<'a, M: Model> = $args<'a, M>;

            fn retype<'a, M: Model>(args: &Self::Args<'a>) -> Option<Self::Typed<'a, M>> {
                Some($args {
                    instance: args.instance.downcast_ref::<M>()?,
                    $($field: args.$field,)*
                })
            }

            fn retype_async<'a, 'b, M: Model, R: 'b>(
                args: &'b Self::Args<'a>,
                receiver: impl for<'v> FnOnce(&'v Self::Typed<'a, M>) -> BoxFuture<'v, R> + Send + 'b,
            ) -> Option<BoxFuture<'b, R>> {
                let view = Self::retype::<M>(args)?;
                Some(Box::pin(async move { receiver(&view).await }))
            }
        }
    };
}

retype!(
    pre_save,
    PreSave {
        raw,
        using,
        update_fields
    }
);
retype!(
    post_save,
    PostSave {
        created,
        raw,
        using,
        update_fields
    }
);
retype!(pre_delete, PreDelete { using, origin });
retype!(post_delete, PostDelete { using, origin });

/// The narrowing of the model signals: a receiver declared with
/// `sender = M` gets the arguments with the instance typed as `&M`.
#[derive(Debug)]
pub struct ModelNarrowing;

#[cold]
#[track_caller]
fn mismatch<D: SignalDef, M: Model>() -> ! {
    // Only reachable when someone sends model-signal arguments from a sender
    // that is not the instance's type: a bug at that call site, reported
    // loudly instead of skipping the receiver.
    panic!(
        "`{}` was sent from `{}` with an instance of another type; send model signals through `signals::models` helpers, which derive the sender from the instance",
        D::NAME,
        type_name::<M>(),
    )
}

impl<D: Retype, M: Model> Narrow<D, M> for ModelNarrowing {
    type View<'a> = D::Typed<'a, M>;

    fn apply<'a, 'b, R>(
        args: &'b D::Args<'a>,
        receiver: impl FnOnce(&Self::View<'a>) -> R,
    ) -> Option<R> {
        match D::retype::<M>(args) {
            Some(view) => Some(receiver(&view)),
            None => mismatch::<D, M>(),
        }
    }

    fn apply_async<'a, 'b, R: 'b>(
        args: &'b D::Args<'a>,
        receiver: impl for<'v> FnOnce(&'v Self::View<'a>) -> BoxFuture<'v, R> + Send + 'b,
    ) -> Option<BoxFuture<'b, R>> {
        match D::retype_async::<M, R>(args, receiver) {
            Some(future) => Some(future),
            None => mismatch::<D, M>(),
        }
    }
}

/// The type of a model, as carried by [`M2mChanged::model`].
#[derive(Clone, Copy)]
pub struct ModelType {
    id: TypeId,
    name: fn() -> &'static str,
}

impl ModelType {
    /// The model type `M`.
    #[must_use]
    pub fn of<M: Model>() -> Self {
        ModelType {
            id: TypeId::of::<M>(),
            name: type_name::<M>,
        }
    }

    /// Whether this is the model type `M`.
    #[must_use]
    pub fn is<M: Model>(&self) -> bool {
        self.id == TypeId::of::<M>()
    }

    /// The type's path.
    #[must_use]
    pub fn name(&self) -> &'static str {
        (self.name)()
    }
}

impl PartialEq for ModelType {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for ModelType {}

impl fmt::Debug for ModelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModelType({})", self.name())
    }
}

/// What happened to a many-to-many relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum M2mAction {
    /// Before rows are added.
    PreAdd,
    /// After rows were added.
    PostAdd,
    /// Before rows are removed.
    PreRemove,
    /// After rows were removed.
    PostRemove,
    /// Before the relation is cleared.
    PreClear,
    /// After the relation was cleared.
    PostClear,
}

impl M2mAction {
    /// Django's name for the action (`"pre_add"`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            M2mAction::PreAdd => "pre_add",
            M2mAction::PostAdd => "post_add",
            M2mAction::PreRemove => "pre_remove",
            M2mAction::PostRemove => "post_remove",
            M2mAction::PreClear => "pre_clear",
            M2mAction::PostClear => "post_clear",
        }
    }
}

impl fmt::Display for M2mAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The primary keys an `m2m_changed` is about, as a `BTreeSet<K>` of the
/// caller's key type.
#[derive(Clone, Copy)]
pub struct PkSet<'a> {
    keys: &'a (dyn Any + Send + Sync),
    len: usize,
}

impl<'a> PkSet<'a> {
    pub(crate) fn new<K: Ord + Send + Sync + 'static>(keys: &'a BTreeSet<K>) -> Self {
        PkSet {
            keys,
            len: keys.len(),
        }
    }

    /// The keys, if they are of type `K`.
    #[must_use]
    pub fn get<K: Ord + 'static>(&self) -> Option<&'a BTreeSet<K>> {
        self.keys.downcast_ref()
    }

    /// The keys as primary keys of `M` (usually [`M2mChanged::model`]).
    #[must_use]
    pub fn of<M: Model>(&self) -> Option<&'a BTreeSet<M::Pk>> {
        self.get()
    }

    /// How many keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for PkSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PkSet(len = {})", self.len)
    }
}

/// Arguments of [`m2m_changed`](static@m2m_changed).
#[non_exhaustive]
pub struct M2mChanged<'a> {
    /// What is happening.
    pub action: M2mAction,
    /// The object whose relation changes (either side).
    pub instance: &'a AnyInstance,
    /// `false` when the change comes from the side that declares the
    /// relation, `true` from the other side.
    pub reverse: bool,
    /// The type of the objects added, removed or cleared.
    pub model: ModelType,
    /// Add: the keys actually being inserted (ones already present are
    /// left out). Remove: the keys submitted. Clear: `None`.
    pub pk_set: Option<PkSet<'a>>,
    /// The database alias.
    pub using: &'a str,
    /// `true` when loading fixtures.
    pub raw: bool,
}

impl<'a> M2mChanged<'a> {
    pub(crate) fn new(
        action: M2mAction,
        instance: &'a AnyInstance,
        reverse: bool,
        model: ModelType,
        pk_set: Option<PkSet<'a>>,
        using: &'a str,
        raw: bool,
    ) -> Self {
        M2mChanged {
            action,
            instance,
            reverse,
            model,
            pk_set,
            using,
            raw,
        }
    }
}
