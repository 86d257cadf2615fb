//! The official OpenAPI 3.1, 3.2 and 3.0 schemas, offline, as test assertions.

use serde_json::Value;

/// The official schemas, read relative to this file: it is also included by
/// test crates elsewhere in the workspace (`tests/actix_parity`).
fn load(path: &str) -> Value {
    let text = match path {
        "v3.1/schema-base.json" => include_str!("../data/openapi/v3.1/schema-base.json"),
        "v3.1/schema.json" => include_str!("../data/openapi/v3.1/schema.json"),
        "v3.1/dialect/base.schema.json" => {
            include_str!("../data/openapi/v3.1/dialect/base.schema.json")
        }
        "v3.1/meta/base.schema.json" => include_str!("../data/openapi/v3.1/meta/base.schema.json"),
        "v3.0/schema.json" => include_str!("../data/openapi/v3.0/schema.json"),
        "v3.2/schema-base.json" => include_str!("../data/openapi/v3.2/schema-base.json"),
        "v3.2/schema.json" => include_str!("../data/openapi/v3.2/schema.json"),
        "v3.2/dialect.json" => include_str!("../data/openapi/v3.2/dialect.json"),
        "v3.2/meta.json" => include_str!("../data/openapi/v3.2/meta.json"),
        other => panic!("no schema {other}"),
    };
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"))
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

/// Validates `document` against the official OpenAPI 3.2 schema (with Schema
/// Objects checked against the OAS 3.2 dialect), offline; panics listing
/// every error.
pub fn assert_valid_openapi_3_2(document: &Value) {
    const WIP: &str = "WORK-IN-PROGRESS";
    let id = |what: &str| format!("https://spec.openapis.org/oas/3.2/{what}/{WIP}");
    let root = load("v3.2/schema-base.json");
    let registry = jsonschema::Registry::new()
        .add(id("schema"), load("v3.2/schema.json"))
        .and_then(|r| r.add(id("dialect"), load("v3.2/dialect.json")))
        .and_then(|r| r.add(id("meta"), load("v3.2/meta.json")))
        .and_then(|r| r.prepare())
        .expect("the official 3.2 schemas load");
    let validator = jsonschema::options()
        .with_registry(&registry)
        .build(&root)
        .expect("the official 3.2 schema compiles");
    assert_valid(&validator, document, "OpenAPI 3.2");
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
