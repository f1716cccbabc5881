//! The linker pitfall: `signals-test-plugin` is a (dev-)dependency of this
//! package, but nothing in this binary names it, so rustc does not link it
//! and its receivers never register. `plugin_linked.rs` shows the fix.

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
