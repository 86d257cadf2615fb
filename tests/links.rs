//! Links from a response to the operation a client calls next: written under
//! each success response with the target's operation id and the parameters'
//! expressions, in every version's document; a target this `Api` does not
//! serve, a parameter it does not take or an expression this operation cannot
//! evaluate is a problem `Api::check` reports. (What the compiler catches is in
//! `tests/ui/fail/link_*`.)

mod common;

use actix_web::web::{Json, Path, Query};
use hookspec::{get, post, Api, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::json;

use common::{checked_documents, document_3_2};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Invoice {
    pub id: String,
    pub total: f64,
}

#[derive(Deserialize, JsonSchema)]
pub struct Expand {
    /// Whether to include the lines.
    pub lines: Option<bool>,
}

/// Read an invoice.
#[get("/invoices/{id}")]
async fn get_invoice(id: Path<String>, _expand: Query<Expand>) -> Json<Invoice> {
    Json(Invoice {
        id: id.into_inner(),
        total: 1.0,
    })
}

/// Create an invoice.
#[post(
    "/invoices",
    links(get_invoice(id = "$response.body#/id", "query.lines" = "$request.query.lines"))
)]
async fn create_invoice(invoice: Json<Invoice>, _expand: Query<Expand>) -> Json<Invoice> {
    invoice
}

/// Create an invoice, linked to a parameter `get_invoice` does not take.
#[post("/drafts", links(get_invoice(number = "$response.body#/id")))]
async fn create_draft(invoice: Json<Invoice>) -> Json<Invoice> {
    invoice
}

/// Create an invoice, linked through a member its response does not have.
#[post("/copies", links(get_invoice(id = "$response.body#/number")))]
async fn copy_invoice(invoice: Json<Invoice>) -> Json<Invoice> {
    invoice
}

#[test]
fn a_link_is_written_under_each_success_response_in_every_version() {
    let api = Api::new("Invoices", "1")
        .service(create_invoice)
        .service(get_invoice);
    let [v3_1, v3_0] = checked_documents(&api);
    let v3_2 = document_3_2(&api);
    for document in [&v3_1, &v3_0, &v3_2] {
        let responses = &document["paths"]["/invoices"]["post"]["responses"];
        assert_eq!(
            responses["200"]["links"],
            json!({
                "get_invoice": {
                    "operationId": "get_invoice",
                    "parameters": {
                        "id": "$response.body#/id",
                        "query.lines": "$request.query.lines",
                    },
                    "description": "Read an invoice.",
                }
            }),
            "{}",
            document["openapi"]
        );
        // Error responses lead nowhere.
        assert!(responses["400"].get("links").is_none(), "{responses}");
    }
}

#[test]
fn a_link_to_a_handler_the_api_does_not_serve_is_reported() {
    let api = Api::new("Invoices", "1").service(create_invoice);
    let error = api.check().unwrap_err().to_string();
    for part in [
        "`create_invoice` (tests/links.rs:",
        "link `get_invoice` leads to handler `get_invoice` (tests/links.rs:",
        "which this Api does not serve; add it with `.service(get_invoice)`",
    ] {
        assert!(error.contains(part), "{part} missing: {error}");
    }
}

#[test]
fn a_parameter_the_target_does_not_take_is_reported() {
    let api = Api::new("Invoices", "1")
        .service(create_draft)
        .service(get_invoice);
    let error = api.check().unwrap_err().to_string();
    assert!(
        error.contains(
            "link `get_invoice` fills `number`, which `get_invoice` does not take (it takes: \
             path.id, query.lines)"
        ),
        "{error}"
    );
}

#[test]
fn an_expression_the_operation_cannot_evaluate_is_reported() {
    let api = Api::new("Invoices", "1")
        .service(copy_invoice)
        .service(get_invoice);
    let error = api.check().unwrap_err().to_string();
    assert!(
        error.contains(
            "operation `copy_invoice` (POST /copies): link `get_invoice` fills `id` with \
             `$response.body#/number`, but"
        ),
        "{error}"
    );
}
