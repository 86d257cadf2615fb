use actix_web::web::Json;
use hookspec::callback;

#[callback(post, "{$response.query.callback_url}/done")]
async fn done(body: Json<String>) {}

fn main() {}
