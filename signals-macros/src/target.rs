//! One signal named by `#[receiver]`, with the paths and spans that every
//! part of its registration (the wrapper in `receiver.rs`, the call in
//! `call.rs`) spans its tokens with.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote_spanned;
use syn::{Path, PathSegment, Token};

use crate::spans::signal_bounds;

/// One signal of the attribute, with the paths and spans every part of its
/// registration needs.
pub(crate) struct Target {
    /// A local alias of the path, spanned at the signal's name: the path is
    /// written out once, so a path that does not resolve is one error.
    pub(crate) signal: Ident,
    pub(crate) krate: Path,
    /// The first token of the signal path.
    pub(crate) first: Span,
    /// The signal's name, the last segment of its path.
    pub(crate) last: Span,
}

impl Target {
    pub(crate) fn new(signal: &Path, krate: Option<&Path>) -> Self {
        let (first, last) = signal_bounds(signal);
        let krate = krate.cloned().unwrap_or_else(|| Path {
            leading_colon: Some(Token![::](first)),
            segments: [PathSegment::from(Ident::new("signals", first))]
                .into_iter()
                .collect(),
        });
        Target {
            signal: Ident::new("__signals_signal", last),
            krate,
            first,
            last,
        }
    }

    /// `<SIGNAL as SignalDef>::name`, spanned so that an error on it
    /// underlines the signal's path in the attribute.
    pub(crate) fn assoc(&self, name: &str, generics: &TokenStream) -> TokenStream {
        let Target {
            signal,
            krate,
            first,
            last,
            ..
        } = self;
        let name = Ident::new(name, *last);
        let mut out = quote_spanned!(*first=> <#signal as #krate::SignalDef>);
        out.extend(quote_spanned!(*last=> :: #name #generics));
        out
    }
}
