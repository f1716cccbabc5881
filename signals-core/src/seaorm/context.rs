//! What a hook knows about the connection a save runs on: its alias
//! (Django's `using`) and the on-commit queue its receivers deliver into.
//!
//! SeaORM calls the hooks with `db: &C` for an opaque `C: ConnectionTrait`
//! without a `'static` bound, so a hook can neither downcast it nor ask it
//! for anything that `ConnectionTrait` does not offer. What it does offer
//! is `get_database_backend`, a synchronous method that every connection
//! implements and every wrapper forwards. So a hook *asks*: it marks this
//! thread as asking, calls `db.get_database_backend()`, and our
//! connection types ([`Connection`](super::Connection),
//! [`Transaction`](super::Transaction)) answer from their
//! `get_database_backend` by leaving their [`Context`] in the thread-local
//! slot; the hook takes it back right after the call returns, on the same
//! thread, with no await in between. Any other connection (a plain
//! `DatabaseConnection`, a raw `DatabaseTransaction`, a user's wrapper that
//! does not forward the method) leaves nothing: its alias is `"default"`
//! and its receivers deliver into whatever transaction is current.
//!
//! When nobody asks, an answer costs one thread-local read.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use sea_orm::ConnectionTrait;

use crate::models::{DEFAULT_DB_ALIAS, OnCommit};

/// The alias and on-commit queue of one of our connection values.
pub(crate) struct Context {
    alias: Arc<str>,
    /// A transaction's queue; for a connection, none: its saves commit at
    /// once, so on-commit work runs at once.
    on_commit: OnCommit,
}

impl Context {
    pub(crate) fn new(alias: Arc<str>, on_commit: OnCommit) -> Arc<Context> {
        Arc::new(Context { alias, on_commit })
    }

    pub(crate) fn alias(&self) -> &Arc<str> {
        &self.alias
    }

    pub(crate) fn on_commit(&self) -> &OnCommit {
        &self.on_commit
    }

    /// Leaves this context for the hook asking on this thread, if one is.
    pub(crate) fn answer(self: &Arc<Self>) {
        SLOT.with(|slot| {
            let mut slot = slot.borrow_mut();
            // The outermost of our connections answers: the one the caller
            // passed, when ours wrap each other.
            if matches!(*slot, Slot::Asking) {
                *slot = Slot::Answered(Arc::clone(self));
            }
        });
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("alias", &self.alias)
            .field("on_commit", &self.on_commit)
            .finish()
    }
}

enum Slot {
    Idle,
    Asking,
    Answered(Arc<Context>),
}

thread_local! {
    static SLOT: RefCell<Slot> = const { RefCell::new(Slot::Idle) };
}

/// Puts the slot back as it was, even if the connection's method panics.
struct Asking {
    previous: Option<Slot>,
}

impl Drop for Asking {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            SLOT.with(|slot| *slot.borrow_mut() = previous);
        }
    }
}

/// The context of the connection `db`, if it is one of ours.
fn context_of<C: ConnectionTrait>(db: &C) -> Option<Arc<Context>> {
    let mut asking = Asking {
        previous: Some(SLOT.with(|slot| slot.replace(Slot::Asking))),
    };
    let _ = db.get_database_backend();
    let previous = asking.previous.take().unwrap_or(Slot::Idle);
    match SLOT.with(|slot| slot.replace(previous)) {
        Slot::Answered(context) => Some(context),
        Slot::Idle | Slot::Asking => None,
    }
}

/// Where a hook's signals go: the alias they carry and the on-commit queue
/// their receivers deliver into.
pub(crate) struct Place {
    context: Option<Arc<Context>>,
}

impl Place {
    /// The place of a save or delete running on `db`.
    pub(crate) fn of<C: ConnectionTrait>(db: &C) -> Place {
        Place {
            context: context_of(db),
        }
    }

    /// The alias: the connection's, or `"default"`.
    pub(crate) fn using(&self) -> &str {
        self.context
            .as_ref()
            .map_or(DEFAULT_DB_ALIAS, |context| context.alias())
    }

    /// Runs a send with the connection's on-commit queue current: a
    /// receiver's `on_commit` waits for that transaction's commit (runs at
    /// once on a connection). Without a context of ours, whatever
    /// transaction is current stays current.
    pub(crate) async fn deliver<F: Future>(&self, send: F) -> F::Output {
        match &self.context {
            Some(context) => context.on_commit().scope(send).await,
            None => send.await,
        }
    }
}
