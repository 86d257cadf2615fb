use hookspec::route;

// actix-web requires upper case; so does hookspec.
#[route("/", method = "hello")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
