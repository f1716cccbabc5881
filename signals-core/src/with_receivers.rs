//! Responses paired with the receivers that gave them:
//! [`Signal::with_receivers`].
//!
//! Django's `send` returns `[(receiver, response)]`. Ours returns the
//! responses alone, which is what most senders need and costs nothing but
//! the calls. When a sender must know *who* answered (which receiver vetoed
//! an order, which handler returned what), `SIGNAL.with_receivers()` offers
//! the same four sends, each returning `(receiver, response)` pairs. Matching
//! responses against [`Signal::receivers`] by position would break as soon
//! as a receiver declines a send (a typed receiver of another model, a weak
//! receiver whose owner is gone) or the receivers change between the two
//! calls; the pairs come from the send itself.
//!
//! These sends run the very loops of the plain ones (with the pairing hook,
//! `hook::Paired`), so order, snapshot, failure and async rules are the same:
//! sync receivers first in dispatch order, then async ones in dispatch order;
//! a receiver connected during the send is not in the result, a receiver
//! that declines is absent from it. Each receiver is a shared handle
//! (`Arc<ReceiverInfo>`) from the snapshot the send used: pairing clones a
//! pointer, not the receiver's description, and holding a handle keeps the
//! description alone alive, never the receiver's closure.
//!
//! The price of a pair is that clone: a reference-count increment on memory
//! every send of the signal shares, so paired sends from many threads at
//! once contend a little where plain sends write nothing shared. Keep the
//! plain sends for hot paths that do not need the names.

use std::fmt;
use std::sync::Arc;

use crate::def::SignalDef;
use crate::dispatch::{RobustResponse, asend, asend_robust};
use crate::hook::{Paired, Silent};
use crate::receiver::ReceiverInfo;
use crate::sender::Sender;
use crate::signal::Signal;
#[cfg(feature = "tracing")]
use crate::trace::{self, Traced};

/// A response and the receiver that gave it.
pub type Answer<R> = (Arc<ReceiverInfo>, R);

/// The sends of one signal, returning each response with its receiver; see
/// [`Signal::with_receivers`].
#[must_use = "call `send`, `send_robust`, `asend` or `asend_robust` on it"]
pub struct WithReceivers<'s, D: SignalDef> {
    signal: &'s Signal<D>,
}

impl<D: SignalDef> Clone for WithReceivers<'_, D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D: SignalDef> Copy for WithReceivers<'_, D> {}

impl<D: SignalDef> fmt::Debug for WithReceivers<'_, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithReceivers")
            .field("signal", &D::NAME)
            .finish()
    }
}

impl<D: SignalDef> Signal<D> {
    /// The four sends of this signal, each returning `(receiver, response)`
    /// pairs as Django's `send` does: [`WithReceivers::send`],
    /// [`send_robust`](WithReceivers::send_robust),
    /// [`asend`](WithReceivers::asend) and
    /// [`asend_robust`](WithReceivers::asend_robust).
    ///
    /// The receiver is the [`ReceiverInfo`] of the receiver that answered,
    /// shared with the snapshot the send used, so it names exactly who gave
    /// each response even if receivers change during the send.
    ///
    /// ```
    /// use signals_core::{ReceiverInfo, Sender};
    /// # signals_macros::signal! {
    /// #     #![crate = signals_core]
    /// #     static CHECK_ORDER: Order => Result<(), Veto>;
    /// # }
    /// pub struct Order { pub total: u32 }
    /// #[derive(Debug, PartialEq)]
    /// pub struct Veto(&'static str);
    ///
    /// let _ = CHECK_ORDER.connect_with(
    ///     signals_core::ConnectOptions::new().name("stock"),
    ///     |_, _: &Order| Ok(()),
    /// )?;
    /// let _ = CHECK_ORDER.connect_with(
    ///     signals_core::ConnectOptions::new().name("credit limit"),
    ///     |_, order: &Order| if order.total > 100 { Err(Veto("over the limit")) } else { Ok(()) },
    /// )?;
    ///
    /// // Which receiver vetoed the order?
    /// let answers = CHECK_ORDER.with_receivers().send(Sender::NONE, &Order { total: 120 });
    /// let vetoes: Vec<(&str, &Veto)> = answers
    ///     .iter()
    ///     .filter_map(|(receiver, answer)| Some((&*receiver.name, answer.as_ref().err()?)))
    ///     .collect();
    /// assert_eq!(vetoes, [("credit limit", &Veto("over the limit"))]);
    /// # Ok::<(), signals_core::ConnectError>(())
    /// ```
    pub fn with_receivers(&self) -> WithReceivers<'_, D> {
        WithReceivers { signal: self }
    }
}

