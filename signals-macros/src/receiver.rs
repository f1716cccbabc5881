//! Expansion of `#[receiver(...)]`.
//!
//! The user's function is emitted unchanged (so it can still be called and
//! disconnected by value). For each signal, a `const _` block adds a wrapper
//! with the canonical signature `fn(Sender, &Args) -> Option<Response>` and
//! submits a `StaticReceiver` node to that signal's `inventory` collection.
//!
//! Types are checked by rustc, not by the macro, but the wrapper is written so
//! that a mismatch is reported on the user's tokens: each parameter is first
//! bound to a local annotated with the parameter's own type (rustc then
//! points at that type, "expected due to this", and at the signal that
//! supplies the value), and the result is bound to a local annotated with the
//! signal's response type, the call carrying the span of the user's return
//! type.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, Path, PathSegment, ReturnType, Token};

use crate::args::ReceiverArgs;
use crate::signature::{self, Param, Role};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let message = "`#[receiver]` can only be applied to a function";
            let error = match syn::parse2::<syn::Item>(item.clone()) {
                Ok(other) => syn::Error::new(item_keyword_span(&other), message),
                Err(_) => syn::Error::new(Span::call_site(), message),
            };
            let mut out = error.into_compile_error();
            out.extend(item);
            return out;
        }
    };
    match expand_function(args, &function) {
        Ok(registrations) => quote! { #function #registrations },
        Err(error) => {
            // Emit the function anyway so its own uses do not add errors.
            let error = error.into_compile_error();
            quote! { #error #function }
        }
    }
}

fn item_keyword_span(item: &syn::Item) -> Span {
    match item {
        syn::Item::Struct(s) => s.struct_token.span,
        syn::Item::Enum(e) => e.enum_token.span,
        syn::Item::Static(s) => s.static_token.span,
        syn::Item::Const(c) => c.const_token.span,
        syn::Item::Mod(m) => m.mod_token.span,
        syn::Item::Impl(i) => i.impl_token.span,
        syn::Item::Trait(t) => t.trait_token.span,
        syn::Item::Type(t) => t.type_token.span,
        syn::Item::Use(u) => u.use_token.span,
        other => other.span(),
    }
}

fn expand_function(args: TokenStream, function: &ItemFn) -> syn::Result<TokenStream> {
    // Report bad arguments and a bad signature together.
    let args = syn::parse2::<ReceiverArgs>(args);
    let params = signature::check(function);
    let (args, params) = match (args, params) {
        (Ok(args), Ok(params)) => (args, params),
        (Err(mut error), Err(more)) => {
            error.combine(more);
            return Err(error);
        }
        (Err(error), _) | (_, Err(error)) => return Err(error),
    };
    Ok(args
        .signals
        .iter()
        .map(|signal| registration(&args, function, &params, signal, args.krate.as_ref()))
        .collect())
}

/// The spans of the first and last tokens of `tokens`. rustc underlines an
/// expression or a type from the start of its first token to the end of its
/// last, so giving generated tokens these two spans makes an error cover
/// exactly the user's tokens (`Span::join` is not available on stable).
///
/// Only punctuation, delimiters and paths to items take the user's spans:
/// the wrapper's locals keep the call-site span so they stay visible to each
/// other when the user's tokens come from a `macro_rules!` with its own
/// hygiene.
fn bounds(tokens: &impl ToTokens) -> (Span, Span) {
    let mut spans = tokens.to_token_stream().into_iter().map(|tt| tt.span());
    let first = spans.next().unwrap_or_else(Span::call_site);
    (first, spans.last().unwrap_or(first))
}

/// Like [`bounds`] for a signal path, ending at the signal's name.
fn signal_bounds(signal: &Path) -> (Span, Span) {
    let (first, last) = bounds(signal);
    let name = signal.segments.last().map(|segment| segment.ident.span());
    (first, name.unwrap_or(last))
}

/// `<SIGNAL as SignalDef>::name`, spanned so that an error on it underlines
/// the signal's path in the attribute.
fn assoc(signal: &Path, krate: &Path, name: &str, generics: &TokenStream) -> TokenStream {
    let (first, last) = signal_bounds(signal);
    let name = Ident::new(name, last);
    let mut out = quote_spanned!(first=> <#signal as #krate::SignalDef>);
    out.extend(quote_spanned!(last=> :: #name #generics));
    out
}

fn group(delimiter: Delimiter, span: Span, content: TokenStream) -> Group {
    let mut group = Group::new(delimiter, content);
    group.set_span(span);
    group
}

fn registration(
    args: &ReceiverArgs,
    function: &ItemFn,
    params: &[Param],
    signal: &Path,
    krate: Option<&Path>,
) -> TokenStream {
    let fn_name = &function.sig.ident;
    let name = fn_name.to_string();
    let is_async = function.sig.asyncness.is_some();
    let (signal_first, signal_last) = signal_bounds(signal);
    let krate = krate.cloned().unwrap_or_else(|| Path {
        leading_colon: Some(Token![::](signal_first)),
        segments: [PathSegment::from(Ident::new("signals", signal_first))]
            .into_iter()
            .collect(),
    });
    let response_ty = assoc(signal, &krate, "Response", &TokenStream::new());
    let args_ty = assoc(
        signal,
        &krate,
        "Args",
        &quote_spanned!(signal_last=> <'__a>),
    );
    let narrowing_ty = assoc(signal, &krate, "Narrowing", &TokenStream::new());

    // Each parameter is bound to a local of the parameter's own type, so a
    // mismatch underlines that type ("expected due to this") and the signal
    // that supplies the value.
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
                let supplied = Ident::new("__signals_supplied", signal_last);
                quote! {
                    let #supplied = &*__signals_args;
                    let __signals_args: #ty = #supplied;
                }
            }
        }
    });
    let bindings = quote! { #(#bindings)* };

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
    let (response, result) = if is_async {
        let boxed = group(Delimiter::Parenthesis, result_last, call);
        let pin = quote_spanned!(result_first=> ::std::boxed::Box::pin);
        let response = quote! {
            let __signals_future: #krate::BoxFuture<'_, #response_ty> = #pin #boxed;
        };
        (response, quote!(__signals_future))
    } else {
        let response = quote! { let __signals_response: #response_ty = #call; };
        (response, quote!(__signals_response))
    };

    let body = match (&args.sender, is_async) {
        (None, _) => quote! {
            #bindings
            #response
            ::core::option::Option::Some(#result)
        },
        (Some(sender), false) => quote! {
            <#narrowing_ty as #krate::Narrow<#signal, #sender>>::apply(
                __signals_args,
                |__signals_args| {
                    #bindings
                    #response
                    #result
                },
            )
        },
        (Some(sender), true) => quote! {
            <#narrowing_ty as #krate::Narrow<#signal, #sender>>::apply_async(
                __signals_args,
                move |__signals_args| {
                    #bindings
                    #response
                    #result
                },
            )
        },
    };
    // Spanned over the signal path like the rest of the wrapper's signature;
    // the lifetimes keep the call-site span of their declaration.
    let mut output = quote_spanned!(signal_first=> ::core::option::Option<);
    if is_async {
        output.extend(quote!(#krate::BoxFuture<'__b, #response_ty>));
    } else {
        output.extend(response_ty.clone());
    }
    output.extend(quote_spanned!(signal_last=> >));
    let constructor = Ident::new(if is_async { "new_async" } else { "new_sync" }, signal_last);
    let dispatch_uid = match &args.dispatch_uid {
        Some(uid) => quote!(::core::option::Option::Some(#uid)),
        None => quote!(::core::option::Option::None),
    };
    let priority = args.priority.unwrap_or(0);
    let sender = match &args.sender {
        Some(ty) => {
            let (first, _) = bounds(ty);
            quote_spanned!(first=> ::core::option::Option::Some(#krate::Sender::of::<#ty>()))
        }
        None => quote!(::core::option::Option::None),
    };
    let line = quote_spanned!(fn_name.span()=> ::core::line!());
    // Everything that needs the path to be a signal is spanned over it, so
    // that if it is not, every error underlines it.
    let field = Ident::new("__signals_receiver", signal_last);
    let mut receiver = quote_spanned!(signal_first=> #krate::__private::StaticReceiver::<#signal>);
    receiver.extend(quote_spanned!(signal_last=> :: #constructor));
    let node = quote! {
        #signal {
            #field: #receiver(
                #krate::__private::StaticMeta {
                    name: #name,
                    module_path: ::core::module_path!(),
                    file: ::core::file!(),
                    line: #line,
                    dispatch_uid: #dispatch_uid,
                    priority: #priority,
                    sender: #sender,
                    fn_id: #krate::__private::type_id_of_val(&#fn_name),
                },
                __signals_call,
            ),
        }
    };
    // The wrapper's signature needs the path to be a signal too.
    let params = group(Delimiter::Parenthesis, signal_last, {
        let reference = quote_spanned!(signal_first=> &);
        quote!(__signals_sender: #krate::Sender, __signals_args: #reference '__b #args_ty,)
    });
    let mut wrapper = quote_spanned! {signal_first=>
        #[allow(unused_variables, clippy::unnecessary_wraps, clippy::let_and_return)]
        fn __signals_call
    };
    wrapper.extend(quote!(<'__a, '__b> #params -> #output));
    wrapper.extend([group(Delimiter::Brace, signal_last, body)]);
    let submit = quote_spanned!(signal_first=> #krate::__private::inventory::submit!);
    let node = group(Delimiter::Brace, signal_last, node);

    quote! {
        const _: () = {
            #wrapper

            #submit #node
        };
    }
}
