//! Attributes rewritten under `#[routes]` and `#[scope]`: which attribute is a route, and a scope's prefix added to its path.

use proc_macro2::Span;
use syn::{Ident, LitStr};

/// The route macro an attribute names, if any: `get`, ..., `connect`, `route`,
/// written bare (`#[get(...)]`) or through hookspec (`#[hookspec::get(...)]`).
/// `#[routes]` and `#[scope]` act on these.
pub fn route_attribute(attr: &syn::Attribute) -> Option<&'static str> {
    const ROUTE_MACROS: [&str; 10] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace", "connect", "route",
    ];
    let path = attr.path();
    let through_hookspec = path.segments.len() == 2 && path.segments[0].ident == "hookspec";
    if path.segments.len() != 1 && !through_hookspec {
        return None;
    }
    let last = &path.segments.last()?.ident;
    ROUTE_MACROS.into_iter().find(|name| last == name)
}

/// The prefix of `#[scope("/prefix")]`, as actix-web checks it.
pub fn scope_prefix(args: proc_macro2::TokenStream) -> syn::Result<LitStr> {
    if args.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "missing arguments for scope macro, expected: #[scope(\"/prefix\")]",
        ));
    }
    let prefix: LitStr = syn::parse2(args).map_err(|error| {
        syn::Error::new(
            error.span(),
            "argument to scope macro is not a string literal, expected: #[scope(\"/prefix\")]",
        )
    })?;
    if prefix.value().ends_with('/') {
        return Err(syn::Error::new(
            prefix.span(),
            "scopes should not have trailing slashes; see \
             https://docs.rs/actix-web/4/actix_web/struct.Scope.html#avoid-trailing-slashes",
        ));
    }
    Ok(prefix)
}

/// `#[get("/path", ...)]` → `#[get("<prefix>/path", ..., __scope = "<module>")]`,
/// the new literal spanned on the old (errors about the path still point at
/// it). Attributes without a leading string literal are left for their macro
/// to report.
pub fn prefix_route_path(attr: &mut syn::Attribute, prefix: &str, module: &Ident) {
    use proc_macro2::TokenTree;
    let syn::Meta::List(list) = &mut attr.meta else {
        return;
    };
    let mut tokens = list.tokens.clone().into_iter();
    let Some(TokenTree::Literal(first)) = tokens.next() else {
        return;
    };
    let Ok(path) = syn::parse2::<LitStr>(TokenTree::Literal(first).into()) else {
        return;
    };
    let prefixed = LitStr::new(&format!("{prefix}{}", path.value()), path.span());
    let mut rewritten: proc_macro2::TokenStream = TokenTree::Literal(prefixed.token()).into();
    let rest: proc_macro2::TokenStream = tokens.collect();
    let trailing_comma = matches!(
        rest.clone().into_iter().last(),
        Some(TokenTree::Punct(punct)) if punct.as_char() == ','
    );
    rewritten.extend(rest);
    if !trailing_comma {
        rewritten.extend(quote::quote!(,));
    }
    let module = LitStr::new(&module.to_string(), Span::call_site());
    rewritten.extend(quote::quote!(__scope = #module));
    list.tokens = rewritten;
}
