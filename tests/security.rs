//! Security schemes and requirements: every kind of scheme as OpenAPI writes
//! it, requirements from the attribute, an extractor, a scope and the whole
//! `Api`, and the mistakes `Api::check` finds, all at once; cookies, as
//! parameters and as an API-key scheme's credential.

mod common;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use hookspec::openapi::{ApiKeyIn, OAuthFlows, SecurityScheme};
use hookspec::{get, post, Api};

use hookspec::describe::{OperationContext, OperationInput};
use serde_json::{json, Value};

/// A caller with an OAuth 2 token granting `read:invoices`.
struct Reader;

impl FromRequest for Reader {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Reader))
    }
}

impl OperationInput for Reader {
    type Extractor = Self;

    fn from_extractor(reader: Self) -> Self {
        reader
    }

    fn describe(cx: &mut OperationContext<'_>) {
        cx.require("oauth", &["read:invoices"]);
        cx.add_problem_response(401);
        cx.add_problem_response(403);
    }
}

/// List invoices.
#[get("/invoices")]
async fn list_invoices(_reader: Reader) -> &'static str {
    "[]"
}

/// Create an invoice: OAuth with the write scope, or the partner key.
#[post("/invoices", security(("oauth", "write:invoices"), "partner_key"))]
async fn create_invoice() -> &'static str {
    "created"
}

/// Health.
#[get("/health", security())]
async fn health() -> &'static str {
    "ok"
}

/// Reports, under a scope that requires basic authentication.
#[get("/reports")]
async fn reports() -> &'static str {
    "reports"
}

fn schemes(api: Api) -> Api {
    api.security_scheme(
        "oauth",
        SecurityScheme::oauth2(
            OAuthFlows::new()
                .authorization_code(
                    "https://auth.example.com/authorize",
                    "https://auth.example.com/token",
                    &[
                        ("read:invoices", "Read invoices"),
                        ("write:invoices", "Create invoices"),
                    ],
                )
                .client_credentials(
                    "https://auth.example.com/token",
                    &[("read:invoices", "Read invoices")],
                )
                .implicit(
                    "https://auth.example.com/authorize",
                    &[("read:invoices", "Read invoices")],
                )
                .password("https://auth.example.com/token", &[]),
        ),
    )
    .security_scheme(
        "partner_key",
        SecurityScheme::api_key(ApiKeyIn::Query, "key"),
    )
    .security_scheme("session", SecurityScheme::api_key(ApiKeyIn::Cookie, "sid"))
    .security_scheme("basic", SecurityScheme::basic())
    .security_scheme(
        "oidc",
        SecurityScheme::open_id_connect(
            "https://auth.example.com/.well-known/openid-configuration",
        ),
    )
}

fn api() -> Api {
    schemes(Api::new("Invoices", "1.0.0"))
        .security_requirement("oidc", &["openid"])
        .service(list_invoices)
        .service(create_invoice)
        .service(health)
        .scope("/admin", |admin| {
            admin.security_requirement("basic", &[]).service(reports)
        })
}

fn documents() -> [Value; 2] {
    common::checked_documents(&api())
}

#[test]
fn every_kind_of_scheme_is_written_as_openapi_says() {
    for document in documents() {
        let schemes = &document["components"]["securitySchemes"];
        let flows = &schemes["oauth"]["flows"];
        assert_eq!(schemes["oauth"]["type"], "oauth2");
        assert_eq!(
            flows["authorizationCode"],
            json!({
                "authorizationUrl": "https://auth.example.com/authorize",
                "tokenUrl": "https://auth.example.com/token",
                "scopes": { "read:invoices": "Read invoices", "write:invoices": "Create invoices" }
            })
        );
        assert_eq!(
            flows["clientCredentials"]["tokenUrl"],
            "https://auth.example.com/token"
        );
        assert_eq!(
            flows["implicit"]["authorizationUrl"],
            "https://auth.example.com/authorize"
        );
        assert_eq!(flows["password"]["scopes"], json!({}));
        assert_eq!(
            schemes["partner_key"],
            json!({"type": "apiKey", "in": "query", "name": "key"})
        );
        assert_eq!(
            schemes["session"],
            json!({"type": "apiKey", "in": "cookie", "name": "sid"})
        );
        assert_eq!(schemes["basic"], json!({"type": "http", "scheme": "basic"}));
        assert_eq!(
            schemes["oidc"],
            json!({
                "type": "openIdConnect",
                "openIdConnectUrl": "https://auth.example.com/.well-known/openid-configuration"
            })
        );
    }
}

