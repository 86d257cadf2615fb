use hookspec::route;

#[route("/", method = "FE TCH")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
