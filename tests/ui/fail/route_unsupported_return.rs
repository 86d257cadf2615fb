use hookspec::get;

#[get("/")]
async fn index() -> Vec<u8> {
    vec![1, 2, 3]
}

fn main() {}
