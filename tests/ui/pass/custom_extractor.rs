//! A user's own extractor and responder document themselves.
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder};
use hookspec::openapi::{Parameter, ParameterIn, Response};
use hookspec::{get, Api};

use hookspec::describe::{OperationContext, OperationInput, OperationOutput};

struct Tenant(String);

impl FromRequest for Tenant {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let tenant = req.headers().get("x-tenant").and_then(|v| v.to_str().ok());
        std::future::ready(match tenant {
            Some(tenant) => Ok(Tenant(tenant.to_owned())),
            None => Err(actix_web::error::ErrorBadRequest("missing X-Tenant")),
        })
    }
}

impl OperationInput for Tenant {
    type Extractor = Self;
    fn from_extractor(tenant: Self) -> Self {
        tenant
    }
    fn describe(cx: &mut OperationContext<'_>) {
        let schema = hookspec::describe::schema_for::<String>(cx);
        cx.add_parameter(Parameter {
            name: "X-Tenant".into(),
            location: ParameterIn::Header,
            description: None,
            required: true,
            schema,
        });
        cx.add_response("400", Response::new("No tenant"));
    }
}

struct Created;

impl Responder for Created {
    type Body = actix_web::body::BoxBody;
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Created().finish()
    }
}

impl OperationOutput for Created {
    fn describe(cx: &mut OperationContext<'_>) {
        cx.add_response("201", Response::new("Created"));
    }
}

/// Make.
#[get("/make")]
async fn make(tenant: Tenant) -> Created {
    let _ = tenant.0;
    Created
}

fn main() {
    let document = serde_json::to_value(Api::new("Custom", "1").service(make).openapi().unwrap()).unwrap();
    let operation = &document["paths"]["/make"]["get"];
    assert_eq!(operation["parameters"][0]["name"], "X-Tenant");
    assert_eq!(operation["responses"]["201"]["description"], "Created");
    assert_eq!(operation["responses"]["400"]["description"], "No tenant");
}
