//! Snapshot dispatch: what a send sees when receivers connect, disconnect or
//! send while it runs (DJANGO-RULES rules 28 and 49).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::thread;

use signals::{Connection, Sender, receiver, signal};

signal! {
    static CONNECT_DURING_SEND: u32 => &'static str;
    static SELF_DISCONNECT: u32 => &'static str;
    static DISCONNECT_LATER_ONE: u32 => &'static str;
    static DISCONNECT_STATIC_DURING_SEND: u32 => &'static str;
    static RECURSIVE: u32 => u32;
    static OUTER: u32 => u32;
    static INNER: u32 => u32;
    static OTHER_THREAD: u32 => &'static str;
    static ASYNC_SNAPSHOT: u32 => &'static str;
    static API_INSIDE_RECEIVER: u32 => usize;
}

// Rule 28: a receiver connected during a send is not called by that send,
// but is by the next one; connecting from a receiver does not deadlock.
#[test]
fn receiver_connected_during_send_runs_from_the_next_send() {
    let connected = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&connected);
    let _ = CONNECT_DURING_SEND
        .connect(move || {
            if count.fetch_add(1, Ordering::SeqCst) == 0 {
                let _ = CONNECT_DURING_SEND.connect(|| "late").unwrap();
            }
            "connector"
        })
        .unwrap();
    assert_eq!(
        CONNECT_DURING_SEND.send(Sender::NONE, &0),
        vec!["connector"]
    );
    assert_eq!(
        CONNECT_DURING_SEND.send(Sender::NONE, &0),
        vec!["connector", "late"]
    );
}

// Rule 28 (Django's `test_disconnect_in_dispatch`): receivers that
// disconnect themselves still run in the current send, and the signal has no
// receivers afterwards.
#[test]
fn self_disconnecting_receivers_run_in_the_current_send() {
    let handles: Arc<Mutex<Vec<Connection<'static, SELF_DISCONNECT>>>> = Arc::default();
    for label in ["first", "second"] {
        let slot = Arc::new(OnceLock::<Connection<'static, SELF_DISCONNECT>>::new());
        let me = Arc::clone(&slot);
        let conn = SELF_DISCONNECT
            .connect(move || {
                assert!(me.get().expect("handle stored before send").disconnect());
                label
            })
            .unwrap();
        slot.set(conn).unwrap();
        handles.lock().unwrap().push(conn);
    }
    assert_eq!(
        SELF_DISCONNECT.send(Sender::NONE, &0),
        vec!["first", "second"]
    );
    assert!(SELF_DISCONNECT.receivers().is_empty());
    assert!(SELF_DISCONNECT.send(Sender::NONE, &0).is_empty());
    assert!(handles.lock().unwrap().iter().all(|c| !c.is_connected()));
}

// Rule 28: a receiver disconnected by an earlier receiver of the same send
// still runs in it.
#[test]
fn receiver_disconnected_by_an_earlier_one_still_runs() {
    let later: Arc<OnceLock<Connection<'static, DISCONNECT_LATER_ONE>>> = Arc::default();
    let target = Arc::clone(&later);
    let _ = DISCONNECT_LATER_ONE
        .connect(move || {
            if let Some(conn) = target.get() {
                conn.disconnect();
            }
            "disconnector"
        })
        .unwrap();
    later
        .set(DISCONNECT_LATER_ONE.connect(|| "victim").unwrap())
        .unwrap();
    assert_eq!(
        DISCONNECT_LATER_ONE.send(Sender::NONE, &0),
        vec!["disconnector", "victim"]
    );
    assert_eq!(
        DISCONNECT_LATER_ONE.send(Sender::NONE, &0),
        vec!["disconnector"]
    );
}

// Rule 28 on a signal whose receivers are still exactly its static ones
// (the send reads the static table): disconnecting a later static receiver
// mid-send does not stop it in this send.
#[receiver(DISCONNECT_STATIC_DURING_SEND)]
fn static_disconnector(_: &u32) -> &'static str {
    DISCONNECT_STATIC_DURING_SEND
        .disconnect_receiver(static_victim, None)
        .unwrap();
    "disconnector"
}

#[receiver(DISCONNECT_STATIC_DURING_SEND)]
fn static_victim(_: &u32) -> &'static str {
    "victim"
}

#[test]
fn static_receiver_disconnected_during_send_still_runs() {
    assert_eq!(
        DISCONNECT_STATIC_DURING_SEND.send(Sender::NONE, &0),
        vec!["disconnector", "victim"]
    );
    assert_eq!(
        DISCONNECT_STATIC_DURING_SEND.send(Sender::NONE, &0),
        vec!["disconnector"]
    );
}

