//! The send path allocates nothing once a signal has been sent for the first
//! time, when its response type is `()`: static and runtime receivers,
//! filtered and unfiltered sends.
//!
//! A counting global allocator counts the allocations of the current thread
//! only, so the tests of this file can run in parallel.

// A global allocator can only be written with `unsafe impl GlobalAlloc`; it
// forwards every call to `System` unchanged.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use signals::{ConnectOptions, Sender, receiver, signal};

struct Counting;

thread_local! {
    // `const` and without `Drop`: touching it never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: the slot may already be gone while the thread exits.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments, so
// `System`'s guarantees carry over; counting touches only a thread-local
// `Cell`.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` made on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

pub struct Kitchen;
pub struct Garage;

signal! {
    pub static STATIC_ANY: u32;
    pub static STATIC_FILTERED: u32;
    pub static RUNTIME_ANY: u32;
    pub static RUNTIME_FILTERED: u32;
    pub static NOBODY: u32;
    pub static ANSWERS: u32 => u32;
}

static STATIC_ANY_CALLS: AtomicUsize = AtomicUsize::new(0);
static STATIC_FILTERED_CALLS: AtomicUsize = AtomicUsize::new(0);

#[receiver(STATIC_ANY)]
fn any_first(n: &u32) {
    STATIC_ANY_CALLS.fetch_add(*n as usize, Ordering::Relaxed);
}

#[receiver(STATIC_ANY)]
fn any_second(n: &u32) {
    STATIC_ANY_CALLS.fetch_add(*n as usize, Ordering::Relaxed);
}

#[receiver(STATIC_FILTERED, sender = Kitchen)]
fn kitchen_only(n: &u32) {
    STATIC_FILTERED_CALLS.fetch_add(*n as usize, Ordering::Relaxed);
}

#[receiver(STATIC_FILTERED)]
fn every_room(n: &u32) {
    STATIC_FILTERED_CALLS.fetch_add(*n as usize, Ordering::Relaxed);
}

#[receiver(ANSWERS)]
fn answer(n: &u32) -> u32 {
    *n + 1
}

const SENDS: usize = 100;

#[test]
fn the_counter_sees_allocations() {
    // A send with responses must allocate its vector: proves the counter
    // works, so the zeros below mean something.
    assert_eq!(ANSWERS.send(Sender::NONE, &1), vec![2]);
    assert!(allocations(|| drop(ANSWERS.send(Sender::NONE, &1))) > 0);
}

#[test]
fn send_without_receivers_allocates_nothing() {
    NOBODY.send(Sender::NONE, &1);
    assert_eq!(allocations(|| drop(NOBODY.send(Sender::NONE, &1))), 0);
}

#[test]
fn static_unfiltered_send_allocates_nothing_after_the_first() {
    STATIC_ANY.send(Sender::NONE, &0);
    let before = STATIC_ANY_CALLS.load(Ordering::Relaxed);
    let made = allocations(|| {
        for _ in 0..SENDS {
            let responses = STATIC_ANY.send(Sender::of::<Kitchen>(), &1);
            assert_eq!(responses.len(), 2);
        }
    });
    assert_eq!(made, 0);
    assert_eq!(STATIC_ANY_CALLS.load(Ordering::Relaxed) - before, 2 * SENDS);
}

#[test]
fn static_filtered_send_allocates_nothing_after_the_first() {
    STATIC_FILTERED.send(Sender::of::<Kitchen>(), &0);
    let before = STATIC_FILTERED_CALLS.load(Ordering::Relaxed);
    let made = allocations(|| {
        for _ in 0..SENDS {
            // Matching sender: both receivers; other senders: the unfiltered one.
            assert_eq!(STATIC_FILTERED.send(Sender::of::<Kitchen>(), &1).len(), 2);
            assert_eq!(STATIC_FILTERED.send(Sender::of::<Garage>(), &1).len(), 1);
            assert_eq!(STATIC_FILTERED.send(Sender::NONE, &1).len(), 1);
        }
    });
    assert_eq!(made, 0);
    assert_eq!(
        STATIC_FILTERED_CALLS.load(Ordering::Relaxed) - before,
        4 * SENDS
    );
}

#[test]
fn runtime_unfiltered_send_allocates_nothing_after_the_first() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    for weight in 1..=3 {
        let _permanent = RUNTIME_ANY
            .connect(move |_, n: &u32| {
                CALLS.fetch_add(*n as usize * weight, Ordering::Relaxed);
            })
            .expect("fresh receiver");
    }
    RUNTIME_ANY.send(Sender::NONE, &0);
    let made = allocations(|| {
        for _ in 0..SENDS {
            assert_eq!(RUNTIME_ANY.send(Sender::NONE, &1).len(), 3);
        }
    });
    assert_eq!(made, 0);
    assert_eq!(CALLS.load(Ordering::Relaxed), 6 * SENDS);
}

#[test]
fn runtime_filtered_send_allocates_nothing_after_the_first() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let _kitchen = RUNTIME_FILTERED
        .connect_with(
            ConnectOptions::new().sender(Sender::of::<Kitchen>()),
            |_, n: &u32| {
                CALLS.fetch_add(*n as usize, Ordering::Relaxed);
            },
        )
        .expect("fresh receiver");
    let _garage = RUNTIME_FILTERED
        .connect_with(
            ConnectOptions::new().sender(Sender::named("garage")),
            |_, n: &u32| {
                CALLS.fetch_add(*n as usize * 100, Ordering::Relaxed);
            },
        )
        .expect("fresh receiver");
    RUNTIME_FILTERED.send(Sender::of::<Kitchen>(), &0);
    let made = allocations(|| {
        for _ in 0..SENDS {
            assert_eq!(RUNTIME_FILTERED.send(Sender::of::<Kitchen>(), &1).len(), 1);
            assert_eq!(RUNTIME_FILTERED.send(Sender::NONE, &1).len(), 0);
        }
    });
    assert_eq!(made, 0);
    assert_eq!(CALLS.load(Ordering::Relaxed), SENDS);
}
