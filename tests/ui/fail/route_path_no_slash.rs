use hookspec::get;

#[get("invoices")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
