//! Test fixture: declares a signal whose receivers live in other crates
//! (`signals-test-plugin`, and the test binaries themselves).

use signals::signal;

signal! {
    /// Sent by the tests; every receiver answers with its own name.
    pub static PLUGIN_EVENT: () => &'static str;
}
