use hookspec::get;

#[get("/", responses((status = 404, description = "Gone"), (status = 404, description = "Missing")))]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
