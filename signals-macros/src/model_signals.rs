//! Expansion of `#[model_signals]` on a SeaORM entity's
//! `impl ActiveModelBehavior for ActiveModel { … }`.
//!
//! The impl is re-emitted under SeaORM's `#[async_trait]` with all four
//! save and delete hooks, each calling the runtime's hook of the same name
//! (`__private::seaorm::before_save`, …), which sends the model signal.
//! Hooks the user wrote move, unchanged, into an inherent impl under
//! `__signals_*` names, and the generated hook calls them in Django's order:
//! the user's `before_*` first (the signal goes out with what it
//! returned), the user's `after_*` last. Moving them as written makes the
//! expansion the same whether the user's own `#[async_trait]` is below this
//! attribute (still unexpanded: it is dropped, ours replaces it) or above
//! it (already expanded: the moved hooks return boxed futures, awaited the
//! same way).
//!
//! A third item implements `ModelSender` for the entity, naming the
//! instance type each signal hands a receiver filtered on it.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, ImplItem, ItemImpl, Path, Token};

const MISUSE: &str =
    "`#[model_signals]` goes on a SeaORM entity's `impl ActiveModelBehavior for ActiveModel { … }`";

/// The four hooks, in the order they are generated.
const HOOKS: [&str; 4] = ["before_save", "after_save", "before_delete", "after_delete"];

/// model_signals_args := ("crate" "=" path ","?)?
struct Args {
    krate: Option<Path>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Ok(Args { krate: None });
        }
        let key = input.lookahead1();
        if !key.peek(Token![crate]) {
            return Err(syn::Error::new(
                input.span(),
                "`#[model_signals]` takes no arguments but `crate = path`",
            ));
        }
        input.parse::<Token![crate]>()?;
        input.parse::<Token![=]>()?;
        let krate = input.parse::<Path>()?;
        input.parse::<Option<Token![,]>>()?;
        if !input.is_empty() {
            return Err(input.error("`#[model_signals]` takes no arguments but `crate = path`"));
        }
        Ok(Args { krate: Some(krate) })
    }
}

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let expanded = syn::parse2::<Args>(args).and_then(|args| {
        let imp = parse_impl(item.clone())?;
        Ok(expand_impl(args, imp))
    });
    expanded.unwrap_or_else(|error| {
        // Emit the item anyway so that its own uses add no errors.
        let mut out = error.into_compile_error();
        out.extend(item);
        out
    })
}

/// The item, if it is an `impl ActiveModelBehavior for T` we can expand.
fn parse_impl(item: TokenStream) -> syn::Result<ItemImpl> {
    let imp = match syn::parse2::<ItemImpl>(item.clone()) {
        Ok(imp) => imp,
        Err(_) => {
            let span = syn::parse2::<syn::Item>(item)
                .map_or_else(|_| Span::call_site(), |other| first_token_span(&other));
            return Err(syn::Error::new(span, MISUSE));
        }
    };
    let Some((bang, path, _)) = &imp.trait_ else {
        return Err(syn::Error::new(
            imp.impl_token.span,
            format!("{MISUSE}, not on an inherent impl"),
        ));
    };
    let named = path
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "ActiveModelBehavior");
    if !named {
        return Err(syn::Error::new_spanned(
            path,
            format!("{MISUSE}: this impl is not of `ActiveModelBehavior`"),
        ));
    }
    if let Some(bang) = bang {
        return Err(syn::Error::new(
            bang.span,
            format!("{MISUSE}, not on a negative impl"),
        ));
    }
    if let Some(unsafety) = imp.unsafety {
        return Err(syn::Error::new(
            unsafety.span,
            format!("{MISUSE}, not on an unsafe impl"),
        ));
    }
    if !imp.generics.params.is_empty() || imp.generics.where_clause.is_some() {
        return Err(syn::Error::new_spanned(
            &imp.generics,
            "`#[model_signals]` cannot be applied to a generic impl: an entity's `ActiveModel` is one type",
        ));
    }
    Ok(imp)
}

fn first_token_span(item: &syn::Item) -> Span {
    match item {
        syn::Item::Fn(f) => f.sig.fn_token.span,
        syn::Item::Struct(s) => s.struct_token.span,
        syn::Item::Enum(e) => e.enum_token.span,
        syn::Item::Mod(m) => m.mod_token.span,
        syn::Item::Trait(t) => t.trait_token.span,
        other => other.span(),
    }
}

