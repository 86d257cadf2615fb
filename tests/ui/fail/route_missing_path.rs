use hookspec::get;

#[get()]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
