//! Helpers for tests: mute receivers, connect one for a scope, record sends.
//!
//! ```
//! # extern crate signals_core as signals;
//! # use signals_macros::signal;
//! use signals::{testing, Sender};
//!
//! signal! { pub static ORDER_PAID: u32; }
//!
//! fn charge_card(_amount: &u32) { panic!("would charge a card") }
//!
//! ORDER_PAID.connect(charge_card)?;
//! let _quiet = testing::muted(&ORDER_PAID);                   // no receiver runs…
//! let sends = testing::record(&ORDER_PAID, |amount| *amount); // …but sends are recorded
//! ORDER_PAID.send(Sender::named("till"), &42);
//! sends.assert_sent_once_with(&42);
//! # Ok::<(), signals::ConnectError>(())
//! ```
//!
//! # Every thread by default, the current one on request
//!
//! [`muted`], [`muted_receivers`] and [`record`] apply to **all threads**: a
//! mute changes the receiver table the signal publishes (so it costs nothing
//! on the send path, see `mute.rs`), and a recorder is a receiver. A send
//! from a worker thread spawned by the code under test is muted and recorded
//! like one from the test's own thread. The flip side: two tests that run in
//! parallel (the default for `cargo test`) and use the **same** signal see
//! each other's mutes and sends.
//!
//! When tests share a signal and their sends happen on the test's own thread,
//! use the thread-scoped variants instead: [`muted_on_this_thread`],
//! [`muted_receivers_on_this_thread`] and [`record_this_thread`] only affect
//! sends made on the thread that created them. (They cost a thread-id check
//! on the muted receivers, and only while the mute exists.) Otherwise give
//! such tests their own signals or senders, narrow the assertions with
//! [`Recorder::from_sender`], or serialise them (a shared `Mutex`, or
//! `--test-threads=1`). Tests on different signals never interfere.
//!
//! Recorders are never muted: muting is about side effects, recording about
//! observing the send.

use std::borrow::Cow;
use std::fmt;
use std::panic::Location;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, ThreadId};

use crate::connect::{ConnectOptions, Runtime};
use crate::def::{Call, SignalDef, SyncCall};
use crate::error::ConnectError;
pub use crate::mute::Select;
use crate::sender::Sender;
use crate::shape::ReceiverFn;
use crate::signal::Signal;

/// Silences every receiver of `signal` (except recorders) until the guard is
/// dropped, on every thread. Sends return no responses meanwhile, and
/// `has_listeners` and `receivers_for` answer as for a signal without those
/// receivers (`receivers` still lists them: they are connected, not called).
/// Mutes nest: the signal speaks again when the last guard is gone.
///
/// ```
/// # extern crate signals_core as signals;
/// # use signals_macros::signal;
/// use signals::{testing, Sender};
///
/// signal! { pub static ORDER_PAID: u32 => &'static str; }
///
/// ORDER_PAID.connect(|| "charged")?;
/// {
///     let _quiet = testing::muted(&ORDER_PAID);
///     assert!(ORDER_PAID.send(Sender::NONE, &42).is_empty());
///     assert!(!ORDER_PAID.has_listeners(Sender::NONE));
/// }
/// assert_eq!(ORDER_PAID.send(Sender::NONE, &42), ["charged"]);
/// # Ok::<(), signals::ConnectError>(())
/// ```
pub fn muted<D: SignalDef>(signal: &Signal<D>) -> Muted<'_, D> {
    let id = signal.update_mutes(|mutes| mutes.add(None, None));
    Muted { signal, id }
}

/// Like [`muted`], but only sends made on the calling thread are silenced;
/// sends from other threads (say, a test running in parallel) still reach
/// every receiver. `has_listeners` is not affected. Sends from threads the
/// code under test spawns are *not* muted.
///
/// ```
/// # extern crate signals_core as signals;
/// # use signals_macros::signal;
/// use signals::{testing, Sender};
///
/// signal! { pub static ORDER_PAID: u32 => &'static str; }
///
/// ORDER_PAID.connect(|| "charged")?;
/// let _quiet = testing::muted_on_this_thread(&ORDER_PAID);
/// assert!(ORDER_PAID.send(Sender::NONE, &42).is_empty());
/// let elsewhere = std::thread::spawn(|| ORDER_PAID.send(Sender::NONE, &42)).join().unwrap();
/// assert_eq!(elsewhere, ["charged"]);
/// # Ok::<(), signals::ConnectError>(())
/// ```
pub fn muted_on_this_thread<D: SignalDef>(signal: &Signal<D>) -> Muted<'_, D> {
    let thread = thread::current().id();
    let id = signal.update_mutes(|mutes| mutes.add(None, Some(thread)));
    Muted { signal, id }
}

