//! The order receivers run in and responses come back in (DJANGO-RULES rules
//! 8, 24, 42 and 44; DESIGN "Semantics" 3 adds priority and the static order).

use std::sync::{Arc, Mutex};

use signals::{ConnectOptions, Origin, Sender, receiver, signal};
use tokio::sync::Notify;

signal! {
    static CONNECT_ORDER: u32 => u32;
    static PRIORITY: u32 => &'static str;
    static STATIC_MODULE_LINE: u32 => &'static str;
    static STATIC_THEN_RUNTIME: u32 => &'static str;
    static STATIC_PRIORITY: u32 => &'static str;
    static SYNC_BEFORE_ASYNC: u32 => &'static str;
    static ASYNC_PRIORITY: u32 => &'static str;
    static RESPONSE_ORDER: u32 => &'static str;
    static INTROSPECTION_ORDER: u32 => &'static str;
    static PRIORITY_EXTREMES: u32 => i32;
}

// Declared first in the file, but `zeta` sorts after `alpha`: the static
// order follows module path, then line, never the order of declaration or
// linking.
mod zeta {
    use super::*;

    #[receiver(STATIC_MODULE_LINE)]
    fn zeta_receiver(_: &u32) -> &'static str {
        "zeta"
    }

    #[receiver(STATIC_PRIORITY)]
    fn zeta_low(_: &u32) -> &'static str {
        "zeta-0"
    }

    #[receiver(STATIC_PRIORITY, priority = 3)]
    fn zeta_high(_: &u32) -> &'static str {
        "zeta-3"
    }
}

mod alpha {
    use super::*;

    #[receiver(STATIC_MODULE_LINE)]
    fn alpha_earlier(_: &u32) -> &'static str {
        "alpha-earlier"
    }

    #[receiver(STATIC_MODULE_LINE)]
    fn alpha_later(_: &u32) -> &'static str {
        "alpha-later"
    }

    #[receiver(STATIC_PRIORITY)]
    fn alpha_low(_: &u32) -> &'static str {
        "alpha-0"
    }

    #[receiver(STATIC_THEN_RUNTIME)]
    fn static_one(_: &u32) -> &'static str {
        "static"
    }

    #[receiver(INTROSPECTION_ORDER)]
    fn static_sync(_: &u32) -> &'static str {
        "static"
    }
}

// Rule 8: runtime receivers run in connect order; a new one goes last.
#[test]
fn runtime_receivers_run_in_connect_order() {
    for i in 0..10u32 {
        let _ = CONNECT_ORDER.connect(move |n: &u32| n + i).unwrap();
    }
    assert_eq!(
        CONNECT_ORDER.send(Sender::NONE, &100),
        (100..110).collect::<Vec<_>>()
    );
}

// DESIGN "Semantics" 3 (an extension over Django, rule 57): higher priority
// first, negatives allowed, ties in connect order.
#[test]
fn higher_priority_runs_first() {
    let with = |p| ConnectOptions::new().priority(p);
    let _ = PRIORITY.connect_with(with(0), || "0").unwrap();
    let _ = PRIORITY.connect_with(with(5), || "5a").unwrap();
    let _ = PRIORITY.connect_with(with(-1), || "-1").unwrap();
    let _ = PRIORITY.connect_with(with(5), || "5b").unwrap();
    let _ = PRIORITY.connect_with(with(10), || "10").unwrap();
    let _ = PRIORITY.connect(|| "default").unwrap();
    assert_eq!(
        PRIORITY.send(Sender::NONE, &0),
        vec!["10", "5a", "5b", "0", "default", "-1"]
    );
}

