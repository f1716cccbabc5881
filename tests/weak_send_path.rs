//! A weak receiver beside plain ones: it runs while its owner lives, is
//! skipped and pruned once the owner is gone, and the plain receivers keep
//! their order throughout (the send takes its general path here).

use std::sync::Arc;

use signals::{Sender, signal};

signal! {
    pub static WEAKLY: u32 => u32;
}

#[test]
fn dead_weak_receiver_is_skipped_then_pruned() {
    let owner = Arc::new(100_u32);
    let _first = WEAKLY
        .connect(|_, n: &u32| *n)
        .expect("fresh receiver")
        .scoped();
    let _weak = WEAKLY
        .connect_weak(&owner, |owner: &u32, _, n: &u32| *owner + *n)
        .expect("fresh receiver")
        .scoped();
    let _last = WEAKLY
        .connect(|_, n: &u32| *n + 1)
        .expect("fresh receiver")
        .scoped();
    assert_eq!(WEAKLY.send(Sender::NONE, &1), [1, 101, 2]);
    assert_eq!(WEAKLY.receivers().len(), 3);
    drop(owner);
    assert_eq!(WEAKLY.send(Sender::NONE, &1), [1, 2]);
    assert_eq!(WEAKLY.receivers().len(), 2);
    assert_eq!(WEAKLY.send(Sender::NONE, &2), [2, 3]);
}
