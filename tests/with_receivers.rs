//! `Signal::with_receivers`: every response paired with the receiver that
//! gave it (Django's `send` returns `[(receiver, response)]`), for the four
//! sends, taken from the snapshot the send used.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex, Once};
use std::thread;
use std::time::Duration;

use signals::builtin::{PostSave, post_save};
use signals::models::{self, Model, SaveOptions, Saved};
use signals::testing::{self, Select};
use signals::{Answer, ConnectOptions, ReceiverInfo, Sender, receiver, signal};

#[path = "support/watchdog.rs"]
mod watchdog;

use watchdog::watchdog;

signal! {
    static MIXED: u32 => String;
    static IDENTITY: u32 => u32;
    static CHECK_ORDER: u32 => Result<(), &'static str>;
    static ROBUST: u32 => u32;
    static CONNECT_INSIDE: u32 => &'static str;
    static CONNECT_OTHER_THREAD: u32 => &'static str;
    static WEAK: u32 => &'static str;
    static MUTED: u32 => &'static str;
    static MUTED_HERE: u32 => &'static str;
    static NOBODY: u32 => u32;
    static HELD: u32 => u32;
}

/// The receivers' names, in the order of the pairs.
fn names<R>(answers: &[Answer<R>]) -> Vec<String> {
    answers.iter().map(|(r, _)| r.name.to_string()).collect()
}

/// The responses, in the order of the pairs.
fn responses<R: Clone>(answers: &[Answer<R>]) -> Vec<R> {
    answers
        .iter()
        .map(|(_, response)| response.clone())
        .collect()
}

struct Billing;

#[receiver(MIXED, priority = 5)]
fn first_static(n: &u32) -> String {
    format!("first_static {n}")
}

#[receiver(MIXED)]
async fn async_static(n: &u32) -> String {
    format!("async_static {n}")
}

#[receiver(MIXED, sender = Billing)]
fn billing_only(n: &u32) -> String {
    format!("billing_only {n}")
}

/// Connects, in this order, an async runtime receiver, a sync one, another
/// async one and another sync one (Django's rule 24 example), once for all
/// the tests that send `MIXED`.
fn connect_mixed() {
    static CONNECTED: Once = Once::new();
    CONNECTED.call_once(connect_mixed_now);
}

fn connect_mixed_now() {
    let named = |name: &'static str| ConnectOptions::new().name(name);
    let _ = MIXED
        .connect_async_with(named("a1"), |_, n: &u32| {
            let n = *n;
            Box::pin(async move { format!("a1 {n}") })
        })
        .unwrap();
    let _ = MIXED
        .connect_with(named("s1"), |_, n: &u32| format!("s1 {n}"))
        .unwrap();
    let _ = MIXED
        .connect_async_with(named("a2"), |_, n: &u32| {
            let n = *n;
            Box::pin(async move { format!("a2 {n}") })
        })
        .unwrap();
    let _ = MIXED
        .connect_with(named("s2"), |_, n: &u32| format!("s2 {n}"))
        .unwrap();
}

// The pairs come in the order of the plain send's responses: sync receivers
// by priority then static before runtime, then async receivers in the same
// order; a filtered receiver only for its sender. Same for the four sends.
#[test]
fn pairs_follow_the_order_of_the_plain_send() {
    connect_mixed();
    let sync_then_async = ["first_static", "s1", "s2", "async_static", "a1", "a2"];
    let from_billing = [
        "first_static",
        "billing_only",
        "s1",
        "s2",
        "async_static",
        "a1",
        "a2",
    ];
    for (sender, expected) in [
        (Sender::NONE, &sync_then_async[..]),
        (Sender::of::<Billing>(), &from_billing[..]),
    ] {
        let plain = MIXED.send(sender, &3);
        let paired = MIXED.with_receivers().send(sender, &3);
        assert_eq!(names(&paired), expected);
        assert_eq!(responses(&paired), plain);
        assert!(
            paired
                .iter()
                .all(|(r, response)| response.starts_with(&*r.name))
        );

        let robust = MIXED.with_receivers().send_robust(sender, &3);
        assert_eq!(names(&robust), expected);
        let robust: Vec<String> = robust.into_iter().map(|(_, o)| o.unwrap()).collect();
        assert_eq!(robust, plain);

        let asent = futures::executor::block_on(MIXED.with_receivers().asend(sender, &3));
        assert_eq!(names(&asent), expected);
        assert_eq!(
            responses(&asent),
            futures::executor::block_on(MIXED.asend(sender, &3))
        );

        let arobust = futures::executor::block_on(MIXED.with_receivers().asend_robust(sender, &3));
        assert_eq!(names(&arobust), expected);
        let arobust: Vec<String> = arobust.into_iter().map(|(_, o)| o.unwrap()).collect();
        assert_eq!(arobust, plain);
    }
}

