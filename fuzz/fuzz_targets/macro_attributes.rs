//! The attribute macros with any attribute text: `#[get(...)]`, `#[route(...)]`,
//! `#[callback(...)]`, `#[webhook(...)]`, `#[scope(...)]` and a method attribute
//! under `#[routes]`. The macros' own modules, compiled here as they are; a
//! macro never panics, whatever it is given: it expands or reports an error.
#![no_main]
#![allow(dead_code)]

#[path = "../../macros/src/ast.rs"]
mod ast;
#[path = "../../macros/src/attr/mod.rs"]
mod attr;
#[path = "../../macros/src/expand/mod.rs"]
mod expand;
#[path = "../../macros/src/fallback.rs"]
mod fallback;
#[path = "../../macros/src/items.rs"]
mod items;
#[path = "../../macros/src/path.rs"]
mod path;
#[path = "../../macros/src/valid.rs"]
mod valid;

use libfuzzer_sys::fuzz_target;
use proc_macro2::TokenStream;
use quote::quote;

fuzz_target!(|data: &[u8]| {
    let Some((&which, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let Ok(args) = text.parse::<TokenStream>() else {
        return;
    };
    let handler = quote! {
        async fn handler(path: Path<u32>, body: Json<Event>) -> Json<Ack> {
            Json(Ack { ok: path.into_inner() > 0 })
        }
    };
    let stub = quote! {
        /// An event.
        async fn event_notification(body: Json<Event>) -> Json<Ack> {}
    };
    let _ = match which % 6 {
        0 => items::expand_route(Some("get"), args, handler),
        1 => items::expand_route(None, args, handler),
        2 => items::expand_callback(args, stub),
        3 => items::expand_webhook(args, stub),
        4 => items::expand_scope(args, quote! { mod m { #[get("/x")] async fn h() {} } }),
        _ => items::expand_routes(
            TokenStream::new(),
            quote! { #[post(#args)] async fn h() -> &'static str { "" } },
        ),
    };
});
