use hookspec::get;

// A misspelt key and a generic handler: both reported at once.
#[get("/items", operationid = "list")]
async fn list_items<T>() -> &'static str {
    "items"
}

fn main() {}
