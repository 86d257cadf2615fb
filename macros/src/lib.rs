//! Procedural macros of hookspec. Use them through the `hookspec` crate, which
//! documents them and provides the runtime their expansions name.
//!
//! The entry points only: each macro's work, on `proc_macro2` token streams, is
//! in `items.rs`; it parses its attribute (`attr/`) and function (`ast.rs`),
//! checks them (`valid.rs`), and expands (`expand/`); on error it emits the
//! original item plus the errors (`fallback.rs`).

mod ast;
mod attr;
mod expand;
mod fallback;
mod items;
mod multipart;
mod path;
#[cfg(test)]
mod snapshots;
mod valid;

use proc_macro::TokenStream;

use crate::items::{expand_callback, expand_route, expand_routes, expand_scope, expand_webhook};

macro_rules! method_macro {
    ($($name:ident => $method:literal,)*) => {$(
        #[doc = concat!("Registers and documents a `", $method, "` handler; see the `hookspec` crate.")]
        #[proc_macro_attribute]
        pub fn $name(args: TokenStream, item: TokenStream) -> TokenStream {
            expand_route(Some(stringify!($name)), args.into(), item.into()).into()
        }
    )*};
}

method_macro! {
    get => "GET",
    post => "POST",
    put => "PUT",
    patch => "PATCH",
    delete => "DELETE",
    head => "HEAD",
    options => "OPTIONS",
    trace => "TRACE",
    connect => "CONNECT",
}

/// Registers and documents one handler at several routes: one method attribute
/// (`#[get("/a")]`, `#[post("/b")]`, `#[route(...)]`) per route under it.
#[proc_macro_attribute]
pub fn routes(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_routes(args.into(), item.into()).into()
}

/// Puts a path prefix in front of the routes of a module's handlers.
#[proc_macro_attribute]
pub fn scope(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_scope(args.into(), item.into()).into()
}

/// Registers and documents a handler for the methods given by `method = "..."`.
#[proc_macro_attribute]
pub fn route(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_route(None, args.into(), item.into()).into()
}

/// Declares a webhook: an event the API sends to URLs its users registered. See the
/// `hookspec` crate.
#[proc_macro_attribute]
pub fn webhook(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_webhook(args.into(), item.into()).into()
}

/// Declares a callback: a request the API sends to its users. See the `hookspec` crate.
#[proc_macro_attribute]
pub fn callback(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_callback(args.into(), item.into()).into()
}

/// Describes a `multipart/form-data` form for the document: each named field
/// is a part (`#[multipart(rename = "...")]` as actix-multipart reads it). See
/// `hookspec::multipart`.
#[proc_macro_derive(MultipartSchema, attributes(multipart))]
pub fn multipart_schema(item: TokenStream) -> TokenStream {
    multipart::expand_multipart_schema(item.into()).into()
}