#[receiver(IDENTITY, dispatch_uid = "audit", priority = 2, sender = Billing)]
fn audit(n: &u32) -> u32 {
    n + 1
}

// Each pair carries the receiver's full description (name, place, uid,
// sender filter, priority, kind, origin), the same one introspection gives.
#[test]
fn each_response_carries_its_receivers_description() {
    let line = line!() + 2;
    let _ = IDENTITY
        .connect_with(
            ConnectOptions::new().name("doubler").dispatch_uid("x2"),
            |_, n: &u32| n * 2,
        )
        .unwrap();
    let answers = IDENTITY.with_receivers().send(Sender::of::<Billing>(), &10);
    assert_eq!(responses(&answers), [11, 20]);

    let (audit, _) = &answers[0];
    assert_eq!(audit.name, "audit");
    assert_eq!(audit.module_path, module_path!());
    assert_eq!(audit.file, file!());
    assert_eq!(audit.dispatch_uid.as_deref(), Some("audit"));
    assert_eq!(audit.sender, Some(Sender::of::<Billing>()));
    assert_eq!(audit.priority, 2);
    assert_eq!(audit.origin, signals::Origin::Static);

    let (doubler, _) = &answers[1];
    assert_eq!(doubler.name, "doubler");
    assert_eq!(doubler.file, file!());
    assert_eq!(doubler.line, line);
    assert_eq!(doubler.dispatch_uid.as_deref(), Some("x2"));
    assert_eq!(doubler.sender, None);
    assert_eq!(doubler.origin, signals::Origin::Runtime);

    let described: Vec<ReceiverInfo> = answers
        .iter()
        .map(|(r, _)| ReceiverInfo::clone(r))
        .collect();
    assert_eq!(described, IDENTITY.receivers_for(Sender::of::<Billing>()));
    // A send from no sender does not reach the filtered receiver.
    assert_eq!(
        names(&IDENTITY.with_receivers().send(Sender::NONE, &10)),
        ["doubler"]
    );
}

// The use case of the issue: which receiver vetoed the order.
#[test]
fn a_veto_names_the_receiver_that_gave_it() {
    let named = |name: &'static str| ConnectOptions::new().name(name);
    let _ = CHECK_ORDER
        .connect_with(named("stock"), |_, _: &u32| Ok(()))
        .unwrap();
    let _ = CHECK_ORDER
        .connect_with(named("credit limit"), |_, total: &u32| {
            if *total > 100 {
                Err("over the limit")
            } else {
                Ok(())
            }
        })
        .unwrap();
    let _ = CHECK_ORDER
        .connect_with(named("fraud"), |_, total: &u32| {
            if *total == 666 {
                Err("suspicious")
            } else {
                Ok(())
            }
        })
        .unwrap();
    let vetoes = |total| -> Vec<(String, &'static str)> {
        CHECK_ORDER
            .with_receivers()
            .send(Sender::NONE, &total)
            .into_iter()
            .filter_map(|(receiver, answer)| Some((receiver.name.to_string(), answer.err()?)))
            .collect()
    };
    assert_eq!(vetoes(50), []);
    assert_eq!(vetoes(120), [("credit limit".to_owned(), "over the limit")]);
    assert_eq!(
        vetoes(666),
        [
            ("credit limit".to_owned(), "over the limit"),
            ("fraud".to_owned(), "suspicious")
        ]
    );
}

#[receiver(ROBUST, priority = 1)]
fn static_panics(_: &u32) -> u32 {
    panic!("static receiver failed")
}

