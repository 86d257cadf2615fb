//! The invoices example, booted in actix-web's test service: its whole document,
//! how it is served, the docs page, and how bad input is answered.

mod common;

#[allow(dead_code)]
#[path = "../examples/invoices.rs"]
mod invoices;

use actix_web::http::{header, StatusCode};
use actix_web::{test, App};
use serde_json::{json, Value};

use common::{assert_valid_openapi_3_1, json_body};

fn expected_document() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/expected/invoices.openapi.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("expected document"))
        .expect("expected document is JSON")
}

/// The invoices app; its callbacks may reach 127.0.0.1 only, and names are not
/// even resolved, so no test traffic leaves the machine.
macro_rules! app_and_callbacks {
    () => {{
        let api = invoices::api();
        let policy = hookspec::delivery::policy::AddressPolicy::listed_only().allow_loopback();
        let callbacks = invoices::callbacks(
            hookspec::delivery::Callbacks::builder()
                .in_memory()
                .single_tenant_secrets(&[invoices::DEMO_SECRET])
                .address_policy(policy),
        )
        .unwrap();
        let app = test::init_service(
            App::new()
                .app_data(actix_web::web::Data::new(callbacks.clone()))
                .configure(api.configure()),
        )
        .await;
        (app, callbacks)
    }};
}

macro_rules! app {
    () => {{
        app_and_callbacks!().0
    }};
}

/// `tests/expected/invoices.openapi.json` is a snapshot of hookspec's own output,
/// reviewed by hand when it changes (its diff shows in the commit): it guards
/// against unintended changes, not against a wrong first version. The
/// callback section is checked against an independent oracle below.
#[actix_web::test]
async fn served_document_matches_the_reviewed_snapshot() {
    let app = app!();
    let response = test::call_service(
        &app,
        test::TestRequest::get().uri("/openapi.json").to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    let document = json_body(response).await;
    assert_eq!(document, expected_document());
    assert_valid_openapi_3_1(&document);
}

#[actix_web::test]
async fn callback_is_keyed_by_its_runtime_expression() {
    let document = serde_json::to_value(invoices::api().openapi().unwrap()).unwrap();
    let callback = &document["paths"]["/invoices/"]["post"]["callbacks"]["invoice_notification"]
        ["{$request.query.callback_url}/invoices/{$request.body#/id}"]["post"];
    assert_eq!(
        callback["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/InvoiceEvent"
    );
}

#[actix_web::test]
async fn document_bytes_are_deterministic() {
    let first = invoices::api().openapi_json().unwrap();
    let second = invoices::api().openapi_json().unwrap();
    assert_eq!(first, second);
}

/// Only the bytes are kept once served; the typed documents are assembled
/// again when asked for, and must say exactly what is served.
#[actix_web::test]
async fn typed_documents_are_the_served_ones() {
    let api = invoices::api();
    let served = api.openapi_json().unwrap();
    let typed = serde_json::to_vec(api.openapi().unwrap()).unwrap();
    assert_eq!(typed, served.to_vec());
    let served = api.openapi_3_0_json().unwrap();
    let typed = serde_json::to_vec(api.openapi_3_0().unwrap()).unwrap();
    assert_eq!(typed, served.to_vec());
    // Asked again, the same document (assembled once).
    assert!(std::ptr::eq(api.openapi().unwrap(), api.openapi().unwrap()));
}

#[actix_web::test]
async fn etag_answers_304_when_unchanged() {
    let app = app!();
    let response = test::call_service(
        &app,
        test::TestRequest::get().uri("/openapi.json").to_request(),
    )
    .await;
    let etag = response.headers().get(header::ETAG).expect("ETag").clone();
    assert!(etag.to_str().unwrap().starts_with('"'));

    let again = test::TestRequest::get()
        .uri("/openapi.json")
        .insert_header((header::IF_NONE_MATCH, etag.clone()))
        .to_request();
    let response = test::call_service(&app, again).await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers().get(header::ETAG), Some(&etag));
    assert!(test::read_body(response).await.is_empty());

    let stale = test::TestRequest::get()
        .uri("/openapi.json")
        .insert_header((header::IF_NONE_MATCH, "\"other\""))
        .to_request();
    assert_eq!(
        test::call_service(&app, stale).await.status(),
        StatusCode::OK
    );

    // RFC 9110's other forms: `*`, a list, a weak tag (weak comparison).
    let tag = etag.to_str().unwrap();
    for (if_none_match, status) in [
        ("*".to_owned(), StatusCode::NOT_MODIFIED),
        (format!("\"a\", {tag} ,\"b\""), StatusCode::NOT_MODIFIED),
        (format!("W/{tag}"), StatusCode::NOT_MODIFIED),
        (format!("\"x\", W/{tag}"), StatusCode::NOT_MODIFIED),
        ("\"a\", \"b\"".to_owned(), StatusCode::OK),
        (format!("W/\"{}\"", &tag[1..tag.len() - 2]), StatusCode::OK),
    ] {
        let request = test::TestRequest::get()
            .uri("/openapi.json")
            .insert_header((header::IF_NONE_MATCH, if_none_match.as_str()))
            .to_request();
        assert_eq!(
            test::call_service(&app, request).await.status(),
            status,
            "If-None-Match: {if_none_match}"
        );
    }
}

#[actix_web::test]
async fn docs_page_and_its_assets_are_served_locally() {
    let app = app!();
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/docs").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert!(page.contains(r#"url: "openapi.json""#), "{page}");
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "page links outside: {page}"
    );
    for asset in ["docs/swagger-ui-bundle.js", "docs/swagger-ui.css"] {
        assert!(page.contains(asset), "{page}");
        let response = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(&format!("/{asset}"))
                .to_request(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        assert!(test::read_body(response).await.len() > 100_000, "{asset}");
    }
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/docs/").to_request()).await;
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(response.headers().get(header::LOCATION).unwrap(), "../docs");
}

#[actix_web::test]
async fn redoc_and_its_bundle_are_served_locally() {
    let app = app!();
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/redoc").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert!(page.contains(r#"spec-url="openapi.json""#), "{page}");
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "page links outside: {page}"
    );
    assert!(
        page.contains(r#"src="redoc/redoc.standalone.js""#),
        "{page}"
    );
    let response = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/redoc/redoc.standalone.js")
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "text/javascript; charset=utf-8"
    );
    assert!(test::read_body(response).await.len() > 1_000_000);
}

