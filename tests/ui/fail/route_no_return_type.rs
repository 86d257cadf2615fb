use hookspec::get;

#[get("/")]
async fn index() {}

fn main() {}
