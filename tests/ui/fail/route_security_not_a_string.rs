use hookspec::get;

#[get("/items", security(bearer))]
async fn items() -> &'static str {
    "items"
}

fn main() {}
