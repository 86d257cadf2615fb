//! FastAPI's "OpenAPI Callbacks" tutorial, in Rust: an API that creates invoices,
//! documents the callback it sends to the API user's `callback_url`, and sends it
//! (in the background, signed with Standard Webhooks headers).
//!
//! ```text
//! cargo run --example invoices        # then open http://127.0.0.1:8000/docs
//! HOST=0.0.0.0 PORT=9000 cargo run --example invoices
//! ```
//!
//! Environment: `WEBHOOK_SECRET` (a `whsec_...` secret; a demo one by default),
//! `CALLBACK_POLICY`: `public` (default: public addresses only), `public+loopback`
//! (also 127.0.0.1, for trying it with `examples/receiver.rs`), or `loopback-only`
//! (nothing but 127.0.0.1, and no DNS lookups). `DELIVERY_STORE`: where accepted
//! notifications wait for delivery: `sqlite:<file>` (default:
//! `sqlite:invoices-deliveries.sqlite3`, survives restarts), `postgres://...`
//! (shared by several instances) or `memory`.

use std::time::Duration;

use actix_web::web::{Data, Json, Query};
use actix_web::HttpRequest;
use hookspec::delivery::{AddressPolicy, Callbacks, CallbacksBuilder, SendError};
use hookspec::{callback, post, Api, JsonSchema};
use serde::{Deserialize, Serialize};

/// The demo signing secret, shared with `examples/receiver.rs`; set `WEBHOOK_SECRET`
/// to a secret of your own anywhere else.
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
#[post("/invoices/", callbacks(invoice_notification), tag = "invoices")]
pub async fn create_invoice(
    req: HttpRequest,
    invoice: Json<Invoice>,
    params: Query<CreateInvoiceParams>,
    callbacks: Data<Callbacks>,
) -> Result<Json<InvoiceReceipt>, SendError> {
    // Send the invoice, collect the money, send the notification (the callback):
    // its URL comes from this request, as the document says.
    let _ = params;
    let event = InvoiceEvent {
        description: format!("Invoice {} paid", invoice.id),
        paid: true,
    };
    let queued = callbacks
        .callback::<invoice_notification>(&req)
        .enqueue(&event)
        .await;
    match queued {
        // In the store: it will be sent, across restarts, until it succeeds or
        // its retries run out.
        Ok(delivery) => println!("invoice {}: notification {delivery} queued", invoice.id),
        // The store cannot take the notification now: answer 503 (try again)
        // rather than create an invoice whose notification would be lost.
        Err(
            error @ (SendError::Store(_) | SendError::QueueFull { .. } | SendError::ShuttingDown),
        ) => return Err(error),
        // No callback_url, or one we may not call (a private address, say): the
        // invoice is created either way; the API user gets no callback.
        Err(error) => eprintln!("invoice {}: no notification: {error}", invoice.id),
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
        .service(create_invoice)
}

/// The address policy named by `CALLBACK_POLICY`.
pub fn policy_from_env() -> Result<AddressPolicy, String> {
    match std::env::var("CALLBACK_POLICY").as_deref() {
        Err(_) | Ok("public") => Ok(AddressPolicy::public_only()),
        Ok("public+loopback") => Ok(AddressPolicy::public_only().allow_loopback()),
        Ok("loopback-only") => Ok(AddressPolicy::listed_only().allow_loopback()),
        Ok(other) => Err(format!(
            "CALLBACK_POLICY must be `public`, `public+loopback` or `loopback-only`, not `{other}`"
        )),
    }
}

/// The file the notifications wait in unless `DELIVERY_STORE` says otherwise.
pub const DEFAULT_STORE: &str = "sqlite:invoices-deliveries.sqlite3";

/// A builder keeping deliveries where `store` says: `sqlite:<file>`,
/// `postgres://...` or `memory`.
pub fn with_store(builder: CallbacksBuilder, store: &str) -> Result<CallbacksBuilder, String> {
    if let Some(path) = store.strip_prefix("sqlite:") {
        Ok(builder.sqlite(path))
    } else if store.starts_with("postgres://") || store.starts_with("postgresql://") {
        Ok(builder.postgres(store))
    } else if store == "memory" {
        Ok(builder.in_memory())
    } else {
        Err(format!(
            "DELIVERY_STORE must be `sqlite:<file>`, `postgres://...` or `memory`, not `{store}`"
        ))
    }
}

/// The callback sender: signed with `secret`, reaching what `policy` admits,
/// keeping deliveries in `store` (see [`with_store`]).
pub fn callbacks(secret: &str, policy: AddressPolicy, store: &str) -> Result<Callbacks, String> {
    let builder = Callbacks::builder()
        .signing_secrets(&[secret])
        .address_policy(policy);
    with_store(builder, store)?
        .build()
        .map_err(|error| error.to_string())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    // `--print-openapi` / `--print-openapi-3.0`: print a document and exit, for tools.
    if let Some(flag) = std::env::args().nth(1) {
        let document = match flag.as_str() {
            "--print-openapi" => api().openapi_json(),
            "--print-openapi-3.0" => api().openapi_3_0_json(),
            other => return Err(std::io::Error::other(format!("unknown argument `{other}`"))),
        };
        let document = document.map_err(std::io::Error::other)?;
        println!("{}", String::from_utf8_lossy(&document));
        return Ok(());
    }
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("PORT must be a port number, not `{port}`"),
            )
        })?,
        Err(_) => 8000,
    };
    let secret = std::env::var("WEBHOOK_SECRET").unwrap_or_else(|_| DEMO_SECRET.to_owned());
    let store = std::env::var("DELIVERY_STORE").unwrap_or_else(|_| DEFAULT_STORE.to_owned());
    let callbacks = policy_from_env()
        .and_then(|policy| callbacks(&secret, policy, &store))
        .map_err(std::io::Error::other)?;
    let api = api();
    api.check().map_err(std::io::Error::other)?;
    println!("Invoices API on http://{host}:{port} (docs at http://{host}:{port}/docs)");
    let data = Data::new(callbacks.clone());
    actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(data.clone())
            .configure(api.configure())
    })
    .bind((host.as_str(), port))?
    .run()
    .await?;
    // Let attempts under way finish; unfinished notifications stay in the store
    // and go out after the next start.
    let unfinished = callbacks.shutdown(Duration::from_secs(10)).await;
    if unfinished > 0 {
        eprintln!("{unfinished} notification(s) left for the next start");
    }
    Ok(())
}
