use hookspec::get;

#[get("/", responses((status = 700, description = "Unheard of")))]
async fn index() -> &'static str {
    "hello"
}

fn main() {}
