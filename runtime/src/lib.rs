//! OpenAPI 3.1 documents with first-class callbacks, for actix-web.
//!
//! Route macros ([`get`], [`post`], ...) register a handler with actix-web *and*
//! describe it; [`callback`] declares a request your API sends back to its users;
//! [`Api`] collects the handlers once, routes them, and serves the document at
//! `/openapi.json` with Swagger UI at `/docs`.
//!
//! ```no_run
//! use actix_web::web::{Json, Query};
//! use hookspec::{callback, post, Api, JsonSchema};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, JsonSchema)]
//! pub struct Invoice { pub id: String, pub total: f64 }
//!
//! #[derive(Serialize, Deserialize, JsonSchema)]
//! pub struct InvoiceEvent { pub description: String, pub paid: bool }
//!
//! #[derive(Serialize, Deserialize, JsonSchema)]
//! pub struct InvoiceEventReceived { pub ok: bool }
//!
//! #[derive(Deserialize, JsonSchema)]
//! pub struct CreateInvoiceParams { pub callback_url: Option<String> }
//!
//! /// Tell the API user that something happened to their invoice.
//! #[callback(post, "{$request.query.callback_url}/invoices/{$request.body#/id}")]
//! async fn invoice_notification(body: Json<InvoiceEvent>) -> Json<InvoiceEventReceived> {}
//!
//! /// Create an invoice.
//! #[post("/invoices/", callbacks(invoice_notification))]
//! async fn create_invoice(
//!     invoice: Json<Invoice>,
//!     params: Query<CreateInvoiceParams>,
//! ) -> Json<Invoice> {
//!     invoice
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let api = Api::new("Invoices", "1.0.0").service(create_invoice);
//!     actix_web::HttpServer::new(move || actix_web::App::new().configure(api.configure()))
//!         .bind(("127.0.0.1", 8000))?
//!         .run()
//!         .await
//! }
//! ```

#![deny(missing_docs)]
#![warn(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
mod assemble;
mod callback_check;
mod callback_io;
pub mod catalog;
mod component_names;
mod context;
pub mod cookies;
mod declarations;
#[cfg(feature = "delivery")]
#[cfg_attr(docsrs, doc(cfg(feature = "delivery")))]
pub mod delivery;
#[cfg(any(feature = "swagger-ui", feature = "redoc", feature = "scalar"))]
mod docs_page;
mod documents;
mod extract;
pub mod files;
mod finish;
mod input;
mod input_combinators;
mod json_writer;
mod locate;
mod macro_support;
mod meta;
#[cfg(feature = "multipart")]
#[cfg_attr(docsrs, doc(cfg(feature = "multipart")))]
pub mod multipart;
mod not_found;
pub mod openapi;
mod output;
mod problem;
mod received;
#[cfg(feature = "redoc")]
mod redoc;
#[cfg(feature = "scalar")]
mod scalar;
mod schema;
mod security;
mod serve;
#[cfg(feature = "signing")]
#[cfg_attr(docsrs, doc(cfg(feature = "signing")))]
pub mod signing;
pub mod stream;
#[cfg(feature = "swagger-ui")]
mod swagger_ui;
mod undocumented;
#[cfg(feature = "validation")]
mod validation;
mod written_schemas;

pub use api::Api;
pub use assemble::SpecError;
pub use problem::{FieldError, Problem};
pub use schemars::JsonSchema;

/// What you implement to document your own extractors, responders and callback
/// bodies, and the declarations the macros implement.
///
/// A type of a handler's signature documents itself through [`OperationInput`](describe::OperationInput)
/// (arguments) or [`OperationOutput`](describe::OperationOutput) (return types), adding parameters, bodies,
/// responses and security requirements to the [`OperationContext`](describe::OperationContext). The guide's
/// chapter "Documenting your own types" walks through one.
pub mod describe {
    pub use crate::callback_io::{CallbackBody, CallbackReply};
    pub use crate::context::OperationContext;
    pub use crate::declarations::{CallbackDeclaration, DocumentedOperation, WebhookDeclaration};
    pub use crate::input::{schema_for, OperationInput};
    pub use crate::output::OperationOutput;
    pub use crate::schema::SchemaRegistry;
    pub use crate::undocumented::Undocumented;
}

#[doc = include_str!("../docs/callback.md")]
pub use hookspec_macros::callback;

#[doc = include_str!("../docs/webhook.md")]
pub use hookspec_macros::webhook;

#[doc = include_str!("../docs/route.md")]
pub use hookspec_macros::get;

/// The other route macros take the same arguments as [`get`], whose page shows
/// their syntax, attributes and examples.
macro_rules! route_macros {
    ($($name:ident)*) => {$(
        #[doc = concat!("Like [`get`], for `", stringify!($name), "`: see [`get`] for syntax, attributes and examples.")]
        pub use hookspec_macros::$name;
    )*};
}

route_macros!(post put patch delete head options trace route);

/// Like [`get`], for `CONNECT`: routed, and left out of the document (OpenAPI
/// has no `connect` operation).
pub use hookspec_macros::connect;

#[doc = include_str!("../docs/routes.md")]
pub use hookspec_macros::routes;

#[doc = include_str!("../docs/scope.md")]
pub use hookspec_macros::scope;

/// What the macros' expansions use. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::callback_io::{CallbackBody, CallbackReply};
    pub use crate::context::OperationContext;
    pub use crate::context::{DeclaredReply, ReplyCheck};
    pub use crate::declarations::{
        CallbackDeclaration, DocumentedOperation, DocumentedRoute, WebhookDeclaration,
    };
    pub use crate::input::OperationInput;
    pub use crate::macro_support::{
        add_link, callback_use, handler_future, method_guard, unknown_path_parameter, CallbackUse,
    };
    pub use crate::meta::{CallbackMeta, OperationMeta, PathReference, WebhookMeta};
    pub use crate::openapi::{Method, Response};
    pub use crate::output::{Opaque, OperationOutput};
    pub use crate::received::keep_request_bodies;
    pub use crate::security::RequirementMeta;
    pub use crate::undocumented::{
        Arg, DocumentedKind, DocumentedOutputKind, NotAResponderKind, NotAnExtractorKind, Ret,
        SchemalessJsonKind, UnknownExtractorKind, UnknownResponderKind,
    };
    pub use actix_web;
    pub use hookspec_expr::{Expression, JsonPointer, Segment, Source, UrlTemplate};
    pub use serde_json;
}
