//! Concurrent connect / disconnect / scoped guards / weak owners against
//! concurrent `send`, `send_robust` and `asend`, checked against the snapshot
//! rule (DESIGN "Snapshot dispatch").
//!
//! # Bookkeeping
//!
//! Every observable event takes a ticket from one global `SeqCst` counter
//! (`EPOCH`). A receiver records the ticket of each call in its response;
//! a permanent "sentinel" receiver of the highest priority runs first in every
//! send, so the send's snapshot was taken after the send's start ticket `s0`
//! and before the sentinel's ticket `e`. A churned receiver records tickets
//! around its connect (`c0`, `c1`) and around its removal (`d0`, `d1`). Then,
//! for a send whose sender matches the receiver's filter:
//!
//! - `c1 < s0` and `d0 > e`: it was in the snapshot, so it **must** be called
//!   once (even if its removal started during the send);
//! - `c0 > e` (connected after the snapshot) or `d1 < s0` (removed before the
//!   send began): it **must not** be called;
//! - otherwise (the operations overlap) it may be called, at most once.
//!
//! A weak receiver is also skipped once its owner is dead (checked at call
//! time), so "must" needs the owner's drop to start after the send ended
//! (`d0 > s1`), and its `d1` is the ticket taken by the owner's `Drop` itself.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use signals::{ConnectOptions, Connection, Sender, Signal, signal};

signal! {
    /// The stressed signal: carries a send id, every receiver answers
    /// `(receiver id, call ticket)`.
    static STRESSED: u64 => (u64, u64);
}

static EPOCH: AtomicU64 = AtomicU64::new(1);
static NEXT_RECEIVER: AtomicU64 = AtomicU64::new(1);
/// Every receiver call, counted by the receivers themselves.
static CALLS: AtomicUsize = AtomicUsize::new(0);

/// Sends completed, and whether a sender thread has stopped.
static SENDS_DONE: AtomicUsize = AtomicUsize::new(0);
static SENDERS_STOPPED: AtomicBool = AtomicBool::new(false);

/// Waits until a send that began after this call has completed (with
/// `SENDER_THREADS` in flight at most, the next one after that many
/// completions began after us), unless the senders have stopped.
fn await_a_full_send(cycle: usize) {
    if !cycle.is_multiple_of(WAIT_EVERY) {
        return;
    }
    let start = SENDS_DONE.load(SeqCst);
    while SENDS_DONE.load(SeqCst) <= start + SENDER_THREADS && !SENDERS_STOPPED.load(SeqCst) {
        thread::yield_now();
    }
}

fn tick() -> u64 {
    EPOCH.fetch_add(1, SeqCst)
}

const SENTINEL: u64 = 0;
const SENDER_THREADS: usize = 4;
const MIN_SENDS_PER_THREAD: usize = 1_000;
/// A safety cap; normally the churn ends first.
const MAX_SENDS_PER_THREAD: usize = 50_000;
/// Every this many cycles, a churner keeps its receiver until a full send
/// has happened.
const WAIT_EVERY: usize = 4;
const CHURN_CYCLES: usize = 3_000;
const WATCHDOG: Duration = Duration::from_secs(120);

const BILLING: Sender = Sender::named("billing");
const SHOP: Sender = Sender::named("shop");

#[derive(Clone, Copy, Debug)]
struct ReceiverRecord {
    id: u64,
    filter: Option<Sender>,
    weak: bool,
    c0: u64,
    c1: u64,
    d0: u64,
    d1: u64,
}

#[derive(Debug)]
struct SendRecord {
    sender: Sender,
    s0: u64,
    s1: u64,
    /// `(receiver id, call ticket)` in response order.
    responses: Vec<(u64, u64)>,
}

fn answer(id: u64) -> (u64, u64) {
    CALLS.fetch_add(1, SeqCst);
    (id, tick())
}

fn filter_for(i: usize) -> Option<Sender> {
    match i % 3 {
        0 => None,
        1 => Some(BILLING),
        _ => Some(SHOP),
    }
}

