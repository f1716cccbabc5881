//! Expansion of `#[receiver(...)]`.
//!
//! The user's function is emitted unchanged (so it can still be called and
//! disconnected by value). For each signal, a `const _` block adds a wrapper
//! with the canonical signature `fn(Sender, &Args) -> Option<Response>` and
//! submits a `StaticReceiver` node to that signal's `inventory` collection.
//!
//! The shape of the function is checked in `signature.rs`; its types are
//! left to rustc, through a call written in `call.rs` so that a mismatch is
//! reported on the user's signature and the signal path.

use proc_macro2::{Delimiter, Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, Path};

use crate::args::ReceiverArgs;
use crate::call::checked_call;
use crate::signature::{self, Param};
use crate::spans::{bounds, group};
use crate::target::Target;

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

fn registration(
    args: &ReceiverArgs,
    function: &ItemFn,
    params: &[Param],
    signal: &Path,
    krate: Option<&Path>,
) -> TokenStream {
    let target = Target::new(signal, krate);
    let wrapper = wrapper(args, function, params, &target);
    let submit = submit(args, function, &target);
    let alias = &target.signal;
    quote! {
        const _: () = {
            #[allow(non_camel_case_types)]
            type #alias = #signal;
            #wrapper
            #submit
        };
    }
}

/// `fn __signals_call(Sender, &Args) -> Option<Response>` (or an
/// `Option<BoxFuture>`): calls the user's function, through the signal's
/// narrowing when the receiver filters on a sender type.
fn wrapper(
    args: &ReceiverArgs,
    function: &ItemFn,
    params: &[Param],
    target: &Target,
) -> TokenStream {
    let Target {
        signal,
        krate,
        first,
        last,
        ..
    } = target;
    let (first, last) = (*first, *last);
    let is_async = function.sig.asyncness.is_some();
    let call = checked_call(function, params, target, args.sender.is_some());
    let body = match &args.sender {
        None => quote! { ::core::option::Option::Some({ #call }) },
        Some(sender) => {
            let narrowing = target.assoc("Narrowing", &TokenStream::new());
            let (apply, capture) = if is_async {
                (quote!(apply_async), quote!(move))
            } else {
                (quote!(apply), TokenStream::new())
            };
            quote! {
                <#narrowing as #krate::__private::Narrow<#signal, #sender>>::#apply(
                    __signals_args,
                    #capture |__signals_args| { #call },
                )
            }
        }
    };
    // The signature is spanned over the signal path too: it is the first
    // thing to fail if the path is not a signal. Lifetimes keep the call-site
    // span of their declaration.
    let response = target.assoc("Response", &TokenStream::new());
    let mut output = quote_spanned!(first=> ::core::option::Option<);
    if is_async {
        output.extend(quote!(#krate::BoxFuture<'__b, #response>));
    } else {
        output.extend(response);
    }
    output.extend(quote_spanned!(last=> >));
    let args_ty = target.assoc("Args", &quote_spanned!(last=> <'__a>));
    let reference = quote_spanned!(first=> &);
    let inputs = group(
        Delimiter::Parenthesis,
        last,
        quote!(__signals_sender: #krate::Sender, __signals_args: #reference '__b #args_ty,),
    );
    let mut wrapper = quote_spanned! {first=>
        #[allow(unused_variables, clippy::unnecessary_wraps, clippy::let_and_return)]
        fn __signals_call
    };
    wrapper.extend(quote!(<'__a, '__b> #inputs -> #output));
    wrapper.extend([group(Delimiter::Brace, last, body)]);
    wrapper
}

/// `inventory::submit!` of the `StaticReceiver` node. Everything that needs
/// the path to be a signal is spanned over it, so that if it is not, every
/// error underlines it.
fn submit(args: &ReceiverArgs, function: &ItemFn, target: &Target) -> TokenStream {
    let Target {
        signal,
        krate,
        first,
        last,
        ..
    } = target;
    let (first, last) = (*first, *last);
    let fn_name = &function.sig.ident;
    let name = fn_name.to_string();
    let constructor = if function.sig.asyncness.is_some() {
        "new_async"
    } else {
        "new_sync"
    };
    let constructor = Ident::new(constructor, last);
    let dispatch_uid = match &args.dispatch_uid {
        Some(uid) => quote!(::core::option::Option::Some(#uid)),
        None => quote!(::core::option::Option::None),
    };
    let priority = args.priority.unwrap_or(0);
    let sender = match &args.sender {
        Some(ty) => {
            let (ty_first, _) = bounds(ty);
            quote_spanned!(ty_first=> ::core::option::Option::Some(#krate::Sender::of::<#ty>()))
        }
        None => quote!(::core::option::Option::None),
    };
    let line = quote_spanned!(fn_name.span()=> ::core::line!());
    let field = Ident::new("__signals_receiver", last);
    let mut receiver = quote_spanned!(first=> #krate::__private::StaticReceiver::<#signal>);
    receiver.extend(quote_spanned!(last=> :: #constructor));
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
    let mut submit = quote_spanned!(first=> #krate::__private::inventory::submit!);
    submit.extend([group(Delimiter::Brace, last, node)]);
    submit
}
