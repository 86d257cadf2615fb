use hookspec::post;

async fn send_email() {}

#[post("/invoices/", callbacks(send_email))]
async fn create() -> &'static str {
    "created"
}

fn main() {}
