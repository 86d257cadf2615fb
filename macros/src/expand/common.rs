//! What every expansion shares: the path to the runtime, optional strings, methods and their guards, the context variable.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

use crate::attr::{MethodArg, RouteMethod};

pub(super) fn private() -> TokenStream {
    quote!(::hookspec::__private)
}

pub(super) fn option_str(value: Option<String>) -> TokenStream {
    match value {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    }
}

pub(super) fn method_variant(method: &MethodArg) -> TokenStream {
    let private = private();
    let variant = Ident::new(method.variant, method.span);
    quote!(#private::Method::#variant)
}

/// The guard admitting a route's method.
pub(super) fn method_guard(method: &RouteMethod) -> TokenStream {
    let private = private();
    match method {
        RouteMethod::Documented(method) => {
            let http = Ident::new(&method.name.to_ascii_uppercase(), method.span);
            quote!(#private::actix_web::guard::Method(#private::actix_web::http::Method::#http))
        }
        RouteMethod::Other { http } if http == "CONNECT" => quote!(
            #private::actix_web::guard::Method(#private::actix_web::http::Method::CONNECT)
        ),
        RouteMethod::Other { http } => quote!(#private::method_guard(#http)),
    }
}

/// The describe function's context parameter, where a user's token points
/// (an error there points at the token) but resolved where the macro defines
/// it: a token written in a `macro_rules!` body carries that macro's hygiene,
/// which does not see `__cx`.
pub(super) fn cx_at(span: Span) -> Ident {
    Ident::new("__cx", Span::call_site().located_at(span))
}
