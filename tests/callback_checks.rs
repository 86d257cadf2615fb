//! Callback expressions checked against each operation that lists them, when the
//! `Api` is built: against the schemas, so serde renames, `flatten` and `Option`
//! count as clients see them. (Path parameters are also checked at compile time;
//! see tests/ui/fail/route_callback_path_parameter_missing.rs.)

use actix_web::web::{Header, Json, Path, Query};
use hookspec::{callback, post, put, Api, JsonSchema};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub order_id: String,
    #[serde(rename = "hook")]
    pub callback_url: String,
    #[serde(flatten)]
    pub meta: Meta,
    pub buyer: Option<Buyer>,
    pub lines: Vec<Line>,
    #[serde(rename = "a/b~c")]
    pub odd: Option<u8>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Meta {
    pub region: String,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Buyer {
    pub email: String,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Line {
    pub sku: String,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Receipt {
    pub receipt_id: String,
}

#[derive(Deserialize, JsonSchema)]
pub struct Notify {
    pub notify_url: Option<String>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Event {
    pub kind: String,
}

/// Every form that resolves against `place_order`.
#[callback(
    post,
    "{$request.body#/hook}/{$request.body#/orderId}/{$request.body#/region}/{$request.body#/buyer/email}/{$request.body#/lines/0/sku}/{$request.body#/a~1b~0c}/{$request.query.notify_url}/{$request.header.CONTENT-TYPE}/{$request.path.shop}/{$response.body#/receipt_id}/{$url}/{$method}/{$statusCode}"
)]
async fn order_placed(body: Json<Event>) {}

/// Place an order.
#[post("/shops/{shop}/orders", callbacks(order_placed))]
async fn place_order(
    shop: Path<String>,
    order: Json<Order>,
    notify: Query<Notify>,
    content_type: Header<actix_web::http::header::ContentType>,
) -> Json<Receipt> {
    let _ = (shop, order, notify, content_type);
    Json(Receipt {
        receipt_id: "r".into(),
    })
}

#[test]
fn renames_flatten_options_nesting_arrays_and_escapes_resolve() {
    let api = Api::new("Orders", "1").service(place_order);
    api.check().unwrap();
}

/// Reads members under their Rust names, which serde renamed.
#[callback(post, "{$request.body#/callback_url}/{$request.body#/order_id}")]
async fn rust_names(body: Json<Event>) {}

#[post("/orders", callbacks(rust_names))]
async fn order_with_rust_names(order: Json<Order>) -> Json<Receipt> {
    let _ = order;
    Json(Receipt {
        receipt_id: "r".into(),
    })
}

#[test]
fn rust_field_names_do_not_match_renamed_members() {
    let error = Api::new("Orders", "1")
        .service(order_with_rust_names)
        .check()
        .unwrap_err();
    assert_eq!(
        error.problems(),
        [
            "operation `order_with_rust_names` (POST /orders): callback `rust_names` reads \
             `$request.body#/callback_url`, but the request body has no member `callback_url` \
             at `/` (it has `a/b~c`, `buyer`, `hook`, `lines`, `orderId`, `region`)",
            "operation `order_with_rust_names` (POST /orders): callback `rust_names` reads \
             `$request.body#/order_id`, but the request body has no member `order_id` at `/`; \
             did you mean `orderId`?",
        ]
    );
}

/// Misspelt and missing references of every kind.
#[callback(
    put,
    "{$request.query.notify_ur}/{$request.header.X-Trace}/{$request.body#/buyer/emial}/{$request.body#/lines/x}/{$response.body#/receipt}/{$response.header.Location}"
)]
async fn broken(body: Json<Event>) {}

#[post("/shops/{shop}/broken", callbacks(broken))]
async fn broken_order(
    shop: Path<String>,
    order: Json<Order>,
    notify: Query<Notify>,
) -> Json<Receipt> {
    let _ = (shop, order, notify);
    Json(Receipt {
        receipt_id: "r".into(),
    })
}

#[test]
fn every_problem_is_reported_at_once_with_the_closest_name() {
    let error = Api::new("Orders", "1")
        .service(broken_order)
        .check()
        .unwrap_err();
    let prefix = "operation `broken_order` (POST /shops/{shop}/broken): callback `broken` reads";
    let expected = [
        "`$request.query.notify_ur`, but the operation has no query parameter `notify_ur`; did you mean `notify_url`?",
        "`$request.header.X-Trace`, but the operation has no header `X-Trace`",
        "`$request.body#/buyer/emial`, but the request body has no member `emial` at `/buyer`; did you mean `email`?",
        "`$request.body#/lines/x`, but the request body has no member `x` at `/lines`",
        "`$response.body#/receipt`, but the success response body has no member `receipt` at `/`; did you mean `receipt_id`?",
        "`$response.header.Location`, but no documented response has a header `Location`",
    ]
    .map(|rest| format!("{prefix} {rest}"));
    assert_eq!(error.problems(), expected);
    // The server refuses to start with them.
    let message = error.to_string();
    assert!(message.starts_with("the OpenAPI document cannot be built:\n  - operation"));
}

