//! Where the generated tokens point.
//!
//! An error on generated code is shown on the span of its tokens; giving the
//! generated tokens the user's spans makes rustc's own type errors point at
//! the user's signature and at the signal path in the attribute.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::ToTokens;
use syn::Path;

/// The spans of the first and last tokens of `tokens`. rustc underlines an
/// expression or a type from the start of its first token to the end of its
/// last, so giving generated tokens these two spans makes an error cover
/// exactly the user's tokens (`Span::join` is not available on stable).
///
/// Only punctuation, delimiters and paths to items take the user's spans:
/// the wrapper's locals keep the call-site span so they stay visible to each
/// other when the user's tokens come from a `macro_rules!` with its own
/// hygiene.
pub(crate) fn bounds(tokens: &impl ToTokens) -> (Span, Span) {
    let mut spans = tokens.to_token_stream().into_iter().map(|tt| tt.span());
    let first = spans.next().unwrap_or_else(Span::call_site);
    (first, spans.last().unwrap_or(first))
}

/// Like [`bounds`] for a signal path, ending at the signal's name.
pub(crate) fn signal_bounds(signal: &Path) -> (Span, Span) {
    let (first, last) = bounds(signal);
    let name = signal.segments.last().map(|segment| segment.ident.span());
    (first, name.unwrap_or(last))
}

/// A group whose delimiters carry `span`: an expression in parentheses or a
/// block is underlined from its opening to its closing delimiter.
pub(crate) fn group(delimiter: Delimiter, span: Span, content: TokenStream) -> Group {
    let mut group = Group::new(delimiter, content);
    group.set_span(span);
    group
}
