//! Introspection: receiver metadata, the registry of declared signals and
//! `has_listeners` (DJANGO-RULES rules 22, 45, 57; Part E 2).

use std::borrow::Cow;
use std::sync::Arc;

use signals::registry::{self, AnySignal};
use signals::{ConnectOptions, Origin, ReceiverKind, Sender, receiver, signal};

pub struct Oven;

signal! {
    /// Sent when the oven is hot.
    ///
    /// Second paragraph.
    pub static OVEN_HOT: u32;
    static RUNTIME_META: u32;
    static STATIC_META: u32;
    static RECEIVERS_FOR: u32;
    static LISTENERS_NONE: u32;
    static LISTENERS_FILTERED: u32;
    static LISTENERS_EMPTY: u32;
    static LISTENERS_STATIC: u32;
    static DISPLAY_NAMES: u32;
    static GENERIC_SETUP: u32;
}

pub mod nested {
    use signals::signal;

    signal! {
        /// A signal declared in a nested module.
        pub(crate) static NESTED_SIGNAL: u32 => bool;
    }
}

fn named_function(_: Sender, _: &u32) {}

/// The 1-based line of this file holding `needle`, so expected locations
/// follow edits of the file.
fn line_of(needle: &str) -> u32 {
    let source = include_str!("introspection.rs");
    let index = source
        .lines()
        .position(|line| line.contains(needle) && !line.contains("line_of"))
        .expect("needle present");
    u32::try_from(index + 1).unwrap()
}

// Part E 2: a runtime receiver reports its name, where `connect` was called,
// its filter, uid, priority, kind, origin and weakness. Rule 9: the kind is
// fixed at connect time by the method used (`connect` or `connect_async`).
#[test]
fn runtime_receiver_metadata() {
    let _ = RUNTIME_META.connect(named_function).unwrap();
    let _ = RUNTIME_META
        .connect_async_with(
            ConnectOptions::new()
                .sender(Sender::of::<Oven>())
                .dispatch_uid("async-uid")
                .priority(-3)
                .name("custom name"),
            |_, _| Box::pin(async {}),
        )
        .unwrap();
    let owner = Arc::new(());
    let _ = RUNTIME_META
        .connect_weak(&owner, |_: &(), _, _| ())
        .unwrap();

    let infos = RUNTIME_META.receivers();
    assert_eq!(infos.len(), 3);

    let plain = &infos[0];
    // A function item is named like a `#[receiver]`: by the function alone.
    assert_eq!(plain.name, "named_function");
    assert_eq!(plain.module_path, module_path!());
    assert_eq!(plain.file, file!());
    // The location is the `connect` call, found through `#[track_caller]`.
    assert_eq!(plain.line, line_of("RUNTIME_META.connect(named_function)"));
    assert_eq!(plain.sender, None);
    assert_eq!(plain.dispatch_uid, None);
    assert_eq!(plain.priority, 0);
    assert_eq!(plain.kind, ReceiverKind::Sync);
    assert_eq!(plain.origin, Origin::Runtime);
    assert!(!plain.weak);
    assert_eq!(plain.path(), format!("{}::named_function", module_path!()));

    let weak = &infos[1];
    assert!(weak.name.contains("{{closure}}"), "{}", weak.name);
    assert_eq!(weak.module_path, module_path!());
    assert_eq!(weak.line, line_of(".connect_weak(&owner"));
    assert!(weak.weak);

    let custom = &infos[2];
    assert_eq!(custom.name, "custom name");
    assert_eq!(custom.sender, Some(Sender::of::<Oven>()));
    assert_eq!(custom.dispatch_uid, Some(Cow::Borrowed("async-uid")));
    assert_eq!(custom.priority, -3);
    assert_eq!(custom.kind, ReceiverKind::Async);
    assert!(custom.kind.is_async());
    assert_eq!(custom.origin, Origin::Runtime);
    assert!(!custom.weak);
}

mod kitchen {
    use signals::receiver;

    use super::{Oven, STATIC_META};

    #[receiver(STATIC_META, sender = Oven, dispatch_uid = "thermometer", priority = 4)]
    pub async fn thermometer(_: &u32) {}

    #[receiver(STATIC_META)]
    pub fn plain() {}
}

