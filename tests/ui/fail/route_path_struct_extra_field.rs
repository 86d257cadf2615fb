use actix_web::web::Path;
use hookspec::{get, JsonSchema};
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
pub struct InvoicePath {
    pub shop: String,
    pub id: u32,
    pub year: u16,
}

#[get("/shops/{shop}/invoices/{id}")]
async fn read(path: Path<InvoicePath>) -> String {
    path.shop.clone()
}

fn main() {}
