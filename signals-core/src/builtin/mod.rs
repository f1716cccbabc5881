//! Django's built-in signals, sent by real code in this crate.
//!
//! | signal | sent by | sender | arguments |
//! |---|---|---|---|
//! | [`pre_save`], [`post_save`] | [`models::save`](crate::models::save) | the model type | [`PreSave`], [`PostSave`] |
//! | [`pre_delete`], [`post_delete`] | [`models::delete`](crate::models::delete) | the deleted instance's type (cascades included) | [`PreDelete`], [`PostDelete`] |
//! | [`m2m_changed`] | [`models::M2m`](crate::models::M2m) | the through type | [`M2mChanged`] |
//! | [`pre_migrate`], [`post_migrate`] | [`models::migrate`](crate::models::migrate) | `Sender::named(app_label)` | [`Migrate`] |
//! | `request_started`, `request_finished` | `http::SignalsLayer` (feature `tower`) | `Sender::of::<SignalsLayer>()` | `RequestStarted`, `RequestFinished` |
//! | `got_request_exception` | `http::SignalsLayer` | `Sender::NONE`, as in Django | `GotRequestException` |
//!
//! The request signals need the `request-signals` feature (on by default);
//! the layer that sends them needs `tower`.
//!
//! # Typed model receivers
//!
//! The model signals carry the instance by reference, type-erased
//! ([`AnyInstance`]), so one signal serves every model. A receiver filtered on
//! a model type gets a typed view instead, with no downcast in user code:
//!
//! ```
//! # use signals_core as signals;
//! # use signals_macros::receiver;
//! use signals::builtin::{post_save, PostSave};
//! use signals::models::{self, Model, SaveOptions, Saved};
//!
//! struct User { name: String }
//! impl Model for User { type Pk = i64; }
//!
//! #[receiver(post_save, sender = User, crate = signals_core)]
//! fn welcome(args: &PostSave<User>) {
//!     if args.created { println!("welcome {}", args.instance.name) }
//! }
//!
//! let mut user = User { name: "ada".into() };
//! models::save(&mut user, SaveOptions::new(), |_| Ok::<_, ()>(Saved::Created))?;
//! # Ok::<(), ()>(())
//! ```
//!
//! (An `async fn` receiver spells the lifetime: `args: &PostSave<'_, User>`.)
//!
//! A receiver without a sender filter gets `&PostSave` (the instance as
//! [`AnyInstance`]) and asks for the type it wants:
//! `args.instance.downcast_ref::<User>()`.
//!
//! The arguments can only be built from a typed instance, and the
//! [`models`](crate::models) helpers always send them from
//! `Sender::of::<ThatType>()`, so the sender and the instance agree. Sending
//! such arguments yourself from another sender is a programming error: a typed
//! receiver then panics with a message naming both types (and
//! `send_robust` reports it as that receiver's error) rather than being
//! skipped silently.

mod m2m;
mod migrate;
mod model;
mod narrowing;
#[cfg(feature = "request-signals")]
mod request;

pub use m2m::{M2mAction, M2mChanged, ModelType, PkSet, m2m_changed};
pub use migrate::{Migrate, PlanStep, post_migrate, pre_migrate};
pub use model::{
    AnyInstance, PostDelete, PostSave, PreDelete, PreSave, post_delete, post_save, pre_delete,
    pre_save,
};
#[cfg(feature = "request-signals")]
pub use request::{
    GotRequestException, RequestError, RequestFinished, RequestOutcome, RequestStarted,
    got_request_exception, request_finished, request_started,
};
