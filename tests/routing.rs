//! What each macro argument and signature type puts in the document, and that the
//! same declarations route requests; every document is validated against the
//! official OpenAPI 3.1 schema.

mod common;

use actix_web::http::{header, StatusCode};
use actix_web::web::{Form, Header, Json, Path, Query};
use actix_web::{test as atest, App, HttpResponse, Responder};
use hookspec::{callback, delete, get, patch, post, put, route, Api, JsonSchema, Problem};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use common::{assert_valid_openapi_3_1, json_body};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Item {
    pub name: String,
    pub price: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ItemPath {
    pub shop: String,
    pub item_id: u32,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Paging {
    /// How many items to return.
    pub limit: u32,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    pub id: String,
}

/// An item changed.
#[callback(post, "{$url}/changed")]
async fn item_changed(body: Json<Event>) {}

/// List items.
#[get("/items", tags("items", "read"))]
async fn list_items(paging: Query<Paging>) -> Json<Vec<Item>> {
    let count = paging.limit as usize;
    Json(
        (0..count)
            .map(|i| Item {
                name: format!("item {i}"),
                price: 1.0,
            })
            .collect(),
    )
}

/// Read an item.
///
/// Answers 404 when the item does not exist.
#[get("/shops/{shop}/items/{item_id}", operation_id = "readItem")]
async fn read_item(path: Path<ItemPath>) -> Option<Json<Item>> {
    (path.item_id == 1).then(|| {
        Json(Item {
            name: path.shop.clone(),
            price: 2.0,
        })
    })
}

/// Replace an item.
#[put("/shops/{shop}/items/{item_id}", callbacks(item_changed))]
async fn replace_item(path: Path<(String, u32)>, item: Json<Item>) -> Result<Json<Item>, Problem> {
    let _ = path;
    Ok(item)
}

/// Remove an item.
#[deprecated = "use archive_item"]
#[delete("/shops/{shop}/items/{item_id}", responses((status = 204, description = "Removed"), (status = 409, description = "Still on order", body = Problem, content_type = "application/problem+json")))]
async fn remove_item(path: Path<(String, u32)>) -> HttpResponse {
    let _ = path;
    HttpResponse::NoContent().finish()
}

#[patch(
    "/counters/{id}",
    summary = "Bump a counter",
    description = "Adds one.",
    callbacks(item_changed)
)]
async fn bump(id: Path<u64>) -> impl Responder {
    format!("{}", id.into_inner() + 1)
}

/// Sign up with a form.
#[post("/signup", name = "signup_route")]
async fn signup(form: Form<Item>, content_type: Header<header::ContentType>) -> String {
    format!("{} ({})", form.name, content_type.0)
}

fn is_teapot(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    ctx.head().headers().contains_key("x-teapot")
}

/// Brew.
#[route(
    "/brew",
    method = "GET",
    method = "POST",
    guard = "is_teapot",
    wrap = "actix_web::middleware::DefaultHeaders::new().add((\"x-brewed\", \"yes\"))"
)]
async fn brew() -> &'static str {
    "short and stout"
}

#[allow(deprecated)]
fn api() -> Api {
    Api::new("Shop", "2.1.0")
        .description("Items and counters.")
        .service(list_items)
        .scope("/v1", |v1| {
            v1.service(read_item)
                .service(replace_item)
                .service(remove_item)
        })
        .service(bump)
        .service(signup)
        .service(brew)
}

fn document() -> Value {
    let document = serde_json::to_value(api().openapi().expect("document builds")).unwrap();
    assert_valid_openapi_3_1(&document);
    document
}

#[test]
fn info_and_paths_with_scope_prefix() {
    let document = document();
    assert_eq!(
        document["info"],
        json!({"title": "Shop", "version": "2.1.0", "description": "Items and counters."})
    );
    let paths: Vec<&str> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "/brew",
            "/counters/{id}",
            "/items",
            "/signup",
            "/v1/shops/{shop}/items/{item_id}"
        ]
    );
}

#[test]
fn several_methods_share_one_path_item() {
    let document = document();
    let item = document["paths"]["/v1/shops/{shop}/items/{item_id}"]
        .as_object()
        .unwrap();
    assert_eq!(item.keys().collect::<Vec<_>>(), ["delete", "get", "put"]);
    let brew_op = document["paths"]["/brew"].as_object().unwrap();
    assert_eq!(brew_op["get"]["operationId"], "brew_get");
    assert_eq!(brew_op["post"]["operationId"], "brew_post");
}

