//! Security schemes and requirements: every kind of scheme as OpenAPI writes
//! it, requirements from the attribute, an extractor, a scope and the whole
//! `Api`, and the mistakes `Api::check` finds, all at once.

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
