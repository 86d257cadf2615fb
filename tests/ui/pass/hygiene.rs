//! Expansions use absolute paths only: shadowing prelude names changes nothing,
//! and they raise no warning under `deny(warnings)`.
#![deny(warnings)]
#![allow(non_camel_case_types, dead_code, clippy::all)]

use ::actix_web::web::{Json, Path, Query};
use ::hookspec::{callback, get, routes, scope, Api};

// The prelude's names, shadowed by things that are not what expansions mean,
// as serde's test suite does: an expansion that reaches any of them by a
// relative path fails to compile here.
struct Result;
struct Option;
struct Some;
struct None;
struct Ok;
struct Err;
struct String;
struct Vec;
struct Box;
struct Clone;
struct Copy;
struct Send;
struct Sync;
struct Default;
struct From;
struct Into;
struct Iterator;
struct Fn;
struct FnOnce;
struct Future;
struct Sized;
struct Debug;
struct Drop;
// Crate roots an expansion must reach with a leading `::`.
mod core {}
mod std {}
mod alloc {}
mod serde {}
mod schemars {}
mod actix_web {}
mod hookspec {}

// Derives of other crates (schemars's expands to relative `schemars::` paths)
// live in a module of their own, where the shadows above are not in scope.
mod types {
    #[derive(::serde::Deserialize, ::schemars::JsonSchema)]
    pub struct Params {
        pub callback_url: ::std::string::String,
    }
}
use types::Params;

/// Notify.
#[callback(post, "{$request.query.callback_url}/{$request.path.id}")]
pub async fn notify(body: Json<u32>) -> Json<bool> {}

/// Read.
#[get("/things/{id}", callbacks(notify))]
pub async fn read(id: Path<u32>, params: Query<Params>) -> Json<u32> {
    let _ = params;
    Json(id.into_inner())
}

/// Several routes, a custom method, a plain `fn` returning a future.
#[routes]
#[get("/a")]
#[route("/b", method = "GET", method = "BREW")]
pub fn several() -> impl ::core::future::Future<Output = &'static str> {
    ::core::future::ready("several")
}

#[scope("/v1")]
mod v1 {
    use ::actix_web::web::Json;
    use ::hookspec::get;

    /// Scoped.
    #[get("/things")]
    pub async fn list() -> Json<u32> {
        Json(1)
    }
}

fn main() {
    let api = Api::new("Hygiene", "1")
        .service(read)
        .service(several)
        .service(v1::list);
    api.check().unwrap();
}
