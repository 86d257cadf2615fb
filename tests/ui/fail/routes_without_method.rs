use hookspec::routes;

#[routes]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