/// Silences only the receivers chosen by `select` (by `dispatch_uid` or
/// name, see [`Select`]) until the guard is dropped, on every thread; the
/// others keep running in their usual order.
///
/// # Errors
///
/// [`MuteError::NothingSelected`] for an empty selection, and
/// [`MuteError::NoSuchReceiver`] when a selector matches none of the
/// receivers connected right now (most likely a typo, which would otherwise
/// mute nothing). Once the guard exists it also hides matching receivers
/// connected later.
///
/// ```
/// # extern crate signals_core as signals;
/// # use signals_macros::signal;
/// use signals::testing::{self, Select};
/// use signals::{ConnectOptions, Sender};
///
/// signal! { pub static ORDER_PAID: u32 => &'static str; }
///
/// fn send_receipt(_: &u32) -> &'static str { "receipt" }
///
/// ORDER_PAID.connect_with(ConnectOptions::new().dispatch_uid("charge"), || "charged")?;
/// ORDER_PAID.connect(send_receipt)?;
/// let _quiet = testing::muted_receivers(&ORDER_PAID, [Select::uid("charge")]).unwrap();
/// assert_eq!(ORDER_PAID.send(Sender::NONE, &42), ["receipt"]);
///
/// // A selector that matches nothing is most likely a typo: an error.
/// assert!(testing::muted_receivers(&ORDER_PAID, [Select::name("send_reciept")]).is_err());
/// # Ok::<(), signals::ConnectError>(())
/// ```
pub fn muted_receivers<D: SignalDef>(
    signal: &Signal<D>,
    select: impl IntoIterator<Item = Select>,
) -> Result<Muted<'_, D>, MuteError> {
    mute_selected(signal, select, None)
}

/// [`muted_receivers`] for sends made on the calling thread only, as
/// [`muted_on_this_thread`].
///
/// ```
/// # extern crate signals_core as signals;
/// # use signals_macros::signal;
/// use signals::testing::{self, Select};
/// use signals::Sender;
///
/// signal! { pub static ORDER_PAID: u32 => &'static str; }
///
/// fn charge_card(_: &u32) -> &'static str { "charged" }
///
/// ORDER_PAID.connect(charge_card)?;
/// let _quiet = testing::muted_receivers_on_this_thread(&ORDER_PAID, [Select::name("charge_card")]).unwrap();
/// assert!(ORDER_PAID.send(Sender::NONE, &42).is_empty());
/// # Ok::<(), signals::ConnectError>(())
/// ```
///
/// # Errors
///
/// As [`muted_receivers`].
pub fn muted_receivers_on_this_thread<D: SignalDef>(
    signal: &Signal<D>,
    select: impl IntoIterator<Item = Select>,
) -> Result<Muted<'_, D>, MuteError> {
    mute_selected(signal, select, Some(thread::current().id()))
}

fn mute_selected<D: SignalDef>(
    signal: &Signal<D>,
    select: impl IntoIterator<Item = Select>,
    thread: Option<ThreadId>,
) -> Result<Muted<'_, D>, MuteError> {
    let select: Vec<Select> = select.into_iter().collect();
    if select.is_empty() {
        return Err(MuteError::NothingSelected { signal: D::NAME });
    }
    let receivers = signal.receivers();
    if let Some(missing) = select
        .iter()
        .find(|s| !receivers.iter().any(|info| s.matches(info)))
    {
        return Err(MuteError::NoSuchReceiver {
            signal: D::NAME,
            select: missing.clone(),
        });
    }
    let id = signal.update_mutes(|mutes| mutes.add(Some(select), thread));
    Ok(Muted { signal, id })
}

