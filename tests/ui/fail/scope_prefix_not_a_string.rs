use hookspec::scope;

const PATH: &str = "/api";

#[scope(PATH)]
mod api {}

fn main() {}
