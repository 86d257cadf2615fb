use hookspec::route;

#[route("/", method = "FETCH")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