/// Keeps a mute in place; dropping it lifts the mute.
#[must_use = "the mute ends as soon as the guard is dropped"]
pub struct Muted<'s, D: SignalDef> {
    signal: &'s Signal<D>,
    id: u64,
}

impl<D: SignalDef> Drop for Muted<'_, D> {
    fn drop(&mut self) {
        let id = self.id;
        self.signal.update_mutes(|mutes| mutes.remove(id));
    }
}

impl<D: SignalDef> fmt::Debug for Muted<'_, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Muted").field("signal", &D::NAME).finish()
    }
}

/// Why [`muted_receivers`] refused to mute.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MuteError {
    /// The selection was empty.
    NothingSelected {
        /// The signal's name.
        signal: &'static str,
    },
    /// No receiver of the signal matches this selector.
    NoSuchReceiver {
        /// The signal's name.
        signal: &'static str,
        /// The selector that matched nothing.
        select: Select,
    },
}

impl fmt::Display for MuteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MuteError::NothingSelected { signal } => {
                write!(
                    f,
                    "no receiver selected to mute on `{signal}`; use `muted()` to mute the whole signal"
                )
            }
            MuteError::NoSuchReceiver { signal, select } => {
                write!(f, "no receiver of `{signal}` has {select}")
            }
        }
    }
}

impl std::error::Error for MuteError {}

/// Runs `body` with `receiver` connected to `signal` (for every sender), and
/// disconnects it afterwards, also when `body` panics. `receiver` takes any
/// form [`Signal::connect`] takes. Returns what `body` returns.
///
/// ```
/// # extern crate signals_core as signals;
/// # use signals_macros::signal;
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use signals::{testing, Sender};
///
/// signal! { pub static ORDER_PAID: u32; }
///
/// static TOTAL: AtomicU32 = AtomicU32::new(0);
/// fn add_to_total(amount: &u32) { TOTAL.fetch_add(*amount, Ordering::Relaxed); }
///
/// let sent = testing::connected_to(&ORDER_PAID, add_to_total, || {
///     ORDER_PAID.send(Sender::NONE, &42).len()
/// })?;
/// assert_eq!((sent, TOTAL.load(Ordering::Relaxed)), (1, 42));
/// assert!(!ORDER_PAID.has_listeners(Sender::NONE)); // disconnected again
/// # Ok::<(), signals::ConnectError>(())
/// ```
///
/// # Errors
///
/// As [`Signal::connect`]: a function already connected is a duplicate.
#[track_caller]
pub fn connected_to<D, F, Shape, R>(
    signal: &Signal<D>,
    receiver: F,
    body: impl FnOnce() -> R,
) -> Result<R, ConnectError>
where
    D: SignalDef,
    F: ReceiverFn<D, Shape>,
{
    connected_to_with(signal, ConnectOptions::new(), receiver, body)
}

/// [`connected_to`] with a sender filter, uid, priority or name.
///
/// ```
/// # extern crate signals_core as signals;
/// # use signals_macros::signal;
/// use signals::{testing, ConnectOptions, Sender};
///
/// signal! { pub static ORDER_PAID: u32 => u32; }
/// struct Till;
///
/// let options = ConnectOptions::new().sender(Sender::of::<Till>());
/// let answers = testing::connected_to_with(&ORDER_PAID, options, |amount: &u32| amount * 2, || {
///     (ORDER_PAID.send(Sender::of::<Till>(), &21), ORDER_PAID.send(Sender::NONE, &21))
/// })?;
/// assert_eq!(answers, (vec![42], vec![]));
/// # Ok::<(), signals::ConnectError>(())
/// ```
///
/// # Errors
///
/// As [`Signal::connect_with`].
#[track_caller]
pub fn connected_to_with<D, F, Shape, R>(
    signal: &Signal<D>,
    options: ConnectOptions,
    receiver: F,
    body: impl FnOnce() -> R,
) -> Result<R, ConnectError>
where
    D: SignalDef,
    F: ReceiverFn<D, Shape>,
{
    let _guard = signal.connect_with(options, receiver)?.scoped();
    Ok(body())
}

/// One send seen by a [`Recorder`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent<T> {
    /// Who sent it.
    pub sender: Sender,
    /// The recorder's projection of the arguments.
    pub args: T,
}