// A robust send's error names the same receiver its pair does, for sync
// receivers (fast and slot paths), async receivers that panic while creating
// their future and async receivers that panic while running.
#[test]
fn robust_failures_are_paired_with_the_receiver_the_error_names() {
    let named = |name: &'static str| ConnectOptions::new().name(name);
    let _ = ROBUST
        .connect_with(named("ok"), |_, n: &u32| n + 1)
        .unwrap();
    let _ = ROBUST
        .connect_with(named("sync panic"), |_, _: &u32| -> u32 {
            panic!("sync failed")
        })
        .unwrap();
    let _ = ROBUST
        .connect_async_with(named("panics creating"), |_, _: &u32| {
            panic!("creating failed")
        })
        .unwrap();
    let _ = ROBUST
        .connect_async_with(named("panics running"), |_, _: &u32| {
            Box::pin(async { panic!("running failed") })
        })
        .unwrap();
    let _ = ROBUST
        .connect_async_with(named("async ok"), |_, n: &u32| {
            let n = *n;
            Box::pin(async move { n + 2 })
        })
        .unwrap();
    let expected = [
        ("static_panics", Err("static receiver failed")),
        ("ok", Ok(11)),
        ("sync panic", Err("sync failed")),
        ("panics creating", Err("creating failed")),
        ("panics running", Err("running failed")),
        ("async ok", Ok(12)),
    ];
    let check = |outcomes: Vec<Answer<signals::RobustResponse<u32>>>| {
        assert_eq!(outcomes.len(), expected.len());
        for ((receiver, outcome), (name, want)) in outcomes.iter().zip(expected) {
            assert_eq!(receiver.name, name);
            match (outcome, want) {
                (Ok(got), Ok(want)) => assert_eq!(*got, want),
                (Err(error), Err(message)) => {
                    assert_eq!(error.receiver(), &**receiver);
                    assert!(error.message().contains(message), "{}", error.message());
                }
                (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
            }
        }
    };
    check(ROBUST.with_receivers().send_robust(Sender::NONE, &10));
    check(futures::executor::block_on(
        ROBUST.with_receivers().asend_robust(Sender::NONE, &10),
    ));
}

// Snapshot: a receiver connected from inside the send is not paired in it,
// but is in the next one.
#[test]
fn a_receiver_connected_during_the_send_is_not_in_its_pairs() {
    let connected = Arc::new(AtomicBool::new(false));
    let once = Arc::clone(&connected);
    let _ = CONNECT_INSIDE
        .connect_with(
            ConnectOptions::new().name("connector"),
            move |_, _: &u32| {
                if !once.swap(true, Ordering::SeqCst) {
                    let _ = CONNECT_INSIDE
                        .connect_with(ConnectOptions::new().name("late"), |_, _: &u32| "late")
                        .unwrap();
                }
                "connector"
            },
        )
        .unwrap();
    assert_eq!(
        names(&CONNECT_INSIDE.with_receivers().send(Sender::NONE, &0)),
        ["connector"]
    );
    assert_eq!(
        names(&CONNECT_INSIDE.with_receivers().send(Sender::NONE, &0)),
        ["connector", "late"]
    );
}

// Snapshot under concurrency: while a send from another thread is inside
// its first receiver, this thread connects one receiver and disconnects
// another; the send's pairs are those of the table it began with.
#[test]
fn a_receiver_connected_by_another_thread_is_not_in_the_pairs() {
    let _watchdog = watchdog(
        "connect while another thread sends",
        Duration::from_secs(30),
    );
    let inside = Arc::new(Barrier::new(2));
    let resume = Arc::new(Barrier::new(2));
    let (i, r) = (Arc::clone(&inside), Arc::clone(&resume));
    let _ = CONNECT_OTHER_THREAD
        .connect_with(
            ConnectOptions::new().name("blocking"),
            move |_, first: &u32| {
                if *first == 1 {
                    i.wait();
                    r.wait();
                }
                "blocking"
            },
        )
        .unwrap();
    let doomed = CONNECT_OTHER_THREAD
        .connect_with(ConnectOptions::new().name("doomed"), |_, _: &u32| "doomed")
        .unwrap();
    let sending = thread::spawn(|| CONNECT_OTHER_THREAD.with_receivers().send(Sender::NONE, &1));
    inside.wait();
    let _ = CONNECT_OTHER_THREAD
        .connect_with(ConnectOptions::new().name("new"), |_, _: &u32| "new")
        .unwrap();
    assert!(doomed.disconnect());
    resume.wait();
    let during = sending.join().unwrap();
    assert_eq!(names(&during), ["blocking", "doomed"]);
    assert_eq!(responses(&during), ["blocking", "doomed"]);
    let after = CONNECT_OTHER_THREAD.with_receivers().send(Sender::NONE, &0);
    assert_eq!(names(&after), ["blocking", "new"]);
}

// A weak receiver whose owner is gone gives no response, so it has no pair:
// whether the owner died before the send or during it (dropped by an
// earlier receiver of the same send).
#[test]
fn weak_receivers_whose_owner_died_are_absent() {
    let owner = Arc::new("owner");
    let holder = Arc::new(Mutex::new(Some(Arc::clone(&owner))));
    let drop_it = Arc::new(AtomicBool::new(false));
    let (h, d) = (Arc::clone(&holder), Arc::clone(&drop_it));
    let _ = WEAK
        .connect_with(
            ConnectOptions::new().name("dropper").priority(1),
            move |_, _: &u32| {
                if d.load(Ordering::SeqCst) {
                    h.lock().unwrap().take();
                }
                "dropper"
            },
        )
        .unwrap();
    let _ = WEAK
        .connect_weak_with(
            ConnectOptions::new().name("weak"),
            &owner,
            |owner: &&str, _, _: &u32| *owner,
        )
        .unwrap();
    drop(owner);
    assert_eq!(
        names(&WEAK.with_receivers().send(Sender::NONE, &0)),
        ["dropper", "weak"]
    );
    drop_it.store(true, Ordering::SeqCst);
    // The last owner goes inside the send, before the weak receiver's turn.
    let answers = WEAK.with_receivers().send(Sender::NONE, &0);
    assert_eq!(names(&answers), ["dropper"]);
    assert_eq!(responses(&answers), WEAK.send(Sender::NONE, &0));
    let robust = WEAK.with_receivers().send_robust(Sender::NONE, &0);
    assert_eq!(names(&robust), ["dropper"]);
}

// Muted receivers give no response: absent from the pairs, on every thread
// or only on the muting thread.
#[test]
fn muted_receivers_are_absent() {
    let named = |name: &'static str| ConnectOptions::new().name(name);
    let _ = MUTED
        .connect_with(named("loud"), |_, _: &u32| "loud")
        .unwrap();
    let _ = MUTED
        .connect_with(named("quiet"), |_, _: &u32| "quiet")
        .unwrap();
    {
        let _mute = testing::muted_receivers(&MUTED, [Select::name("quiet")]).unwrap();
        assert_eq!(
            names(&MUTED.with_receivers().send(Sender::NONE, &0)),
            ["loud"]
        );
        let asent = futures::executor::block_on(MUTED.with_receivers().asend(Sender::NONE, &0));
        assert_eq!(names(&asent), ["loud"]);
    }
    assert_eq!(
        names(&MUTED.with_receivers().send(Sender::NONE, &0)),
        ["loud", "quiet"]
    );

    let _ = MUTED_HERE
        .connect_with(named("loud"), |_, _: &u32| "loud")
        .unwrap();
    let _ = MUTED_HERE
        .connect_with(named("quiet"), |_, _: &u32| "quiet")
        .unwrap();
    let _mute =
        testing::muted_receivers_on_this_thread(&MUTED_HERE, [Select::name("quiet")]).unwrap();
    assert_eq!(
        names(&MUTED_HERE.with_receivers().send(Sender::NONE, &0)),
        ["loud"]
    );
    let elsewhere = thread::spawn(|| MUTED_HERE.with_receivers().send(Sender::NONE, &0))
        .join()
        .unwrap();
    assert_eq!(names(&elsewhere), ["loud", "quiet"]);
}

/// Sets its flag when dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

// A pair's receiver is its description only: holding it after the send does
// not keep the receiver's closure (or what it captures) alive once it is
// disconnected.
#[test]
fn holding_a_pair_does_not_keep_the_receivers_closure_alive() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(Arc::clone(&dropped));
    let connection = HELD
        .connect_with(ConnectOptions::new().name("holder"), move |_, n: &u32| {
            let _keep = &flag;
            n + 1
        })
        .unwrap();
    let answers = HELD.with_receivers().send(Sender::NONE, &1);
    assert!(connection.disconnect());
    assert!(dropped.load(Ordering::SeqCst), "closure still alive");
    let (receiver, response) = &answers[0];
    assert_eq!((&*receiver.name, *response), ("holder", 2));
}

