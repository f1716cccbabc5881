//! Every signal declared with `signal!` in the program, for introspection.
//!
//! `signal!` submits a [`DeclaredSignal`] for each signal through
//! `inventory`, so tools (the `inspect` example, a debug endpoint, a test that
//! checks the wiring) can list all signals and their receivers without
//! knowing them in advance.
//!
//! # Detecting the linker pitfall
//!
//! `#[receiver]` and `signal!` register in the crate that defines them. A
//! crate that nothing in the final binary names is not linked at all, so
//! its registrations silently never happen. A crate cannot see that from
//! the inside, but the application can ask, at start-up or in a test,
//! whether the registrations of a crate it relies on are present
//! ([`assert_linked`]): every registration records the module path it was
//! made in, and a module path starts with its crate's name.

use std::fmt;

use crate::def::SignalDef;
use crate::receiver::ReceiverInfo;
use crate::registration::Duplicate;
use crate::sender::Sender;
use crate::signal::Signal;

/// A signal seen without its argument types.
pub trait AnySignal: Send + Sync + 'static {
    /// The signal's name as declared.
    fn name(&self) -> &'static str;
    /// The module it was declared in.
    fn module_path(&self) -> &'static str;
    /// Every live receiver, in dispatch order.
    fn receivers(&self) -> Vec<ReceiverInfo>;
    /// Whether a send from `sender` would reach a receiver.
    fn has_listeners(&self, sender: Sender) -> bool;
    /// Static receivers ignored as duplicates.
    fn duplicates(&self) -> Vec<Duplicate>;
    /// The module path of every `#[receiver]` registration of the signal,
    /// duplicates included, without resolving them. Not public API.
    #[doc(hidden)]
    fn static_receiver_modules(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

impl<D: SignalDef> AnySignal for Signal<D> {
    fn name(&self) -> &'static str {
        D::NAME
    }

    fn module_path(&self) -> &'static str {
        D::MODULE_PATH
    }

    fn receivers(&self) -> Vec<ReceiverInfo> {
        Signal::receivers(self)
    }

    fn has_listeners(&self, sender: Sender) -> bool {
        Signal::has_listeners(self, sender)
    }

    fn duplicates(&self) -> Vec<Duplicate> {
        Signal::duplicates(self)
    }

    fn static_receiver_modules(&self) -> Vec<&'static str> {
        D::__static_receivers()
            .map(|node| node.meta.module_path)
            .collect()
    }
}

/// One `signal!` declaration, as collected at link time.
pub struct DeclaredSignal {
    signal: &'static dyn AnySignal,
    file: &'static str,
    line: u32,
    doc: &'static str,
}

impl DeclaredSignal {
    #[doc(hidden)]
    #[must_use]
    pub const fn new(
        signal: &'static dyn AnySignal,
        file: &'static str,
        line: u32,
        doc: &'static str,
    ) -> Self {
        DeclaredSignal {
            signal,
            file,
            line,
            doc,
        }
    }

    /// The signal itself.
    #[must_use]
    pub fn signal(&self) -> &'static dyn AnySignal {
        self.signal
    }

    /// The signal's name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.signal.name()
    }

    /// The module it was declared in.
    #[must_use]
    pub fn module_path(&self) -> &'static str {
        self.signal.module_path()
    }

    /// `module_path::NAME`.
    #[must_use]
    pub fn path(&self) -> String {
        format!("{}::{}", self.module_path(), self.name())
    }

    /// Source file of the declaration.
    #[must_use]
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// Source line of the declaration.
    #[must_use]
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The declaration's doc comment.
    #[must_use]
    pub fn doc(&self) -> &'static str {
        self.doc
    }
}

impl std::fmt::Debug for DeclaredSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeclaredSignal")
            .field("path", &self.path())
            .field("file", &self.file)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

inventory::collect!(DeclaredSignal);

/// Every signal declared in the program (in crates that are linked), sorted
/// by path.
#[must_use]
pub fn signals() -> Vec<&'static DeclaredSignal> {
    let mut all: Vec<&'static DeclaredSignal> =
        inventory::iter::<DeclaredSignal>.into_iter().collect();
    all.sort_by(|a, b| (a.module_path(), a.name()).cmp(&(b.module_path(), b.name())));
    all
}

