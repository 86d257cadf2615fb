use actix_web::web::Json;
use hookspec::callback;

#[callback(post, "{$request.query.callback_url}/invoices/{$request.body.id}")]
async fn invoice_notification(body: Json<String>) {}

fn main() {}
