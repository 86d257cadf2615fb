//! Two schema types with one name (`Invoice` in two modules): the document keeps
//! both, and every `$ref` points at the right one.

use actix_web::test;
use actix_web::web::Json;
use hookspec::{get, post, Api};
use serde_json::Value;

mod common;
use common::{assert_valid_openapi_3_1, json_body};

mod billing {
    #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
    pub struct Invoice {
        pub total_cents: u64,
    }
}

mod shipping {
    #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
    pub struct Invoice {
        pub parcel: String,
    }
}

/// A billing invoice.
#[post("/billing")]
async fn billing_invoice(invoice: Json<billing::Invoice>) -> Json<billing::Invoice> {
    invoice
}

/// A shipping invoice.
#[post("/shipping")]
async fn shipping_invoice(invoice: Json<shipping::Invoice>) -> Json<shipping::Invoice> {
    invoice
}

/// Both at once.
#[get("/both")]
async fn both() -> Json<(billing::Invoice, shipping::Invoice)> {
    Json((
        billing::Invoice { total_cents: 1 },
        shipping::Invoice { parcel: "p".into() },
    ))
}

/// Resolves a local `$ref` in `document`.
fn resolve<'a>(document: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference.strip_prefix('#').expect("a local $ref");
    document
        .pointer(pointer)
        .unwrap_or_else(|| panic!("dangling $ref {reference}"))
}

fn referenced_properties(document: &Value, schema: &Value) -> Vec<String> {
    let target = resolve(document, schema["$ref"].as_str().expect("a $ref"));
    let mut names: Vec<String> = target["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    names.sort();
    names
}

#[actix_web::test]
async fn same_named_types_get_distinct_schemas_and_correct_refs() {
    let api = Api::new("Names", "1")
        .service(billing_invoice)
        .service(shipping_invoice)
        .service(both);
    let app = test::init_service(actix_web::App::new().configure(api.configure())).await;
    let response = test::call_service(
        &app,
        test::TestRequest::get().uri("/openapi.json").to_request(),
    )
    .await;
    let document = json_body(response).await;
    assert_valid_openapi_3_1(&document);

    let schemas = document["components"]["schemas"].as_object().unwrap();
    let mut names: Vec<&String> = schemas.keys().collect();
    names.sort();
    assert_eq!(
        names,
        ["FieldError", "Invoice", "Invoice2", "Problem"],
        "both kept, one renamed"
    );

    let body = |path: &str| {
        document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
            .clone()
    };
    let reply = |path: &str, method: &str| {
        document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
            .clone()
    };
    for schema in [body("/billing"), reply("/billing", "post")] {
        assert_eq!(referenced_properties(&document, &schema), ["total_cents"]);
    }
    for schema in [body("/shipping"), reply("/shipping", "post")] {
        assert_eq!(referenced_properties(&document, &schema), ["parcel"]);
    }
    // Inside another schema, too: the tuple's items point at each in order.
    let tuple = reply("/both", "get");
    let items = tuple["prefixItems"].as_array().expect("a tuple schema");
    assert_eq!(referenced_properties(&document, &items[0]), ["total_cents"]);
    assert_eq!(referenced_properties(&document, &items[1]), ["parcel"]);
}
