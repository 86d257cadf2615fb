//! The OpenAPI 3.0.3 documents: valid against the official 3.0 schema, written with
//! 3.0's keywords, without webhooks, and served at `/openapi-3.0.json`.

mod common;

#[allow(dead_code)]
#[path = "../examples/invoices.rs"]
mod invoices;

#[allow(dead_code)]
#[path = "../examples/subscriptions.rs"]
mod subscriptions;

#[allow(dead_code)]
#[path = "../examples/receiver.rs"]
mod receiver;

use actix_web::{test as atest, App};
use serde_json::{json, Value};

/// Every key of every object in `value`, recursively, with the path to it.
fn keys(value: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                out.push((path.to_owned(), key.clone()));
                let token = key.replace('~', "~0").replace('/', "~1");
                keys(child, &format!("{path}/{token}"), out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                keys(child, &format!("{path}/{index}"), out);
            }
        }
        _ => {}
    }
}

/// No JSON Schema keyword of 3.1 that 3.0 lacks, and no type arrays.
fn assert_no_3_1_only_schema_keywords(document: &Value) {
    let mut all = Vec::new();
    keys(document, "", &mut all);
    for (path, key) in &all {
        // Property names are free text; only schema keywords matter.
        if path.ends_with("/properties") {
            continue;
        }
        assert!(
            ![
                "const",
                "prefixItems",
                "examples",
                "contentMediaType",
                "$defs",
                "jsonSchemaDialect",
                "webhooks"
            ]
            .contains(&key.as_str()),
            "3.1-only `{key}` at {path}"
        );
        if key == "type" {
            let pointer = format!("{path}/type");
            let value = document.pointer(&pointer).unwrap();
            assert!(
                value.is_string() || path.ends_with("/properties"),
                "type array at {path}"
            );
        }
    }
}

#[test]
fn every_example_has_a_valid_3_0_document() {
    for (name, api) in [
        ("invoices", invoices::api()),
        ("subscriptions", subscriptions::api()),
        ("receiver", receiver::api()),
    ] {
        let document = serde_json::to_value(api.openapi_3_0().unwrap()).unwrap();
        assert_eq!(document["openapi"], "3.0.3", "{name}");
        common::assert_valid_openapi_3_0(&document);
        assert_no_3_1_only_schema_keywords(&document);
    }
}

#[test]
fn optional_fields_become_nullable() {
    let document = serde_json::to_value(invoices::api().openapi_3_0().unwrap()).unwrap();
    assert_eq!(
        document["components"]["schemas"]["Invoice"]["properties"]["title"],
        json!({"type": "string", "nullable": true})
    );
    // The 3.1 document keeps the JSON Schema form.
    let v3_1 = serde_json::to_value(invoices::api().openapi().unwrap()).unwrap();
    assert_eq!(
        v3_1["components"]["schemas"]["Invoice"]["properties"]["title"],
        json!({"type": ["string", "null"]})
    );
}

#[test]
fn webhooks_are_left_out_and_named() {
    let document = serde_json::to_value(subscriptions::api().openapi_3_0().unwrap()).unwrap();
    assert!(document.get("webhooks").is_none());
    assert_eq!(
        document["x-omitted-webhooks"],
        json!(["endpoint.disabled", "plan-price-changed"])
    );
    // Callbacks exist in 3.0 and stay.
    assert!(
        document["paths"]["/v1/subscriptions"]["post"]["callbacks"]["event_delivered"].is_object()
    );
}

#[actix_web::test]
async fn both_versions_are_served() {
    let api = subscriptions::api();
    let app = atest::init_service(App::new().configure(api.configure())).await;
    for (path, version) in [("/openapi.json", "3.1.0"), ("/openapi-3.0.json", "3.0.3")] {
        let request = atest::TestRequest::get().uri(path).to_request();
        let document: Value = atest::call_and_read_body_json(&app, request).await;
        assert_eq!(document["openapi"], version, "{path}");
    }
}

#[test]
fn the_validators_reject_what_they_must() {
    // A 3.1 document relabelled 3.0 has type arrays, which 3.0 does not allow.
    let mut relabelled = serde_json::to_value(invoices::api().openapi().unwrap()).unwrap();
    relabelled["openapi"] = json!("3.0.3");
    relabelled
        .as_object_mut()
        .unwrap()
        .remove("jsonSchemaDialect");
    let rejected = std::panic::catch_unwind(|| common::assert_valid_openapi_3_0(&relabelled));
    assert!(rejected.is_err(), "the 3.0 schema accepted type arrays");
    // A 3.1 document without `info` is not one.
    let mut no_info = serde_json::to_value(invoices::api().openapi().unwrap()).unwrap();
    no_info.as_object_mut().unwrap().remove("info");
    let rejected = std::panic::catch_unwind(|| common::assert_valid_openapi_3_1(&no_info));
    assert!(
        rejected.is_err(),
        "the 3.1 schema accepted a document without info"
    );
    // Nor is one whose schema breaks the dialect.
    let mut bad_schema = serde_json::to_value(invoices::api().openapi().unwrap()).unwrap();
    bad_schema["components"]["schemas"]["Invoice"]["type"] = json!(7);
    let rejected = std::panic::catch_unwind(|| common::assert_valid_openapi_3_1(&bad_schema));
    assert!(rejected.is_err(), "the 3.1 schema accepted `type: 7`");
}