#[test]
fn requirements_come_from_the_attribute_the_extractor_the_scope_and_the_api() {
    for document in documents() {
        assert_eq!(document["security"], json!([{ "oidc": ["openid"] }]));
        let paths = &document["paths"];
        assert_eq!(
            paths["/invoices"]["get"]["security"],
            json!([{ "oauth": ["read:invoices"] }]),
            "from the extractor"
        );
        assert!(paths["/invoices"]["get"]["responses"]["403"].is_object());
        assert_eq!(
            paths["/invoices"]["post"]["security"],
            json!([{ "oauth": ["write:invoices"] }, { "partner_key": [] }]),
            "alternatives from the attribute"
        );
        assert_eq!(paths["/health"]["get"]["security"], json!([]), "public");
        assert_eq!(
            paths["/admin/reports"]["get"]["security"],
            json!([{ "basic": [] }]),
            "from the scope"
        );
    }
}

#[post("/refunds", security("nobody", ("oauth", "refund:all"), ("basic", "admin")))]
async fn refund() -> &'static str {
    "refunded"
}

/// Declared public, but its argument requires authentication.
#[get("/open", security())]
async fn open(_reader: Reader) -> &'static str {
    "open?"
}

/// Every mistake at once: an undeclared scheme (operation and Api), a scope no
/// flow defines, scopes on a scheme that has none, a public operation whose
/// argument requires authentication.
#[test]
fn mistakes_are_found_when_the_document_is_built() {
    let error = schemes(Api::new("Invoices", "1.0.0"))
        .security_requirement("jwt", &[])
        .service(refund)
        .service(open)
        .check()
        .unwrap_err();
    let problems = error.problems();
    let expect = |fragment: &str| {
        assert!(
            problems.iter().any(|problem| problem.contains(fragment)),
            "no problem contains {fragment:?}: {problems:#?}"
        );
    };
    expect("the Api requires security scheme `jwt`, which the Api does not declare (declared: basic, oauth, oidc, partner_key, session); add it with `Api::security_scheme(\"jwt\", ...)`");
    expect("POST /refunds (`refund` (tests/security.rs:");
    expect("requires security scheme `nobody`, which the Api does not declare");
    expect("requires scope `refund:all` of `oauth`, which none of its OAuth 2 flows defines (defined: read:invoices, write:invoices)");
    expect("requires scopes of `basic`, which is not an OAuth 2 or OpenID Connect scheme: list it without scopes");
    expect("is declared public (`security()`), but an argument requires `oauth`");
    assert_eq!(problems.len(), 5, "{problems:#?}");
}

mod cookies {
    use actix_web::http::StatusCode;
    use actix_web::{test as atest, App, FromRequest};
    use hookspec::cookies::{CookieKey, CookieScheme, Cookies};
    use hookspec::{get, Api, JsonSchema};
    use serde::Deserialize;
    use serde_json::{json, Value};

    use super::common::checked_documents;

    #[derive(Deserialize, JsonSchema)]
    struct Preferences {
        /// The colour theme.
        theme: String,
        /// Items per page.
        page_size: Option<u32>,
    }

    struct Session;

    impl CookieScheme for Session {
        const SCHEME: &'static str = "session";
        const COOKIE: &'static str = "sid";
    }

    /// The dashboard.
    #[get("/dashboard")]
    async fn dashboard(session: CookieKey<Session>, preferences: Cookies<Preferences>) -> String {
        let Preferences { theme, page_size } = preferences.into_inner();
        format!("{} {theme} {page_size:?}", session.key())
    }

    fn api() -> Api {
        Api::new("Dashboard", "1.0.0")
            .cookie_scheme::<Session>()
            .service(dashboard)
    }

