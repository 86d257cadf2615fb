//! Path parameters from a struct, a tuple, a scalar, with regex and tail segments.
use actix_web::web::Path;
use hookspec::{get, Api, JsonSchema};
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
pub struct FilePath {
    pub bucket: String,
    pub key: String,
}

#[get("/files/{bucket}/{key}*")]
async fn file(path: Path<FilePath>) -> String {
    format!("{}/{}", path.bucket, path.key)
}

#[get("/years/{year:\\d{4}}/{month}")]
async fn month(path: Path<(u16, u8)>) -> String {
    format!("{}-{}", path.0, path.1)
}

#[get("/users/{id}")]
async fn user(id: Path<u64>) -> String {
    id.to_string()
}

fn main() {
    let api = Api::new("Paths", "1").service(file).service(month).service(user);
    let document = serde_json::to_value(api.openapi().unwrap()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.contains_key("/files/{bucket}/{key}"));
    assert!(paths.contains_key("/years/{year}/{month}"));
    assert!(paths.contains_key("/users/{id}"));
}
