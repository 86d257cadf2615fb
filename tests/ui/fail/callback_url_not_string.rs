use actix_web::web::Json;
use hookspec::callback;

#[callback(post, callback_url)]
async fn notify(body: Json<String>) {}

fn main() {}
