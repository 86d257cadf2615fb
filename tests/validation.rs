//! Constraints written on input types (validator's, garde's or schemars' own
//! attributes) are in the documents and enforced by `Json`, `Form`, `Query` and
//! `Path` extraction: a violation is a `422` problem naming each field and rule.

mod common;

use actix_web::http::StatusCode;
use actix_web::web::{Form, Json, Path, Query};
use actix_web::{test as atest, App, HttpResponse};
use hookspec::{get, post, Api, JsonSchema};
use serde::Deserialize;
use serde_json::{json, Value};
use validator::Validate;

use common::{checked_documents, json_body};

/// A new customer. `Validate` is validator's own derive: the application can
/// also call `validate()`, and the attributes serve both.
#[derive(Debug, Deserialize, JsonSchema, Validate)]
pub struct NewCustomer {
    #[validate(length(min = 1, max = 20))]
    pub name: String,
    #[validate(email)]
    pub email: String,
    #[validate(range(min = 1, max = 100))]
    pub seats: u32,
    #[validate(length(max = 3))]
    pub tags: Vec<String>,
    /// Not constrained: any value serde reads is fine.
    pub note: Option<String>,
}

/// Paging, constrained with garde's attribute syntax (read by schemars).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Paging {
    #[garde(range(min = 1, max = 50))]
    pub limit: u32,
    pub open: Option<bool>,
}

/// A currency code, constrained with schemars' own attribute.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CurrencyPath {
    #[schemars(regex(pattern = r"^[A-Z]{3}$"))]
    pub code: String,
}

/// A sign-up form.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SignUp {
    #[validate(length(min = 8))]
    pub password: String,
}

/// No constraints beyond its types.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Plain {
    pub count: u8,
    pub total: f64,
}

#[post("/customers")]
async fn create_customer(customer: Json<NewCustomer>) -> HttpResponse {
    HttpResponse::Ok().body(customer.name.clone())
}

#[get("/customers")]
async fn list_customers(paging: Query<Paging>) -> HttpResponse {
    HttpResponse::Ok().body(paging.limit.to_string())
}

#[get("/currencies/{code}")]
async fn currency(path: Path<CurrencyPath>) -> HttpResponse {
    HttpResponse::Ok().body(path.code.clone())
}

#[post("/sign-up")]
async fn sign_up(form: Form<SignUp>) -> HttpResponse {
    HttpResponse::Ok().body(form.password.len().to_string())
}

#[post("/plain")]
async fn plain(body: Json<Plain>) -> HttpResponse {
    HttpResponse::Ok().body(body.count.to_string())
}

fn api() -> Api {
    Api::new("Validation", "1.0.0")
        .without_authentication()
        .service(create_customer)
        .service(list_customers)
        .service(currency)
        .service(sign_up)
        .service(plain)
}

