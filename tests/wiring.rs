//! The wiring map (`signals::wiring()`), its table and `dot` renderings, and
//! the `Display`/`Debug` output of a signal.

use std::sync::Arc;

use signals::Wiring;
use signals::registry::AnySignal;
use signals::{ConnectOptions, Origin, Sender, receiver, signal, wiring};

pub struct Bakery;

signal! {
    /// Sent when bread is out of the oven.
    /// (Only the first doc line is shown in the table.)
    pub static BREAD_BAKED: u32;
    /// Nobody listens.
    pub static SILENT: u32;
    pub static QUOTED: u32;
    pub static SHOWN: u32;
    pub static MIXED: u32;
}

#[receiver(MIXED, priority = 1)]
fn count_stock() {}

#[receiver(BREAD_BAKED, sender = Bakery, dispatch_uid = "shelf", priority = 3)]
fn fill_shelf() {}

#[receiver([BREAD_BAKED, SHOWN])]
async fn tweet(_sender: Sender) {}

const FILE: &str = "tests/wiring.rs";

fn line_of(needle: &str) -> u32 {
    let source = include_str!("wiring.rs");
    let index = source
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in this file"));
    u32::try_from(index + 1).unwrap()
}

#[test]
fn wiring_lists_declared_signals_with_static_and_runtime_receivers() {
    let owner = Arc::new(());
    let _weak = MIXED
        .connect_weak_with(ConnectOptions::new().name("counter"), &owner, |_, _, _| {})
        .unwrap()
        .scoped();
    let all = wiring();
    let bread = all
        .signals()
        .iter()
        .find(|s| s.name == "BREAD_BAKED")
        .expect("BREAD_BAKED is declared");
    assert_eq!(bread.path(), "wiring::BREAD_BAKED");
    assert_eq!(
        bread.declared_at,
        Some((FILE, line_of("pub static BREAD_BAKED")))
    );
    assert!(bread.doc.starts_with("Sent when bread is out of the oven."));
    let names: Vec<String> = bread.receivers.iter().map(|r| r.path()).collect();
    assert_eq!(names, ["wiring::fill_shelf", "wiring::tweet"]);
    let mixed = all.signals().iter().find(|s| s.name == "MIXED").unwrap();
    let names: Vec<String> = mixed.receivers.iter().map(|r| r.path()).collect();
    assert_eq!(names, ["wiring::count_stock", "wiring::counter"]);
    assert_eq!(mixed.receivers[0].origin, Origin::Static);
    assert_eq!(mixed.receivers[1].origin, Origin::Runtime);
    assert!(mixed.receivers[1].weak);
    // The library's own signals are in the registry too.
    assert!(
        all.signals()
            .iter()
            .any(|s| s.path() == "signals_core::events::RECEIVER_CONNECTED")
    );
}

#[test]
fn the_table_shows_one_block_per_signal_in_dispatch_order() {
    let only = wiring().retain(|s| s.name == "BREAD_BAKED" || s.name == "SILENT");
    let table = only.to_string();
    let shelf = line_of("fn fill_shelf");
    let tweet = line_of("async fn tweet");
    let header = "    #  receiver            sender          dispatch_uid  priority  kind   origin  defined at";
    let expected = format!(
        "wiring::BREAD_BAKED  (declared at {FILE}:{})
  Sent when bread is out of the oven.
{header}
    1  wiring::fill_shelf  wiring::Bakery  shelf                3  sync   static  {FILE}:{shelf}
    2  wiring::tweet       any             -                    0  async  static  {FILE}:{tweet}

wiring::SILENT  (declared at {FILE}:{})
  Nobody listens.
  no receivers
",
        line_of("pub static BREAD_BAKED"),
        line_of("pub static SILENT"),
    );
    assert_eq!(table, expected);
    assert_eq!(Wiring::default().to_string(), "no signals\n");
    let chosen = Wiring::of([&SILENT as &dyn AnySignal, &SHOWN]);
    let paths: Vec<String> = chosen.signals().iter().map(|s| s.path()).collect();
    assert_eq!(paths, ["wiring::SILENT", "wiring::SHOWN"]);
    assert_eq!(chosen.signals()[0].declared_at, None);
}

#[test]
fn the_dot_graph_links_signals_to_receivers_with_sender_and_priority() {
    let _odd = QUOTED
        .connect_with(ConnectOptions::new().name(r#"say "hi" \o/"#), || {})
        .unwrap()
        .scoped();
    let dot = wiring()
        .retain(|s| matches!(s.name, "BREAD_BAKED" | "SHOWN" | "QUOTED"))
        .dot();
    assert!(dot.starts_with("digraph signals {\n"));
    assert!(dot.ends_with("}\n"));
    let tweet = format!(
        "\"receiver wiring::tweet {FILE}:{}\"",
        line_of("async fn tweet")
    );
    // One node for a receiver of two signals, with an edge from each.
    assert_eq!(
        dot.lines()
            .filter(|l| l.trim_start().starts_with(&tweet))
            .count(),
        1
    );
    assert!(dot.contains(&format!(
        "\"signal wiring::BREAD_BAKED\" -> {tweet} [label=\"sender: any\\npriority: 0\"];"
    )));
    assert!(dot.contains(&format!(
        "\"signal wiring::SHOWN\" -> {tweet} [label=\"sender: any\\npriority: 0\"];"
    )));
    assert!(dot.contains("[label=\"sender: wiring::Bakery\\npriority: 3\\nuid: shelf\"];"));
    // Quotes and backslashes in names are escaped.
    // (A free-form name is shown as given, without a module prefix.)
    assert!(dot.contains(r#"label="say \"hi\" \\o/\n"#), "{dot}");
    // Every statement is terminated and every string closed.
    for line in dot.lines().skip(1) {
        if line == "}" {
            continue;
        }
        assert!(line.ends_with(';'), "{line}");
        let unescaped_quotes = line.replace("\\\\", "").replace("\\\"", "");
        assert_eq!(unescaped_quotes.matches('"').count() % 2, 0, "{line}");
    }
}

#[test]
fn display_and_debug_show_a_signals_receivers() {
    assert_eq!(SHOWN.to_string(), "wiring::SHOWN -> [wiring::tweet]");
    assert_eq!(SILENT.to_string(), "wiring::SILENT -> []");
    let block = format!("{BREAD_BAKED:#}");
    assert!(block.starts_with("wiring::BREAD_BAKED\n"), "{block}");
    assert!(
        block.contains("1  wiring::fill_shelf  wiring::Bakery  shelf"),
        "{block}"
    );
    let debug = format!("{SHOWN:?}");
    assert_eq!(
        debug,
        format!(
            "Signal {{ path: wiring::SHOWN, receivers: [wiring::tweet ({FILE}:{}) sender=any, priority=0, async, static] }}",
            line_of("async fn tweet")
        )
    );
}
