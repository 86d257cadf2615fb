use actix_web::web::Json;
use hookspec::post;

#[post(
    "/items",
    responses((status = 200, description = "Counted", body = u32, examples(one = 1), example = 1))
)]
async fn create(count: Json<u32>) -> String {
    count.to_string()
}

fn main() {}
