//! Shared by the bench binaries: criterion settings and `macro_rules` that
//! stamp out many distinct `#[receiver]` functions.
//!
//! Each receiver lives in its own module (`m3::m7::m1::recv`), so 1000
//! receivers need no identifier concatenation: three nested levels of ten
//! modules. Every receiver does the same thing as the floor's closures: it
//! hands its argument to `black_box`, so neither side can be optimised away.

// Each bench binary uses a different subset of this module.
#![allow(dead_code)]

use std::time::Duration;

use criterion::Criterion;

/// Short runs: the machine is shared, and a full `cargo bench` should finish
/// in a few minutes. The numbers are medians over 30 samples.
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

/// A floor receiver: a plain function doing what a bench receiver does.
pub type FloorFn = fn(signals::Sender, &u64);

/// Expands its body in ten sibling modules `m0` … `m9`, plus a `floors`
/// function collecting the floor functions of all of them.
macro_rules! tens {
    ($($body:tt)*) => {
        #[allow(dead_code)] // only the static floors are collected
        pub fn floors(out: &mut Vec<crate::support::FloorFn>) {
            m0::floors(out); m1::floors(out); m2::floors(out); m3::floors(out); m4::floors(out);
            m5::floors(out); m6::floors(out); m7::floors(out); m8::floors(out); m9::floors(out);
        }
        pub mod m0 { $($body)* }
        pub mod m1 { $($body)* }
        pub mod m2 { $($body)* }
        pub mod m3 { $($body)* }
        pub mod m4 { $($body)* }
        pub mod m5 { $($body)* }
        pub mod m6 { $($body)* }
        pub mod m7 { $($body)* }
        pub mod m8 { $($body)* }
        pub mod m9 { $($body)* }
    };
}

/// One static receiver of `crate::$sig` (a path from the crate root, such as
/// `workload::STATIC_10`), and a floor function just like it: the static
/// floor calls as many distinct functions as the signal has receivers, so
/// both sides face the same indirect-branch targets.
macro_rules! leaf {
    ($($sig:ident)::+) => {
        #[::signals::receiver(crate::$($sig)::+)]
        fn recv(args: &u64) {
            ::std::hint::black_box((args, module_path!()));
        }
        floor_leaf!();
    };
}

/// The floor function of a leaf module.
macro_rules! floor_leaf {
    () => {
        #[allow(dead_code)] // only the static floors are collected
        fn floor(_: ::signals::Sender, args: &u64) {
            ::std::hint::black_box((args, module_path!()));
        }
        #[allow(dead_code)]
        pub fn floors(out: &mut Vec<crate::support::FloorFn>) {
            out.push(floor);
        }
    };
}

/// The floor functions of a module made by `receivers!`.
pub fn floors(collect: fn(&mut Vec<FloorFn>)) -> Vec<FloorFn> {
    let mut out = Vec::new();
    collect(&mut out);
    out
}

/// 1, 10, 100 or 1000 static receivers of `crate::$sig`.
macro_rules! receivers {
    (1, $($sig:ident)::+) => {
        leaf!($($sig)::+);
    };
    (10, $($sig:ident)::+) => {
        tens! { leaf!($($sig)::+); }
    };
    (100, $($sig:ident)::+) => {
        tens! { tens! { leaf!($($sig)::+); } }
    };
    (1000, $($sig:ident)::+) => {
        tens! { tens! { tens! { leaf!($($sig)::+); } } }
    };
}
