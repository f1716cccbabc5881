//! The wiring map: which receivers listen to which signals, as a table or a
//! Graphviz graph (see [`wiring()`]), and how a [`Signal`] formats itself
//! with the same rows.

use std::fmt::{self, Write as _};

use crate::def::SignalDef;
use crate::receiver::{Origin, ReceiverInfo, ReceiverKind};
use crate::registry::{self, AnySignal};
use crate::sender::Sender;
use crate::signal::Signal;

/// One signal and its receivers.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SignalWiring {
    /// The signal's name as declared.
    pub name: &'static str,
    /// The module it was declared in.
    pub module_path: &'static str,
    /// Where `signal!` declared it (unknown for a signal built with
    /// `Signal::new` outside `signal!`).
    pub declared_at: Option<(&'static str, u32)>,
    /// The declaration's doc comment.
    pub doc: &'static str,
    /// Live receivers in dispatch order.
    pub receivers: Vec<ReceiverInfo>,
}

impl SignalWiring {
    /// A snapshot of `signal`.
    #[must_use]
    pub fn of(signal: &dyn AnySignal) -> SignalWiring {
        SignalWiring {
            name: signal.name(),
            module_path: signal.module_path(),
            declared_at: None,
            doc: "",
            receivers: signal.receivers(),
        }
    }

    /// `module_path::NAME`.
    #[must_use]
    pub fn path(&self) -> String {
        format!("{}::{}", self.module_path, self.name)
    }
}

/// A snapshot of signals and their receivers; see [`wiring()`].
#[derive(Clone, Debug, Default)]
pub struct Wiring {
    signals: Vec<SignalWiring>,
}

/// Every declared signal with its receivers, sorted by signal path.
///
/// Takes a snapshot of every signal declared in the program (see
/// [`registry`](mod@crate::registry)) with its live receivers, static and
/// runtime, in dispatch order. Render it with `Display` (a text table, one
/// block per signal) or [`Wiring::dot`] (a `dot` graph: signal → receiver,
/// each edge labelled with the receiver's sender filter and priority, and
/// its queue when it is durable); the table's `delivery` column says how a
/// send reaches each receiver: `inline` (the send calls it) or
/// `durable(queue)` (a worker of that queue runs it, after the commit):
///
/// ```
/// let wiring = signals_core::wiring();
/// println!("{wiring}");
/// std::fs::write(std::env::temp_dir().join("signals.dot"), wiring.dot())?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// The snapshot is taken when `wiring()` is called: receivers connected
/// later are not in it. Receivers a test mute hides are still listed: they are
/// connected, just not called.
#[must_use]
pub fn wiring() -> Wiring {
    let signals = registry::signals()
        .into_iter()
        .map(|declared| SignalWiring {
            declared_at: Some((declared.file(), declared.line())),
            doc: declared.doc(),
            ..SignalWiring::of(declared.signal())
        })
        .collect();
    Wiring { signals }
}

