use actix_web::web::Path;
use hookspec::get;

// actix-router would panic on this regex when the app starts.
#[get("/items/{id:[0-9+}")]
async fn read_item(id: Path<u32>) -> String {
    id.to_string()
}

fn main() {}
