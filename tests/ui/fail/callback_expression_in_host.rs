use actix_web::web::Json;
use hookspec::callback;

// The tenant would choose the host the callback goes to.
#[callback(post, "https://{$request.query.tenant}.hooks.example/invoices")]
async fn notify(body: Json<u32>) {}

fn main() {}