#[test]
fn a_signal_without_receivers_gives_no_pairs() {
    assert!(NOBODY.with_receivers().send(Sender::NONE, &0).is_empty());
    assert!(
        NOBODY
            .with_receivers()
            .send_robust(Sender::NONE, &0)
            .is_empty()
    );
    assert!(
        futures::executor::block_on(NOBODY.with_receivers().asend(Sender::NONE, &0)).is_empty()
    );
}

// The async sends on both tokio runtime flavours; on the multi-thread one
// the task may resume on another worker between the receivers.
async fn asend_pairs_in_dispatch_order() {
    connect_mixed();
    let sends = async {
        let asent = MIXED.with_receivers().asend(Sender::NONE, &8).await;
        let arobust = MIXED.with_receivers().asend_robust(Sender::NONE, &8).await;
        (asent, arobust)
    };
    let (asent, arobust) = tokio::time::timeout(Duration::from_secs(30), sends)
        .await
        .expect("async sends finish");
    let expected = ["first_static", "s1", "s2", "async_static", "a1", "a2"];
    assert_eq!(names(&asent), expected);
    assert_eq!(names(&arobust), expected);
    assert!(
        asent
            .iter()
            .all(|(r, response)| response.starts_with(&*r.name))
    );
}

#[tokio::test]
async fn asend_pairs_on_a_current_thread_runtime() {
    asend_pairs_in_dispatch_order().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asend_pairs_on_a_multi_thread_runtime() {
    asend_pairs_in_dispatch_order().await;
}

// Model signals: typed receivers (`sender = Model`) are paired like any
// other, with their sender filter; a typed receiver of another model is not
// reached. The pairs are taken by a receiver that re-sends the arguments it
// got (model-signal arguments are built only by `signals::models`).

#[derive(Debug)]
struct Book;
impl Model for Book {
    type Pk = u32;
}
struct Author;
impl Model for Author {
    type Pk = u32;
}

#[receiver(post_save, sender = Book)]
fn book_saved(args: &PostSave<Book>) {
    let _: &Book = args.instance;
}

#[receiver(post_save, sender = Book)]
async fn book_saved_later(args: &PostSave<'_, Book>) {
    let _: &Book = args.instance;
}

#[receiver(post_save, sender = Author)]
fn author_saved(args: &PostSave<Author>) {
    let _: &Author = args.instance;
}

#[test]
fn typed_model_receivers_are_paired_with_their_filter() {
    /// A receiver's name and sender filter.
    type Seen = (String, Option<Sender>);
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let resending = Arc::new(AtomicBool::new(false));
    let (log, busy) = (Arc::clone(&seen), Arc::clone(&resending));
    let _probe = post_save
        .connect_with(
            ConnectOptions::new()
                .sender(Sender::of::<Book>())
                .name("probe"),
            move |sender, args: &PostSave| {
                if busy.swap(true, Ordering::SeqCst) {
                    return;
                }
                let answers = post_save.with_receivers().send(sender, args);
                log.lock()
                    .unwrap()
                    .extend(answers.iter().map(|(r, ())| (r.name.to_string(), r.sender)));
            },
        )
        .unwrap()
        .scoped();
    models::save(&mut Book, SaveOptions::new(), |_| {
        Ok::<_, ()>(Saved::Created)
    })
    .unwrap();
    let book = Some(Sender::of::<Book>());
    let seen = seen.lock().unwrap();
    // Other tests of this binary connect nothing to `post_save`, so these
    // are all of the signal's receivers a `Book` reaches.
    assert_eq!(
        *seen,
        [
            ("book_saved".to_owned(), book),
            ("probe".to_owned(), book),
            ("book_saved_later".to_owned(), book),
        ]
    );
}
