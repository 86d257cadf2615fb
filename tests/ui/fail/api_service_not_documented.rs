#[actix_web::get("/plain")]
async fn plain() -> &'static str {
    "not documented"
}

fn main() {
    let _ = hookspec::Api::new("Plain", "1").service(plain);
}