type Log<T> = Arc<Mutex<Vec<Sent<T>>>>;

/// Records every send of `signal`, from every thread, as its sender and
/// `projection(args)`, until the recorder is dropped. The recorder runs before
/// every other receiver, is never muted and adds no response to the send.
///
/// `projection` picks what the assertions compare, typically an owned copy
/// of the interesting fields (`|order| order.id`), since arguments may borrow
/// from the sender.
///
/// ```
/// # extern crate signals_core as signals;
/// # use signals_macros::signal;
/// use signals::{testing, Sender};
///
/// pub struct Order { pub id: u32, pub note: String }
/// signal! { pub static ORDER_PAID: Order; }
///
/// let paid = testing::record(&ORDER_PAID, |order| order.id);
/// std::thread::spawn(|| {
///     ORDER_PAID.send(Sender::named("worker"), &Order { id: 7, note: "gift".into() });
/// })
/// .join()
/// .unwrap();
/// paid.assert_sent_once_with(&7); // sends from every thread are recorded
/// ```
#[track_caller]
pub fn record<D, T, P>(signal: &Signal<D>, projection: P) -> Recorder<'_, D, T>
where
    D: SignalDef,
    T: Send + 'static,
    P: for<'a, 'b> Fn(&'b D::Args<'a>) -> T + Send + Sync + 'static,
{
    start_recording(signal, projection, None, Location::caller())
}

/// [`record`], but only sends made on the calling thread are recorded, so a
/// test is not disturbed by tests sending the same signal in parallel. Sends
/// from threads the code under test spawns (or from an async runtime's other
/// workers) are not seen.
///
/// ```
/// # extern crate signals_core as signals;
/// # use signals_macros::signal;
/// use signals::{testing, Sender};
///
/// signal! { pub static ORDER_PAID: u32; }
///
/// let paid = testing::record_this_thread(&ORDER_PAID, |amount| *amount);
/// std::thread::spawn(|| ORDER_PAID.send(Sender::NONE, &1)).join().unwrap();
/// ORDER_PAID.send(Sender::NONE, &2);
/// assert_eq!(paid.args(), [2]);
/// ```
#[track_caller]
pub fn record_this_thread<D, T, P>(signal: &Signal<D>, projection: P) -> Recorder<'_, D, T>
where
    D: SignalDef,
    T: Send + 'static,
    P: for<'a, 'b> Fn(&'b D::Args<'a>) -> T + Send + Sync + 'static,
{
    start_recording(
        signal,
        projection,
        Some(thread::current().id()),
        Location::caller(),
    )
}

fn start_recording<'s, D, T, P>(
    signal: &'s Signal<D>,
    projection: P,
    thread: Option<ThreadId>,
    location: &'static Location<'static>,
) -> Recorder<'s, D, T>
where
    D: SignalDef,
    T: Send + 'static,
    P: for<'a, 'b> Fn(&'b D::Args<'a>) -> T + Send + Sync + 'static,
{
    let log: Log<T> = Arc::default();
    let sink = Arc::clone(&log);
    // Returning `None` tells the dispatcher the receiver did not apply, so
    // the recorder never adds a response: the code under test sees the same
    // responses as without it.
    let call = SyncCall::declining(move |sender: &Sender, args: &D::Args<'_>| {
        if thread.is_none_or(|t| t == thread::current().id()) {
            let args = projection(args);
            lock(&sink).push(Sent {
                sender: *sender,
                args,
            });
        }
        None
    });
    let recorder = Runtime {
        call: Call::Sync(call),
        owner: None,
        module_path: Cow::Borrowed(""),
        name: Cow::Borrowed("signals::testing::Recorder"),
        function: None,
    };
    // First, so a send is recorded even if a receiver then panics.
    let options = ConnectOptions::new().priority(i32::MAX);
    let id = signal
        .connect_runtime(options, recorder, location)
        .unwrap_or_else(|_| unreachable!("a connection key is never a duplicate"))
        .id();
    signal.update_mutes(|mutes| mutes.set_exempt(id, true));
    Recorder {
        signal,
        id,
        log,
        sender: None,
    }
}

