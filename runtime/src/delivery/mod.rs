//! Sending the callbacks an API documents, from the same declarations.
//!
//! Start here:
//!
//! - [`Callbacks`]: what the application holds (in `web::Data`) to send, read
//!   back and replay deliveries;
//! - [`CallbacksBuilder`]: its store, address policy, retries and signing
//!   secrets (`Callbacks::builder()`, or `CallbacksBuilder::from_env()`);
//! - [`Callback<C>`] and [`Webhook<W>`]: handler arguments that send callback or
//!   webhook `C`/`W` for the request being handled, and document it;
//! - [`SendError`]: why a delivery was not accepted, and how a handler answers.
//!
//! Then [`policy`] (retries, the address guard, per-receiver secrets),
//! [`records`] (what happened to each delivery), [`store`] (where deliveries
//! live), [`env`](mod@env) (settings from the environment) and [`metrics`].
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
mod error;
pub(crate) mod evaluate;
pub mod management;
pub mod metrics;
mod owner_secrets;
pub mod owners;
mod record;
mod replies;
mod request;
mod retry;
mod retry_after;
mod sender;
mod settings;
mod settings_env;
mod ssrf;
pub mod store;
pub mod subscriptions;

pub use builder::{BuildError, CallbacksBuilder};
pub use callbacks::Callbacks;
pub use error::SendError;
pub use evaluate::{NotApplicable, Trigger};
pub use request::{CallbackRequest, DeliveryRequest, WebhookRequest};
pub use sender::{Callback, Webhook};

/// How deliveries are retried, where they may go, and how an application that
/// keeps its users' secrets itself gives them.
pub mod policy {
    pub use super::retry::RetryPolicy;
    pub use super::settings::OwnerSecretResolver;
    pub use super::ssrf::{AddressPolicy, LookupFuture, NameLookup, Refused};
}

/// What happened to each delivery, and to each endpoint.
pub mod records {
    pub use super::attempt::DeliveryError;
    pub use super::endpoints::{EndpointEvent, EndpointHealth};
    pub use super::record::{Attempt, DeliveryId, DeliveryRecord, DeliveryState};
    pub use super::store::{DeliveryFilter, LogQuery, Payload, StateKind};
}

/// The environment variables [`CallbacksBuilder::from_env`] reads, and the
/// default SQLite file.
pub mod env {
    pub use super::builder::DEFAULT_SQLITE_PATH;
    pub use super::settings_env::{
        ATTEMPT_TIMEOUT_VARIABLE, LEASE_VARIABLE, POLICY_VARIABLE, RETRY_SCHEDULE_VARIABLE,
        SECRETS_KEY_VARIABLE, SINGLE_TENANT_SECRETS_VARIABLE, STORE_VARIABLE,
    };
}
