use actix_web::web::Json;
use hookspec::webhook;

#[webhook(put, "")]
async fn new_subscription(body: Json<String>) {}

fn main() {}
