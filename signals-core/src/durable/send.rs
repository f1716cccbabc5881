//! The sending side of a durable receiver: when its signal is sent, it is
//! called like any sync receiver, gives no response, and queues one outbox
//! event into the current outbox transaction, which writes it right before
//! its commit. Outside an outbox transaction the event would not share the
//! sender's commit, so the call fails instead (a panic that `send`
//! propagates and `send_robust` reports as this receiver's error).

use crate::def::SignalDef;
use crate::durable::event::Event;
use crate::models::{Refusal, queue_event};

/// Who a durable event is for.
#[derive(Clone, Copy)]
pub(crate) struct Target<'t> {
    /// The queue its workers serve.
    pub(crate) queue: &'t str,
    /// The receiver's stable identifier (its `dispatch_uid`, else its path).
    pub(crate) receiver: &'t str,
}

/// The topic of signal `D`'s events: its path, which workers route by.
pub(crate) fn topic<D: SignalDef>() -> String {
    format!("{}::{}", D::MODULE_PATH, D::NAME)
}

/// Queues the event of one durable receiver into the current outbox
/// transaction: `payload` is the arguments as JSON, `key` orders it.
/// Panics, naming the signal, the receiver, the queue and the fix, when
/// the arguments could not be serialized or no outbox transaction takes
/// the event.
pub(crate) fn enqueue<D: SignalDef>(
    target: Target<'_>,
    key: String,
    payload: Result<String, serde_json::Error>,
) {
    let payload = match payload {
        Ok(payload) => payload,
        Err(error) => serialize_failed::<D>(target, &error),
    };
    let event = Event::new(target.queue, topic::<D>(), target.receiver, payload).with_key(key);
    if let Err(refusal) = queue_event(event) {
        refused::<D>(target, refusal);
    }
}

fn who<D: SignalDef>(target: Target<'_>) -> String {
    format!(
        "durable receiver `{}` of `{}` (queue `{}`)",
        target.receiver,
        topic::<D>(),
        target.queue
    )
}

#[cold]
#[track_caller]
fn serialize_failed<D: SignalDef>(target: Target<'_>, error: &serde_json::Error) -> ! {
    panic!(
        "{}: the arguments cannot be serialized to JSON: {error}",
        who::<D>(target)
    )
}

#[cold]
#[track_caller]
fn refused<D: SignalDef>(target: Target<'_>, refusal: Refusal) -> ! {
    let when = match refusal {
        Refusal::NoTransaction => "outside any transaction",
        Refusal::NoOutbox => {
            "inside a transaction that does not write outbox events (such as \
             `models::transaction`)"
        }
        Refusal::Written => {
            "after its outbox transaction had written its events (it is committing or has \
             committed)"
        }
    };
    panic!(
        "{} was sent {when}: its event must be written by the sender's own database \
         transaction, so that commit means sent and rollback means not sent; send inside \
         `Outbox::transaction` (or a transaction driven through `durable::OutboxScope`)",
        who::<D>(target)
    )
}