impl Wiring {
    /// The wiring of the given signals only, in the given order (for
    /// signals that `signal!` did not declare, or to focus on a few).
    #[must_use]
    pub fn of<'a>(signals: impl IntoIterator<Item = &'a dyn AnySignal>) -> Wiring {
        Wiring {
            signals: signals.into_iter().map(SignalWiring::of).collect(),
        }
    }

    /// Keeps the signals for which `keep` returns `true`, e.g. those of one
    /// crate: `wiring().retain(|s| s.module_path.starts_with("my_app"))`.
    #[must_use]
    pub fn retain(mut self, keep: impl FnMut(&SignalWiring) -> bool) -> Wiring {
        self.signals.retain(keep);
        self
    }

    /// The signals, in order.
    #[must_use]
    pub fn signals(&self) -> &[SignalWiring] {
        &self.signals
    }

    /// The wiring as a Graphviz `dot` graph: one box per signal, one ellipse
    /// per receiver (dashed when connected at run time), one edge per
    /// connection labelled with its sender filter and priority (and
    /// `durable(queue)` for a durable receiver). A receiver
    /// listening to several signals is one node with several edges. Render
    /// with `dot -Tsvg wiring.dot > wiring.svg`.
    #[must_use]
    pub fn dot(&self) -> String {
        let mut out = String::from(
            "digraph signals {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
        );
        let mut receivers: Vec<(String, &ReceiverInfo)> = Vec::new();
        for signal in &self.signals {
            let _ = writeln!(
                out,
                "  {} [shape=box, style=\"rounded,filled\", fillcolor=\"#fff3c4\", label={}];",
                quote(&format!("signal {}", signal.path())),
                quote(&format!("{}\n{}", signal.name, signal.module_path)),
            );
            for info in &signal.receivers {
                let id = receiver_id(info);
                if !receivers.iter().any(|(seen, _)| *seen == id) {
                    receivers.push((id, info));
                }
            }
        }
        for (id, info) in &receivers {
            let mut label = info.path();
            if info.kind == ReceiverKind::Async {
                label.insert_str(0, "async ");
            }
            let _ = write!(label, "\n{}:{}", info.file, info.line);
            let style = match (info.origin, info.weak) {
                (Origin::Static, _) => "solid",
                (Origin::Runtime, false) => "dashed",
                (Origin::Runtime, true) => "dotted",
            };
            let _ = writeln!(
                out,
                "  {} [shape=ellipse, style={style}, label={}];",
                quote(id),
                quote(&label),
            );
        }
        for signal in &self.signals {
            for info in &signal.receivers {
                let mut label = format!("sender: {}\npriority: {}", sender(info), info.priority);
                if let Some(uid) = &info.dispatch_uid {
                    let _ = write!(label, "\nuid: {uid}");
                }
                if info.durable.is_some() {
                    let _ = write!(label, "\n{}", delivery(info));
                }
                let _ = writeln!(
                    out,
                    "  {} -> {} [label={}];",
                    quote(&format!("signal {}", signal.path())),
                    quote(&receiver_id(info)),
                    quote(&label),
                );
            }
        }
        out.push_str("}\n");
        out
    }
}

/// A node id that merges the registrations of one function on several
/// signals but keeps apart closures that share a type name.
fn receiver_id(info: &ReceiverInfo) -> String {
    format!("receiver {} {}:{}", info.path(), info.file, info.line)
}

/// A `dot` string literal. `\n` becomes dot's centred line break.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn sender(info: &ReceiverInfo) -> &'static str {
    info.sender.as_ref().map_or("any", Sender::label)
}

const HEADER: [&str; 8] = [
    "receiver",
    "sender",
    "dispatch_uid",
    "priority",
    "kind",
    "delivery",
    "origin",
    "defined at",
];

/// How a send reaches the receiver: `inline` (called by the send) or
/// `durable(queue)` (run later by a worker of that queue).
fn delivery(info: &ReceiverInfo) -> String {
    match &info.durable {
        Some(queue) => format!("durable({queue})"),
        None => "inline".to_owned(),
    }
}

/// The table cells of one receiver, in `HEADER` order.
fn cells(info: &ReceiverInfo) -> [String; 8] {
    let kind = match info.kind {
        ReceiverKind::Sync => "sync",
        ReceiverKind::Async => "async",
    };
    let origin = match (info.origin, info.weak) {
        (Origin::Static, _) => "static",
        (Origin::Runtime, false) => "runtime",
        (Origin::Runtime, true) => "runtime, weak",
    };
    [
        info.path(),
        sender(info).to_owned(),
        info.dispatch_uid.as_deref().unwrap_or("-").to_owned(),
        info.priority.to_string(),
        kind.to_owned(),
        delivery(info),
        origin.to_owned(),
        format!("{}:{}", info.file, info.line),
    ]
}

