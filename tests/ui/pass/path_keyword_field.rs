//! A path parameter named like a keyword fills a raw-identifier field.
use actix_web::web::Path;
use hookspec::{get, Api, JsonSchema};
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
pub struct Kind {
    pub r#type: String,
}

#[get("/kinds/{type}")]
async fn read_kind(path: Path<Kind>) -> String {
    path.r#type.clone()
}

fn main() {
    let document = serde_json::to_value(Api::new("Kinds", "1").service(read_kind).openapi().unwrap()).unwrap();
    assert_eq!(document["paths"]["/kinds/{type}"]["get"]["parameters"][0]["name"], "type");
}
