//! Model-based property test: random sequences of connects, disconnects,
//! sends, scoped-guard drops and weak-owner drops, run against a fresh signal
//! and, step by step, against a small reference model of DESIGN.md's rules:
//!
//! - identity: the key is the `dispatch_uid`, else the function (fn items),
//!   else the connection; (key, sender filter) is unique, a second connect is
//!   a `Duplicate` (weak receivers here always get a fresh owner, so their
//!   (owner, function) key is as unique as a connection; `weak_scoped.rs`
//!   tests the same owner twice);
//! - senders: an unfiltered receiver hears every send, a filtered one only its
//!   sender; a send from `Sender::NONE` reaches only unfiltered receivers;
//! - order: priority descending, then connect order; sync receivers are
//!   called first, then async ones; responses in that order;
//! - a weak receiver is gone as soon as its owner is dropped; a scoped guard
//!   disconnects on drop;
//! - `disconnect*` return whether something was removed, `has_listeners`
//!   whether a send would reach anyone, `receivers()` lists the live ones in
//!   dispatch order.

use std::cell::RefCell;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::Index;
use signals::{ConnectError, ConnectOptions, Connection, ScopedConnection, Sender, Signal, signal};

signal! {
    /// Only ever used through fresh local `Signal::<MODEL>::new()` instances.
    static MODEL: () => u32;
}

