use hookspec::routes;

// The second route's error is reported at its path; the first is fine.
#[routes]
#[get("/a")]
#[post("b")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
