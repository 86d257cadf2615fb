use hookspec::get;

#[get("/", operation_id = "home", operation_id = "index")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
