use hookspec::get;

#[get("/", method = "POST")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