#[test]
fn query_struct_becomes_one_parameter_per_field() {
    let document = document();
    let operation = &document["paths"]["/items"]["get"];
    assert_eq!(operation["tags"], json!(["items", "read"]));
    // In the order of the schema's properties: by name, as serde_json's map keeps them.
    assert_eq!(
        operation["parameters"],
        json!([
            {"name": "cursor", "in": "query", "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "description": "How many items to return.",
             "required": true, "schema": {"type": "integer", "format": "uint32", "minimum": 0}}
        ])
    );
    assert_eq!(
        operation["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"type": "array", "items": {"$ref": "#/components/schemas/Item"}})
    );
}

#[test]
fn path_struct_tuple_and_scalar_parameters() {
    let document = document();
    let path = "/v1/shops/{shop}/items/{item_id}";
    let expected = json!([
        {"name": "shop", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "item_id", "in": "path", "required": true,
         "schema": {"type": "integer", "format": "uint32", "minimum": 0}}
    ]);
    assert_eq!(
        document["paths"][path]["get"]["parameters"], expected,
        "struct"
    );
    assert_eq!(
        document["paths"][path]["put"]["parameters"], expected,
        "tuple"
    );
    assert_eq!(
        document["paths"]["/counters/{id}"]["patch"]["parameters"],
        json!([{"name": "id", "in": "path", "required": true,
                "schema": {"type": "integer", "format": "uint64", "minimum": 0}}])
    );
}

#[test]
fn doc_comment_and_attribute_overrides() {
    let document = document();
    let read = &document["paths"]["/v1/shops/{shop}/items/{item_id}"]["get"];
    assert_eq!(read["operationId"], "readItem");
    assert_eq!(read["summary"], "Read an item.");
    assert_eq!(
        read["description"],
        "Answers 404 when the item does not exist."
    );
    let bump_op = &document["paths"]["/counters/{id}"]["patch"];
    assert_eq!(bump_op["summary"], "Bump a counter");
    assert_eq!(bump_op["description"], "Adds one.");
    assert_eq!(bump_op["operationId"], "bump");
}

#[test]
fn responses_from_return_types_and_attribute() {
    let document = document();
    let item = &document["paths"]["/v1/shops/{shop}/items/{item_id}"];
    let statuses = |op: &Value| {
        op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    // Option<Json<T>>: 200 and 404 (from None and from the path extractor).
    assert_eq!(statuses(&item["get"]), ["200", "404"]);
    // Result<Json<T>, Problem>: the problem is documented as `default`.
    assert_eq!(
        statuses(&item["put"]),
        ["200", "400", "404", "413", "415", "default"]
    );
    assert_eq!(
        item["put"]["responses"]["default"]["content"]["application/problem+json"]["schema"]
            ["$ref"],
        "#/components/schemas/Problem"
    );
    let delete = &item["delete"];
    assert_eq!(delete["deprecated"], true);
    assert_eq!(statuses(delete), ["200", "204", "404", "409"]);
    assert_eq!(
        delete["responses"]["204"],
        json!({"description": "Removed"})
    );
    assert_eq!(
        delete["responses"]["409"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    // impl Responder: a success of unknown shape.
    let bump_op = &document["paths"]["/counters/{id}"]["patch"];
    assert_eq!(
        bump_op["responses"]["200"],
        json!({"description": "Successful response"})
    );
    let brew_op = &document["paths"]["/brew"]["get"];
    assert_eq!(
        brew_op["responses"]["200"]["content"]["text/plain"]["schema"],
        json!({"type": "string"})
    );
}

#[test]
fn form_body_and_header_parameter() {
    let document = document();
    let signup_op = &document["paths"]["/signup"]["post"];
    assert_eq!(
        signup_op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["$ref"],
        "#/components/schemas/Item"
    );
    assert_eq!(
        signup_op["parameters"],
        json!([{"name": "content-type", "in": "header", "required": true, "schema": {"type": "string"}}])
    );
}

#[test]
fn shared_callback_gets_one_operation_id_per_use() {
    let document = document();
    let key = "{$url}/changed";
    let put = &document["paths"]["/v1/shops/{shop}/items/{item_id}"]["put"];
    let patch = &document["paths"]["/counters/{id}"]["patch"];
    assert_eq!(
        put["callbacks"]["item_changed"][key]["post"]["operationId"],
        "replace_item_item_changed"
    );
    assert_eq!(
        patch["callbacks"]["item_changed"][key]["post"]["operationId"],
        "bump_item_changed"
    );
    // A callback's documented responses are its receiver's, not our server's errors.
    assert_eq!(
        put["callbacks"]["item_changed"][key]["post"]["responses"],
        json!({"200": {"description": "Successful response"}})
    );
    assert_eq!(
        put["callbacks"]["item_changed"][key]["post"]["summary"],
        "An item changed."
    );
}

/// The served bytes are written one operation at a time, so an operation
/// whose callback turns out to be shared later is described again to rename
/// it: the served document must still be the typed one, byte for byte.
#[test]
fn served_document_is_the_typed_one_with_shared_callbacks() {
    let api = api();
    let served = api.openapi_json().unwrap();
    assert!(String::from_utf8_lossy(&served).contains("\"replace_item_item_changed\""));
    let typed = serde_json::to_vec(api.openapi().unwrap()).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&served),
        String::from_utf8_lossy(&typed)
    );
}

#[test]
fn same_input_gives_byte_identical_documents() {
    assert_eq!(api().openapi_json().unwrap(), api().openapi_json().unwrap());
}

#[actix_web::test]
async fn declared_routes_are_served() {
    let app = atest::init_service(App::new().configure(api().configure())).await;
    let call = |req: atest::TestRequest| {
        let app = &app;
        async move { atest::call_service(app, req.to_request()).await }
    };

    let response = call(atest::TestRequest::get().uri("/items?limit=2")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await.as_array().unwrap().len(), 2);

    let response = call(atest::TestRequest::get().uri("/v1/shops/acme/items/1")).await;
    assert_eq!(
        json_body(response).await,
        json!({"name": "acme", "price": 2.0})
    );
    let response = call(atest::TestRequest::get().uri("/v1/shops/acme/items/2")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let response = call(atest::TestRequest::get().uri("/v1/shops/acme/items/abc")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let problem = json_body(response).await;
    assert_eq!(problem["errors"][0]["in"], "path");
    assert_eq!(problem["errors"][0]["pointer"], "/item_id");

    let response = call(atest::TestRequest::patch().uri("/counters/41")).await;
    assert_eq!(atest::read_body(response).await, "42");

    let response = call(atest::TestRequest::get().uri("/counters/-1")).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers().get(header::ALLOW).unwrap(), "PATCH");
    let response = call(atest::TestRequest::patch().uri("/counters/-1")).await;
    let problem = json_body(response).await;
    assert_eq!(problem["errors"][0]["pointer"], "/id");

    let response = call(atest::TestRequest::delete().uri("/v1/shops/acme/items/1")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let response = call(
        atest::TestRequest::post()
            .uri("/signup")
            .set_form(json!({"name": "ann", "price": "3"})),
    )
    .await;
    assert_eq!(
        atest::read_body(response).await,
        "ann (application/x-www-form-urlencoded)"
    );
    let response = call(
        atest::TestRequest::post()
            .uri("/signup")
            .set_form(json!({"name": "ann", "price": "cheap"})),
    )
    .await;
    let problem = json_body(response).await;
    assert_eq!(problem["errors"][0]["pointer"], "/price");

    // The guard: without the header, the route does not match.
    let response = call(
        atest::TestRequest::get()
            .uri("/brew")
            .insert_header(("x-teapot", "1")),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get("x-brewed").unwrap(), "yes");
    let response = call(
        atest::TestRequest::post()
            .uri("/brew")
            .insert_header(("x-teapot", "1")),
    )
    .await;
    assert_eq!(atest::read_body(response).await, "short and stout");
    // A guard that refuses the request: 404, as actix-web answers (the method
    // is handled on this path, so 405 would be wrong).
    let response = call(atest::TestRequest::get().uri("/brew")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = call(atest::TestRequest::delete().uri("/brew")).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    // A path with several methods lists them all.
    let response = call(atest::TestRequest::post().uri("/v1/shops/acme/items/1")).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = response
        .headers()
        .get(header::ALLOW)
        .unwrap()
        .to_str()
        .unwrap();
    let mut allowed: Vec<&str> = allow.split(',').map(str::trim).collect();
    allowed.sort();
    assert_eq!(allowed, ["DELETE", "GET", "PUT"], "Allow: {allow}");
}

/// Changes since a time.
#[get("/changes")]
async fn changes(since: Header<header::IfModifiedSince>) -> String {
    format!("since {}", since.0)
}

#[actix_web::test]
async fn a_missing_header_is_a_400_problem_naming_it() {
    let api = Api::new("Changes", "1").service(changes);
    let app = atest::init_service(App::new().configure(api.configure())).await;
    let present = atest::TestRequest::get()
        .uri("/changes")
        .insert_header(("if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT"))
        .to_request();
    let response = atest::call_service(&app, present).await;
    assert_eq!(
        atest::read_body(response).await,
        "since Sun, 06 Nov 1994 08:49:37 GMT"
    );
    let missing = atest::TestRequest::get().uri("/changes").to_request();
    let response = atest::call_service(&app, missing).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let problem = json_body(response).await;
    assert_eq!(problem["status"], 400, "{problem}");
    assert_eq!(problem["errors"][0]["in"], "header", "{problem}");
    assert_eq!(
        problem["errors"][0]["pointer"], "/if-modified-since",
        "{problem}"
    );
}

#[actix_web::test]
async fn resource_name_is_usable_for_url_generation() {
    let app = atest::init_service(App::new().configure(api().configure()).route(
        "/where",
        actix_web::web::get().to(|req: actix_web::HttpRequest| async move {
            req.url_for_static("signup_route")
                .map(|url| url.path().to_owned())
                .unwrap_or_default()
        }),
    ))
    .await;
    let response =
        atest::call_service(&app, atest::TestRequest::get().uri("/where").to_request()).await;
    assert_eq!(atest::read_body(response).await, "/signup");
}

mod clash {
    use super::*;

    /// One.
    #[get("/a", operation_id = "same")]
    pub async fn first() -> &'static str {
        "a"
    }

    /// Two.
    #[get("/b", operation_id = "same")]
    pub async fn second() -> &'static str {
        "b"
    }

    /// Three.
    #[get("/a")]
    pub async fn third() -> &'static str {
        "c"
    }
}

#[test]
fn build_reports_every_clash_naming_both_handlers() {
    let api = Api::new("Clash", "1")
        .service(clash::first)
        .service(clash::second)
        .service(clash::third);
    let error = api.check().expect_err("clashes are errors");
    let problems = error.problems();
    assert_eq!(problems.len(), 2, "{error}");
    assert!(
        problems[0].starts_with("GET /a is handled twice: by `first` (tests/routing.rs:"),
        "{error}"
    );
    assert!(
        problems[0].contains("and by `third` (tests/routing.rs:"),
        "{error}"
    );
    assert!(
        problems[1].starts_with("operation id `same` is used twice: by `first`"),
        "{error}"
    );
    assert!(problems[1].contains("and by `second`"), "{error}");
}

mod callback_clash {
    use super::*;

    /// Told when an item changes.
    #[callback(post, "{$request.query.cursor}/changed")]
    pub async fn notify(body: Json<Event>) {}

    /// Watches an item.
    #[post("/watch", callbacks(notify))]
    pub async fn watch(_query: Query<Paging>) -> &'static str {
        "watching"
    }

    /// An operation whose id is the callback's.
    #[get("/notify", operation_id = "notify")]
    pub async fn other() -> &'static str {
        "other"
    }
}

