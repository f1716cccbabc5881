//! Many-to-many changes: `m2m_changed` around `add`, `remove` and `clear`
//! (and their async twins `aadd`, `aremove`, `aclear`).

use std::collections::BTreeSet;
use std::marker::PhantomData;

use super::db::Db;
use super::via::{Via, now, send_via};
use crate::builtin::{AnyInstance, M2mAction, M2mChanged, ModelType, PkSet, m2m_changed};
use crate::model::Model;
use crate::sender::Sender;

/// A many-to-many relation's intermediate ("through") type: the sender of
/// its `m2m_changed` signals. `Source` declares the relation, `Target` is the
/// other side.
pub trait Through: 'static {
    /// The side that declares the relation (`Post` for `Post.tags`).
    type Source: Model;
    /// The other side (`Tag`).
    type Target: Model;
}

/// One side of one object's many-to-many relation, ready to change it:
/// Django's related manager (`post.tags`, `tag.post_set`).
///
/// Your code does the writes; `M2m` sends `m2m_changed` (sender: the through
/// type `T`) with `pre_*` before and `post_*` after them, and no `post_*`
/// when your code fails.
///
/// `K` is the primary key type of the objects added or removed:
/// `<T::Target as Model>::Pk` forwards, `<T::Source as Model>::Pk` in reverse.
///
/// ```
/// # use signals_core as signals;
/// # use signals_macros::receiver;
/// use std::collections::BTreeSet;
/// use std::sync::Mutex;
/// use signals::builtin::{M2mChanged, m2m_changed};
/// use signals::models::{M2m, Model, Through};
///
/// struct Post { id: i64 }
/// impl Model for Post { type Pk = i64; }
/// struct Tag { id: i64 }
/// impl Model for Tag { type Pk = i64; }
/// struct PostTags; // `Post.tags`
/// impl Through for PostTags { type Source = Post; type Target = Tag; }
///
/// static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
///
/// #[receiver(m2m_changed, sender = PostTags, crate = signals_core)]
/// fn tags_changed(args: &M2mChanged) {
///     let keys = args.pk_set.map(|keys| keys.get::<i64>().unwrap().len());
///     SEEN.lock().unwrap().push(format!("{} {keys:?}", args.action));
/// }
///
/// let post = Post { id: 1 };
/// let mut rows: BTreeSet<i64> = BTreeSet::from([2]); // your table
/// let tags = M2m::<PostTags>::forward(&post);
/// // `present` says which keys are already related: only 3 is added.
/// let existing = rows.clone();
/// let added = tags.add(
///     [2, 3],
///     |keys| Ok::<_, ()>(keys.intersection(&existing).copied().collect()),
///     |keys| Ok(rows.extend(keys)),
/// )?;
/// assert_eq!(added, BTreeSet::from([3]));
/// tags.remove([2], |keys| Ok::<_, ()>(rows.retain(|k| !keys.contains(k))))?;
/// tags.clear(|| Ok::<_, ()>(rows.clear()))?;
/// assert_eq!(
///     *SEEN.lock().unwrap(),
///     [
///         "pre_add Some(1)", "post_add Some(1)",
///         "pre_remove Some(1)", "post_remove Some(1)",
///         "pre_clear None", "post_clear None",
///     ]
/// );
/// # Ok::<(), ()>(())
/// ```
pub struct M2m<'a, T: Through, K = ()> {
    instance: &'a AnyInstance,
    reverse: bool,
    model: ModelType,
    db: Db<'a>,
    _through: PhantomData<fn() -> (T, K)>,
}

