//! Who sent a signal.
//!
//! Django matches senders by object identity. Rust has no such identity for
//! types, so a [`Sender`] is a *value* compared by equality: either a type
//! identity ([`Sender::of`]) or a name ([`Sender::named`]). [`Sender::NONE`] is
//! the anonymous sender of Django's `send(sender=None)`: it reaches only the
//! receivers connected without a sender filter.

use std::any::TypeId;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The sender of a signal: a type, a name, or nobody.
///
/// Senders are small `Copy` values compared by value; two `Sender::of::<T>()`
/// are always equal, as are two `Sender::named("x")`.
///
/// ```
/// use signals_core::Sender;
/// struct PizzaStore;
/// assert_eq!(Sender::of::<PizzaStore>(), Sender::of::<PizzaStore>());
/// assert!(Sender::of::<PizzaStore>().is::<PizzaStore>());
/// assert_ne!(Sender::named("billing"), Sender::named("shipping"));
/// assert!(Sender::NONE.is_none());
/// ```
#[derive(Clone, Copy)]
pub struct Sender(Repr);

#[derive(Clone, Copy)]
enum Repr {
    None,
    // The name is a function pointer because `type_name` is not yet usable in
    // const contexts, while `#[receiver(sender = T)]` builds its filter in one.
    Type(TypeId, fn() -> &'static str),
    Named(&'static str),
}

impl Sender {
    /// The anonymous sender (Django's `sender=None`): reaches only receivers
    /// connected without a sender filter.
    pub const NONE: Sender = Sender(Repr::None);

    /// The sender identified by the type `T`, usually the type doing the
    /// sending (`Sender::of::<PizzaStore>()`) or a model type.
    #[must_use]
    pub const fn of<T: ?Sized + 'static>() -> Sender {
        Sender(Repr::Type(TypeId::of::<T>(), std::any::type_name::<T>))
    }

    /// A sender identified by a name, for senders that are not types
    /// (`Sender::named("billing")`). Names are compared by value.
    #[must_use]
    pub const fn named(name: &'static str) -> Sender {
        Sender(Repr::Named(name))
    }

    /// Whether this is [`Sender::NONE`].
    #[must_use]
    pub const fn is_none(&self) -> bool {
        matches!(self.0, Repr::None)
    }

    /// Whether this sender is the type `T`.
    #[must_use]
    pub fn is<T: ?Sized + 'static>(&self) -> bool {
        matches!(self.0, Repr::Type(id, _) if id == TypeId::of::<T>())
    }

    /// The `TypeId` of a type sender.
    #[must_use]
    pub fn type_id(&self) -> Option<TypeId> {
        match self.0 {
            Repr::Type(id, _) => Some(id),
            _ => None,
        }
    }

    /// The name of a named sender.
    #[must_use]
    pub fn name(&self) -> Option<&'static str> {
        match self.0 {
            Repr::Named(name) => Some(name),
            _ => None,
        }
    }

    /// A readable label: the type's path, the name, or `"none"`.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self.0 {
            Repr::None => "none",
            Repr::Type(_, name) => name(),
            Repr::Named(name) => name,
        }
    }
}

impl PartialEq for Sender {
    fn eq(&self, other: &Self) -> bool {
        match (self.0, other.0) {
            (Repr::None, Repr::None) => true,
            (Repr::Type(a, _), Repr::Type(b, _)) => a == b,
            (Repr::Named(a), Repr::Named(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Sender {}

impl Hash for Sender {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self.0 {
            Repr::None => state.write_u8(0),
            Repr::Type(id, _) => id.hash(state),
            Repr::Named(name) => name.hash(state),
        }
    }
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::None => f.write_str("Sender::NONE"),
            Repr::Type(_, name) => write!(f, "Sender::of::<{}>()", name()),
            Repr::Named(name) => write!(f, "Sender::named({name:?})"),
        }
    }
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
