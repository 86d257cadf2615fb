use hookspec::get;

#[get("/items", security(()))]
async fn items() -> &'static str {
    "items"
}

fn main() {}