fn options(filter: Option<Sender>) -> ConnectOptions {
    match filter {
        Some(sender) => ConnectOptions::new().sender(sender),
        None => ConnectOptions::new(),
    }
}

/// Connects a plain receiver and records its connect interval.
fn connect_plain(
    signal: &'static Signal<STRESSED>,
    i: usize,
) -> (Connection<'static, STRESSED>, ReceiverRecord) {
    let id = NEXT_RECEIVER.fetch_add(1, SeqCst);
    let filter = filter_for(i);
    let mut options = options(filter);
    if i.is_multiple_of(2) {
        options = options.dispatch_uid(format!("stress-{id}"));
    }
    let c0 = tick();
    let connection = signal
        .connect_with(options, move || answer(id))
        .expect("fresh receiver connects");
    let c1 = tick();
    let record = ReceiverRecord {
        id,
        filter,
        weak: false,
        c0,
        c1,
        d0: u64::MAX,
        d1: u64::MAX,
    };
    (connection, record)
}

/// Connects then disconnects receivers, a few alive at a time.
fn churn_connections(signal: &'static Signal<STRESSED>) -> Vec<ReceiverRecord> {
    let mut live: Vec<(Connection<'static, STRESSED>, ReceiverRecord)> = Vec::new();
    let mut done = Vec::new();
    for i in 0..CHURN_CYCLES {
        live.push(connect_plain(signal, i));
        await_a_full_send(i);
        if live.len() > 4 {
            let (connection, mut record) = live.remove(i % live.len());
            record.d0 = tick();
            assert!(connection.disconnect(), "a live connection disconnects");
            record.d1 = tick();
            done.push(record);
        }
        thread::yield_now();
    }
    for (connection, mut record) in live {
        record.d0 = tick();
        assert!(connection.disconnect());
        record.d1 = tick();
        done.push(record);
    }
    done
}

/// Creates scoped guards and drops them.
fn churn_scoped(signal: &'static Signal<STRESSED>) -> Vec<ReceiverRecord> {
    let mut done = Vec::new();
    for i in 0..CHURN_CYCLES {
        let (connection, mut record) = connect_plain(signal, i + 1);
        let guard = connection.scoped();
        await_a_full_send(i);
        record.d0 = tick();
        drop(guard);
        record.d1 = tick();
        done.push(record);
    }
    done
}

/// A weak receiver's owner; its `Drop` records when it really died.
struct Owner {
    id: u64,
    died: Arc<AtomicU64>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.died.store(tick(), SeqCst);
    }
}

/// Connects weak receivers and drops their owners.
fn churn_weak(signal: &'static Signal<STRESSED>) -> Vec<ReceiverRecord> {
    let mut live: Vec<(Arc<Owner>, Arc<AtomicU64>, ReceiverRecord)> = Vec::new();
    let mut done = Vec::new();
    let retire = |(owner, died, mut record): (Arc<Owner>, Arc<AtomicU64>, ReceiverRecord)| {
        record.d0 = tick();
        drop(owner);
        record.d1 = died.load(SeqCst);
        (died, record)
    };
    let mut retired = Vec::new();
    for i in 0..CHURN_CYCLES {
        let id = NEXT_RECEIVER.fetch_add(1, SeqCst);
        let died = Arc::new(AtomicU64::new(0));
        let owner = Arc::new(Owner {
            id,
            died: Arc::clone(&died),
        });
        let filter = filter_for(i + 2);
        let c0 = tick();
        let _connection = signal
            .connect_weak_with(options(filter), &owner, |owner: &Owner, _, _| {
                answer(owner.id)
            })
            .expect("weak receiver connects");
        let c1 = tick();
        let record = ReceiverRecord {
            id,
            filter,
            weak: true,
            c0,
            c1,
            d0: u64::MAX,
            d1: u64::MAX,
        };
        live.push((owner, died, record));
        await_a_full_send(i);
        if live.len() > 3 {
            retired.push(retire(live.remove(0)));
        }
        thread::yield_now();
    }
    for entry in live {
        retired.push(retire(entry));
    }
    for (died, mut record) in retired {
        // A send may still have held the owner when our handle dropped; the
        // owner's `Drop` ticket is the real end of its life.
        let ticket = died.load(SeqCst);
        assert_ne!(ticket, 0, "every owner is dropped by the end");
        record.d1 = ticket;
        done.push(record);
    }
    done
}

