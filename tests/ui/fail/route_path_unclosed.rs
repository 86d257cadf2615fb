use actix_web::web::Path;
use hookspec::get;

#[get("/invoices/{id")]
async fn read(id: Path<u32>) -> String {
    id.to_string()
}

fn main() {}
