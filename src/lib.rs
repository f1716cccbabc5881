#![warn(missing_docs)]
//! Facade (docs written later).
pub use signals_core::*;
pub use signals_macros::{receiver, signal};

/// Compiles and runs the snippets of `docs/integrations.md` (they need the
/// `tower` feature and the dev-dependencies).
#[cfg(all(doctest, feature = "tower"))]
#[doc = include_str!("../docs/integrations.md")]
pub struct IntegrationsDoc;
