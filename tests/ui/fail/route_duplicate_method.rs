use hookspec::route;

#[route("/", method = "GET", method = "GET")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
