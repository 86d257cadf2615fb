use actix_web::web::Json;
use hookspec::callback;

#[callback(post, "{$request.body#callback}")]
async fn notify(body: Json<String>) {}

fn main() {}
