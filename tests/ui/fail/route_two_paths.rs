use hookspec::delete;

#[delete("/four", "/five")]
async fn index() -> &'static str {
    "gone"
}

fn main() {}
