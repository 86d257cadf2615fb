//! Every runtime-expression form is accepted and printed back unchanged.
use actix_web::web::Json;
use hookspec::{callback, post, Api};

/// All forms.
#[callback(
    put,
    "https://hooks.example.com/{$method}/{$url}/{$statusCode}/{$request.header.X-Request-Id}/{$request.query.q}/{$request.path.id}/{$request.body}/{$request.body#/a~1b/0/c~0d}/{$response.header.Location}/{$response.body#/id}"
)]
async fn everything(body: Json<String>) {}

/// A bare expression is a URL too.
#[callback(post, "{$request.body#/callback_url}")]
async fn bare(body: Json<String>) -> Json<bool> {}

#[derive(serde::Serialize, serde::Deserialize, hookspec::JsonSchema)]
struct Thing {
    callback_url: String,
}

/// Create.
#[post("/things", callbacks(bare))]
async fn create(body: Json<Thing>) -> Json<Thing> {
    body
}

fn main() {
    let document = serde_json::to_value(Api::new("Forms", "1").service(create).openapi().unwrap()).unwrap();
    let callbacks = &document["paths"]["/things"]["post"]["callbacks"];
    assert!(callbacks["bare"]["{$request.body#/callback_url}"]["post"].is_object());
    // The template is data, not a string: it prints back as written, and its
    // expressions can be inspected.
    use hookspec::describe::CallbackDeclaration;
    let key = "https://hooks.example.com/{$method}/{$url}/{$statusCode}/{$request.header.X-Request-Id}/{$request.query.q}/{$request.path.id}/{$request.body}/{$request.body#/a~1b/0/c~0d}/{$response.header.Location}/{$response.body#/id}";
    assert_eq!(everything::META.url.to_string(), key);
    assert_eq!(everything::META.url.expressions().count(), 10);
}
