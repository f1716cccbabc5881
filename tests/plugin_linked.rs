//! Receivers declared in another crate of the workspace register once that
//! crate is linked, and the README's fix for the linker pitfall works.
//!
//! `signals-test-plugin` only declares receivers for
//! `signals_test_events::PLUGIN_EVENT`; nothing here calls into it. A
//! dependency that no code names is not linked at all (see
//! `plugin_unreferenced.rs`), so this binary names it once:

// The fix: name the crate anywhere in the program. Checked on Linux with
// rustc 1.95 (debug, release, and fat LTO): `use plugin as _;`,
// `extern crate plugin;` and naming any item of the crate all link it, and
// once linked every `#[receiver]` in it registers.
use signals_test_plugin as _;

use signals::registry::assert_linked;
use signals::{Origin, Sender, receiver};
use signals_test_events::PLUGIN_EVENT;

mod local {
    use super::*;

    /// Same uid as `signals_test_plugin::hooks::plugin_shared`.
    #[receiver(PLUGIN_EVENT, dispatch_uid = "shared-uid")]
    fn local_shared() -> &'static str {
        "local_shared"
    }
}

#[test]
fn receivers_of_a_linked_crate_register() {
    let receivers = PLUGIN_EVENT.receivers();
    let hook = receivers
        .iter()
        .find(|r| r.name == "plugin_hook")
        .expect("the plugin's receiver is registered");
    assert_eq!(hook.module_path, "signals_test_plugin::hooks");
    assert_eq!(hook.origin, Origin::Static);
    assert!(hook.file.ends_with("lib.rs"), "{}", hook.file);
    let answers = PLUGIN_EVENT.send(Sender::NONE, &());
    assert!(answers.contains(&"plugin_hook"), "{answers:?}");
}

#[test]
fn duplicate_uid_across_crates_keeps_the_first_by_module_path() {
    // `plugin_linked::local` sorts before `signals_test_plugin::hooks`, so
    // the local receiver is kept; link order plays no part.
    let duplicates = PLUGIN_EVENT.duplicates();
    assert_eq!(duplicates.len(), 1, "{duplicates:?}");
    assert_eq!(duplicates[0].kept.name, "local_shared");
    assert_eq!(duplicates[0].kept.module_path, "plugin_linked::local");
    assert_eq!(duplicates[0].ignored.name, "plugin_shared");
    assert_eq!(
        duplicates[0].ignored.module_path,
        "signals_test_plugin::hooks"
    );
    assert_eq!(
        PLUGIN_EVENT.send(Sender::NONE, &()),
        vec!["local_shared", "plugin_hook"],
        "the ignored duplicate is never called; the rest run by module path"
    );
}

// The documented check for the linker pitfall passes for a linked crate,
// by its `Cargo.toml` name or its path name, and counts what it found.
#[test]
fn assert_linked_finds_the_linked_plugin() {
    let plugin = assert_linked("signals-test-plugin").expect("the plugin is linked");
    assert_eq!(plugin.name, "signals_test_plugin");
    // `plugin_hook` and `plugin_shared` (ignored as a duplicate, but linked).
    assert_eq!((plugin.receivers, plugin.signals), (2, 0));
    assert_eq!(assert_linked("signals_test_plugin"), Ok(plugin));

    let events = assert_linked("signals-test-events").expect("the events crate is linked");
    assert_eq!((events.receivers, events.signals), (0, 1));

    let this_test = assert_linked("plugin_linked").expect("this test binary registers one");
    assert_eq!((this_test.receivers, this_test.signals), (1, 0));
}

// A crate is matched by whole path segments: a name that is only a prefix
// of a linked crate's name is not that crate.
#[test]
fn assert_linked_matches_whole_crate_names() {
    let err = assert_linked("signals-test").unwrap_err();
    assert_eq!(err.crate_name(), "signals-test");
    assert!(err.to_string().contains("use signals_test as _;"), "{err}");
}

// A name that cannot be a crate's is refused with a message saying so.
#[test]
fn assert_linked_refuses_what_is_not_a_crate_name() {
    for name in ["", "signals_test_plugin::hooks", "my crate"] {
        let err = assert_linked(name).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("is not a crate name"), "{name:?}: {text}");
    }
}
