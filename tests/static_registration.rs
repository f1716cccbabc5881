//! Duplicate `dispatch_uid`s among static receivers in different modules are
//! resolved by dispatch order (priority, then module path, line and name),
//! never by link order, and reported by `duplicates()`.

use signals::{Sender, receiver, signal};

signal! {
    /// Three receivers in three modules share one uid.
    static AUDITED: () => &'static str;
    /// Same uid, but the later module has the higher priority.
    static PRIORITIZED: () => &'static str;
    /// Same uid with different sender filters: not duplicates.
    static FILTERED: () => &'static str;
}

struct Billing;

// Declared first in the file but sorts last by module path.
mod zebra {
    use super::*;

    #[receiver(AUDITED, dispatch_uid = "audit")]
    fn zebra_audit() -> &'static str {
        "zebra"
    }

    #[receiver(PRIORITIZED, dispatch_uid = "audit", priority = 5)]
    fn zebra_first() -> &'static str {
        "zebra"
    }
}

mod alpha {
    use super::*;

    #[receiver(AUDITED, dispatch_uid = "audit")]
    fn alpha_audit() -> &'static str {
        "alpha"
    }

    #[receiver(PRIORITIZED, dispatch_uid = "audit")]
    fn alpha_later() -> &'static str {
        "alpha"
    }

    #[receiver(FILTERED, dispatch_uid = "audit")]
    fn any_sender() -> &'static str {
        "any"
    }

    #[receiver(FILTERED, dispatch_uid = "audit", sender = Billing)]
    fn billing_only() -> &'static str {
        "billing"
    }
}

mod middle {
    use super::*;

    #[receiver(AUDITED, dispatch_uid = "audit")]
    fn middle_audit() -> &'static str {
        "middle"
    }
}

#[test]
fn duplicate_uids_keep_the_first_by_module_path_and_report_the_rest() {
    let duplicates = AUDITED.duplicates();
    let pairs: Vec<_> = duplicates
        .iter()
        .map(|d| (d.kept.path(), d.ignored.path()))
        .collect();
    assert_eq!(
        pairs,
        [
            (
                "static_registration::alpha::alpha_audit".to_owned(),
                "static_registration::middle::middle_audit".to_owned()
            ),
            (
                "static_registration::alpha::alpha_audit".to_owned(),
                "static_registration::zebra::zebra_audit".to_owned()
            ),
        ]
    );
    assert_eq!(AUDITED.send(Sender::NONE, &()), ["alpha"]);
    assert_eq!(AUDITED.receivers().len(), 1);
}

#[test]
fn duplicate_resolution_prefers_higher_priority() {
    let duplicates = PRIORITIZED.duplicates();
    assert_eq!(duplicates.len(), 1);
    assert_eq!(duplicates[0].kept.name, "zebra_first");
    assert_eq!(duplicates[0].ignored.name, "alpha_later");
    assert_eq!(PRIORITIZED.send(Sender::NONE, &()), ["zebra"]);
}

#[test]
fn same_uid_with_another_sender_filter_is_not_a_duplicate() {
    assert!(FILTERED.duplicates().is_empty());
    assert_eq!(
        FILTERED.send(Sender::of::<Billing>(), &()),
        ["any", "billing"]
    );
    assert_eq!(FILTERED.send(Sender::NONE, &()), ["any"]);
}

#[test]
fn resolution_is_stable_across_repeated_queries() {
    // Resolution happens once; asking again (from other threads too) gives
    // the same answer.
    let first = AUDITED.duplicates();
    let from_threads: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(|| AUDITED.duplicates()))
        .collect();
    for handle in from_threads {
        assert_eq!(handle.join().expect("query thread"), first);
    }
}
