use hookspec::route;

#[route("/", method = "GET", method = "get")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
