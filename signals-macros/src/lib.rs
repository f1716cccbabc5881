//! Procedural macros of `signals` (`signals-dispatch` on crates.io). Use
//! them through that crate, whose pages for `signal!` and `#[receiver]`
//! document them; the two entry points here carry no doc comment of their
//! own, so that those pages show only that documentation.

mod args;
mod call;
mod durable;
mod errors;
mod model_signals;
mod receiver;
mod signal;
mod signature;
mod spans;
mod submit;
mod target;

use proc_macro::TokenStream;

// Registers a function as a receiver of one or more signals at link time.
#[proc_macro_attribute]
pub fn receiver(args: TokenStream, item: TokenStream) -> TokenStream {
    receiver::expand(args.into(), item.into()).into()
}

// Declares one or more signals.
#[proc_macro]
pub fn signal(input: TokenStream) -> TokenStream {
    signal::expand(input.into()).into()
}

/// Makes a SeaORM entity send the model signals from its hooks. Documented
/// in the `signals` crate.
#[proc_macro_attribute]
pub fn model_signals(args: TokenStream, item: TokenStream) -> TokenStream {
    model_signals::expand(args.into(), item.into()).into()
}