// Part E 2: a static receiver reports its function name, module path, file
// and line, and the attribute's settings.
#[test]
fn static_receiver_metadata() {
    let infos = STATIC_META.receivers();
    assert_eq!(infos.len(), 2);
    let thermometer = &infos[0];
    assert_eq!(thermometer.name, "thermometer");
    assert_eq!(
        thermometer.module_path,
        concat!(module_path!(), "::kitchen")
    );
    assert_eq!(thermometer.file, file!());
    let line = line_of("pub async fn thermometer");
    assert_eq!(thermometer.line, line);
    assert_eq!(thermometer.sender, Some(Sender::of::<Oven>()));
    assert_eq!(thermometer.dispatch_uid.as_deref(), Some("thermometer"));
    assert_eq!(thermometer.priority, 4);
    assert_eq!(thermometer.kind, ReceiverKind::Async);
    assert_eq!(thermometer.origin, Origin::Static);
    assert!(!thermometer.weak);
    assert_eq!(thermometer.path(), "introspection::kitchen::thermometer");
    assert_eq!(
        thermometer.to_string(),
        format!("introspection::kitchen::thermometer ({}:{line})", file!())
    );

    let plain = &infos[1];
    assert_eq!(plain.name, "plain");
    assert_eq!(plain.line, line_of("pub fn plain()"));
    assert_eq!(plain.sender, None);
    assert_eq!(plain.kind, ReceiverKind::Sync);
    assert_eq!(plain.priority, 0);
}

// `receivers_for(sender)` lists what a send from that sender would call, in
// call order (sync first); `receivers()` lists everything.
#[test]
fn receivers_for_a_sender() {
    let oven = Sender::of::<Oven>();
    let _ = RECEIVERS_FOR
        .connect_async_with(ConnectOptions::new().name("async-any"), |_, _| {
            Box::pin(async {})
        })
        .unwrap();
    let _ = RECEIVERS_FOR
        .connect_with(ConnectOptions::new().name("oven-only").sender(oven), || ())
        .unwrap();
    let _ = RECEIVERS_FOR
        .connect_with(ConnectOptions::new().name("sync-any"), || ())
        .unwrap();
    let names = |infos: Vec<signals::ReceiverInfo>| {
        infos
            .into_iter()
            .map(|i| i.name.into_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(RECEIVERS_FOR.receivers_for(oven)),
        ["oven-only", "sync-any", "async-any"]
    );
    assert_eq!(
        names(RECEIVERS_FOR.receivers_for(Sender::NONE)),
        ["sync-any", "async-any"]
    );
    assert_eq!(
        names(RECEIVERS_FOR.receivers()),
        ["async-any", "oven-only", "sync-any"]
    );
}

// Rule 45: `has_listeners(Sender::NONE)` counts only receivers without a
// sender filter (Django's default `has_listeners()`).
#[test]
fn has_listeners_for_the_anonymous_sender() {
    let oven = Sender::of::<Oven>();
    let conn = LISTENERS_NONE
        .connect_with(ConnectOptions::new().sender(oven), || ())
        .unwrap();
    assert!(!LISTENERS_NONE.has_listeners(Sender::NONE));
    assert!(LISTENERS_NONE.has_listeners(oven));
    let any = LISTENERS_NONE.connect(|| ()).unwrap();
    assert!(LISTENERS_NONE.has_listeners(Sender::NONE));
    assert!(any.disconnect() && conn.disconnect());
    assert!(!LISTENERS_NONE.has_listeners(oven));
}

// Rule 45, with our documented deviation: `has_listeners(sender)` answers
// for that sender, counting its filtered receivers and the unfiltered ones,
// sync and async alike.
#[test]
fn has_listeners_for_a_given_sender() {
    let oven = Sender::of::<Oven>();
    let _ = LISTENERS_FILTERED
        .connect_async_with(
            ConnectOptions::new().sender(oven),
            |_, _| Box::pin(async {}),
        )
        .unwrap();
    assert!(LISTENERS_FILTERED.has_listeners(oven));
    assert!(!LISTENERS_FILTERED.has_listeners(Sender::named("fridge")));
    assert!(!LISTENERS_FILTERED.has_listeners(Sender::NONE));
    let _ = LISTENERS_FILTERED.connect(|| ()).unwrap();
    assert!(LISTENERS_FILTERED.has_listeners(Sender::named("fridge")));
}

// Rule 22: a signal with no receivers reports none and sends return an
// empty list; after the last disconnect it is empty again.
#[test]
fn signal_without_receivers() {
    assert!(!LISTENERS_EMPTY.has_listeners(Sender::NONE));
    assert!(LISTENERS_EMPTY.send(Sender::NONE, &0).is_empty());
    assert!(LISTENERS_EMPTY.send_robust(Sender::NONE, &0).is_empty());
    assert!(LISTENERS_EMPTY.receivers().is_empty());
    assert!(LISTENERS_EMPTY.duplicates().is_empty());
    let conn = LISTENERS_EMPTY.connect(|| ()).unwrap();
    assert!(LISTENERS_EMPTY.has_listeners(Sender::NONE));
    assert!(conn.disconnect());
    assert!(!LISTENERS_EMPTY.has_listeners(Sender::NONE));
    assert!(LISTENERS_EMPTY.send(Sender::NONE, &0).is_empty());
}

#[receiver(LISTENERS_STATIC, sender = Oven)]
fn static_oven_listener() {}

// Rule 45: static receivers count before anything was sent (the first
// call resolves them).
#[test]
fn has_listeners_counts_static_receivers() {
    assert!(LISTENERS_STATIC.has_listeners(Sender::of::<Oven>()));
    assert!(!LISTENERS_STATIC.has_listeners(Sender::NONE));
}

// DESIGN "introspection": the registry lists every declared signal, sorted
// by path, with its file, line and doc comment, and gives access to its
// receivers without knowing its argument types.
#[test]
fn registry_lists_every_declared_signal() {
    let all = registry::signals();
    let paths: Vec<String> = all.iter().map(|s| s.path()).collect();
    let mut expected: Vec<String> = [
        "OVEN_HOT",
        "RUNTIME_META",
        "STATIC_META",
        "RECEIVERS_FOR",
        "LISTENERS_NONE",
        "LISTENERS_FILTERED",
        "LISTENERS_EMPTY",
        "LISTENERS_STATIC",
        "DISPLAY_NAMES",
    ]
    .iter()
    .map(|name| format!("introspection::{name}"))
    .collect();
    expected.push("introspection::nested::NESTED_SIGNAL".to_owned());
    for path in &expected {
        assert!(paths.contains(path), "{path} missing from {paths:?}");
    }
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "the registry is sorted by path");
    let mut unique = paths.clone();
    unique.dedup();
    assert_eq!(unique.len(), paths.len(), "each signal is listed once");

    let oven = registry::find("introspection::OVEN_HOT").expect("declared");
    assert_eq!(oven.name(), "OVEN_HOT");
    assert_eq!(oven.module_path(), "introspection");
    assert_eq!(oven.file(), file!());
    assert_eq!(oven.line(), line_of("pub static OVEN_HOT"));
    assert_eq!(
        oven.doc(),
        "Sent when the oven is hot.\n\nSecond paragraph."
    );

    let nested = registry::find("introspection::nested::NESTED_SIGNAL").expect("declared");
    assert_eq!(nested.doc(), "A signal declared in a nested module.");
    assert!(registry::find("introspection::NOT_DECLARED").is_none());
}

