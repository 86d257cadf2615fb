use hookspec::scope;

#[scope]
mod api {}

fn main() {}
