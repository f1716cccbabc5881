//! Which receivers a send reaches (DJANGO-RULES A.4, rule 17 and rule 4).

use std::sync::{Arc, Mutex};

use signals::{ConnectOptions, Sender, signal};

struct PizzaStore;
struct Bakery;

signal! {
    static UNFILTERED: u32 => &'static str;
    static FILTERED: u32 => &'static str;
    static NONE_SEND: u32 => &'static str;
    static NAMED_VS_TYPE: u32 => &'static str;
    static NAMED_BY_VALUE: u32 => &'static str;
    static MERGED_ORDER: u32 => &'static str;
    static SENDER_PASSED: u32 => Sender;
    static ASYNC_FILTERED: u32 => &'static str;
    static ROBUST_FILTERED: u32 => &'static str;
}

// Rule 17: a receiver connected without a sender hears every sender,
// including the anonymous one.
#[test]
fn receiver_without_sender_hears_every_sender() {
    let _ = UNFILTERED.connect(|| "any").unwrap();
    for sender in [
        Sender::of::<PizzaStore>(),
        Sender::of::<Bakery>(),
        Sender::named("billing"),
        Sender::NONE,
    ] {
        assert_eq!(UNFILTERED.send(sender, &0), vec!["any"], "{sender:?}");
    }
}

// Rule 17: a receiver tied to a sender hears only that sender.
#[test]
fn filtered_receiver_hears_only_its_sender() {
    let _ = FILTERED
        .connect_with(
            ConnectOptions::new().sender(Sender::of::<PizzaStore>()),
            || "pizza",
        )
        .unwrap();
    assert_eq!(FILTERED.send(Sender::of::<PizzaStore>(), &0), vec!["pizza"]);
    assert!(FILTERED.send(Sender::of::<Bakery>(), &0).is_empty());
    assert!(FILTERED.send(Sender::named("PizzaStore"), &0).is_empty());
}

// Rule 17: a send from `Sender::NONE` (Django's `sender=None`) reaches only
// receivers connected without a sender. Rule 20's quirk is deliberately not
// copied: an anonymous send on a signal with receivers just works.
#[test]
fn none_sender_reaches_only_unfiltered_receivers() {
    let _ = NONE_SEND
        .connect_with(
            ConnectOptions::new().sender(Sender::of::<PizzaStore>()),
            || "pizza",
        )
        .unwrap();
    let _ = NONE_SEND
        .connect_with(ConnectOptions::new().sender(Sender::named("x")), || "named")
        .unwrap();
    let _ = NONE_SEND.connect(|| "any").unwrap();
    assert_eq!(NONE_SEND.send(Sender::NONE, &0), vec!["any"]);
}

// Rule 4, deliberate deviation (DESIGN "Senders"): a type sender and a named
// sender never match each other, even with the same spelling.
#[test]
fn named_and_type_senders_are_distinct() {
    let _ = NAMED_VS_TYPE
        .connect_with(
            ConnectOptions::new().sender(Sender::of::<PizzaStore>()),
            || "type",
        )
        .unwrap();
    let _ = NAMED_VS_TYPE
        .connect_with(
            ConnectOptions::new().sender(Sender::named("PizzaStore")),
            || "named",
        )
        .unwrap();
    assert_eq!(
        NAMED_VS_TYPE.send(Sender::of::<PizzaStore>(), &0),
        vec!["type"]
    );
    assert_eq!(
        NAMED_VS_TYPE.send(Sender::named("PizzaStore"), &0),
        vec!["named"]
    );
}

// Rule 4, deliberate deviation: Django matches senders by object identity,
// so an equal string built at run time misses; we compare by value.
#[test]
fn named_senders_match_by_value_not_identity() {
    let _ = NAMED_BY_VALUE
        .connect_with(
            ConnectOptions::new().sender(Sender::named("billing")),
            || "billing",
        )
        .unwrap();
    let built: &'static str = Box::leak(format!("bill{}", "ing").into_boxed_str());
    assert_eq!(
        NAMED_BY_VALUE.send(Sender::named(built), &0),
        vec!["billing"]
    );
    assert!(NAMED_BY_VALUE.send(Sender::named("billin"), &0).is_empty());
}

