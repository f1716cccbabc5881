//! `save` and `asave`: `pre_save`, the caller's write, `post_save`.

use super::db::Db;
use super::via::{Via, now, send_via};
use crate::builtin::{AnyInstance, PostSave, PreSave, post_save, pre_save};
use crate::in_hand::DbInHand;
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
/// The signals go through [`Signal::send`](crate::Signal::send), so async
/// receivers are waited for on this thread under `send`'s rule: inside a
/// multi-thread tokio runtime the runtime keeps going, and inside a
/// current-thread one `send` panics before any receiver runs. From async
/// code use [`asave`].
///
/// ```
/// # use signals_core as signals;
/// # use signals_macros::receiver;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use signals::builtin::{post_save, PreSave, PostSave, pre_save};
/// use signals::models::{self, Model, SaveOptions, Saved};
///
/// struct User { id: Option<i64>, email: String }
/// impl Model for User { type Pk = i64; }
///
/// static WELCOMED: AtomicUsize = AtomicUsize::new(0);
///
/// #[receiver(pre_save, sender = User, crate = signals_core)]
/// fn check(args: &PreSave<User>) {
///     assert!(args.instance.email.contains('@'));
/// }
///
/// #[receiver(post_save, sender = User, crate = signals_core)]
/// fn welcome(args: &PostSave<User>) {
///     if args.created {
///         WELCOMED.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// let mut user = User { id: None, email: "ada@example.com".into() };
/// // `persist` is your own write: Diesel, sqlx, rusqlite, …
/// let saved = models::save(&mut user, SaveOptions::new(), |user| {
///     user.id = Some(1);
///     Ok::<_, std::io::Error>(Saved::Created)
/// })?;
/// assert_eq!(saved, Saved::Created);
/// assert_eq!(WELCOMED.load(Ordering::Relaxed), 1);
///
/// // Saving only some fields: receivers see `update_fields`.
/// user.email = "ada@lovelace.org".into();
/// models::save(&mut user, SaveOptions::new().update_fields(&["email"]), |_| {
///     Ok::<_, std::io::Error>(Saved::Updated)
/// })?;
/// assert_eq!(WELCOMED.load(Ordering::Relaxed), 1);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
///
/// Whatever `persist` returns.
pub fn save<M: Model, E>(
    instance: &mut M,
    options: SaveOptions<'_>,
    persist: impl FnOnce(&mut M) -> Result<Saved, E>,
) -> Result<Saved, E> {
    now(save_via(
        Via::Send,
        instance,
        options,
        async move |instance: &mut M| persist(instance),
    ))
}

/// The async [`save`]: the same signals with the same arguments, sent with
/// [`Signal::asend`](crate::Signal::asend) (async receivers are awaited in
/// this task; nothing blocks), around your async `persist` code.
///
/// ```
/// # use signals_core as signals;
/// use signals::models::{self, Model, SaveOptions, Saved};
///
/// struct User { id: Option<i64> }
/// impl Model for User { type Pk = i64; }
///
/// # futures::executor::block_on(async {
/// let mut user = User { id: None };
/// let saved = models::asave(&mut user, SaveOptions::new(), async |user| {
///     user.id = Some(7); // e.g. `INSERT … RETURNING id` with sqlx
///     Ok::<_, ()>(Saved::Created)
/// })
/// .await;
/// assert_eq!((saved, user.id), (Ok(Saved::Created), Some(7)));
/// # });
/// ```
///
/// # Errors
///
/// Whatever `persist` returns; `post_save` is then not sent.
pub async fn asave<M: Model, E>(
    instance: &mut M,
    options: SaveOptions<'_>,
    persist: impl AsyncFnOnce(&mut M) -> Result<Saved, E>,
) -> Result<Saved, E> {
    save_via(Via::Asend, instance, options, persist).await
}

/// The steps of [`save`] and [`asave`].
async fn save_via<M: Model, E>(
    via: Via,
    instance: &mut M,
    options: SaveOptions<'_>,
    persist: impl AsyncFnOnce(&mut M) -> Result<Saved, E>,
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
            db: DbInHand::default(),
        };
        send_via!(via, pre_save, sender, &args);
    }
    let saved = persist(instance).await?;
    if post_save.has_listeners(sender) {
        let instance: &AnyInstance = instance;
        let args = PostSave {
            instance,
            created: saved == Saved::Created,
            raw,
            using,
            update_fields,
            db: DbInHand::default(),
        };
        send_via!(via, post_save, sender, &args);
    }
    Ok(saved)
}
