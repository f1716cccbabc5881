//! The link-time registration of a receiver in its signal's table
//! (`inventory::submit!` of a `StaticReceiver`), shared by ordinary
//! receivers (`receiver.rs`) and durable ones (`durable.rs`).

use proc_macro2::{Delimiter, Ident, TokenStream};
use quote::{quote, quote_spanned};
use syn::ItemFn;

use crate::args::ReceiverArgs;
use crate::spans::{bounds, group};
use crate::target::Target;

/// `inventory::submit!` of the `StaticReceiver` node. Everything that needs
/// the path to be a signal is spanned over it, so that if it is not, every
/// error underlines it. A durable receiver is a sync one in the table, with
/// its queue in the metadata (see `durable.rs`).
pub(crate) fn submit(args: &ReceiverArgs, function: &ItemFn, target: &Target) -> TokenStream {
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
    let constructor = if function.sig.asyncness.is_some() && args.durable.is_none() {
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
    let durable = match &args.durable {
        Some(durable) => {
            let queue = &durable.queue;
            quote!(::core::option::Option::Some(#queue))
        }
        None => quote!(::core::option::Option::None),
    };
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
                    durable: #durable,
                },
                __signals_call,
            ),
        }
    };
    let mut submit = quote_spanned!(first=> #krate::__private::inventory::submit!);
    submit.extend([group(Delimiter::Brace, last, node)]);
    submit
}
