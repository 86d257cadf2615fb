use actix_web::web::Json;
use hookspec::callback;

#[callback(post, "{$request.query.callback_url}/{$request.method}")]
async fn notify(body: Json<String>) {}

fn main() {}
