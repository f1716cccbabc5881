//! The `tracing` feature: spans per send and per receiver call, error events
//! for the panics `send_robust`/`asend_robust` catch. Checked with a real
//! `tracing` subscriber that records every span, field and event.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use signals::{ConnectOptions, Sender, receiver, signal};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

pub struct Order {
    pub id: u32,
}

pub struct Shop;

signal! {
    /// Sent when an order is placed.
    pub static ORDER_PLACED: Order;
    /// Sent when an order is paid; receivers may fail.
    pub static ORDER_PAID: Order;
    /// Nobody listens to this one.
    pub static ORDER_LOST: Order;
    /// Sent from a current-thread runtime, where its async receiver cannot
    /// be waited for.
    pub static ORDER_REFUSED: Order;
}

#[receiver(ORDER_REFUSED)]
async fn refused_async(_args: &Order) {}

static RECORDED: AtomicUsize = AtomicUsize::new(0);

#[receiver(ORDER_PLACED, priority = 5)]
fn record_order(args: &Order) {
    RECORDED.fetch_add(args.id as usize, Ordering::Relaxed);
}

#[receiver(ORDER_PLACED)]
async fn email_customer(_args: &Order) {}

#[receiver(ORDER_PAID)]
fn book_payment(args: &Order) {
    assert!(args.id != 13, "unlucky order {}", args.id);
}

#[receiver(ORDER_PAID)]
async fn ship(args: &Order) {
    assert!(args.id != 13, "cannot ship order {}", args.id);
}

#[derive(Clone, Debug)]
struct SpanRecord {
    name: &'static str,
    fields: BTreeMap<String, String>,
    parent: Option<usize>,
}

#[derive(Clone, Debug)]
struct EventRecord {
    level: Level,
    fields: BTreeMap<String, String>,
    /// Index of the span the event happened in.
    span: Option<usize>,
}

#[derive(Default)]
struct State {
    spans: Vec<SpanRecord>,
    events: Vec<EventRecord>,
    stack: Vec<usize>,
}

/// Records every span and event of the `signals` target at or above `level`.
#[derive(Clone)]
struct Collector {
    level: Level,
    state: Arc<Mutex<State>>,
}

impl Collector {
    fn new(level: Level) -> Self {
        Collector {
            level,
            state: Arc::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn spans(&self) -> Vec<SpanRecord> {
        self.state().spans.clone()
    }

    fn events(&self) -> Vec<EventRecord> {
        self.state().events.clone()
    }
}

struct Fields<'m>(&'m mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Collector {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == "signals" && *metadata.level() <= self.level
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut state = self.state();
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = match attrs.parent() {
            Some(id) => Some(usize::try_from(id.into_u64()).unwrap() - 1),
            None if attrs.is_contextual() => state.stack.last().copied(),
            None => None,
        };
        state.spans.push(SpanRecord {
            name: attrs.metadata().name(),
            fields,
            parent,
        });
        Id::from_u64(state.spans.len() as u64)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut state = self.state();
        let index = usize::try_from(span.into_u64()).unwrap() - 1;
        values.record(&mut Fields(&mut state.spans[index].fields));
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut state = self.state();
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let span = state.stack.last().copied();
        state.events.push(EventRecord {
            level: *event.metadata().level(),
            fields,
            span,
        });
    }

    fn enter(&self, span: &Id) {
        let index = usize::try_from(span.into_u64()).unwrap() - 1;
        self.state().stack.push(index);
    }

    fn exit(&self, _span: &Id) {
        self.state().stack.pop();
    }
}

fn field<'a>(fields: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    fields
        .get(name)
        .unwrap_or_else(|| panic!("field `{name}` missing in {fields:?}"))
}