// Rules 17/18: a send reaches the unfiltered and the matching filtered
// receivers together, in one order (connect order here), not grouped by
// filter.
#[test]
fn filtered_and_unfiltered_receivers_interleave_in_order() {
    let pizza = || ConnectOptions::new().sender(Sender::of::<PizzaStore>());
    let bakery = || ConnectOptions::new().sender(Sender::of::<Bakery>());
    let _ = MERGED_ORDER.connect(|| "any-1").unwrap();
    let _ = MERGED_ORDER.connect_with(pizza(), || "pizza-1").unwrap();
    let _ = MERGED_ORDER.connect_with(bakery(), || "bakery").unwrap();
    let _ = MERGED_ORDER.connect(|| "any-2").unwrap();
    let _ = MERGED_ORDER.connect_with(pizza(), || "pizza-2").unwrap();
    assert_eq!(
        MERGED_ORDER.send(Sender::of::<PizzaStore>(), &0),
        vec!["any-1", "pizza-1", "any-2", "pizza-2"]
    );
    assert_eq!(
        MERGED_ORDER.send(Sender::of::<Bakery>(), &0),
        vec!["any-1", "bakery", "any-2"]
    );
    // A sender no receiver filters on gets the unfiltered receivers.
    assert_eq!(
        MERGED_ORDER.send(Sender::named("nobody"), &0),
        vec!["any-1", "any-2"]
    );
}

// Rule 23: every receiver gets the sender passed to `send`.
#[test]
fn receivers_get_the_sender_of_the_send() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let _ = SENDER_PASSED
        .connect(move |sender: Sender| {
            record.lock().unwrap().push(sender);
            sender
        })
        .unwrap();
    assert_eq!(
        SENDER_PASSED.send(Sender::of::<Bakery>(), &0),
        vec![Sender::of::<Bakery>()]
    );
    assert_eq!(SENDER_PASSED.send(Sender::NONE, &0), vec![Sender::NONE]);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![Sender::of::<Bakery>(), Sender::NONE]
    );
    let typed = SENDER_PASSED.send(Sender::of::<PizzaStore>(), &0)[0];
    assert!(typed.is::<PizzaStore>());
    assert!(!typed.is::<Bakery>());
}

// Rules 17/35: the async send methods match senders exactly like `send`.
#[test]
fn async_sends_match_senders_like_send() {
    let _ = ASYNC_FILTERED
        .connect_async_with(
            ConnectOptions::new().sender(Sender::of::<PizzaStore>()),
            |_, _| Box::pin(async { "pizza" }),
        )
        .unwrap();
    let _ = ASYNC_FILTERED
        .connect_async(|_, _| Box::pin(async { "any" }))
        .unwrap();
    let asend = |sender| futures::executor::block_on(ASYNC_FILTERED.asend(sender, &0));
    assert_eq!(asend(Sender::of::<PizzaStore>()), vec!["pizza", "any"]);
    assert_eq!(asend(Sender::of::<Bakery>()), vec!["any"]);
    assert_eq!(asend(Sender::NONE), vec!["any"]);
    assert_eq!(
        ASYNC_FILTERED.send(Sender::of::<PizzaStore>(), &0),
        vec!["pizza", "any"]
    );
}

// Rule 30: `send_robust` matches senders like `send`.
#[test]
fn send_robust_matches_senders_like_send() {
    let _ = ROBUST_FILTERED
        .connect_with(ConnectOptions::new().sender(Sender::named("a")), || "a")
        .unwrap();
    let _ = ROBUST_FILTERED.connect(|| "any").unwrap();
    let ok = |responses: Vec<signals::RobustResponse<&'static str>>| {
        responses
            .into_iter()
            .map(Result::unwrap)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ok(ROBUST_FILTERED.send_robust(Sender::named("a"), &0)),
        vec!["a", "any"]
    );
    assert_eq!(
        ok(ROBUST_FILTERED.send_robust(Sender::NONE, &0)),
        vec!["any"]
    );
}
