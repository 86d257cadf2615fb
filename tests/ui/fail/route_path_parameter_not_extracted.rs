use hookspec::get;

#[get("/invoices/{id}")]
async fn read() -> &'static str {
    "an invoice"
}

fn main() {}
