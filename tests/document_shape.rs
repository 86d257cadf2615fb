//! What a real API's document needs besides operations: tags with
//! descriptions, response headers, examples, the Standard Webhooks headers of
//! signed callbacks, documents and docs where the application wants them, and
//! `map_document` for the rest. Every document is validated.

mod common;

use actix_web::http::StatusCode;
use actix_web::web::{self, Json};
use actix_web::{test as atest, App, HttpResponse};
use hookspec::openapi::{OpenApi, Tag};
use hookspec::{callback, post, webhook, Api, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Serialize, Deserialize, JsonSchema)]
struct Invoice {
    /// The invoice's id.
    #[schemars(example = "inv-42")]
    id: String,
    total: f64,
    callback_url: String,
}

/// Paid.
#[callback(post, "{$request.body#/callback_url}")]
async fn invoice_paid(body: Json<Invoice>) {}

/// An invoice was archived.
#[webhook("invoice-archived")]
async fn invoice_archived(body: Json<Invoice>) {}

/// Create an invoice.
#[post(
    "/invoices",
    tag = "invoices",
    callbacks(invoice_paid),
    request_example = json!({"id": "inv-1", "total": 9.5, "callback_url": "https://hooks.example.com"}),
    responses((
        status = 201,
        description = "Created",
        body = Invoice,
        headers(("Location", String, "Where the invoice is"), ("X-Rate-Limit-Remaining", u32)),
        example = Invoice { id: "inv-1".into(), total: 9.5, callback_url: "https://hooks.example.com".into() }
    ))
)]
async fn create_invoice(invoice: Json<Invoice>) -> HttpResponse {
    HttpResponse::Created()
        .insert_header(("Location", format!("/invoices/{}", invoice.id)))
        .insert_header(("X-Rate-Limit-Remaining", "99"))
        .json(invoice.into_inner())
}

/// Ping.
#[post("/ping", tag = "ops")]
async fn ping() -> &'static str {
    "pong"
}

fn api() -> Api {
    Api::new("Shaped", "1.0.0")
        .tag(
            Tag::new("invoices")
                .description("Invoices and their notifications.")
                .external_docs("https://docs.example.com/invoices", Some("Guide")),
        )
        .tag(Tag::new("ops").description("Operations."))
        .signed_callbacks()
        .service(create_invoice)
        .service(ping)
        .webhook(invoice_archived)
}

fn validated(api: &Api) -> [Value; 2] {
    common::checked_documents(api)
}

#[test]
fn tags_headers_and_examples_are_documented() {
    for document in validated(&api()) {
        assert_eq!(
            document["tags"],
            json!([
                {
                    "name": "invoices",
                    "description": "Invoices and their notifications.",
                    "externalDocs": { "url": "https://docs.example.com/invoices", "description": "Guide" }
                },
                { "name": "ops", "description": "Operations." }
            ])
        );
        let create = &document["paths"]["/invoices"]["post"];
        assert_eq!(
            create["requestBody"]["content"]["application/json"]["example"],
            json!({"id": "inv-1", "total": 9.5, "callback_url": "https://hooks.example.com"})
        );
        let created = &create["responses"]["201"];
        assert_eq!(
            created["headers"]["Location"]["description"],
            "Where the invoice is"
        );
        assert_eq!(created["headers"]["Location"]["schema"]["type"], "string");
        assert_eq!(
            created["headers"]["X-Rate-Limit-Remaining"]["schema"]["type"],
            "integer"
        );
        assert_eq!(
            created["content"]["application/json"]["example"]["id"],
            "inv-1"
        );
    }
    // schemars' `example` reaches the schema (3.1 `examples`).
    let [v3_1, _] = validated(&api());
    assert_eq!(
        v3_1["components"]["schemas"]["Invoice"]["properties"]["id"]["examples"],
        json!(["inv-42"])
    );
}

/// A signed API's callbacks and webhooks list the headers the sender adds, so
/// the receiver's generated code sees them.
#[test]
fn signed_callbacks_and_webhooks_list_the_signature_headers() {
    let [v3_1, v3_0] = validated(&api());
    let names = |operation: &Value| -> Vec<String> {
        operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "header" && p["required"] == true)
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let expected = ["webhook-id", "webhook-timestamp", "webhook-signature"];
    for document in [&v3_1, &v3_0] {
        let callback = &document["paths"]["/invoices"]["post"]["callbacks"]["invoice_paid"]
            ["{$request.body#/callback_url}"]["post"];
        assert_eq!(names(callback), expected);
    }
    assert_eq!(
        names(&v3_1["webhooks"]["invoice-archived"]["post"]),
        expected
    );
    // Not the API's own operations.
    assert!(v3_1["paths"]["/ping"]["post"].get("parameters").is_none());
    // Without `signed_callbacks`, none.
    let unsigned = serde_json::to_value(
        Api::new("Unsigned", "1")
            .service(create_invoice)
            .openapi()
            .unwrap(),
    )
    .unwrap();
    let callback = &unsigned["paths"]["/invoices"]["post"]["callbacks"]["invoice_paid"]
        ["{$request.body#/callback_url}"]["post"];
    assert!(callback.get("parameters").is_none(), "{callback}");
}

