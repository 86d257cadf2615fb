//! Expansions use absolute paths only: shadowing prelude names changes nothing,
//! and they raise no warning under `deny(warnings)`.
#![deny(warnings)]
#![allow(non_camel_case_types, dead_code, clippy::all)]

use actix_web::web::{Json, Path, Query};
use hookspec::{callback, get, Api, JsonSchema};
use serde::Deserialize;

struct Result;
struct Option;
struct Some;
struct None;
struct Ok;
struct Err;
struct String;
struct Vec;
struct Box;
mod actix_web_shadow {}
mod hookspec_shadow {}

#[derive(Deserialize, JsonSchema)]
pub struct Params {
    pub callback_url: std::string::String,
}

/// Notify.
#[callback(post, "{$request.query.callback_url}/{$request.path.id}")]
pub async fn notify(body: Json<u32>) -> Json<bool> {}

/// Read.
#[get("/things/{id}", callbacks(notify))]
pub async fn read(id: Path<u32>, params: Query<Params>) -> Json<u32> {
    let _ = params;
    Json(id.into_inner())
}

fn main() {
    let api = Api::new("Hygiene", "1").service(read);
    api.check().unwrap();
}
