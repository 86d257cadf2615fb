//! FastAPI's "OpenAPI Callbacks" tutorial, in Rust: an API that creates invoices
//! and documents the callback it sends to the API user's `callback_url`.
//!
//! ```text
//! cargo run --example invoices        # then open http://127.0.0.1:8000/docs
//! HOST=0.0.0.0 PORT=9000 cargo run --example invoices
//! ```

use actix_web::web::{Json, Query};
use hookspec::{callback, post, Api, JsonSchema};
use serde::{Deserialize, Serialize};

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
    invoice: Json<Invoice>,
    params: Query<CreateInvoiceParams>,
) -> Json<InvoiceReceipt> {
    // Send the invoice, collect the money, send the notification (the callback).
    let _ = (invoice, params);
    Json(InvoiceReceipt {
        msg: "Invoice received".to_owned(),
    })
}

/// The API: one list of handlers for both routing and documentation.
pub fn api() -> Api {
    Api::new("Invoices", "1.0.0").service(create_invoice)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
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
    let api = api();
    api.check().map_err(std::io::Error::other)?;
    println!("Invoices API on http://{host}:{port} (docs at http://{host}:{port}/docs)");
    actix_web::HttpServer::new(move || actix_web::App::new().configure(api.configure()))
        .bind((host.as_str(), port))?
        .run()
        .await
}
