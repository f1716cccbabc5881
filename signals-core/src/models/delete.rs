//! `delete` and `adelete`: `pre_delete` for every collected instance, the caller's
//! deletion, then `post_delete` for every instance.

use super::db::Db;
use super::via::{Via, now, send_via};
use crate::builtin::{AnyInstance, PostDelete, PreDelete, post_delete, pre_delete};
use crate::in_hand::DbInHand;
use crate::model::{Model, ModelSender};
use crate::sender::Sender;

/// The options of a [`delete`] or [`adelete`]: the database alias.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeleteOptions<'a> {
    db: Db<'a>,
}

impl<'a> DeleteOptions<'a> {
    /// Alias `"default"`.
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
}

/// What one deletion removes: the instance it started from (the `origin`)
/// and the rows your code deletes with it (cascades).
///
/// Signals go in deletion order: the cascaded instances in the order you
/// added them (dependents go first, as Django deletes them), then the origin.
/// Each is sent from its own type.
pub struct Deletion<'a> {
    origin: (Sender, &'a AnyInstance),
    cascaded: Vec<(Sender, &'a AnyInstance)>,
}

impl<'a> Deletion<'a> {
    /// A deletion starting from `origin`.
    #[must_use]
    pub fn new<M: Model>(origin: &'a M) -> Self {
        Deletion {
            origin: (Sender::of::<M>(), origin),
            cascaded: Vec::new(),
        }
    }

    /// Adds a row your code deletes along with the origin.
    pub fn cascade<M: Model>(&mut self, instance: &'a M) -> &mut Self {
        self.cascaded.push((Sender::of::<M>(), instance));
        self
    }

    /// Adds several rows of one type.
    pub fn cascade_all<M: Model>(&mut self, instances: &'a [M]) -> &mut Self {
        for instance in instances {
            self.cascade(instance);
        }
        self
    }

    /// Whether anyone listens to `pre_delete` or `post_delete` for `M`. When
    /// nobody does, you may delete `M` rows in bulk without loading them
    /// (Django's fast delete) and leave them out of the deletion.
    ///
    /// `M` is any sender of the model signals: a [`Model`] type, or a SeaORM
    /// entity with `#[model_signals]`, whose `delete_many` sends nothing
    /// (load the rows and delete each when this says someone listens).
    #[must_use]
    pub fn needs_signals<M: ModelSender>() -> bool {
        let sender = Sender::of::<M>();
        pre_delete.has_listeners(sender) || post_delete.has_listeners(sender)
    }

    fn in_order(&self) -> impl Iterator<Item = (Sender, &'a AnyInstance)> + '_ {
        self.cascaded
            .iter()
            .copied()
            .chain(std::iter::once(self.origin))
    }
}

/// Deletes with your `persist` code: sends `pre_delete` for every instance
/// of `deletion` before it runs, and `post_delete` for every instance after
/// it succeeded, each with `origin` set to the deletion's origin.
///
/// The signals go through [`Signal::send`](crate::Signal::send), under its
/// rule for async receivers (inside a current-thread tokio runtime it
/// panics before any receiver runs). From async code use [`adelete`].
///
/// ```
/// # use signals_core as signals;
/// # use signals_macros::receiver;
/// use std::sync::Mutex;
/// use signals::builtin::{PostDelete, post_delete};
/// use signals::models::{self, DeleteOptions, Deletion, Model};
///
/// struct Post { id: i64 }
/// impl Model for Post { type Pk = i64; }
/// struct Comment { id: i64 }
/// impl Model for Comment { type Pk = i64; }
///
/// static GONE: Mutex<Vec<String>> = Mutex::new(Vec::new());
///
/// #[receiver(post_delete, sender = Post, crate = signals_core)]
/// fn post_gone(args: &PostDelete<Post>) {
///     GONE.lock().unwrap().push(format!("post {}", args.instance.id));
/// }
///
/// #[receiver(post_delete, sender = Comment, crate = signals_core)]
/// fn comment_gone(args: &PostDelete<Comment>) {
///     GONE.lock().unwrap().push(format!("comment {}", args.instance.id));
/// }
///
/// let post = Post { id: 1 };
/// let comments = [Comment { id: 10 }, Comment { id: 11 }];
/// let mut deletion = Deletion::new(&post);
/// deletion.cascade_all(&comments);
/// // Your code deletes the rows (here: nothing to do).
/// models::delete(&deletion, DeleteOptions::new(), || Ok::<_, ()>(()))?;
/// // Dependents first, as Django deletes them.
/// assert_eq!(*GONE.lock().unwrap(), ["comment 10", "comment 11", "post 1"]);
/// # Ok::<(), ()>(())
/// ```
///
/// # Errors
///
/// Whatever `persist` returns; `post_delete` is then not sent.
pub fn delete<E>(
    deletion: &Deletion<'_>,
    options: DeleteOptions<'_>,
    persist: impl FnOnce() -> Result<(), E>,
) -> Result<(), E> {
    now(delete_via(Via::Send, deletion, options, async move || {
        persist()
    }))
}

/// The async [`delete`]: the same signals, in the same order, sent with
/// [`Signal::asend`](crate::Signal::asend) around your async `persist`
/// code.
///
/// ```
/// # use signals_core as signals;
/// use signals::models::{self, DeleteOptions, Deletion, Model};
///
/// struct Post { id: i64 }
/// impl Model for Post { type Pk = i64; }
///
/// # futures::executor::block_on(async {
/// let post = Post { id: 1 };
/// let deleted = models::adelete(&Deletion::new(&post), DeleteOptions::new(), async || {
///     // e.g. `sqlx::query("DELETE FROM post WHERE id = $1").bind(post.id)…`
///     Ok::<_, ()>(())
/// })
/// .await;
/// assert_eq!(deleted, Ok(()));
/// # });
/// ```
///
/// # Errors
///
/// Whatever `persist` returns; `post_delete` is then not sent.
pub async fn adelete<E>(
    deletion: &Deletion<'_>,
    options: DeleteOptions<'_>,
    persist: impl AsyncFnOnce() -> Result<(), E>,
) -> Result<(), E> {
    delete_via(Via::Asend, deletion, options, persist).await
}

/// The steps of [`delete`] and [`adelete`].
async fn delete_via<E>(
    via: Via,
    deletion: &Deletion<'_>,
    options: DeleteOptions<'_>,
    persist: impl AsyncFnOnce() -> Result<(), E>,
) -> Result<(), E> {
    let using = options.db.using;
    let origin = deletion.origin.1;
    for (sender, instance) in deletion.in_order() {
        if pre_delete.has_listeners(sender) {
            let args = PreDelete {
                instance,
                using,
                origin,
                db: DbInHand::default(),
            };
            send_via!(via, pre_delete, sender, &args);
        }
    }
    persist().await?;
    for (sender, instance) in deletion.in_order() {
        if post_delete.has_listeners(sender) {
            let args = PostDelete {
                instance,
                using,
                origin,
                db: DbInHand::default(),
            };
            send_via!(via, post_delete, sender, &args);
        }
    }
    Ok(())
}