#[test]
fn a_callback_request_id_clashing_with_an_operation_id_names_the_callback() {
    let api = Api::new("Clash", "1")
        .service(callback_clash::watch)
        .service(callback_clash::other);
    let error = api.check().expect_err("a clash is an error");
    assert_eq!(error.problems().len(), 1, "{error}");
    let problem = &error.problems()[0];
    assert!(
        problem.starts_with("operation id `notify` is used twice: by callback `notify` of `watch`"),
        "{error}"
    );
    assert!(
        problem.contains("and by `other` (tests/routing.rs:"),
        "{error}"
    );
}

#[test]
#[should_panic(expected = "operation id `same` is used twice")]
fn mounting_an_api_with_clashes_panics_with_the_reason() {
    let api = Api::new("Clash", "1")
        .service(clash::first)
        .service(clash::second);
    let _ = api.configure();
}

/// The problem a response carries, with its status checked.
async fn problem_of(
    response: actix_web::dev::ServiceResponse,
    status: StatusCode,
) -> (Option<String>, Value) {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|location| location.to_str().unwrap().to_owned());
    (location, json_body(response).await)
}

#[actix_web::test]
async fn a_path_no_route_matches_is_a_404_problem_naming_it() {
    let app = atest::init_service(App::new().configure(api().configure())).await;
    for (method, path) in [
        ("GET", "/nothing-here"),
        ("POST", "/v1/shops"),
        ("DELETE", "/v1/shops/acme/items/1/extra"),
    ] {
        let request = atest::TestRequest::default()
            .method(method.parse().unwrap())
            .uri(path)
            .to_request();
        let (location, problem) = problem_of(
            atest::call_service(&app, request).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(location, None);
        assert_eq!(problem["status"], 404);
        assert_eq!(
            problem["detail"],
            format!("no route matches `{method} {path}`")
        );
    }
}

/// A path that is a route's but for its trailing slash is redirected there
/// with `308` (method, body and query kept), in the `Api`'s own scopes and
/// inside a scope of the application's.
#[actix_web::test]
async fn a_path_off_by_its_trailing_slash_is_redirected_to_the_route() {
    let app = atest::init_service(
        App::new()
            .configure(api().configure())
            .service(actix_web::web::scope("/mounted").configure(api().configure())),
    )
    .await;
    for (method, path, meant) in [
        ("GET", "/items/?limit=2", "/items?limit=2"),
        ("PUT", "/v1/shops/acme/items/3/", "/v1/shops/acme/items/3"),
        ("POST", "/signup/", "/signup"),
        ("GET", "/openapi.json/", "/openapi.json"),
        ("GET", "/mounted/items/?limit=1", "/mounted/items?limit=1"),
        (
            "DELETE",
            "/mounted/v1/shops/acme/items/3/",
            "/mounted/v1/shops/acme/items/3",
        ),
    ] {
        let request = atest::TestRequest::default()
            .method(method.parse().unwrap())
            .uri(path)
            .to_request();
        let (location, problem) = problem_of(
            atest::call_service(&app, request).await,
            StatusCode::PERMANENT_REDIRECT,
        )
        .await;
        assert_eq!(location.as_deref(), Some(meant), "{method} {path}");
        let route = meant.split('?').next().unwrap();
        let asked = path.split('?').next().unwrap();
        assert_eq!(
            problem["detail"],
            format!("`{method} {asked}` is served at `{route}`")
        );
    }
}

/// Any directory, as a route whose first segment may hold a slash.
#[get("/{directory:.*}/")]
async fn any_directory(directory: Path<String>) -> String {
    directory.into_inner()
}

/// `//host/...` in a `Location` is another host: a path that would redirect
/// there is a 404 instead.
#[actix_web::test]
async fn a_redirect_never_leaves_for_another_host() {
    let app = atest::init_service(
        App::new().configure(
            Api::new("Directories", "1.0.0")
                .service(any_directory)
                .configure(),
        ),
    )
    .await;
    let request = atest::TestRequest::get().uri("/docs-like").to_request();
    let (location, _) = problem_of(
        atest::call_service(&app, request).await,
        StatusCode::PERMANENT_REDIRECT,
    )
    .await;
    assert_eq!(location.as_deref(), Some("/docs-like/"));
    let request = atest::TestRequest::get().uri("//evil.example").to_request();
    let (location, problem) = problem_of(
        atest::call_service(&app, request).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(location, None);
    assert_eq!(problem["detail"], "no route matches `GET //evil.example`");
}

#[actix_web::test]
async fn without_slash_redirects_the_404_names_the_route_meant() {
    let app =
        atest::init_service(App::new().configure(api().redirect_slashes(false).configure())).await;
    let request = atest::TestRequest::put()
        .uri("/v1/shops/acme/items/3/")
        .to_request();
    let (location, problem) = problem_of(
        atest::call_service(&app, request).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(location, None);
    assert_eq!(
        problem["detail"],
        "no route matches `PUT /v1/shops/acme/items/3/`; the route is `/v1/shops/acme/items/3`"
    );
}

/// Over HTTP, a client that follows redirects (reqwest does by default)
/// reaches the route with its method and body.
#[actix_web::test]
async fn a_client_following_the_redirect_reaches_the_route_with_its_body() {
    let (address, handle) = common::serve_on_loopback(|config| api().configure()(config));
    let response = reqwest::Client::new()
        .put(format!("{address}/v1/shops/acme/items/3/"))
        .json(&json!({"name": "kettle", "price": 9.5}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(response.url().path(), "/v1/shops/acme/items/3");
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"name": "kettle", "price": 9.5})
    );
    handle.stop(false).await;
}
