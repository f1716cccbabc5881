//! Every signal declared with `signal!` in the program, for introspection.
//!
//! `signal!` submits a [`DeclaredSignal`] for each signal through
//! `inventory`, so tools (the `inspect` example, a debug endpoint, a test that
//! checks the wiring) can list all signals and their receivers without
//! knowing them in advance.

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
