use actix_web::web::Path;
use hookspec::{get, JsonSchema};
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
pub struct Page {
    pub number: u32,
}

#[get("/pages/{1st}")]
async fn read(page: Path<Page>) -> String {
    page.number.to_string()
}

fn main() {}
