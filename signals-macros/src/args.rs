//! The `#[receiver(...)]` argument grammar.
//!
//! Each key is stored with its keyword token so that a duplicate is reported
//! on the second occurrence itself.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{LitInt, LitStr, Path, Token, Type, bracketed};

mod kw {
    syn::custom_keyword!(sender);
    syn::custom_keyword!(dispatch_uid);
    syn::custom_keyword!(priority);
}

pub(crate) struct ReceiverArgs {
    pub(crate) signals: Vec<Path>,
    pub(crate) sender: Option<Type>,
    pub(crate) dispatch_uid: Option<LitStr>,
    pub(crate) priority: Option<i32>,
    pub(crate) krate: Option<Path>,
}

// receiver_args := signals ("," key_value)* ","?
impl Parse for ReceiverArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "`#[receiver]` expects a signal: `#[receiver(SIGNAL)]` or `#[receiver([SIGNAL_A, SIGNAL_B])]`",
            ));
        }
        if (input.peek(syn::Ident) || input.peek(Token![crate])) && input.peek2(Token![=]) {
            return Err(input.error("`#[receiver]` expects a signal before any `key = value`: `#[receiver(SIGNAL, ...)]`"));
        }
        let signals = parse_signals(input)?;
        let mut args = ReceiverArgs {
            signals,
            sender: None,
            dispatch_uid: None,
            priority: None,
            krate: None,
        };
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            args.parse_key_value(input)?;
        }
        Ok(args)
    }
}

// signals := path | "[" path ("," path)* ","? "]"
fn parse_signals(input: ParseStream) -> syn::Result<Vec<Path>> {
    if input.peek(syn::token::Bracket) {
        let content;
        let brackets = bracketed!(content in input);
        let mut signals = Vec::new();
        while !content.is_empty() {
            signals.push(parse_signal_path(&content)?);
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        if signals.is_empty() {
            return Err(syn::Error::new(
                brackets.span.join(),
                "the list of signals is empty",
            ));
        }
        return Ok(signals);
    }
    Ok(vec![parse_signal_path(input)?])
}

fn parse_signal_path(input: ParseStream) -> syn::Result<Path> {
    if input.peek(syn::Lit) {
        let lit: syn::Lit = input.parse()?;
        return Err(syn::Error::new_spanned(
            lit,
            "expected a signal, found a literal",
        ));
    }
    Path::parse_mod_style(input).map_err(|e| syn::Error::new(e.span(), "expected a signal"))
}

fn duplicate(key: &impl quote::ToTokens, name: &str) -> syn::Error {
    syn::Error::new_spanned(key, format!("`{name}` specified more than once"))
}

impl ReceiverArgs {
    // key_value := "sender" "=" Type | "dispatch_uid" "=" LitStr | "priority" "=" "-"? LitInt | "crate" "=" Path
    fn parse_key_value(&mut self, input: ParseStream) -> syn::Result<()> {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::sender) {
            let key: kw::sender = input.parse()?;
            input.parse::<Token![=]>()?;
            if self.sender.is_some() {
                return Err(duplicate(&key, "sender"));
            }
            if input.peek(syn::Lit) {
                let lit: syn::Lit = input.parse()?;
                return Err(syn::Error::new_spanned(
                    lit,
                    "`sender` must be a type, e.g. `sender = PizzaStore`; named senders can be connected at run time with `ConnectOptions::sender(Sender::named(..))`",
                ));
            }
            self.sender = Some(input.parse()?);
        } else if lookahead.peek(kw::dispatch_uid) {
            let key: kw::dispatch_uid = input.parse()?;
            input.parse::<Token![=]>()?;
            if self.dispatch_uid.is_some() {
                return Err(duplicate(&key, "dispatch_uid"));
            }
            let uid: LitStr = input.parse().map_err(|e| {
                syn::Error::new(e.span(), "`dispatch_uid` must be a string literal")
            })?;
            if uid.value().is_empty() {
                return Err(syn::Error::new_spanned(
                    uid,
                    "`dispatch_uid` must not be empty",
                ));
            }
            self.dispatch_uid = Some(uid);
        } else if lookahead.peek(kw::priority) {
            let key: kw::priority = input.parse()?;
            input.parse::<Token![=]>()?;
            if self.priority.is_some() {
                return Err(duplicate(&key, "priority"));
            }
            let negative = input.parse::<Option<Token![-]>>()?.is_some();
            let lit: LitInt = input
                .parse()
                .map_err(|e| syn::Error::new(e.span(), "`priority` must be an integer literal"))?;
            let value: i64 = lit.base10_parse()?;
            let value = if negative { -value } else { value };
            let value = i32::try_from(value)
                .map_err(|_| syn::Error::new_spanned(&lit, "`priority` must fit in an `i32`"))?;
            self.priority = Some(value);
        } else if lookahead.peek(Token![crate]) {
            let key: Token![crate] = input.parse()?;
            input.parse::<Token![=]>()?;
            if self.krate.is_some() {
                return Err(duplicate(&key, "crate"));
            }
            self.krate = Some(Path::parse_mod_style(input)?);
        } else if input.peek(syn::Ident) {
            let ident: syn::Ident = input.parse()?;
            return Err(syn::Error::new_spanned(
                &ident,
                format!(
                    "unknown key `{ident}`; expected one of `sender`, `dispatch_uid`, `priority`, `crate`"
                ),
            ));
        } else {
            return Err(lookahead.error());
        }
        Ok(())
    }
}
