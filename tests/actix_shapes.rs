//! actix-web code that compiles with actix-web's macros compiles, routes and is
//! documented with hookspec's: serde-renamed `Path` fields,
//! parameters read through `match_info()`, custom methods and `CONNECT`, elided
//! lifetimes in argument types, `impl Trait` inside return types, plain `fn`s
//! returning futures, and `#[routes]` with a callback on one route.

mod common;

use std::future::{ready, Ready};

use actix_web::http::{header, Method, StatusCode};
use actix_web::web::{Data, Form, Json, Path, Query};
use actix_web::{test as atest, App, Either, HttpRequest, HttpResponse, Responder};
use hookspec::{callback, connect, get, post, route, routes, webhook, Api, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize, JsonSchema)]
struct OrderPath {
    #[serde(rename = "orderId")]
    order_id: u32,
    #[serde(rename = "lineNo")]
    line: u16,
}

/// Read one line of an order.
#[get("/orders/{orderId}/lines/{lineNo}")]
async fn read_line(path: Path<OrderPath>) -> String {
    format!("{}:{}", path.order_id, path.line)
}

/// A parameter read through `match_info()`, as actix-web allows.
#[get("/files/{name}")]
async fn read_file(request: HttpRequest) -> String {
    request.match_info().get("name").unwrap_or("?").to_owned()
}

/// `GET` documented, `BREW` (a custom method) routed only.
#[route("/pot", method = "GET", method = "BREW")]
async fn pot(request: HttpRequest) -> String {
    format!("{} pot", request.method())
}

/// Routed, not documented: OpenAPI has no `connect` operation.
#[connect("/tunnel")]
async fn tunnel() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// A type with a lifetime, as template engines have (`Handlebars<'reg>`).
struct Greeter<'a> {
    greeting: &'a str,
}

#[get("/greet")]
async fn greet(greeter: Data<Greeter<'_>>) -> String {
    format!("{}!", greeter.greeting)
}

#[get("/maybe")]
async fn maybe() -> actix_web::Result<impl Responder> {
    Ok("maybe")
}

#[get("/either")]
async fn either() -> Either<impl Responder, HttpResponse> {
    Either::Left("left")
}

/// A plain `fn` returning a named future type.
#[get("/ready")]
fn ready_now() -> Ready<HttpResponse> {
    ready(HttpResponse::Ok().body("ready"))
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Note {
    text: String,
    callback_url: String,
}

/// Any successful reply will do; `410` unsubscribes.
#[callback(
    post,
    "{$request.body#/callback_url}",
    responses((status = 410, description = "Unsubscribed: no more notes"))
)]
async fn note_taken(body: Json<Note>) -> HttpResponse {}

/// A note was archived.
#[webhook(
    "note-archived",
    responses((status = 202, description = "Queued by the receiver"))
)]
async fn note_archived(body: Json<Note>) -> impl Responder {}

// The method attributes under `#[routes]` need no import: it reads them, as
// actix-web's does.
/// Take a note.
#[routes]
#[post("/notes", callbacks(note_taken))]
#[post("/memos", operation_id = "takeMemo")]
async fn take_note(note: Json<Note>) -> Json<Note> {
    note
}

#[derive(Deserialize, JsonSchema)]
struct Paging {
    page: u32,
}

/// A body that may be missing, and paging that may be malformed.
#[post("/drafts")]
async fn save_draft(note: Option<Json<Note>>, paging: Option<Query<Paging>>) -> String {
    format!(
        "{} {}",
        note.map_or("none".to_owned(), |note| note.text.clone()),
        paging.map_or(0, |paging| paging.page)
    )
}

/// JSON or a form, the handler answering its own extraction errors.
#[post("/imports")]
async fn import_note(
    note: Either<Json<Note>, Form<Note>>,
    tag: Result<Query<Paging>, actix_web::Error>,
) -> String {
    let text = match note {
        Either::Left(json) => format!("json {}", json.text),
        Either::Right(form) => format!("form {}", form.text),
    };
    format!("{text} {}", tag.is_ok())
}

