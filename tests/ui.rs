//! Compile-time misuse of `signal!` and `#[receiver]`: each `ui/fail/*.rs`
//! (and `ui/durable/*.rs` with the `durable-*` features)
//! must fail with exactly the diagnostics in its `.stderr`, and each
//! `ui/pass/*.rs` must compile and run. Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test --test ui` and read the diff.
//!
//! The `.stderr` files hold rustc's own wording for type errors, so they
//! follow the toolchain they were generated with (stable 1.95); a newer
//! compiler may reword them.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
    // Durable receivers' misuse, with their features on (without them any
    // durable receiver is one error naming the features).
    #[cfg(all(feature = "durable-sqlite", feature = "durable-postgres"))]
    cases.compile_fail("tests/ui/durable/*.rs");
    // `#[model_signals]` and typed receivers of SeaORM entities.
    if cfg!(feature = "sea-orm") {
        cases.compile_fail("tests/ui/seaorm/fail/*.rs");
        cases.pass("tests/ui/seaorm/pass/*.rs");
    }
}
