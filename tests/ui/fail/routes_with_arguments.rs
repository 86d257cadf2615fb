use hookspec::routes;

#[routes("/a")]
#[get("/b")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
