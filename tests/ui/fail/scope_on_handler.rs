use hookspec::scope;

#[scope("/api")]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
