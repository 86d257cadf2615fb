//! The API user's side of `examples/invoices.rs`: a server that receives the
//! `invoice_notification` callback, checks its signature, and answers `{"ok": true}`.
//! Built with hookspec as well, so it documents what it accepts.
//!
//! ```text
//! cargo run --example receiver        # on http://127.0.0.1:9000, docs at /docs
//! ```
//!
//! Environment: `HOST`, `PORT` (default 127.0.0.1:9000), `RECEIVER_SECRETS`: the
//! secrets it verifies with, space- or comma-separated (the invoices example's
//! demo secret by default; `HOOKSPEC_SIGNING_SECRETS`, its former name, is still
//! read, with a warning).

use std::sync::Mutex;

use actix_web::web::{Data, Json, Path};
use hookspec::signing::{Verified, Verifier};
use hookspec::{get, post, Api, JsonSchema};
use serde::{Deserialize, Serialize};

/// The demo secret of `examples/invoices.rs`.
pub const DEMO_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// What the invoices API says happened to an invoice.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceEvent {
    pub description: String,
    pub paid: bool,
}

/// The acknowledgement the invoices API expects.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceEventReceived {
    pub ok: bool,
}

/// One notification received and verified.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Notification {
    /// `webhook-id`: the same on every retry, so duplicates can be dropped.
    pub webhook_id: String,
    pub invoice_id: String,
    pub event: InvoiceEvent,
}

/// The notifications received, in order, without duplicates.
#[derive(Default)]
pub struct Inbox(pub Mutex<Vec<Notification>>);

/// Receive an invoice notification.
///
/// Answers 401 unless the Standard Webhooks signature is valid.
#[post("/invoices/{invoice_id}")]
pub async fn receive(
    invoice_id: Path<String>,
    event: Verified<InvoiceEvent>,
    inbox: Data<Inbox>,
) -> Json<InvoiceEventReceived> {
    let mut inbox = inbox
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // At-least-once delivery: a retry of a delivery already handled is acknowledged again.
    if !inbox.iter().any(|seen| seen.webhook_id == event.message.id) {
        println!(
            "invoice {invoice_id}: {} (paid: {})",
            event.body.description, event.body.paid
        );
        inbox.push(Notification {
            webhook_id: event.message.id.clone(),
            invoice_id: invoice_id.into_inner(),
            event: event.body,
        });
    }
    Json(InvoiceEventReceived { ok: true })
}

/// List the notifications received.
#[get("/received")]
pub async fn received(inbox: Data<Inbox>) -> Json<Vec<Notification>> {
    let inbox = inbox
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Json(inbox.clone())
}

/// The receiver's API.
pub fn api() -> Api {
    Api::new("Invoice notification receiver", "1.0.0")
        .service(receive)
        .service(received)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(9000);
    // Several secrets (space- or comma-separated) during a key rotation.
    let secrets = match (
        std::env::var("RECEIVER_SECRETS"),
        std::env::var("HOOKSPEC_SIGNING_SECRETS"),
    ) {
        (Ok(secrets), _) => secrets,
        (Err(_), Ok(secrets)) => {
            eprintln!("warning: HOOKSPEC_SIGNING_SECRETS is now RECEIVER_SECRETS here; rename it");
            secrets
        }
        (Err(_), Err(_)) => DEMO_SECRET.to_owned(),
    };
    let secrets: Vec<&str> = secrets
        .split([' ', ','])
        .filter(|secret| !secret.is_empty())
        .collect();
    let verifier = Data::new(Verifier::new(&secrets).map_err(std::io::Error::other)?);
    let inbox = Data::new(Inbox::default());
    let api = api();
    api.check().map_err(std::io::Error::other)?;
    println!("Receiver on http://{host}:{port} (docs at http://{host}:{port}/docs)");
    actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(verifier.clone())
            .app_data(inbox.clone())
            .configure(api.configure())
    })
    .bind((host.as_str(), port))?
    .run()
    .await
}