    #[test]
    fn cookies_are_cookie_parameters_and_the_key_a_cookie_scheme() {
        let [v3_1, v3_0] = checked_documents(&api());
        assert_eq!(
            v3_1["paths"]["/dashboard"]["get"]["parameters"],
            json!([
                { "name": "page_size", "in": "cookie", "description": "Items per page.",
                  "schema": { "type": "integer", "format": "uint32", "minimum": 0 } },
                { "name": "theme", "in": "cookie", "description": "The colour theme.",
                  "required": true, "schema": { "type": "string" } }
            ])
        );
        for document in [v3_1, v3_0] {
            let operation = &document["paths"]["/dashboard"]["get"];
            let parameters: Vec<(&Value, &Value, &Value)> = operation["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|parameter| (&parameter["name"], &parameter["in"], &parameter["required"]))
                .collect();
            assert_eq!(
                parameters,
                [
                    (&json!("page_size"), &json!("cookie"), &Value::Null),
                    (&json!("theme"), &json!("cookie"), &json!(true))
                ]
            );
            assert_eq!(operation["security"], json!([{ "session": [] }]));
            assert!(operation["responses"]["400"].is_object());
            assert!(operation["responses"]["401"].is_object());
            assert_eq!(
                document["components"]["securitySchemes"]["session"],
                json!({ "type": "apiKey", "in": "cookie", "name": "sid" })
            );
        }
    }

    async fn call(cookie: Option<&[u8]>) -> (StatusCode, Value) {
        let app = atest::init_service(App::new().configure(api().configure())).await;
        let mut request = atest::TestRequest::get().uri("/dashboard");
        if let Some(cookie) = cookie {
            let value = actix_web::http::header::HeaderValue::from_bytes(cookie).unwrap();
            request = request.insert_header(("cookie", value));
        }
        let response = atest::call_service(&app, request.to_request()).await;
        let status = response.status();
        let body = atest::read_body(response).await;
        let body = serde_json::from_slice(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
        (status, body)
    }

    #[actix_web::test]
    async fn cookies_are_read_typed_and_percent_decoded() {
        assert_eq!(
            call(Some(b"sid=s3cr3t; theme=dark%20blue; page_size=50")).await,
            (StatusCode::OK, json!("s3cr3t dark blue Some(50)"))
        );
        assert_eq!(
            // A pair that does not parse is left out, as browsers do.
            call(Some(b"theme=light; =orphan; sid=s3cr3t")).await,
            (StatusCode::OK, json!("s3cr3t light None"))
        );
    }

    #[actix_web::test]
    async fn a_missing_or_bad_cookie_is_a_problem_naming_it() {
        for (cookie, status, location, pointer) in [
            (Some(&b"sid=s3cr3t"[..]), 400, "cookie", "/theme"),
            (
                Some(b"sid=s3cr3t; theme=dark; page_size=lots"),
                400,
                "cookie",
                "/page_size",
            ),
            (Some(b"theme=dark"), 401, "cookie", "/sid"),
            (None, 401, "cookie", "/sid"),
            (Some(b"sid=s3cr3t; theme=\xff"), 400, "header", "/cookie"),
        ] {
            let (got, problem) = call(cookie).await;
            let cookie = cookie.map(String::from_utf8_lossy);
            assert_eq!(got.as_u16(), status, "{cookie:?}: {problem}");
            assert_eq!(problem["status"], status);
            assert_eq!(
                (
                    &problem["errors"][0]["in"],
                    &problem["errors"][0]["pointer"]
                ),
                (&json!(location), &json!(pointer)),
                "{cookie:?}: {problem}"
            );
        }
    }

    #[test]
    fn a_cookie_key_is_never_debug_printed() {
        let request = atest::TestRequest::get()
            .insert_header(("cookie", "sid=s3cr3t"))
            .to_http_request();
        let key = actix_web::rt::System::new()
            .block_on(CookieKey::<Session>::extract(&request))
            .unwrap();
        assert_eq!(key.key(), "s3cr3t");
        let shown = format!("{key:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
}
