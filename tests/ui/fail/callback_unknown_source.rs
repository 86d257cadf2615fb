use actix_web::web::Json;
use hookspec::callback;

#[callback(post, "{$request.cookie.session}/events")]
async fn notify(body: Json<String>) {}

fn main() {}
