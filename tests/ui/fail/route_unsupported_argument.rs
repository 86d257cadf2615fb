use hookspec::get;

#[get("/")]
async fn index(count: u32) -> String {
    count.to_string()
}

fn main() {}
