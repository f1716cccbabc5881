//! Expansion of `#[receiver(SIGNAL, durable = "queue")]`.
//!
//! A durable receiver is two registrations over one generated `static`
//! (`__private::durable::StaticDurable`, built by `new_sync` or
//! `new_async`, the one place that requires the signal's arguments to be
//! storable, so that a signal whose arguments are not gets exactly one
//! error, at the `durable` key):
//!
//! - in the signal's table, a sync receiver (`send.rs` of the runtime)
//!   that queues an outbox event into the current outbox transaction and
//!   answers nothing, so sends, order, sender filters and mutes treat it as
//!   any receiver;
//! - for workers, a `StaticHandler` that decodes a delivery's arguments and
//!   calls the user's function (`fn __signals_run`).
//!
//! Everything sits inside `__private::durable_receiver! { … }`, which
//! passes it through, or, when `signals` is built without a `durable-*`
//! feature, replaces it with an error naming the features.
//!
//! Accepted shapes: `()`, `(args: &Args)`, `(args: &Args, delivery:
//! &Delivery)`, sync or `async`, returning `()` or `Result<(), E:
//! Display>`. A durable receiver has no sender parameter: it runs later, in
//! a worker, where the sender is not at hand.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::{FnArg, ItemFn, Path, ReturnType, Type};

use crate::args::{Durable, ReceiverArgs};
use crate::errors::Errors;
use crate::signature::{check_qualifiers, local_type};
use crate::spans::{bounds, group};
use crate::submit::submit;
use crate::target::Target;

const SHAPES: &str = "a durable receiver's accepted shapes: `()`, `(args: &Args)`, `(args: &Args, delivery: &Delivery)`";

/// What a durable receiver's parameters are, as written (own lifetimes
/// erased, see `signature::local_type`).
struct Params {
    args: Option<Type>,
    delivery: Option<Type>,
}

pub(crate) fn expand(
    args: &ReceiverArgs,
    durable: &Durable,
    function: &ItemFn,
) -> syn::Result<TokenStream> {
    let params = check(function)?;
    Ok(args
        .signals
        .iter()
        .map(|signal| registration(args, durable, function, &params, signal))
        .collect())
}

/// Checks the signature and classifies the parameters; every problem
/// found is reported.
fn check(function: &ItemFn) -> syn::Result<Params> {
    let mut errors = Errors::default();
    errors.push(check_qualifiers(function));
    let mut types = Vec::new();
    for input in &function.sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.push(Err(syn::Error::new_spanned(
                receiver,
                "`#[receiver]` cannot be applied to a method with a `self` parameter; use a free function",
            ))),
            FnArg::Typed(typed) => types.push((input, local_type(function, &typed.ty))),
        }
    }
    for (input, ty) in &types {
        match ty {
            Type::Reference(reference) if reference.mutability.is_some() => {
                errors.push(Err(syn::Error::new_spanned(
                    input,
                    "a durable receiver gets its arguments and delivery by shared reference: `&Args`, `&Delivery`",
                )));
            }
            Type::Reference(_) => {}
            _ => errors.push(Err(syn::Error::new_spanned(
                input,
                format!(
                    "a durable receiver takes its parameters by reference and gets no sender: it runs later, in a worker; {SHAPES}"
                ),
            ))),
        }
    }
    if let Some((input, _)) = types.get(2) {
        errors.push(Err(syn::Error::new_spanned(
            input,
            format!("a durable receiver takes at most two parameters; {SHAPES}"),
        )));
    }
    errors.finish()?;
    let mut types = types.into_iter().map(|(_, ty)| ty);
    Ok(Params {
        args: types.next(),
        delivery: types.next(),
    })
}