#[test]
fn send_opens_a_span_with_one_child_span_per_receiver_call() {
    let collector = Collector::new(Level::TRACE);
    let responses = tracing::subscriber::with_default(collector.clone(), || {
        ORDER_PLACED.send(Sender::of::<Shop>(), &Order { id: 7 })
    });
    assert_eq!(responses.len(), 2);
    let spans = collector.spans();
    assert_eq!(spans.len(), 3, "{spans:#?}");

    let send = &spans[0];
    assert_eq!(send.name, "send");
    assert_eq!(field(&send.fields, "signal"), "ORDER_PLACED");
    assert_eq!(field(&send.fields, "module"), "tracing");
    assert_eq!(field(&send.fields, "sender"), std::any::type_name::<Shop>());
    assert_eq!(field(&send.fields, "receivers"), "2");
    assert_eq!(send.parent, None);

    // Sync receivers first, then async ones, each a child of the send.
    let names: Vec<&str> = spans[1..]
        .iter()
        .map(|s| field(&s.fields, "receiver"))
        .collect();
    assert_eq!(names, ["record_order", "email_customer"]);
    for (span, kind) in spans[1..].iter().zip(["sync", "async"]) {
        assert_eq!(span.name, "receiver");
        assert_eq!(span.parent, Some(0));
        assert_eq!(field(&span.fields, "kind"), kind);
        assert_eq!(field(&span.fields, "module"), "tracing");
        assert!(field(&span.fields, "file").ends_with("tracing.rs"));
        assert!(field(&span.fields, "line").parse::<u32>().unwrap() > 0);
        field(&span.fields, "duration_ns").parse::<u64>().unwrap();
    }
    assert!(collector.events().is_empty());
}

#[test]
fn runtime_receivers_are_traced_with_their_connect_location() {
    let collector = Collector::new(Level::DEBUG);
    let connection = ORDER_LOST
        .connect_with(ConnectOptions::new().name("audit"), || {})
        .unwrap()
        .scoped();
    let line = line!() - 3;
    tracing::subscriber::with_default(collector.clone(), || {
        ORDER_LOST.send(Sender::NONE, &Order { id: 1 });
    });
    drop(connection);
    tracing::subscriber::with_default(collector.clone(), || {
        ORDER_LOST.send(Sender::NONE, &Order { id: 2 });
    });
    let spans = collector.spans();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    assert_eq!(field(&spans[0].fields, "sender"), "none");
    assert_eq!(field(&spans[1].fields, "receiver"), "audit");
    assert_eq!(field(&spans[1].fields, "line"), line.to_string());
    // A send nobody hears still shows up, with zero receivers.
    assert_eq!(spans[2].name, "send");
    assert_eq!(field(&spans[2].fields, "receivers"), "0");
}

#[test]
fn send_robust_logs_each_caught_panic_as_an_error_naming_the_receiver() {
    let collector = Collector::new(Level::TRACE);
    let responses = tracing::subscriber::with_default(collector.clone(), || {
        ORDER_PAID.send_robust(Sender::named("till"), &Order { id: 13 })
    });
    assert_eq!(responses.len(), 2);
    assert!(responses.iter().all(Result::is_err));

    let spans = collector.spans();
    assert_eq!(spans[0].name, "send_robust");
    assert_eq!(field(&spans[0].fields, "sender"), "till");
    let events = collector.events();
    assert_eq!(events.len(), 2, "{events:#?}");
    for (event, (name, message)) in events.iter().zip([
        ("book_payment", "unlucky order 13"),
        ("ship", "cannot ship order 13"),
    ]) {
        assert_eq!(event.level, Level::ERROR);
        assert_eq!(field(&event.fields, "receiver"), format!("tracing::{name}"));
        assert_eq!(field(&event.fields, "signal"), "ORDER_PAID");
        assert_eq!(field(&event.fields, "panic"), message);
        assert!(field(&event.fields, "message").contains("send_robust()"));
    }
    // The sync receiver's error is logged inside that receiver's span.
    let in_span = events[0].span.expect("event inside a span");
    assert_eq!(field(&spans[in_span].fields, "receiver"), "book_payment");
}

#[test]
fn errors_are_logged_even_when_only_errors_are_wanted() {
    let collector = Collector::new(Level::ERROR);
    tracing::subscriber::with_default(collector.clone(), || {
        ORDER_PAID.send_robust(Sender::NONE, &Order { id: 13 });
        ORDER_PLACED.send(Sender::NONE, &Order { id: 1 });
    });
    assert!(collector.spans().is_empty());
    let events = collector.events();
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e.level == Level::ERROR));
}

