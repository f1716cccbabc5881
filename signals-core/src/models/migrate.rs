//! `migrate` and `amigrate`: `pre_migrate` per app, the plan, `post_migrate` per app.

use super::db::Db;
use super::via::{Via, now, send_via};
use crate::builtin::{Migrate, PlanStep, post_migrate, pre_migrate};
use crate::sender::Sender;

/// The options of a [`migrate`] or [`amigrate`] run.
#[derive(Clone, Copy, Debug)]
pub struct MigrateOptions<'a> {
    db: Db<'a>,
    verbosity: u8,
    interactive: bool,
}

impl Default for MigrateOptions<'_> {
    fn default() -> Self {
        MigrateOptions {
            db: Db::default(),
            verbosity: 1,
            interactive: false,
        }
    }
}

impl<'a> MigrateOptions<'a> {
    /// Alias `"default"`, verbosity 1, not interactive.
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

    /// Django's `verbosity`.
    #[must_use]
    pub fn verbosity(mut self, verbosity: u8) -> Self {
        self.verbosity = verbosity;
        self
    }

    /// Whether receivers may prompt.
    #[must_use]
    pub fn interactive(mut self, interactive: bool) -> Self {
        self.interactive = interactive;
        self
    }
}

/// Runs a migration plan with your `apply` code: sends `pre_migrate` once
/// per app of `apps` (sender `Sender::named(app)`), applies every step in
/// order, then sends `post_migrate` once per app, even when the plan is
/// empty (as Django does).
///
/// The signals go through [`Signal::send`](crate::Signal::send), under its
/// rule for async receivers (inside a current-thread tokio runtime it
/// panics before any receiver runs). From async code use [`amigrate`].
///
/// ```
/// # use signals_core as signals;
/// # use signals_macros::receiver;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use signals::builtin::{Migrate, PlanStep, post_migrate};
/// use signals::models::{self, MigrateOptions};
///
/// static STEPS_SEEN: AtomicUsize = AtomicUsize::new(0);
///
/// // Seed data once the `shop` app's tables exist.
/// #[receiver(post_migrate, crate = signals_core)]
/// fn seed(args: &Migrate) {
///     if args.app == "shop" {
///         STEPS_SEEN.store(args.plan.len(), Ordering::Relaxed);
///     }
/// }
///
/// let plan = [PlanStep::forwards("shop", "0001_initial")];
/// let mut applied = Vec::new();
/// models::migrate(&["shop"], &plan, MigrateOptions::new(), |step| {
///     applied.push(step.name.to_owned()); // run the step's SQL here
///     Ok::<_, ()>(())
/// })?;
/// assert_eq!(applied, ["0001_initial"]);
/// assert_eq!(STEPS_SEEN.load(Ordering::Relaxed), 1);
/// # Ok::<(), ()>(())
/// ```
///
/// # Errors
///
/// The first error `apply` returns; the remaining steps are not applied and
/// `post_migrate` is not sent.
pub fn migrate<E>(
    apps: &[&'static str],
    plan: &[PlanStep<'_>],
    options: MigrateOptions<'_>,
    mut apply: impl FnMut(&PlanStep<'_>) -> Result<(), E>,
) -> Result<(), E> {
    now(migrate_via(
        Via::Send,
        apps,
        plan,
        options,
        async move |step: &PlanStep<'_>| apply(step),
    ))
}

/// The async [`migrate`]: the same signals sent with
/// [`Signal::asend`](crate::Signal::asend), around your async `apply` code.
///
/// # Errors
///
/// As [`migrate`].
///
/// ```
/// # use signals_core as signals;
/// use signals::builtin::PlanStep;
/// use signals::models::{self, MigrateOptions};
///
/// # futures::executor::block_on(async {
/// let plan = [PlanStep::forwards("shop", "0001_initial")];
/// let result = models::amigrate(&["shop"], &plan, MigrateOptions::new(), async |step| {
///     // e.g. `sqlx::raw_sql(sql_of(step)).execute(&pool).await`
///     let _ = step;
///     Ok::<_, ()>(())
/// })
/// .await;
/// assert_eq!(result, Ok(()));
/// # });
/// ```
pub async fn amigrate<E>(
    apps: &[&'static str],
    plan: &[PlanStep<'_>],
    options: MigrateOptions<'_>,
    apply: impl AsyncFnMut(&PlanStep<'_>) -> Result<(), E>,
) -> Result<(), E> {
    migrate_via(Via::Asend, apps, plan, options, apply).await
}

/// The steps of [`migrate`] and [`amigrate`].
async fn migrate_via<E>(
    via: Via,
    apps: &[&'static str],
    plan: &[PlanStep<'_>],
    options: MigrateOptions<'_>,
    mut apply: impl AsyncFnMut(&PlanStep<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let MigrateOptions {
        db: Db { using, .. },
        verbosity,
        interactive,
    } = options;
    let args = |app| Migrate {
        app,
        using,
        plan,
        verbosity,
        interactive,
    };
    for &app in apps {
        send_via!(via, pre_migrate, Sender::named(app), &args(app));
    }
    for step in plan {
        apply(step).await?;
    }
    for &app in apps {
        send_via!(via, post_migrate, Sender::named(app), &args(app));
    }
    Ok(())
}
