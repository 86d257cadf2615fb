use actix_web::web::Json;
use hookspec::callback;

// A bad URL and two body arguments: both reported at once.
#[callback(post, "{$callback_url}/invoices")]
async fn notify(first: Json<u32>, second: Json<u32>) {}

fn main() {}
