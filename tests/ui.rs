//! Compile-time misuse of `signal!` and `#[receiver]`: each `ui/fail/*.rs`
//! must fail with exactly the diagnostics in its `.stderr`, and each
//! `ui/pass/*.rs` must compile and run. Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test --test ui` and read the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
