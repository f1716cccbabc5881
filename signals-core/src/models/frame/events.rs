//! The durable events of a frame: queued by a send, in the current
//! transaction, and written by the transaction that owns them right before
//! its database commit.
//!
//! A frame opened by an outbox transaction is a *writer*. An event may only
//! be queued while a writer is open at or above the current frame: into the
//! current frame itself, so that a nested transaction (a savepoint) that
//! rolls back drops only its own events, and one that commits hands them to
//! its parent, up to the writer. The writer's owner takes them out before
//! its commit ([`Frame::take_events`]); from then on the writer refuses new
//! events, and events that reach it anyway (a nested transaction ending
//! after its outer one committed) can no longer be written: that is a
//! panic, never a silent loss.

use std::sync::{Arc, Mutex};

use super::{Deferred, Frame, Sequenced, State, merge};
use crate::durable::Event;

/// A frame's durable events.
pub(in crate::models) enum Events {
    /// The transaction has not written its events yet.
    Collecting(Vec<Sequenced<Event>>),
    /// A writer took them for its commit; no more may join.
    Written,
}

impl Default for Events {
    fn default() -> Self {
        Events::Collecting(Vec::new())
    }
}

impl Events {
    fn count(&self) -> usize {
        match self {
            Events::Collecting(list) => list.len(),
            Events::Written => 0,
        }
    }

    /// How many of `incoming`'s events this list cannot take (it was
    /// written already), if any.
    pub(super) fn refuses(&self, incoming: &Events) -> Option<usize> {
        let count = incoming.count();
        (matches!(self, Events::Written) && count > 0).then_some(count)
    }

    /// Takes over `other`'s events in registration order. Never called
    /// with events for a written list: `Frame::take` refuses them first.
    pub(super) fn absorb(&mut self, other: Events) {
        if let (Events::Collecting(list), Events::Collecting(other)) = (self, other) {
            merge(list, other);
        }
    }

    /// Where no event may be left: past a writer, or after an outermost
    /// commit.
    pub(super) fn expect_none(&self) {
        let count = self.count();
        if count > 0 {
            lost(count);
        }
    }
}

/// Events that arrived where nothing can write them any more.
#[cold]
#[track_caller]
pub(super) fn lost(count: usize) -> ! {
    panic!(
        "{count} durable event(s) cannot be written: they reached their outbox transaction \
         after it had written its events and committed (a nested transaction ended after the \
         transaction it was nested in); end nested transactions before their outer one commits"
    )
}

/// Why an event was not queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No transaction is current.
    NoTransaction,
    /// Transactions are current, but none of them writes outbox events
    /// (for example `models::transaction` around another database).
    NoOutbox,
    /// The outbox transaction has already written its events (it is
    /// committing or has committed).
    Written,
}

/// Queues `event` into `frame` (the current one), if an outbox transaction
/// is open at or above it.
pub(crate) fn push_event(frame: Option<&Frame>, event: Event) -> Result<(), Refusal> {
    let frame = frame.ok_or(Refusal::NoTransaction)?;
    frame.writer_accepts()?;
    frame.push(Sequenced::new(event))
}

impl Frame {
    /// A new open frame that writes its own events, nested in `parent` if
    /// there is one.
    pub(in crate::models) fn open_writer(parent: Option<Arc<Frame>>) -> Arc<Frame> {
        Arc::new(Frame {
            parent,
            writer: true,
            state: Mutex::new(State::Open(Deferred::default())),
        })
    }

    /// Whether the nearest writer at or above this frame takes events.
    fn writer_accepts(&self) -> Result<(), Refusal> {
        let mut frame = self;
        while !frame.writer {
            frame = frame.parent.as_deref().ok_or(Refusal::NoOutbox)?;
        }
        match &*frame.lock() {
            State::Open(deferred) if !matches!(deferred.events, Events::Written) => Ok(()),
            // Queued into a rolled-back transaction: dropped, as its
            // callbacks are; nothing is sent.
            State::RolledBack => Ok(()),
            State::Open(_) | State::Released | State::Ran => Err(Refusal::Written),
        }
    }

    fn push(&self, event: Sequenced<Event>) -> Result<(), Refusal> {
        let mut state = self.lock();
        match &mut *state {
            State::Open(deferred) => match &mut deferred.events {
                Events::Collecting(list) => {
                    list.push(event);
                    Ok(())
                }
                Events::Written => Err(Refusal::Written),
            },
            State::Released => {
                drop(state);
                // A released frame has a parent: only nested frames are.
                match &self.parent {
                    Some(parent) => parent.push(event),
                    None => Err(Refusal::NoOutbox),
                }
            }
            State::RolledBack => Ok(()),
            State::Ran => Err(Refusal::Written),
        }
    }

    /// Takes the events to write, in the order they were sent; from now on
    /// this frame refuses events. Empty once the frame has ended.
    pub(in crate::models) fn take_events(&self) -> Vec<Event> {
        let mut state = self.lock();
        let State::Open(deferred) = &mut *state else {
            return Vec::new();
        };
        match std::mem::replace(&mut deferred.events, Events::Written) {
            Events::Collecting(list) => list.into_iter().map(|queued| queued.item).collect(),
            Events::Written => Vec::new(),
        }
    }
}
