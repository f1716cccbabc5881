//! The two shapes of an outbox row: an [`Event`] on its way in (written by a
//! producer's transaction) and a [`Delivery`] on its way out (claimed by a
//! worker and handed to its handler).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::durable::error::Error;

/// One outbox row to write, inside the producer's transaction.
///
/// `queue` picks the workers, `key` the order: events with the same queue and
/// key are delivered one at a time in commit order; the default key is the
/// empty string (one line for the whole queue). `topic` and `receiver` say
/// what the event is and who must run it (the signals integration stores the
/// signal's path and the receiver's stable identifier); the engine only
/// stores them. `payload` is opaque text, JSON by convention
/// ([`Event::json`], [`Delivery::json`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event {
    /// The queue the event goes to; workers name the queues they serve.
    pub queue: String,
    /// The ordering key: same queue and key means commit order, one at a time.
    pub key: String,
    /// What happened (the signal's path, for the signals integration).
    pub topic: String,
    /// Who handles it (a stable receiver identifier).
    pub receiver: String,
    /// The event's data as text (JSON by convention).
    pub payload: String,
}

impl Event {
    /// An event with the empty key (one ordered line for the whole queue).
    pub fn new(
        queue: impl Into<String>,
        topic: impl Into<String>,
        receiver: impl Into<String>,
        payload: impl Into<String>,
    ) -> Self {
        Event {
            queue: queue.into(),
            key: String::new(),
            topic: topic.into(),
            receiver: receiver.into(),
            payload: payload.into(),
        }
    }

    /// An event whose payload is `value` serialized as JSON text.
    pub fn json<T: Serialize + ?Sized>(
        queue: impl Into<String>,
        topic: impl Into<String>,
        receiver: impl Into<String>,
        value: &T,
    ) -> Result<Self, Error> {
        let payload = serde_json::to_string(value).map_err(Error::Payload)?;
        Ok(Event::new(queue, topic, receiver, payload))
    }

    /// The same event ordered under `key` (for example the primary key of
    /// the row the event is about).
    #[must_use]
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }

    /// Why this event cannot be stored, if it cannot: the names must say
    /// something, and PostgreSQL's `text` cannot hold a NUL character (so
    /// neither field may, on either backend, to keep them interchangeable).
    pub(crate) fn problem(&self) -> Option<&'static str> {
        if self.queue.is_empty() {
            return Some("`queue` is empty");
        }
        if self.topic.is_empty() {
            return Some("`topic` is empty");
        }
        if self.receiver.is_empty() {
            return Some("`receiver` is empty");
        }
        let fields = [
            &self.queue,
            &self.key,
            &self.topic,
            &self.receiver,
            &self.payload,
        ];
        if fields.iter().any(|f| f.contains('\0')) {
            return Some("a field contains a NUL character, which the database cannot store");
        }
        None
    }
}

/// A claimed event, as a worker's handler receives it.
///
/// `id` is stable across retries and redeliveries of the same event (a
/// handler that must not repeat a side effect records it); `attempt` counts
/// deliveries from 1, including those whose worker died before
/// acknowledging.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The event's id: unique, and increasing in commit order per key.
    pub id: i64,
    /// The queue it was claimed from.
    pub queue: String,
    /// Its ordering key.
    pub key: String,
    /// What happened.
    pub topic: String,
    /// Who handles it.
    pub receiver: String,
    /// Its data as stored.
    pub payload: String,
    /// Which delivery this is, from 1.
    pub attempt: u32,
}

impl Delivery {
    /// The payload parsed from JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.payload)
    }
}