#[test]
fn strict_tags_list_every_undeclared_tag() {
    let error = Api::new("Strict", "1")
        .tag(Tag::new("ops"))
        .strict_tags()
        .service(create_invoice)
        .service(ping)
        .check()
        .unwrap_err();
    assert_eq!(
        error.problems(),
        [
            "tag `invoices` (used by POST /invoices) is not declared: add \
          `Api::tag(Tag::new(\"invoices\").description(...))` (strict tags)"
        ]
    );
    // Declared, it passes; without strict tags, undeclared ones are fine.
    api().strict_tags().check().unwrap();
    Api::new("Loose", "1").service(ping).check().unwrap();
}

#[test]
fn map_document_has_the_last_word_on_both_versions() {
    let api = api().map_document(|document: &mut OpenApi| {
        document.extensions.insert(
            "x-logo".into(),
            json!({"url": "https://example.com/logo.png"}),
        );
        document.info.description = Some(format!("Served as OpenAPI {}.", document.openapi));
    });
    let [v3_1, v3_0] = validated(&api);
    assert_eq!(v3_1["x-logo"]["url"], "https://example.com/logo.png");
    assert_eq!(v3_1["info"]["description"], "Served as OpenAPI 3.1.0.");
    assert_eq!(v3_0["info"]["description"], "Served as OpenAPI 3.0.3.");
}

/// The documents and the docs page where the application wants them, under a
/// `web::scope` too; the page reads the document by a relative link.
#[actix_web::test]
async fn documents_and_docs_are_served_where_asked() {
    let api = api()
        .document_path("/spec/openapi.json")
        .document_3_0_path("/spec/openapi-3.0.json")
        .docs_path("/reference");
    let app =
        atest::init_service(App::new().service(web::scope("/api").configure(api.configure())))
            .await;
    let get = |uri: &'static str| atest::TestRequest::get().uri(uri).to_request();
    for uri in ["/api/spec/openapi.json", "/api/spec/openapi-3.0.json"] {
        let response = atest::call_service(&app, get(uri)).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
    }
    for uri in ["/api/openapi.json", "/api/docs"] {
        let response = atest::call_service(&app, get(uri)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri} moved");
    }
    let page = atest::call_and_read_body(&app, get("/api/reference")).await;
    let page = String::from_utf8(page.to_vec()).unwrap();
    assert!(page.contains(r#"url: "spec/openapi.json""#), "{page}");
    assert!(
        page.contains(r#"src="reference/swagger-ui-bundle.js""#),
        "{page}"
    );
    let bundle = atest::call_service(&app, get("/api/reference/swagger-ui-bundle.js")).await;
    assert_eq!(bundle.status(), StatusCode::OK);

    let bare =
        atest::init_service(App::new().configure(api.clone().without_docs().configure())).await;
    let response = atest::call_service(&bare, get("/reference")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "no docs page");
    let response = atest::call_service(&bare, get("/spec/openapi.json")).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Ping with an example body, but no body argument.
#[post("/pong", request_example = json!({"ping": true}))]
async fn pong() -> &'static str {
    "pong"
}

#[test]
fn a_request_example_without_a_body_is_a_problem() {
    let error = Api::new("Pong", "1").service(pong).check().unwrap_err();
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("`pong` (tests/document_shape.rs:")
            && problems[0]
                .ends_with("): `request_example` is given, but no argument is a request body"),
        "{problems:?}"
    );
}

#[test]
fn served_paths_are_checked() {
    let error = api()
        .document_path("openapi.json")
        .docs_path("/docs/")
        .document_3_0_path("/openapi.json")
        .check()
        .unwrap_err();
    assert_eq!(
        error.problems(),
        [
            "document_path `openapi.json`: a plain path that starts with `/` and does not end with one",
            "docs_path `/docs/`: a plain path that starts with `/` and does not end with one",
        ]
    );
    let error = api().docs_path("/openapi.json").check().unwrap_err();
    assert_eq!(
        error.problems(),
        ["the documents and the docs pages need paths of their own"]
    );
}
