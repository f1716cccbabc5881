//! The `#[receiver(...)]` argument grammar.
//!
//! Each key is stored with its keyword token so that a duplicate is reported
//! on the second occurrence itself. A malformed `key = value` does not stop
//! the parse: the error is kept and parsing resumes after the next `,`, so
//! every mistake in the attribute is reported at once.

use proc_macro2::{Span, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, LitInt, LitStr, Path, Token, Type, bracketed};

use crate::errors::Errors;

mod kw {
    syn::custom_keyword!(sender);
    syn::custom_keyword!(dispatch_uid);
    syn::custom_keyword!(priority);
    syn::custom_keyword!(durable);
    syn::custom_keyword!(key);
}

const KEYS: [&str; 6] = [
    "sender",
    "dispatch_uid",
    "priority",
    "durable",
    "key",
    "crate",
];

pub(crate) struct ReceiverArgs {
    pub(crate) signals: Vec<Path>,
    pub(crate) sender: Option<Type>,
    pub(crate) dispatch_uid: Option<LitStr>,
    pub(crate) priority: Option<i32>,
    pub(crate) durable: Option<Durable>,
    pub(crate) krate: Option<Path>,
}

/// `durable = "queue"` and its `key = …`, with their keyword tokens: the
/// errors that concern a durable receiver as a whole point at `durable`.
pub(crate) struct Durable {
    pub(crate) keyword: kw::durable,
    pub(crate) queue: LitStr,
    pub(crate) key: Option<Expr>,
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
        if (input.peek(Ident) || input.peek(Token![crate])) && input.peek2(Token![=]) {
            return Err(input.error(
                "`#[receiver]` expects a signal before any `key = value`: `#[receiver(SIGNAL, ...)]`",
            ));
        }
        let Signals(signals) = input.parse()?;
        let mut args = ReceiverArgs {
            signals,
            sender: None,
            dispatch_uid: None,
            priority: None,
            durable: None,
            krate: None,
        };
        let mut key = None;
        let mut errors = Errors::default();
        while !input.is_empty() {
            if let Err(error) = input.parse::<Token![,]>() {
                errors.push(Err(error));
                skip_to_comma(input);
                continue;
            }
            if input.is_empty() {
                break;
            }
            match input.parse::<KeyValue>() {
                Ok(KeyValue::Key(keyword, expr)) => {
                    errors.push(store(&mut key, &keyword, (keyword, expr)));
                }
                Ok(key_value) => errors.push(args.set(key_value)),
                Err(error) => {
                    errors.push(Err(error));
                    skip_to_comma(input);
                }
            }
        }
        match (&mut args.durable, key) {
            (Some(durable), Some((_, expr))) => durable.key = Some(expr),
            (None, Some((keyword, _))) => errors.push(Err(syn::Error::new_spanned(
                keyword,
                "`key` orders the events of a durable receiver; add `durable = \"queue\"`, or remove `key`",
            ))),
            (_, None) => {}
        }
        errors.finish()?;
        Ok(args)
    }
}

