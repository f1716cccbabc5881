//! What `#[receiver]` accepts as a function: the checks on the signature and
//! the role of each parameter.
//!
//! Only what the macro can see is checked here (the shape of the signature);
//! whether the types match the signal is left to rustc, through the spanned
//! bindings `receiver.rs` generates.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{FnArg, Ident, ItemFn, Lifetime, Type};

use crate::errors::Errors;

const SHAPES: &str =
    "accepted shapes: `()`, `(args: &Args)`, `(sender: Sender)`, `(sender: Sender, args: &Args)`";

/// What a receiver parameter stands for.
pub(crate) enum Role {
    Sender,
    Args,
}

pub(crate) struct Param {
    pub(crate) role: Role,
    /// The parameter's type as written, with the function's own lifetime
    /// parameters replaced by `'_` so it can annotate a local binding.
    pub(crate) ty: Type,
}

/// Checks that `function` can be a receiver and classifies its parameters.
/// Every problem found is reported, not only the first.
pub(crate) fn check(function: &ItemFn) -> syn::Result<Vec<Param>> {
    match (check_qualifiers(function), classify(function)) {
        (Ok(()), params) => params,
        (Err(mut error), Err(more)) => {
            error.combine(more);
            Err(error)
        }
        (Err(error), Ok(_)) => Err(error),
    }
}

fn check_qualifiers(function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    let mut errors = Errors::default();
    let mut fail = |tokens: &dyn quote::ToTokens, message: &str| {
        errors.push(Err(syn::Error::new_spanned(tokens, message)));
    };
    for param in &sig.generics.params {
        if !matches!(param, syn::GenericParam::Lifetime(_)) {
            fail(
                param,
                "`#[receiver]` cannot be applied to a generic function",
            );
        }
    }
    for input in &sig.inputs {
        if let FnArg::Typed(typed) = input
            && let Some(impl_trait) = find_impl_trait(&typed.ty)
        {
            fail(
                &impl_trait,
                "`#[receiver]` cannot be applied to a generic function; `impl Trait` parameters are generic",
            );
        }
    }
    if let Some(clause) = &sig.generics.where_clause {
        fail(
            clause,
            "`#[receiver]` cannot be applied to a function with a `where` clause",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        fail(
            unsafety,
            "`#[receiver]` cannot be applied to an `unsafe fn`",
        );
    }
    if let Some(abi) = &sig.abi {
        fail(
            abi,
            "`#[receiver]` cannot be applied to an `extern` function",
        );
    }
    if let Some(variadic) = &sig.variadic {
        fail(
            variadic,
            "`#[receiver]` cannot be applied to a variadic function",
        );
    }
    errors.finish()
}

fn classify(function: &ItemFn) -> syn::Result<Vec<Param>> {
    let mut types = Vec::new();
    for input in &function.sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                return Err(syn::Error::new_spanned(
                    receiver,
                    "`#[receiver]` cannot be applied to a method with a `self` parameter; use a free function",
                ));
            }
            FnArg::Typed(typed) => types.push(local_type(function, &typed.ty)),
        }
    }
    if let Some(at) = types.iter().position(is_mutable_reference) {
        return Err(syn::Error::new_spanned(
            &function.sig.inputs[at],
            "`#[receiver]` arguments are shared by every receiver of a send: take them as `&Args`, not `&mut Args`",
        ));
    }
    let is_reference = |ty: &Type| matches!(ty, Type::Reference(_));
    match types.as_slice() {
        [] => Ok(Vec::new()),
        [ty] => {
            // One parameter: a reference is the arguments, anything else the
            // sender (rustc reports it if it is not `Sender`).
            let role = if is_reference(ty) {
                Role::Args
            } else {
                Role::Sender
            };
            Ok(vec![Param {
                role,
                ty: ty.clone(),
            }])
        }
        [sender, args] => {
            if is_reference(sender) && !is_reference(args) {
                return Err(syn::Error::new_spanned(
                    &function.sig.inputs,
                    "`#[receiver]` parameters are in the wrong order: the sender comes first, `(sender: Sender, args: &Args)`",
                ));
            }
            if !is_reference(args) {
                return Err(syn::Error::new_spanned(
                    &function.sig.inputs[1],
                    format!(
                        "the arguments parameter must be a reference, e.g. `args: &Args`; {SHAPES}"
                    ),
                ));
            }
            Ok(vec![
                Param {
                    role: Role::Sender,
                    ty: sender.clone(),
                },
                Param {
                    role: Role::Args,
                    ty: args.clone(),
                },
            ])
        }
        _ => Err(syn::Error::new_spanned(
            &function.sig.inputs[2],
            format!("`#[receiver]` functions take at most two parameters; {SHAPES}"),
        )),
    }
}

fn is_mutable_reference(ty: &Type) -> bool {
    matches!(ty, Type::Reference(reference) if reference.mutability.is_some())
}

fn find_impl_trait(ty: &Type) -> Option<syn::TypeImplTrait> {
    struct Find(Option<syn::TypeImplTrait>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_type_impl_trait(&mut self, node: &'ast syn::TypeImplTrait) {
            self.0.get_or_insert_with(|| node.clone());
        }
    }
    let mut find = Find(None);
    find.visit_type(ty);
    find.0
}

/// `ty` with the function's lifetime parameters (not in scope outside its
/// signature) replaced by `'_`.
fn local_type(function: &ItemFn, ty: &Type) -> Type {
    struct Erase(HashSet<Ident>);
    impl VisitMut for Erase {
        fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
            if self.0.contains(&lifetime.ident) {
                *lifetime = Lifetime::new("'_", lifetime.span());
            }
        }
    }
    let own = function
        .sig
        .generics
        .lifetimes()
        .map(|param| param.lifetime.ident.clone())
        .collect();
    let mut ty = ty.clone();
    Erase(own).visit_type_mut(&mut ty);
    ty
}
