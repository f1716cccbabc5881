//! Each sender's receivers (its own plus the unfiltered ones) run in dispatch
//! order: priority first, then static before runtime, then declaration or
//! connect order, however filtered and unfiltered receivers interleave.

use signals::{ConnectOptions, Sender, receiver, signal};

pub struct Kitchen;
pub struct Garage;
pub struct Attic;

signal! {
    pub static ORDERED: u32 => &'static str;
    pub static MANY: u32 => usize;
}

#[receiver(ORDERED, priority = 0)]
fn a(_: &u32) -> &'static str {
    "a"
}

#[receiver(ORDERED, sender = Kitchen, priority = 10)]
fn b(_: &u32) -> &'static str {
    "b"
}

#[receiver(ORDERED, priority = 5)]
fn c(_: &u32) -> &'static str {
    "c"
}

#[receiver(ORDERED, sender = Garage, priority = 7)]
fn d(_: &u32) -> &'static str {
    "d"
}

#[test]
fn filtered_and_unfiltered_receivers_interleave_by_priority() {
    // Static only.
    assert_eq!(ORDERED.send(Sender::of::<Kitchen>(), &0), ["b", "c", "a"]);
    assert_eq!(ORDERED.send(Sender::of::<Garage>(), &0), ["d", "c", "a"]);
    assert_eq!(ORDERED.send(Sender::NONE, &0), ["c", "a"]);

    let kitchen = ConnectOptions::new().sender(Sender::of::<Kitchen>());
    let _r1 = ORDERED
        .connect_with(ConnectOptions::new().priority(6), |_, _: &u32| "r1")
        .expect("fresh receiver")
        .scoped();
    let _r2 = ORDERED
        .connect_with(kitchen.clone(), |_, _: &u32| "r2")
        .expect("fresh receiver")
        .scoped();
    let _r3 = ORDERED
        .connect_with(kitchen.priority(20), |_, _: &u32| "r3")
        .expect("fresh receiver")
        .scoped();

    assert_eq!(
        ORDERED.send(Sender::of::<Kitchen>(), &0),
        ["r3", "b", "r1", "c", "a", "r2"]
    );
    assert_eq!(
        ORDERED.send(Sender::of::<Garage>(), &0),
        ["d", "r1", "c", "a"]
    );
    assert_eq!(ORDERED.send(Sender::of::<Attic>(), &0), ["r1", "c", "a"]);
    assert_eq!(ORDERED.send(Sender::NONE, &0), ["r1", "c", "a"]);
    let names: Vec<_> = ORDERED
        .receivers_for(Sender::of::<Kitchen>())
        .into_iter()
        .map(|info| info.name)
        .collect();
    assert_eq!(names.len(), 6);
    assert_eq!(names[1], "b");
}

#[test]
fn every_sender_gets_its_own_receivers_among_many() {
    let senders: Vec<Sender> = (0..200)
        .map(|i| Sender::named(Box::leak(format!("sender-{i}").into_boxed_str())))
        .collect();
    let mut connections = Vec::new();
    // Every other sender gets its receiver before the unfiltered one.
    for (i, sender) in senders.iter().enumerate() {
        let priority = if i % 2 == 0 { 1 } else { -1 };
        let options = ConnectOptions::new().sender(*sender).priority(priority);
        connections.push(
            MANY.connect_with(options, move |_, _: &u32| i)
                .expect("fresh receiver")
                .scoped(),
        );
    }
    connections.push(
        MANY.connect(|_, _: &u32| usize::MAX)
            .expect("fresh receiver")
            .scoped(),
    );
    for (i, sender) in senders.iter().enumerate() {
        let expected = if i % 2 == 0 {
            [i, usize::MAX]
        } else {
            [usize::MAX, i]
        };
        assert_eq!(MANY.send(*sender, &0), expected);
    }
    assert_eq!(MANY.send(Sender::named("nobody"), &0), [usize::MAX]);
    drop(connections);
    assert!(MANY.send(senders[0], &0).is_empty());
}
