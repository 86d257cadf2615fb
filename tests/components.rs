//! Components the application names: parameters, response headers, examples
//! and request bodies written once under `components` and referenced from
//! every operation that has them; several named examples per media type.

mod common;

use actix_web::web::{Json, Path, Query};
use actix_web::HttpResponse;
use hookspec::openapi::ParameterIn;
use hookspec::{get, post, put, Api, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use common::checked_documents;

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct NewInvoice {
    pub customer: String,
    pub total: f64,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Invoice {
    pub id: String,
    pub total: f64,
}

/// Where a page starts.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Page {
    /// The cursor of the page to read, from the previous page.
    pub cursor: Option<String>,
}

/// Where a page starts, with a filter.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CustomerPage {
    /// The cursor of the page to read, from the previous page.
    pub cursor: Option<String>,
    pub name: Option<String>,
}

fn paid() -> Value {
    json!({ "customer": "ACME", "total": 120.0 })
}

fn large_order() -> Value {
    json!({ "customer": "ACME", "total": 1e6 })
}

#[get(
    "/invoices",
    responses((status = 200, description = "A page of invoices", body = Vec<Invoice>,
               headers(("X-RateLimit-Remaining", u32, "Requests left this minute"))))
)]
async fn list_invoices(page: Query<Page>) -> HttpResponse {
    let _ = page;
    HttpResponse::Ok().json(Vec::<Invoice>::new())
}

#[get(
    "/customers",
    responses((status = 200, description = "A page of customers", body = Vec<String>,
               headers(("x-ratelimit-remaining", u32, "Requests left this minute"))))
)]
async fn list_customers(page: Query<CustomerPage>) -> HttpResponse {
    let _ = page;
    HttpResponse::Ok().json(Vec::<String>::new())
}

#[post(
    "/invoices",
    request_examples(paid = paid(), "large-order" = large_order()),
    responses((status = 201, description = "Created", body = Invoice,
               examples(created = json!({ "id": "inv_1", "total": 120.0 }),
                        "created-large" = json!({ "id": "inv_2", "total": 1e6 }))))
)]
async fn create_invoice(body: Json<NewInvoice>) -> HttpResponse {
    let _ = body;
    HttpResponse::Created().finish()
}

#[put("/invoices/{id}", request_examples(paid = paid(), "large-order" = large_order()))]
async fn replace_invoice(id: Path<String>, body: Json<NewInvoice>) -> Json<Invoice> {
    Json(Invoice {
        id: id.into_inner(),
        total: body.total,
    })
}

fn api() -> Api {
    Api::new("Components", "1.0.0")
        .without_authentication()
        .component_parameter("Cursor", ParameterIn::Query, "cursor")
        .component_header("RateLimitRemaining", "X-RateLimit-Remaining")
        .component_example("paid")
        .component_request_body::<NewInvoice>("NewInvoice")
        .service(list_invoices)
        .service(list_customers)
        .service(create_invoice)
        .service(replace_invoice)
}

fn reference(to: &str) -> Value {
    json!({ "$ref": format!("#/components/{to}") })
}