thread_local! {
    /// Labels of the receivers called, in call order (proptest runs a case on
    /// one thread, and every send variant here calls receivers on it).
    static CALLED: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

fn called(label: u32) -> u32 {
    CALLED.with(|log| log.borrow_mut().push(label));
    label
}

fn take_called() -> Vec<u32> {
    CALLED.with(|log| std::mem::take(&mut *log.borrow_mut()))
}

const FN_A: u32 = 1_000_001;
const FN_B: u32 = 1_000_002;

fn fn_a(_: Sender, _: &()) -> u32 {
    called(FN_A)
}

fn fn_b(_: Sender, _: &()) -> u32 {
    called(FN_B)
}

const SENDERS: [Sender; 2] = [Sender::named("a"), Sender::named("b")];

fn sender_of(s: Option<u8>) -> Sender {
    s.map_or(Sender::NONE, |i| SENDERS[usize::from(i)])
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Sync,
    Async,
    Weak,
    Scoped,
    /// The fn item `fn_a` or `fn_b` (keyed by function when it has no uid).
    FnItem(bool),
}

#[derive(Clone, Debug)]
enum Op {
    Connect {
        kind: Kind,
        uid: Option<u8>,
        filter: Option<u8>,
        priority: i8,
    },
    /// `Connection::disconnect`, or dropping the guard of a scoped one.
    DisconnectHandle(Index),
    DropOwner(Index),
    DisconnectUid {
        uid: u8,
        filter: Option<u8>,
    },
    DisconnectFn {
        b: bool,
        filter: Option<u8>,
    },
    Send {
        sender: Option<u8>,
        how: u8,
    },
    /// `has_listeners` for every sender and `receivers()`.
    Inspect,
}

fn op() -> impl Strategy<Value = Op> {
    let kind = prop_oneof![
        Just(Kind::Sync),
        Just(Kind::Async),
        Just(Kind::Weak),
        Just(Kind::Scoped),
        any::<bool>().prop_map(Kind::FnItem),
    ];
    let filter = proptest::option::of(0u8..2);
    prop_oneof![
        4 => (kind, proptest::option::of(0u8..3), filter.clone(), -1i8..=1).prop_map(
            |(kind, uid, filter, priority)| Op::Connect { kind, uid, filter, priority }
        ),
        2 => any::<Index>().prop_map(Op::DisconnectHandle),
        1 => any::<Index>().prop_map(Op::DropOwner),
        1 => (0u8..3, filter.clone()).prop_map(|(uid, filter)| Op::DisconnectUid { uid, filter }),
        1 => (any::<bool>(), filter.clone()).prop_map(|(b, filter)| Op::DisconnectFn { b, filter }),
        3 => (proptest::option::of(0u8..2), 0u8..4).prop_map(|(sender, how)| Op::Send { sender, how }),
        2 => Just(Op::Inspect),
    ]
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    Uid(u8),
    Fn(bool),
    Connection(u32),
}

/// The reference model of one receiver.
#[derive(Debug)]
struct ModelEntry {
    label: u32,
    key: Key,
    filter: Option<u8>,
    priority: i8,
    is_async: bool,
    live: bool,
}

#[derive(Default)]
struct Model {
    /// In connect order.
    entries: Vec<ModelEntry>,
}

impl Model {
    fn live(&self) -> impl Iterator<Item = &ModelEntry> {
        self.entries.iter().filter(|e| e.live)
    }

    /// Live receivers in dispatch order: priority descending, then connect
    /// order (a stable sort keeps connect order among equal priorities).
    fn dispatch_order(&self) -> Vec<&ModelEntry> {
        let mut live: Vec<&ModelEntry> = self.live().collect();
        live.sort_by_key(|e| -i16::from(e.priority));
        live
    }

    /// Labels a send from `sender` calls, in call order.
    fn send(&self, sender: Option<u8>) -> Vec<u32> {
        let matching: Vec<&ModelEntry> = self
            .dispatch_order()
            .into_iter()
            .filter(|e| e.filter.is_none() || e.filter == sender)
            .collect();
        let sync = matching.iter().filter(|e| !e.is_async);
        let r#async = matching.iter().filter(|e| e.is_async);
        sync.chain(r#async).map(|e| e.label).collect()
    }

    fn is_duplicate(&self, key: &Key, filter: Option<u8>) -> bool {
        self.live().any(|e| &e.key == key && e.filter == filter)
    }

    /// Removes the live entry matching; returns whether there was one.
    fn remove(&mut self, pred: impl Fn(&ModelEntry) -> bool) -> bool {
        match self.entries.iter_mut().find(|e| e.live && pred(e)) {
            Some(entry) => {
                entry.live = false;
                true
            }
            None => false,
        }
    }
}

/// The real-side handle of one successful connect.
enum Handle<'s> {
    Plain(Connection<'s, MODEL>),
    Scoped(Option<ScopedConnection<'s, MODEL>>),
    Weak(Connection<'s, MODEL>, Option<Arc<u32>>),
}

fn options(uid: Option<u8>, filter: Option<u8>, priority: i8, label: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new()
        .priority(i32::from(priority))
        .name(format!("r{label}"));
    if let Some(uid) = uid {
        options = options.dispatch_uid(format!("uid-{uid}"));
    }
    if let Some(filter) = filter {
        options = options.sender(SENDERS[usize::from(filter)]);
    }
    options
}

fn connect<'s>(
    signal: &'s Signal<MODEL>,
    kind: Kind,
    options: ConnectOptions,
    label: u32,
) -> Result<Handle<'s>, ConnectError> {
    Ok(match kind {
        Kind::Sync => Handle::Plain(signal.connect_with(options, move || called(label))?),
        Kind::Async => Handle::Plain(signal.connect_async_with(options, move |_, _| {
            // Called (in dispatch order) when the future is created.
            let label = called(label);
            Box::pin(async move { label })
        })?),
        Kind::Scoped => Handle::Scoped(Some(
            signal
                .connect_with(options, move || called(label))?
                .scoped(),
        )),
        Kind::Weak => {
            let owner = Arc::new(label);
            let connection =
                signal.connect_weak_with(options, &owner, |owner: &u32, _, ()| called(*owner))?;
            Handle::Weak(connection, Some(owner))
        }
        Kind::FnItem(false) => Handle::Plain(signal.connect_with(options, fn_a)?),
        Kind::FnItem(true) => Handle::Plain(signal.connect_with(options, fn_b)?),
    })
}

fn send(signal: &Signal<MODEL>, sender: Sender, how: u8) -> Vec<u32> {
    let robust = |responses: Vec<Result<u32, signals::ReceiverError>>| {
        responses
            .into_iter()
            .map(|r| r.expect("model receivers never panic"))
            .collect()
    };
    match how {
        0 => signal.send(sender, &()),
        1 => robust(signal.send_robust(sender, &())),
        2 => futures::executor::block_on(signal.asend(sender, &())),
        _ => robust(futures::executor::block_on(
            signal.asend_robust(sender, &()),
        )),
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let signal = Signal::<MODEL>::new();
    let mut model = Model::default();
    // Handles and the model entry (index) each one belongs to.
    let mut handles: Vec<(Handle<'_>, usize)> = Vec::new();
    take_called();
    for (step, op) in ops.iter().enumerate() {
        let label = u32::try_from(step).expect("short sequences");
        match *op {
            Op::Connect {
                kind,
                uid,
                filter,
                priority,
            } => {
                let key = match (uid, kind) {
                    (Some(uid), _) => Key::Uid(uid),
                    (None, Kind::FnItem(b)) => Key::Fn(b),
                    (None, _) => Key::Connection(label),
                };
                let label = match kind {
                    Kind::FnItem(false) => FN_A,
                    Kind::FnItem(true) => FN_B,
                    _ => label,
                };
                let duplicate = model.is_duplicate(&key, filter);
                let result = connect(&signal, kind, options(uid, filter, priority, label), label);
                match result {
                    Ok(handle) => {
                        prop_assert!(!duplicate, "step {step}: duplicate accepted");
                        model.entries.push(ModelEntry {
                            label,
                            key,
                            filter,
                            priority,
                            is_async: kind == Kind::Async,
                            live: true,
                        });
                        handles.push((handle, model.entries.len() - 1));
                    }
                    Err(ConnectError::Duplicate { existing }) => {
                        prop_assert!(duplicate, "step {step}: spurious duplicate {existing:?}");
                        prop_assert_eq!(existing.sender, filter.map(|f| SENDERS[usize::from(f)]));
                    }
                    Err(other) => prop_assert!(false, "step {step}: unexpected {other:?}"),
                }
            }
            Op::DisconnectHandle(index) => {
                if handles.is_empty() {
                    continue;
                }
                let at = index.index(handles.len());
                let (handle, entry) = &mut handles[at];
                let was_live = model.entries[*entry].live;
                model.entries[*entry].live = false;
                match handle {
                    Handle::Plain(connection) | Handle::Weak(connection, _) => {
                        prop_assert_eq!(connection.disconnect(), was_live, "step {}", step);
                        prop_assert!(!connection.is_connected());
                    }
                    Handle::Scoped(guard) => match guard.take() {
                        // Dropping the guard disconnects.
                        Some(guard) => drop(guard),
                        // Already dropped: nothing happens.
                        None => model.entries[*entry].live = was_live,
                    },
                }
            }
            Op::DropOwner(index) => {
                let weak: Vec<usize> = (0..handles.len())
                    .filter(|&i| matches!(handles[i].0, Handle::Weak(..)))
                    .collect();
                if weak.is_empty() {
                    continue;
                }
                let (handle, entry) = &mut handles[weak[index.index(weak.len())]];
                if let Handle::Weak(connection, owner) = handle
                    && let Some(owner) = owner.take()
                {
                    drop(owner);
                    model.entries[*entry].live = false;
                    prop_assert!(!connection.is_connected(), "step {step}: owner dropped");
                }
            }
            Op::DisconnectUid { uid, filter } => {
                let expected = model.remove(|e| e.key == Key::Uid(uid) && e.filter == filter);
                let sender = filter.map(|f| SENDERS[usize::from(f)]);
                let actual = signal.disconnect_uid(&format!("uid-{uid}"), sender);
                prop_assert_eq!(actual, Ok(expected), "step {}", step);
            }
            Op::DisconnectFn { b, filter } => {
                let expected = model.remove(|e| e.key == Key::Fn(b) && e.filter == filter);
                let sender = filter.map(|f| SENDERS[usize::from(f)]);
                let actual = if b {
                    signal.disconnect_receiver(fn_b, sender)
                } else {
                    signal.disconnect_receiver(fn_a, sender)
                };
                prop_assert_eq!(actual, Ok(expected), "step {}", step);
            }
            Op::Send { sender, how } => {
                let expected = model.send(sender);
                let responses = send(&signal, sender_of(sender), how);
                prop_assert_eq!(&take_called(), &expected, "step {}: calls", step);
                prop_assert_eq!(&responses, &expected, "step {}: responses", step);
            }
            Op::Inspect => inspect(&signal, &model, step)?,
        }
        prop_assert!(
            take_called().is_empty(),
            "step {step}: a call outside a send"
        );
    }
    inspect(&signal, &model, ops.len())
}

/// Who would hear each sender, and the receiver list. (Introspection prunes
/// dead weak receivers, so it is an operation of its own rather than a check
/// after every step, which would hide a missing prune in `connect` or
/// `disconnect`.)
fn inspect(signal: &Signal<MODEL>, model: &Model, step: usize) -> Result<(), TestCaseError> {
    for sender in [None, Some(0), Some(1)] {
        prop_assert_eq!(
            signal.has_listeners(sender_of(sender)),
            !model.send(sender).is_empty(),
            "step {}: has_listeners({:?})",
            step,
            sender
        );
    }
    let names: Vec<String> = signal
        .receivers()
        .iter()
        .map(|r| r.name.to_string())
        .collect();
    let expected: Vec<String> = model
        .dispatch_order()
        .iter()
        .map(|e| format!("r{}", e.label))
        .collect();
    prop_assert_eq!(names, expected, "step {}: receivers()", step);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn signal_follows_the_reference_model(ops in proptest::collection::vec(op(), 1..40)) {
        run(&ops)?;
    }
}
