//! [`OperationOutput`]: what each handler return type documents.

use actix_web::{web, HttpResponse};
use schemars::JsonSchema;
use serde::Serialize;

use crate::context::OperationContext;
use crate::openapi::Response;
use crate::problem::Problem;

const SUCCESS: &str = "Successful response";

/// A handler return type that hookspec can document.
///
/// Implemented for actix-web's common responders. Your own responder documents
/// itself like this:
///
/// ```
/// use hookspec::describe::{OperationContext, OperationOutput};
///
/// /// `201 Created` with no body.
/// struct Created;
///
/// impl OperationOutput for Created {
///     fn describe(cx: &mut OperationContext<'_>) {
///         cx.add_response("201", hookspec::openapi::Response::new("Created"));
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "hookspec cannot document the handler return type `{Self}`",
    label = "no `hookspec::describe::OperationOutput` implementation for this type",
    note = "hookspec documents `Json<T>`, `HttpResponse`, `String`, `&'static str`, `Option<T>`, `Result<T, E>`, `impl Responder`, and its own `EventStream<T>`, `JsonLines<T>` and `Download<M>`; for your own responder, implement `hookspec::describe::OperationOutput`"
)]
pub trait OperationOutput {
    /// Adds the responses this type can produce.
    fn describe(cx: &mut OperationContext<'_>);
}

impl<T: Serialize + JsonSchema> OperationOutput for web::Json<T> {
    fn describe(cx: &mut OperationContext<'_>) {
        // Not `add_json_response`: one generic function fewer per type.
        let schema = cx.schemas().reference::<T>();
        cx.add_json_response_with(200, SUCCESS, schema);
    }
}

impl OperationOutput for HttpResponse {
    fn describe(cx: &mut OperationContext<'_>) {
        cx.add_response("200", Response::new(SUCCESS));
    }
}

/// A plain-text body.
fn text(cx: &mut OperationContext<'_>) {
    let schema = cx.schemas().reference::<String>();
    cx.add_response("200", Response::with_body(SUCCESS, "text/plain", schema));
}

impl OperationOutput for String {
    fn describe(cx: &mut OperationContext<'_>) {
        text(cx);
    }
}

impl OperationOutput for &'static str {
    fn describe(cx: &mut OperationContext<'_>) {
        text(cx);
    }
}

/// actix-web answers `None` with `404 Not Found`.
impl<T: OperationOutput> OperationOutput for Option<T> {
    fn describe(cx: &mut OperationContext<'_>) {
        T::describe(cx);
        cx.add_response("404", Response::new("Not Found"));
    }
}

impl<T: OperationOutput, E: OperationOutput> OperationOutput for Result<T, E> {
    fn describe(cx: &mut OperationContext<'_>) {
        T::describe(cx);
        E::describe(cx);
    }
}

impl<L: OperationOutput, R: OperationOutput> OperationOutput for actix_web::Either<L, R> {
    fn describe(cx: &mut OperationContext<'_>) {
        L::describe(cx);
        R::describe(cx);
    }
}

/// Any error: its status is known only when it happens.
impl OperationOutput for actix_web::Error {
    fn describe(cx: &mut OperationContext<'_>) {
        cx.add_response("default", Response::new("Unexpected error"));
    }
}

/// An I/O error (a file handler's `std::io::Result`): actix-web answers `404`
/// for a file not found, `403` for one it may not read, `500` otherwise.
impl OperationOutput for std::io::Error {
    fn describe(cx: &mut OperationContext<'_>) {
        cx.add_response("404", Response::new("Not found"));
        cx.add_response("default", Response::new("Unexpected error"));
    }
}

/// A problem can carry any error status.
impl OperationOutput for Problem {
    fn describe(cx: &mut OperationContext<'_>) {
        let schema = cx.schemas().reference::<Problem>();
        cx.add_response(
            "default",
            Response::with_body("Error", "application/problem+json", schema),
        );
    }
}

/// Stands for an `impl Responder` return type: a success of unknown shape.
/// Never built; a `Responder` so that types around it (`Result<Opaque, E>`
/// with an `E` hookspec does not know) are responders too.
pub enum Opaque {}

impl actix_web::Responder for Opaque {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _: &actix_web::HttpRequest) -> HttpResponse {
        match self {}
    }
}

impl OperationOutput for Opaque {
    fn describe(cx: &mut OperationContext<'_>) {
        cx.add_response("200", Response::new(SUCCESS));
    }
}
