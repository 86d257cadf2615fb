use actix_web::web::Path;
use hookspec::get;

#[get("/invoices/{id}/{id}")]
async fn read(ids: Path<(u32, u32)>) -> String {
    ids.0.to_string()
}

fn main() {}
