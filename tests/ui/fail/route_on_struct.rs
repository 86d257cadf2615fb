use hookspec::get;

#[get("/")]
struct Index;

fn main() {}
