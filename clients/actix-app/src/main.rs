//! An actix-web app halfway through its move to hookspec: the `use` line of
//! the route macros changed, nothing else. Its own extractor (`ApiKey`), a body
//! type without a JSON Schema (`LegacyOrder`), a responder hookspec does not
//! know (`Csv`), `actix_web::Result<impl Responder>` and `Data<Templates<'_>>`
//! compile and serve as before; `Api::undocumented` lists exactly the three
//! types hookspec cannot document, and `Api::strict` makes them errors. Runs its
//! checks through actix-web's test service and exits non-zero on a failure.

use std::future::{ready, Ready};

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::web::{Data, Json, Path};
use actix_web::{test, App, FromRequest, HttpRequest, HttpResponse, Responder};
use hookspec::{get, post, Api, JsonSchema};
use serde::{Deserialize, Serialize};

/// The caller's API key, from the `X-Api-Key` header: the app's own extractor.
struct ApiKey(String);

impl FromRequest for ApiKey {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = request
            .headers()
            .get("x-api-key")
            .and_then(|value| value.to_str().ok());
        ready(match key {
            Some(key) => Ok(ApiKey(key.to_owned())),
            None => Err(actix_web::error::ErrorUnauthorized("missing X-Api-Key")),
        })
    }
}

/// An order as an older client sends it: no `JsonSchema` yet.
#[derive(Deserialize)]
struct LegacyOrder {
    sku: String,
    quantity: u32,
}

/// A CSV report: the app's own responder.
struct Csv(String);

impl Responder for Csv {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Ok().content_type("text/csv").body(self.0)
    }
}

/// Templates borrowed for the app's lifetime, as template engines keep them.
struct Templates<'reg> {
    greeting: &'reg str,
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Receipt {
    sku: String,
    quantity: u32,
}

/// Who is calling.
#[get("/me")]
async fn me(key: ApiKey) -> String {
    format!("key {}", key.0)
}

/// Place an order, the old way.
#[post("/orders")]
async fn place_order(order: Json<LegacyOrder>) -> Json<Receipt> {
    Json(Receipt {
        sku: order.sku.clone(),
        quantity: order.quantity,
    })
}

/// The orders, as CSV.
#[get("/orders.csv")]
async fn orders_csv() -> Csv {
    Csv("sku,quantity\nA-1,2\n".to_owned())
}

/// Greet someone.
#[get("/greet/{name}")]
async fn greet(
    name: Path<String>,
    templates: Data<Templates<'_>>,
) -> actix_web::Result<impl Responder> {
    Ok(format!("{}, {name}!", templates.greeting))
}

fn api() -> Api {
    Api::new("Halfway", "1")
        .service(me)
        .service(place_order)
        .service(orders_csv)
        .service(greet)
}

fn main() {
    actix_web::rt::System::new().block_on(async {
        let api = api();
        let app = test::init_service(
            App::new()
                .app_data(Data::new(Templates { greeting: "Hello" }))
                .configure(api.configure()),
        )
        .await;
        let call = |request: test::TestRequest| {
            let app = &app;
            async move {
                let response = test::call_service(app, request.to_request()).await;
                let status = response.status();
                let body = test::read_body(response).await;
                (status, String::from_utf8(body.to_vec()).unwrap())
            }
        };

        let caller = call(
            test::TestRequest::get()
                .uri("/me")
                .insert_header(("x-api-key", "k1")),
        )
        .await;
        assert_eq!(caller, (StatusCode::OK, "key k1".to_owned()));
        let (status, _) = call(test::TestRequest::get().uri("/me")).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "the app's own extractor still runs"
        );
        let order = serde_json::json!({"sku": "A-1", "quantity": 2});
        let placed = call(test::TestRequest::post().uri("/orders").set_json(&order)).await;
        assert_eq!(placed.0, StatusCode::OK, "{placed:?}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&placed.1).unwrap(),
            order
        );
        let bad = call(
            test::TestRequest::post()
                .uri("/orders")
                .set_json(serde_json::json!({"sku": 1})),
        )
        .await;
        assert_eq!(bad.0, StatusCode::BAD_REQUEST);
        assert!(
            bad.1.contains("\"pointer\":\"/sku\""),
            "a problem naming the field: {}",
            bad.1
        );
        let csv = call(test::TestRequest::get().uri("/orders.csv")).await;
        assert_eq!(csv, (StatusCode::OK, "sku,quantity\nA-1,2\n".to_owned()));
        let greeting = call(test::TestRequest::get().uri("/greet/Ada")).await;
        assert_eq!(greeting, (StatusCode::OK, "Hello, Ada!".to_owned()));

        // Exactly the three types hookspec cannot document, each with its
        // handler and the fix.
        let undocumented: Vec<String> = api
            .undocumented()
            .unwrap()
            .iter()
            .map(|item| format!("{}: {}; {}", item.handler, item.what, item.fix))
            .collect();
        assert_eq!(
            undocumented,
            [
                "me: the argument `hookspec_actix_app_check::ApiKey` documents nothing; \
                 implement `hookspec::describe::OperationInput` for it",
                "place_order: the body `hookspec_actix_app_check::LegacyOrder` has no JSON \
                 Schema; derive `schemars::JsonSchema` for it (`#[derive(hookspec::JsonSchema)]`)",
                "orders_csv: the response type `hookspec_actix_app_check::Csv` is documented \
                 as a generic success; implement `hookspec::describe::OperationOutput` for it",
            ]
        );
        let document = serde_json::to_value(api.openapi().unwrap()).unwrap();
        let body =
            &document["paths"]["/orders"]["post"]["requestBody"]["content"]["application/json"];
        assert_eq!(
            body["schema"],
            serde_json::json!({}),
            "an untyped JSON body: {body}"
        );

        // Strict: the same three, as errors.
        let error = api.strict().check().unwrap_err();
        assert_eq!(error.problems().len(), 3, "{error}");
        assert!(error
            .problems()
            .iter()
            .all(|p| p.starts_with("not documented (strict): `")));
        println!(
            "gradual conversion: 4 routes served, 3 undocumented types listed, strict refuses them"
        );
    });
}
