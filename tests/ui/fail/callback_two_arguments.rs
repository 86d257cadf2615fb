use actix_web::web::{Json, Query};
use hookspec::callback;

#[callback(post, "{$request.query.callback_url}")]
async fn notify(body: Json<String>, extra: Query<String>) {}

fn main() {}