#[test]
fn named_components_are_written_once_and_referenced_everywhere() {
    for document in checked_documents(&api()) {
        let paths = &document["paths"];
        let components = &document["components"];

        for path in ["/invoices", "/customers"] {
            let operation = &paths[path]["get"];
            assert_eq!(operation["parameters"][0], reference("parameters/Cursor"));
            let ok = &operation["responses"]["200"];
            // Header names compare case-insensitively.
            let header = ok["headers"].as_object().unwrap().values().next().unwrap();
            assert_eq!(*header, reference("headers/RateLimitRemaining"));
        }
        // The customers' own filter is not shared.
        assert_eq!(paths["/customers"]["get"]["parameters"][1]["name"], "name");
        let cursor = &components["parameters"]["Cursor"];
        assert_eq!(cursor["name"], "cursor");
        assert_eq!(cursor["in"], "query");
        assert_eq!(
            cursor["description"],
            "The cursor of the page to read, from the previous page."
        );
        assert_eq!(
            components["headers"]["RateLimitRemaining"]["description"],
            "Requests left this minute"
        );

        for (path, method) in [("/invoices", "post"), ("/invoices/{id}", "put")] {
            assert_eq!(
                paths[path][method]["requestBody"],
                reference("requestBodies/NewInvoice"),
                "{path} {method}"
            );
        }
        let body = &components["requestBodies"]["NewInvoice"];
        assert_eq!(body["required"], true);
        let media = &body["content"]["application/json"];
        assert_eq!(media["schema"], reference("schemas/NewInvoice"));
        // The body's examples: `paid` shared, `large-order` its own.
        assert_eq!(media["examples"]["paid"], reference("examples/paid"));
        assert_eq!(media["examples"]["large-order"]["value"]["total"], 1e6);
        assert_eq!(components["examples"]["paid"]["value"], paid());

        let created =
            &paths["/invoices"]["post"]["responses"]["201"]["content"]["application/json"];
        assert_eq!(created["examples"]["created"]["value"]["id"], "inv_1");
        assert_eq!(created["examples"]["created-large"]["value"]["id"], "inv_2");
        assert!(created.get("example").is_none());
    }
}

/// Not the same example as `create_invoice`'s `paid`.
#[put("/drafts/{id}", request_examples(paid = json!({ "customer": "Other", "total": 1.0 })))]
async fn replace_draft(id: Path<String>, body: Json<Invoice>) -> HttpResponse {
    let _ = (id, body);
    HttpResponse::Ok().finish()
}

/// A `cursor` that is required: not the same parameter as the others'.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RequiredCursor {
    pub cursor: String,
}

#[get("/archive")]
async fn list_archive(page: Query<RequiredCursor>) -> HttpResponse {
    let _ = page;
    HttpResponse::Ok().finish()
}

#[test]
fn components_that_differ_between_operations_are_errors_naming_both() {
    let error = api()
        .service(replace_draft)
        .service(list_archive)
        .check()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(
            "component `paid`: the example `paid` of `replace_draft` \
             ({\"value\":{\"customer\":\"Other\",\"total\":1.0}}) differs from the one of \
             `create_invoice`"
        ),
        "{error}"
    );
    assert!(
        error.contains(
            "component `Cursor`: the parameter `cursor` of `list_archive` (\
             {\"name\":\"cursor\",\"in\":\"query\",\"required\":true,\"schema\":{\"type\":\"string\"}}) \
             differs from the one of `list_invoices`"
        ),
        "{error}"
    );
}

#[test]
fn a_component_no_operation_has_or_with_a_name_openapi_refuses_is_an_error() {
    let error = api()
        .component_parameter("Tenant", ParameterIn::Header, "X-Tenant")
        .component_example("not shared!")
        .check()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(
            "`Api::component_parameter(\"Tenant\", header, \"X-Tenant\")`: no operation has it"
        ),
        "{error}"
    );
    assert!(
        error.contains(
            "`Api::component_example(\"not shared!\")`: a component's name is letters, digits, \
             `.`, `-` and `_`"
        ),
        "{error}"
    );
}

#[test]
fn without_named_components_everything_stays_in_place() {
    let api = Api::new("Inline", "1.0.0")
        .without_authentication()
        .service(list_invoices)
        .service(create_invoice);
    let [v3_1, _] = checked_documents(&api);
    assert!(v3_1["components"].get("parameters").is_none());
    assert_eq!(
        v3_1["paths"]["/invoices"]["get"]["parameters"][0]["name"],
        "cursor"
    );
    let media = &v3_1["paths"]["/invoices"]["post"]["requestBody"]["content"]["application/json"];
    assert_eq!(media["examples"]["paid"]["value"], paid());
    assert_eq!(
        media["examples"]["large-order"]["value"]["customer"],
        "ACME"
    );
}
