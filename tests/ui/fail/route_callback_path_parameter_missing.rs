use actix_web::web::{Json, Path};
use hookspec::{callback, post};

#[callback(post, "https://hooks.example.com/shops/{$request.path.shop}/orders/{$request.path.order_id}")]
async fn order_shipped(body: Json<String>) {}

#[post("/shops/{shop}/orders", callbacks(order_shipped))]
async fn place_order(shop: Path<String>) -> String {
    shop.into_inner()
}

fn main() {}
