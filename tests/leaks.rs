//! No leaks: 100,000 rounds of connect/disconnect, scoped guards and dropped
//! weak owners return the heap to its baseline and leave the receiver table at
//! its original size.
//!
//! This binary has its own counting global allocator, which counts only the
//! allocations and frees made on the thread that runs the churn. The test
//! harness keeps threads of its own (the main thread waits for the test with
//! a timeout, to warn about slow tests) that allocate at moments that depend
//! on scheduling; counting them made this test fail at random on a loaded
//! machine. The library allocates on the calling thread only, so this thread
//! is exactly what must return to its baseline.

// The allocator below only forwards to `System`; the crate-wide `deny` is
// lifted for this file alone.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering::SeqCst};

use signals::{ConnectOptions, Sender, receiver, signal};

/// Counts live heap bytes and blocks of the measured thread, then defers to
/// the system allocator.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static LIVE_BLOCKS: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    /// Whether this thread's allocations are counted. `const`-initialised and
    /// without a destructor, so reading it never allocates (it is read from
    /// inside the allocator).
    static MEASURED: Cell<bool> = const { Cell::new(false) };
}

fn count(bytes: isize, blocks: isize) {
    if MEASURED.with(Cell::get) {
        LIVE_BYTES.fetch_add(bytes, SeqCst);
        LIVE_BLOCKS.fetch_add(blocks, SeqCst);
    }
}

fn as_isize(n: usize) -> isize {
    isize::try_from(n).expect("allocation sizes fit in isize")
}

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds the `GlobalAlloc` contract; the counters are plain atomics and never
// allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as our caller's, forwarded.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(as_isize(layout.size()), 1);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as our caller's, forwarded.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(as_isize(layout.size()), 1);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (we forward
        // every allocation), as our caller guarantees for us.
        unsafe { System.dealloc(ptr, layout) };
        count(-as_isize(layout.size()), -1);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as our caller's, forwarded.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(as_isize(new_size) - as_isize(layout.size()), 0);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> (isize, isize) {
    (LIVE_BYTES.load(SeqCst), LIVE_BLOCKS.load(SeqCst))
}

signal! {
    /// Has one static receiver, so "original size" is not trivially zero.
    static LEAKY: u64 => u64;
}

#[receiver(LEAKY)]
fn always_there(n: &u64) -> u64 {
    *n
}

const ROUNDS: u64 = 100_000;

struct Owner(u64);

/// One round of every kind of churn: a connect/disconnect pair (with a uid,
/// a sender filter and a plain closure), a scoped guard, and a weak receiver
/// whose owner is dropped. Sends in between so the send paths (including the
/// pruning of dead weak receivers) run too.
fn round(i: u64) {
    let plain = LEAKY.connect(move |_, n: &u64| n + i).unwrap();
    let with_uid = LEAKY
        .connect_with(
            ConnectOptions::new()
                .dispatch_uid(format!("uid-{i}"))
                .sender(Sender::named("leak"))
                .name(format!("named-{i}")),
            |_, n: &u64| *n,
        )
        .unwrap();
    assert_eq!(LEAKY.send(Sender::named("leak"), &1).len(), 3);
    assert!(plain.disconnect());
    assert!(with_uid.disconnect());

    {
        let _guard = LEAKY.connect(move |_, n: &u64| n * i).unwrap().scoped();
        assert_eq!(LEAKY.send(Sender::NONE, &2).len(), 2);
    }

    let owner = Arc::new(Owner(i));
    let _weak = LEAKY
        .connect_weak(&owner, |owner: &Owner, _, n: &u64| owner.0 + n)
        .unwrap();
    assert_eq!(LEAKY.send(Sender::NONE, &3).len(), 2);
    drop(owner);
    // This send meets the dead receiver and prunes it.
    assert_eq!(LEAKY.send(Sender::NONE, &4).len(), 1);
}

#[test]
fn churn_returns_memory_and_receivers_to_baseline() {
    MEASURED.with(|measured| measured.set(true));
    let original = LEAKY.receivers().len();
    assert_eq!(original, 1);
    // Warm up: first-use allocations (the resolved static table, arc-swap's
    // per-thread bookkeeping, the first runtime table) are not leaks.
    round(0);
    round(1);
    let baseline = live();

    for i in 2..ROUNDS {
        round(i);
    }

    let after = live();
    assert_eq!(
        after, baseline,
        "live (bytes, blocks) after {ROUNDS} rounds differ from the baseline"
    );
    assert_eq!(LEAKY.receivers().len(), original);
    assert_eq!(LEAKY.send(Sender::NONE, &7), [7]);
}
