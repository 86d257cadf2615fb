use actix_web::web::Json;
use hookspec::webhook;

#[webhook()]
async fn new_subscription(body: Json<String>) {}

fn main() {}
