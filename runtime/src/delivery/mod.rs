//! Sending the callbacks an API documents, from the same declarations.
//!
//! ```no_run
//! # use actix_web::{web::{Data, Json, Query}, HttpRequest};
//! # use hookspec::{callback, post, JsonSchema, delivery::Callbacks};
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Serialize, Deserialize, JsonSchema)] struct Invoice { id: String }
//! # #[derive(Serialize, Deserialize, JsonSchema)] struct InvoiceEvent { paid: bool }
//! # #[derive(Serialize, Deserialize, JsonSchema)] struct Ack { ok: bool }
//! # #[derive(Deserialize, JsonSchema)] struct Params { callback_url: Option<String> }
//! /// Tell the API user about their invoice.
//! #[callback(post, "{$request.query.callback_url}/invoices/{$request.body#/id}")]
//! async fn invoice_notification(body: Json<InvoiceEvent>) -> Json<Ack> {}
//!
//! /// Create an invoice.
//! #[post("/invoices/", callbacks(invoice_notification))]
//! async fn create_invoice(
//!     req: HttpRequest,
//!     invoice: Json<Invoice>,
//!     params: Query<Params>,
//!     callbacks: Data<Callbacks>,
//! ) -> Json<Invoice> {
//!     // URL from this request, body typed as the callback declares; returns once
//!     // the delivery is in the store, before it is sent.
//!     let sent = callbacks
//!         .callback::<invoice_notification>(&req)
//!         .enqueue(&InvoiceEvent { paid: true })
//!         .await;
//!     if let Err(why) = sent {
//!         eprintln!("no notification: {why}"); // e.g. no callback_url was given
//!     }
//!     invoice
//! }
//! ```

mod attempt;
mod bound;
mod builder;
mod callbacks;
mod dispatch;
mod dispatcher_thread;
mod due_times;
mod endpoints;
mod engine;
mod env;
mod error;
pub(crate) mod evaluate;
pub mod metrics;
mod record;
mod replies;
mod request;
mod retry;
mod retry_after;
mod sender;
mod settings;
mod ssrf;
pub mod store;

pub use attempt::DeliveryError;
pub use builder::{BuildError, CallbacksBuilder, DEFAULT_SQLITE_PATH};
pub use callbacks::Callbacks;
pub use endpoints::{EndpointEvent, EndpointHealth};
pub use env::{
    ATTEMPT_TIMEOUT_VARIABLE, LEASE_VARIABLE, POLICY_VARIABLE, RETRY_SCHEDULE_VARIABLE,
    SECRETS_VARIABLE, STORE_VARIABLE,
};
pub use error::SendError;
pub use evaluate::{NotApplicable, Trigger};
pub use record::{Attempt, DeliveryId, DeliveryRecord, DeliveryState};
pub use request::{CallbackRequest, DeliveryRequest, WebhookRequest};
pub use retry::RetryPolicy;
pub use sender::{Callback, Webhook};
pub use ssrf::{AddressPolicy, LookupFuture, NameLookup, Refused};
pub use store::{DeliveryFilter, DeliveryStore, StateKind, StoreError};
/// The URL type [`SecretResolver`]s are given (the `url` crate's).
pub use url::Url;

pub use settings::{KeySecretResolver, SecretResolver};
