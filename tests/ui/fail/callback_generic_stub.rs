use actix_web::web::Json;
use hookspec::callback;

#[callback(post, "{$request.query.callback_url}")]
async fn notify<T>(body: Json<String>) {}

fn main() {}
