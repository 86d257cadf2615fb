use actix_web::web::Json;
use hookspec::{callback, Api};

#[callback(post, "{$request.query.callback_url}")]
async fn notify(body: Json<String>) {}

fn main() {
    let _ = Api::new("Hooks", "1").webhook(notify);
}
