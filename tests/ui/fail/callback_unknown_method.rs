use actix_web::web::Json;
use hookspec::callback;

#[callback(fetch, "{$request.query.callback_url}")]
async fn notify(body: Json<String>) {}

fn main() {}
