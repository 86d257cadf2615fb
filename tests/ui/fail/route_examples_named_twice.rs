use actix_web::web::Json;
use hookspec::post;

#[post("/items", request_examples(small = 1, "large" = 100, small = 2))]
async fn create(count: Json<u32>) -> String {
    count.to_string()
}

fn main() {}