/// Sends until the churn is over (and at least `MIN_SENDS_PER_THREAD` times),
/// rotating through `send`, `send_robust` and `asend` and through senders.
fn send_loop(
    signal: &'static Signal<STRESSED>,
    thread_no: usize,
    churn_done: &AtomicBool,
) -> Vec<SendRecord> {
    let mut records = Vec::new();
    for i in 0..MAX_SENDS_PER_THREAD {
        if i >= MIN_SENDS_PER_THREAD && churn_done.load(SeqCst) {
            break;
        }
        let sender = [BILLING, SHOP, Sender::NONE][(i + thread_no) % 3];
        let send_id = (thread_no * MAX_SENDS_PER_THREAD + i) as u64;
        let s0 = tick();
        let responses = match (i + thread_no) % 4 {
            0 | 1 => signal.send(sender, &send_id),
            2 => signal
                .send_robust(sender, &send_id)
                .into_iter()
                .map(|r| r.expect("no receiver panics"))
                .collect(),
            _ => futures::executor::block_on(signal.asend(sender, &send_id)),
        };
        let s1 = tick();
        records.push(SendRecord {
            sender,
            s0,
            s1,
            responses,
        });
        SENDS_DONE.fetch_add(1, SeqCst);
        // Leave the churn threads some CPU on small machines.
        thread::yield_now();
    }
    SENDERS_STOPPED.store(true, SeqCst);
    records
}

fn matches(filter: Option<Sender>, sender: Sender) -> bool {
    filter.is_none_or(|f| f == sender)
}

/// Checks every send against the receiver records; returns how many
/// "must be called" verdicts were exercised.
fn check(sends: &mut [SendRecord], receivers: &[ReceiverRecord]) -> usize {
    let by_id: HashMap<u64, &ReceiverRecord> = receivers.iter().map(|r| (r.id, r)).collect();
    let mut total = 0;
    // Who was called: nobody twice, nobody who could not have been.
    for send in sends.iter() {
        total += send.responses.len();
        let (first, e) = send.responses[0];
        assert_eq!(first, SENTINEL, "the sentinel runs first: {send:?}");
        let mut seen = HashSet::new();
        for &(id, _) in &send.responses[1..] {
            assert!(seen.insert(id), "receiver {id} called twice by {send:?}");
            let r = by_id[&id];
            assert!(
                matches(r.filter, send.sender),
                "{r:?} does not match the sender of {send:?}"
            );
            assert!(r.c0 < e, "{r:?} connected after the snapshot of {send:?}");
            assert!(r.d1 > send.s0, "{r:?} removed before {send:?} began");
        }
    }
    assert_eq!(
        CALLS.load(SeqCst),
        total,
        "every receiver call appears in exactly one response list"
    );
    // Who must have been called: every matching receiver in the snapshot.
    // Sends sorted by start ticket, so each receiver only looks at the sends
    // that began during its life.
    sends.sort_by_key(|send| send.s0);
    let mut musts = 0;
    for r in receivers {
        let first = sends.partition_point(|send| send.s0 <= r.c1);
        for send in sends[first..].iter().take_while(|send| send.s0 < r.d0) {
            let e = send.responses[0].1;
            let removed_after = if r.weak { r.d0 > send.s1 } else { r.d0 > e };
            if matches(r.filter, send.sender) && removed_after {
                assert!(
                    send.responses.iter().any(|&(id, _)| id == r.id),
                    "{r:?} was in the snapshot but missed {send:?}"
                );
                musts += 1;
            }
        }
    }
    musts
}

