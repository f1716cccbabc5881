//! The migration signals.

crate::signal! {
    #![crate = crate]

    /// Sent by [`models::migrate`](crate::models::migrate) once per app
    /// before any migration of the plan is applied. Sender:
    /// `Sender::named(app_label)`.
    pub static pre_migrate: Migrate<'_>;

    /// Sent by [`models::migrate`](crate::models::migrate) once per app
    /// after the whole plan was applied (also when the plan was empty).
    /// Sender: `Sender::named(app_label)`.
    pub static post_migrate: Migrate<'_>;
}

/// One step of a migration plan: a migration applied forwards or backwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlanStep<'a> {
    /// The app the migration belongs to.
    pub app: &'a str,
    /// The migration's name (`"0001_initial"`).
    pub name: &'a str,
    /// `true` when the migration is unapplied.
    pub backwards: bool,
}

impl<'a> PlanStep<'a> {
    /// A step applying `app`'s migration `name`.
    #[must_use]
    pub const fn forwards(app: &'a str, name: &'a str) -> Self {
        PlanStep {
            app,
            name,
            backwards: false,
        }
    }

    /// A step unapplying `app`'s migration `name`.
    #[must_use]
    pub const fn backwards(app: &'a str, name: &'a str) -> Self {
        PlanStep {
            app,
            name,
            backwards: true,
        }
    }
}

/// Arguments of [`pre_migrate`](static@pre_migrate) and
/// [`post_migrate`](static@post_migrate).
#[derive(Debug)]
#[non_exhaustive]
pub struct Migrate<'a> {
    /// The app label (same as the sender's name).
    pub app: &'a str,
    /// The database alias.
    pub using: &'a str,
    /// The whole plan of the run, every app's steps, in order.
    pub plan: &'a [PlanStep<'a>],
    /// How chatty receivers may be (Django's `verbosity`, 1 by default).
    pub verbosity: u8,
    /// Whether receivers may prompt the user.
    pub interactive: bool,
}
