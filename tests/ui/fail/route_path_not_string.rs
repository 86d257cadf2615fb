use hookspec::get;

#[get(index)]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
