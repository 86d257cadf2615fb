use actix_web::web::Json;
use hookspec::{callback, post};

#[callback(post, "{$request.query.callback_url}")]
async fn notify(body: Json<String>) {}

#[post("/invoices/", callbacks(notify, notify))]
async fn create() -> &'static str {
    "created"
}

fn main() {}