#[actix_web::test]
async fn scalar_and_its_bundle_are_served_locally_with_its_network_features_off() {
    let app = app!();
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/scalar").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert!(page.contains(r#""url": "openapi.json""#), "{page}");
    for offline in [
        r#""withDefaultFonts": false"#,
        r#""telemetry": false"#,
        r#""proxyUrl": """#,
        r#""agent": { "disabled": true }"#,
    ] {
        assert!(page.contains(offline), "{offline} missing: {page}");
    }
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "page links outside: {page}"
    );
    assert!(
        page.contains(r#"src="scalar/scalar.standalone.js""#),
        "{page}"
    );
    let response = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/scalar/scalar.standalone.js")
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "text/javascript; charset=utf-8"
    );
    assert!(test::read_body(response).await.len() > 3_000_000);
}

#[actix_web::test]
async fn a_callback_url_the_policy_refuses_still_creates_the_invoice() {
    let (app, callbacks) = app_and_callbacks!();
    let request = test::TestRequest::post()
        .uri("/invoices/?callback_url=http://169.254.169.254/latest")
        .set_json(json!({"id": "inv-1", "customer": "ACME", "total": 12.5}))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let deliveries = callbacks
        .deliveries(hookspec::delivery::records::DeliveryFilter::all())
        .await
        .unwrap();
    assert!(
        deliveries.is_empty(),
        "nothing is sent there: {deliveries:?}"
    );
}

#[actix_web::test]
async fn an_unavailable_store_is_a_503_problem_and_no_invoice() {
    let (app, callbacks) = app_and_callbacks!();
    // A stopped dispatcher: nothing more is accepted.
    callbacks.shutdown(std::time::Duration::ZERO).await;
    let request = test::TestRequest::post()
        .uri("/invoices/?callback_url=http://127.0.0.1:9/hooks")
        .set_json(json!({"id": "inv-1", "customer": "ACME", "total": 12.5}))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "1");
    let problem = json_body(response).await;
    assert_eq!(problem["status"], 503);
    assert_eq!(problem["detail"], "callback delivery is shutting down");
}

#[actix_web::test]
async fn valid_invoice_is_received() {
    let app = app!();
    // Port 9 (discard) on loopback: the policy admits it; the delivery itself
    // fails in the background and does not concern the invoice.
    let request = test::TestRequest::post()
        .uri("/invoices/?callback_url=http://127.0.0.1:9/hooks")
        .set_json(json!({"id": "inv-1", "customer": "ACME", "total": 12.5}))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json_body(response).await,
        json!({"msg": "Invoice received"})
    );
}

/// Sends `request`; checks a problem+json answer with `status`, documented for
/// `POST /invoices/`; returns the problem.
async fn problem_for(request: test::TestRequest, status: u16) -> Value {
    let app = app!();
    let response = test::call_service(&app, request.to_request()).await;
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    let documented = &expected_document()["paths"]["/invoices/"]["post"]["responses"];
    assert!(
        documented.get(status.to_string()).is_some(),
        "status {status} is sent but not documented"
    );
    let problem = json_body(response).await;
    assert_eq!(problem["status"], status);
    assert_eq!(problem["type"], "about:blank");
    problem
}

fn post_invoice() -> test::TestRequest {
    test::TestRequest::post().uri("/invoices/")
}

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    let request = post_invoice()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload("{\"id\": ");
    let problem = problem_for(request, 400).await;
    assert_eq!(problem["errors"][0]["in"], "body");
    assert!(
        problem["detail"].as_str().unwrap().contains("EOF"),
        "{problem}"
    );
}

