use actix_web::web::{Json, Path};
use hookspec::{get, post};

/// Read an invoice.
#[get("/invoices/{id}")]
async fn get_invoice(id: Path<String>) -> String {
    id.into_inner()
}

#[post("/invoices", links(get_invoyce(id = "$response.body")))]
async fn create_invoice(body: Json<String>) -> Json<String> {
    body
}

fn main() {}