// Rule 28: a receiver may send the same signal recursively; no lock is
// held, so nothing deadlocks.
#[test]
fn recursive_send_of_the_same_signal() {
    let _ = RECURSIVE
        .connect(|sender: Sender, depth: &u32| {
            if *depth == 0 {
                0
            } else {
                1 + RECURSIVE.send(sender, &(depth - 1))[0]
            }
        })
        .unwrap();
    assert_eq!(RECURSIVE.send(Sender::NONE, &20), vec![20]);
}

// Rule 28: a receiver may send another signal, which may connect to the
// first one while it is being sent.
#[test]
fn receiver_sends_another_signal() {
    let _ = INNER.connect(|n: &u32| n * 2).unwrap();
    let _ = OUTER
        .connect(|sender: Sender, n: &u32| -> u32 {
            let _ = OUTER.connect(|| 0);
            INNER.send(sender, n).iter().sum()
        })
        .unwrap();
    assert_eq!(OUTER.send(Sender::NONE, &21), vec![42]);
    assert_eq!(OUTER.send(Sender::NONE, &21), vec![42, 0]);
}

// Rule 49: connects and disconnects from other threads while a send runs
// are safe and not seen by that send.
#[test]
fn other_threads_mutate_while_a_send_runs() {
    let inside = Arc::new(Barrier::new(2));
    let resume = Arc::new(Barrier::new(2));
    let (i, r) = (Arc::clone(&inside), Arc::clone(&resume));
    let _ = OTHER_THREAD
        .connect(move |_, first: &u32| {
            if *first == 1 {
                i.wait();
                r.wait();
            }
            "blocking"
        })
        .unwrap();
    let doomed = OTHER_THREAD.connect(|| "doomed").unwrap();
    let sending = thread::spawn(|| OTHER_THREAD.send(Sender::NONE, &1));
    inside.wait();
    // The send is inside its first receiver now.
    let _ = OTHER_THREAD.connect(|| "new").unwrap();
    assert!(doomed.disconnect());
    resume.wait();
    assert_eq!(sending.join().unwrap(), vec!["blocking", "doomed"]);
    assert_eq!(OTHER_THREAD.send(Sender::NONE, &0), vec!["blocking", "new"]);
}

// Rule 28 for `asend`: the snapshot is taken when the send begins; async
// receivers connected by a sync receiver of the same send do not run.
#[test]
fn asend_uses_the_snapshot_taken_at_start() {
    let _ = ASYNC_SNAPSHOT
        .connect(|| {
            let _ = ASYNC_SNAPSHOT.connect_async(|_, _| Box::pin(async { "late" }));
            "sync"
        })
        .unwrap();
    let _ = ASYNC_SNAPSHOT
        .connect_async(|_, _| Box::pin(async { "async" }))
        .unwrap();
    assert_eq!(
        futures::executor::block_on(ASYNC_SNAPSHOT.asend(Sender::NONE, &0)),
        vec!["sync", "async"]
    );
    assert_eq!(
        futures::executor::block_on(ASYNC_SNAPSHOT.asend(Sender::NONE, &0)),
        vec!["sync", "async", "late"]
    );
}

#[receiver(API_INSIDE_RECEIVER)]
fn static_inspector(_: &u32) -> usize {
    API_INSIDE_RECEIVER.receivers().len()
}

// Rule 28: no lock is held while receivers run, so a receiver may use any
// method of the signal it is called by, including on the very first send,
// which resolves the static receivers.
#[test]
fn receivers_may_call_every_signal_method() {
    let seen = API_INSIDE_RECEIVER.send(Sender::NONE, &0);
    assert_eq!(seen, vec![1]);
    let _ = API_INSIDE_RECEIVER
        .connect(|sender: Sender, depth: &u32| {
            if *depth > 0 {
                return 0;
            }
            let owner = Arc::new(());
            let weak = API_INSIDE_RECEIVER
                .connect_weak(&owner, |_: &(), _, _| 0)
                .unwrap();
            assert!(API_INSIDE_RECEIVER.has_listeners(sender));
            assert!(API_INSIDE_RECEIVER.duplicates().is_empty());
            let count = API_INSIDE_RECEIVER.receivers_for(sender).len();
            assert!(weak.disconnect());
            assert_eq!(
                API_INSIDE_RECEIVER.disconnect_uid("absent", None),
                Ok(false)
            );
            // Nested: the static receiver counts itself and this one; this
            // one returns 0 at depth 1.
            let robust = API_INSIDE_RECEIVER.send_robust(Sender::named("nested"), &1);
            assert_eq!(robust, vec![Ok(2), Ok(0)]);
            count
        })
        .unwrap();
    // The static receiver counts two receivers; the runtime one saw three in
    // its bucket: the static one, itself and the weak one it connected.
    assert_eq!(API_INSIDE_RECEIVER.send(Sender::NONE, &0), vec![2, 3]);
}