#[actix_web::test]
async fn wrong_type_names_the_field() {
    let request = post_invoice().set_json(json!({"id": "1", "customer": "c", "total": "ten"}));
    let problem = problem_for(request, 400).await;
    assert_eq!(
        problem["errors"],
        json!([{"in": "body", "pointer": "/total",
                "detail": "invalid type: string \"ten\", expected f64"}])
    );
    assert_eq!(
        problem["detail"],
        "body /total: invalid type: string \"ten\", expected f64"
    );
}

#[actix_web::test]
async fn missing_field_names_the_field() {
    let request = post_invoice().set_json(json!({"id": "1", "total": 3.0}));
    let problem = problem_for(request, 400).await;
    assert_eq!(problem["errors"][0]["pointer"], "/customer");
    assert_eq!(problem["errors"][0]["detail"], "missing field `customer`");
}

#[actix_web::test]
async fn bad_query_value_names_the_parameter() {
    let request = test::TestRequest::post()
        .uri("/invoices/?callback_url=not%20a%20url")
        .set_json(json!({"id": "1", "customer": "c", "total": 1.0}));
    let problem = problem_for(request, 400).await;
    assert_eq!(problem["errors"][0]["in"], "query");
    assert_eq!(problem["errors"][0]["pointer"], "/callback_url");
    assert_eq!(
        problem["errors"][0]["detail"],
        "relative URL without a base: \"not a url\""
    );
}

#[actix_web::test]
async fn wrong_content_type_is_a_415_problem() {
    let request = post_invoice()
        .insert_header((header::CONTENT_TYPE, "text/plain"))
        .set_payload(r#"{"id": "1", "customer": "c", "total": 1.0}"#);
    let problem = problem_for(request, 415).await;
    assert_eq!(problem["errors"][0]["pointer"], "/content-type");
    assert_eq!(
        problem["errors"][0]["detail"],
        "expected `application/json`, found `text/plain`"
    );
    let problem = problem_for(post_invoice().set_payload("{}"), 415).await;
    assert_eq!(
        problem["errors"][0]["detail"],
        "expected `application/json`, found no content type"
    );
}

#[actix_web::test]
async fn oversized_body_is_a_413_problem() {
    // actix-web's default payload limit is 256 KiB.
    let big = "x".repeat(300 * 1024);
    let request = post_invoice().set_json(json!({"id": big, "customer": "c", "total": 1.0}));
    problem_for(request, 413).await;
}

#[actix_web::test]
async fn other_methods_get_405_with_allow() {
    let app = app!();
    let request = test::TestRequest::put().uri("/invoices/").to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers().get(header::ALLOW).unwrap(), "POST");
    let problem = json_body(response).await;
    assert_eq!(problem["status"], 405);
}

/// Every key of `oracle` is in `actual` with the same value (objects compared
/// key by key, everything else exactly); the paths that differ.
fn missing_from(actual: &Value, oracle: &Value, at: &str, differences: &mut Vec<String>) {
    match (actual, oracle) {
        (Value::Object(actual), Value::Object(oracle)) => {
            for (key, expected) in oracle {
                match actual.get(key) {
                    Some(value) => {
                        missing_from(value, expected, &format!("{at}/{key}"), differences)
                    }
                    None => differences.push(format!("{at}/{key}: missing")),
                }
            }
        }
        _ if actual == oracle => {}
        _ => differences.push(format!("{at}: {actual} instead of {oracle}")),
    }
}

/// The tutorial's callback section has the shape FastAPI publishes for the
/// same tutorial (written down by hand in `fastapi-tutorial-callbacks.json`,
/// with the spec-valid expression), whatever hookspec's snapshot says.
#[actix_web::test]
async fn the_callback_section_has_the_shape_fastapi_publishes() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/expected/fastapi-tutorial-callbacks.json"
    );
    let oracle: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let document = serde_json::to_value(invoices::api().openapi().unwrap()).unwrap();
    let mut differences = Vec::new();
    missing_from(
        &document["paths"]["/invoices/"]["post"]["callbacks"],
        &oracle["callbacks"],
        "callbacks",
        &mut differences,
    );
    missing_from(
        &document["components"]["schemas"],
        &oracle["schemas"],
        "schemas",
        &mut differences,
    );
    assert!(differences.is_empty(), "{differences:#?}");
    // The query parameter the expression reads is documented as FastAPI's is:
    // optional (`required` false or left out), a URI string.
    let parameters = document["paths"]["/invoices/"]["post"]["parameters"]
        .as_array()
        .unwrap();
    let callback_url = parameters
        .iter()
        .find(|p| p["name"] == "callback_url" && p["in"] == "query")
        .expect("the callback_url query parameter");
    assert!(
        callback_url["required"].is_null() || callback_url["required"] == false,
        "{callback_url}"
    );
    assert_eq!(callback_url["schema"]["type"], "string");
    assert_eq!(callback_url["schema"]["format"], "uri");
}
