#![warn(missing_docs)]
//! Facade (docs written later).
pub use signals_core::*;
pub use signals_macros::{receiver, signal};
