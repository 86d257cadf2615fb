use actix_web::web::Json;
use hookspec::callback;

#[callback(post)]
async fn notify(body: Json<String>) {}

fn main() {}