fn lock<T>(log: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking assertion must not hide the sends from the next one.
    log.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Captures the sends of one signal for assertions; stops when dropped.
///
/// The `assert_*` methods panic with the list of recorded sends when the
/// assertion fails: they are meant to be called from tests.
#[must_use = "the recorder stops recording when dropped"]
pub struct Recorder<'s, D: SignalDef, T> {
    signal: &'s Signal<D>,
    id: u64,
    log: Log<T>,
    /// Only sends from this sender are considered, if set.
    sender: Option<Sender>,
}

impl<D: SignalDef, T> Drop for Recorder<'_, D, T> {
    fn drop(&mut self) {
        self.signal.remove_id(self.id);
        let id = self.id;
        self.signal
            .update_mutes(|mutes| mutes.set_exempt(id, false));
    }
}

impl<D: SignalDef, T: Clone> Recorder<'_, D, T> {
    /// Only consider sends from `sender` in what follows (the recording
    /// itself still sees every sender).
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{testing, Sender};
    ///
    /// signal! { pub static ORDER_PAID: u32; }
    ///
    /// let till = Sender::named("till");
    /// let from_till = testing::record(&ORDER_PAID, |amount| *amount).from_sender(till);
    /// ORDER_PAID.send(Sender::named("web"), &1);
    /// ORDER_PAID.send(till, &2);
    /// from_till.assert_sent_once_with(&2);
    /// ```
    pub fn from_sender(mut self, sender: Sender) -> Self {
        self.sender = Some(sender);
        self
    }

    /// The recorded sends, oldest first.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::testing::{self, Sent};
    /// use signals::Sender;
    ///
    /// signal! { pub static ORDER_PAID: u32; }
    ///
    /// let paid = testing::record(&ORDER_PAID, |amount| *amount);
    /// ORDER_PAID.send(Sender::named("till"), &42);
    /// assert_eq!(paid.sends(), [Sent { sender: Sender::named("till"), args: 42 }]);
    /// ```
    #[must_use]
    pub fn sends(&self) -> Vec<Sent<T>> {
        lock(&self.log)
            .iter()
            .filter(|sent| self.sender.is_none_or(|s| s == sent.sender))
            .cloned()
            .collect()
    }

    /// The recorded projections, oldest first.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{testing, Sender};
    ///
    /// signal! { pub static ORDER_PAID: u32; }
    ///
    /// let paid = testing::record(&ORDER_PAID, |amount| amount * 100);
    /// ORDER_PAID.send(Sender::NONE, &1);
    /// ORDER_PAID.send(Sender::NONE, &2);
    /// assert_eq!(paid.args(), [100, 200]);
    /// ```
    #[must_use]
    pub fn args(&self) -> Vec<T> {
        self.sends().into_iter().map(|sent| sent.args).collect()
    }

    /// How many sends were recorded.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{testing, Sender};
    ///
    /// signal! { pub static ORDER_PAID: u32; }
    ///
    /// let paid = testing::record(&ORDER_PAID, |_| ());
    /// ORDER_PAID.send(Sender::NONE, &1);
    /// assert_eq!(paid.count(), 1);
    /// ```
    #[must_use]
    pub fn count(&self) -> usize {
        self.sends().len()
    }

    /// Forgets what was recorded so far.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{testing, Sender};
    ///
    /// signal! { pub static ORDER_PAID: u32; }
    ///
    /// let paid = testing::record(&ORDER_PAID, |amount| *amount);
    /// ORDER_PAID.send(Sender::NONE, &1); // set-up noise
    /// paid.clear();
    /// ORDER_PAID.send(Sender::NONE, &2);
    /// paid.assert_sent_once_with(&2);
    /// ```
    pub fn clear(&self) {
        lock(&self.log).clear();
    }
}

