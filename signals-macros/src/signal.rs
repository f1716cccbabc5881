//! Expansion of `signal! { ... }`.
//!
//! Each declaration becomes a `static` of type `Signal<NAME>` plus a braced
//! struct `NAME` (types and values live in different namespaces) that
//! implements `SignalDef` and is the `inventory` node type of the signal's
//! static receivers. `'_` and elided reference lifetimes in the argument type
//! become the family lifetime, so arguments may borrow from the sender.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::visit_mut::VisitMut;
use syn::{Attribute, Ident, Lifetime, Path, Token, Type, Visibility};

use crate::errors::Errors;

struct SignalBlock {
    krate: Option<Path>,
    declarations: Vec<Declaration>,
    /// Every problem found; the valid declarations are still expanded so
    /// that their uses do not add errors of their own.
    errors: Option<syn::Error>,
}

struct Declaration {
    attrs: Vec<Attribute>,
    narrowing: Option<Path>,
    vis: Visibility,
    name: Ident,
    args: Type,
    response: Option<Type>,
}

// signal_block := ("#" "!" "[" "crate" "=" Path "]")? declaration*
impl Parse for SignalBlock {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut errors = Errors::default();
        let mut krate = None;
        for attr in input.call(Attribute::parse_inner)? {
            if !attr.path().is_ident("crate") {
                errors.push(Err(syn::Error::new_spanned(
                    attr.path(),
                    "unknown inner attribute in `signal!`; only `#![crate = path]` is accepted",
                )));
            } else if krate.is_some() {
                errors.push(Err(syn::Error::new_spanned(
                    attr.path(),
                    "`#![crate]` specified more than once",
                )));
            } else {
                match crate_path(&attr) {
                    Ok(path) => krate = Some(path),
                    Err(error) => errors.push(Err(error)),
                }
            }
        }
        let mut declarations = Vec::new();
        while !input.is_empty() {
            match input.parse() {
                Ok(declaration) => declarations.push(declaration),
                Err(error) => {
                    errors.push(Err(error));
                    skip_declaration(input);
                }
            }
        }
        if declarations.is_empty() && errors.is_empty() {
            errors.push(Err(syn::Error::new(
                Span::call_site(),
                "`signal!` expects at least one declaration: `static NAME: Args;`",
            )));
        }
        Ok(SignalBlock {
            krate,
            declarations,
            errors: errors.into_error(),
        })
    }
}

fn crate_path(attr: &Attribute) -> syn::Result<Path> {
    const MESSAGE: &str =
        "`#![crate]` expects a path to the `signals` crate, e.g. `#![crate = ::signals]`";
    let syn::Meta::NameValue(name_value) = &attr.meta else {
        return Err(syn::Error::new_spanned(attr, MESSAGE));
    };
    let value = &name_value.value;
    syn::parse2(quote!(#value)).map_err(|_| syn::Error::new_spanned(value, MESSAGE))
}

/// Skips the rest of a malformed declaration, up to and including its `;`.
fn skip_declaration(input: ParseStream) {
    while !input.is_empty() {
        // A token tree is always available here, so this cannot fail.
        if input.parse::<Token![;]>().is_ok() {
            return;
        }
        let _ = input.parse::<TokenTree>();
    }
}

// declaration := attribute* visibility "static" Ident ":" Type ("=>" Type)? ";"
impl Parse for Declaration {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut attrs = input.call(Attribute::parse_outer)?;
        let mut narrowing = None;
        // `#[narrowing(path)]` lets the built-in model signals type their
        // receivers by sender; it is not part of the documented syntax.
        if let Some(at) = attrs.iter().position(|a| a.path().is_ident("narrowing")) {
            narrowing = Some(attrs.remove(at).parse_args()?);
        }
        let vis: Visibility = input.parse()?;
        input.parse::<Token![static]>().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected `static`; `signal!` declares each signal as `static NAME: Args;`",
            )
        })?;
        if let Some(mutability) = input.parse::<Option<Token![mut]>>()? {
            return Err(syn::Error::new(
                mutability.span,
                "`signal!` declares immutable statics: remove `mut` (connecting, disconnecting and sending all work through `&SIGNAL`)",
            ));
        }
        let name: Ident = input.parse()?;
        input.parse::<Token![:]>().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected `:` and the arguments type: `static NAME: Args;`",
            )
        })?;
        let args: Type = input.parse()?;
        let response = if input.parse::<Option<Token![=>]>>()?.is_some() {
            Some(input.parse()?)
        } else {
            None
        };
        input.parse::<Token![;]>().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected `;` after the declaration, or `=> Response` before it",
            )
        })?;
        Ok(Declaration {
            attrs,
            narrowing,
            vis,
            name,
            args,
            response,
        })
    }
}

