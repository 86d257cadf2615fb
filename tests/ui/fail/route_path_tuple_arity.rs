use actix_web::web::Path;
use hookspec::get;

#[get("/shops/{shop}/invoices/{id}")]
async fn read(path: Path<(String, u32, u32)>) -> String {
    path.0.clone()
}

fn main() {}