/// The signal declared at `path` (`module_path::NAME`), if any.
#[must_use]
pub fn find(path: &str) -> Option<&'static DeclaredSignal> {
    inventory::iter::<DeclaredSignal>
        .into_iter()
        .find(|s| s.path() == path)
}

/// What [`assert_linked`] found of a linked crate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkedCrate {
    /// The crate's name as it appears in paths (`-` written `_`).
    pub name: String,
    /// How many `#[receiver]` registrations the crate made (one per signal
    /// a receiver listens to, duplicates included).
    pub receivers: usize,
    /// How many signals the crate declares with `signal!`.
    pub signals: usize,
}

/// Why [`assert_linked`] failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotLinked {
    name: String,
    valid: bool,
}

impl NotLinked {
    /// The crate name that was looked for, as given.
    #[must_use]
    pub fn crate_name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for NotLinked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.valid {
            return write!(
                f,
                "`{}` is not a crate name: pass the name of the crate that declares the receivers, as in its `Cargo.toml` (e.g. `my-receivers`)",
                self.name
            );
        }
        let path = path_name(&self.name);
        write!(
            f,
            "no `#[receiver]` or `signal!` of crate `{path}` is registered: nothing in this program names the crate, so the linker left it out and its receivers never register; add `use {path} as _;` to the binary's `main.rs` (or name any item of the crate). If the crate is linked, check that it declares a receiver or a signal"
        )
    }
}

impl std::error::Error for NotLinked {}

/// How a crate name appears in module paths.
fn path_name(crate_name: &str) -> String {
    crate_name.replace('-', "_")
}

/// Checks that the `#[receiver]`s or `signal!`s of crate `crate_name` are
/// registered in this program, i.e. that the crate is linked. Use it at
/// start-up or in a test, for each crate whose receivers the application
/// relies on but never calls into (see the linker pitfall in the crate
/// documentation). `crate_name` is the name from `Cargo.toml`; a `-` in it
/// matches the `_` of module paths.
///
/// Looking only reads the registrations: it resolves no signal and calls
/// no receiver.
///
/// ```
/// # extern crate signals_core as signals;
/// # use signals_macros::{receiver, signal};
/// signal! { pub static ORDER_PAID: u32; }
///
/// #[receiver(ORDER_PAID)]
/// fn print_receipt(order: &u32) { println!("receipt for {order}") }
///
/// # fn main() {
/// // This example's own crate is linked…
/// let this_crate = module_path!().split("::").next().unwrap();
/// let linked = signals::registry::assert_linked(this_crate).unwrap();
/// assert_eq!((linked.receivers, linked.signals), (1, 1));
///
/// // …a crate that nothing names is not, and the error says how to fix it.
/// let missing = signals::registry::assert_linked("my-receivers").unwrap_err();
/// assert!(missing.to_string().contains("add `use my_receivers as _;`"));
/// # }
/// ```
///
/// # Errors
///
/// [`NotLinked`] when no registration of the crate is present; its message
/// names the crate and the fix (`use my_receivers as _;` in the binary).
/// A name that cannot be a crate's (empty, or with `::`) is refused too.
pub fn assert_linked(crate_name: &str) -> Result<LinkedCrate, NotLinked> {
    let name = path_name(crate_name);
    let valid = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    let not_linked = || NotLinked {
        name: crate_name.to_owned(),
        valid,
    };
    if !valid {
        return Err(not_linked());
    }
    let in_crate = |module_path: &str| {
        module_path
            .strip_prefix(name.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    };
    let mut found = LinkedCrate {
        name: name.clone(),
        receivers: 0,
        signals: 0,
    };
    for declared in signals() {
        if in_crate(declared.module_path()) {
            found.signals += 1;
        }
        found.receivers += declared
            .signal()
            .static_receiver_modules()
            .into_iter()
            .filter(|module_path| in_crate(module_path))
            .count();
    }
    if found.receivers == 0 && found.signals == 0 {
        return Err(not_linked());
    }
    Ok(found)
}