/// Replaces `'_` and elided reference lifetimes with the family lifetime.
struct FamilyLifetime(Lifetime);

impl VisitMut for FamilyLifetime {
    fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
        if lifetime.ident == "_" {
            *lifetime = self.0.clone();
        }
    }

    fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
        if reference.lifetime.is_none() {
            reference.lifetime = Some(self.0.clone());
        }
        syn::visit_mut::visit_type_reference_mut(self, reference);
    }

    // Lifetimes inside `fn(..)` types and `dyn Fn(..)` bounds are their own.
    fn visit_type_bare_fn_mut(&mut self, _: &mut syn::TypeBareFn) {}

    fn visit_parenthesized_generic_arguments_mut(
        &mut self,
        _: &mut syn::ParenthesizedGenericArguments,
    ) {
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    match syn::parse2::<SignalBlock>(input) {
        Ok(block) => {
            let krate = block
                .krate
                .clone()
                .unwrap_or_else(|| syn::parse_quote!(::signals));
            let mut out: TokenStream = block
                .declarations
                .iter()
                .map(|declaration| expand_one(declaration, &krate))
                .collect();
            if let Some(errors) = block.errors {
                out.extend(errors.into_compile_error());
            }
            out
        }
        Err(error) => error.into_compile_error(),
    }
}

fn doc_text(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    lines.join("\n")
}

fn expand_one(declaration: &Declaration, krate: &Path) -> TokenStream {
    let Declaration {
        attrs,
        narrowing,
        vis,
        name,
        args,
        response,
    } = declaration;
    let family = Lifetime::new("'__signals_a", name.span());
    let mut args = args.clone();
    FamilyLifetime(family.clone()).visit_type_mut(&mut args);
    let response = match response {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    };
    let narrowing = match narrowing {
        Some(path) => quote!(#path),
        None => quote!(#krate::__private::Untyped),
    };
    let name_str = name.to_string();
    let doc = doc_text(attrs);
    let line = quote_spanned!(name.span()=> ::core::line!());
    quote! {
        #(#attrs)*
        #[allow(non_upper_case_globals)]
        #vis static #name: #krate::Signal<#name> = #krate::Signal::new();

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #name {
            #[doc(hidden)]
            pub __signals_receiver: #krate::__private::StaticReceiver<#name>,
        }

        impl #krate::SignalDef for #name {
            type Args<#family> = #args;
            type Response = #response;
            type Narrowing = #narrowing;
            const NAME: &'static str = #name_str;
            const MODULE_PATH: &'static str = ::core::module_path!();

            fn __static_receivers() -> impl ::core::iter::Iterator<Item = &'static #krate::__private::StaticReceiver<Self>> {
                #krate::__private::inventory::iter::<#name>.into_iter().map(|node| &node.__signals_receiver)
            }
        }

        #krate::__private::inventory::collect!(#name);

        #krate::__private::inventory::submit! {
            #krate::__private::DeclaredSignal::new(&#name, ::core::file!(), #line, #doc)
        }
    }
}
