#![warn(missing_docs)]
//! The runtime of [`signals`](https://docs.rs/signals): signals, senders,
//! dispatch and the registry. Use it through the `signals` facade, which also
//! provides the `signal!` and `#[receiver]` macros and documents the whole
//! library.
//!
//! Seeing what signals do: [`wiring()`] maps every signal to its receivers
//! (text table or Graphviz `dot`), [`events`] reports receivers being
//! connected and disconnected, [`testing`] mutes, connects for a scope and
//! records sends, and the cargo feature `tracing` turns every send into a
//! span of the `signals` target with one child span per receiver call (and
//! an ERROR event per panic caught by `send_robust`/`asend_robust`); without
//! a subscriber interested in that target a send pays one static check.

pub mod builtin;
mod connect;
mod def;
mod dispatch;
#[cfg(feature = "durable")]
pub mod durable;
mod error;
pub mod events;
mod executor;
mod hash;
mod hook;
mod in_hand;
mod model;
pub mod models;
mod mute;
mod narrow;
mod receiver;
mod registration;
pub mod registry;
#[cfg(feature = "sea-orm")]
pub mod seaorm;
mod sender;
pub mod shape;
mod signal;
mod table;
pub mod testing;
#[cfg(feature = "tracing")]
mod trace;
mod wait;
mod wiring;
mod with_receivers;

#[cfg(feature = "tower")]
pub mod http;

// The built-in signals are declared with `signal!` like any other.
use signals_macros::signal;

pub use connect::{ConnectOptions, Connection, ScopedConnection};
pub use def::{BoxFuture, SignalDef};
pub use dispatch::RobustResponse;
pub use error::{ConnectError, DisconnectError, FailureKind, ReceiverError};
pub use receiver::{Origin, ReceiverInfo, ReceiverKind};
pub use registration::Duplicate;
pub use sender::Sender;
pub use shape::ReceiverFn;
pub use signal::Signal;
pub use wiring::{SignalWiring, Wiring, wiring};
pub use with_receivers::{Answer, WithReceivers};

/// Not public API. Used by code that `signal!` and `#[receiver]` generate.
#[doc(hidden)]
pub mod __private {
    pub use crate::def::{StaticMeta, StaticReceiver};
    pub use crate::narrow::{Narrow, Unfiltered, Untyped};
    pub use crate::registration::{SenderParam, type_id_of_val};
    pub use crate::registry::DeclaredSignal;
    pub use inventory;

    /// What `#[model_signals]` generates code against.
    #[cfg(feature = "sea-orm")]
    pub mod seaorm {
        pub use crate::seaorm::hooks::{after_delete, after_save, before_delete, before_save};
        pub use sea_orm;
        pub use sea_orm::prelude::async_trait::async_trait;
    }

    /// What `#[receiver(…, durable = "…")]` generates code against.
    #[cfg(feature = "durable")]
    pub use crate::durable::statics as durable;

    /// Passes a durable receiver's generated code through, or (without a
    /// `durable-*` feature) replaces it with an error that names the
    /// features, spanned where `#[receiver]` puts the call: the `durable`
    /// key.
    pub use crate::__signals_durable_receiver as durable_receiver;
}

#[cfg(feature = "durable")]
#[doc(hidden)]
#[macro_export]
macro_rules! __signals_durable_receiver {
    ($($generated:tt)*) => { $($generated)* };
}

#[cfg(not(feature = "durable"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __signals_durable_receiver {
    ($($generated:tt)*) => {
        ::core::compile_error!(
            "durable receivers need the `durable-sqlite` or `durable-postgres` feature of `signals`"
        );
    };
}
