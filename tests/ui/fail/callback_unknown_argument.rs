use actix_web::web::Json;
use hookspec::callback;

#[callback(post, "{$request.query.callback_url}", retries = 3)]
async fn notify(body: Json<String>) {}

fn main() {}
