//! FastAPI's "OpenAPI Callbacks" tutorial, in Rust: an API that creates invoices,
//! documents the callback it sends to the API user's `callback_url`, and sends it
//! (in the background, signed with Standard Webhooks headers).
//!
//! ```text
//! cargo run --example invoices        # then open http://127.0.0.1:8000/docs
//! HOST=0.0.0.0 PORT=9000 cargo run --example invoices
//! ```
//!
//! The tutorial's API has one user, so its callbacks are signed with
//! single-tenant secrets: an API with several users signs each one's callbacks
//! with that user's own secret (`CallbacksBuilder::owner_secrets`, see
//! `examples/subscriptions.rs`).
//!
//! Environment (read by `CallbacksBuilder::from_env`): `HOOKSPEC_SINGLE_TENANT_SECRETS`
//! (`whsec_...` secrets; the demo one by default), `HOOKSPEC_CALLBACK_POLICY`:
//! `public` (default: public addresses only), `public+loopback` (also 127.0.0.1,
//! for trying it with `examples/receiver.rs`) or `loopback-only` (nothing but
//! 127.0.0.1, and no DNS lookups); `HOOKSPEC_DELIVERY_STORE`: where accepted
//! notifications wait for delivery: `sqlite:<file>` (default: a SQLite file in the
//! working directory, survives restarts), `postgres://...` (shared by several
//! instances) or `memory`; `HOOKSPEC_RETRY_SCHEDULE` (`5s, 5m, 30m`),
//! `HOOKSPEC_ATTEMPT_TIMEOUT` and `HOOKSPEC_LEASE` (durations: `10s`, `40s`);
//! `HOOKSPEC_METRICS=1`: delivery metrics (attempts by
//! outcome, their durations, unfinished deliveries, disabled endpoints) for
//! Prometheus at `/metrics`.

use std::time::Duration;

use actix_web::web::{Data, Json, Query};
use hookspec::delivery::env::{SECRETS_KEY_VARIABLE, SINGLE_TENANT_SECRETS_VARIABLE};
use hookspec::delivery::{BuildError, Callback, Callbacks, CallbacksBuilder, SendError};
use hookspec::{callback, post, Api, JsonSchema};
use metrics_exporter_prometheus::PrometheusBuilder;
use serde::{Deserialize, Serialize};

/// Set (to anything) to serve delivery metrics for Prometheus at `/metrics`.
pub const METRICS_VARIABLE: &str = "HOOKSPEC_METRICS";

/// The demo signing secret, shared with `examples/receiver.rs`; set
/// `HOOKSPEC_SINGLE_TENANT_SECRETS` to a secret of your own anywhere else.
pub const DEMO_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// An invoice to send to a client.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Invoice {
    pub id: String,
    pub title: Option<String>,
    pub customer: String,
    pub total: f64,
}

/// Something that happened to an invoice.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceEvent {
    pub description: String,
    pub paid: bool,
}

/// The API user's acknowledgement of an [`InvoiceEvent`].
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceEventReceived {
    pub ok: bool,
}

/// The query parameters of `POST /invoices/`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateInvoiceParams {
    pub callback_url: Option<url::Url>,
}

/// What `POST /invoices/` answers.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceReceipt {
    pub msg: String,
}

/// Notify the API user about an invoice event.
#[callback(post, "{$request.query.callback_url}/invoices/{$request.body#/id}")]
pub async fn invoice_notification(body: Json<InvoiceEvent>) -> Json<InvoiceEventReceived> {}