fn api() -> Api {
    Api::new("Shapes", "1.0.0")
        .service(save_draft)
        .service(import_note)
        .service(read_line)
        .service(read_file)
        .service(pot)
        .service(tunnel)
        .service(greet)
        .service(maybe)
        .service(either)
        .service(ready_now)
        .service(take_note)
        .webhook(note_archived)
}

fn document() -> Value {
    let api = api();
    api.check().unwrap_or_else(|error| panic!("{error}"));
    let document = serde_json::to_value(api.openapi().unwrap()).unwrap();
    common::assert_valid_openapi_3_1(&document);
    document
}

#[test]
fn renamed_path_fields_and_match_info_parameters_are_documented() {
    let document = document();
    let parameters = &document["paths"]["/orders/{orderId}/lines/{lineNo}"]["get"]["parameters"];
    let names: Vec<&str> = parameters
        .as_array()
        .unwrap()
        .iter()
        .map(|parameter| parameter["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["orderId", "lineNo"]);
    assert_eq!(parameters[0]["schema"]["type"], "integer");
    let name = &document["paths"]["/files/{name}"]["get"]["parameters"][0];
    assert_eq!(
        (
            &name["name"],
            &name["in"],
            &name["required"],
            &name["schema"]["type"]
        ),
        (
            &"name".into(),
            &"path".into(),
            &true.into(),
            &"string".into()
        )
    );
}

#[test]
fn custom_methods_and_connect_are_routed_but_not_documented() {
    let document = document();
    assert_eq!(
        document["paths"]["/pot"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["get"]
    );
    assert!(document["paths"].get("/tunnel").is_none());
}

#[test]
fn impl_trait_returns_and_plain_fn_futures_document_a_success() {
    let document = document();
    for path in ["/maybe", "/either", "/ready", "/greet"] {
        let responses = &document["paths"][path]["get"]["responses"];
        assert!(responses["200"].is_object(), "{path}: {responses}");
    }
}

#[test]
fn routes_are_operations_of_their_own_with_their_own_callbacks() {
    let document = document();
    let notes = &document["paths"]["/notes"]["post"];
    let memos = &document["paths"]["/memos"]["post"];
    assert_eq!(notes["operationId"], "take_note_1");
    assert_eq!(memos["operationId"], "takeMemo");
    assert!(notes["callbacks"]["note_taken"].is_object());
    assert!(memos.get("callbacks").is_none(), "{memos}");
    assert_eq!(notes["summary"], "Take a note.");
    assert_eq!(memos["summary"], "Take a note.");
}

/// Stubs returning `HttpResponse` or `impl Responder` accept any successful
/// reply, and `responses(...)` adds to what their types document.
#[test]
fn stubs_take_any_response_type_and_extra_responses() {
    let document = document();
    let callback = &document["paths"]["/notes"]["post"]["callbacks"]["note_taken"]
        ["{$request.body#/callback_url}"]["post"]["responses"];
    assert_eq!(callback["200"]["description"], "Successful response");
    assert_eq!(
        callback["410"]["description"],
        "Unsubscribed: no more notes"
    );
    let webhook = &document["webhooks"]["note-archived"]["post"]["responses"];
    assert_eq!(webhook["200"]["description"], "Successful response");
    assert_eq!(webhook["202"]["description"], "Queued by the receiver");
}

/// `Option` and `Result` arguments never fail: nothing they add is required,
/// and their extractors' error responses are not documented; `Either` of two
/// bodies is one body of two media types.
#[test]
fn optional_and_alternative_arguments_are_documented_as_actix_extracts_them() {
    let document = document();
    let draft = &document["paths"]["/drafts"]["post"];
    assert_eq!(draft["requestBody"]["required"], Value::Null, "{draft}");
    assert!(draft["requestBody"]["content"]["application/json"].is_object());
    assert_eq!(draft["parameters"][0]["name"], "page");
    assert_eq!(draft["parameters"][0]["required"], Value::Null);
    let statuses: Vec<&String> = draft["responses"].as_object().unwrap().keys().collect();
    assert_eq!(statuses, ["200"], "no 400, 413, 415: Option swallows them");
    let import = &document["paths"]["/imports"]["post"];
    let body = &import["requestBody"];
    assert_eq!(body["required"], true);
    let media: Vec<&String> = body["content"].as_object().unwrap().keys().collect();
    assert_eq!(
        media,
        ["application/json", "application/x-www-form-urlencoded"]
    );
    assert_eq!(import["parameters"][0]["required"], Value::Null);
}

#[actix_web::test]
async fn optional_and_alternative_arguments_route() {
    let app = atest::init_service(App::new().configure(api().configure())).await;
    let cases = [
        atest::TestRequest::post().uri("/drafts?page=x"),
        atest::TestRequest::post()
            .uri("/drafts?page=2")
            .set_json(serde_json::json!({"text": "hi", "callback_url": "u"})),
        atest::TestRequest::post()
            .uri("/imports?page=1")
            .set_json(serde_json::json!({"text": "a", "callback_url": "u"})),
        atest::TestRequest::post()
            .uri("/imports")
            .set_form([("text", "b"), ("callback_url", "u")]),
    ];
    let expected = ["none 0", "hi 2", "json a true", "form b false"];
    for (request, expected) in cases.into_iter().zip(expected) {
        let response = atest::call_service(&app, request.to_request()).await;
        assert_eq!(response.status(), StatusCode::OK, "{expected}");
        let body = atest::read_body(response).await;
        assert_eq!(body, expected.as_bytes());
    }
}

#[actix_web::test]
async fn they_all_route() {
    let app = atest::init_service(
        App::new()
            .app_data(Data::new(Greeter { greeting: "hello" }))
            .configure(api().configure()),
    )
    .await;
    let call = |method: Method, uri: &'static str| {
        atest::TestRequest::default()
            .method(method)
            .uri(uri)
            .to_request()
    };
    let body = |response: actix_web::dev::ServiceResponse| async move {
        String::from_utf8(atest::read_body(response).await.to_vec()).unwrap()
    };
    for (method, uri, expected) in [
        (Method::GET, "/orders/7/lines/2", "7:2"),
        (Method::GET, "/files/report.pdf", "report.pdf"),
        (Method::GET, "/pot", "GET pot"),
        (Method::from_bytes(b"BREW").unwrap(), "/pot", "BREW pot"),
        (Method::GET, "/greet", "hello!"),
        (Method::GET, "/maybe", "maybe"),
        (Method::GET, "/either", "left"),
        (Method::GET, "/ready", "ready"),
    ] {
        let response = atest::call_service(&app, call(method.clone(), uri)).await;
        assert_eq!(response.status(), StatusCode::OK, "{method} {uri}");
        assert_eq!(body(response).await, expected, "{method} {uri}");
    }
    let response = atest::call_service(&app, call(Method::CONNECT, "/tunnel")).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A method no handler of `/pot` has: 405, and `Allow` names the custom one.
    let response = atest::call_service(&app, call(Method::PATCH, "/pot")).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers().get(header::ALLOW).unwrap(), "BREW, GET");
    let note = serde_json::json!({"text": "hi", "callback_url": "https://example.com"});
    for uri in ["/notes", "/memos"] {
        let request = atest::TestRequest::post()
            .uri(uri)
            .set_json(&note)
            .to_request();
        let response = atest::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
    }
}

#[derive(Deserialize, JsonSchema)]
struct MismatchedPath {
    #[serde(rename = "invoiceId")]
    invoice_id: u32,
    year: u16,
}

#[get("/invoices/{invoice_id}")]
async fn mismatched(path: Path<MismatchedPath>) -> String {
    format!("{}/{}", path.invoice_id, path.year)
}

/// A `Path` struct whose fields (as serde reads them) are not the template's
/// parameters is found when the document is built, both ways, with the handler.
#[test]
fn a_path_struct_that_does_not_fit_the_template_is_reported() {
    let error = Api::new("Bad", "1.0.0")
        .service(mismatched)
        .check()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("`mismatched` (tests/actix_shapes.rs:")
            && error.contains(
                "path parameter `invoice_id` is not a field of `MismatchedPath` as serde reads it \
             (its fields: `invoiceId`, `year`); rename the field or the parameter"
            ),
        "{error}"
    );
    assert!(
        error.contains(
            "field `invoiceId` of `MismatchedPath` is not a parameter of the path: add \
             `{invoiceId}` to the path, or make the field optional"
        ) && error.contains("field `year` of `MismatchedPath` is not a parameter"),
        "{error}"
    );
}
