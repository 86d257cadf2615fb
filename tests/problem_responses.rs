//! The RFC 9457 problem responses hookspec's extractors document: written once
//! per status under `components.responses` and referred to by each operation,
//! unless the operation documents the status itself.

mod common;

use actix_web::http::header;
use actix_web::web::{Json, Path};
use actix_web::{test as atest, App};
use hookspec::openapi::{RefOr, Response};
use hookspec::{get, post, Api, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Serialize, Deserialize, JsonSchema)]
struct Order {
    id: String,
    total: f64,
}

/// Why a quote could not be priced.
#[derive(Serialize, Deserialize, JsonSchema)]
struct QuoteError {
    reason: String,
}

/// Create an order.
#[post("/orders")]
async fn create_order(order: Json<Order>) -> Json<Order> {
    order
}

/// Price an order: its own 400 beside the extractor's.
#[post(
    "/quotes",
    responses((status = 400, description = "The order cannot be priced", body = QuoteError))
)]
async fn quote(order: Json<Order>) -> Json<Order> {
    order
}

/// Read an order.
#[get("/orders/{id}")]
async fn read_order(id: Path<u32>) -> String {
    id.to_string()
}

fn api() -> Api {
    Api::new("Orders", "1")
        .service(create_order)
        .service(quote)
        .service(read_order)
}

fn problem_reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

#[test]
fn each_problem_response_is_written_once_and_referred_to() {
    for document in common::checked_documents(&api()) {
        let responses = &document["components"]["responses"];
        let names: Vec<&String> = responses.as_object().unwrap().keys().collect();
        assert_eq!(
            names,
            [
                "BadRequest",
                "NotFound",
                "PayloadTooLarge",
                "UnsupportedMediaType"
            ]
        );
        for (name, reason) in [
            ("BadRequest", "Bad Request"),
            ("NotFound", "Not Found"),
            ("PayloadTooLarge", "Payload Too Large"),
            ("UnsupportedMediaType", "Unsupported Media Type"),
        ] {
            assert_eq!(
                responses[name],
                json!({
                    "description": reason,
                    "content": { "application/problem+json": {
                        "schema": { "$ref": "#/components/schemas/Problem" }
                    } }
                })
            );
        }
        let create = &document["paths"]["/orders"]["post"]["responses"];
        assert_eq!(create["400"], problem_reference("BadRequest"));
        assert_eq!(create["413"], problem_reference("PayloadTooLarge"));
        assert_eq!(create["415"], problem_reference("UnsupportedMediaType"));
        let read = &document["paths"]["/orders/{id}"]["get"]["responses"];
        assert_eq!(read["404"], problem_reference("NotFound"));
    }
}

#[test]
fn an_operation_documenting_the_status_itself_keeps_its_words_and_gains_the_problem_body() {
    for document in common::checked_documents(&api()) {
        let priced = &document["paths"]["/quotes"]["post"]["responses"];
        assert_eq!(priced["400"]["description"], "The order cannot be priced");
        assert_eq!(
            priced["400"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/QuoteError"
        );
        assert_eq!(
            priced["400"]["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
        // Its other problem responses are still references.
        assert_eq!(priced["415"], problem_reference("UnsupportedMediaType"));
    }
}

#[actix_web::test]
async fn the_referenced_response_is_what_the_server_sends() {
    let app = atest::init_service(App::new().configure(api().configure())).await;
    let request = atest::TestRequest::post()
        .uri("/orders")
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload("{\"id\": ")
        .to_request();
    let response = atest::call_service(&app, request).await;
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    let document: Value = serde_json::from_slice(&api().openapi_json().unwrap()).unwrap();
    let reference = document["paths"]["/orders"]["post"]["responses"]["400"]["$ref"]
        .as_str()
        .unwrap();
    let documented = document
        .pointer(reference.strip_prefix('#').unwrap())
        .unwrap();
    assert!(documented["content"]["application/problem+json"].is_object());
}

#[test]
fn map_document_sees_references_and_may_write_them_out() {
    let api = api().map_document(|document| {
        let create = document
            .paths
            .get_mut("/orders")
            .unwrap()
            .post
            .as_mut()
            .unwrap();
        let bad_request = create.responses.get_mut("400").unwrap();
        assert!(matches!(bad_request, RefOr::Ref(_)), "{bad_request:?}");
        *bad_request = RefOr::Item(Response::new("The order is malformed"));
    });
    let document: Value = serde_json::from_slice(&api.openapi_json().unwrap()).unwrap();
    assert_eq!(
        document["paths"]["/orders"]["post"]["responses"]["400"],
        json!({ "description": "The order is malformed" })
    );
    common::assert_valid_openapi_3_1(&document);
}