/// Shared by two operations; only `with_token` has the query parameter it reads.
#[callback(post, "{$request.query.token}/done")]
async fn done(body: Json<Event>) {}

#[derive(Deserialize, JsonSchema)]
pub struct Token {
    pub token: String,
}

#[post("/with-token", callbacks(done))]
async fn with_token(token: Query<Token>) -> Json<Receipt> {
    let _ = token;
    Json(Receipt {
        receipt_id: "r".into(),
    })
}

#[put("/without-token", callbacks(done))]
async fn without_token(body: Json<Event>) -> Json<Receipt> {
    let _ = body;
    Json(Receipt {
        receipt_id: "r".into(),
    })
}

#[test]
fn shared_callback_is_checked_for_each_operation() {
    let ok = Api::new("Tokens", "1").service(with_token);
    ok.check().unwrap();
    let error = Api::new("Tokens", "1")
        .service(with_token)
        .service(without_token)
        .check()
        .unwrap_err();
    assert_eq!(
        error.problems(),
        [
            "operation `without_token` (PUT /without-token): callback `done` reads \
          `$request.query.token`, but the operation has no query parameter `token`"
        ]
    );
}

/// Reads the whole body, which `no_body` does not have.
#[callback(post, "https://hooks.example.com/{$request.body}")]
async fn whole_body(body: Json<Event>) {}

#[post("/no-body", callbacks(whole_body))]
async fn no_body() -> Json<Receipt> {
    Json(Receipt {
        receipt_id: "r".into(),
    })
}

#[test]
fn body_expressions_need_a_body() {
    let error = Api::new("Bodies", "1")
        .service(no_body)
        .check()
        .unwrap_err();
    assert_eq!(
        error.problems(),
        [
            "operation `no_body` (POST /no-body): callback `whole_body` reads `$request.body`, \
          but the operation has no request body"
        ]
    );
}

/// Reads a path parameter.
#[callback(post, "https://hooks.example.com/{$request.path.id}")]
async fn by_id(body: Json<Event>) {}

/// An extractor that attaches `by_id` itself, out of the route macro's sight.
pub struct AttachesById;

impl actix_web::FromRequest for AttachesById {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;
    fn from_request(_: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(AttachesById))
    }
}

impl hookspec::describe::OperationInput for AttachesById {
    type Extractor = Self;
    fn from_extractor(extractor: Self) -> Self {
        extractor
    }
    fn describe(cx: &mut hookspec::describe::OperationContext<'_>) {
        cx.add_callback::<by_id>();
    }
}

#[post("/items/{item}", responses((status = 202, description = "Accepted")))]
async fn attached_by_hand(item: Path<u32>, by_hand: AttachesById) -> actix_web::HttpResponse {
    let _ = (item, by_hand);
    actix_web::HttpResponse::Accepted().finish()
}

#[test]
fn path_parameters_are_checked_when_attached_by_hand() {
    let error = Api::new("Items", "1")
        .service(attached_by_hand)
        .check()
        .unwrap_err();
    assert_eq!(
        error.problems(),
        [
            "operation `attached_by_hand` (POST /items/{item}): callback `by_id` reads \
          `$request.path.id`, but the operation has no path parameter `id` (it has `item`)"
        ]
    );
}

/// The document writes each callback's URL as the macro wrote it when the
/// callback compiled (`url_text`); it must be what the parsed template says.
#[test]
fn written_urls_are_the_parsed_templates() {
    use hookspec::describe::CallbackDeclaration;
    fn written_and_parsed<C: CallbackDeclaration>(_callback: C) -> (String, String) {
        (C::META.url_text.to_owned(), C::META.url.to_string())
    }
    for (written, parsed) in [
        written_and_parsed(order_placed),
        written_and_parsed(broken),
        written_and_parsed(whole_body),
        written_and_parsed(by_id),
    ] {
        assert_eq!(written, parsed);
    }
    assert_eq!(
        written_and_parsed(by_id).0,
        "https://hooks.example.com/{$request.path.id}"
    );
}
