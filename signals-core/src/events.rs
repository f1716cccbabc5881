//! Connection events: observe receivers being connected and disconnected.
//!
//! Two signals of this crate, like blinker's `receiver_connected` and
//! `receiver_disconnected` meta-signals:
//!
//! - [`RECEIVER_CONNECTED`] after a runtime receiver was added to any signal
//!   (`connect`, `connect_weak`, `testing::record`, …);
//! - [`RECEIVER_DISCONNECTED`] after a receiver was removed (a `disconnect_*`
//!   call, a dropped `ScopedConnection`, …, including static receivers
//!   removed that way), and when a weak receiver is pruned because its owner
//!   was dropped (unlike blinker, which reports explicit disconnects only);
//!   [`ReceiverEvent::change`] says which.
//!
//! The sender is the definition type of the signal that changed, so an
//! observer can listen to one signal only:
//! `#[receiver(RECEIVER_CONNECTED, sender = PIZZA_DONE)]` or
//! `ConnectOptions::new().sender(Sender::of::<PIZZA_DONE>())`.
//!
//! Static receivers found at a signal's resolution are not "connected"
//! events: they were there from the start (see `registry` to list them).
//!
//! The events are sent after the change is published and after the changed
//! signal's lock is released, so an observer may connect, disconnect or send
//! anything, including on the signal that changed. They are sent with
//! `send_robust`: a panicking observer cannot undo or break the change it
//! observes (with the `tracing` feature its panic is logged as an error).
//! With no observer, a change costs one more atomic load.

use crate::def::SignalDef;
use crate::receiver::ReceiverInfo;
use crate::sender::Sender;

/// What happened to a receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Change {
    /// It was connected.
    Connected,
    /// It was disconnected explicitly.
    Disconnected,
    /// It was a weak receiver and its owner was dropped.
    OwnerDropped,
}

/// The arguments of [`RECEIVER_CONNECTED`] and [`RECEIVER_DISCONNECTED`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ReceiverEvent {
    /// The name of the signal that changed.
    pub signal: &'static str,
    /// The module that signal is declared in.
    pub module_path: &'static str,
    /// The receiver that was connected or disconnected.
    pub receiver: ReceiverInfo,
    /// What happened.
    pub change: Change,
}

impl ReceiverEvent {
    /// `module_path::NAME` of the signal that changed.
    #[must_use]
    pub fn signal_path(&self) -> String {
        format!("{}::{}", self.module_path, self.signal)
    }
}

signals_macros::signal! {
    #![crate = crate]
    /// Sent after a receiver is connected to any signal; the sender is the
    /// definition type of that signal.
    pub static RECEIVER_CONNECTED: ReceiverEvent;
    /// Sent after a receiver is disconnected from any signal or pruned
    /// because its weak owner is gone; the sender is the definition type of
    /// that signal.
    pub static RECEIVER_DISCONNECTED: ReceiverEvent;
}

impl ReceiverEvent {
    fn of<D: SignalDef>(receiver: &ReceiverInfo, change: Change) -> Self {
        ReceiverEvent {
            signal: D::NAME,
            module_path: D::MODULE_PATH,
            receiver: receiver.clone(),
            change,
        }
    }
}

// Failures are reported in the results (and logged under `tracing`); they
// must not turn a successful connect or disconnect into a failure, hence
// `send_robust` with its results dropped.

/// Reports a receiver added to the signal `D`.
pub(crate) fn connected<D: SignalDef>(receiver: &ReceiverInfo) {
    let sender = Sender::of::<D>();
    if RECEIVER_CONNECTED.has_listeners(sender) {
        let event = ReceiverEvent::of::<D>(receiver, Change::Connected);
        let _ = RECEIVER_CONNECTED.send_robust(sender, &event);
    }
}

/// Reports a receiver removed from the signal `D`.
pub(crate) fn disconnected<D: SignalDef>(receiver: &ReceiverInfo, change: Change) {
    let sender = Sender::of::<D>();
    if RECEIVER_DISCONNECTED.has_listeners(sender) {
        let event = ReceiverEvent::of::<D>(receiver, change);
        let _ = RECEIVER_DISCONNECTED.send_robust(sender, &event);
    }
}
