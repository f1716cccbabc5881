//! The call of the user's function inside the generated wrapper.
//!
//! The macro does not know the signal's types; rustc checks them. This
//! module writes the call so that rustc's errors land on the user's tokens
//! (see `spans.rs`) rather than on the attribute as a whole.

use proc_macro2::{Delimiter, Ident, TokenStream};
use quote::{quote, quote_spanned};
use syn::{ItemFn, ReturnType};

use crate::signature::{Param, Role};
use crate::spans::{bounds, group};
use crate::target::Target;

/// The call of the user's function, type-checked against the signal in a
/// way that makes rustc point at the user's tokens:
///
/// - each parameter is first bound to a local of the parameter's own type,
///   so a mismatch underlines that type ("expected due to this") and the
///   signal that supplies the value;
/// - without a sender filter (`filtered` false), the arguments come through
///   the signal's narrowing (`__private::Unfiltered`), spanned over the
///   parameter's type, so a signal with typed views reports a view that
///   needs a filter as such, at that type;
/// - the result is bound to a local of the signal's response type, the call
///   spanned over the user's return type.
///
/// Evaluates to the response (or the boxed future of an async function).
pub(crate) fn checked_call(
    function: &ItemFn,
    params: &[Param],
    target: &Target,
    filtered: bool,
) -> TokenStream {
    let krate = &target.krate;
    let fn_name = &function.sig.ident;
    let bindings = params.iter().map(|param| {
        let ty = &param.ty;
        match param.role {
            Role::Sender => {
                // Through `SenderParam`, whose error names the accepted shapes.
                let (first, last) = bounds(ty);
                let mut convert = quote_spanned!(first=> <#ty as #krate::__private::SenderParam>);
                convert.extend(quote_spanned!(last=> ::from_sender));
                quote! { let __signals_sender: #ty = #convert(__signals_sender); }
            }
            Role::Args => {
                // The value is named by an ident at the signal's name, so a
                // mismatch points there. Its definition and its use carry the
                // same span, so they resolve to each other whatever the
                // hygiene of the user's tokens. The reborrow keeps the
                // wrapper's lifetime names out of the message.
                let supplied = Ident::new("__signals_supplied", target.last);
                let value = if filtered {
                    quote!(&*__signals_args)
                } else {
                    let (first, last) = bounds(ty);
                    // Everything that needs the path to be a signal is
                    // spanned over it (see `target.rs`).
                    let narrowing = target.assoc("Narrowing", &TokenStream::new());
                    let args = target.assoc("Args", &quote_spanned!(target.last=> <'_>));
                    let mut supply = quote_spanned!(first=> <#narrowing as #krate::__private::Unfiltered<'_, #args, #ty>>);
                    supply.extend(quote_spanned!(last=> ::supply));
                    supply.extend([group(
                        Delimiter::Parenthesis,
                        last,
                        quote!(&*__signals_args),
                    )]);
                    supply
                };
                quote! {
                    let #supplied = #value;
                    let __signals_args: #ty = #supplied;
                }
            }
        }
    });

    // The call is spanned over what it produces: the return type, or the
    // function (`async fn name` for an async one) when there is none.
    let (result_first, result_last) = match &function.sig.output {
        ReturnType::Type(_, ty) => bounds(ty),
        ReturnType::Default => match &function.sig.asyncness {
            Some(asyncness) => (asyncness.span, fn_name.span()),
            None => (fn_name.span(), fn_name.span()),
        },
    };
    let mut callee = fn_name.clone();
    callee.set_span(fn_name.span().located_at(result_first));
    let call_args = params.iter().map(|param| match param.role {
        Role::Sender => quote!(__signals_sender),
        Role::Args => quote!(__signals_args),
    });
    let call_args = group(Delimiter::Parenthesis, result_last, quote!(#(#call_args),*));
    let call = quote!(#callee #call_args);
    let response = target.assoc("Response", &TokenStream::new());
    let result = if function.sig.asyncness.is_some() {
        // Coercing to `BoxFuture` checks the output type and `Send`.
        let boxed = group(Delimiter::Parenthesis, result_last, call);
        let pin = quote_spanned!(result_first=> ::std::boxed::Box::pin);
        quote! {
            let __signals_future: #krate::BoxFuture<'_, #response> = #pin #boxed;
            __signals_future
        }
    } else {
        quote! {
            let __signals_response: #response = #call;
            __signals_response
        }
    };
    quote! {
        #(#bindings)*
        #result
    }
}
