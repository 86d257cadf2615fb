//! The request body as hookspec's extractors received it, kept for the callbacks
//! that read `$request.body#/...`: shared bytes in the request's extensions,
//! parsed only when a callback is sent. Kept only for handlers that can send
//! one ([`KeepRequestBodies`] in their resource's data): every other request
//! pays nothing for it.

// Without delivery nothing reads the kept bodies, and `Api` keeps none.
#![cfg_attr(not(feature = "delivery"), allow(dead_code))]

use actix_web::dev::{ServiceFactory, ServiceRequest};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, Resource};
use serde_json::Value;

/// A body a hookspec extractor parsed.
#[derive(Clone, Debug)]
pub(crate) enum ReceivedBody {
    /// A JSON body.
    Json(Bytes),
    /// An `application/x-www-form-urlencoded` body: an object of strings.
    Form(Bytes),
}

impl ReceivedBody {
    /// The body as JSON (a form as an object of strings).
    pub(crate) fn to_value(&self) -> Option<Value> {
        match self {
            ReceivedBody::Json(bytes) => serde_json::from_slice(bytes).ok(),
            ReceivedBody::Form(bytes) => Some(Value::Object(
                form_urlencoded::parse(bytes)
                    .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                    .collect(),
            )),
        }
    }
}

/// The body `req`'s extractors kept, as JSON, if any.
pub(crate) fn received_body(req: &HttpRequest) -> Option<Value> {
    req.extensions()
        .get::<ReceivedBody>()
        .and_then(ReceivedBody::to_value)
}

/// In a resource's data: its body extractors keep what they parsed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeepRequestBodies;

/// `resource`, whose body extractors keep what they parse if `sends` (one of its
/// handler's arguments can send a callback for the request: the route macros
/// ask each argument's kind). Without the delivery stack nothing sends.
pub fn keep_request_bodies<T>(resource: Resource<T>, sends: bool) -> Resource<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    if sends && cfg!(feature = "delivery") {
        resource.app_data(KeepRequestBodies)
    } else {
        resource
    }
}
