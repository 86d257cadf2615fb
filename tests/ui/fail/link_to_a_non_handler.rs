use actix_web::web::Json;
use hookspec::post;

struct Invoice;

#[post("/invoices", links(Invoice(id = "$response.body")))]
async fn create_invoice(body: Json<String>) -> Json<String> {
    body
}

fn main() {}
