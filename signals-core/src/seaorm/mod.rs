//! SeaORM 2 entities that send the model signals (feature `sea-orm`).
//!
//! Placeholder docs, replaced below.

mod args;
mod connection;
mod context;
pub(crate) mod hooks;
mod transaction;
mod update_fields;

pub use crate::in_hand::{ErasedConnection, InHand};
pub use connection::Connection;
pub use transaction::Transaction;
