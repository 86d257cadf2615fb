//! The guard of a route whose method actix-web has no constant for: custom
//! methods such as `HELLO` in `#[route("/x", method = "HELLO")]`.

use actix_web::guard::{self, Guard};

/// Admits requests whose method is exactly `name` (upper case, a valid token:
/// the route macros checked it).
pub fn method_guard(name: &'static str) -> impl Guard {
    guard::fn_guard(move |ctx| ctx.head().method.as_str() == name)
}