/// Writes the receiver rows of several signals with shared column widths.
fn write_table(f: &mut fmt::Formatter<'_>, signals: &[SignalWiring]) -> fmt::Result {
    let mut widths = HEADER.map(str::len);
    for info in signals.iter().flat_map(|s| &s.receivers) {
        for (width, cell) in widths.iter_mut().zip(cells(info)) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let row = |f: &mut fmt::Formatter<'_>, number: &str, cells: &[String]| -> fmt::Result {
        write!(f, "  {number:>3}")?;
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            // Numbers right-aligned, text left-aligned; no trailing spaces.
            if i == 3 {
                write!(f, "  {cell:>width$}")?;
            } else if i == cells.len() - 1 {
                write!(f, "  {cell}")?;
            } else {
                write!(f, "  {cell:<width$}")?;
            }
        }
        writeln!(f)
    };
    for (i, signal) in signals.iter().enumerate() {
        if i > 0 {
            writeln!(f)?;
        }
        write!(f, "{}", signal.path())?;
        if let Some((file, line)) = signal.declared_at {
            write!(f, "  (declared at {file}:{line})")?;
        }
        writeln!(f)?;
        if let Some(summary) = signal.doc.lines().next().filter(|l| !l.is_empty()) {
            writeln!(f, "  {summary}")?;
        }
        if signal.receivers.is_empty() {
            writeln!(f, "  no receivers")?;
            continue;
        }
        row(f, "#", &HEADER.map(str::to_owned))?;
        for (n, info) in signal.receivers.iter().enumerate() {
            row(f, &(n + 1).to_string(), &cells(info))?;
        }
    }
    Ok(())
}

/// One block per signal: its path, declaration, doc summary and a numbered
/// table of its receivers in dispatch order.
impl fmt::Display for Wiring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.signals.is_empty() {
            return writeln!(f, "no signals");
        }
        write_table(f, &self.signals)
    }
}

/// The block of this one signal, as in the [`Wiring`] table.
impl fmt::Display for SignalWiring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_table(f, std::slice::from_ref(self))
    }
}

/// A compact one-line description of a receiver for `Debug` output:
/// `path (file:line) sender=…, priority=…, uid=…, async, runtime`.
struct Compact<'i>(&'i ReceiverInfo);

impl fmt::Debug for Compact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = self.0;
        write!(
            f,
            "{info} sender={}, priority={}",
            sender(info),
            info.priority
        )?;
        if let Some(uid) = &info.dispatch_uid {
            write!(f, ", uid={uid:?}")?;
        }
        if info.kind == ReceiverKind::Async {
            f.write_str(", async")?;
        }
        if info.durable.is_some() {
            write!(f, ", {}", delivery(info))?;
        }
        match (info.origin, info.weak) {
            (Origin::Static, _) => f.write_str(", static"),
            (Origin::Runtime, false) => f.write_str(", runtime"),
            (Origin::Runtime, true) => f.write_str(", runtime, weak"),
        }
    }
}

/// `Signal { path: "app::PIZZA_DONE", receivers: [..] }`, one compact line
/// per live receiver (path, location, sender filter, priority, uid, kind,
/// origin) in dispatch order.
impl<D: SignalDef> fmt::Debug for Signal<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let receivers = self.receivers();
        f.debug_struct("Signal")
            .field("path", &format_args!("{}::{}", D::MODULE_PATH, D::NAME))
            .field(
                "receivers",
                &receivers.iter().map(Compact).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// `{}`: the signal's path and its receivers on one line,
/// `app::PIZZA_DONE -> [app::kitchen::show, app::courier::notify]`.
/// `{:#}`: the signal's block of the wiring table (see [`wiring()`]), one
/// row per receiver with its sender filter, uid, priority, kind, origin and
/// location.
impl<D: SignalDef> fmt::Display for Signal<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return fmt::Display::fmt(&SignalWiring::of(self), f);
        }
        write!(f, "{}::{} -> [", D::MODULE_PATH, D::NAME)?;
        for (i, info) in self.receivers().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&info.path())?;
        }
        f.write_str("]")
    }
}
