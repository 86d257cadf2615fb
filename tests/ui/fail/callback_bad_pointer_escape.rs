use actix_web::web::Json;
use hookspec::callback;

#[callback(post, "{$request.body#/hooks/a~2b}")]
async fn notify(body: Json<String>) {}

fn main() {}
