//! Helpers shared by the integration tests.

#![allow(dead_code)]

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use serde_json::Value;

fn load(path: &str) -> Value {
    let full = format!("{}/tests/data/openapi/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Validates `document` against the official OpenAPI 3.1 schema (with Schema
/// Objects checked against the OAS dialect), offline; panics listing every error.
pub fn assert_valid_openapi_3_1(document: &Value) {
    let root = load("v3.1/schema-base.json");
    let registry = jsonschema::Registry::new()
        .add(
            "https://spec.openapis.org/oas/3.1/schema/2022-10-07",
            load("v3.1/schema.json"),
        )
        .and_then(|r| {
            r.add(
                "https://spec.openapis.org/oas/3.1/dialect/base",
                load("v3.1/dialect/base.schema.json"),
            )
        })
        .and_then(|r| {
            r.add(
                "https://spec.openapis.org/oas/3.1/meta/base",
                load("v3.1/meta/base.schema.json"),
            )
        })
        .and_then(|r| r.prepare())
        .expect("the official schemas load");
    let validator = jsonschema::options()
        .with_registry(&registry)
        .build(&root)
        .expect("the official schema compiles");
    assert_valid(&validator, document, "OpenAPI 3.1");
}

/// Panics listing every error `validator` finds in `document`.
fn assert_valid(validator: &jsonschema::Validator, document: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "document is not valid {what}:\n{}\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(document).unwrap_or_default()
    );
}

/// Validates `document` against the official OpenAPI 3.0 schema; panics listing
/// every error.
pub fn assert_valid_openapi_3_0(document: &Value) {
    let validator = jsonschema::options()
        .build(&load("v3.0/schema.json"))
        .expect("the official 3.0 schema compiles");
    assert_valid(&validator, document, "OpenAPI 3.0");
}

/// The body of a test response, as JSON.
pub async fn json_body<B: MessageBody>(response: ServiceResponse<B>) -> Value {
    let bytes = actix_web::test::read_body(response).await;
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}
