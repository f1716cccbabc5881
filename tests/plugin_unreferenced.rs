//! The linker pitfall: `signals-test-plugin` is a (dev-)dependency of this
//! package, but nothing in this binary names it, so rustc does not link it
//! and its receivers never register. `plugin_linked.rs` shows the fix.

use signals::registry::assert_linked;
use signals::{Sender, receiver};
use signals_test_events::PLUGIN_EVENT;

#[receiver(PLUGIN_EVENT)]
fn local_only() -> &'static str {
    "local_only"
}

#[test]
fn receivers_of_an_unreferenced_crate_are_missing() {
    let names: Vec<_> = PLUGIN_EVENT
        .receivers()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["local_only"]);
    assert_eq!(PLUGIN_EVENT.send(Sender::NONE, &()), ["local_only"]);
    assert!(PLUGIN_EVENT.duplicates().is_empty());
}

// The documented check detects the pitfall: the plugin is a dependency but
// not linked, and the error names the crate and the fix.
#[test]
fn assert_linked_reports_the_unreferenced_plugin() {
    let err = assert_linked("signals-test-plugin").unwrap_err();
    assert_eq!(err.crate_name(), "signals-test-plugin");
    let text = err.to_string();
    assert!(text.contains("crate `signals_test_plugin`"), "{text}");
    assert!(
        text.contains("add `use signals_test_plugin as _;` to the binary"),
        "{text}"
    );
    // The crate that declares the signal is named here, so it is linked.
    assert!(assert_linked("signals-test-events").is_ok());
}
