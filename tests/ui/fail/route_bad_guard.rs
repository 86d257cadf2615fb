use hookspec::get;

#[get("/", guard = "is admin")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
