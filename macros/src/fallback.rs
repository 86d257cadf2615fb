//! Output on error: the errors plus the original item, so that names still resolve
//! and only the real problem is reported (actix-web's `input_and_compile_error`,
//! thiserror's `fallback.rs`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ast::Function;

/// The errors, then the item as written.
pub fn with_errors(item: TokenStream, error: syn::Error) -> TokenStream {
    let mut output = error.to_compile_error();
    output.extend(item);
    output
}

/// The errors, then a bare unit struct in place of a `#[callback]` or `#[webhook]` stub: the stub's
/// body is never meant to compile (it is `{}` for a function returning a value),
/// so the function itself cannot be emitted. Its argument types are still named,
/// so their imports are not reported as unused on top of the real error.
pub fn callback_with_errors(func: &Function, error: syn::Error) -> TokenStream {
    let mut output = error.to_compile_error();
    let name = &func.sig.ident;
    let vis = &func.vis;
    let types = func.arguments().into_iter().map(|arg| arg.ty);
    let alias = format_ident!("__hookspec_{}_types", name);
    output.extend(quote! {
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name;
        #[allow(non_camel_case_types, dead_code)]
        type #alias = (#(#types,)*);
    });
    output
}
