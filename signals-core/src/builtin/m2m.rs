//! The many-to-many signal and its arguments.

use std::any::{Any, TypeId, type_name};
use std::collections::BTreeSet;
use std::fmt;

use super::model::AnyInstance;
use crate::model::Model;

crate::signal! {
    #![crate = crate]

    /// Sent by [`models::M2m`](crate::models::M2m) before and after a
    /// many-to-many relation changes. Sender: the through type.
    pub static m2m_changed: M2mChanged<'_>;
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