// DESIGN "Semantics" 3: static receivers are ordered by module path, then
// line, so the order does not depend on link order.
#[test]
fn static_receivers_run_by_module_then_line() {
    assert_eq!(
        STATIC_MODULE_LINE.send(Sender::NONE, &0),
        vec!["alpha-earlier", "alpha-later", "zeta"]
    );
    // The order is stable from send to send.
    assert_eq!(
        STATIC_MODULE_LINE.send(Sender::NONE, &0),
        vec!["alpha-earlier", "alpha-later", "zeta"]
    );
}

// DESIGN "Semantics" 3: priority comes before the module order.
#[test]
fn static_priority_beats_module_order() {
    assert_eq!(
        STATIC_PRIORITY.send(Sender::NONE, &0),
        vec!["zeta-3", "alpha-0", "zeta-0"]
    );
}

// DESIGN "Semantics" 3: at equal priority static receivers run before
// runtime ones, whatever was connected first; a runtime receiver with a
// higher priority runs before them.
#[test]
fn static_before_runtime_at_equal_priority() {
    let _ = STATIC_THEN_RUNTIME.connect(|| "runtime").unwrap();
    let _ = STATIC_THEN_RUNTIME
        .connect_with(ConnectOptions::new().priority(1), || "runtime-high")
        .unwrap();
    let _ = STATIC_THEN_RUNTIME
        .connect_with(ConnectOptions::new().priority(-1), || "runtime-low")
        .unwrap();
    assert_eq!(
        STATIC_THEN_RUNTIME.send(Sender::NONE, &0),
        vec!["runtime-high", "static", "runtime", "runtime-low"]
    );
}

/// Records a label when a receiver starts.
fn recorder() -> (Arc<Mutex<Vec<&'static str>>>, impl Fn(&'static str) + Clone) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let push = {
        let log = Arc::clone(&log);
        move |label| log.lock().unwrap().push(label)
    };
    (log, push)
}

// Rules 24/42: sync receivers run first in their order, then async ones;
// connect order [a1, s1, a2, s2] gives calls and responses [s1, s2, a1, a2].
#[test]
fn sync_receivers_run_before_async_ones() {
    let (log, push) = recorder();
    let p = push.clone();
    let _ = SYNC_BEFORE_ASYNC
        .connect_async(move |_, _| {
            let p = p.clone();
            Box::pin(async move {
                p("a1");
                "a1"
            })
        })
        .unwrap();
    let p = push.clone();
    let _ = SYNC_BEFORE_ASYNC
        .connect(move || {
            p("s1");
            "s1"
        })
        .unwrap();
    let p = push.clone();
    let _ = SYNC_BEFORE_ASYNC
        .connect_async(move |_, _| {
            let p = p.clone();
            Box::pin(async move {
                p("a2");
                "a2"
            })
        })
        .unwrap();
    let p = push;
    let _ = SYNC_BEFORE_ASYNC
        .connect(move || {
            p("s2");
            "s2"
        })
        .unwrap();
    let expected = vec!["s1", "s2", "a1", "a2"];
    assert_eq!(SYNC_BEFORE_ASYNC.send(Sender::NONE, &0), expected);
    assert_eq!(*log.lock().unwrap(), expected);
    log.lock().unwrap().clear();
    // Rules 30/36: the other send methods use the same order.
    let robust: Vec<_> = SYNC_BEFORE_ASYNC
        .send_robust(Sender::NONE, &0)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(robust, expected);
    assert_eq!(
        futures::executor::block_on(SYNC_BEFORE_ASYNC.asend(Sender::NONE, &0)),
        expected
    );
    let arobust: Vec<_> =
        futures::executor::block_on(SYNC_BEFORE_ASYNC.asend_robust(Sender::NONE, &0))
            .into_iter()
            .map(Result::unwrap)
            .collect();
    assert_eq!(arobust, expected);
    assert_eq!(*log.lock().unwrap(), [&expected[..]; 3].concat());
}

