//! Shared by the `durable_*` test binaries; each uses a different part.
#![allow(dead_code, unused_imports, unused_macros)]

pub mod durable;
pub mod postgres;
pub mod processes;
pub mod watchdog;
