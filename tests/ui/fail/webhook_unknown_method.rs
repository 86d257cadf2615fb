use actix_web::web::Json;
use hookspec::webhook;

#[webhook(send, "new-subscription")]
async fn new_subscription(body: Json<String>) {}

fn main() {}