impl<D: SignalDef> WithReceivers<'_, D> {
    /// [`Signal::send`], each response paired with its receiver.
    ///
    /// ```
    /// use signals_core::{ConnectOptions, Sender};
    /// # signals_macros::signal! {
    /// #     #![crate = signals_core]
    /// #     static PRICE: u32 => u32;
    /// # }
    /// let _ = PRICE.connect_with(ConnectOptions::new().name("tax"), |_, net: &u32| net / 5)?;
    /// let _ = PRICE.connect_with(ConnectOptions::new().name("shipping"), |_, _: &u32| 7)?;
    ///
    /// let answers = PRICE.with_receivers().send(Sender::NONE, &100);
    /// let named: Vec<(&str, u32)> = answers.iter().map(|(r, n)| (&*r.name, *n)).collect();
    /// assert_eq!(named, [("tax", 20), ("shipping", 7)]);
    /// # Ok::<(), signals_core::ConnectError>(())
    /// ```
    pub fn send(&self, sender: Sender, args: &D::Args<'_>) -> Vec<Answer<D::Response>> {
        let signal = self.signal;
        #[cfg(feature = "tracing")]
        if trace::enabled() {
            return signal.send_listened::<Paired<Traced>>(signal.state(), sender, args);
        }
        let state = signal.state();
        if state.is_empty() {
            return Vec::new();
        }
        signal.send_listened::<Paired<Silent>>(state, sender, args)
    }

    /// [`Signal::send_robust`], each outcome paired with its receiver; a
    /// failure's [`ReceiverError`](crate::ReceiverError) names the same
    /// receiver.
    ///
    /// ```
    /// use signals_core::{ConnectOptions, Sender};
    /// # signals_macros::signal! {
    /// #     #![crate = signals_core]
    /// #     static NOTIFY: u32;
    /// # }
    /// let _ = NOTIFY.connect_with(ConnectOptions::new().name("email"), |_, _: &u32| {})?;
    /// let _ = NOTIFY.connect_with(ConnectOptions::new().name("sms"), |_, _: &u32| -> () { panic!("no signal") })?;
    ///
    /// let outcomes = NOTIFY.with_receivers().send_robust(Sender::NONE, &7);
    /// let failed: Vec<&str> = outcomes
    ///     .iter()
    ///     .filter(|(_, outcome)| outcome.is_err())
    ///     .map(|(receiver, _)| &*receiver.name)
    ///     .collect();
    /// assert_eq!(failed, ["sms"]);
    /// # Ok::<(), signals_core::ConnectError>(())
    /// ```
    pub fn send_robust(
        &self,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<Answer<RobustResponse<D::Response>>> {
        let signal = self.signal;
        #[cfg(feature = "tracing")]
        if trace::robust_enabled() {
            return signal.send_robust_listened::<Paired<Traced>>(signal.state(), sender, args);
        }
        let state = signal.state();
        if state.is_empty() {
            return Vec::new();
        }
        signal.send_robust_listened::<Paired<Silent>>(state, sender, args)
    }

    /// [`Signal::asend`], each response paired with its receiver (async
    /// receivers in dispatch order, not completion order).
    ///
    /// ```
    /// use signals_core::{ConnectOptions, Sender};
    /// # signals_macros::signal! {
    /// #     #![crate = signals_core]
    /// #     static QUOTE: u32 => u32;
    /// # }
    /// let _ = QUOTE.connect_async_with(ConnectOptions::new().name("courier"), |_, kg: &u32| {
    ///     let kg = *kg;
    ///     Box::pin(async move { kg * 3 })
    /// })?;
    /// let _ = QUOTE.connect_with(ConnectOptions::new().name("post"), |_, kg: &u32| kg * 2)?;
    ///
    /// # futures::executor::block_on(async {
    /// let quotes = QUOTE.with_receivers().asend(Sender::NONE, &5).await;
    /// let named: Vec<(&str, u32)> = quotes.iter().map(|(r, n)| (&*r.name, *n)).collect();
    /// // Sync receivers answer first, as in every send.
    /// assert_eq!(named, [("post", 10), ("courier", 15)]);
    /// # });
    /// # Ok::<(), signals_core::ConnectError>(())
    /// ```
    pub async fn asend(&self, sender: Sender, args: &D::Args<'_>) -> Vec<Answer<D::Response>> {
        let signal = self.signal;
        #[cfg(feature = "tracing")]
        if trace::enabled() {
            return asend!(Paired<Traced>, signal, signal.state(), sender, args);
        }
        let state = signal.state();
        if state.is_empty() {
            return Vec::new();
        }
        asend!(Paired<Silent>, signal, state, sender, args)
    }

    /// [`Signal::asend_robust`], each outcome paired with its receiver.
    ///
    /// ```
    /// use signals_core::{ConnectOptions, Sender};
    /// # signals_macros::signal! {
    /// #     #![crate = signals_core]
    /// #     static SYNC_STOCK: u32;
    /// # }
    /// let _ = SYNC_STOCK.connect_async_with(ConnectOptions::new().name("warehouse"), |_, _: &u32| {
    ///     Box::pin(async { panic!("warehouse offline") })
    /// })?;
    ///
    /// # futures::executor::block_on(async {
    /// let outcomes = SYNC_STOCK.with_receivers().asend_robust(Sender::NONE, &3).await;
    /// let (receiver, outcome) = &outcomes[0];
    /// let error = outcome.as_ref().unwrap_err();
    /// assert_eq!(error.receiver(), &**receiver);
    /// assert_eq!(receiver.name, "warehouse");
    /// # });
    /// # Ok::<(), signals_core::ConnectError>(())
    /// ```
    pub async fn asend_robust(
        &self,
        sender: Sender,
        args: &D::Args<'_>,
    ) -> Vec<Answer<RobustResponse<D::Response>>> {
        let signal = self.signal;
        #[cfg(feature = "tracing")]
        if trace::robust_enabled() {
            return asend_robust!(Paired<Traced>, signal, signal.state(), sender, args);
        }
        let state = signal.state();
        if state.is_empty() {
            return Vec::new();
        }
        asend_robust!(Paired<Silent>, signal, state, sender, args)
    }
}
