//! The OpenAPI 3.2 document: valid against the official 3.2 schema, and saying
//! what 3.1 cannot (`QUERY` routes, custom methods, streams item by item,
//! nested tags, the OAuth 2 device flow, deprecated schemes, `$self`), while
//! the 3.1 and 3.0 documents of the same API stay valid and say none of it.
//! Served only where the application asks.

mod common;

use actix_web::http::{Method, StatusCode};
use actix_web::web::Json;
use actix_web::{test as atest, App};
use futures_util::stream;
use hookspec::openapi::{OAuthFlows, SecurityScheme, Tag};
use hookspec::stream::{Event, EventStream, JsonLines};
use hookspec::{get, route, Api, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::json;

use common::{checked_documents, document_3_2, json_body};

#[derive(Deserialize, JsonSchema)]
pub struct Search {
    /// Words every report found has in its title.
    pub words: Vec<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct Report {
    pub title: String,
}

/// Finds reports by the words of a query body.
///
/// A `QUERY` request: safe and idempotent like `GET`, with a body.
#[route("/reports", method = "QUERY", tag = "reports", security(("oauth", "read")))]
async fn search_reports(search: Json<Search>) -> Json<Vec<Report>> {
    let titles = ["Quarterly revenue", "Yearly revenue", "Staff"];
    Json(
        titles
            .into_iter()
            .filter(|title| {
                search
                    .words
                    .iter()
                    .all(|word| title.contains(word.as_str()))
            })
            .map(|title| Report {
                title: title.to_owned(),
            })
            .collect(),
    )
}

/// Drops the cached copy of the reports.
#[route("/reports", method = "PURGE", tag = "exports", security("legacy_key"))]
async fn purge_reports() -> &'static str {
    "purged"
}

/// Reports as server-sent events.
#[get("/reports/events", tag = "exports", security(("oauth", "read")))]
async fn report_events() -> EventStream<Report> {
    EventStream::new(stream::iter([Event::data(Report {
        title: "Staff".to_owned(),
    })]))
}

/// Reports as JSON Lines.
#[get("/reports.jsonl", tag = "exports", security(("oauth", "read")))]
async fn report_lines() -> JsonLines<Report> {
    JsonLines::new(stream::iter([Report {
        title: "Staff".to_owned(),
    }]))
}

fn api() -> Api {
    Api::new("Reports", "1.0.0")
        .self_uri("https://reports.example.com/openapi-3.2.json")
        .tag(
            Tag::new("reports")
                .summary("Reports")
                .description("What the company writes down.")
                .kind("nav"),
        )
        .tag(Tag::new("exports").summary("Exports").parent("reports"))
        .security_scheme(
            "oauth",
            SecurityScheme::oauth2(
                OAuthFlows::new()
                    .authorization_code(
                        "https://id.example.com/authorize",
                        "https://id.example.com/token",
                        &[("read", "Read reports")],
                    )
                    .device_authorization(
                        "https://id.example.com/device",
                        "https://id.example.com/token",
                        &[("read", "Read reports")],
                    ),
            ),
        )
        .security_scheme(
            "legacy_key",
            SecurityScheme::api_key(hookspec::openapi::ApiKeyIn::Header, "x-api-key")
                .description("The key of the first release.")
                .deprecated(),
        )
        .service(search_reports)
        .service(purge_reports)
        .service(report_events)
        .service(report_lines)
}

#[test]
fn the_3_2_document_describes_query_custom_methods_streams_and_nested_tags() {
    let api = api();
    let [_, _] = checked_documents(&api);
    let document = document_3_2(&api);
    assert_eq!(document["openapi"], "3.2.0");
    assert_eq!(
        document["$self"],
        "https://reports.example.com/openapi-3.2.json"
    );
    // 3.2's default dialect is the one its schemas are written in.
    assert!(document.get("jsonSchemaDialect").is_none());

    let reports = &document["paths"]["/reports"];
    let query = &reports["query"];
    assert_eq!(query["operationId"], "search_reports");
    assert_eq!(
        query["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Search"
    );
    assert_eq!(
        reports["additionalOperations"]["PURGE"]["operationId"],
        "purge_reports"
    );
    assert_eq!(
        reports["additionalOperations"]["PURGE"]["security"],
        json!([{ "legacy_key": [] }])
    );

    // Streams: each item's schema, not a schema of the whole body.
    let events = &document["paths"]["/reports/events"]["get"]["responses"]["200"]["content"]
        ["text/event-stream"];
    assert!(events.get("schema").is_none(), "{events}");
    let event = &events["itemSchema"];
    assert_eq!(event["required"], json!(["data"]));
    assert_eq!(
        event["properties"]["data"]["contentMediaType"],
        "application/json"
    );
    assert_eq!(
        event["properties"]["data"]["contentSchema"]["$ref"],
        "#/components/schemas/Report"
    );
    assert_eq!(event["properties"]["retry"]["minimum"], 0);
    let lines = &document["paths"]["/reports.jsonl"]["get"]["responses"]["200"]["content"]
        ["application/jsonl"];
    assert_eq!(
        lines,
        &json!({ "itemSchema": { "$ref": "#/components/schemas/Report" } })
    );

    assert_eq!(
        document["tags"],
        json!([
            {
                "name": "reports",
                "summary": "Reports",
                "description": "What the company writes down.",
                "kind": "nav",
            },
            { "name": "exports", "summary": "Exports", "parent": "reports" },
        ])
    );
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(
        schemes["oauth"]["flows"]["deviceAuthorization"],
        json!({
            "deviceAuthorizationUrl": "https://id.example.com/device",
            "tokenUrl": "https://id.example.com/token",
            "scopes": { "read": "Read reports" },
        })
    );
    assert_eq!(schemes["legacy_key"]["deprecated"], true);
    assert_eq!(
        schemes["legacy_key"]["description"],
        "The key of the first release."
    );
}

#[test]
fn the_3_1_and_3_0_documents_leave_out_what_only_3_2_can_say() {
    let [v3_1, v3_0] = checked_documents(&api());
    for document in [&v3_1, &v3_0] {
        // `QUERY` and `PURGE` are routed, not described: `/reports` has no
        // method these versions know.
        assert!(document["paths"].get("/reports").is_none(), "{document}");
        assert!(document.get("$self").is_none());
        assert_eq!(
            document["tags"],
            json!([
                { "name": "reports", "description": "What the company writes down." },
                { "name": "exports" },
            ])
        );
        let schemes = &document["components"]["securitySchemes"];
        assert_eq!(
            schemes["oauth"]["flows"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["authorizationCode"]
        );
        assert!(schemes["legacy_key"].get("deprecated").is_none());
        assert_eq!(
            schemes["legacy_key"]["description"],
            "Deprecated. The key of the first release."
        );
        // A stream is an array of its items.
        let lines = &document["paths"]["/reports.jsonl"]["get"]["responses"]["200"]["content"]
            ["application/jsonl"];
        assert_eq!(lines["schema"]["type"], "array");
        assert!(lines.get("itemSchema").is_none());
    }
    assert_eq!(v3_1["openapi"], "3.1.0");
    assert_eq!(v3_0["openapi"], "3.0.3");
}

#[test]
fn a_tag_nested_under_an_undeclared_or_circular_parent_is_reported() {
    let undeclared = Api::new("Tags", "1").tag(Tag::new("exports").parent("reports"));
    let error = undeclared.check().unwrap_err().to_string();
    assert!(
        error.contains(
            "tag `exports` has parent `reports`, which is not declared; declare it with \
             `Api::tag(Tag::new(\"reports\"))`"
        ),
        "{error}"
    );
    let circle = Api::new("Tags", "1")
        .tag(Tag::new("a").parent("b"))
        .tag(Tag::new("b").parent("a"))
        .tag(Tag::new("c").parent("a"));
    let error = circle.check().unwrap_err().to_string();
    assert!(
        error.contains("tag `a` is its own ancestor: its parents come round to it"),
        "{error}"
    );
    assert!(error.contains("tag `b` is its own ancestor"), "{error}");
    assert!(!error.contains("tag `c`"), "{error}");
}

#[actix_web::test]
async fn the_3_2_document_is_served_where_asked_and_query_requests_are_routed() {
    let served = api().document_3_2_path("/openapi-3.2.json");
    let app = atest::init_service(App::new().configure(served.configure())).await;
    let request = atest::TestRequest::get().uri("/openapi-3.2.json");
    let response = atest::call_service(&app, request.to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("etag"));
    let document = json_body(response).await;
    assert_eq!(document, document_3_2(&api()));

    let query = atest::TestRequest::default()
        .method(Method::from_bytes(b"QUERY").unwrap())
        .uri("/reports")
        .set_json(json!({ "words": ["revenue", "Yearly"] }));
    let response = atest::call_service(&app, query.to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json_body(response).await,
        json!([{ "title": "Yearly revenue" }])
    );

    // Not asked for: not served.
    let app = atest::init_service(App::new().configure(api().configure())).await;
    let request = atest::TestRequest::get().uri("/openapi-3.2.json");
    let response = atest::call_service(&app, request.to_request()).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
