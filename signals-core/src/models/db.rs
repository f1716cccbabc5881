//! The database a helper works on, shared by every helper's options.

/// The database alias used when none is given, as in Django.
pub const DEFAULT_DB_ALIAS: &str = "default";

/// Which database a helper works on (Django's `using`) and whether it writes
/// raw data (fixture loading, Django's `raw`). Every helper's options hold
/// one and set it through their `using` and `raw` methods, so the model
/// signals get these two values from one place.
#[derive(Clone, Copy, Debug)]
pub(super) struct Db<'a> {
    pub(super) using: &'a str,
    pub(super) raw: bool,
}

impl Default for Db<'_> {
    fn default() -> Self {
        Db {
            using: DEFAULT_DB_ALIAS,
            raw: false,
        }
    }
}
