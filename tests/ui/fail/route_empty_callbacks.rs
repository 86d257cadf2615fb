use hookspec::post;

#[post("/invoices/", callbacks())]
async fn create() -> &'static str {
    "created"
}

fn main() {}