/// Whether `attr` is `#[async_trait]` under any path: ours replaces it.
fn is_async_trait(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "async_trait")
}

fn expand_impl(args: Args, mut imp: ItemImpl) -> TokenStream {
    let krate = args.krate.unwrap_or_else(|| syn::parse_quote!(::signals));
    let private = quote!(#krate::__private::seaorm);
    let sea = quote!(#private::sea_orm);
    imp.attrs.retain(|attr| !is_async_trait(attr));

    // The user's hooks move out; everything else stays in the trait impl.
    let mut moved: Vec<ImplItem> = Vec::new();
    let mut written: [bool; 4] = [false; 4];
    imp.items.retain_mut(|item| {
        let ImplItem::Fn(function) = item else {
            return true;
        };
        let Some(index) = HOOKS.iter().position(|hook| function.sig.ident == hook) else {
            return true;
        };
        written[index] = true;
        let mut function = function.clone();
        function.sig.ident = format_ident!("__signals_{}", function.sig.ident);
        function.vis = syn::Visibility::Inherited;
        function.attrs.retain(|attr| !is_async_trait(attr));
        moved.push(ImplItem::Fn(function));
        false
    });

    let self_ty = &imp.self_ty;
    let user = |index: usize| written[index].then(|| format_ident!("__signals_{}", HOOKS[index]));
    let hooks = generated_hooks(&private, &sea, [user(0), user(1), user(2), user(3)]);
    imp.items.extend(hooks);

    let async_trait = quote_spanned!(imp.impl_token.span=> #[#private::async_trait]);
    let inherent = (!moved.is_empty()).then(|| {
        quote! {
            #[allow(clippy::all, clippy::pedantic)]
            impl #self_ty {
                #(#moved)*
            }
        }
    });
    let entity = quote!(<#self_ty as #sea::ActiveModelTrait>::Entity);
    quote! {
        #async_trait
        #imp

        #inherent

        impl #krate::models::ModelSender for #entity {
            type Saving = #self_ty;
            type Saved = <#entity as #sea::EntityTrait>::Model;
            type Deleting = #self_ty;
            type Deleted = #self_ty;
        }
    }
}

/// The four hooks of the trait impl. `user[i]` names the user's moved hook
/// for `HOOKS[i]`, if there is one.
fn generated_hooks(
    private: &TokenStream,
    sea: &TokenStream,
    user: [Option<Ident>; 4],
) -> Vec<ImplItem> {
    let [before_save, after_save, before_delete, after_delete] = user;
    let result = quote!(::core::result::Result);
    let model = quote!(<<Self as #sea::ActiveModelTrait>::Entity as #sea::EntityTrait>::Model);
    let before_save = before_save.map_or_else(
        || quote!(let this = self;),
        |user| quote!(let this = Self::#user(self, db, insert).await?;),
    );
    let after_save = after_save.map_or_else(
        || quote!(::core::result::Result::Ok(model)),
        |user| quote!(Self::#user(model, db, insert).await),
    );
    let before_delete = before_delete.map_or_else(
        || quote!(let this = self;),
        |user| quote!(let this = Self::#user(self, db).await?;),
    );
    let after_delete = after_delete.map_or_else(
        || quote!(::core::result::Result::Ok(this)),
        |user| quote!(Self::#user(this, db).await),
    );
    vec![
        syn::parse_quote! {
            async fn before_save<C>(self, db: &C, insert: bool) -> #result<Self, #sea::DbErr>
            where
                C: #sea::ConnectionTrait,
            {
                #before_save
                #private::before_save(this, db, insert).await
            }
        },
        syn::parse_quote! {
            async fn after_save<C>(model: #model, db: &C, insert: bool) -> #result<#model, #sea::DbErr>
            where
                C: #sea::ConnectionTrait,
            {
                let model = #private::after_save::<Self, C>(model, db, insert).await?;
                #after_save
            }
        },
        syn::parse_quote! {
            async fn before_delete<C>(self, db: &C) -> #result<Self, #sea::DbErr>
            where
                C: #sea::ConnectionTrait,
            {
                #before_delete
                #private::before_delete(this, db).await
            }
        },
        syn::parse_quote! {
            async fn after_delete<C>(self, db: &C) -> #result<Self, #sea::DbErr>
            where
                C: #sea::ConnectionTrait,
            {
                let this = #private::after_delete(self, db).await?;
                #after_delete
            }
        },
    ]
}