/// The `(in, pointer, rule)` of each error of a `422` problem, sorted.
fn violations(problem: &Value) -> Vec<(String, String, String)> {
    assert_eq!(problem["status"], 422, "{problem}");
    let mut found: Vec<_> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| {
            (
                error["in"].as_str().unwrap().to_owned(),
                error["pointer"].as_str().unwrap().to_owned(),
                error["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

fn violation(location: &str, pointer: &str, rule: &str) -> (String, String, String) {
    (location.to_owned(), pointer.to_owned(), rule.to_owned())
}

#[actix_web::test]
async fn a_body_that_breaks_constraints_is_a_422_naming_each_field_and_rule() {
    let app = atest::init_service(App::new().configure(api().configure())).await;
    let request = atest::TestRequest::post()
        .uri("/customers")
        .set_json(json!({
            "name": "",
            "email": "not an address",
            "seats": 101,
            "tags": ["a", "b", "c", "d"],
            "note": ""
        }));
    let response = atest::call_service(&app, request.to_request()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let problem = json_body(response).await;
    assert_eq!(
        violations(&problem),
        [
            violation("body", "/email", "format"),
            violation("body", "/name", "minLength"),
            violation("body", "/seats", "maximum"),
            violation("body", "/tags", "maxItems"),
        ]
    );
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.ends_with("(and 3 more)"), "{detail}");

    // validator agrees: the same attributes, checked by its own derive.
    let customer: NewCustomer = serde_json::from_value(json!({
        "name": "", "email": "not an address", "seats": 101, "tags": ["a", "b", "c", "d"]
    }))
    .unwrap();
    let mut fields: Vec<_> = customer
        .validate()
        .unwrap_err()
        .field_errors()
        .into_keys()
        .collect();
    fields.sort();
    assert_eq!(fields, ["email", "name", "seats", "tags"]);
}

#[actix_web::test]
async fn input_within_its_constraints_reaches_the_handler() {
    let app = atest::init_service(App::new().configure(api().configure())).await;
    let request = atest::TestRequest::post()
        .uri("/customers")
        .set_json(json!({
            "name": "Ada", "email": "ada@example.com", "seats": 100, "tags": ["a", "b", "c"]
        }));
    let response = atest::call_service(&app, request.to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(atest::read_body(response).await, "Ada");

    for (uri, body) in [
        ("/customers?limit=50&open=true", "50"),
        ("/currencies/EUR", "EUR"),
    ] {
        let response =
            atest::call_service(&app, atest::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        assert_eq!(atest::read_body(response).await, body);
    }
    let request = atest::TestRequest::post()
        .uri("/sign-up")
        .set_form([("password", "correct horse")]);
    let response = atest::call_service(&app, request.to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[actix_web::test]
async fn parameters_and_forms_are_checked_as_the_types_serde_read() {
    let app = atest::init_service(App::new().configure(api().configure())).await;
    let get = |uri: &str| atest::TestRequest::get().uri(uri).to_request();

    // `limit` is read as a number and compared as one.
    let response = atest::call_service(&app, get("/customers?limit=0&open=false")).await;
    assert_eq!(
        violations(&json_body(response).await),
        [violation("query", "/limit", "minimum")]
    );
    let response = atest::call_service(&app, get("/customers?limit=51")).await;
    assert_eq!(
        violations(&json_body(response).await),
        [violation("query", "/limit", "maximum")]
    );
    // A value of the wrong type is serde's 400, before any constraint.
    let response = atest::call_service(&app, get("/customers?limit=many")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let response = atest::call_service(&app, get("/currencies/euro")).await;
    assert_eq!(
        violations(&json_body(response).await),
        [violation("path", "/code", "pattern")]
    );

    let request = atest::TestRequest::post()
        .uri("/sign-up")
        .set_form([("password", "short")]);
    let response = atest::call_service(&app, request.to_request()).await;
    assert_eq!(
        violations(&json_body(response).await),
        [violation("body", "/password", "minLength")]
    );
}

#[actix_web::test]
async fn integer_bounds_serde_checks_are_not_constraints() {
    let app = atest::init_service(App::new().configure(api().configure())).await;
    let request = atest::TestRequest::post()
        .uri("/plain")
        .set_json(json!({ "count": 255, "total": -1.5 }));
    let response = atest::call_service(&app, request.to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let request = atest::TestRequest::post()
        .uri("/plain")
        .set_json(json!({ "count": 256, "total": 1 }));
    let response = atest::call_service(&app, request.to_request()).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn a_value_of_the_wrong_type_is_serde_s_400_before_any_constraint() {
    let app = atest::init_service(App::new().configure(api().configure())).await;
    let request = atest::TestRequest::post()
        .uri("/customers")
        .set_json(json!({
            "name": "", "email": "ada@example.com", "seats": "many", "tags": []
        }));
    let response = atest::call_service(&app, request.to_request()).await;
    let problem = json_body(response).await;
    assert_eq!(problem["status"], 400, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/seats");
    assert!(problem["errors"][0].get("rule").is_none(), "{problem}");
}

#[test]
fn the_documents_show_the_constraints_and_the_422_where_they_apply() {
    let [v3_1, v3_0] = checked_documents(&api());
    for document in [&v3_1, &v3_0] {
        let customer = &document["components"]["schemas"]["NewCustomer"]["properties"];
        assert_eq!(customer["name"]["minLength"], 1);
        assert_eq!(customer["name"]["maxLength"], 20);
        assert_eq!(customer["email"]["format"], "email");
        assert_eq!(customer["seats"]["maximum"], 100);
        assert_eq!(customer["tags"]["maxItems"], 3);

        let paths = &document["paths"];
        let unprocessable = json!({ "$ref": "#/components/responses/UnprocessableEntity" });
        for (path, method) in [
            ("/customers", "post"),
            ("/customers", "get"),
            ("/currencies/{code}", "get"),
            ("/sign-up", "post"),
        ] {
            assert_eq!(
                paths[path][method]["responses"]["422"], unprocessable,
                "{path} {method}"
            );
        }
        assert!(paths["/plain"]["post"]["responses"].get("422").is_none());
        let limit = &paths["/customers"]["get"]["parameters"][0];
        assert_eq!(limit["name"], "limit");
        assert_eq!(limit["schema"]["minimum"], 1);
        assert_eq!(limit["schema"]["maximum"], 50);
        let code = &paths["/currencies/{code}"]["get"]["parameters"][0];
        assert_eq!(code["schema"]["pattern"], "^[A-Z]{3}$");
        let problem = &document["components"]["responses"]["UnprocessableEntity"];
        assert_eq!(problem["description"], "Unprocessable Entity");
    }
    let rule = &v3_1["components"]["schemas"]["FieldError"]["properties"]["rule"];
    assert!(rule.is_object(), "{rule}");
}

/// A pattern that is not a regular expression.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Broken {
    #[schemars(regex(pattern = r"^[A-Z"))]
    pub code: String,
}

#[post("/broken")]
async fn broken(body: Json<Broken>) -> HttpResponse {
    HttpResponse::Ok().body(body.code.clone())
}

#[test]
fn a_constraint_that_cannot_be_enforced_is_an_error_of_the_api() {
    let error = Api::new("Broken", "1.0.0")
        .without_authentication()
        .service(broken)
        .check()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("the constraints of `Broken` cannot be enforced"),
        "{error}"
    );
}
