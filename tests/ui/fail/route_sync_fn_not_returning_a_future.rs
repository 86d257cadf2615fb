use hookspec::get;

#[get("/")]
fn index() -> &'static str {
    "hello"
}

fn main() {}