// The registry's type-erased view reaches the same signal as the static.
#[test]
fn registry_signal_is_the_declared_static() {
    let declared = registry::find("introspection::STATIC_META").expect("declared");
    let any: &dyn AnySignal = declared.signal();
    assert_eq!(any.name(), "STATIC_META");
    assert_eq!(any.module_path(), "introspection");
    assert_eq!(any.receivers(), STATIC_META.receivers());
    assert!(any.has_listeners(Sender::of::<Oven>()));
    assert!(any.duplicates().is_empty());
}

// A signal names itself: `name()`, `module_path()` and `Display`.
#[test]
fn signal_names_itself() {
    assert_eq!(DISPLAY_NAMES.name(), "DISPLAY_NAMES");
    assert_eq!(DISPLAY_NAMES.module_path(), "introspection");
    // `Display` names the signal by path and lists its receivers (none here).
    assert_eq!(
        DISPLAY_NAMES.to_string(),
        "introspection::DISPLAY_NAMES -> []"
    );
    assert_eq!(
        nested::NESTED_SIGNAL.to_string(),
        "introspection::nested::NESTED_SIGNAL -> []"
    );
    let debug = format!("{DISPLAY_NAMES:?}");
    assert!(debug.contains("DISPLAY_NAMES"), "{debug}");
}

/// Connects, from a generic function, a closure and the function item
/// `generic_receiver::<T>`.
fn connect_from_generic<T: 'static>() {
    let _ = GENERIC_SETUP.connect(|_: &u32| ()).unwrap();
    let _ = GENERIC_SETUP.connect(generic_receiver::<T>).unwrap();
}

fn generic_receiver<T>(_: &u32) {}

#[test]
fn receivers_connected_in_a_generic_function_name_their_module() {
    connect_from_generic::<std::collections::HashMap<String, Vec<u8>>>();
    let infos = GENERIC_SETUP.receivers();
    assert_eq!(infos.len(), 2);
    let closure = &infos[0];
    // Generic arguments hold `::` of their own; the module path is the
    // function's module all the same.
    assert_eq!(closure.module_path, module_path!());
    assert!(
        closure
            .name
            .starts_with(concat!(module_path!(), "::connect_from_generic<")),
        "{}",
        closure.name
    );
    let function = &infos[1];
    assert_eq!(function.module_path, module_path!());
    assert!(
        function
            .name
            .starts_with("generic_receiver<std::collections::"),
        "{}",
        function.name
    );
}
