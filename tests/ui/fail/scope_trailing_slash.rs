use hookspec::scope;

#[scope("/api/")]
mod api {}

fn main() {}