// The constructors and `has_listeners` ignore `K`, so `M2m::<PostTags>::…`
// (with the default `K`) reaches them; they return the right `K`.
impl<'a, T: Through, K> M2m<'a, T, K> {
    /// The relation seen from `instance`, the declaring side
    /// (`reverse: false`, `model`: the target type).
    #[must_use]
    pub fn forward(instance: &'a T::Source) -> M2m<'a, T, <T::Target as Model>::Pk> {
        M2m {
            instance,
            reverse: false,
            model: ModelType::of::<T::Target>(),
            db: Db::default(),
            _through: PhantomData,
        }
    }

    /// The relation seen from `instance`, the other side (`reverse: true`,
    /// `model`: the source type).
    #[must_use]
    pub fn reverse(instance: &'a T::Target) -> M2m<'a, T, <T::Source as Model>::Pk> {
        M2m {
            instance,
            reverse: true,
            model: ModelType::of::<T::Source>(),
            db: Db::default(),
            _through: PhantomData,
        }
    }

    /// Whether anyone listens to `m2m_changed` from `T`. When nobody does,
    /// [`add`](M2m::add) skips asking which keys are already present.
    #[must_use]
    pub fn has_listeners() -> bool {
        m2m_changed.has_listeners(Sender::of::<T>())
    }
}

impl<'a, T: Through, K: Ord + Send + Sync + 'static> M2m<'a, T, K> {
    /// The database alias (default `"default"`).
    #[must_use]
    pub fn using(mut self, using: &'a str) -> Self {
        self.db.using = using;
        self
    }

    /// Marks the change as fixture loading (`raw: true` in the signal).
    #[must_use]
    pub fn raw(mut self, raw: bool) -> Self {
        self.db.raw = raw;
        self
    }

    /// Sends `m2m_changed` for `action` the way `via` says.
    async fn changed(&self, via: Via, action: M2mAction, pk_set: Option<PkSet<'_>>) {
        let args = M2mChanged {
            action,
            instance: self.instance,
            reverse: self.reverse,
            model: self.model,
            pk_set,
            using: self.db.using,
            raw: self.db.raw,
        };
        send_via!(via, m2m_changed, Sender::of::<T>(), &args);
    }

    /// Adds the objects with primary keys `keys`.
    ///
    /// When someone listens, `present` is asked which of the keys are already
    /// related; `m2m_changed` then carries only the others (Django's rule:
    /// `pk_set` is what is actually inserted), and `insert` gets only those.
    /// When nobody listens, `present` is not called and `insert` gets every
    /// key: write it as an insert that ignores rows already there
    /// (`INSERT OR IGNORE`, `ON CONFLICT DO NOTHING`), as Django's fast path
    /// does. Returns the keys handed to `insert`.
    ///
    /// The signals go through [`Signal::send`](crate::Signal::send), under
    /// its rule for async receivers (inside a current-thread tokio runtime it
    /// panics before any receiver runs). From async code use
    /// [`aadd`](Self::aadd), [`aremove`](Self::aremove) and
    /// [`aclear`](Self::aclear).
    ///
    /// # Errors
    ///
    /// Whatever `present` or `insert` returns; `post_add` is then not sent.
    pub fn add<E>(
        &self,
        keys: impl IntoIterator<Item = K>,
        present: impl FnOnce(&BTreeSet<K>) -> Result<BTreeSet<K>, E>,
        insert: impl FnOnce(&BTreeSet<K>) -> Result<(), E>,
    ) -> Result<BTreeSet<K>, E> {
        now(self.add_via(
            Via::Send,
            keys,
            async move |keys: &BTreeSet<K>| present(keys),
            async move |keys: &BTreeSet<K>| insert(keys),
        ))
    }

    /// The async [`add`](Self::add): the same signals and `pk_set` rules,
    /// sent with [`Signal::asend`](crate::Signal::asend), around your async
    /// `present` and `insert` code.
    ///
    /// ```
    /// # use signals_core as signals;
    /// use std::collections::BTreeSet;
    /// use signals::models::{M2m, Model, Through};
    ///
    /// struct Post { id: i64 }
    /// impl Model for Post { type Pk = i64; }
    /// struct Tag { id: i64 }
    /// impl Model for Tag { type Pk = i64; }
    /// struct PostTags;
    /// impl Through for PostTags { type Source = Post; type Target = Tag; }
    ///
    /// # futures::executor::block_on(async {
    /// let post = Post { id: 1 };
    /// let added = M2m::<PostTags>::forward(&post)
    ///     .aadd(
    ///         [7],
    ///         async |_keys| Ok::<_, ()>(BTreeSet::new()), // none present yet
    ///         async |_keys| Ok(()),                       // INSERT … here
    ///     )
    ///     .await;
    /// assert_eq!(added, Ok(BTreeSet::from([7])));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// Whatever `present` or `insert` returns; `post_add` is then not sent.
    pub async fn aadd<E>(
        &self,
        keys: impl IntoIterator<Item = K>,
        present: impl AsyncFnOnce(&BTreeSet<K>) -> Result<BTreeSet<K>, E>,
        insert: impl AsyncFnOnce(&BTreeSet<K>) -> Result<(), E>,
    ) -> Result<BTreeSet<K>, E> {
        self.add_via(Via::Asend, keys, present, insert).await
    }

    /// The steps of [`add`](Self::add) and [`aadd`](Self::aadd).
    async fn add_via<E>(
        &self,
        via: Via,
        keys: impl IntoIterator<Item = K>,
        present: impl AsyncFnOnce(&BTreeSet<K>) -> Result<BTreeSet<K>, E>,
        insert: impl AsyncFnOnce(&BTreeSet<K>) -> Result<(), E>,
    ) -> Result<BTreeSet<K>, E> {
        let mut keys: BTreeSet<K> = keys.into_iter().collect();
        if !M2m::<T>::has_listeners() {
            insert(&keys).await?;
            return Ok(keys);
        }
        let already = present(&keys).await?;
        keys.retain(|key| !already.contains(key));
        self.changed(via, M2mAction::PreAdd, Some(PkSet::new(&keys)))
            .await;
        insert(&keys).await?;
        self.changed(via, M2mAction::PostAdd, Some(PkSet::new(&keys)))
            .await;
        Ok(keys)
    }

    /// Removes the objects with primary keys `keys` with your `delete` code.
    /// `pk_set` is every submitted key, related or not (Django's rule). Sent
    /// with `send`, as [`add`](Self::add).
    ///
    /// # Errors
    ///
    /// Whatever `delete` returns; `post_remove` is then not sent.
    pub fn remove<E>(
        &self,
        keys: impl IntoIterator<Item = K>,
        delete: impl FnOnce(&BTreeSet<K>) -> Result<(), E>,
    ) -> Result<(), E> {
        now(
            self.remove_via(Via::Send, keys, async move |keys: &BTreeSet<K>| {
                delete(keys)
            }),
        )
    }

    /// The async [`remove`](Self::remove), sent with `asend`.
    ///
    /// # Errors
    ///
    /// Whatever `delete` returns; `post_remove` is then not sent.
    pub async fn aremove<E>(
        &self,
        keys: impl IntoIterator<Item = K>,
        delete: impl AsyncFnOnce(&BTreeSet<K>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.remove_via(Via::Asend, keys, delete).await
    }

    /// The steps of [`remove`](Self::remove) and [`aremove`](Self::aremove).
    async fn remove_via<E>(
        &self,
        via: Via,
        keys: impl IntoIterator<Item = K>,
        delete: impl AsyncFnOnce(&BTreeSet<K>) -> Result<(), E>,
    ) -> Result<(), E> {
        let keys: BTreeSet<K> = keys.into_iter().collect();
        let listened = M2m::<T>::has_listeners();
        if listened {
            self.changed(via, M2mAction::PreRemove, Some(PkSet::new(&keys)))
                .await;
        }
        delete(&keys).await?;
        if listened {
            self.changed(via, M2mAction::PostRemove, Some(PkSet::new(&keys)))
                .await;
        }
        Ok(())
    }

    /// Removes every related object with your `delete_all` code. `pk_set` is
    /// `None`. Sent with `send`, as [`add`](Self::add).
    ///
    /// # Errors
    ///
    /// Whatever `delete_all` returns; `post_clear` is then not sent.
    pub fn clear<E>(&self, delete_all: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
        now(self.clear_via(Via::Send, async move || delete_all()))
    }

    /// The async [`clear`](Self::clear), sent with `asend`.
    ///
    /// # Errors
    ///
    /// Whatever `delete_all` returns; `post_clear` is then not sent.
    pub async fn aclear<E>(
        &self,
        delete_all: impl AsyncFnOnce() -> Result<(), E>,
    ) -> Result<(), E> {
        self.clear_via(Via::Asend, delete_all).await
    }

    /// The steps of [`clear`](Self::clear) and [`aclear`](Self::aclear).
    async fn clear_via<E>(
        &self,
        via: Via,
        delete_all: impl AsyncFnOnce() -> Result<(), E>,
    ) -> Result<(), E> {
        let listened = M2m::<T>::has_listeners();
        if listened {
            self.changed(via, M2mAction::PreClear, None).await;
        }
        delete_all().await?;
        if listened {
            self.changed(via, M2mAction::PostClear, None).await;
        }
        Ok(())
    }
}