// Rule 42 with priorities: sync still comes first; priority orders each group.
#[test]
fn priority_orders_within_sync_and_async_groups() {
    let with = |p| ConnectOptions::new().priority(p);
    let _ = ASYNC_PRIORITY
        .connect_async_with(with(0), |_, _| Box::pin(async { "async-0" }))
        .unwrap();
    let _ = ASYNC_PRIORITY
        .connect_async_with(with(10), |_, _| Box::pin(async { "async-10" }))
        .unwrap();
    let _ = ASYNC_PRIORITY.connect_with(with(-5), || "sync--5").unwrap();
    let _ = ASYNC_PRIORITY.connect_with(with(1), || "sync-1").unwrap();
    assert_eq!(
        ASYNC_PRIORITY.send(Sender::NONE, &0),
        vec!["sync-1", "sync--5", "async-10", "async-0"]
    );
}

// Rules 24/44: async receivers may finish in any order, but responses come
// back in dispatch order, not completion order. Here the first async
// receiver cannot finish before the second one has.
#[test]
fn async_responses_follow_dispatch_order_not_completion() {
    let (done, push) = recorder();
    let second_done = Arc::new(Notify::new());
    let (p, wait) = (push.clone(), Arc::clone(&second_done));
    let _ = RESPONSE_ORDER
        .connect_async(move |_, _| {
            let (p, wait) = (p.clone(), Arc::clone(&wait));
            Box::pin(async move {
                wait.notified().await;
                p("first");
                "first"
            })
        })
        .unwrap();
    let (p, notify) = (push, Arc::clone(&second_done));
    let _ = RESPONSE_ORDER
        .connect_async(move |_, _| {
            let (p, notify) = (p.clone(), Arc::clone(&notify));
            Box::pin(async move {
                p("second");
                notify.notify_one();
                "second"
            })
        })
        .unwrap();
    assert_eq!(
        RESPONSE_ORDER.send(Sender::NONE, &0),
        vec!["first", "second"]
    );
    assert_eq!(*done.lock().unwrap(), vec!["second", "first"]);
}

// `receivers()` lists every receiver in dispatch order (priority, static
// before runtime); `receivers_for()` lists them in call order, sync first.
#[test]
fn introspection_reports_dispatch_order() {
    let _ = INTROSPECTION_ORDER
        .connect_async_with(
            ConnectOptions::new().name("async-high").priority(9),
            |_, _| Box::pin(async { "async-high" }),
        )
        .unwrap();
    let _ = INTROSPECTION_ORDER
        .connect_with(ConnectOptions::new().name("sync-low"), || "sync-low")
        .unwrap();
    let names = |infos: Vec<signals::ReceiverInfo>| {
        infos
            .into_iter()
            .map(|i| (i.name.into_owned(), i.origin))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(INTROSPECTION_ORDER.receivers()),
        vec![
            ("async-high".to_owned(), Origin::Runtime),
            ("static_sync".to_owned(), Origin::Static),
            ("sync-low".to_owned(), Origin::Runtime),
        ]
    );
    assert_eq!(
        names(INTROSPECTION_ORDER.receivers_for(Sender::NONE)),
        vec![
            ("static_sync".to_owned(), Origin::Static),
            ("sync-low".to_owned(), Origin::Runtime),
            ("async-high".to_owned(), Origin::Runtime),
        ]
    );
    assert_eq!(
        INTROSPECTION_ORDER.send(Sender::NONE, &0),
        vec!["static", "sync-low", "async-high"]
    );
}

// DESIGN "Semantics" 3: the whole `i32` range orders correctly (no overflow
// at the extremes).
#[test]
fn priority_extremes() {
    for priority in [0, i32::MIN, i32::MAX, -1, 1] {
        let _ = PRIORITY_EXTREMES
            .connect_with(ConnectOptions::new().priority(priority), move || priority)
            .unwrap();
    }
    assert_eq!(
        PRIORITY_EXTREMES.send(Sender::NONE, &0),
        vec![i32::MAX, 1, 0, -1, i32::MIN]
    );
}
