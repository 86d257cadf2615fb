//! The receiving side, for API users' own actix-web servers: an extractor that
//! checks a callback's Standard Webhooks signature before decoding its JSON body.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{dev, FromRequest, HttpRequest};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::error::SignatureError;
use super::headers::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};
use super::verifier::{VerifiedMessage, Verifier};
use crate::context::OperationContext;
use crate::input::OperationInput;
use crate::openapi::{Parameter, ParameterIn};
use crate::problem::Problem;

/// A callback's JSON body, accepted only with a valid signature.
///
/// Needs a [`Verifier`] in the app's data (`web::Data<Verifier>`). A missing or
/// wrong signature, or a timestamp outside the verifier's tolerance, is answered
/// `401` with a problem body; a body that is not a `T`, `400`.
///
/// ```no_run
/// use actix_web::{web, App, HttpServer};
/// use hookspec::signing::{Verified, Verifier};
///
/// #[derive(serde::Deserialize)]
/// struct InvoiceEvent { description: String, paid: bool }
///
/// async fn receive(event: Verified<InvoiceEvent>) -> web::Json<serde_json::Value> {
///     println!("{} (delivery {})", event.body.description, event.message.id);
///     web::Json(serde_json::json!({ "ok": true }))
/// }
///
/// # async fn run() -> std::io::Result<()> {
/// let verifier = web::Data::new(Verifier::new(&["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]).unwrap());
/// HttpServer::new(move || {
///     App::new()
///         .app_data(verifier.clone())
///         .route("/invoices/{id}", web::post().to(receive))
/// })
/// .bind(("127.0.0.1", 9000))?
/// .run()
/// .await
/// # }
/// ```
#[derive(Debug)]
pub struct Verified<T> {
    /// What the signature headers said (`webhook-id` for de-duplication).
    pub message: VerifiedMessage,
    /// The decoded body.
    pub body: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for Verified<T> {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Problem>>>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let body = Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let Some(verifier) = req.app_data::<web::Data<Verifier>>() else {
                return Err(Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "no `web::Data<Verifier>` is registered for this route",
                ));
            };
            let bytes = body.await.map_err(|error| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    format!("the body could not be read: {error}"),
                )
            })?;
            let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
            let message = verifier.verify(header, &bytes).map_err(|error| {
                Problem::at_field(
                    StatusCode::UNAUTHORIZED,
                    "header",
                    faulty_header(&error),
                    error.to_string(),
                )
            })?;
            let body = serde_json::from_slice(&bytes).map_err(|error| {
                Problem::at_field(StatusCode::BAD_REQUEST, "body", "", error.to_string())
            })?;
            Ok(Verified { message, body })
        })
    }
}

/// The pointer to the header a verification error is about.
fn faulty_header(error: &SignatureError) -> &'static str {
    match error {
        SignatureError::MissingHeader(WEBHOOK_ID) => "/webhook-id",
        SignatureError::MissingHeader(WEBHOOK_TIMESTAMP)
        | SignatureError::InvalidTimestamp
        | SignatureError::OutsideTolerance { .. } => "/webhook-timestamp",
        _ => "/webhook-signature",
    }
}

impl<T: DeserializeOwned + JsonSchema + 'static> OperationInput for Verified<T> {
    type Extractor = Self;

    fn from_extractor(extractor: Self) -> Self {
        extractor
    }

    fn describe(cx: &mut OperationContext<'_>) {
        <web::Json<T> as OperationInput>::describe(cx);
        for (name, description) in [
            (WEBHOOK_ID, "The message id; the same on every retry."),
            (WEBHOOK_TIMESTAMP, "Unix time of the attempt."),
            (
                WEBHOOK_SIGNATURE,
                "Space-separated `v1,<base64 HMAC-SHA256>` signatures.",
            ),
        ] {
            let schema =
                schemars::Schema::try_from(json!({ "type": "string" })).unwrap_or_default();
            cx.add_parameter(Parameter {
                name: name.to_owned(),
                location: ParameterIn::Header,
                description: Some(description.to_owned()),
                required: true,
                schema,
            });
        }
        cx.add_problem_response(401);
    }
}