/// Stores the value of a key given once; a repeat is an error at the
/// repeated key.
fn store<K: ToTokens, V>(slot: &mut Option<V>, key: &K, value: V) -> syn::Result<()> {
    if slot.is_some() {
        let name = key.to_token_stream().to_string();
        return Err(syn::Error::new_spanned(
            key,
            format!("`{name}` specified more than once"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

impl ReceiverArgs {
    fn set(&mut self, key_value: KeyValue) -> syn::Result<()> {
        match key_value {
            KeyValue::Sender(key, ty) => store(&mut self.sender, &key, ty),
            KeyValue::DispatchUid(key, uid) => store(&mut self.dispatch_uid, &key, uid),
            KeyValue::Priority(key, priority) => store(&mut self.priority, &key, priority),
            KeyValue::Durable(keyword, queue) => {
                let durable = Durable {
                    keyword,
                    queue,
                    key: None,
                };
                store(&mut self.durable, &keyword, durable)
            }
            // Taken by the parse loop, which checks it against `durable`.
            KeyValue::Key(..) => Ok(()),
            KeyValue::Crate(key, path) => store(&mut self.krate, &key, path),
        }
    }
}

/// Skips the rest of a malformed `key = value` so the next one can be parsed.
fn skip_to_comma(input: ParseStream) {
    while !input.is_empty() && !input.peek(Token![,]) {
        // A token tree is always available here, so this cannot fail.
        let _ = input.parse::<TokenTree>();
    }
}

struct Signals(Vec<Path>);

// signals := signal | "[" signal ("," signal)* ","? "]"
impl Parse for Signals {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if !input.peek(syn::token::Bracket) {
            return Ok(Signals(vec![input.parse::<Signal>()?.0]));
        }
        let content;
        let brackets = bracketed!(content in input);
        let list = content.parse_terminated(Signal::parse, Token![,])?;
        if list.is_empty() {
            return Err(syn::Error::new(
                brackets.span.join(),
                "`#[receiver]` expects at least one signal in the list",
            ));
        }
        Ok(Signals(list.into_iter().map(|signal| signal.0).collect()))
    }
}

struct Signal(Path);

// signal := Path   (module-style: no generic arguments)
impl Parse for Signal {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(syn::Lit) {
            let lit: syn::Lit = input.parse()?;
            return Err(syn::Error::new_spanned(
                lit,
                "expected a signal path, found a literal",
            ));
        }
        let path = Path::parse_mod_style(input)
            .map_err(|error| syn::Error::new(error.span(), "expected a signal path"))?;
        if !input.is_empty() && !input.peek(Token![,]) {
            return Err(input.error(
                "expected `,` after the signal; signals are listed as `[SIGNAL_A, SIGNAL_B]`",
            ));
        }
        Ok(Signal(path))
    }
}

enum KeyValue {
    Sender(kw::sender, Type),
    DispatchUid(kw::dispatch_uid, LitStr),
    Priority(kw::priority, i32),
    Durable(kw::durable, LitStr),
    Key(kw::key, Expr),
    Crate(Token![crate], Path),
}

// key_value := "sender" "=" Type | "dispatch_uid" "=" LitStr | "priority" "=" "-"? LitInt
//            | "durable" "=" LitStr | "key" "=" Expr | "crate" "=" Path
impl Parse for KeyValue {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(kw::sender) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(KeyValue::Sender(key, parse_sender(input)?))
        } else if input.peek(kw::dispatch_uid) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            let uid: LitStr = input.parse().map_err(|error| {
                syn::Error::new(error.span(), "`dispatch_uid` must be a string literal")
            })?;
            if uid.value().is_empty() {
                return Err(syn::Error::new_spanned(
                    uid,
                    "`dispatch_uid` must not be empty",
                ));
            }
            Ok(KeyValue::DispatchUid(key, uid))
        } else if input.peek(kw::priority) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(KeyValue::Priority(key, parse_priority(input)?))
        } else if input.peek(kw::durable) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(KeyValue::Durable(key, parse_queue(input)?))
        } else if input.peek(kw::key) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            let expr = input.parse().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    "`key` must be a function of the arguments, e.g. `key = |order: &Order| order.id`",
                )
            })?;
            Ok(KeyValue::Key(key, expr))
        } else if input.peek(Token![crate]) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            let path = Path::parse_mod_style(input).map_err(|error| {
                syn::Error::new(
                    error.span(),
                    "`crate` must be a path to the `signals` crate, e.g. `crate = ::signals`",
                )
            })?;
            Ok(KeyValue::Crate(key, path))
        } else if input.peek(Ident) {
            let ident: Ident = input.parse()?;
            Err(unknown_key(&ident))
        } else {
            Err(input.error(
                "expected `key = value`; the keys are `sender`, `dispatch_uid`, `priority`, `durable`, `key` and `crate`",
            ))
        }
    }
}

fn parse_sender(input: ParseStream) -> syn::Result<Type> {
    const MESSAGE: &str = "`sender` must be a type, e.g. `sender = PizzaStore`; named senders are connected at run time with `ConnectOptions::sender(Sender::named(..))`";
    if input.peek(syn::Lit) {
        let lit: syn::Lit = input.parse()?;
        return Err(syn::Error::new_spanned(lit, MESSAGE));
    }
    let ty: Type = input
        .parse()
        .map_err(|error| syn::Error::new(error.span(), MESSAGE))?;
    // A value such as `Sender::named("oven")` parses as far as its path.
    if !input.is_empty() && !input.peek(Token![,]) {
        return Err(syn::Error::new_spanned(ty, MESSAGE));
    }
    Ok(ty)
}

fn parse_queue(input: ParseStream) -> syn::Result<LitStr> {
    let queue: LitStr = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            "`durable` must be a string literal naming the queue, e.g. `durable = \"emails\"`",
        )
    })?;
    if queue.value().is_empty() {
        return Err(syn::Error::new_spanned(
            queue,
            "`durable` must name a queue, e.g. `durable = \"emails\"`",
        ));
    }
    Ok(queue)
}

fn parse_priority(input: ParseStream) -> syn::Result<i32> {
    let minus: Option<Token![-]> = input.parse()?;
    let lit: LitInt = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            "`priority` must be an integer literal, e.g. `priority = 10`",
        )
    })?;
    let out_of_range = || {
        syn::Error::new_spanned(
            &lit,
            format!(
                "`priority` must fit in an `i32` ({} to {})",
                i32::MIN,
                i32::MAX
            ),
        )
    };
    let magnitude: i64 = lit.base10_parse().map_err(|_| out_of_range())?;
    let value = if minus.is_some() {
        -magnitude
    } else {
        magnitude
    };
    i32::try_from(value).map_err(|_| out_of_range())
}

fn unknown_key(ident: &Ident) -> syn::Error {
    let name = ident.to_string();
    let suggestion = KEYS
        .iter()
        .filter(|key| edit_distance(key, &name) <= 2)
        .min_by_key(|key| edit_distance(key, &name));
    let message = match suggestion {
        Some(key) => format!("unknown key `{name}`; did you mean `{key}`?"),
        None => format!(
            "unknown key `{name}`; expected one of `sender`, `dispatch_uid`, `priority`, `durable`, `key`, `crate`"
        ),
    };
    syn::Error::new_spanned(ident, message)
}

/// Levenshtein distance, for "did you mean" on a misspelt key.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}
