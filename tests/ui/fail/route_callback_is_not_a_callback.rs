use hookspec::{get, post};

#[get("/status")]
async fn status() -> &'static str {
    "ok"
}

#[post("/invoices/", callbacks(status))]
async fn create() -> &'static str {
    "created"
}

fn main() {}
