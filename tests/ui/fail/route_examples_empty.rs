use actix_web::web::Json;
use hookspec::post;

#[post("/items", request_examples())]
async fn create(count: Json<u32>) -> String {
    count.to_string()
}

fn main() {}
