use hookspec::routes;

#[routes]
#[get]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
