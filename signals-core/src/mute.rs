//! Muting receivers with no cost on the send path.
//!
//! A mute does not add a check to `send`: it changes which receivers the
//! signal *publishes*. While any mute is active, every table the signal
//! publishes leaves out the receivers a mute hides (see `signal.rs`);
//! when the last mute ends, the full table is published again, in the same
//! order as before (unlike restoring a saved receiver list, which can reorder
//! receivers connected meanwhile). Mutes are counted rules, so nested and
//! overlapping mutes compose: a receiver stays hidden while at least one rule
//! hides it.
//!
//! Because the table is shared, a mute is process-wide: it silences sends
//! from every thread. A thread-scoped mute cannot simply leave receivers out
//! of the shared table; instead, while one is active, the published table
//! holds its receivers wrapped in a check of the sending thread. Only those
//! receivers, and only while such a mute exists, pay that check; every other
//! send path is unchanged.
//!
//! Receivers listed as exempt (the test recorders) are never hidden, so a
//! test can mute a signal's side effects and still see that it was sent.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::thread::{self, ThreadId};

use crate::def::{AsyncCall, Call, DynAsync, SignalDef, SyncCall};
use crate::receiver::{Entry, ReceiverInfo, next_id};
use crate::sender::Sender;

/// Chooses receivers of a signal by `dispatch_uid` or by name.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Select {
    /// The receiver connected with this `dispatch_uid`, whatever its sender
    /// filter.
    Uid(Cow<'static, str>),
    /// Receivers with this name (`ReceiverInfo::name`, e.g. the function
    /// name or the name given to `ConnectOptions::name`) or this full path
    /// (`ReceiverInfo::path`, e.g. `app::kitchen::show_on_display`).
    Name(Cow<'static, str>),
}

impl Select {
    /// The receiver with `dispatch_uid` `uid`.
    pub fn uid(uid: impl Into<Cow<'static, str>>) -> Select {
        Select::Uid(uid.into())
    }

    /// Receivers named `name` (a function name or a full path).
    pub fn name(name: impl Into<Cow<'static, str>>) -> Select {
        Select::Name(name.into())
    }

    /// Whether the receiver described by `info` is chosen.
    #[must_use]
    pub fn matches(&self, info: &ReceiverInfo) -> bool {
        match self {
            Select::Uid(uid) => info.dispatch_uid.as_deref() == Some(uid.as_ref()),
            Select::Name(name) => info.name == *name || info.path() == *name,
        }
    }
}

impl fmt::Debug for Select {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Select::Uid(uid) => write!(f, "dispatch_uid {uid:?}"),
            Select::Name(name) => write!(f, "name {name:?}"),
        }
    }
}

impl fmt::Display for Select {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

struct Rule {
    id: u64,
    /// `None` mutes the whole signal.
    only: Option<Vec<Select>>,
    /// `None` mutes sends from every thread.
    thread: Option<ThreadId>,
}

impl Rule {
    fn applies_to<D: SignalDef>(&self, entry: &Entry<D>) -> bool {
        match &self.only {
            None => true,
            Some(selects) => selects.iter().any(|s| s.matches(&entry.info)),
        }
    }
}

/// How an entry is muted.
enum Hidden {
    No,
    Everywhere,
    OnThreads(Arc<[ThreadId]>),
}

/// The mutes active on one signal. Lives under the signal's lock.
pub(crate) struct Mutes {
    rules: Vec<Rule>,
    /// Connection ids never hidden (recorders).
    exempt: Vec<u64>,
}

impl Mutes {
    pub(crate) const fn new() -> Self {
        Mutes {
            rules: Vec::new(),
            exempt: Vec::new(),
        }
    }

    /// Whether published tables must be filtered.
    pub(crate) fn is_active(&self) -> bool {
        !self.rules.is_empty()
    }

    fn hidden<D: SignalDef>(&self, entry: &Entry<D>) -> Hidden {
        if self.exempt.contains(&entry.id) {
            return Hidden::No;
        }
        let mut threads = Vec::new();
        for rule in self.rules.iter().filter(|rule| rule.applies_to(entry)) {
            match rule.thread {
                None => return Hidden::Everywhere,
                Some(thread) => threads.push(thread),
            }
        }
        if threads.is_empty() {
            Hidden::No
        } else {
            Hidden::OnThreads(threads.into())
        }
    }

    /// The entries a send may see.
    pub(crate) fn visible<'e, D: SignalDef>(
        &self,
        entries: &'e [Arc<Entry<D>>],
    ) -> Cow<'e, [Arc<Entry<D>>]> {
        if !self.is_active() {
            return Cow::Borrowed(entries);
        }
        Cow::Owned(
            entries
                .iter()
                .filter_map(|e| match self.hidden(e) {
                    Hidden::No => Some(Arc::clone(e)),
                    Hidden::Everywhere => None,
                    Hidden::OnThreads(threads) => Some(Arc::new(silenced_on(e, threads))),
                })
                .collect(),
        )
    }

    /// Adds a rule hiding everything (`only: None`) or the selected
    /// receivers, from sends on every thread (`thread: None`) or on one.
    pub(crate) fn add(&mut self, only: Option<Vec<Select>>, thread: Option<ThreadId>) -> u64 {
        let id = next_id();
        self.rules.push(Rule { id, only, thread });
        id
    }

    pub(crate) fn remove(&mut self, id: u64) {
        self.rules.retain(|rule| rule.id != id);
    }

    pub(crate) fn set_exempt(&mut self, connection: u64, exempt: bool) {
        self.exempt.retain(|&id| id != connection);
        if exempt {
            self.exempt.push(connection);
        }
    }
}

/// A copy of `entry` whose call does nothing when made from one of `threads`.
/// "Nothing" is `None`, the dispatcher's "did not apply": no response, no
/// error, the next receiver runs.
fn silenced_on<D: SignalDef>(entry: &Entry<D>, threads: Arc<[ThreadId]>) -> Entry<D> {
    let quiet = move || threads.contains(&thread::current().id());
    let call = match &entry.call {
        Call::Sync(inner) => {
            let inner = inner.clone();
            Call::Sync(SyncCall::declining(
                move |sender: &Sender, args: &D::Args<'_>| {
                    if quiet() {
                        None
                    } else {
                        inner.call(*sender, args)
                    }
                },
            ))
        }
        Call::Async(inner) => {
            let inner = inner.clone();
            let call: Arc<DynAsync<D>> = Arc::new(move |sender: Sender, args: &D::Args<'_>| {
                if quiet() {
                    None
                } else {
                    inner.call(sender, args)
                }
            });
            Call::Async(AsyncCall::Dyn(call))
        }
    };
    entry.with_call(call)
}