#[test]
fn sends_respect_the_snapshot_rule_under_concurrent_churn() {
    let (done_tx, done_rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        let signal: &'static Signal<STRESSED> = &STRESSED;
        let _sentinel = signal
            .connect_with(
                ConnectOptions::new().priority(i32::MAX).name("sentinel"),
                || answer(SENTINEL),
            )
            .expect("sentinel connects");
        let churn_done = Arc::new(AtomicBool::new(false));
        let senders: Vec<_> = (0..SENDER_THREADS)
            .map(|n| {
                let churn_done = Arc::clone(&churn_done);
                thread::spawn(move || send_loop(signal, n, &churn_done))
            })
            .collect();
        let churners = [
            thread::spawn(move || churn_connections(signal)),
            thread::spawn(move || churn_scoped(signal)),
            thread::spawn(move || churn_weak(signal)),
        ];
        let mut receivers = Vec::new();
        for churner in churners {
            receivers.extend(churner.join().expect("churn thread"));
        }
        churn_done.store(true, SeqCst);
        let mut sends = Vec::new();
        for sender in senders {
            sends.extend(sender.join().expect("send thread"));
        }
        let _ = done_tx.send((sends, receivers));
    });
    let (sends, receivers) = match done_rx.recv_timeout(WATCHDOG) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("watchdog: stress test did not finish within {WATCHDOG:?} (deadlock?)")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The worker panicked: surface its message.
            match worker.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(()) => unreachable!("the worker sends its result before ending"),
            }
        }
    };
    assert_eq!(receivers.len(), 3 * CHURN_CYCLES);
    assert!(sends.len() >= SENDER_THREADS * MIN_SENDS_PER_THREAD);
    let mut sends = sends;
    let musts = check(&mut sends, &receivers);
    eprintln!("{} sends, {musts} must-call verdicts", sends.len());
    // The churn really overlapped the sends (the churners wait for sends
    // while some receivers are connected), so the "must" rule was exercised.
    assert!(
        musts >= CHURN_CYCLES / WAIT_EVERY,
        "only {musts} must-call verdicts in {} sends",
        sends.len()
    );

    // Only the sentinel is left, for every sender.
    let left = STRESSED.receivers();
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].name, "sentinel");
    for sender in [BILLING, SHOP, Sender::NONE] {
        let responses = STRESSED.send(sender, &0);
        assert_eq!(responses.len(), 1);
        assert_eq!(responses[0].0, SENTINEL);
    }
}

/// Many threads hammer connect/disconnect of the *same* `dispatch_uid`:
/// exactly one connect wins at any time, so the uid is never connected twice
/// and every successful connect is matched by exactly one successful
/// disconnect.
#[test]
fn same_uid_is_never_connected_twice_under_contention() {
    signal! { static CONTENDED: () => u32; }
    let wins = Arc::new(AtomicUsize::new(0));
    let removals = Arc::new(AtomicUsize::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (wins, removals) = (Arc::clone(&wins), Arc::clone(&removals));
            thread::spawn(move || {
                for _ in 0..500 {
                    let connected = CONTENDED
                        .connect_with(ConnectOptions::new().dispatch_uid("only-one"), move || t);
                    if connected.is_ok() {
                        wins.fetch_add(1, SeqCst);
                    }
                    // Exactly one receiver (or none) is ever visible.
                    assert!(CONTENDED.send(Sender::NONE, &()).len() <= 1);
                    if CONTENDED.disconnect_uid("only-one", None) == Ok(true) {
                        removals.fetch_add(1, SeqCst);
                    }
                }
            })
        })
        .collect();
    thread::spawn(move || {
        for t in threads {
            t.join().expect("contending thread");
        }
        let _ = done_tx.send(());
    });
    done_rx
        .recv_timeout(WATCHDOG)
        .expect("watchdog: contention test did not finish (deadlock or panic)");
    assert!(wins.load(SeqCst) > 0);
    assert_eq!(wins.load(SeqCst), removals.load(SeqCst));
    assert!(CONTENDED.receivers().is_empty());
    assert!(!CONTENDED.has_listeners(Sender::NONE));
}
