use hookspec::get;

#[get("/", responses((status = 404)))]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
