//! `send_robust` names the receiver that panicked, keeps going, and keeps
//! the responses in dispatch order, for static and for runtime receivers.

use signals::{Sender, receiver, signal};

signal! {
    pub static STATIC_ROBUST: u32 => u32;
    pub static RUNTIME_ROBUST: u32 => u32;
}

#[receiver(STATIC_ROBUST, priority = 3)]
fn first(n: &u32) -> u32 {
    *n
}

#[receiver(STATIC_ROBUST, priority = 2)]
fn second(_: &u32) -> u32 {
    panic!("second failed")
}

#[receiver(STATIC_ROBUST, priority = 1)]
fn third(n: &u32) -> u32 {
    *n + 2
}

#[test]
fn static_failure_names_the_receiver() {
    let outcomes = STATIC_ROBUST.send_robust(Sender::NONE, &10);
    assert_eq!(outcomes.len(), 3);
    assert_eq!(outcomes[0].as_ref().ok(), Some(&10));
    let error = outcomes[1].as_ref().expect_err("second panics");
    assert_eq!(error.receiver().name, "second");
    assert_eq!(error.message(), "second failed");
    assert_eq!(outcomes[2].as_ref().ok(), Some(&12));
}

#[test]
fn runtime_failure_names_the_receiver() {
    let _one = RUNTIME_ROBUST
        .connect(|_, n: &u32| *n)
        .expect("fresh receiver")
        .scoped();
    let _two = RUNTIME_ROBUST
        .connect_with(signals::ConnectOptions::new().name("boom"), |_, n: &u32| {
            if *n > 0 {
                panic!("boom at {n}");
            }
            0
        })
        .expect("fresh receiver")
        .scoped();
    let outcomes = RUNTIME_ROBUST.send_robust(Sender::NONE, &4);
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0].as_ref().ok(), Some(&4));
    let error = outcomes[1].as_ref().expect_err("boom panics");
    assert_eq!(error.receiver().name, "boom");
    assert_eq!(error.message(), "boom at 4");
    // Still usable afterwards.
    let outcomes = RUNTIME_ROBUST.send_robust(Sender::NONE, &0);
    assert!(outcomes.iter().all(Result::is_ok));
}
