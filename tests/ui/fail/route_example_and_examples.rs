use actix_web::web::Json;
use hookspec::post;

#[post("/items", request_example = 1, request_examples(small = 1))]
async fn create(count: Json<u32>) -> String {
    count.to_string()
}

fn main() {}
