//! Test fixture: a plugin that only declares receivers for a signal declared
//! in another crate. Nothing in it needs to be called: once the crate is
//! linked, its receivers are registered.

mod hooks {
    use signals::receiver;
    use signals_test_events::PLUGIN_EVENT;

    /// A plain receiver from another crate.
    #[receiver(PLUGIN_EVENT)]
    fn plugin_hook() -> &'static str {
        "plugin_hook"
    }

    /// Shares its `dispatch_uid` with a receiver in a test binary: the one
    /// whose module path sorts first is kept, whatever the link order.
    #[receiver(PLUGIN_EVENT, dispatch_uid = "shared-uid")]
    fn plugin_shared() -> &'static str {
        "plugin_shared"
    }
}