#[test]
fn asend_and_asend_robust_are_traced_across_awaits() {
    let collector = Collector::new(Level::TRACE);
    let (plain, robust) = tracing::subscriber::with_default(collector.clone(), || {
        futures::executor::block_on(async {
            let plain = ORDER_PLACED.asend(Sender::NONE, &Order { id: 3 }).await;
            let robust = ORDER_PAID
                .asend_robust(Sender::NONE, &Order { id: 13 })
                .await;
            (plain, robust)
        })
    });
    assert_eq!(plain.len(), 2);
    assert_eq!(robust.len(), 2);
    let spans = collector.spans();
    let sends: Vec<(usize, &str)> = spans
        .iter()
        .enumerate()
        .filter(|(_, s)| s.parent.is_none())
        .map(|(i, s)| (i, s.name))
        .collect();
    assert_eq!(sends, [(0, "asend"), (3, "asend_robust")], "{spans:#?}");
    let children_of = |parent: usize| -> Vec<&str> {
        spans
            .iter()
            .filter(|s| s.parent == Some(parent))
            .map(|s| field(&s.fields, "receiver"))
            .collect()
    };
    assert_eq!(children_of(0), ["record_order", "email_customer"]);
    assert_eq!(children_of(3), ["book_payment", "ship"]);
    for span in &spans[1..3] {
        field(&span.fields, "duration_ns").parse::<u64>().unwrap();
    }
    let events = collector.events();
    assert_eq!(events.len(), 2);
    assert!(field(&events[1].fields, "message").contains("asend_robust()"));
}

#[test]
fn sends_are_untouched_when_the_subscriber_ignores_the_signals_target() {
    struct NotInterested;
    impl Subscriber for NotInterested {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.target() != "signals"
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            panic!("no span of the `signals` target may be created")
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {
            panic!("no event of the `signals` target may be emitted")
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
    let before = RECORDED.load(Ordering::Relaxed);
    let outcomes = tracing::subscriber::with_default(NotInterested, || {
        ORDER_PLACED.send(Sender::NONE, &Order { id: 1000 });
        ORDER_PAID.send_robust(Sender::NONE, &Order { id: 13 })
    });
    assert!(RECORDED.load(Ordering::Relaxed) >= before + 1000);
    assert!(outcomes.iter().all(Result::is_err));
}

// Issue 9: an async receiver `send_robust` may not wait for (a
// current-thread runtime) is reported like a caught panic, with its kind.
#[test]
fn send_robust_logs_async_receivers_it_could_not_wait_for() {
    let collector = Collector::new(Level::ERROR);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let responses = tracing::subscriber::with_default(collector.clone(), || {
        runtime.block_on(async { ORDER_REFUSED.send_robust(Sender::NONE, &Order { id: 1 }) })
    });
    assert_eq!(
        responses[0].as_ref().unwrap_err().kind(),
        signals::FailureKind::WouldBlock
    );
    let events = collector.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].level, Level::ERROR);
    assert_eq!(field(&events[0].fields, "failure"), "WouldBlock");
    assert_eq!(
        field(&events[0].fields, "receiver"),
        "tracing::refused_async"
    );
    assert!(field(&events[0].fields, "panic").contains("asend_robust"));
}

// Django's `on_commit(robust=True)` logs a failing callback and runs the
// next: here an ERROR event of the `signals` target.
#[test]
fn a_robust_on_commit_callback_that_panics_is_logged() {
    use signals::models::{on_commit, on_commit_robust, transaction};
    let collector = Collector::new(Level::ERROR);
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    tracing::subscriber::with_default(collector.clone(), || {
        transaction(
            (),
            |()| {
                on_commit_robust(|| panic!("mail server down"));
                on_commit(move || {
                    r.fetch_add(1, Ordering::SeqCst);
                });
                Ok::<_, ()>(())
            },
            |()| Ok(()),
        )
        .unwrap();
    });
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    let events = collector.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].level, Level::ERROR);
    assert_eq!(field(&events[0].fields, "panic"), "mail server down");
}