impl<D: SignalDef, T: Clone + fmt::Debug> Recorder<'_, D, T> {
    fn fail(&self, expected: &str) -> ! {
        let sends = self.sends();
        let scope = match self.sender {
            Some(sender) => format!(" from {sender}"),
            None => String::new(),
        };
        panic!(
            "expected `{}`{scope} to be {expected}, but it was sent {} time(s): {sends:#?}",
            D::NAME,
            sends.len(),
        );
    }

    /// Panics unless the signal was never sent.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::testing;
    ///
    /// signal! { pub static ORDER_REFUNDED: u32; }
    ///
    /// let refunds = testing::record(&ORDER_REFUNDED, |amount| *amount);
    /// // … code under test that must not refund …
    /// refunds.assert_not_sent();
    /// ```
    #[track_caller]
    pub fn assert_not_sent(&self) {
        if self.count() != 0 {
            self.fail("not sent");
        }
    }

    /// Panics unless the signal was sent exactly `times` times.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{testing, Sender};
    ///
    /// signal! { pub static ORDER_PAID: u32; }
    ///
    /// let paid = testing::record(&ORDER_PAID, |amount| *amount);
    /// for amount in [1, 2, 3] {
    ///     ORDER_PAID.send(Sender::NONE, &amount);
    /// }
    /// paid.assert_sent_times(3);
    /// ```
    #[track_caller]
    pub fn assert_sent_times(&self, times: usize) {
        if self.count() != times {
            self.fail(&format!("sent {times} time(s)"));
        }
    }

    /// Panics unless the signal was sent exactly once; returns that send.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{testing, Sender};
    ///
    /// signal! { pub static ORDER_PAID: u32; }
    ///
    /// let paid = testing::record(&ORDER_PAID, |amount| *amount);
    /// ORDER_PAID.send(Sender::named("till"), &42);
    /// let sent = paid.assert_sent_once();
    /// assert_eq!((sent.sender, sent.args), (Sender::named("till"), 42));
    /// ```
    #[track_caller]
    pub fn assert_sent_once(&self) -> Sent<T> {
        match <[Sent<T>; 1]>::try_from(self.sends()) {
            Ok([sent]) => sent,
            Err(_) => self.fail("sent once"),
        }
    }

    /// Panics unless the signal was sent exactly once, with arguments
    /// projecting to `expected`.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{testing, Sender};
    ///
    /// pub struct Order { pub id: u32 }
    /// signal! { pub static ORDER_PAID: Order; }
    ///
    /// let paid = testing::record(&ORDER_PAID, |order| order.id);
    /// ORDER_PAID.send(Sender::NONE, &Order { id: 7 });
    /// paid.assert_sent_once_with(&7);
    /// ```
    #[track_caller]
    pub fn assert_sent_once_with(&self, expected: &T)
    where
        T: PartialEq,
    {
        let sends = self.sends();
        if sends.len() != 1 || sends[0].args != *expected {
            self.fail(&format!("sent once with {expected:?}"));
        }
    }

    /// Panics unless at least one send had arguments projecting to
    /// `expected`.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{testing, Sender};
    ///
    /// signal! { pub static ORDER_PAID: u32; }
    ///
    /// let paid = testing::record(&ORDER_PAID, |amount| *amount);
    /// ORDER_PAID.send(Sender::NONE, &1);
    /// ORDER_PAID.send(Sender::NONE, &2);
    /// paid.assert_sent_with(&2);
    /// ```
    #[track_caller]
    pub fn assert_sent_with(&self, expected: &T)
    where
        T: PartialEq,
    {
        if !self.sends().iter().any(|sent| sent.args == *expected) {
            self.fail(&format!("sent with {expected:?}"));
        }
    }

    /// Panics unless at least one send came from `sender`.
    ///
    /// ```
    /// # extern crate signals_core as signals;
    /// # use signals_macros::signal;
    /// use signals::{testing, Sender};
    ///
    /// signal! { pub static ORDER_PAID: u32; }
    /// struct Till;
    ///
    /// let paid = testing::record(&ORDER_PAID, |_| ());
    /// ORDER_PAID.send(Sender::of::<Till>(), &1);
    /// paid.assert_sent_by(Sender::of::<Till>());
    /// ```
    #[track_caller]
    pub fn assert_sent_by(&self, sender: Sender) {
        if !self.sends().iter().any(|sent| sent.sender == sender) {
            self.fail(&format!("sent by {sender}"));
        }
    }
}

impl<D: SignalDef, T> fmt::Debug for Recorder<'_, D, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("signal", &D::NAME)
            .field("recorded", &lock(&self.log).len())
            .finish_non_exhaustive()
    }
}
