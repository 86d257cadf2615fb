use hookspec::get;

// A misspelt key and a handler that is not `async`: both reported at once.
#[get("/items", operationid = "list")]
fn list_items() -> &'static str {
    "items"
}

fn main() {}