/// Create an invoice.
///
/// This will (let's imagine) let the API user (some external developer) create an
/// invoice.
///
/// And this path operation will:
///
/// * Send the invoice to the client.
/// * Collect the money from the client.
/// * Send a notification back to the API user (the external developer), as a callback.
///     * At this point is that the API will somehow send a POST request to the
///       external API with the notification of the invoice event
///       (e.g. "payment successful").
#[post("/invoices/", tag = "invoices")]
pub async fn create_invoice(
    invoice: Json<Invoice>,
    params: Query<CreateInvoiceParams>,
    // Sends `invoice_notification` for this request, and documents it on this
    // operation: the handler can send only what its operation documents.
    notify: Callback<invoice_notification>,
) -> Result<Json<InvoiceReceipt>, SendError> {
    // Send the invoice, collect the money, send the notification (the callback):
    // its URL comes from this request, as the document says.
    let _ = params;
    let event = InvoiceEvent {
        description: format!("Invoice {} paid", invoice.id),
        paid: true,
    };
    match notify.enqueue(&event).await {
        // In the store: it will be sent, across restarts, until it succeeds or
        // its retries run out.
        Ok(delivery) => println!("invoice {}: notification {delivery} queued", invoice.id),
        // No callback_url, or one we may not call (a private address, say): the
        // invoice is created either way; the API user gets no callback.
        Err(error) if error.is_bad_url() => {
            eprintln!("invoice {}: no notification: {error}", invoice.id)
        }
        // The store cannot take the notification now: answer 503 (try again)
        // rather than create an invoice whose notification would be lost.
        Err(error) => return Err(error),
    }
    Ok(Json(InvoiceReceipt {
        msg: "Invoice received".to_owned(),
    }))
}

/// The API: one list of handlers for both routing and documentation.
pub fn api() -> Api {
    Api::new("Invoices", "1.0.0")
        .license("MIT", "MIT")
        .server("/", None)
        .without_authentication()
        // The notifications carry Standard Webhooks signatures: their headers
        // are documented with the callback.
        .signed_callbacks()
        .service(create_invoice)
}

/// The callback sender `builder` makes, checking replies against the API's
/// declarations (also of notifications read back from the store after a restart).
pub fn callbacks(builder: CallbacksBuilder) -> Result<Callbacks, BuildError> {
    builder.api(&api()).build()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let api = api();
    if api.print_document_if_asked()? {
        return Ok(()); // `--print-openapi` (3.1), `-3.0` or `-3.2`, for tools
    }
    let mut builder = CallbacksBuilder::from_env().map_err(std::io::Error::other)?;
    let signing_set = [
        SECRETS_KEY_VARIABLE,
        SINGLE_TENANT_SECRETS_VARIABLE,
        "HOOKSPEC_SIGNING_SECRETS",
    ]
    .iter()
    .any(|variable| std::env::var_os(variable).is_some());
    if !signing_set {
        builder = builder.single_tenant_secrets(&[DEMO_SECRET]);
    }
    // Installed before the dispatcher starts, so it sees every metric.
    let metrics = match std::env::var_os(METRICS_VARIABLE) {
        Some(_) => Some(
            PrometheusBuilder::new()
                .install_recorder()
                .map_err(std::io::Error::other)?,
        ),
        None => None,
    };
    let callbacks = callbacks(builder).map_err(std::io::Error::other)?;
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port: u16 = std::env::var("PORT")
        .map_or(Ok(8000), |port| port.parse())
        .map_err(|_| std::io::Error::other("PORT must be a port number"))?;
    println!("Invoices API on http://{host}:{port} (docs at http://{host}:{port}/docs)");
    let data = Data::new(callbacks.clone());
    actix_web::HttpServer::new(move || {
        let app = actix_web::App::new()
            .app_data(data.clone())
            .configure(api.configure());
        // Operators' endpoint, not part of the API: not in the document.
        match metrics.clone() {
            Some(handle) => app.route(
                "/metrics",
                actix_web::web::get().to(move || {
                    let text = handle.render();
                    async move {
                        actix_web::HttpResponse::Ok()
                            .content_type("text/plain; version=0.0.4")
                            .body(text)
                    }
                }),
            ),
            None => app,
        }
    })
    .bind((host.as_str(), port))?
    .run()
    .await?;
    // Let attempts under way finish; unfinished notifications stay in the store.
    callbacks.shutdown(Duration::from_secs(10)).await;
    Ok(())
}
