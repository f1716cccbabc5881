//! Expansion of `#[receiver(...)]`.
//!
//! The user's function is emitted unchanged (so it can still be called and
//! disconnected by value). For each signal, a `const _` block adds a wrapper
//! with the canonical signature `fn(Sender, &Args) -> Option<Response>` and
//! submits a `StaticReceiver` node to that signal's `inventory` collection.
//! Argument and return types are left to rustc; the generated call carries the
//! spans of the user's parameters and return type so errors point there.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Path, ReturnType, Type};

use crate::args::ReceiverArgs;

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
    let expansion =
        syn::parse2::<ReceiverArgs>(args).and_then(|args| expand_function(&args, &function));
    match expansion {
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

/// What a receiver parameter stands for.
enum Role {
    Sender,
    Args,
}

struct Param {
    role: Role,
    ty: Type,
}

fn classify_params(function: &ItemFn) -> syn::Result<Vec<Param>> {
    let mut params = Vec::new();
    for input in &function.sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                return Err(syn::Error::new_spanned(
                    receiver,
                    "`#[receiver]` cannot be applied to a method with a `self` parameter; use a free function",
                ));
            }
            FnArg::Typed(typed) => params.push((*typed.ty).clone()),
        }
    }
    let shape_help = "accepted shapes: `()`, `(args: &Args)`, `(sender: Sender)`, `(sender: Sender, args: &Args)`";
    match params.len() {
        0 => Ok(Vec::new()),
        1 => {
            let ty = params.remove(0);
            let role = if matches!(ty, Type::Reference(_)) {
                Role::Args
            } else {
                Role::Sender
            };
            Ok(vec![Param { role, ty }])
        }
        2 => {
            let args = params.remove(1);
            let sender = params.remove(0);
            if !matches!(args, Type::Reference(_)) {
                return Err(syn::Error::new_spanned(
                    &args,
                    format!(
                        "the arguments parameter must be a reference, e.g. `args: &Args`; {shape_help}"
                    ),
                ));
            }
            Ok(vec![
                Param {
                    role: Role::Sender,
                    ty: sender,
                },
                Param {
                    role: Role::Args,
                    ty: args,
                },
            ])
        }
        _ => Err(syn::Error::new_spanned(
            &function.sig.inputs[2],
            format!("`#[receiver]` functions take at most two parameters; {shape_help}"),
        )),
    }
}

fn check_signature(function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    if let Some(param) = sig
        .generics
        .params
        .iter()
        .find(|p| !matches!(p, syn::GenericParam::Lifetime(_)))
    {
        return Err(syn::Error::new_spanned(
            param,
            "`#[receiver]` cannot be applied to a generic function",
        ));
    }
    if let Some(clause) = &sig.generics.where_clause {
        return Err(syn::Error::new_spanned(
            clause,
            "`#[receiver]` cannot be applied to a function with a `where` clause",
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        return Err(syn::Error::new_spanned(
            unsafety,
            "`#[receiver]` cannot be applied to an `unsafe fn`",
        ));
    }
    if let Some(abi) = &sig.abi {
        return Err(syn::Error::new_spanned(
            abi,
            "`#[receiver]` cannot be applied to an `extern` function",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new_spanned(
            variadic,
            "`#[receiver]` cannot be applied to a variadic function",
        ));
    }
    Ok(())
}

fn expand_function(args: &ReceiverArgs, function: &ItemFn) -> syn::Result<TokenStream> {
    check_signature(function)?;
    let params = classify_params(function)?;
    let krate = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::signals));
    let mut out = TokenStream::new();
    for signal in &args.signals {
        out.extend(registration(args, function, &params, signal, &krate));
    }
    Ok(out)
}

fn registration(
    args: &ReceiverArgs,
    function: &ItemFn,
    params: &[Param],
    signal: &Path,
    krate: &Path,
) -> TokenStream {
    let fn_name = &function.sig.ident;
    let name = fn_name.to_string();
    let is_async = function.sig.asyncness.is_some();
    let def = quote_spanned!(signal.span()=> <#signal as #krate::SignalDef>);

    // Each argument expression carries the span of the parameter type it
    // must match, so a type error points at the user's signature.
    let call_args = params.iter().map(|param| {
        let span = param.ty.span();
        match param.role {
            Role::Sender => quote_spanned!(span=> __signals_sender),
            Role::Args => quote_spanned!(span=> __signals_args),
        }
    });
    let call_span = match &function.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => fn_name.span(),
    };
    let call = quote_spanned!(call_span=> #fn_name(#(#call_args),*));

    let body = match (&args.sender, is_async) {
        (None, false) => quote! { ::core::option::Option::Some(#call) },
        (None, true) => quote! {
            let __signals_future: #krate::BoxFuture<'__b, #def::Response> = ::std::boxed::Box::pin(#call);
            ::core::option::Option::Some(__signals_future)
        },
        (Some(sender), false) => quote! {
            <#def::Narrowing as #krate::Narrow<#signal, #sender>>::apply(
                __signals_args,
                |__signals_args| #call,
            )
        },
        (Some(sender), true) => quote! {
            <#def::Narrowing as #krate::Narrow<#signal, #sender>>::apply_async(
                __signals_args,
                move |__signals_args| {
                    let __signals_future: #krate::BoxFuture<'_, #def::Response> = ::std::boxed::Box::pin(#call);
                    __signals_future
                },
            )
        },
    };
    let output = if is_async {
        quote!(::core::option::Option<#krate::BoxFuture<'__b, #def::Response>>)
    } else {
        quote!(::core::option::Option<#def::Response>)
    };
    let constructor = if is_async {
        quote!(new_async)
    } else {
        quote!(new_sync)
    };
    let dispatch_uid = match &args.dispatch_uid {
        Some(uid) => quote!(::core::option::Option::Some(#uid)),
        None => quote!(::core::option::Option::None),
    };
    let priority = args.priority.unwrap_or(0);
    let sender = match &args.sender {
        Some(ty) => {
            quote_spanned!(ty.span()=> ::core::option::Option::Some(#krate::Sender::of::<#ty>()))
        }
        None => quote!(::core::option::Option::None),
    };
    let line = quote_spanned!(fn_name.span()=> ::core::line!());
    let signal_node = signal.to_token_stream();

    quote! {
        const _: () = {
            #[allow(unused_variables, clippy::unnecessary_wraps)]
            fn __signals_call<'__a, '__b>(
                __signals_sender: #krate::Sender,
                __signals_args: &'__b #def::Args<'__a>,
            ) -> #output {
                #body
            }

            #krate::__private::inventory::submit! {
                #signal_node {
                    __signals_receiver: #krate::__private::StaticReceiver::<#signal>::#constructor(
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
            }
        };
    }
}
