use hookspec::get;

#[get("/", colour = "red")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
