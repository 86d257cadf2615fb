use hookspec::get;

#[get("/", operation_id = "")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