fn registration(
    args: &ReceiverArgs,
    durable: &Durable,
    function: &ItemFn,
    params: &Params,
    signal: &Path,
) -> TokenStream {
    let target = Target::new(signal, args.krate.as_ref());
    let krate = &target.krate;
    let alias = &target.signal;
    let at = durable.keyword.span;
    let run = run(function, params, &target);
    let (key_fn, key) = key(durable, &target);
    let queue = &durable.queue;
    let fn_name = function.sig.ident.to_string();
    let receiver_id = match &args.dispatch_uid {
        Some(uid) => quote!(#uid),
        None => quote!(::core::concat!(::core::module_path!(), "::", #fn_name)),
    };
    let constructor = Ident::new(
        if function.sig.asyncness.is_some() {
            "new_async"
        } else {
            "new_sync"
        },
        at,
    );
    let statics = quote_spanned!(at=> #krate::__private::durable::StaticDurable);
    // The one place that requires a storable signal: every token at
    // `durable`, so that the error underlines it.
    let new = located_at(
        quote!(#statics::<#alias>::#constructor(#queue, #receiver_id, #key, __signals_run)),
        at,
    );
    let args_ty = target.assoc("Args", &quote!(<'__a>));
    let response = target.assoc("Response", &TokenStream::new());
    let submit = submit(args, function, &target);
    let line = quote_spanned!(function.sig.ident.span()=> ::core::line!());
    let gate = quote_spanned!(at=> #krate::__private::durable_receiver!);
    quote! {
        const _: () = {
            #[allow(non_camel_case_types)]
            type #alias = #signal;
            #gate {
                #run
                #key_fn
                static __SIGNALS_DURABLE: #statics<#alias> = #new;

                #[allow(clippy::unnecessary_wraps)]
                fn __signals_call<'__a, '__b>(
                    __signals_sender: #krate::Sender,
                    __signals_args: &'__b #args_ty,
                ) -> ::core::option::Option<#response> {
                    __SIGNALS_DURABLE.send(__signals_sender, __signals_args)
                }

                #submit

                #krate::__private::inventory::submit! {
                    #krate::__private::durable::StaticHandler::new(
                        &__SIGNALS_DURABLE,
                        ::core::file!(),
                        #line,
                    )
                }
            }
        };
    }
}

/// `tokens`, shown at `at` (their names still resolve where they did).
fn located_at(tokens: TokenStream, at: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut moved = Group::new(group.delimiter(), located_at(group.stream(), at));
                moved.set_span(group.span().located_at(at));
                return TokenTree::Group(moved);
            }
            token.set_span(token.span().located_at(at));
            token
        })
        .collect()
}

/// `fn __signals_run(&Args, &Delivery)`: calls the user's function with the
/// decoded arguments, each parameter bound to a local of its own type so a
/// mismatch points at it, and the result turned into the delivery's outcome
/// through `DurableOutcome`, spanned over the return type.
fn run(function: &ItemFn, params: &Params, target: &Target) -> TokenStream {
    let krate = &target.krate;
    let fn_name = &function.sig.ident;
    let is_async = function.sig.asyncness.is_some();
    let mut bindings = TokenStream::new();
    let mut call_args = Vec::new();
    if let Some(ty) = &params.args {
        // Named at the signal's name, so a mismatch points there too.
        let supplied = Ident::new("__signals_supplied", target.last);
        bindings.extend(quote! {
            let #supplied = &*__signals_args;
            let __signals_args: #ty = #supplied;
        });
        call_args.push(quote!(__signals_args));
    }
    if let Some(ty) = &params.delivery {
        bindings.extend(quote! {
            let __signals_delivery: #ty = __signals_delivery;
        });
        call_args.push(quote!(__signals_delivery));
    }
    let (result_first, result_last) = match &function.sig.output {
        ReturnType::Type(_, ty) => bounds(ty),
        ReturnType::Default => (fn_name.span(), fn_name.span()),
    };
    let mut callee = fn_name.clone();
    callee.set_span(fn_name.span().located_at(result_first));
    let call_args = group(Delimiter::Parenthesis, result_last, quote!(#(#call_args),*));
    let mut call = quote!(#callee #call_args);
    if is_async {
        call.extend(quote!(.await));
    }
    let mut outcome = quote_spanned!(result_first=> #krate::__private::durable::DurableOutcome);
    outcome.extend(quote_spanned!(result_last=> ::into_result));
    let outcome = quote!(#outcome(#call));
    let args_ty = target.assoc("Args", &quote!(<'__a>));
    let delivery = quote!(#krate::__private::durable::Delivery);
    let result = quote!(::core::result::Result<(), ::std::string::String>);
    if is_async {
        quote! {
            #[allow(unused_variables)]
            fn __signals_run<'__a, '__b>(
                __signals_args: &'__b #args_ty,
                __signals_delivery: &'__b #delivery,
            ) -> #krate::BoxFuture<'__b, #result> {
                #bindings
                ::std::boxed::Box::pin(async move { #outcome })
            }
        }
    } else {
        quote! {
            #[allow(unused_variables)]
            fn __signals_run<'__a, '__b>(
                __signals_args: &'__b #args_ty,
                __signals_delivery: &'__b #delivery,
            ) -> #result {
                #bindings
                #outcome
            }
        }
    }
}

/// The `key = …` function, and the `Option` that names it.
fn key(durable: &Durable, target: &Target) -> (TokenStream, TokenStream) {
    let Some(expr) = &durable.key else {
        return (TokenStream::new(), quote!(::core::option::Option::None));
    };
    let krate = &target.krate;
    let args_ty = target.assoc("Args", &quote!(<'__a>));
    let (first, _) = bounds(expr);
    let key_of = quote_spanned!(first=> #krate::__private::durable::key_of);
    let function = quote! {
        fn __signals_key<'__a, '__b>(__signals_args: &'__b #args_ty) -> ::std::string::String {
            #key_of(__signals_args, #expr)
        }
    };
    let name = Ident::new("__signals_key", Span::call_site());
    (function, quote!(::core::option::Option::Some(#name)))
}
