use actix_web::web::Json;
use hookspec::callback;

#[callback(post, "{$request.query.callback_url}")]
async fn notify(body: Json<String>) -> Vec<u8> {}

fn main() {}
